/**
 * CGM metrics over a window of default 14 days (International Consensus on Time in Range, Battelino 2019, as cited in
 * research §2.2 R8 and §2.4), computed from readings (99504-3 / 105272-9 / SampledData) or taken from CGM IG summary
 * Observations. Window, days of wear (`minDays`) and share of possible readings (`minCoverage`) come from the policy.
 */
import type { MetricPolicy, SensorMetricId, SensorSample } from './types';
import { DAY, MINUTE } from './time';
import {
  inWindow,
  mean,
  percent,
  unmetLimits,
  type Computed,
  type MetricFamily,
  type Window,
} from './windows';

const SUMMARY_CONCEPTS = [
  'cgm-time-very-low',
  'cgm-time-low',
  'cgm-time-in-range',
  'cgm-time-high',
  'cgm-time-very-high',
  'cgm-gmi',
  'cgm-mean',
  'cgm-cv',
  'cgm-days-worn',
  'cgm-sensor-active',
] as const;

/** A level-2 hypoglycaemia event: ≥ 15 min below 54 mg/dL (research §2.4, consensus definition, marked "verify"). */
const EVENT_THRESHOLD = 54;
const EVENT_MINUTES = 15;

const EVENTS: SensorMetricId = 'cgm-level2-hypoglycaemia-events';

/**
 * The CGM family. Readings are preferred when they meet the limits (default 14 days worn, ≥ 70 % of possible
 * readings); otherwise a summary whose period fits the window is used; otherwise the readings' figures are reported
 * as insufficient. The window ends at the newest CGM data (summaries arrive every 2 weeks by design) and the data are
 * stale when that is more than `maxAgeHours` (default 14 days) before the hook's time. A level-2 event count above 0
 * is evidence on its own whatever the coverage; the limits apply to a count of 0 (none by default: §2.4 "in data
 * actually present").
 */
export const continuousGlucose: MetricFamily = {
  metrics: [
    { id: 'cgm-time-in-range', unit: '%' },
    { id: 'cgm-time-below-54', unit: '%' },
    { id: 'cgm-time-below-70', unit: '%' },
    { id: 'cgm-time-above-180', unit: '%' },
    { id: 'cgm-time-above-250', unit: '%' },
    { id: 'cgm-gmi', unit: '%' },
    { id: 'cgm-mean-glucose', unit: 'mg/dL' },
    { id: 'cgm-cv', unit: '%' },
    { id: 'cgm-days-worn', unit: 'd' },
    { id: 'cgm-sensor-active', unit: '%' },
    { id: EVENTS, unit: '1' },
  ],
  concepts: ['glucose-cgm', ...SUMMARY_CONCEPTS],
  windowEndsAtNewest: true,
  compute(samples, window, limits) {
    const readings = samples.filter(
      (s) => s.concept === 'glucose-cgm' && !s.aggregate && inWindow(s, window),
    );
    const fromReadings = computeFromReadings(readings, window, limits);
    if (readings.length > 0 && fromReadings.insufficient.length === 0) return fromReadings;
    return computeFromSummary(samples, window, limits) ?? fromReadings;
  },
};

function computeFromReadings(
  readings: readonly SensorSample[],
  window: Window,
  limits: MetricPolicy,
): Computed {
  const days = limits.windowDays;
  const sorted = [...readings].sort((a, b) => a.end - b.end);
  const interval = samplingInterval(sorted);
  const possible = (window.end - window.start) / interval;
  const active = Math.min(100, (100 * sorted.length) / possible);
  const daysWorn = new Set(sorted.map((s) => Math.min(days - 1, Math.floor((s.end - window.start) / DAY))))
    .size;
  const share = (test: (v: number) => boolean): number =>
    (100 * sorted.filter((s) => test(boundedValue(s))).length) / sorted.length;
  const exact = sorted.filter((s) => s.censored === undefined).map((s) => s.value);
  const average = mean(exact);
  const sd = average === undefined ? undefined : Math.sqrt(mean(exact.map((v) => (v - average) ** 2)) ?? 0);
  const events = countEvents(sorted, interval);
  const insufficient = [
    ...(daysWorn < limits.minDays
      ? [`CGM worn on ${daysWorn} of ${days} days; needs ${limits.minDays}`]
      : []),
    ...(active < percent(limits.minCoverage)
      ? [`CGM active ${active.toFixed(1)} % of possible readings; needs ≥ ${percent(limits.minCoverage)} %`]
      : []),
    ...unmetLimits(limits, { readings: sorted.length }),
  ];
  return {
    values:
      sorted.length === 0
        ? {}
        : {
            'cgm-time-in-range': share((v) => v >= 70 && v <= 180),
            'cgm-time-below-54': share((v) => v < 54),
            'cgm-time-below-70': share((v) => v < 70),
            'cgm-time-above-180': share((v) => v > 180),
            'cgm-time-above-250': share((v) => v > 250),
            ...(average === undefined
              ? {}
              : {
                  'cgm-mean-glucose': average,
                  // GMI (%) = 3.31 + 0.02392 × mean glucose (mg/dL), Bergenstal 2018 (research §2.3 R8, "verify").
                  'cgm-gmi': 3.31 + 0.02392 * average,
                  // Choice: population SD; CV target ≤ 36 % (Battelino 2019).
                  ...(sd === undefined || average === 0 ? {} : { 'cgm-cv': (100 * sd) / average }),
                }),
            'cgm-days-worn': daysWorn,
            'cgm-sensor-active': active,
            [EVENTS]: events,
          },
    used: sorted,
    daysWithData: daysWorn,
    coverage: active / 100,
    insufficient,
    // A documented level-2 event is evidence on its own, whatever the coverage (research §2.4 handling rules).
    ...(events > 0 ? { insufficientFor: { [EVENTS]: [] } } : {}),
  };
}

