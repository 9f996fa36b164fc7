/**
 * The metric families and their arithmetic. Windows, freshness and the numeric sufficiency limits come from the
 * policy (`MetricPolicy`; defaults in `policy.ts`, research `wearables-in-fhir.md` §2.4); what is structural stays
 * here (AM + PM home BP, ≥ 4 h nights, 28-day baselines). Where the research leaves a choice, the comment says
 * "choice" and the README lists it.
 */
import { counted } from './words';
import type { MetricPolicy, SensorSample } from './types';
import { RESTING_HR_FROM_SAMPLES } from './policy';
import { DAY, HOUR, MINUTE } from './time';
import {
  byDay,
  hoursWithData,
  inWindow,
  mean,
  median,
  unmetLimits,
  windowEnding,
  type Computed,
  type MetricFamily,
  type Window,
} from './windows';

/** The baseline window of the change metrics (research §2.4: "7 d vs 28 d", "14 d vs 28 d"). */
const BASELINE_DAYS = 28;
/** A night counts for nocturnal metrics with ≥ 4 distinct hours of samples (research §2.4). */
const NIGHT_HOURS = 4;

/** Days with data in a window of `windowDays` days, and the share of the window they cover (0..1). */
function dayCoverage(days: number, windowDays: number): { daysWithData: number; coverage: number } {
  return { daysWithData: days, coverage: Math.min(1, days / windowDays) };
}

const readingsIn = (samples: readonly SensorSample[], concept: string, window: Window): SensorSample[] =>
  samples.filter((s) => s.concept === concept && !s.aggregate && inWindow(s, window));

/** Median of per-day medians and the number of days, for a set of readings. */
function dailyMedians(samples: readonly SensorSample[]): { value: number | undefined; days: number } {
  const daily = [...byDay(samples).values()].map((day) => median(day.map((s) => s.value)) ?? 0);
  return { value: median(daily), days: daily.length };
}

/**
 * Aggregate Observation (an `effectivePeriod` summary) usable for a rule window: its period is 0.8–1.2 × the window
 * (never rescale a 30-day figure to 14 days) and overlaps ≥ 80 % of the window (research §2.4 "Aggregates vs raw").
 */
function usableAggregate(
  samples: readonly SensorSample[],
  concept: string,
  window: Window,
): SensorSample | undefined {
  const length = window.end - window.start;
  return samples
    .filter((s) => {
      if (s.concept !== concept || !s.aggregate) return false;
      const overlap = Math.min(s.end, window.end) - Math.max(s.start, window.start);
      const span = s.end - s.start;
      return span >= 0.8 * length && span <= 1.2 * length && overlap >= 0.8 * length;
    })
    .sort((a, b) => b.end - a.end)[0];
}

/** Whole days an `effectivePeriod` aggregate spans (its end is inclusive: 1 Jun–8 Jun as dates is 8 days). */
function daysSpanned(aggregate: SensorSample): number {
  return Math.max(1, Math.round((aggregate.end + 1 - aggregate.start) / DAY));
}

/** The patient-local day after `day` (YYYY-MM-DD). */
function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
}

/** Local clock hours taken as the night when no sleep period is on file (choice: 22:00–07:59, see README). */
const NIGHT_START_HOUR = 22;
const NIGHT_END_HOUR = 8;

/** Samples during sleep or rest, grouped by night (keyed by the local day the night ends on). */
interface Nights {
  readonly byNight: Map<string, SensorSample[]>;
  /**
   * Nights picked on the clock from samples written in UTC with no local time known (`SensorSample.clock`
   * `utc-assumed`), by night: their 22:00–07:59 is UTC's, which may be the patient's afternoon.
   */
  readonly onUtcClock: ReadonlySet<string>;
}

/**
 * Samples taken during sleep or rest, grouped by night (keyed by the local day the night ends on). A sample is in a
 * night when it falls inside a sleep period on file (a 93832-4 Observation with an `effectivePeriod`, e.g. the PHR IG
 * sleep episode: the night is the day the period ends), else when its local clock time is 22:00–07:59 (22:00–23:59
 * belongs to the next day's night). Samples with no local time (date-only) are never in a night.
 */
