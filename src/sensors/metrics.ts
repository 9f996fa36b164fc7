/**
 * The metric families and their arithmetic. Windows, sufficiency and freshness rules are those of
 * `research/wearables-in-fhir.md` §2.4; where the research leaves a choice, the comment says "choice" and the README
 * lists it.
 */
import type { SensorSample } from './types';
import { DAY, HOUR, MINUTE } from './time';
import {
  byDay,
  hoursWithData,
  inWindow,
  mean,
  median,
  windowEnding,
  type Computed,
  type MetricFamily,
  type Window,
} from './windows';

/** Days with data in a window of `windowDays` days, and the share of the window they cover (0..1). */
function dayCoverage(days: number, windowDays: number): { daysWithData: number; coverage: number } {
  return { daysWithData: days, coverage: Math.min(1, days / windowDays) };
}

const readingsIn = (samples: readonly SensorSample[], concept: string, window: Window): SensorSample[] =>
  samples.filter((s) => s.concept === concept && !s.aggregate && inWindow(s, window));

/** Days (patient-local) with at least `minHours` distinct hours of samples ("nights with ≥ 4 h", choice: local days). */
function daysWithHours(samples: readonly SensorSample[], minHours: number): number {
  return [...byDay(samples).values()].filter((day) => hoursWithData(day) >= minHours).length;
}

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

/**
 * Resting heart rate, 7 days: median of daily resting values (≥ 4 of 7 days; newest ≤ 72 h). A day's value is its
 * 40443-4 reading(s) (median); a day without one but with ≥ 4 h of 8867-4 samples gets the lowest 5-minute median of
 * that day (research §2.3 R1 fallback; choice: the whole local day, not only the night). Without 4 such days, a
 * weekly resting-HR aggregate (Physical Activity IG) that fits the window is used instead.
 */
