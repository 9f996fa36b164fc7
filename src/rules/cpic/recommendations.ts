/**
 * Gene results + a resolved draft order → CPIC findings: the guideline's lookup key (`No Result` for an untested
 * gene), the population from context, the CPIC row with its provenance, an action and the explanation chain. One
 * function per finding kind. Thresholds (whether and how loudly a finding is shown) are the rules engine's job.
 * The lookup procedure is the one the CPIC data set's README describes (`knowledge/cpic/README.md`).
 */
import { readRs2108622 } from './cyp4f2';
import { namedAlternatives } from './alternatives';
import { cpicDoseFraction } from './dose';
import { copyNumberPhenotypes, copyNumberWords, parseScore } from './phenotype';
import { populationWords } from './populations';
import { readRecommendation } from './row-actions';
import { calendarDate } from './dates';
import type { PendingResult, UnassignedResult } from './fhir-results';
import {
  cpicDrugNames,
  drugKnowledge,
  guidelineTitle,
  labelRequiredTests,
  isEmptyImplication,
  knowledgeVersion,
} from './knowledge';
import type { DrugKnowledge, GuidelineKnowledge, RecommendationRow } from './knowledge';
import type {
  AlternativeAdvice,
  ConflictFinding,
  CpicRow,
  DecisionAction,
  DrugOrder,
  Finding,
  GeneConflict,
  GeneResult,
  GuidelineRef,
  NoRowFinding,
  PreTestFinding,
  RecommendationFinding,
  RowAction,
  WarfarinFigureFinding,
} from './types';

const NO_RESULT = 'No Result';

/** What the order's context says about the patient. */
export interface PatientContext {
  /** `Patient.birthDate` (YYYY, YYYY-MM or YYYY-MM-DD); `ageYears`, when given, is used instead. */
  readonly birthDate?: string;
  /** Whole years at the order's time (what a recorded invocation keeps instead of the birth date). */
  readonly ageYears?: number;
  readonly sex?: string;
  /** True when the record shows earlier use of the drug; without it the patient is drug-naive. */
  readonly priorUse?: boolean;
  /** Reference time for the age; defaults to now. */
  readonly now?: Date;
  /**
   * Genes without a usable result whose result is registered or preliminary (`readGeneResults` `pending`): a pre-test
   * finding says the result is pending instead of asking for a test.
   */
  readonly pendingResults?: readonly PendingResult[];
  /** Pharmacogenomic results on file that name no gene (`readGeneResults` `unassigned`). */
  readonly unassignedResults?: readonly UnassignedResult[];
}

let lookupValues: Map<string, string[]> | undefined;

/** Every lookup value CPIC uses for a gene across all recommendation rows (e.g. all CYP2D6 scores). */
export function allLookupValues(gene: string): readonly string[] {
  if (!lookupValues) {
    const sets = new Map<string, Set<string>>();
    for (const drug of cpicDrugNames()) {
      for (const guideline of drugKnowledge(drug)?.guidelines ?? []) {
        for (const row of guideline.rows) {
          for (const [g, value] of Object.entries(row.lookupKey))
            sets.set(g, (sets.get(g) ?? new Set()).add(value));
        }
      }
    }
    lookupValues = new Map([...sets].map(([g, values]) => [g, [...values].sort()]));
  }
  return lookupValues.get(gene) ?? [];
}

/**
 * The actions and strengths of every CPIC row keyed on a gene's value (any drug, any other genes): what CPIC asks for
 * when a patient has this result.
 */
export function rowActionsKeyedOn(
  gene: string,
  value: string,
): readonly { readonly action: RowAction; readonly strength: string | null }[] {
  return cpicDrugNames().flatMap((drug) =>
    (drugKnowledge(drug)?.guidelines ?? []).flatMap((guideline) =>
      guideline.rows
        .filter((row) => row.lookupKey[gene] === value)
        .map((row) => ({ action: row.action, strength: row.strength })),
    ),
  );
}

/** True when CPIC has a guideline or pair for the drug (lower-case CPIC name). Costs one map lookup. */
export function isCpicDrug(name: string): boolean {
  return drugKnowledge(name.toLowerCase()) !== undefined;
}

const ACTION_RANK: Readonly<Record<DecisionAction, number>> = {
  avoid: 4,
  'adjust-dose': 3,
  'order-test': 2,
  monitor: 1,
  standard: 0,
};

/**
 * CPIC's strengths of recommendation, strongest first, as the data set writes them (`classification`/`strength` of
 * `knowledge/cpic/recommendations.json`: `Strong`, `Moderate`, `Optional`, `No recommendation`, and none at all for
 * the 58 informational rows). A choice of ours where the data gives no order: an unstated strength ranks with
 * `No recommendation` (neither recommends anything).
 */
const STRENGTH_RANK: Readonly<Record<string, number>> = {
  Strong: 3,
  Moderate: 2,
  Optional: 1,
  'No recommendation': 0,
};

function strengthRank(row: RecommendationRow): number {
  return row.strength === null ? 0 : (STRENGTH_RANK[row.strength] ?? 0);
}

/**
 * True when the row recommends something: a strength of Strong, Moderate or Optional, and a text that is not CPIC's
 * "No recommendation". Both are read because the data set has rows whose text is "No recommendation" under a Strong or
 * Optional strength (44 CYP2C19 + CYP2D6 rows of clomipramine, doxepin, imipramine, trimipramine): the text decides
 * that such a row makes no recommendation.
 */
function makesRecommendation(row: RecommendationRow): boolean {
  return (
    strengthRank(row) > 0 &&
    !row.informational &&
    readRecommendation(row.recommendation) !== 'no-recommendation'
  );
}

/**
 * The action a CPIC row asks for: classified once from the row's text when the knowledge is imported
 * (`row-actions.ts`, table in `docs/cpic-row-actions.md`), read here as a typed field. The card always shows CPIC's
 * own text and strength.
 */