function samplesByNight(samples: readonly SensorSample[], allSamples: readonly SensorSample[]): Nights {
  const sleeps = allSamples.filter(
    (s) => s.concept === 'sleep-duration' && s.end - s.start >= HOUR && s.end - s.start <= 16 * HOUR,
  );
  const byNight = new Map<string, SensorSample[]>();
  const onUtcClock = new Set<string>();
  for (const s of samples) {
    const sleep = sleeps.find((p) => s.end >= p.start && s.end <= p.end);
    let night: string | undefined;
    if (sleep) night = sleep.day;
    else if (sleeps.length === 0 && s.hour !== undefined) {
      if (s.hour < NIGHT_END_HOUR) night = s.day;
      else if (s.hour >= NIGHT_START_HOUR) night = nextDay(s.day);
      if (night !== undefined && s.clock === 'utc-assumed') onUtcClock.add(night);
    }
    if (night === undefined) continue;
    const list = byNight.get(night);
    if (list) list.push(s);
    else byNight.set(night, [s]);
  }
  return { byNight, onUtcClock };
}

/** The lowest median of the `bucketMinutes`-minute slots of a night's samples (research §2.3 R1). */
function lowestSlotMedian(samples: readonly SensorSample[], bucketMinutes: number): number {
  const buckets = new Map<number, number[]>();
  for (const s of samples) {
    const key = Math.floor(s.end / (bucketMinutes * MINUTE));
    const bucket = buckets.get(key);
    if (bucket) bucket.push(s.value);
    else buckets.set(key, [s.value]);
  }
  let lowest = Infinity;
  for (const bucket of buckets.values()) lowest = Math.min(lowest, median(bucket) ?? Infinity);
  return lowest;
}

/**
 * Resting heart rate (default 7 days, ≥ 4 days, newest ≤ 72 h): median of daily resting values. A day's value is its
 * 40443-4 reading(s) (median). A day without one takes its night's value from heart-rate samples (8867-4, MDC
 * 149530 / 147842) during sleep or rest: "the minimum of nightly 5-min medians from 8867-4 samples" (research §2.3
 * R1), for a night with samples in ≥ 4 distinct hours. The values are sufficient with ≥ `minDays` days, or, from
 * samples, with "≥ 3 nights with ≥ 4 h of HR samples" (§2.4; `RESTING_HR_FROM_SAMPLES`), then marked
 * `basis: 'nightly-samples'`. When neither is met, a resting-HR aggregate (Physical Activity IG, e.g. weekly) that
 * fits the window is used instead.
 */
export const restingHeartRate: MetricFamily = {
  metrics: [{ id: 'resting-heart-rate', unit: '/min' }],
  concepts: ['resting-heart-rate', 'heart-rate'],
  contextConcepts: ['sleep-duration'],
  compute(samples, window, limits) {
    const { minNights, minHoursPerNight, bucketMinutes } = RESTING_HR_FROM_SAMPLES;
    const daily = new Map<string, { value: number; used: SensorSample[] }>();
    for (const [day, list] of byDay(readingsIn(samples, 'resting-heart-rate', window))) {
      daily.set(day, { value: median(list.map((s) => s.value)) ?? 0, used: list });
    }
    let nightsFromSamples = 0;
    let onUtcClock = false;
    const nights = samplesByNight(readingsIn(samples, 'heart-rate', window), samples);
    for (const [night, list] of nights.byNight) {
      if (daily.has(night) || hoursWithData(list) < minHoursPerNight) continue;
      daily.set(night, { value: lowestSlotMedian(list, bucketMinutes), used: list });
      nightsFromSamples += 1;
      if (nights.onUtcClock.has(night)) onUtcClock = true;
    }
    const days = [...daily.values()];
    const used = days.flatMap((d) => d.used);
    const value = median(days.map((d) => d.value));
    const coverage = dayCoverage(days.length, limits.windowDays);
    const otherLimits = unmetLimits(limits, { readings: used.length, coverage: coverage.coverage });
    const byNights = nightsFromSamples >= minNights && otherLimits.length === 0;
    const insufficient =
      days.length >= limits.minDays || byNights
        ? otherLimits
        : [
            `resting heart rate on ${days.length} of ${limits.windowDays} days; needs ≥ ${limits.minDays}` +
              (nights.byNight.size === 0
                ? ''
                : `, or heart-rate samples on ≥ ${minNights} nights with ≥ ${minHoursPerNight} h (found ${nightsFromSamples})`),
            ...otherLimits,
          ];
    if (insufficient.length > 0) {
      const weekly = usableAggregate(samples, 'resting-heart-rate', window);
      if (weekly) {
        return {
          values: { 'resting-heart-rate': weekly.value },
          used: [weekly],
          // The summary stands for every day its period spans (a week's average covers the week): counted as days
          // with data, so a card does not say "0 of 8 days with data" beside the value it acted on.
          daysWithData: daysSpanned(weekly),
          coverage: 1,
          insufficient: [],
          basis: 'summary-observation',
          window: { start: weekly.start, end: weekly.end },
        };
      }
    }
    return {
      values: value === undefined ? {} : { 'resting-heart-rate': value },
      used,
      ...coverage,
      insufficient,
      // Sufficient only through the nights rule: the ThresholdSet's day count does not apply (rules/engine.ts).
      ...(days.length < limits.minDays && byNights ? { basis: 'nightly-samples' as const } : {}),
      ...(onUtcClock ? { localTimeUnknown: true } : {}),
    };
  },
};

