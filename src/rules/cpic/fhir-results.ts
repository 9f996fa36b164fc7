/**
 * FHIR pharmacogenomic Observations → one GeneResult per gene. Shapes read (see
 * `knowledge/research/pgx-fhir-and-cds-landscape.md`): Genomics Reporting genotype (LOINC 84413-4) and haplotype
 * (84414-2) Observations, phenotype Observations (81259-4, legacy 53040-2) and therapeutic implications
 * (`tbd-codes-cs#therapeutic-implication`), allele-specific HLA "[Presence]" results, and text-only variants of all
 * of them. Values are `unknown` until checked: anything unreadable is listed in `ignored` with the reason.
 */
import { splitDiplotype } from './alleles';
import { calendarDate } from './dates';
import { alleleFunctionsOf, geneKnowledge, ownEntry } from './knowledge';
import {
  callPhenotype,
  hlaSummary,
  formatScore,
  INDETERMINATE,
  normalizePhenotype,
  parseScore,
  phenotypeForScore,
  unreadableCall,
} from './phenotype';
import type { PhenotypeCall } from './phenotype';
import type { GeneConflict, GeneResult, ReadingKind, ResultReading } from './types';
import { readCftrText } from './cftr';
import type { CftrReading } from './cftr';
import { parseHlaText, riskAlleleStatus, typingText } from './hla';
import type { HlaAlleleStatus } from './hla';
import { allLookupValues } from './recommendations';
import { arr, obj, text } from './json';
import type { Json } from './json';
import { readHlaPresence, readHlaPresenceText, readHlaTypings, riskAlleles } from './hla-observations';
import {
  codeStrings,
  codings,
  dateOf,
  geneOf,
  genesLeftOpen,
  GENOTYPE,
  HAPLOTYPE,
  panelStatements,
  PHENOTYPE_CODES,
  producerOf,
  referenceOf,
  valueStrings,
} from './observation-text';

/**
 * LOINC answer codes for metabolizer phenotypes (Genomics Reporting IG value set genetic-therapeutic-implications-vs
 * and LOINC answer list LL3856-3, as listed in `knowledge/research/pgx-fhir-and-cds-landscape.md`).
 */
const PHENOTYPE_ANSWERS: Readonly<Record<string, string>> = {
  'LA9657-3': 'Poor Metabolizer',
  'LA10317-8': 'Intermediate Metabolizer',
  'LA25391-6': 'Normal Metabolizer',
  'LA25390-8': 'Rapid Metabolizer',
  'LA10315-2': 'Ultrarapid Metabolizer',
};

const USABLE_STATUSES = new Set(['final', 'amended', 'corrected']);
/**
 * FHIR R4 Observation.status codes of a result that is on its way but not final: `registered` ("The existence of the
 * observation is registered, but there is no result yet available") and `preliminary` ("This is an initial or interim
 * observation: data may be incomplete or unverified"). Never used for advice; said instead of "no result on file", so
 * the card does not invite a test already done or under way.
 */
const PENDING_STATUSES = new Set(['preliminary', 'registered']);

/** A result of a gene that is registered or preliminary, for a gene with no usable result (`PENDING_STATUSES`). */
export interface PendingResult {
  readonly gene: string;
  readonly source: string;
  readonly status: 'preliminary' | 'registered';
  /** The Observation's effective date (ISO 8601, as it gives it), when it has one. */
  readonly date?: string;
}

/** Why a resource did not contribute to a result. */
export interface IgnoredResource {
  readonly source: string;
  readonly reason: string;
}

/** Current results for one gene that disagree; the gene gets no result until someone resolves it. */
export interface GeneResultsReading {
  readonly results: GeneResult[];
  readonly conflicts: GeneConflict[];
  readonly ignored: IgnoredResource[];
  /**
   * Genes with no usable result and none that disagree, but a registered or preliminary one (the newest per gene):
   * not used for advice, but a pre-test card says the result is pending instead of asking for a test.
   */
  readonly pending: PendingResult[];
  /**
   * Pharmacogenomic results on file (coded as a genotype, haplotype, phenotype or therapeutic implication) that name no
   * gene, in a component, code or value, and are not derived from a result of one gene in the same set: no gene can be
   * said to be untested while they are unread.
   */
  readonly unassigned: UnassignedResult[];
}

/** A pharmacogenomic result that names no gene (`GeneResultsReading.unassigned`). */
export interface UnassignedResult {
  readonly source: string;
  /** What it is coded as: `genotype`, `haplotype`, `phenotype` (a phenotype or therapeutic implication). */
  readonly kind: 'genotype' | 'haplotype' | 'phenotype';
  readonly date?: string;
}

/** Options for reading results. */
export interface ReadOptions {
  /** Patient sex (`Patient.gender`), used for G6PD. */
  readonly sex?: string;
}
/** One reading of one Observation, before results for a gene are combined. */
interface Finding {
  readonly gene: string;
  readonly source: string;
  readonly date?: string;
  readonly derivedFrom: readonly string[];
  readonly kind: 'genotype' | 'haplotype' | 'phenotype' | 'hla-presence';
  /** What the source gave (an HLA genotype restated per risk allele stays a `genotype` reading). */
  readonly reading: ReadingKind;
  /** The value was free text, not a coding. */
  readonly text: boolean;
  /** genotype: the call; haplotype: the allele text; phenotype: the CPIC term; hla-presence: status per allele. */
  readonly call?: PhenotypeCall;
  readonly allele?: string;
  readonly phenotype?: string;
  readonly hla?: Readonly<Record<string, HlaAlleleStatus>>;
  /** HLA genotype: the alleles typed, ambiguity kept (`*57:01/*57:03+*07:02`). */
  readonly typed?: string;
  /** phenotype read from an activity score reported without a genotype: the score, as CPIC keys rows on it. */
  readonly score?: string;
  /** phenotype: why the laboratory's phenotype text could not be read (it names no term CPIC uses for the gene). */
  readonly unreadable?: string;
  /** Haplotype results paired into this genotype: their sources, each a reading of its own. */
  readonly paired?: readonly string[];
}

