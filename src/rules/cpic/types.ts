/**
 * The CPIC knowledge currency (DESIGN.md "The currency between modules"). Plain, serializable data.
 * Nothing here imports protocol or HTTP code.
 */

import type { AlternativeDrug } from './alternatives';
import type { CpicDoseFraction } from './dose';
import type { HlaAlleleStatus } from './hla';

/** A FHIR reference to where a fact came from, e.g. `Observation/abc`; never a patient identifier. */
export type SourceReference = string;

/** One gene's interpreted result for the patient. */
export interface GeneResult {
  /** HGNC symbol as used by CPIC, e.g. `CYP2C19`, `HLA-B`. */
  readonly gene: string;
  /** Normalized CPIC diplotype, e.g. `*2/*17`; absent for phenotype-only or allele-status results. */
  readonly diplotype?: string;
  /** Individual alleles when reported separately (haplotype Observations) or for HLA. */
  readonly alleles?: readonly string[];
  /** CPIC phenotype term, e.g. `Poor Metabolizer`, or `Indeterminate`. */
  readonly phenotype: string;
  /** Summed CPIC activity score as CPIC writes it (`1.5`, `≥3.0`), for activity-score genes. */
  readonly activityScore?: string;
  /** The key this gene contributes to a CPIC lookup (phenotype, activity score or allele status). */
  readonly lookupKey: string;
  /**
   * Phenotype-only result of an activity-score gene (CYP2D6, CYP2C9, DPYD) whose phenotype spans several CPIC
   * scores: every score it may be. Absent when the lookup key is exact.
   */
  readonly candidateLookupKeys?: readonly string[];
  /**
   * A genotype with a copy number the laboratory did not report (`*1/*2xN`): what it is under each reading CPIC
   * lists (`*1/*2x2`, `*1/*2x≥3`). Their keys are the candidate keys.
   */
  readonly copyNumberReadings?: readonly CopyNumberReading[];
  /**
   * HLA: status of each CPIC risk allele tested (`*57:01` → `positive`); drugs look up only their allele. `possible`:
   * the typing is ambiguous or low-resolution and leaves the risk allele possible (never read as negative).
   */
  readonly alleleStatus?: Readonly<Record<string, HlaAlleleStatus>>;
  /** The Observation(s) the result was read from, each once. */
  readonly sources: readonly SourceReference[];
  /** What was read from each source (genotype, haplotype, presence result, lab phenotype; coded or free text). */
  readonly readings?: readonly ResultReading[];
  /** Effective date of the newest source (ISO 8601). */
  readonly date?: string;
  /** Phenotype the laboratory reported, if any. */
  readonly reportedPhenotype?: string;
  /** True when current CPIC calls a different phenotype than the lab reported. */
  readonly reinterpreted: boolean;
  /**
   * Set when the service's knowledge cannot interpret the gene at all (CYP4F2: the CPIC data set has no allele
   * definitions): the result is on file, but it is never a finding. Says why.
   */
  readonly uninterpreted?: string;
  /**
   * Set when the laboratory's notation could not be read (an allele CPIC does not define, as many alleles as the gene
   * cannot have, an HLA or CFTR text naming nothing the service reads): the reason. The result is Indeterminate, and
   * an order for a drug of the gene is never silent about it (rules/engine.ts).
   */
  readonly unreadable?: string;
  /**
   * The date of the CPIC allele functions a genotype was called with (the gene's `dataVersion`, as its source wrote
   * it: `2025-11-05-00-25`); absent for a phenotype reported without a genotype and for genes whose data is undated.
   * Recorded with the result, so a card read later says which allele functions gave its phenotype.
   */
  readonly alleleFunctions?: string;
  /** Why the result is what it is (allele mapping, indeterminate reasons, conflicts). */
  readonly notes: readonly string[];
  /**
   * What the call took for granted that the laboratory did not report, as a clause to follow the result: an allele
   * reported alone, read with any partner because CPIC calls every pair the same; one G6PD allele read as hemizygous.
   * The card says it beside the result (the notes say the same in their own words on the pages behind the card).
   */
  readonly assumed?: readonly string[];
}

/** One reading of a genotype whose copy number was not reported: the CPIC genotype and what CPIC calls it. */
export interface CopyNumberReading {
  readonly diplotype: string;
  readonly phenotype: string;
  readonly lookupKey: string;
}

/** What a source Observation contributed to a gene result. */
export type ReadingKind = 'genotype' | 'haplotype' | 'presence' | 'lab-phenotype' | 'activity-score';

