/**
 * The wearable-sensor currency (DESIGN.md "The currency between modules"). Plain, serializable data.
 */

/** Whether a rule may act on an aggregate. Downstream rules act only on `sufficient`. */
export type SufficiencyStatus = 'sufficient' | 'insufficient' | 'stale' | 'absent';

/**
 * Ids of the windowed aggregates `summarizeSensors` produces (see `src/sensors/README.md`): the one list of metric ids.
 * `SensorMetricId` and the ThresholdSet schema (`rules/thresholds.ts`) derive from it.
 */
export const SENSOR_METRIC_IDS = [
  'resting-heart-rate',
  'low-heart-rate-events',
  'heart-rate-change',
  'spo2-minimum',
  'spo2-below-90-share',
  'respiratory-rate',
  'home-bp-systolic',
  'home-bp-diastolic',
  'home-bp-systolic-highest',
  'home-bp-diastolic-highest',
  'cgm-time-in-range',
  'cgm-time-below-54',
  'cgm-time-below-70',
  'cgm-time-above-180',
  'cgm-time-above-250',
  'cgm-gmi',
  'cgm-mean-glucose',
  'cgm-cv',
  'cgm-days-worn',
  'cgm-sensor-active',
  'cgm-level2-hypoglycaemia-events',
  'qtc-latest',
  'qtc-change',
  'daily-steps',
  'steps-change',
  'sleep-duration',
  'sleep-change',
  'inr-latest',
] as const;

export type SensorMetricId = (typeof SENSOR_METRIC_IDS)[number];

/**
 * How one metric is windowed and when its aggregate counts as sufficient and fresh (research §2.4): the five numbers
 * of a ThresholdSet `sufficiency` entry (`rules/thresholds.ts` `sensorPolicyOf` projects a set to a SensorPolicy).
 * A limit of 0 asks for nothing.
 */
export interface MetricPolicy {
  /** Days the window spans, ending at the hook's time (CGM: at the newest CGM data). */
  readonly windowDays: number;
  /** Newest sample at most this many hours before the hook's time; older data are `stale`. */
  readonly maxAgeHours: number;
  /** Minimum patient-local days with data in the window (nightly metrics: nights with ≥ 4 h; CGM: days worn). */
  readonly minDays: number;
  /** Minimum samples in the window. */
  readonly minReadings: number;
  /** Minimum share of the window with data, 0..1 (CGM: readings / possible readings). */
  readonly minCoverage: number;
}

/** Per metric, the policy `summarizeSensors` applies; a metric it does not name keeps `DEFAULT_SENSOR_POLICY`'s. */
export type SensorPolicy = Readonly<Partial<Record<SensorMetricId, MetricPolicy>>>;

/** Options of `summarizeSensors`. */
export interface SummarizeOptions {
  /** Windows, freshness and sufficiency per metric (default: `DEFAULT_SENSOR_POLICY`). */
  readonly policy?: SensorPolicy;
  /** Compute only these metrics (default: every metric); the others are left out of `SensorSummary.metrics`. */
  readonly metrics?: readonly SensorMetricId[];
  /**
   * The patient's IANA time zone (`America/Los_Angeles`), when the record gives one (the FHIR Extensions Pack's
   * `http://hl7.org/fhir/StructureDefinition/timezone` on the Patient): readings written in UTC are read on this
   * clock. See README.md "The patient's local clock".
   */
  readonly timeZone?: string;
}

/** A time window, ISO 8601 instants, start inclusive, end inclusive. */
export interface SensorWindow {
  readonly start: string;
  readonly end: string;
}