/**
 * Low-heart-rate events (PHR IG `lowHeartRateEvent`), count in the window (default 7 days). An event is evidence by
 * itself: a count above 0 is never insufficient; the limits (none by default) apply to a count of 0.
 */
export const lowHeartRateEvents: MetricFamily = {
  metrics: [{ id: 'low-heart-rate-events', unit: '1' }],
  concepts: ['low-heart-rate-event'],
  compute(samples, window, limits) {
    const used = samples.filter((s) => inWindow(s, window));
    const coverage = dayCoverage(byDay(used).size, limits.windowDays);
    return {
      values: { 'low-heart-rate-events': used.length },
      used,
      ...coverage,
      insufficient:
        used.length > 0
          ? []
          : unmetLimits(limits, {
              days: coverage.daysWithData,
              readings: used.length,
              coverage: coverage.coverage,
            }),
    };
  },
};

/**
 * Heart-rate change: median of daily 8867-4 medians over the window (default 7 days) minus the same over the 28 days
 * before; `minDays` applies to each window (research §2.4 "≥ 4 days in each window"); newest ≤ 72 h by default.
 */
export const heartRateChange: MetricFamily = {
  metrics: [{ id: 'heart-rate-change', unit: '/min' }],
  concepts: ['heart-rate'],
  compute(samples, window, limits) {
    const baselineWindow = windowEnding(window.start - 1, BASELINE_DAYS);
    const recentSamples = readingsIn(samples, 'heart-rate', window);
    const baselineSamples = readingsIn(samples, 'heart-rate', baselineWindow);
    const recent = dailyMedians(recentSamples);
    const baseline = dailyMedians(baselineSamples);
    const coverage = dayCoverage(recent.days, limits.windowDays);
    const insufficient = [
      ...(recent.days < limits.minDays
        ? [`heart rate on ${recent.days} of ${limits.windowDays} recent days; needs ≥ ${limits.minDays}`]
        : []),
      ...(baseline.days < limits.minDays
        ? [`heart rate on ${baseline.days} of ${BASELINE_DAYS} baseline days; needs ≥ ${limits.minDays}`]
        : []),
      ...unmetLimits(limits, { readings: recentSamples.length, coverage: coverage.coverage }),
    ];
    return {
      values:
        recent.value === undefined || baseline.value === undefined
          ? {}
          : { 'heart-rate-change': recent.value - baseline.value },
      used: [...recentSamples, ...baselineSamples],
      ...coverage,
      insufficient,
      ...(baseline.value === undefined
        ? {}
        : { baseline: { value: baseline.value, window: baselineWindow } }),
    };
  },
};

/**
 * Nightly metrics (SpO2, respiratory rate; default 7 days, newest ≤ 7 d): only readings taken during sleep or rest
 * (research §2.2 R6 "nocturnal"), picked as for resting heart rate (`samplesByNight`: a sleep period on file, else
 * 22:00–07:59 on the patient's clock); `minDays` counts nights with ≥ 4 h of samples (default ≥ 3).
 */
function nightly(concept: string, samples: readonly SensorSample[], window: Window, limits: MetricPolicy) {
  const nights = samplesByNight(readingsIn(samples, concept, window), samples);
  const used = [...nights.byNight.values()].flat();
  const full = [...nights.byNight.values()].filter((night) => hoursWithData(night) >= NIGHT_HOURS).length;
  const coverage = Math.min(1, full / limits.windowDays);
  return {
    used,
    daysWithData: nights.byNight.size,
    coverage,
    ...(nights.onUtcClock.size > 0 ? { localTimeUnknown: true } : {}),
    insufficient: [
      ...(full < limits.minDays
        ? [
            `${counted(full, 'night')} with ≥ ${NIGHT_HOURS} h of data in ${counted(limits.windowDays, 'day')}; needs ≥ ${limits.minDays}`,
          ]
        : []),
      ...unmetLimits(limits, { readings: used.length, coverage }),
    ],
  };
}