/** One source of a gene result: the Observation, what it gave, and whether it was read from free text. */
export interface ResultReading {
  readonly source: SourceReference;
  readonly kind: ReadingKind;
  /** True when the value was free text (no coding the service recognises), e.g. `valueString`. */
  readonly text: boolean;
  /** The source's effective date (ISO 8601, as the Observation gives it), when it has one. */
  readonly date?: string;
  /** Who produced it, as the Observation names it (`performer` or `device` display, e.g. the laboratory). */
  readonly producer?: string;
}

/** A draft order's drug, resolved to CPIC ingredient(s). */
export interface DrugOrder {
  /** `MedicationRequest/id` as the client sent it (ids may repeat across orders: the sandbox reuses one). */
  readonly orderRef: string;
  /** Index of the order in `draftOrders`, to tell apart orders that share an id. */
  readonly orderIndex: number;
  /** CPIC ingredient(s) the product contains. */
  readonly ingredients: readonly { readonly name: string; readonly rxcui?: string }[];
  /** How the drug was recognized: a code, a contained/prefetched Medication, or display text. */
  readonly resolvedBy: 'rxnorm-code' | 'medication-reference' | 'text';
  /**
   * The medicine as the order names it (`medicationCodeableConcept.text`, else a coding's display; for a
   * `medicationReference`, its display, else the Medication's code), for the people reviewing the order later.
   */
  readonly product?: string;
  /** The first dosage instruction in words: its `text` as sent, else dose, route and timing put together. */
  readonly dosage?: string;
  /**
   * When the therapy the order is for started, as the order says it (ISO 8601 date or dateTime): the latest of
   * `authoredOn`, the first dosage instruction's `timing.repeat.boundsPeriod.start` and
   * `dispenseRequest.validityPeriod.start` that are present (choice: the latest, so a renewed or re-timed order never
   * counts as older than it may be). Absent when the order gives none.
   */
  readonly startedOn?: string;
  /** Dose from the order's first dosage instruction, when given. */
  readonly dose?: {
    readonly value: number;
    readonly unit?: string;
    readonly code?: string;
    readonly system?: string;
  };
}

/** Genes whose current results disagree (read from FHIR); never silently resolved. */
export interface GeneConflict {
  readonly gene: string;
  /** The day of results of the same day that disagree; absent for results of different dates. */
  readonly date?: string;
  /**
   * Results of different dates that cannot both be right: an older genotype names a variant allele the newest lacks
   * (germline genotypes do not change), or an HLA risk allele positive on one date and negative on another. Each
   * result's `value` ends with its date.
   */
  readonly acrossDates?: true;
  readonly results: readonly ConflictingResult[];
}

/** One of the results that disagree. */
export interface ConflictingResult {
  readonly source: string;
  readonly value: string;
  /**
   * The gene's result were this source the only one of its day: what a guideline would be looked up by if the
   * laboratory confirms it. Absent in records made before it was kept.
   */
  readonly alone?: GeneResult;
}

/** What a finding asks the prescriber to do (classified from CPIC's text; the card always quotes the text). */
export type DecisionAction = 'avoid' | 'adjust-dose' | 'monitor' | 'order-test' | 'standard';

/** The actions a CPIC row can ask for (`order-test` comes from a missing result, never from a row). */
export type RowAction = Exclude<DecisionAction, 'order-test'>;

/** A CPIC guideline as a finding cites it. */
export interface GuidelineRef {
  readonly name: string;
  readonly url: string;
  readonly id?: string;
}

/** The CPIC recommendation row a finding rests on. */
export interface CpicRow {
  readonly guideline: GuidelineRef;
  readonly lookupKey: Readonly<Record<string, string>>;
  readonly population?: string;
  readonly strength?: string;
  readonly recommendation: string;
  /** CPIC "other considerations" for the row, when given. */
  readonly otherConsiderations?: string;
  readonly implications: readonly string[];
  readonly pmids: readonly string[];
  /** Recommendation annotation id, when CPIC gives one. */
  readonly rowId?: string;
}

/** What every finding carries: the order and drug it is about, the results it read, and why. */
interface FindingBase {
  readonly order: DrugOrder;
  /** Lower-case CPIC (or safety-rule) drug name. */
  readonly drug: string;
  /** The gene results the finding read. */
  readonly genes: readonly GeneResult[];
  readonly action: DecisionAction;
  readonly knowledgeVersion: string;
  /** genotype → phenotype → CPIC row, one line each. */
  readonly explanation: readonly string[];
}

