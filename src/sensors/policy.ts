/**
 * The default sensor policy: per metric, the window, freshness and sufficiency limits of research §2.4 (see README.md
 * "Windows, sufficiency and freshness"). The default threshold set states the same numbers for the metrics its rules
 * use (a test keeps the two equal); a published set replaces them through `rules/thresholds.ts` `sensorPolicyOf`.
 */
import { counted } from './words';
import type { MetricPolicy, SensorMetricId, SensorPolicy } from './types';

const policy = (
  windowDays: number,
  maxAgeHours: number,
  limits: Partial<Pick<MetricPolicy, 'minDays' | 'minReadings' | 'minCoverage'>> = {},
): MetricPolicy => ({ windowDays, maxAgeHours, minDays: 0, minReadings: 0, minCoverage: 0, ...limits });

/** Resting HR and HR change: 7 d, ≥ 4 days, newest ≤ 72 h. */
const HEART_RATE = policy(7, 72, { minDays: 4 });
/** Nocturnal SpO2 / respiratory rate: 7 d, ≥ 3 nights with ≥ 4 h, ≤ 7 d. */
const NIGHTLY = policy(7, 168, { minDays: 3 });
/** Home BP: 7 d, ≥ 12 readings over ≥ 4 days (AM + PM is checked by the family), ≤ 7 d. */
const HOME_BP = policy(7, 168, { minDays: 4, minReadings: 12 });
/** CGM: 14 d, 14 days worn and ≥ 70 % of possible readings, window end ≤ 14 d old (Battelino 2019). */
const CGM = policy(14, 336, { minDays: 14, minCoverage: 0.7 });
/** Steps / sleep: 14 d, ≥ 10 of 14 days, ≤ 7 d. */
const DAILY = policy(14, 168, { minDays: 10 });
/** QTc: 30 d, ≤ 30 d. */
const QTC_DAYS = 30;

/** Every metric's default policy (research §2.4; the choices are listed in README.md). */
export const DEFAULT_SENSOR_POLICY: Readonly<Record<SensorMetricId, MetricPolicy>> = {
  'resting-heart-rate': HEART_RATE,
  // Counted over 7 d; an event is evidence on its own, so no count limit (§2.4 handling rules).
  'low-heart-rate-events': policy(7, 168),
  'heart-rate-change': HEART_RATE,
  'spo2-minimum': NIGHTLY,
  'spo2-below-90-share': NIGHTLY,
  'respiratory-rate': NIGHTLY,
  'home-bp-systolic': HOME_BP,
  'home-bp-diastolic': HOME_BP,
  // Research §2.2 R7 "any reading ≥ 180/120 → critical": one reading is evidence, so no count limit (as an event).
  'home-bp-systolic-highest': policy(7, 168),
  'home-bp-diastolic-highest': policy(7, 168),
  'cgm-time-in-range': CGM,
  'cgm-time-below-54': CGM,
  'cgm-time-below-70': CGM,
  'cgm-time-above-180': CGM,
  'cgm-time-above-250': CGM,
  'cgm-gmi': CGM,
  'cgm-mean-glucose': CGM,
  'cgm-cv': CGM,
  'cgm-days-worn': CGM,
  'cgm-sensor-active': CGM,
  // §2.4: "any 15-min run < 54 mg/dL in data actually present", ≤ 14 d: no wear limit on the count.
  'cgm-level2-hypoglycaemia-events': policy(14, 336),
  'qtc-latest': policy(QTC_DAYS, QTC_DAYS * 24, { minReadings: 1 }),
  // "2 for 'persistent'" (§2.4): a change needs two values.
  'qtc-change': policy(QTC_DAYS, QTC_DAYS * 24, { minReadings: 2 }),
  'daily-steps': DAILY,
  'steps-change': DAILY,
  'sleep-duration': DAILY,
  'sleep-change': DAILY,
  'inr-latest': policy(7, 168, { minReadings: 1 }),
};

/** The policy of one metric: the given policy's entry, else the default. */
export function metricPolicy(policy: SensorPolicy | undefined, metric: SensorMetricId): MetricPolicy {
  return policy?.[metric] ?? DEFAULT_SENSOR_POLICY[metric];
}

/** A freshness limit as text for reasons: hours below a week ("72 h"), whole days from a week on ("7 days"). */
export function ageText(hours: number): string {
  return hours >= 168 && hours % 24 === 0 ? counted(hours / 24, 'day') : `${hours} h`;
}

/**
 * Resting heart rate from heart-rate samples when no daily value is on file (research §2.3 R1: "the minimum of
 * nightly 5-min medians from 8867-4 samples"; §2.4: "or ≥ 3 nights with ≥ 4 h of HR samples"). Structural, like the
 * ≥ 4 h nights of SpO2: a ThresholdSet edits the metric's window, age and day count, not these.
 */
export const RESTING_HR_FROM_SAMPLES = { minNights: 3, minHoursPerNight: 4, bucketMinutes: 5 } as const;
