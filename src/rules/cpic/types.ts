/**
 * The CPIC knowledge currency (DESIGN.md "The currency between modules"). Plain, serializable data.
 * Nothing here imports protocol or HTTP code.
 */

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
  /** HLA: status of each CPIC risk allele tested (`*57:01` → `positive`); drugs look up only their allele. */
  readonly alleleStatus?: Readonly<Record<string, 'positive' | 'negative'>>;
  /** The Observation(s) the result was read from. */
  readonly sources: readonly SourceReference[];
  /** Effective date of the newest source (ISO 8601). */
  readonly date?: string;
  /** Phenotype the laboratory reported, if any. */
  readonly reportedPhenotype?: string;
  /** True when current CPIC calls a different phenotype than the lab reported. */
  readonly reinterpreted: boolean;
  /** Why the result is what it is (allele mapping, indeterminate reasons, conflicts). */
  readonly notes: readonly string[];
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
  /** Dose from the order's first dosage instruction, when given. */
  readonly dose?: {
    readonly value: number;
    readonly unit?: string;
    readonly code?: string;
    readonly system?: string;
  };
}
