/**
 * CFTR genotypes as laboratories write them → the two CPIC CFTR allele names of `genes.json`. CPIC names CFTR alleles
 * by the ivacaftor-responsive variants of the FDA label, in legacy protein notation (`G551D`, `F508C,S1251N`,
 * `G1249R(G>A)`, intronic `3849+10kbC->T`), and one label for every other sequence: "ivacaftor non-responsive CFTR
 * sequence" (its CPIC implication: "negative for a CFTR variant listed in the FDA-approved drug label as being
 * responsive to ivacaftor").
 *
 * Read: the CPIC names themselves (coded or text, any case and spacing), HGVS protein names converted to legacy
 * notation (`p.Gly551Asp`, `p.(Gly551Asp)`, `p.G551D` → `G551D`; `p.Phe508del` → `F508del`; `Ter`/`*` → `X`), zygosity
 * words (`homozygous`, `heterozygous`, `two copies of`), and separators `/`, `;`, `,`, `and`.
 *
 * Choices (documented in the folder README): a legacy protein variant CPIC does not list (e.g. `F508del`) is read as
 * the CPIC "non-responsive" sequence, which is what that label means, and the note says so. cDNA names (`c.1652G>A`)
 * are not read: the data set gives no cDNA names, so a listed variant written in cDNA could not be told from an
 * unlisted one, and reading it as non-responsive would withhold ivacaftor wrongly. A genotype naming one variant only
 * is read when CPIC gives that variant the same phenotype with every partner (checked against the diplotype table).
 */
import { diplotypeTable, geneKnowledge, ownEntry } from './knowledge';
import { PARTNER_NOT_REPORTED } from './phenotype';

export const CFTR_NON_RESPONSIVE = 'ivacaftor non-responsive CFTR sequence';

const AMINO_ACIDS: Readonly<Record<string, string>> = {
  ala: 'A',
  arg: 'R',
  asn: 'N',
  asp: 'D',
  cys: 'C',
  gln: 'Q',
  glu: 'E',
  gly: 'G',
  his: 'H',
  ile: 'I',
  leu: 'L',
  lys: 'K',
  met: 'M',
  phe: 'F',
  pro: 'P',
  ser: 'S',
  thr: 'T',
  trp: 'W',
  tyr: 'Y',
  val: 'V',
  ter: 'X',
};

/** HGVS protein → legacy protein name: `p.(Gly551Asp)` → `G551D`; other text unchanged. */
export function legacyProteinName(name: string): string {
  const match = /^p\.\(?([A-Za-z]{1,3})(\d+)([A-Za-z]{1,3}|\*|del|dup)\)?$/i.exec(name.trim());
  if (!match?.[1] || !match[2] || !match[3]) return name.trim();
  const one = (aa: string): string | undefined =>
    aa === '*' ? 'X' : aa.length === 1 ? aa.toUpperCase() : ownEntry(AMINO_ACIDS, aa.toLowerCase());
  const from = one(match[1]);
  const to = /^(del|dup)$/i.test(match[3]) ? match[3].toLowerCase() : one(match[3]);
  return from && to ? `${from}${match[2]}${to}` : name.trim();
}

/** A legacy protein-level variant name (`F508del`, `W1282X`, `R117H`), the notation CPIC's CFTR names use. */
const LEGACY_PROTEIN = /^[ACDEFGHIKLMNPQRSTVWY]\d{1,4}(?:[ACDEFGHIKLMNPQRSTVWYX]|del|dup)$/i;

function comparable(name: string): string {
  return name.toLowerCase().replace(/\s+/g, '');
}

let index: Map<string, string> | undefined;

/** Comparable CPIC CFTR allele name → the name (names with a comma or parentheses are matched whole). */
function cftrIndex(): Map<string, string> {
  index ??= new Map(Object.keys(geneKnowledge('CFTR')?.alleles ?? {}).map((n) => [comparable(n), n]));
  return index;
}

const anyPartner = new Map<string, string | undefined>();

/** The phenotype CPIC gives an allele with every partner in the diplotype table, when it is always the same. */
export function phenotypeWithAnyPartner(allele: string): string | undefined {
  if (!anyPartner.has(allele)) {
    const phenotypes = new Set(
      (diplotypeTable('CFTR') ?? []).filter((row) => row[0].split('/').includes(allele)).map((row) => row[1]),
    );
    anyPartner.set(allele, phenotypes.size === 1 ? [...phenotypes][0] : undefined);
  }
  return anyPartner.get(allele);
}