/** SpO2 (nightly): minimum and share of samples below 90 %. */
export const oxygenSaturation: MetricFamily = {
  metrics: [
    { id: 'spo2-minimum', unit: '%' },
    { id: 'spo2-below-90-share', unit: '%' },
  ],
  concepts: ['spo2'],
  contextConcepts: ['sleep-duration'],
  compute(samples, window, limits) {
    const base = nightly('spo2', samples, window, limits);
    const values = base.used.map((s) => s.value);
    return {
      ...base,
      values:
        values.length === 0
          ? {}
          : {
              // Not Math.min(...values): a night of oximetry as SampledData passes the engine's argument limit.
              'spo2-minimum': values.reduce((a, b) => Math.min(a, b)),
              'spo2-below-90-share': (100 * values.filter((v) => v < 90).length) / values.length,
            },
    };
  },
};

/** Respiratory rate (nightly): median. */
export const respiratoryRate: MetricFamily = {
  metrics: [{ id: 'respiratory-rate', unit: '/min' }],
  concepts: ['respiratory-rate'],
  contextConcepts: ['sleep-duration'],
  compute(samples, window, limits) {
    const base = nightly('respiratory-rate', samples, window, limits);
    const value = median(base.used.map((s) => s.value));
    return { ...base, values: value === undefined ? {} : { 'respiratory-rate': value } };
  },
};

/**
 * Home blood pressure (default 7 days, ≥ 12 readings over ≥ 4 days, newest ≤ 7 d): mean systolic and diastolic; always
 * needs morning and evening readings (ACC/AHA home protocol as cited in research §2.4). A reading is one systolic value.
 */
export const homeBloodPressure: MetricFamily = {
  metrics: [
    { id: 'home-bp-systolic', unit: 'mm[Hg]' },
    { id: 'home-bp-diastolic', unit: 'mm[Hg]' },
  ],
  concepts: ['bp-systolic', 'bp-diastolic'],
  compute(samples, window, limits) {
    const systolic = readingsIn(samples, 'bp-systolic', window);
    const diastolic = readingsIn(samples, 'bp-diastolic', window);
    const days = byDay(systolic).size;
    const morning = systolic.some((s) => s.hour !== undefined && s.hour < 12);
    const evening = systolic.some((s) => s.hour !== undefined && s.hour >= 12);
    const sys = mean(systolic.map((s) => s.value));
    const dia = mean(diastolic.map((s) => s.value));
    const coverage = dayCoverage(days, limits.windowDays);
    return {
      values: {
        ...(sys === undefined ? {} : { 'home-bp-systolic': sys }),
        ...(dia === undefined ? {} : { 'home-bp-diastolic': dia }),
      },
      used: [...systolic, ...diastolic],
      ...coverage,
      insufficient: [
        ...(systolic.length < limits.minReadings
          ? [
              `${counted(systolic.length, 'reading')} in ${counted(limits.windowDays, 'day')}; needs ≥ ${limits.minReadings}`,
            ]
          : []),
        ...(days < limits.minDays ? [`readings on ${counted(days, 'day')}; needs ≥ ${limits.minDays}`] : []),
        ...(morning && evening ? [] : ['needs both morning and evening readings']),
        ...unmetLimits(limits, { coverage: coverage.coverage }),
      ],
    };
  },
};

/**
 * The highest home blood pressure reading (default 7 days, any reading, ≤ 7 d): research §2.2 R7 "any reading ≥
 * 180/120 → `critical`". The highest systolic and the highest diastolic, each with the time of its reading (choice:
 * the highest value says whether any reading reached a limit, and the limit stays in the threshold set; a count of
 * readings at or above 180/120 would write the limit in code). One reading is evidence, like an event: no AM + PM or
 * day count applies.
 */