/** What each source of a finding gave. */
function readingsOf(f: Finding): ResultReading[] {
  return f.paired
    ? f.paired.map((source) => ({ source, kind: 'haplotype', text: f.text }))
    : [{ source: f.source, kind: f.reading, text: f.text }];
}

/** Sources and readings of findings, each source once (an HLA genotype read per risk allele is one source). */
function provenance(findings: readonly Finding[]): {
  sources: string[];
  readings: ResultReading[];
} {
  const readings = new Map<string, ResultReading>();
  for (const reading of findings.flatMap(readingsOf))
    if (!readings.has(reading.source)) readings.set(reading.source, reading);
  return { sources: [...readings.keys()], readings: [...readings.values()] };
}

/** The phenotype term an Observation reports for a gene (value or any component value). */
function reportedPhenotype(observation: Json, gene: string): string | undefined {
  const holders = [
    observation,
    ...arr(observation.component).flatMap((c) => (obj(c) ? [obj(c) as Json] : [])),
  ];
  for (const holder of holders) {
    for (const c of codings(holder.valueCodeableConcept)) {
      const answer = c.code ? ownEntry(PHENOTYPE_ANSWERS, c.code) : undefined;
      const term = answer ? normalizePhenotype(gene, answer) : undefined;
      if (term) return term;
    }
    for (const s of valueStrings(holder)) {
      const term = normalizePhenotype(gene, s);
      if (term) return term;
    }
  }
  return undefined;
}

/** A call of the alleles a CFTR text names, with what reading the text noted and assumed before the call's own. */
function withCftrReading(call: PhenotypeCall, reading: CftrReading | undefined): PhenotypeCall {
  if (!reading?.ok) return call;
  const assumed = [...(reading.assumed ?? []), ...(call.assumed ?? [])];
  return { ...call, notes: [...reading.notes, ...call.notes], ...(assumed.length > 0 ? { assumed } : {}) };
}

/** Tries each value string until one is a diplotype of CPIC alleles; else the first failure explains why. */
function readGenotypeValue(
  gene: string,
  observation: Json,
  sex: string | undefined,
): PhenotypeCall | undefined {
  let firstFailure: PhenotypeCall | undefined;
  for (const s of valueStrings(observation)) {
    if (gene === 'CFTR') {
      const cftr = readCftrText(s);
      if (!cftr) continue;
      const call = withCftrReading(
        cftr.ok ? callPhenotype(gene, cftr.alleles) : unreadableCall(gene, [], cftr.reason),
        cftr,
      );
      if (call.phenotype !== INDETERMINATE) return call;
      firstFailure ??= call;
      continue;
    }
    const alleles = splitDiplotype(gene, diplotypeBeforeStatement(gene, s) ?? s);
    if (alleles.length === 0) continue;
    const call = callPhenotype(gene, alleles, sex ? { sex } : {});
    if (isCalled(call)) return call;
    firstFailure ??= call;
  }
  return firstFailure;
}

/** A code text that calls its result a phenotype and not a genotype (`CYP2D6 phenotype`, `CYP2C19 metabolizer status`). */
function namesPhenotype(text: string): boolean {
  return /\b(?:phenotype|metabolizer status)\b/i.test(text) && !/\bgenotype\b/i.test(text);
}

/** A value that says the test gave no result at all. */
const NOT_DONE =
  /^\s*(?:test\s+)?(?:not\s+(?:tested|performed|done|analy[sz]ed)|cancell?ed|no\s+result|insufficient\s+(?:sample|specimen|dna|quantity)|quantity\s+not\s+sufficient|qns)\s*(?:\.\s*)?$/i;

/** A call that gives a phenotype or a lookup key (not Indeterminate on both). */
function isCalled(call: PhenotypeCall): boolean {
  return call.phenotype !== INDETERMINATE || call.lookupKey !== INDETERMINATE;
}

const ACTIVITY_SCORE_TEXT = /^(?:AS|activity score)\s*(?:[:=]\s*)?(?:≥\s*)?\d+(?:\.\d+)?$/i;

/** A code that names an activity score (`CYP2D6 activity score`). */
const NAMES_ACTIVITY_SCORE = /\bactivity\s+score\b/i;
/** A value stating an activity score (`Activity score 0`, `AS: 1.5`); a bare number only under a code naming one. */
const SCORE_STATED = /^(?:AS|activity\s+score)\s*(?:[:=]\s*)?(\d+(?:\.\d+)?)$/i;
const BARE_SCORE = /^(\d+(?:\.\d+)?)$/;

/**
 * An activity score reported without a genotype, for a gene CPIC looks up by activity score (`genes.json`
 * `lookupMethod` `ACTIVITY_SCORE`: CYP2D6, CYP2C9, DPYD): a value "Activity score 0" or "AS: 1.5", or a number
 * (`valueQuantity`, `valueInteger`, a bare number in text) under a code naming an activity score. Gives the score in
 * CPIC's notation and the phenotype CPIC's own score rules give it (`phenotypeForScore`: CYP2D6's
 * `activityScoreRules`, the `activityScoreToPhenotype` table of CYP2C9 and DPYD), when CPIC keys recommendations on
 * that score; the reason otherwise. Undefined when the Observation states no score.
 */