/** A CPIC row applies: its text, strength and population decide the advice. */
export interface RecommendationFinding extends FindingBase {
  readonly kind: 'recommendation';
  readonly action: RowAction;
  readonly row: CpicRow;
  /**
   * Other CPIC rows that may apply when the population (e.g. clopidogrel indication) or the exact activity score
   * (phenotype-only result) cannot be known from the order; `label` says which case each row is for.
   */
  readonly alternatives: readonly { readonly label: string; readonly row: CpicRow }[];
  /** The dose share the row's text gives (adjust-dose rows with a percentage), with its conditions. */
  readonly doseChange?: CpicDoseFraction;
  /**
   * The drugs the row's text names instead of this one, with their RxNorm codes where sourced, and what CPIC advises
   * for each with this patient's results.
   */
  readonly alternativeDrugs: readonly NamedAlternative[];
  /**
   * True when a gene the row keys on has no result and what is known settles the drug, so that no result of it could
   * change CPIC's advice (no test is asked for; the explanation says why). Absent in decisions recorded before it.
   */
  readonly untestedSettled?: true;
}

/** An alternative CPIC names, with what CPIC advises for it with the same patient's results. */
export interface NamedAlternative extends AlternativeDrug {
  /** Absent when CPIC has no guideline for the alternative or its results settle nothing (conflict, no row). */
  readonly forPatient?: AlternativeAdvice;
}

/** What CPIC advises for an alternative drug with this patient's results. */
export interface AlternativeAdvice {
  readonly action: DecisionAction;
  /**
   * CPIC's words for it: the dose share phrase ("25-50% of the lowest recommended starting dose"), else the row's
   * deciding sentence; for `order-test`, the genes without a result.
   */
  readonly words: string;
}

/** Warfarin: CPIC's Figure 2 boxes as far as the record allows (no lookup rows exist for warfarin). */
export interface WarfarinFigureFinding extends FindingBase {
  readonly kind: 'warfarin-figure';
  readonly action: 'adjust-dose';
  readonly row: CpicRow;
  /** The dose share Figure 2's boxes give, when they give a percentage. */
  readonly doseChange?: CpicDoseFraction;
  /** The drugs Figure 2's boxes name instead of warfarin (none are listed today). */
  readonly alternativeDrugs: readonly NamedAlternative[];
}

/** A gene the guideline depends on has no result on file: the pre-test policy applies. */
export interface PreTestFinding extends FindingBase {
  readonly kind: 'pre-test';
  readonly action: 'order-test';
  readonly guideline?: GuidelineRef;
  /**
   * The untested genes with their CPIC level, e.g. `[{ gene: 'CYP2C19', level: 'A' }]`; an HLA gene whose result on
   * file does not test the guideline's risk allele names it (`{ gene: 'HLA-B', allele: '*58:01', … }`).
   */
  readonly untested: readonly {
    readonly gene: string;
    readonly level: string;
    readonly allele?: string;
    /**
     * A result of the gene is registered or preliminary (FHIR Observation.status): not used for advice, and no test
     * is asked for; the card says the result is pending (`PENDING_STATUSES` in `fhir-results.ts`).
     */
    readonly pending?: PendingTest;
  }[];
  /**
   * The drug has no CPIC guideline; its FDA label requires the test (CPIC's gene–drug pairs: siponimod and CYP2C9).
   * Absent: the guideline asks for it.
   */
  readonly labelRequiresTest?: true;
  /**
   * How many pharmacogenomic results on file name no gene (`readGeneResults` `unassigned`): the tests to order may
   * have a result among them, so the card does not say "no result on file".
   */
  readonly unassignedOnFile?: number;
}

/** A gene's result that is on its way: its FHIR status and date. */
export interface PendingTest {
  readonly status: 'preliminary' | 'registered';
  readonly date?: string;
}

/** The untested genes of a pre-test finding that no result is on its way for: the tests to order. */
export function testsToOrder(finding: PreTestFinding): PreTestFinding['untested'] {
  return finding.untested.filter((u) => u.pending === undefined);
}

/** The results are on file but CPIC has no row for their combination. */
export interface NoRowFinding extends FindingBase {
  readonly kind: 'no-row';
  readonly action: 'monitor';
  readonly guideline: GuidelineRef;
}