export const restingHeartRate: MetricFamily = {
  metrics: [{ id: 'resting-heart-rate', unit: '/min' }],
  concepts: ['resting-heart-rate', 'heart-rate'],
  windowDays: 7,
  freshness: 72 * HOUR,
  freshnessText: '72 h',
  compute(samples, window) {
    const daily = new Map<string, { value: number; used: SensorSample[] }>();
    for (const [day, list] of byDay(readingsIn(samples, 'resting-heart-rate', window))) {
      daily.set(day, { value: median(list.map((s) => s.value)) ?? 0, used: list });
    }
    for (const [day, list] of byDay(readingsIn(samples, 'heart-rate', window))) {
      if (daily.has(day) || hoursWithData(list) < 4) continue;
      const buckets = new Map<number, number[]>();
      for (const s of list) {
        const key = Math.floor(s.end / (5 * MINUTE));
        const bucket = buckets.get(key);
        if (bucket) bucket.push(s.value);
        else buckets.set(key, [s.value]);
      }
      const lowest = Math.min(...[...buckets.values()].map((b) => median(b) ?? Infinity));
      daily.set(day, { value: lowest, used: list });
    }
    const days = [...daily.values()];
    const used = days.flatMap((d) => d.used);
    const value = median(days.map((d) => d.value));
    if (days.length < 4) {
      const weekly = usableAggregate(samples, 'resting-heart-rate', window);
      if (weekly) {
        return {
          values: { 'resting-heart-rate': weekly.value },
          used: [weekly],
          daysWithData: days.length,
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
      ...dayCoverage(days.length, 7),
      insufficient: days.length >= 4 ? [] : [`resting heart rate on ${days.length} of 7 days; needs ≥ 4`],
    };
  },
};

/** Low-heart-rate events (PHR IG `lowHeartRateEvent`), count in 7 days; an event is evidence by itself. */
export const lowHeartRateEvents: MetricFamily = {
  metrics: [{ id: 'low-heart-rate-events', unit: '1' }],
  concepts: ['low-heart-rate-event'],
  windowDays: 7,
  freshness: 7 * DAY,
  freshnessText: '7 d',
  compute(samples, window) {
    const used = samples.filter((s) => inWindow(s, window));
    return {
      values: { 'low-heart-rate-events': used.length },
      used,
      ...dayCoverage(byDay(used).size, 7),
      insufficient: [],
    };
  },
};

/**
 * Heart-rate change: median of daily 8867-4 medians over the last 7 days minus the same over the 28 days before
 * (≥ 4 days in each; newest ≤ 72 h).
 */
export const heartRateChange: MetricFamily = {
  metrics: [{ id: 'heart-rate-change', unit: '/min' }],
  concepts: ['heart-rate'],
  windowDays: 7,
  freshness: 72 * HOUR,
  freshnessText: '72 h',
  compute(samples, window) {
    const baselineWindow = windowEnding(window.start - 1, 28);
    const recentSamples = readingsIn(samples, 'heart-rate', window);
    const baselineSamples = readingsIn(samples, 'heart-rate', baselineWindow);
    const recent = dailyMedians(recentSamples);
    const baseline = dailyMedians(baselineSamples);
    const insufficient = [
      ...(recent.days < 4 ? [`heart rate on ${recent.days} of 7 recent days; needs ≥ 4`] : []),
      ...(baseline.days < 4 ? [`heart rate on ${baseline.days} of 28 baseline days; needs ≥ 4`] : []),
    ];
    return {
      values:
        recent.value === undefined || baseline.value === undefined
          ? {}
          : { 'heart-rate-change': recent.value - baseline.value },
      used: [...recentSamples, ...baselineSamples],
      ...dayCoverage(recent.days, 7),
      insufficient,
      ...(baseline.value === undefined
        ? {}
        : { baseline: { value: baseline.value, window: baselineWindow } }),
    };
  },
};

/** Nightly metrics (SpO2, respiratory rate), 7 days: ≥ 3 days with ≥ 4 h of samples; newest ≤ 7 d. */
function nightly(concept: string, samples: readonly SensorSample[], window: Window) {
  const used = readingsIn(samples, concept, window);
  const nights = daysWithHours(used, 4);
  return {
    used,
    daysWithData: byDay(used).size,
    coverage: Math.min(1, nights / 7),
    insufficient: nights >= 3 ? [] : [`${nights} day(s) with ≥ 4 h of data in 7 d; needs ≥ 3`],
  };
}

/** SpO2, 7 days: minimum and share of samples below 90 %. */
export const oxygenSaturation: MetricFamily = {
  metrics: [
    { id: 'spo2-minimum', unit: '%' },
    { id: 'spo2-below-90-share', unit: '%' },
  ],
  concepts: ['spo2'],
  windowDays: 7,
  freshness: 7 * DAY,
  freshnessText: '7 d',
  compute(samples, window) {
    const base = nightly('spo2', samples, window);
    const values = base.used.map((s) => s.value);
    return {
      ...base,
      values:
        values.length === 0
          ? {}
          : {
              'spo2-minimum': Math.min(...values),
              'spo2-below-90-share': (100 * values.filter((v) => v < 90).length) / values.length,
            },
    };
  },
};

/** Respiratory rate, 7 days: median. */
export const respiratoryRate: MetricFamily = {
  metrics: [{ id: 'respiratory-rate', unit: '/min' }],
  concepts: ['respiratory-rate'],
  windowDays: 7,
  freshness: 7 * DAY,
  freshnessText: '7 d',
  compute(samples, window) {
    const base = nightly('respiratory-rate', samples, window);
    const value = median(base.used.map((s) => s.value));
    return { ...base, values: value === undefined ? {} : { 'respiratory-rate': value } };
  },
};

/**
 * Home blood pressure, 7 days: mean systolic and diastolic; ≥ 12 readings over ≥ 4 days with morning and evening
 * readings (ACC/AHA home protocol as cited in research §2.4); newest ≤ 7 d. A reading is one systolic value.
 */
export const homeBloodPressure: MetricFamily = {
  metrics: [
    { id: 'home-bp-systolic', unit: 'mm[Hg]' },
    { id: 'home-bp-diastolic', unit: 'mm[Hg]' },
  ],
  concepts: ['bp-systolic', 'bp-diastolic'],
  windowDays: 7,
  freshness: 7 * DAY,
  freshnessText: '7 d',
  compute(samples, window) {
    const systolic = readingsIn(samples, 'bp-systolic', window);
    const diastolic = readingsIn(samples, 'bp-diastolic', window);
    const days = byDay(systolic).size;
    const morning = systolic.some((s) => s.hour !== undefined && s.hour < 12);
    const evening = systolic.some((s) => s.hour !== undefined && s.hour >= 12);
    const sys = mean(systolic.map((s) => s.value));
    const dia = mean(diastolic.map((s) => s.value));
    return {
      values: {
        ...(sys === undefined ? {} : { 'home-bp-systolic': sys }),
        ...(dia === undefined ? {} : { 'home-bp-diastolic': dia }),
      },
      used: [...systolic, ...diastolic],
      ...dayCoverage(days, 7),
      insufficient: [
        ...(systolic.length < 12 ? [`${systolic.length} readings in 7 d; needs ≥ 12`] : []),
        ...(days < 4 ? [`readings on ${days} days; needs ≥ 4`] : []),
        ...(morning && evening ? [] : ['needs both morning and evening readings']),
      ],
    };
  },
};

/** QTc, 30 days: the latest value (≥ 1 needed). */
export const qtcLatest: MetricFamily = {
  metrics: [{ id: 'qtc-latest', unit: 'ms' }],
  concepts: ['qtc'],
  windowDays: 30,
  freshness: 30 * DAY,
  freshnessText: '30 d',
  compute(samples, window) {
    const used = readingsIn(samples, 'qtc', window).sort((a, b) => a.end - b.end);
    const latest = used.at(-1);
    return {
      values: latest === undefined ? {} : { 'qtc-latest': latest.value },
      used: latest === undefined ? [] : [latest],
      ...dayCoverage(byDay(used).size, 30),
      insufficient: latest === undefined ? ['no QTc in 30 d'] : [],
    };
  },
};

/** QTc change, 30 days: latest minus the earliest value in the window (choice: the earliest is the baseline). */
export const qtcChange: MetricFamily = {
  metrics: [{ id: 'qtc-change', unit: 'ms' }],
  concepts: ['qtc'],
  windowDays: 30,
  freshness: 30 * DAY,
  freshnessText: '30 d',
  compute(samples, window) {
    const used = readingsIn(samples, 'qtc', window).sort((a, b) => a.end - b.end);
    const first = used[0];
    const latest = used.at(-1);
    const enough = first !== undefined && latest !== undefined && used.length >= 2;
    return {
      values: enough ? { 'qtc-change': latest.value - first.value } : {},
      used,
      ...dayCoverage(byDay(used).size, 30),
      insufficient: enough ? [] : [`${used.length} QTc value(s) in 30 d; a change needs ≥ 2`],
      ...(first === undefined
        ? {}
        : { baseline: { value: first.value, window: { start: first.end, end: first.end } } }),
    };
  },
};

/** INR, 7 days: the latest value. */
export const inrLatest: MetricFamily = {
  metrics: [{ id: 'inr-latest', unit: '{INR}' }],
  concepts: ['inr'],
  windowDays: 7,
  freshness: 7 * DAY,
  freshnessText: '7 d',
  compute(samples, window) {
    const latest = readingsIn(samples, 'inr', window)
      .sort((a, b) => a.end - b.end)
      .at(-1);
    return {
      values: latest === undefined ? {} : { 'inr-latest': latest.value },
      used: latest === undefined ? [] : [latest],
      daysWithData: latest === undefined ? 0 : 1,
      coverage: latest === undefined ? 0 : 1,
      insufficient: latest === undefined ? ['no INR in 7 d'] : [],
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
 * Daily totals over 14 days versus the 28 days before (research §2.4 "Steps / sleep": ≥ 10 of 14 days, newest
 * ≤ 7 d). The level is the median daily total; the change is the relative difference to the baseline median in %.
 * Choice: the baseline needs the same share of days (20 of 28).
 */
function dailyFamily(
  concept: string,
  level: { readonly id: 'daily-steps' | 'sleep-duration'; readonly unit: string },
  change: 'steps-change' | 'sleep-change',
): MetricFamily[] {
  const levelFamily: MetricFamily = {
    metrics: [level],
    concepts: [concept],
    windowDays: 14,
    freshness: 7 * DAY,
    freshnessText: '7 d',
    compute(samples, window) {
      const days = dailyTotals(samples, concept, window);
      const value = median(days.map((d) => d.value));
      return {
        values: value === undefined ? {} : { [level.id]: value },
        used: days.flatMap((d) => d.used),
        ...dayCoverage(days.length, 14),
        insufficient: days.length >= 10 ? [] : [`data on ${days.length} of 14 days; needs ≥ 10`],
      } satisfies Computed;
    },
  };
  const changeFamily: MetricFamily = {
    ...levelFamily,
    metrics: [{ id: change, unit: '%' }],
    compute(samples, window) {
      const baselineWindow = windowEnding(window.start - 1, 28);
      const recent = dailyTotals(samples, concept, window);
      const base = dailyTotals(samples, concept, baselineWindow);
      const recentValue = median(recent.map((d) => d.value));
      const baseValue = median(base.map((d) => d.value));
      return {
        values:
          recentValue === undefined || baseValue === undefined || baseValue === 0
            ? {}
            : { [change]: (100 * (recentValue - baseValue)) / baseValue },
        used: [...recent, ...base].flatMap((d) => d.used),
        ...dayCoverage(recent.length, 14),
        insufficient: [
          ...(recent.length < 10 ? [`data on ${recent.length} of 14 recent days; needs ≥ 10`] : []),
          ...(base.length < 20 ? [`data on ${base.length} of 28 baseline days; needs ≥ 20`] : []),
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