function reportedScore(
  gene: string,
  observation: Json,
  codes: readonly string[],
  values: readonly string[],
): { score: string; phenotype: string; number: boolean } | { unreadable: string } | undefined {
  if (geneKnowledge(gene)?.lookupMethod !== 'ACTIVITY_SCORE') return undefined;
  const namesScore = codes.some((c) => NAMES_ACTIVITY_SCORE.test(c));
  const numbers = [obj(observation.valueQuantity)?.value, observation.valueInteger].filter(
    (v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0,
  );
  const stated = values.flatMap((v) => {
    const match = SCORE_STATED.exec(v.trim()) ?? (namesScore ? BARE_SCORE.exec(v.trim()) : null);
    return match?.[1] ? [Number(match[1])] : [];
  });
  const number = namesScore ? numbers[0] : undefined;
  const value = number ?? stated[0];
  if (value === undefined) return undefined;
  const score = formatScore(value, false);
  const phenotype = phenotypeForScore(gene, score);
  if (!allLookupValues(gene).includes(score) || !phenotype || phenotype === INDETERMINATE)
    return {
      unreadable: `${gene} activity score ${score} is not a score CPIC's recommendations are keyed on`,
    };
  return { score, phenotype, number: number !== undefined };
}

/** A gene duplication, deletion or copy number change, as reports name it. */
const COPY_CHANGE = String.raw`(?:gene\s+)?(?:duplication|deletion|copy\s+number\s+(?:variation|variant|change)|cnv)s?(?:\s*(?:\/|or|and)\s*(?:duplication|deletion)s?)?`;
/**
 * A statement that the gene's copy number is normal, as CYP2D6 reports add after the diplotype ("no duplication or
 * deletion detected", "CNV: not detected", "copy number 2"): the diplotype as written is the whole call. A statement
 * that one was found is not this (the diplotype would then have to say it, `*1/*2x2`).
 */
const NO_COPY_CHANGE = new RegExp(
  String.raw`^(?:no\s+${COPY_CHANGE}(?:\s+(?:detected|found|identified))?|${COPY_CHANGE}\s*(?::\s*)?(?:not\s+(?:detected|found|identified)|none\s+detected|negative)|copy\s+number\s*(?::\s*)?2)\.?$`,
  'i',
);

/** `text (inside)`: the text and what the last brackets hold; undefined unless the text ends with them. */
function bracketed(text: string): [string, string] | undefined {
  const open = text.lastIndexOf('(');
  if (!text.endsWith(')') || open < 1) return undefined;
  const inside = text.slice(open + 1, -1);
  const before = text.slice(0, open).trimEnd();
  return before && inside && !inside.includes(')') && !before.includes('\n')
    ? [before, inside.trim()]
    : undefined;
}

/**
 * `text, statement`: the text before the first `,` `;` `:` or ` - ` that a word follows, and that word with the rest
 * of its line; undefined without one. Neither part spans lines (the separator may). Each separator is tried once (no
 * pattern that backtracks over a long run of spaces).
 */
function statementAfter(text: string): [string, string] | undefined {
  for (const at of text.matchAll(/(?<=\S)\s*(?:[,;:]|\s-\s)\s*(?=[A-Za-z])/g)) {
    const before = text.slice(0, at.index);
    if (before.includes('\n')) return undefined;
    const rest = text.slice(at.index + at[0].length);
    if (!rest.includes('\n')) return [before, rest.trim()];
  }
  return undefined;
}

/**
 * A diplotype followed by the lab's phenotype or activity score (`*1/*4 (Intermediate Metabolizer)`, `*1/*1, AS 2.0`,
 * `*2/*2 - Poor Metabolizer`) or by a normal copy number (`*1/*2; no duplication or deletion detected`), or after the
 * lab's phenotype in brackets (`Intermediate Metabolizer (*1/*2)`): the diplotype part, when the rest is one CPIC
 * phenotype term of the gene (read as it is everywhere, so "Poor Metabolizer: No" is not one), an activity score or
 * `NO_COPY_CHANGE`; undefined otherwise. The phenotype is
 * kept as the lab's (`reportedPhenotype`), so a call that differs under current CPIC says so; the score is the
 * service's own, computed under current CPIC like every other.
 */
function diplotypeBeforeStatement(gene: string, value: string): string | undefined {
  const text = value.trim();
  const stated = bracketed(text) ?? statementAfter(text);
  const [diplotype, rest] = stated ?? [];
  if (!diplotype || !rest) return undefined;
  if (
    normalizePhenotype(gene, rest) !== undefined ||
    ACTIVITY_SCORE_TEXT.test(rest) ||
    NO_COPY_CHANGE.test(rest)
  )
    return diplotype;
  // The other way round: the lab's phenotype with the diplotype in brackets (`Intermediate Metabolizer (*1/*2)`).
  return text.endsWith(')') && normalizePhenotype(gene, diplotype) !== undefined && rest.includes('/')
    ? rest
    : undefined;
}

const NO_GENE = 'no CPIC gene named';

/** An Observation with a gene-studied component (LOINC 48018-6) naming `gene` added: read as a result of that gene. */
function withGene(observation: Json, gene: string): Json {
  const geneStudied = {
    code: { coding: [{ system: 'http://loinc.org', code: '48018-6', display: 'Gene studied [ID]' }] },
    valueCodeableConcept: { text: gene },
  };
  return { ...observation, component: [...arr(observation.component), geneStudied] };
}

function kindOf(observation: Json): 'genotype' | 'haplotype' | 'phenotype' | undefined {
  const codes = codings(observation.code).map((c) => c.code);
  if (codes.includes(GENOTYPE)) return 'genotype';
  if (codes.includes(HAPLOTYPE)) return 'haplotype';
  if (codes.some((c) => c !== undefined && PHENOTYPE_CODES.has(c))) return 'phenotype';
  return undefined;
}

function readFindings(
  observation: Json,
  source: string,
  sex: string | undefined,
): Finding[] | IgnoredResource {
  const date = dateOf(observation);
  const derivedFrom = arr(observation.derivedFrom).flatMap((r) => {
    const ref = text(obj(r)?.reference);
    return ref ? [ref] : [];
  });
  const isText = codings(observation.valueCodeableConcept).length === 0;
  const base = { source, ...(date ? { date } : {}), derivedFrom, text: isText };
  const codes = codeStrings(observation);
  const values = valueStrings(observation);
  const presence = readHlaPresence(observation, codes, values);
  if (presence) {
    const hla = { [presence.allele]: presence.status };
    return [{ ...base, gene: presence.gene, kind: 'hla-presence', reading: 'presence', hla }];
  }
  const panel = values.map(panelStatements).find((statements) => statements !== undefined);
  if (panel) {
    // Each statement read as a result of its own gene, from the same source.
    return panel.flatMap(({ gene, value }) => {
      const statement = {
        ...observation,
        code: { text: gene },
        component: [],
        valueCodeableConcept: undefined,
      };
      const read = readFindings({ ...statement, valueString: value }, source, sex);
      return 'reason' in read ? [] : read;
    });
  }
  const unsaid = genesLeftOpen(observation, codes, values);
  if (unsaid) {
    const reason = `the result names ${unsaid.join(' and ')} and does not say which gene its value is for`;
    return unsaid.map((gene) => ({
      ...base,
      gene,
      kind: 'genotype',
      reading: 'genotype',
      call: unreadableCall(gene, [], reason),
    }));
  }
  const gene = geneOf(observation, codes, values);
  if (!gene) return { source, reason: NO_GENE };
  // "Not tested", "Test not performed", "Insufficient sample": no result, so the gene is untested (never unreadable:
  // the card asks for the test, not for the laboratory to confirm a result that does not exist).
  if (values.length > 0 && values.every((value) => NOT_DONE.test(value)))
    return { source, reason: `${gene} test not done: "${values[0] ?? ''}"` };
  // An activity score alone (no genotype): the phenotype and lookup key CPIC's own score rules give it.
  const scored = reportedScore(gene, observation, codes, values);
  if (scored) {
    const reading = { ...base, gene, kind: 'phenotype', reading: 'activity-score' } as const;
    if ('unreadable' in scored) return [{ ...reading, unreadable: scored.unreadable }];
    // A number (`valueQuantity`) is not free text, whatever the missing coding says.
    const { score, phenotype, number } = scored;
    return [{ ...reading, score, phenotype, ...(number ? { text: false } : {}) }];
  }
  const labPhenotype = reportedPhenotype(observation, gene);
  // An uncoded result whose value names a phenotype term is a genotype when it reads as one too: a diplotype with the
  // lab's phenotype (`*4/*10 (Poor Metabolizer)`), recomputed under current CPIC with the lab's kept beside it, or
  // VKORC1's `-1639 AG`. It is the lab's phenotype when it does not (`Poor metabolizer`, `*4/*999 (Poor Metabolizer)`).
  // So is one whose code calls it a phenotype ("CYP2D6 phenotype") or whose value speaks of a metabolizer: what it
  // cannot read is a phenotype.
  const coded = kindOf(observation);
  const hlaGene = geneKnowledge(gene)?.lookupMethod === 'ALLELE_STATUS';
  const saysPhenotype =
    !coded &&
    (labPhenotype !== undefined ||
      codes.some(namesPhenotype) ||
      values.some((value) => /\bmetaboli[sz]er\b/i.test(value)));
  const uncodedCall = saysPhenotype && !hlaGene ? readGenotypeValue(gene, observation, sex) : undefined;
  const readsAsGenotype = uncodedCall !== undefined && isCalled(uncodedCall);
  const kind = coded ?? (saysPhenotype && !readsAsGenotype ? 'phenotype' : 'genotype');
  if (kind === 'haplotype') {
    const allele = values[0];
    return allele
      ? [{ ...base, gene, kind, reading: 'haplotype', allele }]
      : { source, reason: 'haplotype without a value' };
  }
  if (kind === 'phenotype') {
    // An HLA gene's CPIC phenotype is one risk allele's status (`*57:01 positive`): read as that allele's status, so a
    // guideline keyed on another allele of the gene (allopurinol, *58:01) finds no result for it, not a row-less key.
    const allele = /^(\*\d+:\d+) (positive|negative)$/.exec(labPhenotype ?? '');
    if (allele?.[1] && allele[2] && hlaGene) {
      const hla = { [allele[1]]: allele[2] as HlaAlleleStatus };
      return [{ ...base, gene, kind: 'hla-presence', reading: 'lab-phenotype', hla }];
    }
    if (labPhenotype) return [{ ...base, gene, kind, reading: 'lab-phenotype', phenotype: labPhenotype }];
    // A phenotype on file in words CPIC does not use ("Extensive metabolizer") is a result all the same: never read
    // as no result (that card would ask for a test already done).
    const text = values[0];
    return text
      ? [
          {
            ...base,
            gene,
            kind,
            reading: 'lab-phenotype',
            unreadable: `${gene} phenotype "${text}" is not a term CPIC uses`,
          },
        ]
      : { source, reason: `no ${gene} phenotype CPIC uses` };
  }
  if (hlaGene) {
    const stated = readHlaPresenceText(values, gene);
    if (stated) return [{ ...base, gene, kind: 'hla-presence', reading: 'presence', hla: stated }];
    // One HLA value (a GL String) may type several loci: each CPIC HLA gene it types gets a finding.
    const typings = readHlaTypings(observation, gene).filter((t) => riskAlleles(t.gene).length > 0);
    if (typings.length === 0) {
      // An HLA result on file that names no allele the service reads: Indeterminate, never "untested".
      const reason = `${gene} result names no HLA allele the service reads`;
      if (values.length === 0) return { source, reason: `${gene} genotype without a value` };
      return [
        { ...base, gene, kind: 'genotype', reading: 'genotype', call: unreadableCall(gene, [], reason) },
      ];
    }
    return typings.map((typing) => ({
      ...base,
      gene: typing.gene,
      kind: 'hla-presence',
      reading: 'genotype',
      hla: riskAlleleStatus(typing, riskAlleles(typing.gene)),
      typed: typingText(typing),
    }));
  }
  const call = uncodedCall ?? readGenotypeValue(gene, observation, sex);
  if (!call) return { source, reason: `${gene} genotype without a value` };
  // A genotype Observation that also carries the lab's phenotype (component) keeps it for re-interpretation.
  return [
    { ...base, gene, kind, reading: 'genotype', call, ...(labPhenotype ? { phenotype: labPhenotype } : {}) },
  ];
}

/** Score(s) a phenotype-only result of an activity-score gene may stand for, among the scores CPIC keys on. */
function scoresForPhenotype(gene: string, phenotype: string): string[] {
  return allLookupValues(gene).filter(
    (value) => parseScore(value) && phenotypeForScore(gene, value) === phenotype,
  );
}

function day(date: string | undefined): string {
  return date?.slice(0, 10) ?? '';
}

function newestFirst<T extends { readonly date?: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
}

/**
 * Pairs haplotype findings reported together (same parent genotype or same day) into genotype findings. HLA
 * haplotypes are typed alleles: a lone HLA haplotype says which risk alleles are present on one chromosome, not
 * that the others are absent (the other chromosome is not reported), so it asserts positives only.
 */
function pairHaplotypes(findings: readonly Finding[], sex: string | undefined): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.gene}|${f.derivedFrom[0] ?? day(f.date)}`;
    const group = groups.get(key);
    if (group) group.push(f);
    else groups.set(key, [f]);
  }
  return [...groups.values()].flatMap((group): Finding[] => {
    const first = group[0] as Finding;
    const date = newestFirst(group)[0]?.date;
    const merged = {
      gene: first.gene,
      source: first.source,
      paired: group.map((f) => f.source),
      ...(date ? { date } : {}),
      derivedFrom: first.derivedFrom,
      reading: 'haplotype' as const,
      text: group.every((f) => f.text),
    };
    if (geneKnowledge(first.gene)?.lookupMethod === 'ALLELE_STATUS') {
      const typing = parseHlaText(group.map((f) => f.allele ?? '').join(' + '), first.gene);
      if (!typing) return [];
      const status = riskAlleleStatus(typing, riskAlleles(first.gene));
      const hla = Object.fromEntries(
        Object.entries(status).filter(([, value]) => group.length > 1 || value !== 'negative'),
      );
      return Object.keys(hla).length > 0
        ? [{ ...merged, kind: 'hla-presence', hla, typed: typingText(typing) }]
        : [];
    }
    let alleles = group.map((f) => f.allele ?? '');
    // CFTR haplotypes are variant names as labs write them: read like a CFTR genotype text.
    const cftr = first.gene === 'CFTR' ? readCftrText(alleles.join(' / ')) : undefined;
    if (cftr?.ok) alleles = [...cftr.alleles];
    const call = withCftrReading(callPhenotype(first.gene, alleles, sex ? { sex } : {}), cftr);
    return [
      {
        ...merged,
        kind: 'genotype' as const,
        call: {
          ...call,
          notes: [
            `${first.gene} diplotype paired from ${group.length} haplotype ${group.length === 1 ? 'result' : 'results'}`,
            ...call.notes,
          ],
        },
      },
    ];
  });
}

function phenotypeOnlyResult(f: Finding): GeneResult {
  const phenotype = f.phenotype ?? INDETERMINATE;
  const knowledge = geneKnowledge(f.gene);
  const base = { gene: f.gene, phenotype, ...provenance([f]), ...(f.date ? { date: f.date } : {}) };
  if (f.score !== undefined) {
    // The laboratory reported a score, not a phenotype: the phenotype is CPIC's for that score, nothing to compare.
    return {
      ...base,
      lookupKey: f.score,
      activityScore: f.score,
      reinterpreted: false,
      notes: [`${f.gene} activity score ${f.score} reported without a genotype: CPIC ${phenotype}`],
    };
  }
  if (knowledge?.lookupMethod !== 'ACTIVITY_SCORE') {
    return { ...base, lookupKey: phenotype, reportedPhenotype: phenotype, reinterpreted: false, notes: [] };
  }
  const scores = scoresForPhenotype(f.gene, phenotype);
  if (scores.length === 1 && scores[0] !== undefined) {
    return {
      ...base,
      lookupKey: scores[0],
      activityScore: scores[0],
      reportedPhenotype: phenotype,
      reinterpreted: false,
      notes: [`${f.gene} ${phenotype} reported without genotype: CPIC activity score ${scores[0]}`],
    };
  }
  return {
    ...base,
    lookupKey: phenotype,
    candidateLookupKeys: scores,
    reportedPhenotype: phenotype,
    reinterpreted: false,
    notes: [`${f.gene} ${phenotype} reported without genotype: activity score may be ${scores.join(', ')}`],
  };
}

function genotypeResult(f: Finding, lab: Finding | undefined, from: readonly Finding[]): GeneResult {
  const call = f.call as PhenotypeCall;
  const reported = f.phenotype ?? lab?.phenotype;
  const reinterpreted =
    reported !== undefined && call.phenotype !== INDETERMINATE && reported !== call.phenotype;
  const alleleFunctions = alleleFunctionsOf(f.gene);
  return {
    gene: f.gene,
    ...(call.diplotype ? { diplotype: call.diplotype } : {}),
    alleles: call.alleles,
    phenotype: call.phenotype,
    ...(call.activityScore ? { activityScore: call.activityScore } : {}),
    lookupKey: call.lookupKey,
    ...(call.candidateLookupKeys ? { candidateLookupKeys: call.candidateLookupKeys } : {}),
    ...(call.copyNumberReadings ? { copyNumberReadings: call.copyNumberReadings } : {}),
    ...(call.alleleStatus ? { alleleStatus: call.alleleStatus } : {}),
    ...(call.unreadable ? { unreadable: call.unreadable } : {}),
    ...provenance(from),
    ...(f.date ? { date: f.date } : {}),
    ...(reported ? { reportedPhenotype: reported } : {}),
    reinterpreted,
    ...(alleleFunctions ? { alleleFunctions } : {}),
    // A re-interpretation is said from `reportedPhenotype` and `reinterpreted` wherever the result is shown.
    notes: call.notes,
    ...(call.assumed ? { assumed: call.assumed } : {}),
  };
}

/** Same-day statuses of one allele: a definite result settles a `possible` one; positive vs negative conflict. */
function sameDayStatus(statuses: readonly HlaAlleleStatus[]): HlaAlleleStatus | 'conflict' {
  const definite = new Set(statuses.filter((s) => s !== 'possible'));
  if (definite.size > 1) return 'conflict';
  return [...definite][0] ?? 'possible';
}

/**
 * Combines HLA readings (presence results, genotypes and haplotypes restated per risk allele): per allele the
 * newest day wins; on that day a definite result (positive, negative) settles an ambiguous one, and positive
 * against negative is a conflict. A conflict on one allele holds up the whole gene, not that allele alone: reports
 * that disagree may come from a mixed-up specimen, which would make every allele of either report doubtful (so
 * allopurinol waits for a *57:01 conflict to be resolved too, though it looks up *58:01).
 */
function hlaResult(
  gene: string,
  findings: readonly Finding[],
  conflicts: GeneConflict[],
): GeneResult | undefined {
  const status: Record<string, HlaAlleleStatus> = {};
  const used: Finding[] = [];
  let date: string | undefined;
  const byAllele = new Map<string, Finding[]>();
  for (const f of findings) {
    for (const allele of Object.keys(f.hla ?? {})) {
      const same = byAllele.get(allele);
      if (same) same.push(f);
      else byAllele.set(allele, [f]);
    }
  }
  for (const [allele, list] of [...byAllele].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = newestFirst(list);
    const newest = sorted[0] as Finding;
    const sameDay = sorted.filter((f) => day(f.date) === day(newest.date));
    const combined = sameDayStatus(sameDay.map((f) => f.hla?.[allele] ?? 'possible'));
    if (combined === 'conflict') {
      conflicts.push({
        gene,
        ...(newest.date ? { date: newest.date } : {}),
        results: sameDay.map((f) => ({
          source: f.source,
          value: `${allele} ${f.hla?.[allele] ?? ''}`,
          ...readAlone(gene, findings, sameDay, f),
        })),
      });
      return undefined;
    }
    // A risk allele positive on one date and negative on another: germline HLA does not change, so one is wrong.
    const opposite =
      combined === 'possible'
        ? []
        : sorted.filter(
            (f) =>
              !sameDay.includes(f) &&
              (f.hla?.[allele] ?? 'possible') !== 'possible' &&
              f.hla?.[allele] !== combined,
          );
    if (opposite.length > 0) {
      const disagreeing = [...sameDay.filter((f) => f.hla?.[allele] === combined), ...opposite];
      conflicts.push({
        gene,
        acrossDates: true,
        results: disagreeing.map((f) => ({
          source: f.source,
          value: `${allele} ${f.hla?.[allele] ?? ''}${datedWords(f.date)}`,
          ...readAlone(gene, findings, disagreeing, f),
        })),
      });
      return undefined;
    }
    status[allele] = combined;
    for (const f of sameDay) used.push(f);
    if (!date || (newest.date ?? '') > date) date = newest.date;
  }
  const summary = hlaSummary(status);
  const typed = [...new Set(used.flatMap((f) => (f.typed ? [f.typed] : [])))];
  return {
    gene,
    ...(typed.length > 0 ? { diplotype: typed.join('; ') } : {}),
    phenotype: summary,
    lookupKey: summary,
    alleleStatus: status,
    ...provenance(used),
    ...(date ? { date } : {}),
    reinterpreted: false,
    // A `possible` allele is explained where a guideline looks it up (recommendations.ts), not repeated here.
    notes: [],
  };
}

/**
 * Why the knowledge cannot interpret a gene at all, or undefined: a gene CPIC looks nothing up by and defines no
 * alleles for (CYP4F2: `knowledge/cpic/README.md` lists it as a known gap of the data set).
 */
function uninterpretable(gene: string): string | undefined {
  const knowledge = geneKnowledge(gene);
  return knowledge?.lookupMethod === 'NONE' && Object.keys(knowledge.alleles).length === 0
    ? `the CPIC data set has no ${gene} allele definitions or phenotypes`
    : undefined;
}

/**
 * One of the findings that disagree read as if it were the only one of its day (the others of that day set aside, the
 * rest of the gene's findings kept): `{ alone }`, or nothing when even alone it gives no result or another conflict.
 */
function readAlone(
  gene: string,
  findings: readonly Finding[],
  disagreeing: readonly Finding[],
  f: Finding,
): { alone?: GeneResult } {
  const more: GeneConflict[] = [];
  const alone = resultForGene(
    gene,
    findings.filter((x) => x === f || !disagreeing.includes(x)),
    more,
  );
  return alone && more.length === 0 ? { alone } : {};
}

/** ` (12 Mar 2015)`: a result's date as cards write dates, to tell results of different dates apart; else nothing. */
function datedWords(date: string | undefined): string {
  const words = date === undefined ? undefined : calendarDate(date);
  return words ? ` (${words})` : '';
}

/** The allele a star name stands for whatever its copy number (`*4x2` → `*4`), for CYP2D6. */
function withoutCopies(allele: string): string {
  return allele.replace(/x(?:≥)?\d+$|xN$/i, '');
}

/**
 * The variant alleles an older genotype names more often than a newer one of the same gene, both called under current
 * CPIC; empty when they agree or the newer only adds what the older did not test. Germline genotypes do not change,
 * so two such results cannot both be right (a choice, documented in README.md "Results of different dates"):
 * - A variant allele is one whose CPIC function (`genes.json`) differs from the function of the gene's reference
 *   allele (`*1`, `Reference`, `… reference (C)`, G6PD `B (reference)`): NAT2 `*4` has `*1`'s function and is no
 *   variant. An older `*1/*1` beside a newer `*1/*17` is a broader panel finding what the older did not test: the
 *   newer wins, the older is not mentioned. An older `*2/*2` beside a newer `*1/*1`, or `*1/*2` beside `*1/*1`, is
 *   not: the older names `*2` the newer lacks.
 * - CYP2D6: copy numbers and hybrid alleles are written in ways that differ between laboratories and panels, so only
 *   a no-function allele the older names (copy number set aside: `*4x2` is `*4`) that the newer lacks counts.
 * - Genes without a reference allele in the data set (CFTR, HLA: HLA is compared per risk allele in `hlaResult`), and
 *   results that are not called genotypes (a phenotype alone, an unreadable genotype), are not compared.
 */
