/**
 * What a pharmacogenomic Observation says, as strings to read: the codes a prefetch asks for, an Observation's codings,
 * the strings of its code and value, the genes a text names and the gene a result is for, its date, producer and
 * reference. Values are `unknown` until checked (DESIGN.md convention 4).
 */
import { withoutLabel } from './alleles';
import { cpicGenes } from './knowledge';
import { arr, obj, text } from './json';
import type { Json } from './json';

export const LOINC = 'http://loinc.org';
export const GENOTYPE = '84413-4';
export const HAPLOTYPE = '84414-2';
const GENE_STUDIED = '48018-6';
export const PHENOTYPE_CODES = new Set(['53040-2', '81259-4', 'therapeutic-implication']);

/**
 * Observation codes a PGx prefetch must ask for. LOINC 57979-7 "HLA-B*15:02 [Presence]" is the code the HL7
 * Genomics Reporting IG uses in its examples (HL7/genomics-reporting `input/fsh/…` GenomicsReportExample01);
 * 50956-2 "HLA-B*57:01 [Presence]" is taken from a public LOINC mapping table (one source only). HLA results coded
 * otherwise are still read when their code text names the allele.
 */
export const PGX_OBSERVATION_CODES: readonly {
  readonly system: string;
  readonly code: string;
  readonly display: string;
}[] = [
  { system: LOINC, code: GENOTYPE, display: 'Genotype display name' },
  { system: LOINC, code: HAPLOTYPE, display: 'Haplotype name' },
  { system: LOINC, code: '53040-2', display: "Genetic variation's effect on drug metabolism" },
  { system: LOINC, code: '81259-4', display: 'Associated phenotype' },
  {
    system: 'http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs',
    code: 'therapeutic-implication',
    display: 'Therapeutic Implication',
  },
  { system: LOINC, code: '57979-7', display: 'HLA-B*15:02 [Presence]' },
  { system: LOINC, code: '50956-2', display: 'HLA-B*57:01 [Presence]' },
];

interface Coding {
  readonly system?: string;
  readonly code?: string;
  readonly display?: string;
}

export function codings(concept: unknown): Coding[] {
  const found: Coding[] = [];
  for (const c of arr(obj(concept)?.coding)) {
    const coding = obj(c);
    if (!coding) continue;
    // Built by assignment, not conditional spreads: read several times for each Observation of every call.
    const read: { system?: string; code?: string; display?: string } = {};
    const system = text(coding.system);
    const code = text(coding.code);
    const display = text(coding.display);
    if (system) read.system = system;
    if (code) read.code = code;
    if (display) read.display = display;
    found.push(read);
  }
  return found;
}

/** Every human-readable string of a CodeableConcept: codes, displays, text. */
function conceptStrings(concept: unknown): string[] {
  const strings: string[] = [];
  for (const c of codings(concept)) {
    if (c.display) strings.push(c.display);
    if (c.code) strings.push(c.code);
  }
  const conceptText = text(obj(concept)?.text);
  if (conceptText) strings.push(conceptText);
  return strings;
}

/** The value of an Observation or component as strings to try (coded display first, then code, then text). */
export function valueStrings(holder: Json): string[] {
  const strings = conceptStrings(holder.valueCodeableConcept);
  for (const key of ['valueString', 'valueBoolean']) {
    const v = holder[key];
    if (typeof v === 'string' && v.trim()) strings.push(v.trim());
    if (typeof v === 'boolean') strings.push(v ? 'positive' : 'negative');
  }
  return strings;
}

let genePattern: { readonly pattern: RegExp; readonly symbols: ReadonlyMap<string, string> } | undefined;