export const homeBloodPressureHighest: MetricFamily = {
  metrics: [
    { id: 'home-bp-systolic-highest', unit: 'mm[Hg]' },
    { id: 'home-bp-diastolic-highest', unit: 'mm[Hg]' },
  ],
  concepts: ['bp-systolic', 'bp-diastolic'],
  compute(samples, window, limits) {
    const systolic = readingsIn(samples, 'bp-systolic', window);
    const diastolic = readingsIn(samples, 'bp-diastolic', window);
    // The latest of equal highs: the reading nearest the order.
    const highest = (readings: readonly SensorSample[]) =>
      readings.reduce<SensorSample | undefined>(
        (top, s) =>
          top === undefined || s.value > top.value || (s.value === top.value && s.end > top.end) ? s : top,
        undefined,
      );
    const sys = highest(systolic);
    const dia = highest(diastolic);
    const coverage = dayCoverage(byDay([...systolic, ...diastolic]).size, limits.windowDays);
    return {
      values: {
        ...(sys === undefined ? {} : { 'home-bp-systolic-highest': sys.value }),
        ...(dia === undefined ? {} : { 'home-bp-diastolic-highest': dia.value }),
      },
      valueAt: {
        ...(sys === undefined ? {} : { 'home-bp-systolic-highest': sys }),
        ...(dia === undefined ? {} : { 'home-bp-diastolic-highest': dia }),
      },
      used: [...systolic, ...diastolic],
      ...coverage,
      insufficient: unmetLimits(limits, {
        days: coverage.daysWithData,
        readings: systolic.length,
        coverage: coverage.coverage,
      }),
    };
  },
};

/** QTc (default 30 days, ≥ 1 value, ≤ 30 d): the latest value. */
export const qtcLatest: MetricFamily = {
  metrics: [{ id: 'qtc-latest', unit: 'ms' }],
  concepts: ['qtc'],
  compute(samples, window, limits) {
    const used = readingsIn(samples, 'qtc', window).sort((a, b) => a.end - b.end);
    const latest = used.at(-1);
    const coverage = dayCoverage(byDay(used).size, limits.windowDays);
    return {
      values: latest === undefined ? {} : { 'qtc-latest': latest.value },
      used: latest === undefined ? [] : [latest],
      ...coverage,
      insufficient: [
        ...(latest === undefined
          ? [`no QTc in ${counted(limits.windowDays, 'day')}`]
          : used.length < limits.minReadings
            ? [
                `${counted(used.length, 'QTc value')} in ${counted(limits.windowDays, 'day')}; needs ≥ ${limits.minReadings}`,
              ]
            : []),
        ...unmetLimits(limits, { days: coverage.daysWithData, coverage: coverage.coverage }),
      ],
    };
  },
};

/**
 * QTc change (default 30 days, ≥ 2 values, ≤ 30 d): latest minus the earliest value in the window (choice: the
 * earliest is the baseline). A change needs two values whatever `minReadings` says.
 */
export const qtcChange: MetricFamily = {
  metrics: [{ id: 'qtc-change', unit: 'ms' }],
  concepts: ['qtc'],
  compute(samples, window, limits) {
    const used = readingsIn(samples, 'qtc', window).sort((a, b) => a.end - b.end);
    const first = used[0];
    const latest = used.at(-1);
    const needed = Math.max(2, limits.minReadings);
    const coverage = dayCoverage(byDay(used).size, limits.windowDays);
    return {
      values:
        first !== undefined && latest !== undefined && used.length >= 2
          ? { 'qtc-change': latest.value - first.value }
          : {},
      used,
      ...coverage,
      insufficient: [
        ...(used.length < needed
          ? [
              `${counted(used.length, 'QTc value')} in ${counted(limits.windowDays, 'day')}; a change needs ≥ ${needed}`,
            ]
          : []),
        ...unmetLimits(limits, { days: coverage.daysWithData, coverage: coverage.coverage }),
      ],
      ...(first === undefined
        ? {}
        : { baseline: { value: first.value, window: { start: first.end, end: first.end } } }),
    };
  },
};

/**
 * INR (default 7 days, ≥ 1 value, ≤ 7 d): the latest value. Choice: a latest-value metric reports 1 day and full
 * coverage when it has a value (the value is a point, not a daily series), so only `minReadings` limits it.
 */
export const inrLatest: MetricFamily = {
  metrics: [{ id: 'inr-latest', unit: '{INR}' }],
  concepts: ['inr'],
  compute(samples, window, limits) {
    const readings = readingsIn(samples, 'inr', window).sort((a, b) => a.end - b.end);
    const latest = readings.at(-1);
    return {
      values: latest === undefined ? {} : { 'inr-latest': latest.value },
      used: latest === undefined ? [] : [latest],
      daysWithData: latest === undefined ? 0 : 1,
      coverage: latest === undefined ? 0 : 1,
      insufficient:
        latest === undefined
          ? [`no INR in ${counted(limits.windowDays, 'day')}`]
          : readings.length < limits.minReadings
            ? [
                `${counted(readings.length, 'INR value')} in ${counted(limits.windowDays, 'day')}; needs ≥ ${limits.minReadings}`,
              ]
            : [],
    };
  },
};