function lostVariants(gene: string, older: Finding, newer: Finding): string[] {
  const knowledge = geneKnowledge(gene);
  const was = older.call;
  const now = newer.call;
  if (!knowledge || !was || !now || !isCalled(was) || !isCalled(now)) return [];
  const cyp2d6 = gene === 'CYP2D6';
  const name = cyp2d6 ? withoutCopies : (allele: string): string => allele;
  const reference = Object.keys(knowledge.alleles).find((a) => /^\*1$|^Reference$|\breference\b/.test(a));
  const referenceFunction = reference ? knowledge.alleles[reference]?.[0] : undefined;
  if (!cyp2d6 && referenceFunction === undefined) return [];
  const functionOf = (allele: string): string | undefined => ownEntry(knowledge.alleles, allele)?.[0];
  const isVariant = (allele: string): boolean => {
    const fn = functionOf(allele) ?? functionOf(name(allele));
    return cyp2d6 ? fn === 'No function' : fn !== undefined && fn !== referenceFunction;
  };
  const count = (alleles: readonly string[], allele: string): number =>
    alleles.filter((a) => name(a) === allele).length;
  const variants = [...new Set(was.alleles.filter(isVariant).map(name))];
  return variants.filter((allele) => count(was.alleles, allele) > count(now.alleles, allele));
}