/** Current results of a gene the guideline reads disagree: nothing is looked up until they are resolved. */
export interface ConflictFinding extends FindingBase {
  readonly kind: 'conflict';
  readonly action: 'monitor';
  readonly guideline: GuidelineRef;
  readonly conflicts: readonly GeneConflict[];
  /**
   * The CPIC rows that would apply if each disagreeing result were right (the rows the explanation's "If … is right"
   * lines quote), as strength and action, each pair once: the engine shows the conflict at least as loudly as the
   * thresholds would show the gravest of them (HLA-B*57:01 positive beside negative → CPIC Strong "do not use" →
   * `critical`), while the card still asks to confirm the result first. Absent when a result has no row to quote (as
   * the lines are), and on findings recorded before it was kept: those decide at the set's conflict indicator, as
   * they did.
   */
  readonly ifRight?: readonly { readonly strength?: string; readonly action: RowAction }[];
}

/**
 * A sensor safety rule for a pair CPIC does not grade (e.g. CYP2C9 poor metabolizer + a sulfonylurea): `monitor`,
 * `adjust-dose` where the drug's label gives the genotype a dose (siponimod with CYP2C9 *1/*3), or `avoid` where it
 * contraindicates the drug for the genotype (siponimod with CYP2C9 *3/*3).
 */
export interface SafetyRuleFinding extends FindingBase {
  readonly kind: 'safety-rule';
  readonly action: 'monitor' | 'adjust-dose' | 'avoid';
  /**
   * What the card advises for these results besides watching the sensors (`rules/advice.ts`): "Use a
   * maintenance dose of 1 mg: …". Absent where the rule gives none.
   */
  readonly advice?: string;
  /** The threshold set's rule id, e.g. `R8-sulfonylurea-cgm`. */
  readonly ruleId: string;
  /**
   * Results of a gene the rule reads that disagree, one of which alone would bring the rule in (siponimod with CYP2C9
   * *1/*1 and *3/*3): the finding then reads no gene and asks for the result to be confirmed. Absent otherwise.
   */
  readonly conflicts?: readonly GeneConflict[];
}

/**
 * What the knowledge layer says about one drug of one order, before thresholds: a union on `kind`, each kind with
 * exactly the fields it has (DESIGN.md "The currency between modules").
 */
export type Finding =
  | RecommendationFinding
  | WarfarinFigureFinding
  | PreTestFinding
  | NoRowFinding
  | ConflictFinding
  | SafetyRuleFinding;

export type FindingKind = Finding['kind'];

/** The results that disagree a finding waits on (a conflict, or a safety rule held up by one); empty for the rest. */
export function conflictsOf(finding: Finding): readonly GeneConflict[] {
  if (finding.kind === 'conflict') return finding.conflicts;
  return finding.kind === 'safety-rule' ? (finding.conflicts ?? []) : [];
}

/** The guideline a finding rests on, when it rests on one. */
export function guidelineOf(finding: Finding): GuidelineRef | undefined {
  switch (finding.kind) {
    case 'recommendation':
    case 'warfarin-figure':
      return finding.row.guideline;
    case 'pre-test':
      return finding.guideline;
    case 'no-row':
    case 'conflict':
      return finding.guideline;
    case 'safety-rule':
      return undefined;
  }
}

/**
 * The finding's stable rule id, e.g. `cpic:clopidogrel:<row id>`, `cpic:<guideline>:pre-test`, `safety:R8-…`: what
 * feedback statistics and override review group by. An identity, never parsed.
 */
export function findingRuleId(finding: Finding): string {
  const guideline = guidelineOf(finding)?.id ?? finding.drug;
  switch (finding.kind) {
    case 'recommendation':
      return `cpic:${guideline}:${finding.row.rowId ?? 'row'}`;
    case 'warfarin-figure':
      return 'cpic:warfarin:figure-2';
    case 'pre-test':
      return `cpic:${guideline}:pre-test`;
    case 'no-row':
      return `cpic:${guideline}:no-row`;
    case 'conflict':
      return `cpic:${guideline}:conflict`;
    case 'safety-rule':
      return `safety:${finding.ruleId}`;
  }
}

/**
 * The genes whose result on file the service could not read (`GeneResult.unreadable`), for a finding that rests on a
 * CPIC row, the warfarin figure or CPIC's lack of a row; a pre-test or conflict finding has its own action.
 */
export function unreadableGenes(finding: Finding): string[] {
  const graded =
    finding.kind === 'recommendation' || finding.kind === 'warfarin-figure' || finding.kind === 'no-row';
  return graded ? finding.genes.filter((g) => g.unreadable !== undefined).map((g) => g.gene) : [];
}

/** The row a finding quotes, when it has one. */
export function rowOf(finding: Finding): CpicRow | undefined {
  return finding.kind === 'recommendation' || finding.kind === 'warfarin-figure' ? finding.row : undefined;
}
