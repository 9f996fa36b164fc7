/**
 * The Ambulatory Glucose Profile (AGP) figures of the international consensus on CGM metrics: Battelino T, et al.
 * "Clinical Targets for Continuous Glucose Monitoring Data Interpretation: Recommendations From the International
 * Consensus on Time in Range." Diabetes Care 2019;42(8):1593-1603. A pure module: readings in, figures out.
 *
 * - Time in ranges with the consensus cut points: very low < 54, low 54-69, in range 70-180, high 181-250, very high
 *   > 250 mg/dL (the bounds are inclusive as written: 70 and 180 are in range, 54 is low, 250 is high).
 * - Sufficiency: at least 14 days of data and at least 70 % of the possible readings of the period (sensor use).
 * - Glucose management indicator: GMI (%) = 3.31 + 0.02392 x mean glucose (mg/dL) (Bergenstal RM, et al. Diabetes
 *   Care 2018;41:2275-2280, adopted by the consensus).
 * - Coefficient of variation: SD / mean x 100 (population SD of the readings).
 * - The profile: 5th, 25th, 50th, 75th and 95th percentiles of the readings by time of day, in bins of
 *   `binMinutes` (default 60) of the patient's local clock; percentiles by linear interpolation between order
 *   statistics (Hyndman-Fan type 7, the spreadsheet PERCENTILE.INC).
 */

/** One CGM reading. */
export interface GlucoseReading {
  /** Epoch milliseconds. */
  readonly at: number;
  /** Minutes since local midnight, 0..1439 (the patient's clock). */
  readonly minuteOfDay: number;
  readonly mgdl: number;
}

export interface AgpOptions {
  /** The period the profile covers, epoch milliseconds, start inclusive, end exclusive. */
  readonly start: number;
  readonly end: number;
  /** The sensor's reading interval (5 minutes for most sensors, 15 for some). */
  readonly intervalMinutes: number;
  /** Width of the time-of-day bins of the profile; divides 1440. Default 60. */
  readonly binMinutes?: number;
}

/** Share of readings (percent, 0..100) in each consensus range. */
export interface TimeInRanges {
  readonly veryLow: number;
  readonly low: number;
  readonly inRange: number;
  readonly high: number;
  readonly veryHigh: number;
}

export interface AgpBin {
  /** Start of the bin, minutes since local midnight. */
  readonly minute: number;
  readonly count: number;
  readonly p5: number;
  readonly p25: number;
  readonly p50: number;
  readonly p75: number;
  readonly p95: number;
}

export interface AgpFigures {
  /** Days the period covers (whole or part). */
  readonly days: number;
  /** Days with at least one reading. */
  readonly daysWithData: number;
  readonly readings: number;
  readonly possibleReadings: number;
  /** Percent of possible readings present, 0..100. */
  readonly sensorUsePercent: number;
  /** True when the consensus minimum holds: >= 14 days and >= 70 % sensor use. */
  readonly sufficient: boolean;
  readonly meanMgdl: number;
  readonly gmiPercent: number;
  readonly cvPercent: number;
  readonly timeInRanges: TimeInRanges;
  /** Bins without readings are left out. */
  readonly profile: readonly AgpBin[];
}

/** The consensus cut points, mg/dL. */
export const AGP_CUT_POINTS = { veryLow: 54, low: 70, high: 180, veryHigh: 250 } as const;
export const AGP_MIN_DAYS = 14;
export const AGP_MIN_SENSOR_USE_PERCENT = 70;

const DAY_MS = 86_400_000;

/** Hyndman-Fan type 7 percentile of sorted values, `p` in 0..1. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (h - lo) * (b - a);
}

/** GMI (%) from mean glucose in mg/dL. */
export function gmi(meanMgdl: number): number {
  return 3.31 + 0.02392 * meanMgdl;
}

/** Which consensus range a reading falls in. */
export function rangeOf(mgdl: number): keyof TimeInRanges {
  if (mgdl < AGP_CUT_POINTS.veryLow) return 'veryLow';
  if (mgdl < AGP_CUT_POINTS.low) return 'low';
  if (mgdl <= AGP_CUT_POINTS.high) return 'inRange';
  if (mgdl <= AGP_CUT_POINTS.veryHigh) return 'high';
  return 'veryHigh';
}

/** The AGP figures of the readings inside `[start, end)`. Undefined when there is none. */
export function computeAgp(all: readonly GlucoseReading[], options: AgpOptions): AgpFigures | undefined {
  const { start, end, intervalMinutes } = options;
  const binMinutes = options.binMinutes ?? 60;
  // One reading per interval slot counts (repeated submissions of the same slot do not raise sensor use).
  const slotMs = intervalMinutes * 60_000;
  const bySlot = new Map<number, GlucoseReading>();
  for (const r of all) {
    if (r.at < start || r.at >= end || !Number.isFinite(r.mgdl)) continue;
    const slot = Math.floor((r.at - start) / slotMs);
    if (!bySlot.has(slot)) bySlot.set(slot, r);
  }
  const readings = [...bySlot.values()];
  if (readings.length === 0) return undefined;
  const possibleReadings = Math.ceil((end - start) / slotMs);
  const days = Math.ceil((end - start) / DAY_MS);
  const daysWithData = new Set(readings.map((r) => Math.floor((r.at - start) / DAY_MS))).size;
  const counts: Record<keyof TimeInRanges, number> = { veryLow: 0, low: 0, inRange: 0, high: 0, veryHigh: 0 };
  let sum = 0;
  for (const r of readings) {
    counts[rangeOf(r.mgdl)] += 1;
    sum += r.mgdl;
  }
  const n = readings.length;
  const mean = sum / n;
  const variance = readings.reduce((acc, r) => acc + (r.mgdl - mean) ** 2, 0) / n;
  const pct = (c: number): number => (100 * c) / n;
  const bins = new Map<number, number[]>();
  for (const r of readings) {
    const minute = Math.floor((((r.minuteOfDay % 1440) + 1440) % 1440) / binMinutes) * binMinutes;
    const values = bins.get(minute) ?? [];
    values.push(r.mgdl);
    bins.set(minute, values);
  }
  const profile = [...bins.entries()]
    .sort(([a], [b]) => a - b)
    .map(([minute, values]): AgpBin => {
      const sorted = [...values].sort((a, b) => a - b);
      return {
        minute,
        count: sorted.length,
        p5: percentile(sorted, 0.05),
        p25: percentile(sorted, 0.25),
        p50: percentile(sorted, 0.5),
        p75: percentile(sorted, 0.75),
        p95: percentile(sorted, 0.95),
      };
    });
  const sensorUsePercent = Math.min(100, (100 * n) / possibleReadings);
  return {
    days,
    daysWithData,
    readings: n,
    possibleReadings,
    sensorUsePercent,
    sufficient: days >= AGP_MIN_DAYS && sensorUsePercent >= AGP_MIN_SENSOR_USE_PERCENT,
    meanMgdl: mean,
    gmiPercent: gmi(mean),
    cvPercent: (100 * Math.sqrt(variance)) / mean,
    timeInRanges: {
      veryLow: pct(counts.veryLow),
      low: pct(counts.low),
      inRange: pct(counts.inRange),
      high: pct(counts.high),
      veryHigh: pct(counts.veryHigh),
    },
    profile,
  };
}