function resultForGene(
  gene: string,
  findings: readonly Finding[],
  conflicts: GeneConflict[],
): GeneResult | undefined {
  const result = interpretedResult(gene, findings, conflicts);
  const why = uninterpretable(gene);
  return result && why ? { ...result, uninterpreted: why } : result;
}

function interpretedResult(
  gene: string,
  findings: readonly Finding[],
  conflicts: GeneConflict[],
): GeneResult | undefined {
  const genotypes = newestFirst(findings.filter((f) => f.kind === 'genotype'));
  const phenotypes = newestFirst(findings.filter((f) => f.kind === 'phenotype'));
  if (geneKnowledge(gene)?.lookupMethod === 'ALLELE_STATUS') {
    const presence = findings.filter((f) => f.kind === 'hla-presence');
    if (presence.length > 0) return hlaResult(gene, presence, conflicts);
  }
  const newestGenotype = genotypes[0];
  if (newestGenotype) {
    const current = genotypes.filter((f) => day(f.date) === day(newestGenotype.date));
    const values = new Set(current.map((f) => `${f.call?.diplotype ?? ''}|${f.call?.phenotype ?? ''}`));
    if (values.size > 1) {
      conflicts.push({
        gene,
        ...(newestGenotype.date ? { date: newestGenotype.date } : {}),
        results: current.map((f) => ({
          source: f.source,
          value: `${f.call?.diplotype ?? ''} ${f.call?.phenotype ?? ''}`,
          ...readAlone(gene, findings, current, f),
        })),
      });
      return undefined;
    }
    const older = genotypes.filter(
      (f) => day(f.date) < day(newestGenotype.date) && lostVariants(gene, f, newestGenotype).length > 0,
    );
    if (older.length > 0) {
      // An older genotype names a variant allele the newest does not have: germline genotypes do not change, so one
      // of them is wrong. A conflict like one of the same day; each result named with its date.
      const disagreeing = [...current, ...older];
      conflicts.push({
        gene,
        acrossDates: true,
        results: disagreeing.map((f) => ({
          source: f.source,
          value: `${f.call?.diplotype ?? ''} ${f.call?.phenotype ?? ''}${datedWords(f.date)}`,
          ...readAlone(gene, findings, disagreeing, f),
        })),
      });
      return undefined;
    }
    // The lab phenotype of the same report (derived from it, or the same day or later) is kept for comparison.
    // An activity score reported alone is not a lab phenotype: its phenotype is CPIC's translation.
    const lab = phenotypes.find(
      (p) =>
        p.phenotype !== undefined &&
        p.score === undefined &&
        (current.some((g) => p.derivedFrom.includes(g.source)) || day(p.date) >= day(newestGenotype.date)),
    );
    return genotypeResult(newestGenotype, lab, [...current, ...(lab ? [lab] : [])]);
  }
  const newestPhenotype = phenotypes[0];
  if (!newestPhenotype) return undefined;
  const sameDay = phenotypes.filter((f) => day(f.date) === day(newestPhenotype.date));
  // A phenotype read on the newest day settles one that could not be read; with none read, the result is unreadable.
  const current = sameDay.filter((f) => f.phenotype !== undefined);
  if (current.length === 0) return unreadablePhenotypeResult(newestPhenotype, sameDay);
  if (new Set(current.map((f) => f.phenotype)).size > 1) {
    conflicts.push({
      gene,
      ...(newestPhenotype.date ? { date: newestPhenotype.date } : {}),
      results: current.map((f) => ({
        source: f.source,
        value: f.phenotype ?? '',
        ...readAlone(gene, findings, current, f),
      })),
    });
    return undefined;
  }
  return { ...phenotypeOnlyResult(current[0] as Finding), ...provenance(current) };
}