/**
 * A censored reading (SampledData `L`/`U`) lies beyond its detection limit: it is classified as just below / above
 * the limit for the range shares, and left out of mean, SD, CV and GMI (its exact value is unknown).
 */
function boundedValue(sample: SensorSample): number {
  if (sample.censored === 'below') return sample.value - 1e-9;
  if (sample.censored === 'above') return sample.value + 1e-9;
  return sample.value;
}

/** The device's sampling interval: the most common gap between readings, in whole minutes (default 5 min). */
function samplingInterval(sorted: readonly SensorSample[]): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < sorted.length; i += 1) {
    const gap = Math.round(((sorted[i]?.end ?? 0) - (sorted[i - 1]?.end ?? 0)) / MINUTE);
    if (gap > 0) counts.set(gap, (counts.get(gap) ?? 0) + 1);
  }
  let best = 5;
  let bestCount = 0;
  for (const [gap, count] of counts) {
    if (count > bestCount || (count === bestCount && gap < best)) [best, bestCount] = [gap, count];
  }
  return best * MINUTE;
}

/** Runs of consecutive readings below 54 mg/dL (gaps ≤ 2 intervals) lasting ≥ 15 minutes. */
function countEvents(sorted: readonly SensorSample[], interval: number): number {
  let events = 0;
  let runStart: number | undefined;
  let previous: number | undefined;
  const close = (): void => {
    if (
      runStart !== undefined &&
      previous !== undefined &&
      previous - runStart + interval >= EVENT_MINUTES * MINUTE
    ) {
      events += 1;
    }
    runStart = undefined;
  };
  for (const s of sorted) {
    const low = boundedValue(s) < EVENT_THRESHOLD;
    if (!low || (previous !== undefined && s.end - previous > 2 * interval)) close();
    if (low) runStart ??= s.end;
    previous = s.end;
  }
  close();
  return events;
}

/** The newest CGM summary (one period's summary Observations) whose period fits the window. */
function computeFromSummary(
  samples: readonly SensorSample[],
  window: Window,
  limits: MetricPolicy,
): Computed | undefined {
  const length = window.end - window.start;
  const groups = new Map<string, SensorSample[]>();
  for (const s of samples) {
    if (!s.aggregate || !(SUMMARY_CONCEPTS as readonly string[]).includes(s.concept)) continue;
    const span = s.end - s.start;
    const overlap = Math.min(s.end, window.end) - Math.max(s.start, window.start);
    // Never rescale: a 30- or 90-day summary is not a 14-day figure (research §2.4).
    if (span < 0.8 * length || span > 1.2 * length || overlap < 0.8 * length) continue;
    const key = `${s.start}|${s.end}`;
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  const newest = [...groups.values()].sort((a, b) => (b[0]?.end ?? 0) - (a[0]?.end ?? 0))[0];
  const first = newest?.[0];
  if (newest === undefined || first === undefined) return undefined;
  const get = (concept: string): number | undefined => newest.find((s) => s.concept === concept)?.value;
  const sum = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined || b === undefined ? undefined : a + b;
  const daysWorn = get('cgm-days-worn');
  const active = get('cgm-sensor-active');
  const values: Partial<Record<SensorMetricId, number | undefined>> = {
    'cgm-time-in-range': get('cgm-time-in-range'),
    'cgm-time-below-54': get('cgm-time-very-low'),
    'cgm-time-below-70': sum(get('cgm-time-very-low'), get('cgm-time-low')),
    'cgm-time-above-180': sum(get('cgm-time-high'), get('cgm-time-very-high')),
    'cgm-time-above-250': get('cgm-time-very-high'),
    'cgm-gmi': get('cgm-gmi'),
    'cgm-mean-glucose': get('cgm-mean'),
    'cgm-cv': get('cgm-cv'),
    'cgm-days-worn': daysWorn,
    'cgm-sensor-active': active,
  };
  return {
    values: Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)),
    used: newest,
    daysWithData: daysWorn ?? 0,
    coverage: (active ?? 0) / 100,
    insufficient: [
      ...(daysWorn === undefined
        ? limits.minDays > 0
          ? ['summary states no days of wear (104636-6)']
          : []
        : daysWorn < limits.minDays
          ? [`summary: CGM worn ${daysWorn} days; needs ${limits.minDays}`]
          : []),
      ...(active === undefined
        ? limits.minCoverage > 0
          ? ['summary states no sensor active % (104637-4)']
          : []
        : active < percent(limits.minCoverage)
          ? [`summary: CGM active ${active} %; needs ≥ ${percent(limits.minCoverage)} %`]
          : []),
    ],
    insufficientFor: { [EVENTS]: ['summary Observations do not report hypoglycaemia events'] },
    basis: 'summary-observation',
    window: { start: first.start, end: first.end },
  };
}