/** What a CFTR text names: the CPIC allele names (two), the mappings made, or why it could not be read. */
export type CftrReading =
  | {
      readonly ok: true;
      readonly alleles: readonly string[];
      readonly notes: readonly string[];
      /** What the reading took for granted (see `GeneResult.assumed`). */
      readonly assumed?: readonly string[];
    }
  | { readonly ok: false; readonly reason: string };

const HOMOZYGOUS = /\bhomozygous\b|\btwo copies of\b|\bbiallelic\b/i;
const FILLER =
  /\b(?:cftr|genotype|variants?|mutations?|detected|found|heterozygous|homozygous|two copies of|one copy of|biallelic|compound|for)\b|:/gi;

/** Reads a CFTR genotype text (see the module comment); undefined when it names no CFTR variant at all. */
export function readCftrText(value: string): CftrReading | undefined {
  let text = value;
  const named: string[] = [];
  const notes: string[] = [];
  // The CPIC label and the CPIC names with commas/parentheses are taken whole before the text is split.
  text = text.replace(/ivacaftor\s+non-?\s*responsive\s+(?:cftr\s+)?sequence/gi, () => {
    named.push(CFTR_NON_RESPONSIVE);
    return ' ; ';
  });
  for (const name of cftrIndex().values()) {
    if (!/[,(]/.test(name)) continue;
    const at = text.toLowerCase().indexOf(name.toLowerCase());
    if (at >= 0) {
      named.push(name);
      text = `${text.slice(0, at)} ; ${text.slice(at + name.length)}`;
    }
  }
  const homozygous = HOMOZYGOUS.test(text);
  const tokens = text
    // HGVS reference sequence prefixes (`NM_000492.4(CFTR):`), as ClinVar displays write them.
    .replace(/\b[NX][MGC]_\d+(?:\.\d+)?(?:\([^)]*\))?:/g, ' ')
    .replace(FILLER, ' ')
    .split(/(?:\/|;|,|\band\b|\s)+/i)
    .map((t) => t.trim().replace(/^\((p\..*)\)$/, '$1'))
    .filter((t) => t.length > 0);
  for (const [at, token] of tokens.entries()) {
    // A cDNA name followed by its protein name (`c.1652G>A (p.Gly551Asp)`): the protein name is read.
    if (/^c\./i.test(token) && /^p\./i.test(tokens[at + 1] ?? '')) continue;
    const legacy = legacyProteinName(token);
    const cpic = cftrIndex().get(comparable(legacy));
    if (cpic) {
      if (legacy !== token) notes.push(`CFTR ${token} read as CPIC variant ${cpic}`);
      named.push(cpic);
    } else if (LEGACY_PROTEIN.test(legacy)) {
      notes.push(
        `CFTR ${legacy} is not among the ivacaftor-responsive variants CPIC lists: read as "${CFTR_NON_RESPONSIVE}"`,
      );
      named.push(CFTR_NON_RESPONSIVE);
    } else if (/^c\.|^\d+[+-]/i.test(token)) {
      return {
        ok: false,
        reason: `CFTR ${token} is not a variant CPIC lists; only protein-level names are read as non-responsive`,
      };
    } else {
      return { ok: false, reason: `CFTR "${token}" is not a CFTR variant name` };
    }
  }
  const [only] = named;
  if (only === undefined) return undefined;
  notes.splice(0, notes.length, ...new Set(notes));
  if (named.length === 1 && homozygous) return { ok: true, alleles: [only, only], notes };
  if (named.length === 1) {
    const phenotype = phenotypeWithAnyPartner(only);
    if (!phenotype || only === CFTR_NON_RESPONSIVE)
      return { ok: false, reason: `CFTR: only ${only} named; the other allele decides the phenotype` };
    notes.push(`CFTR: only ${only} named; CPIC gives ${only} with any other allele "${phenotype}"`);
    return { ok: true, alleles: [only, CFTR_NON_RESPONSIVE], notes, assumed: [PARTNER_NOT_REPORTED] };
  }
  if (named.length > 2) return { ok: false, reason: `CFTR: ${named.length} variants named, two expected` };
  return { ok: true, alleles: named, notes };
}
