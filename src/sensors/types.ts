/**
 * The wearable-sensor currency (DESIGN.md "The currency between modules"). Plain, serializable data.
 */

/** Whether a rule may act on an aggregate. Downstream rules act only on `sufficient`. */
export type SufficiencyStatus = 'sufficient' | 'insufficient' | 'stale' | 'absent';

/** One windowed aggregate of one metric. */
export interface SensorAggregate {
  /** Metric id from the sensor catalogue, e.g. `resting-heart-rate`, `cgm-time-in-range`. */
  readonly metric: string;
  readonly value?: number;
  /** Canonical UCUM unit. */
  readonly unit: string;
  /** Window the aggregate covers (ISO 8601). */
  readonly window: { readonly start: string; readonly end: string };
  readonly sampleCount: number;
  /** Share of the window with data, 0..1. */
  readonly coverage: number;
  /** Time of the newest sample (ISO 8601). */
  readonly newestSample?: string;
  readonly status: SufficiencyStatus;
  readonly reasons: readonly string[];
  /** Device names or references that produced the data. */
  readonly devices: readonly string[];
  /** Number of source Observations. */
  readonly sourceCount: number;
}

export interface SensorSummary {
  /** The time windows are relative to (the hook's time). */
  readonly at: string;
  readonly metrics: readonly SensorAggregate[];
  /** Why the summary is empty or partial (e.g. consent denies device data). */
  readonly notes: readonly string[];
}