/** One windowed aggregate of one metric. */
export interface SensorAggregate {
  readonly metric: SensorMetricId;
  /** Present whenever something could be computed, also when `stale`/`insufficient` (shown as context only). */
  readonly value?: number;
  /** Canonical UCUM unit of `value`. */
  readonly unit: string;
  /** Window the aggregate covers. */
  readonly window: SensorWindow;
  /** For change metrics (`*-change`): the baseline the recent value was compared with, in `unit` of the metric. */
  readonly baseline?: { readonly value: number; readonly window: SensorWindow };
  /**
   * `readings`: computed from samples; `summary-observation`: taken from an `effectivePeriod` aggregate Observation;
   * `nightly-samples`: a resting heart rate sufficient only by the nights rule for heart-rate samples (research §2.4
   * "≥ 3 nights with ≥ 4 h of HR samples"), so a day count does not describe it.
   */
  readonly basis: 'readings' | 'summary-observation' | 'nightly-samples';
  readonly sampleCount: number;
  /** Patient-local days in the window with at least one sample. */
  readonly daysWithData: number;
  /** Share of the window with data, 0..1 (days with data / window days; CGM: readings / possible readings). */
  readonly coverage: number;
  /** Time of the newest sample (ISO 8601). */
  readonly newestSample?: string;
  /** For a metric that is one reading (the highest home blood pressure): when that reading was taken (ISO 8601). */
  readonly valueAt?: string;
  /** That reading's day on the patient's clock (YYYY-MM-DD; UTC's when the record does not tell the patient's clock). */
  readonly valueDay?: string;
  readonly status: SufficiencyStatus;
  /** Why the status is what it is (always at least one entry unless `sufficient`). */
  readonly reasons: readonly string[];
  /** Device names (or references when the Device is not in the data) that produced the samples used. */
  readonly devices: readonly string[];
  /** Number of distinct source Observations behind the samples used. */
  readonly sourceCount: number;
  /**
   * True when the value rests on night-time hours picked on a clock that may not be the patient's: readings written
   * in UTC (`Z` / `+00:00`) with nothing else in the record saying the patient's local time (no reading with another
   * offset, no time zone on the Patient). The night (22:00–07:59) was then taken on UTC. Rules never lower an alert on
   * such a value (research §2.4: days are the patient's local days); they may raise on it (README.md).
   */
  readonly localTimeUnknown?: true;
}

/**
 * Something the normaliser repaired, rejected or ignored, so data quality is visible instead of silent. Identical
 * notes are merged: `count` Observations had it; `sources` names the first few (`Observation/<id>` or
 * `resources[<index>]` when the resource has no id).
 */
export interface SensorDataQualityNote {
  readonly kind: 'repaired' | 'rejected' | 'ignored';
  readonly reason: string;
  readonly count: number;
  readonly sources: readonly string[];
}

export interface SensorSummary {
  /** The time windows are relative to (the hook's time). */
  readonly at: string;
  readonly metrics: readonly SensorAggregate[];
  /** Why the summary is empty or partial (e.g. consent denies device data). */
  readonly notes: readonly string[];
  readonly dataQuality: readonly SensorDataQualityNote[];
}

/** One normalised sample: a value in the concept's canonical UCUM unit at a known time. Internal currency. */
export interface SensorSample {
  readonly concept: string;
  /** Value in `unit`; for value-less events, 1. For a censored sample, the detection limit. */
  readonly value: number;
  readonly unit: string;
  /** `below`/`above`: a SampledData `L`/`U` token; the true value lies beyond `value`. */
  readonly censored: 'below' | 'above' | undefined;
  /** Epoch milliseconds; equal for a point sample. `end` is inclusive. */
  readonly start: number;
  readonly end: number;
  /** Patient-local calendar day (YYYY-MM-DD) of `end`, from the offset in `effective[x]`. */
  readonly day: string;
  /** Patient-local hour 0..23 of `end`; undefined for date-only times. */
  readonly hour: number | undefined;
  /**
   * `utc-assumed`: written in UTC (`Z` / `+00:00`) and not (yet) placed on the patient's clock, so `day` and `hour`
   * are UTC's; `local`: written with another offset, placed on the patient's clock, or date-only.
   */
  readonly clock: 'local' | 'utc-assumed';
  /** The UTC offset `effective[x]` was written with (minutes east), undefined for date-only times. */
  readonly offsetMinutes: number | undefined;
  /** True for an `effectivePeriod` aggregate (a summary), false for a reading. */
  readonly aggregate: boolean;
  readonly device: string | undefined;
  /** Which Observation the sample came from (its position among the resources read): counts distinct sources. */
  readonly origin: number;
}
