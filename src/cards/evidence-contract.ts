/**
 * The shapes of a gene result and a wearable aggregate on the pages behind a card (the full explanation, the override
 * review), built by `evidence-view.ts`. Plain data with no imports: the browser build reads these types.
 */

/** One gene result: genotype → phenotype, with its sources and how it was read. */
export interface GeneResultView {
  readonly gene: string;
  readonly diplotype?: string;
  readonly alleles?: readonly string[];
  /** As the card says it: an unreported copy number reads as what it may be (`Normal or Ultrarapid Metabolizer`). */
  readonly phenotype: string;
  readonly activityScore?: string;
  readonly alleleStatus?: Readonly<Record<string, 'positive' | 'negative' | 'possible'>>;
  readonly reportedPhenotype?: string;
  readonly reinterpreted: boolean;
  /** A laboratory phenotype CPIC's tables translate otherwise, as one sentence (`reinterpretationSentence`). */
  readonly reinterpretation?: string;
  /** The FHIR resources the result was read from (e.g. `Observation/abc`). */
  readonly sources: readonly string[];
  /** Effective date of the newest source (ISO 8601). */
  readonly date?: string;
  /** How the result was read (an allele name mapped, an unreported copy number), one sentence each. */
  readonly notes: readonly string[];
  /** The CPIC allele functions a genotype was called with, in words: `called with CPIC allele functions of 5 Nov 2025`. */
  readonly calledWith?: string;
  /**
   * Set on each of results of one gene that disagree, in words: what it disagrees with and that neither is used until
   * the laboratory confirms which is right.
   */
  readonly disagreement?: string;
}

/** One wearable-sensor aggregate the rules could read when the card was decided (whether or not a rule used it). */
export interface SensorDataView {
  /** The metric id; `label` says it in words. */
  readonly metric: string;
  readonly label: string;
  readonly value?: number;
  readonly unit: string;
  /** The value as people write it (`48/min`). */
  readonly valueText?: string;
  readonly window: { readonly start: string; readonly end: string };
  readonly status: 'sufficient' | 'insufficient' | 'stale' | 'absent';
  /** Why the status is what it is, in words (instants as days). */
  readonly reasons: readonly string[];
  readonly sampleCount: number;
  readonly daysWithData: number;
  /** Share of the window with data, 0..1. */
  readonly coverage: number;
  readonly newestSample?: string;
  readonly devices: readonly string[];
}