/**
 * Per-day totals of a daily-sum concept: samples covering at most one day are summed into the local day they end
 * on. Steps may also come as a per-day rate (`/d`) for one day, used when that day has no counts. Multi-day
 * aggregates are not split into days.
 */
function dailyTotals(samples: readonly SensorSample[], concept: string, window: Window) {
  const totals = new Map<string, { value: number; used: SensorSample[] }>();
  const rates = new Map<string, SensorSample>();
  for (const s of samples) {
    if (s.concept !== concept || s.end - s.start > DAY || !inWindow(s, window)) continue;
    if (s.unit === '/d') {
      rates.set(s.day, s);
      continue;
    }
    const day = totals.get(s.day);
    if (day) {
      day.value += s.value;
      day.used.push(s);
    } else totals.set(s.day, { value: s.value, used: [s] });
  }
  for (const [day, s] of rates) if (!totals.has(day)) totals.set(day, { value: s.value, used: [s] });
  return [...totals.values()];
}

/**
 * Daily totals over the window (default 14 days, ≥ 10 days, newest ≤ 7 d; research §2.4 "Steps / sleep") versus the
 * 28 days before. The level is the median daily total; the change is the relative difference to the baseline median
 * in %. Choice: the baseline needs the same share of its days as the window (10 of 14 → 20 of 28).
 */
function dailyFamily(
  concept: string,
  level: { readonly id: 'daily-steps' | 'sleep-duration'; readonly unit: string },
  change: 'steps-change' | 'sleep-change',
): MetricFamily[] {
  const levelFamily: MetricFamily = {
    metrics: [level],
    concepts: [concept],
    compute(samples, window, limits) {
      const days = dailyTotals(samples, concept, window);
      const value = median(days.map((d) => d.value));
      const used = days.flatMap((d) => d.used);
      const coverage = dayCoverage(days.length, limits.windowDays);
      return {
        values: value === undefined ? {} : { [level.id]: value },
        used,
        ...coverage,
        insufficient: unmetLimits(limits, {
          days: days.length,
          readings: used.length,
          coverage: coverage.coverage,
        }),
      } satisfies Computed;
    },
  };
  const changeFamily: MetricFamily = {
    ...levelFamily,
    metrics: [{ id: change, unit: '%' }],
    compute(samples, window, limits) {
      const baselineWindow = windowEnding(window.start - 1, BASELINE_DAYS);
      const recent = dailyTotals(samples, concept, window);
      const base = dailyTotals(samples, concept, baselineWindow);
      const recentValue = median(recent.map((d) => d.value));
      const baseValue = median(base.map((d) => d.value));
      const baselineMinDays = Math.ceil((BASELINE_DAYS * limits.minDays) / limits.windowDays);
      const coverage = dayCoverage(recent.length, limits.windowDays);
      return {
        values:
          recentValue === undefined || baseValue === undefined || baseValue === 0
            ? {}
            : { [change]: (100 * (recentValue - baseValue)) / baseValue },
        used: [...recent, ...base].flatMap((d) => d.used),
        ...coverage,
        insufficient: [
          ...(recent.length < limits.minDays
            ? [`data on ${recent.length} of ${limits.windowDays} recent days; needs ≥ ${limits.minDays}`]
            : []),
          ...(base.length < baselineMinDays
            ? [`data on ${base.length} of ${BASELINE_DAYS} baseline days; needs ≥ ${baselineMinDays}`]
            : []),
          ...unmetLimits(limits, {
            readings: recent.flatMap((d) => d.used).length,
            coverage: coverage.coverage,
          }),
        ],
        ...(baseValue === undefined ? {} : { baseline: { value: baseValue, window: baselineWindow } }),
      };
    },
  };
  return [levelFamily, changeFamily];
}

export const [dailySteps, stepsChange] = dailyFamily(
  'steps',
  { id: 'daily-steps', unit: '/d' },
  'steps-change',
) as [MetricFamily, MetricFamily];
export const [sleepDuration, sleepChange] = dailyFamily(
  'sleep-duration',
  { id: 'sleep-duration', unit: 'h' },
  'sleep-change',
) as [MetricFamily, MetricFamily];