/** One pattern for every CPIC gene symbol as a whole word, longest first (`CYP2C19` before any shorter symbol). */
function genesPattern(): NonNullable<typeof genePattern> {
  if (!genePattern) {
    const symbols = [...cpicGenes()].sort((a, b) => b.length - a.length);
    const alternatives = symbols.map((g) => g.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
    genePattern = {
      pattern: new RegExp(`(?<![A-Z0-9-])(?:${alternatives})(?![A-Z0-9])`, 'gi'),
      symbols: new Map(symbols.map((g) => [g.toUpperCase(), g])),
    };
  }
  return genePattern;
}

/** The CPIC genes a string names as whole symbols, in the order they appear (`CYP2C19*2` names CYP2C19, not CYP2C9). */
function genesInText(value: string): string[] {
  const { pattern, symbols } = genesPattern();
  const found = new Set<string>();
  for (const match of value.matchAll(pattern)) {
    const gene = symbols.get(match[0].toUpperCase());
    if (gene) found.add(gene);
  }
  if (found.size === 0) {
    // `HLA-B*57:01` written as `B*57:01` is only recognized together with a HLA word.
    const hla = /\bHLA[\s-]?([AB])\b/i.exec(value);
    return hla?.[1] ? [`HLA-${hla[1].toUpperCase()}`] : [];
  }
  return [...found];
}

/** The first CPIC gene a string names. */
function geneInText(value: string): string | undefined {
  return genesInText(value)[0];
}

/** The allele each LOINC presence code of `PGX_OBSERVATION_CODES` stands for, read from its display. */
const PRESENCE_CODE_NAMES = new Map(
  PGX_OBSERVATION_CODES.filter((c) => c.display.includes('[Presence]')).map((c) => [c.code, c.display]),
);

/** What an Observation's code says: its displays, codes and text, and the name of a LOINC presence code sent bare. */
export function codeStrings(observation: Json): string[] {
  const names = codings(observation.code).flatMap((c) => {
    const name = c.system === LOINC && c.code ? PRESENCE_CODE_NAMES.get(c.code) : undefined;
    return name ? [name] : [];
  });
  return [...conceptStrings(observation.code), ...names];
}

/**
 * One value reporting several genes, as a panel summary in text (`CYP2C19: *1/*2; CYP2D6: *1/*4 (Intermediate
 * Metabolizer)`): each statement that starts with a CPIC gene, with what follows the gene. Undefined unless every
 * statement starts with a gene and they name at least two (a GL String typing two loci is one statement).
 */
export function panelStatements(value: string): { gene: string; value: string }[] | undefined {
  for (const separator of [/[;\n|]/, /[;\n|,]/]) {
    const statements = value
      .split(separator)
      .map((statement) => statement.trim())
      .filter((statement) => statement.length > 0);
    if (statements.length < 2) continue;
    const read = statements.map((statement) => {
      const gene = geneInText(statement);
      const at = gene ? statement.toUpperCase().indexOf(gene.toUpperCase()) : -1;
      return gene && at === 0
        ? { gene, value: withoutLabel(statement.slice(gene.length).trim()) }
        : undefined;
    });
    if (read.some((r) => r === undefined)) continue;
    const found = read as { gene: string; value: string }[];
    if (new Set(found.map((r) => r.gene)).size >= 2) return found;
  }
  return undefined;
}

/** The gene-studied components (LOINC 48018-6) of an Observation. */
function geneComponents(observation: Json): Json[] {
  return arr(observation.component).flatMap((c) => {
    const component = obj(c);
    return component && codings(component.code).some((k) => k.code === GENE_STUDIED) ? [component] : [];
  });
}

/**
 * The genes of a result whose code names several (`CYP2C19 and CYP2D6 genotype`) while neither a gene component nor
 * the value says which one the value is for; undefined otherwise. Reading it as the first would be a guess.
 */
export function genesLeftOpen(
  observation: Json,
  codes: readonly string[],
  values: readonly string[],
): string[] | undefined {
  if (geneComponents(observation).length > 0 || values.some((s) => genesInText(s).length > 0))
    return undefined;
  const genes = [...new Set(codes.flatMap(genesInText))];
  return genes.length > 1 ? genes : undefined;
}

/** The gene studied: component 48018-6 (HGNC coding display or text), else a gene named in code or value. */
export function geneOf(
  observation: Json,
  codes: readonly string[],
  values: readonly string[],
): string | undefined {
  for (const component of geneComponents(observation)) {
    for (const s of conceptStrings(component.valueCodeableConcept)) {
      const gene = geneInText(s);
      if (gene) return gene;
    }
  }
  for (const s of [...codes, ...values]) {
    const gene = geneInText(s);
    if (gene) return gene;
  }
  return undefined;
}

export function dateOf(observation: Json): string | undefined {
  return (
    text(observation.effectiveDateTime) ??
    text(obj(observation.effectivePeriod)?.start) ??
    text(observation.issued) ??
    text(obj(observation.meta)?.lastUpdated)
  );
}

/** Who produced a result, by name: the first `performer` with a display, else the `device` display. */
export function producerOf(observation: Json): string | undefined {
  for (const performer of arr(observation.performer)) {
    const display = text(obj(performer)?.display)?.trim();
    if (display) return display;
  }
  return text(obj(observation.device)?.display)?.trim() || undefined;
}

export function referenceOf(observation: Json, index: number): string {
  const id = text(observation.id);
  return id ? `Observation/${id}` : `Observation[${index}]`;
}