export function actionForRow(row: RecommendationRow): RowAction {
  return row.action;
}

/** The guideline reference a finding carries (its row's, or a pre-test finding's own). */
function guidelineRef(guideline: GuidelineKnowledge): GuidelineRef {
  return { name: guidelineTitle(guideline), url: guideline.url, id: guideline.id };
}

function cpicRow(guideline: GuidelineKnowledge, row: RecommendationRow): CpicRow {
  return {
    guideline: guidelineRef(guideline),
    lookupKey: row.lookupKey,
    ...(row.population ? { population: row.population } : {}),
    ...(row.strength ? { strength: row.strength } : {}),
    recommendation: row.recommendation,
    ...(row.otherConsiderations ? { otherConsiderations: row.otherConsiderations } : {}),
    // CPIC writes "GENE: n/a" for a gene of the row without an implication: it says nothing, so it is not carried.
    implications: row.implications.filter((i) => !isEmptyImplication(i)),
    pmids: guideline.pmids,
    ...(row.id ? { rowId: row.id } : {}),
  };
}

/** The HLA allele a guideline's rows look up (`*57:01` for abacavir), from the row keys themselves. */
function hlaAlleleOf(guideline: GuidelineKnowledge, gene: string): string | undefined {
  for (const row of guideline.rows) {
    const match = /^(\*\d+:\d+) (?:positive|negative)$/.exec(row.lookupKey[gene] ?? '');
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/** The lookup value(s) a gene result gives for a guideline; several when a phenotype spans scores. */
function keyValues(guideline: GuidelineKnowledge, gene: string, result: GeneResult | undefined): string[] {
  if (!result) return [NO_RESULT];
  if (result.alleleStatus) {
    const allele = hlaAlleleOf(guideline, gene);
    const status = allele ? result.alleleStatus[allele] : undefined;
    if (!allele || !status) return [NO_RESULT];
    // An ambiguous typing that leaves the risk allele possible: both rows are candidates, the positive one leads.
    return status === 'possible' ? [`${allele} positive`, `${allele} negative`] : [`${allele} ${status}`];
  }
  return result.candidateLookupKeys && result.candidateLookupKeys.length > 0
    ? [...result.candidateLookupKeys]
    : [result.lookupKey];
}

/** Every combination of the genes' key values (cartesian product). */
function keyCombinations(
  genes: readonly string[],
  values: ReadonlyMap<string, string[]>,
): Record<string, string>[] {
  return genes.reduce<Record<string, string>[]>(
    (combos, gene) =>
      combos.flatMap((c) => (values.get(gene) ?? [NO_RESULT]).map((v) => ({ ...c, [gene]: v }))),
    [{}],
  );
}

function sameKey(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Whole years between a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD) and `now`; undefined when the date is unknown. */
export function ageInYears(birthDate: string | undefined, now: Date): number | undefined {
  if (!birthDate || !/^\d{4}/.test(birthDate)) return undefined;
  const [y = 0, m = 1, d = 1] = birthDate.split('-').map(Number);
  let age = now.getUTCFullYear() - y;
  if (now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d)) age -= 1;
  return age;
}

/**
 * The population rows that apply, best first, and why. `general`/unset rows always apply. Age decides
 * pediatrics vs adults (a choice: under 18 years is pediatric; CPIC's data gives no cut-off); earlier use of the
 * drug decides naive vs continuing use (no record of use = naive). Populations the order cannot reveal (e.g.
 * clopidogrel's indication) are all returned; the caller shows the most protective first.
 */
function choosePopulation(
  rows: readonly RecommendationRow[],
  patient: PatientContext,
): { primary: RecommendationRow[]; others: RecommendationRow[]; reason?: string } {
  const general = rows.filter((r) => r.population === null || r.population === 'general');
  const specific = rows.filter((r) => !general.includes(r));
  if (specific.length === 0 || (general.length > 0 && specific.length === 0))
    return { primary: general, others: [] };
  const pick = (
    test: (p: string) => boolean,
    reason: string,
  ): ReturnType<typeof choosePopulation> | undefined => {
    const chosen = specific.filter((r) => test(r.population ?? ''));
    return chosen.length > 0
      ? { primary: chosen, others: specific.filter((r) => !chosen.includes(r)), reason }
      : undefined;
  };
  const populations = new Set(specific.map((r) => r.population ?? ''));
  if (populations.has('pediatrics') || populations.has('adults')) {
    const age = patient.ageYears ?? ageInYears(patient.birthDate, patient.now ?? new Date());
    if (age !== undefined) {
      const chosen = pick((p) => p === (age < 18 ? 'pediatrics' : 'adults'), `age ${age} years`);
      // The age settles the population: the other age group's rows are not shown.
      if (chosen) return { ...chosen, others: [] };
    }
    return { primary: [...general, ...specific], others: [], reason: 'age unknown' };
  }
  if ([...populations].some((p) => /naive|use\s*>\s*3/i.test(p))) {
    const naive = patient.priorUse !== true;
    const chosen = pick(
      (p) => (naive ? /naive/i.test(p) : /use\s*>\s*3/i.test(p)),
      naive ? 'no earlier use of the drug on record: drug-naive' : 'earlier use of the drug on record',
    );
    if (chosen) return chosen;
  }
  if (general.length > 0) return { primary: general, others: specific, reason: 'not known from the order' };
  if (populations.size === 1) return { primary: specific, others: [] };
  return { primary: specific, others: [], reason: 'not known from the order' };
}

/** What a result was read from, in words: `genotype`, `presence result`, `laboratory phenotype`, … */
export function readingWords(result: GeneResult): string {
  const words = {
    genotype: 'genotype',
    haplotype: 'haplotypes',
    presence: 'presence result',
    'lab-phenotype': 'laboratory phenotype',
    'activity-score': 'activity score without a genotype',
  } as const;
  const kinds = [...new Set((result.readings ?? []).map((r) => words[r.kind]))];
  return kinds.length > 0 ? kinds.join(' and ') : result.diplotype ? 'genotype' : 'laboratory phenotype';
}

/**
 * A laboratory phenotype that differs from CPIC's translation of the genotype it came with, as one sentence:
 * "The laboratory reported Poor Metabolizer; CPIC's tables translate CYP2C19 \*1/\*2 as Intermediate Metabolizer, and
 * the advice follows CPIC." Undefined unless the result is re-interpreted. Said wherever the result is shown (card,
 * patient summary, explanation page, dashboard), and never made louder than the advice: CPIC's own tables are the
 * authority the advice rests on, and laboratories reporting with an older translation are common, so a difference is
 * told, not escalated (a choice, src/rules/cpic/README.md "Lab phenotype vs. genotype").
 */
export function reinterpretationSentence(result: GeneResult): string | undefined {
  if (!result.reinterpreted || result.reportedPhenotype === undefined) return undefined;
  const genotype = result.diplotype ?? result.alleles?.join('/');
  const score = result.activityScore ? ` (activity score ${result.activityScore})` : '';
  const what = genotype ? `${result.gene} ${genotype}${score}` : `the ${result.gene} genotype`;
  return `The laboratory reported ${result.reportedPhenotype}; CPIC's tables translate ${what} as ${result.phenotype}, and the advice follows CPIC.`;
}

function geneLine(result: GeneResult): string {
  const genotype = result.diplotype
    ? `${result.gene} ${result.diplotype}`
    : `${result.gene} (${readingWords(result)})`;
  const score = result.activityScore ? `, activity score ${result.activityScore}` : '';
  // The result's notes are said where the result is shown (the explanation page's and override review's gene tables).
  return `${genotype} → ${result.phenotype}${score}`;
}

/**
 * Why a result on file could not be read, and whom to ask: said on every finding that used it (the gene line says
 * only "→ Indeterminate").
 */
function unreadableLines(used: readonly GeneResult[]): string[] {
  return used.flatMap((g) =>
    g.unreadable === undefined
      ? []
      : [
          `Not readable as reported: ${g.unreadable}${/\blaborator/.test(g.unreadable) ? '' : '; confirm the result with the laboratory'}`,
        ],
  );
}

/**
 * What a CPIC row is looked up by, in words: `CYP2D6 activity score 1.0, CYP2C19 Poor Metabolizer`; an HLA allele as
 * it is written clinically, `HLA-B*57:01 positive` (CPIC's key is `*57:01 positive`).
 */
export function lookupKeyText(lookupKey: Readonly<Record<string, string>>): string {
  return Object.entries(lookupKey)
    .map(([g, v]) => (v.startsWith('*') ? `${g}${v}` : `${g} ${parseScore(v) ? `activity score ${v}` : v}`))
    .join(', ');
}

function rowLine(row: RecommendationRow, guideline: GuidelineKnowledge): string {
  const key = lookupKeyText(row.lookupKey);
  return `${cpicGuideline(guideline)}${row.population && row.population !== 'general' ? ` (${populationWords(row.population)})` : ''}: ${key} → ${row.strength ?? 'informational'}: ${row.recommendation}`;
}

/** A guideline as prose names it: "CPIC CYP2C19 and Clopidogrel", "CPIC guideline metoprolol and CYP2D6". */
function cpicGuideline(guideline: GuidelineKnowledge, noun = ''): string {
  return `CPIC ${noun}${guidelineTitle(guideline)}`;
}

function baseFinding(
  order: DrugOrder,
  drug: string,
  genes: readonly GeneResult[],
): { order: DrugOrder; drug: string; genes: readonly GeneResult[]; knowledgeVersion: string } {
  return { order, drug, genes, knowledgeVersion: knowledgeVersion() };
}

/** What one guideline needs to decide for one order. */
interface GuidelineCase {
  readonly order: DrugOrder;
  readonly drugName: string;
  readonly drug: DrugKnowledge;
  readonly guideline: GuidelineKnowledge;
  readonly results: ReadonlyMap<string, GeneResult>;
  readonly patient: PatientContext;
  /** The results of the guideline's genes that are on file. */
  readonly used: readonly GeneResult[];
}

function conflictFinding(c: GuidelineCase, conflicts: readonly GeneConflict[]): ConflictFinding {
  const ifRight = conflicts.map((conflict) => ({ conflict, ...ifRightRows(c, conflict, conflicts) }));
  const rows = new Map(
    ifRight.flatMap(({ rows }) => rows).map((r) => [`${r.strength ?? ''}|${r.action}`, r] as const),
  );
  return {
    kind: 'conflict',
    ...baseFinding(c.order, c.drugName, c.used),
    action: 'monitor',
    guideline: guidelineRef(c.guideline),
    conflicts,
    explanation: ifRight.flatMap(({ conflict, lines }) => [conflictLine(conflict), ...lines]),
    ...(rows.size > 0 ? { ifRight: [...rows.values()] } : {}),
  };
}

/** The conflicts on the genes a guideline reads: they hold up its advice. */
function conflictsOn(
  guideline: GuidelineKnowledge,
  conflicts: readonly GeneConflict[],
): readonly GeneConflict[] {
  return conflicts.filter((conflict) => guideline.genes.includes(conflict.gene));
}

/** A conflict in words: "Conflicting current CYP2C19 results of the same day: *1/*1 … vs *2/*2 …; resolve …". */
export function conflictLine(conflict: GeneConflict): string {
  const values = [...new Set(conflict.results.map((r) => r.value))];
  if (conflict.acrossDates)
    return `Conflicting ${conflict.gene} results of different dates: ${values.join(' vs ')}; a germline genotype does not change, so resolve with the laboratory before relying on either`;
  return `Conflicting current ${conflict.gene} results${conflict.date ? ' of the same day' : ''}: ${values.join(' vs ')}; resolve before relying on them`;
}

/**
 * What the guideline says with each of a conflict's results taken as right (`lines`), CPIC's deciding words quoted, the most
 * serious first (`If *2/*2 Poor Metabolizer is right, CPIC (Strong; ACS and/or PCI): "Avoid clopidogrel if
 * possible."`), or one line when every result gives the same. Nothing unless every result has a row to quote: a
 * result that alone is unreadable or has no row would leave a list that looks complete and is not. The prescriber
 * sees what hangs on the laboratory's answer; the card still asks for it (the service never picks a result). `rows`:
 * the strength and action of each row quoted, which the engine grades the conflict by (`ConflictFinding.ifRight`).
 */
function ifRightRows(
  c: GuidelineCase,
  conflict: GeneConflict,
  all: readonly GeneConflict[],
): { lines: string[]; rows: { strength?: string; action: RowAction }[] } {
  const none = { lines: [], rows: [] };
  const others = all.filter((x) => x !== conflict);
  const byValue = new Map<string, { action: RowAction; strength?: string; said: string }>();
  for (const { value, alone } of conflict.results) {
    if (byValue.has(value)) continue;
    const results = alone ? new Map(c.results).set(alone.gene, alone) : undefined;
    const found = results
      ? guidelineFindings({ ...c, results }, others).find(
          (f): f is RecommendationFinding => f.kind === 'recommendation',
        )
      : undefined;
    if (!found) return none;
    // The row's strength and population, as a card's "What to do" heading gives them: where the population is not
    // known, the row quoted is one of several (clopidogrel's ACS and/or PCI row is Strong, its others Moderate).
    const { strength, population } = found.row;
    const about = [
      ...(strength ? [strength] : []),
      ...(population && population !== 'general' ? [populationWords(population)] : []),
    ];
    const cpic = about.length > 0 ? `CPIC (${about.join('; ')})` : 'CPIC';
    byValue.set(value, {
      action: found.action,
      ...(strength ? { strength } : {}),
      said: `${cpic}: "${adviceWords(found)}"`,
    });
  }
  const ranked = [...byValue].sort(([, a], [, b]) => ACTION_RANK[b.action] - ACTION_RANK[a.action]);
  const [first] = ranked;
  if (!first) return none;
  const rows = ranked.map(([, a]) => ({ ...(a.strength ? { strength: a.strength } : {}), action: a.action }));
  if (ranked.every(([, a]) => a.said === first[1].said))
    return { lines: [`Whichever result is right, ${first[1].said}`], rows };
  return { lines: ranked.map(([value, a]) => `If ${value} is right, ${a.said}`), rows };
}

const decisive = new Map<string, ReadonlySet<string>>();

/**
 * The genes a guideline depends on for a Strong or Moderate recommendation: a gene is decisive when a row keyed on a
 * result of it (not "No Result") has one of those strengths. From the rows themselves, once per guideline.
 */
export function decisiveGenes(guideline: GuidelineKnowledge): ReadonlySet<string> {
  let genes = decisive.get(guideline.id);
  if (!genes) {
    genes = new Set(
      guideline.genes.filter((gene) =>
        guideline.rows.some(
          (row) =>
            (row.strength === 'Strong' || row.strength === 'Moderate') &&
            row.lookupKey[gene] !== undefined &&
            row.lookupKey[gene] !== NO_RESULT,
        ),
      ),
    );
    decisive.set(guideline.id, genes);
  }
  return genes;
}

/**
 * A pre-test finding for the untested genes the guideline depends on for a Strong or Moderate recommendation
 * (`decisiveGenes`), whatever other genes are known; undefined when none is untested. Each gene carries its CPIC
 * pair level: the threshold set's pre-test policy decides by level whether it is shown (rules/engine.ts).
 */
function preTestFinding(c: GuidelineCase, untested: readonly string[]): PreTestFinding | undefined {
  const genes = decisiveGenes(c.guideline);
  const toTest = untested.flatMap((gene) => {
    if (!genes.has(gene)) return [];
    const level = c.drug.pairs.find((p) => p.gene === gene)?.level ?? 'none';
    // A result of the gene is on file, but not for the guideline's risk allele: the test to order is the allele's.
    const allele = c.results.get(gene) ? hlaAlleleOf(c.guideline, gene) : undefined;
    const pending = c.patient.pendingResults?.find((p) => p.gene === gene);
    return [
      {
        gene,
        level,
        ...(allele ? { allele } : {}),
        ...(pending
          ? { pending: { status: pending.status, ...(pending.date ? { date: pending.date } : {}) } }
          : {}),
      },
    ];
  });
  if (toTest.length === 0) return undefined;
  const toOrder = toTest.filter((t) => !t.pending);
  const unassigned = toOrder.length > 0 ? (c.patient.unassignedResults ?? []) : [];
  const named = toOrder
    .map((t) => `${testedName(t)}${t.level === 'none' ? '' : ` (CPIC level ${t.level})`}`)
    .join(', ');
  return {
    kind: 'pre-test',
    ...baseFinding(c.order, c.drugName, c.used),
    action: 'order-test',
    untested: toTest,
    guideline: guidelineRef(c.guideline),
    ...(unassigned.length > 0 ? { unassignedOnFile: unassigned.length } : {}),
    explanation: [
      ...(toOrder.length > 0 && unassigned.length > 0
        ? [
            `Check the pharmacogenomic ${unassigned.length === 1 ? 'result' : 'results'} on file that ${unassigned.length === 1 ? 'names' : 'name'} no gene (${unassignedWords(unassigned)}) before ordering a test: no ${named} result could be read for ${c.drugName}, and ${cpicGuideline(c.guideline, 'guideline ')} applies once one is`,
          ]
        : toOrder.length > 0
          ? [
              `No ${named} result on file for ${c.drugName}: ${cpicGuideline(c.guideline, 'guideline ')} applies once tested`,
            ]
          : []),
      ...toTest.flatMap((t) => (t.pending ? [pendingLine(t.gene, t.pending, c.drugName)] : [])),
    ],
  };
}

/** Results that name no gene, by what they are coded as and their date: `a phenotype of 1 Mar 2024`. */
function unassignedWords(results: readonly UnassignedResult[]): string {
  return results
    .map((r) => {
      const day = r.date === undefined ? undefined : calendarDate(r.date);
      return `a ${r.kind}${day ? ` of ${day}` : ''}`;
    })
    .join(', ');
}

/**
 * A result on its way, in words: "CYP2C19 result preliminary (3 Dec 2026): wait for the final result before relying
 * on it for clopidogrel; no new test is needed". A preliminary result may still change (FHIR R4 Observation.status),
 * so it is not used for advice; a registered one has no result yet.
 */
function pendingLine(
  gene: string,
  pending: { readonly status: PendingResult['status']; readonly date?: string },
  drug: string,
): string {
  const day = pending.date === undefined ? undefined : calendarDate(pending.date);
  const when = day ? ` (${day})` : '';
  return pending.status === 'preliminary'
    ? `${gene} result preliminary${when}: wait for the final result before relying on it for ${drug}; a preliminary result may still change, and no new test is needed`
    : `${gene} test registered${when}, no result yet: wait for it before relying on it for ${drug}; no new test is needed`;
}

/**
 * A pre-test finding for a drug CPIC has no guideline for but whose FDA label requires a gene test, by CPIC's gene–drug
 * pairs (siponimod: CYP2C9, level A provisional), when no result of that gene is on file and none disagree; undefined
 * otherwise. The threshold set's pre-test policy decides by the pair's level whether it is shown, as for a guideline.
 */
export function labelPreTestFinding(
  order: DrugOrder,
  drugName: string,
  results: readonly GeneResult[],
  conflicts: readonly GeneConflict[],
  pendingResults: readonly PendingResult[] = [],
): PreTestFinding | undefined {
  const toTest = labelRequiredTests(drugName)
    .filter((t) => !results.some((r) => r.gene === t.gene) && !conflicts.some((c) => c.gene === t.gene))
    .map((t) => ({ ...t, pending: pendingResults.find((p) => p.gene === t.gene) }));
  if (toTest.length === 0) return undefined;
  // A gene whose result is registered or preliminary is not asked for again, as for a guideline (`preTestFinding`).
  const toOrder = toTest.filter((t) => t.pending === undefined);
  const genes = toOrder.map((t) => t.gene).join(' and ');
  const levels = toOrder
    .map((t) => [t.level, t.levelStatus?.toLowerCase()].filter((w) => !!w).join(' '))
    .filter((l) => l !== '');
  return {
    kind: 'pre-test',
    ...baseFinding(order, drugName, []),
    action: 'order-test',
    untested: toTest.map(({ gene, level, pending }) => ({
      gene,
      level: level ?? 'none',
      ...(pending
        ? { pending: { status: pending.status, ...(pending.date ? { date: pending.date } : {}) } }
        : {}),
    })),
    labelRequiresTest: true,
    explanation: [
      ...(toOrder.length > 0
        ? [
            `No ${genes} result on file for ${drugName}: its FDA label requires ${genes} testing (CPIC gene–drug pair${levels.length > 0 ? `, level ${levels.join(', ')}` : ''}; CPIC has no guideline for it)`,
          ]
        : []),
      ...toTest.flatMap((t) => (t.pending ? [pendingLine(t.gene, t.pending, drugName)] : [])),
    ],
  };
}

/** What a pre-test finding asks to test: the gene, or an HLA gene's risk allele (`HLA-B*58:01`). */
export function testedName(untested: { readonly gene: string; readonly allele?: string }): string {
  return `${untested.gene}${untested.allele ?? ''}`;
}

/**
 * Whether what is known already settles the drug, so that a test of an untested gene cannot change CPIC's advice.
 * The rows of the guideline that match the known results, whatever the untested genes are (their "No Result" rows
 * included), either
 * - all say to avoid it and give no dosing for when it is used all the same (`avoid`): with RYR1 Malignant
 *   Hyperthermia Susceptibility succinylcholine is avoided with any CACNA1S result, with NUDT15 Poor Metabolizer
 *   azathioprine with any TPMT result; or
 * - say one thing per population, whatever the untested genes are (`same`): with HLA-B*15:02 positive, CPIC's
 *   phenytoin rows are one text for every CYP2C9 result, for the phenytoin-naive patient and for the one who took it
 *   before (and its carbamazepine rows one for every HLA-A result); with NUDT15 Poor Metabolizer, its mercaptopurine
 *   rows one for every TPMT result.
 * With CYP2D6 activity score 0 amitriptyline is avoided whatever CYP2C19 is, but the dose "if warranted" depends on
 * it: neither holds, and CYP2C19 is still prompted.
 */
function settledWhateverUntested(
  guideline: GuidelineKnowledge,
  values: ReadonlyMap<string, readonly string[]>,
  untested: readonly string[],
): 'avoid' | 'same' | undefined {
  const rows = guideline.rows.filter((row) =>
    guideline.genes.every(
      (gene) => untested.includes(gene) || (values.get(gene) ?? []).includes(row.lookupKey[gene] ?? ''),
    ),
  );
  if (rows.length === 0) return undefined;
  if (rows.every((row) => row.action === 'avoid' && !row.dosingInformation)) return 'avoid';
  const advice = new Map<string, { rows: number; texts: Set<string> }>();
  for (const row of rows) {
    // A row without population applies to everyone, as a `general` one does (`choosePopulation`).
    const population = row.population ?? 'general';
    const group = advice.get(population) ?? { rows: 0, texts: new Set<string>() };
    group.rows += 1;
    group.texts.add(`${row.recommendation}|${String(row.dosingInformation)}`);
    advice.set(population, group);
  }
  // More than one row in each population: a lone row ("No Result" only) says nothing of what a result would change.
  return [...advice.values()].every((g) => g.rows > 1 && g.texts.size === 1) ? 'same' : undefined;
}

function noRowFinding(c: GuidelineCase, combos: readonly Record<string, string>[]): NoRowFinding {
  const keys = combos
    .map((k) =>
      Object.entries(k)
        .map(([g, v]) => `${g}: ${v}`)
        .join(', '),
    )
    .join(' | ');
  return {
    kind: 'no-row',
    ...baseFinding(c.order, c.drugName, c.used),
    action: 'monitor',
    guideline: guidelineRef(c.guideline),
    explanation: [
      ...c.used.map(geneLine),
      ...unreadableLines(c.used),
      `${cpicGuideline(c.guideline)} has no recommendation for ${keys}`,
    ],
  };
}

/** The row that applies (population and score spans ranked, the most protective first) and the others. */
function recommendationFinding(
  c: GuidelineCase,
  found: readonly { key: Record<string, string>; rows: RecommendationRow[] }[],
  untested: readonly string[],
  settled: 'avoid' | 'same' | undefined,
): RecommendationFinding | undefined {
  // One candidate per key combination (score spans) and population; the most protective leads. Order: the rows of
  // the population the record tells, then rows that recommend something before rows that make no recommendation (a
  // "No recommendation" row must not hide a Strong "use at standard dose"), then the most demanding action, then the
  // strongest CPIC classification (clopidogrel CYP2C19 intermediate metabolizer: the Strong ACS/PCI avoid before the
  // Moderate neurovascular one), then the data set's order (the sort is stable).
  const candidates = found.flatMap((m) => {
    const { primary, others, reason } = choosePopulation(m.rows, c.patient);
    return [
      ...primary.map((row) => ({ row, primary: true, reason })),
      ...others.map((row) => ({ row, primary: false, reason })),
    ];
  });
  const ranked = [...candidates].sort(
    (a, b) =>
      Number(b.primary) - Number(a.primary) ||
      Number(makesRecommendation(b.row)) - Number(makesRecommendation(a.row)) ||
      ACTION_RANK[actionForRow(b.row)] - ACTION_RANK[actionForRow(a.row)] ||
      strengthRank(b.row) - strengthRank(a.row),
  );
  const lead = ranked[0];
  if (!lead) return undefined;
  // Rows that say the same thing as one already shown (same text, strength, population) are not repeated.
  const sayings = new Set<string>();
  const distinct = ranked.filter(({ row }) => {
    const saying = `${row.population ?? ''}|${row.strength ?? ''}|${row.recommendation}`;
    if (sayings.has(saying)) return false;
    sayings.add(saying);
    return true;
  });
  const scoreKeys = found.map((m) => Object.values(m.key).join(', '));
  const alternatives = distinct.slice(1).map(({ row }) => ({
    label:
      found.length > 1
        ? `${lookupKeyText(row.lookupKey)}${row.population && row.population !== 'general' ? ` (${populationWords(row.population)})` : ''}`
        : (row.population ?? 'general'),
    row: cpicRow(c.guideline, row),
  }));
  const hlaPossible = c.used.flatMap((g) =>
    Object.entries(g.alleleStatus ?? {})
      .filter(([allele, status]) => status === 'possible' && allele === hlaAlleleOf(c.guideline, g.gene))
      .map(([allele]) => `${g.gene}${allele}`),
  );
  // An unreported copy number whose readings differ: the laboratory can settle it, so the reason says whom to ask.
  const copyNumberLines = c.used.flatMap((g) =>
    copyNumberPhenotypes(g).length > 1
      ? [
          `Ask the laboratory for the ${g.gene} copy number: ${copyNumberWords(g.copyNumberReadings ?? [])}; ${
            distinct.length > 1
              ? "CPIC's recommendation for each is shown"
              : 'CPIC recommends the same for each'
          }`,
        ]
      : [],
  );
  const spansByCopies =
    c.used.some((g) => g.copyNumberReadings) && (copyNumberLines.length > 0 || distinct.length === 1);
  // CPIC keys such a row on "No Result": its recommendation is for a patient not tested for the gene.
  const untestedLines = untested.map((g) =>
    settled === 'avoid'
      ? `No ${g} result on file: CPIC advises avoiding ${c.drugName} whatever it is, so no test is asked for`
      : settled === 'same'
        ? `No ${g} result on file: CPIC recommends the same whatever it is, so no test is asked for`
        : `No ${g} result on file: this is CPIC's recommendation for a patient not tested for ${g}`,
  );
  const action = actionForRow(lead.row);
  const doseChange = action === 'adjust-dose' ? cpicDoseFraction(lead.row.recommendation) : undefined;
  return {
    kind: 'recommendation',
    ...baseFinding(c.order, c.drugName, c.used),
    row: cpicRow(c.guideline, lead.row),
    action,
    alternatives,
    ...(doseChange ? { doseChange } : {}),
    alternativeDrugs: namedAlternatives(c.drugName, lead.row.recommendation),
    ...(settled ? { untestedSettled: true as const } : {}),
    explanation: [
      ...c.used.map(geneLine),
      ...unreadableLines(c.used),
      ...untestedLines,
      ...(lead.reason ? [`Population: ${lead.reason}`] : []),
      ...(found.length > 1 && hlaPossible.length > 0
        ? [
            `${hlaPossible.join(', ')} possible: the typing (ambiguous or low resolution) does not tell whether it is present; the row for a positive result is shown first, the row for a negative result after it`,
          ]
        : []),
      ...copyNumberLines,
      ...(found.length > 1 && hlaPossible.length === 0 && !spansByCopies
        ? [
            distinct.length > 1
              ? `The result spans CPIC activity scores ${scoreKeys.join(' | ')} whose recommendations differ; each is shown`
              : `The result spans CPIC activity scores ${scoreKeys.join(' | ')}; CPIC recommends the same for each`,
          ]
        : []),
      rowLine(lead.row, c.guideline),
    ],
  };
}

/**
 * The findings of one guideline for one order: a conflict; or a pre-test finding when a gene the guideline depends on
 * for a Strong or Moderate recommendation is untested (the same rule for every drug, whatever other genes are known),
 * next to the recommendation the known genes give (its "No Result" row), if CPIC has one; or no row; or nothing.
 */
function guidelineFindings(c: Omit<GuidelineCase, 'used'>, conflicts: readonly GeneConflict[]): Finding[] {
  const { guideline, results } = c;
  const values = new Map(guideline.genes.map((g) => [g, keyValues(guideline, g, results.get(g))]));
  // Untested: no result, or an HLA result that does not test the guideline's risk allele (a *57:01 presence test
  // says nothing of *58:01 for allopurinol).
  const untested = guideline.genes.filter((g) => values.get(g)?.join() === NO_RESULT);
  const used = guideline.genes.flatMap((g) => {
    const result = results.get(g);
    return result && !untested.includes(g) ? [result] : [];
  });
  const kase: GuidelineCase = { ...c, used };
  const conflicted = conflictsOn(guideline, conflicts);
  if (conflicted.length > 0) return [conflictFinding(kase, conflicted)];
  const settled = untested.length > 0 ? settledWhateverUntested(guideline, values, untested) : undefined;
  const preTest = untested.length > 0 && !settled ? preTestFinding(kase, untested) : undefined;
  const combos = keyCombinations(guideline.genes, values);
  const matches = combos.map((key) => ({
    key,
    rows: guideline.rows.filter((r) => sameKey(r.lookupKey, key)),
  }));
  const found = matches.filter((m) => m.rows.length > 0);
  // Nothing known, or no row for what is known: the pre-test finding alone (if a decisive gene is untested).
  if (untested.length === guideline.genes.length || (untested.length > 0 && found.length === 0))
    return preTest ? [preTest] : [];
  if (found.length === 0) return [noRowFinding(kase, combos)];
  const recommendation = recommendationFinding(kase, found, untested, settled);
  // A row that itself asks for the missing test ("No CACNA1S genotype is available … further genetic testing …")
  // says it on its own card: no second prompt for the same test.
  const rowAsksForTest =
    recommendation !== undefined &&
    guideline.rows.some(
      (r) =>
        r.textAction === 'order-test' &&
        r.recommendation === recommendation.row.recommendation &&
        sameKey(r.lookupKey, recommendation.row.lookupKey),
    );
  return [...(recommendation ? [recommendation] : []), ...(preTest && !rowAsksForTest ? [preTest] : [])];
}

/** CYP2C9 alleles CPIC's warfarin figure singles out (node "Carriers of CYP2C9*5, *6, *8, or *11"). */
const WARFARIN_CYP2C9_ALLELES = ['*5', '*6', '*8', '*11'];

/**
 * Warfarin has no lookup rows: CPIC's Figure 2 (the `decisionGraph`) is followed as far as the record allows.
 * Ancestry is never inferred, so its branches are named, not taken.
 */
function warfarinFinding(
  order: DrugOrder,
  drug: DrugKnowledge,
  results: ReadonlyMap<string, GeneResult>,
): PreTestFinding | WarfarinFigureFinding {
  const nodes = drug.decisionGraph?.nodes ?? {};
  const guideline = drug.guidelines[0];
  const cyp2c9 = results.get('CYP2C9');
  const vkorc1 = results.get('VKORC1');
  const base = baseFinding(
    order,
    'warfarin',
    [cyp2c9, vkorc1].filter((r): r is GeneResult => r !== undefined),
  );
  if (!cyp2c9 || !vkorc1 || !guideline) {
    const missing = ['CYP2C9', 'VKORC1'].filter((g) => !results.get(g));
    return {
      kind: 'pre-test',
      ...base,
      action: 'order-test',
      untested: missing.map((gene) => ({
        gene,
        level: drug.pairs.find((p) => p.gene === gene)?.level ?? 'A',
      })),
      ...(guideline ? { guideline: guidelineRef(guideline) } : {}),
      explanation: [
        `No ${missing.join(' and ')} result on file for warfarin (CPIC level A): ${nodes.n0 ?? ''} → ${nodes.n3 ?? ''}`,
      ],
    };
  }
  const carriers = (cyp2c9.alleles ?? []).filter((a) => WARFARIN_CYP2C9_ALLELES.includes(a));
  // CYP4F2 (box n7, after n6 on the figure's path): read from the genotype as reported (cyp4f2.ts).
  const cyp4f2 = results.get('CYP4F2');
  const rs2108622 = readRs2108622(cyp4f2);
  const tCarrier = rs2108622 !== undefined && rs2108622.tCopies > 0;
  // Each Figure 2 box verbatim, one paragraph each (CPIC row texts separate paragraphs by a blank line too).
  const boxes = [
    nodes.n1,
    nodes.n2,
    carriers.length > 0 ? nodes.n6 : undefined,
    tCarrier ? nodes.n7 : undefined,
  ].filter((t): t is string => !!t);
  const text = boxes.join('\n\n');
  const row: CpicRow = {
    guideline: guidelineRef(guideline),
    lookupKey: { CYP2C9: cyp2c9.diplotype ?? cyp2c9.lookupKey, VKORC1: vkorc1.lookupKey },
    recommendation: text,
    implications: [],
    pmids: guideline.pmids,
  };
  // The figure's adjustments apply to the algorithm's calculated dose; with the CYP4F2 increase beside a CYP2C9
  // decrease there is no single share of the ordered dose to offer in one click.
  const doseChange = tCarrier && carriers.length > 0 ? undefined : cpicDoseFraction(text);
  const cyp4f2Line =
    rs2108622 === undefined
      ? cyp4f2
        ? [
            `CYP4F2 ${cyp4f2.diplotype ?? 'result'}: rs2108622 not readable from it, so the CYP4F2 box is not applied`,
          ]
        : []
      : [
          `CYP4F2 ${rs2108622.reported} → ${
            rs2108622.tCopies === 0
              ? 'no rs2108622 T allele: the CYP4F2 box does not apply'
              : `rs2108622 T carrier (${rs2108622.tCopies === 1 ? 'one copy' : 'two copies'})`
          }`,
        ];
  return {
    kind: 'warfarin-figure',
    // A T carrier's CYP4F2 result is one the figure used: listed with what was read from it (no CPIC phenotype).
    ...(tCarrier && cyp4f2
      ? { ...base, genes: [...base.genes, { ...cyp4f2, phenotype: 'rs2108622 T carrier', notes: [] }] }
      : base),
    row,
    action: 'adjust-dose',
    ...(doseChange ? { doseChange } : {}),
    alternativeDrugs: namedAlternatives('warfarin', text),
    explanation: [
      geneLine(cyp2c9),
      geneLine(vkorc1),
      ...unreadableLines([cyp2c9, vkorc1]),
      ...cyp4f2Line,
      `CPIC warfarin Figure 2 (adults): ${boxes.join(' → ')}`,
      // The boxes quoted: CPIC's own questions ("rs12777823 tested?") read as the reader's otherwise.
      `Figure 2's branches for ancestry not applied (ancestry is not known from the order): ${[
        nodes.n4,
        nodes.n9,
        nodes.n13,
      ]
        .filter(Boolean)
        .map((box) => `"${box ?? ''}"`)
        .join(', ')}`,
    ],
  };
}

/**
 * The CPIC findings for one resolved draft order: one per ingredient × guideline that has something to say
 * (a recommendation, a pre-test alert for an untested level A/B gene, a conflict, or no row for the results).
 * Drugs without CPIC rows and genes without results in non-actionable pairs give nothing.
 */
export function findingsForOrder(
  order: DrugOrder,
  genes: readonly GeneResult[],
  patient: PatientContext = {},
  conflicts: readonly GeneConflict[] = [],
): Finding[] {
  return withAlternativeAdvice(ingredientFindings(order, genes, patient, conflicts), (alternative) =>
    ingredientFindings({ ...order, ingredients: [{ name: alternative }] }, genes, patient, conflicts),
  );
}

function ingredientFindings(
  order: DrugOrder,
  genes: readonly GeneResult[],
  patient: PatientContext,
  conflicts: readonly GeneConflict[],
): Finding[] {
  const results = new Map(genes.map((g) => [g.gene, g]));
  return order.ingredients.flatMap(({ name }): Finding[] => {
    const drug = drugKnowledge(name);
    if (!drug) return [];
    if (drug.decisionGraph) {
      // Warfarin's figure reads CYP2C9, VKORC1 and CYP4F2: results of one of them that disagree are a conflict, as for
      // any guideline, not a missing result to test for.
      const guideline = drug.guidelines[0];
      const conflicted = guideline ? conflictsOn(guideline, conflicts) : [];
      if (!guideline || conflicted.length === 0) return [warfarinFinding(order, drug, results)];
      const used = guideline.genes.flatMap((g) => results.get(g) ?? []);
      return [
        conflictFinding({ order, drugName: name, drug, guideline, results, patient, used }, conflicted),
      ];
    }
    return drug.guidelines
      .filter((g) => g.rows.length > 0)
      .flatMap((guideline) => {
        return guidelineFindings({ order, drugName: name, drug, guideline, results, patient }, conflicts);
      });
  });
}

/**
 * Each named alternative with what CPIC advises for it with the same results (`forPatient`): a card must not offer
 * celecoxib for meloxicam to a CYP2C9 poor metabolizer without saying that CPIC's celecoxib advice for that result is
 * "25-50% of the lowest recommended starting dose". The alternative's strongest finding decides; a conflict or a
 * result without a row says nothing.
 */
function withAlternativeAdvice(findings: Finding[], findingsFor: (drug: string) => Finding[]): Finding[] {
  return findings.map((f) => {
    if (f.kind !== 'recommendation' || f.alternativeDrugs.length === 0) return f;
    return {
      ...f,
      alternativeDrugs: f.alternativeDrugs.map((alt) => {
        const advice = strongestAdvice(findingsFor(alt.name));
        return advice ? { ...alt, forPatient: advice } : alt;
      }),
    };
  });
}

/** CPIC's words for what a row asks: the dose share phrase, else the row's deciding sentence, else its whole text. */
function adviceWords(f: RecommendationFinding): string {
  const read = readRecommendation(f.row.recommendation);
  const sentence = read === undefined || read === 'no-recommendation' ? undefined : read.sentence;
  return f.doseChange?.phrase ?? sentence ?? f.row.recommendation;
}

function strongestAdvice(findings: readonly Finding[]): AlternativeAdvice | undefined {
  const advice = findings.flatMap((f): AlternativeAdvice[] => {
    if (f.kind === 'pre-test') {
      return [{ action: 'order-test', words: f.untested.map((u) => u.gene).join(' and ') }];
    }
    if (f.kind !== 'recommendation') return [];
    return [{ action: f.action, words: adviceWords(f) }];
  });
  return advice.sort((a, b) => ACTION_RANK[b.action] - ACTION_RANK[a.action])[0];
}
