/**
 * The JSON contract of the pages a card links to (`/api/links/...`), shared by the server and the web front end
 * (`web/src/api.ts` imports these types, type-only). Plain data: no clinical logic, nothing Node-specific, so the
 * browser build can read it. The request body has a runtime schema; responses are built by the server from the
 * store and typed here.
 */
import { z } from 'zod';
import type { GeneResultView, SensorDataView } from '../cards/evidence-contract';
import type { Card } from '../cds/types';
import { RATINGS } from '../store/ratings';
import type { Rating } from '../store/ratings';

export type { GeneResultView, SensorDataView } from '../cards/evidence-contract';
export type { Card, Link } from '../cds/types';
export type { Rating } from '../store/ratings';

/** Longest comment the rating page accepts. */
export const RATING_COMMENT_MAX = 2000;

/** `PUT /api/links/rate/{cardUuid}`: the clinician's answer for the card. */
export const ratingAnswerSchema = z.strictObject({
  rating: z.enum(RATINGS),
  comment: z.string().max(RATING_COMMENT_MAX).optional(),
});
export type RatingAnswer = z.infer<typeof ratingAnswerSchema>;

/** A rater's current answer, as the rating page shows it (ISO 8601 times). */
export interface RatingView {
  readonly rating: Rating;
  readonly comment?: string;
  readonly ratedAt: string;
  readonly firstRatedAt: string;
}

/** `GET /api/links/rate/{cardUuid}`. */
export interface RatePageView {
  /**
   * The card as it was shown (without this service's own page links); for a card recorded before cards were kept
   * whole, only its summary and indicator.
   */
  readonly card: Card | Pick<Card, 'summary' | 'indicator'>;
  /** When the hook call that produced the card was received (ISO 8601). */
  readonly shownAt: string;
  /** The rater's current answer, if any. */
  readonly answer?: RatingView;
  /** When the link stops working (ISO 8601). */
  readonly linkExpiresAt: string;
  /**
   * What an answer does beyond being counted in the governance figures, in words, under the alert-volume policy in
   * force (`ratingEffects`); absent for an answer that does nothing more ("useful").
   */
  readonly effects?: Readonly<
    Partial<Record<'useful' | 'not-useful' | 'too-often' | 'wrong-patient', string>>
  >;
}

/** `PUT /api/links/rate/{cardUuid}` answer. */
export interface RatingSaved {
  readonly answer: RatingView;
  /** True when this was the rater's first answer for the card. */
  readonly created: boolean;
}

/** One CPIC recommendation row as the explanation page lists it. */
export interface ExplainedRow {
  /** Why this row is listed: the one applied, or the case CPIC writes it for (population, activity score). */
  readonly label: string;
  readonly applied: boolean;
  readonly guideline: { readonly name: string; readonly url: string };
  /**
   * What the row is looked up by, in words, per gene (`CYP2D6 activity score 1.0`, `CYP2C19 Poor Metabolizer`); empty
   * for a row not keyed on a gene.
   */
  readonly lookedUpBy: string;
  readonly population?: string;
  readonly strength?: string;
  readonly recommendation: string;
  readonly implications: readonly string[];
  readonly otherConsiderations?: string;
  readonly pmids: readonly string[];
}

/**
 * One piece of wearable-sensor evidence and what it did to the decision. The words (`label`, `valueText`, `threshold`,
 * `note`, `source`) are the card's (`cards/sensor-text.ts`, `rules/citations.ts`): no metric ids, UCUM codes, raw
 * timestamps, rule ids or research-note references.
 */
export interface ExplainedSensorEvidence {
  readonly effect: 'raise' | 'lower' | 'context';
  /** The metric id (`resting-heart-rate`); `label` says it in words. */
  readonly metric: string;
  readonly label: string;
  readonly value?: number;
  readonly unit?: string;
  /** The value as people write it (`48/min`, `131.3 mmHg`). */
  readonly valueText?: string;
  readonly window?: { readonly start: string; readonly end: string };
  readonly status: 'sufficient' | 'insufficient' | 'stale' | 'absent';
  readonly devices: readonly string[];
  readonly newestSample?: string;
  /** The threshold in words (`below 60/min`). */
  readonly threshold?: string;
  /** What the reading did to the alert, one sentence (`Below 60/min: raised the alert.`). */
  readonly note: string;
  readonly evidence: 'guideline' | 'label' | 'consensus' | 'design';
  /** Every citation of the threshold's source, as finished text. */
  readonly source: string;
}

/** One decision behind the card (a decision card has one; the patient summary several). */
export interface ExplainedDecision {
  readonly drug: string;
  readonly action: 'avoid' | 'adjust-dose' | 'monitor' | 'order-test' | 'standard';
  readonly indicator: 'info' | 'warning' | 'critical' | 'none';
  readonly guideline?: { readonly name: string; readonly url: string };
  /** genotype → phenotype → CPIC row → threshold choices, one sentence each, as the decision recorded them. */
  readonly reasoning: readonly string[];
  readonly genes: readonly GeneResultView[];
  /** Every CPIC row that may apply: the applied one first, then the others the order could not rule out. */
  readonly rows: readonly ExplainedRow[];
  readonly sensors: readonly ExplainedSensorEvidence[];
  /**
   * Genes without a result that the guideline asks to test, with their CPIC level; an HLA gene with a result that does
   * not test the guideline's risk allele names it (`allele`).
   */
  readonly untested: readonly { readonly gene: string; readonly level: string; readonly allele?: string }[];
  /** Genes whose results on file disagree. */
  readonly conflicts: readonly {
    readonly gene: string;
    readonly results: readonly { readonly source: string; readonly value: string }[];
  }[];
  /** The threshold set that decided. */
  readonly thresholdVersion: string;
  /** The CPIC knowledge version the finding was made with. */
  readonly knowledgeVersion: string;
}

/** `GET /api/links/explain/{cardUuid}`. */
export interface ExplanationView {
  readonly card: Pick<Card, 'summary' | 'indicator'>;
  readonly shownAt: string;
  readonly hook: string;
  /** The version labels, and the same in words for the page (`CPIC data of 30 Apr 2026`, `default of 29 Nov 2026`). */
  readonly versions: {
    readonly threshold: string;
    readonly knowledge: string;
    readonly inWords: { readonly threshold: string; readonly knowledge: string };
  };
  readonly decisions: readonly ExplainedDecision[];
  /**
   * A patient summary card's own listing (absent on decision cards and on summaries recorded before it was kept): the
   * results it lists, with their sources (each of results that disagree marked so), and what it says of them besides
   * (a copy number to ask the laboratory for, a gene not interpreted), one sentence each.
   */
  readonly listed?: { readonly results: readonly GeneResultView[]; readonly notes: readonly string[] };
  /** The wearable data on file for the rules, and what the reader repaired or left out (data quality). */
  readonly sensorData: readonly SensorDataView[];
  readonly sensorNotes: readonly string[];
  /** Set when the recorded snapshot cannot be read (an older format): the page says the details are unavailable. */
  readonly unavailable?: string;
  readonly linkExpiresAt: string;
}