/** The newest phenotype result when no phenotype of that day could be read: Indeterminate, with the reason. */
function unreadablePhenotypeResult(f: Finding, sameDay: readonly Finding[]): GeneResult {
  const reason = f.unreadable ?? `no ${f.gene} phenotype CPIC uses`;
  return {
    gene: f.gene,
    phenotype: INDETERMINATE,
    lookupKey: INDETERMINATE,
    ...provenance(sameDay),
    ...(f.date ? { date: f.date } : {}),
    reinterpreted: false,
    unreadable: reason,
    notes: [reason],
  };
}

/**
 * Reads FHIR Observations (any PGx shape above; other resources are ignored) into one GeneResult per gene. Only
 * `final`, `amended` and `corrected` results count; a `registered` or `preliminary` one of a gene without them is
 * returned in `pending`. The newest result per gene wins; results of the same (newest) day that disagree, and an older
 * genotype naming a variant allele the newest lacks (`lostVariants`), are returned in `conflicts` and the gene gets no
 * result. A result naming no gene is read as the gene of the results it is derived from in the same set; otherwise it
 * is returned in `unassigned`.
 */
export function readGeneResults(
  resources: readonly unknown[],
  options: ReadOptions = {},
): GeneResultsReading {
  const ignored: IgnoredResource[] = [];
  const findings: Finding[] = [];
  const described = new Map<string, { date?: string; producer?: string }>();
  const pendingFound: PendingResult[] = [];
  const geneless: { observation: Json; source: string }[] = [];
  resources.forEach((resource, index) => {
    const observation = obj(resource);
    if (observation?.resourceType !== 'Observation') return;
    const source = referenceOf(observation, index);
    const date = dateOf(observation);
    const producer = producerOf(observation);
    described.set(source, { ...(date ? { date } : {}), ...(producer ? { producer } : {}) });
    const status = text(observation.status);
    if (!status || !USABLE_STATUSES.has(status)) {
      ignored.push({ source, reason: `status ${status ?? 'missing'}` });
      if (status && PENDING_STATUSES.has(status)) {
        for (const gene of pendingGenes(observation, source, options.sex))
          pendingFound.push({
            gene,
            source,
            status: status as PendingResult['status'],
            ...(date ? { date } : {}),
          });
      }
      return;
    }
    const read = readFindings(observation, source, options.sex);
    if ('reason' in read && read.reason === NO_GENE) geneless.push({ observation, source });
    else if ('reason' in read) ignored.push(read);
    else for (const f of read) findings.push(f);
  });
  // A result naming no gene (a therapeutic implication without its gene component) derived from results of one gene
  // in the same set is read as that gene's; any other is unassigned, and said so.
  const unassigned: UnassignedResult[] = [];
  for (const { observation, source } of geneless) {
    const derivedFrom = new Set(arr(observation.derivedFrom).flatMap((r) => text(obj(r)?.reference) ?? []));
    const genes = new Set(
      findings
        .filter((f) => derivedFrom.has(f.source) || f.paired?.some((p) => derivedFrom.has(p)))
        .map((f) => f.gene),
    );
    const [gene] = genes;
    const read =
      gene && genes.size === 1 ? readFindings(withGene(observation, gene), source, options.sex) : undefined;
    if (read && !('reason' in read)) {
      for (const f of read) findings.push(f);
      continue;
    }
    ignored.push(read && 'reason' in read ? read : { source, reason: NO_GENE });
    const kind = kindOf(observation);
    const date = dateOf(observation);
    if (kind) unassigned.push({ source, kind, ...(date ? { date } : {}) });
  }
  const haplotypes = findings.filter((f) => f.kind === 'haplotype');
  const all = [...findings.filter((f) => f.kind !== 'haplotype'), ...pairHaplotypes(haplotypes, options.sex)];
  const conflicts: GeneConflict[] = [];
  const results: GeneResult[] = [];
  for (const gene of new Set(all.map((f) => f.gene))) {
    const result = resultForGene(
      gene,
      all.filter((f) => f.gene === gene),
      conflicts,
    );
    if (result) results.push(result);
  }
  // Each reading says when and by whom its source was produced, so a card can name it without its resource id.
  const withProducers = results.map((r) =>
    r.readings
      ? { ...r, readings: r.readings.map((reading) => ({ ...reading, ...described.get(reading.source) })) }
      : r,
  );
  const settled = new Set([...results.map((r) => r.gene), ...conflicts.map((c) => c.gene)]);
  const pending = newestFirst(pendingFound).filter(
    (p, i, all) => !settled.has(p.gene) && all.findIndex((q) => q.gene === p.gene) === i,
  );
  return { results: withProducers, conflicts, ignored, pending, unassigned };
}

/**
 * The genes a registered or preliminary result is for: as a final one would be read, else (a registered result has no
 * value yet) the gene its code or gene component names.
 */
function pendingGenes(observation: Json, source: string, sex: string | undefined): string[] {
  const read = readFindings(observation, source, sex);
  if (!('reason' in read) && read.length > 0) return [...new Set(read.map((f) => f.gene))];
  const gene = geneOf(observation, codeStrings(observation), valueStrings(observation));
  return gene ? [gene] : [];
}
