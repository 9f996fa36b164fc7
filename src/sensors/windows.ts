/**
 * Evaluating one metric family over the windows its metrics' policies ask for: freshness, the window relative to the
 * hook's time, and the aggregate record with provenance. The per-metric arithmetic lives in `metrics.ts`.
 */
import { counted } from './words';
import { ageText } from './policy';
import type { MetricPolicy, SensorAggregate, SensorMetricId, SensorSample, SensorWindow } from './types';
import { DAY, HOUR, iso } from './time';

/** A time window in epoch ms, both ends inclusive. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

export function windowEnding(end: number, days: number): Window {
  return { start: end - days * DAY, end };
}

/** A sample is in a window when their spans overlap (a date-only sample of the hook's day counts). */
export function inWindow(sample: SensorSample, window: Window): boolean {
  return sample.end >= window.start && sample.start <= window.end;
}

export function isoWindow(window: Window): SensorWindow {
  return { start: iso(window.start), end: iso(window.end) };
}

/** What a metric family's computation over one window yields. */
export interface Computed {
  readonly values: Partial<Record<SensorMetricId, number>>;
  /** The samples the values were computed from (provenance). */
  readonly used: readonly SensorSample[];
  readonly daysWithData: number;
  readonly coverage: number;
  /** Why the data do not meet the sufficiency rule; empty when they do. */
  readonly insufficient: readonly string[];
  /** Per-metric override of `insufficient` (e.g. an event count that is evidence on its own). */
  readonly insufficientFor?: Partial<Record<SensorMetricId, readonly string[]>>;
  readonly basis?: SensorAggregate['basis'];
  /** The window the values describe when it is not the rule window (a summary Observation's period). */
  readonly window?: Window;
  readonly baseline?: { readonly value: number; readonly window: Window };
  /** The values rest on night-time hours read on a UTC clock (`SensorAggregate.localTimeUnknown`). */
  readonly localTimeUnknown?: boolean;
  /** Per metric that is one reading: that reading's time and patient-local day (`SensorAggregate.valueAt`, `valueDay`). */
  readonly valueAt?: Partial<Record<SensorMetricId, Pick<SensorSample, 'end' | 'day'>>>;
}

/**
 * One metric family: the metrics it yields and the samples it reads. Its window, freshness and sufficiency limits come
 * from the policy (`MetricPolicy`), so `compute` receives the limits and phrases what the data lack in its own words.
 */
export interface MetricFamily {
  readonly metrics: readonly { readonly id: SensorMetricId; readonly unit: string }[];
  readonly concepts: readonly string[];
  /**
   * Concepts the computation reads as context only (resting HR reads sleep periods to find the nights): passed to
   * `compute` after the family's own samples, never counted for freshness or absence.
   */
  readonly contextConcepts?: readonly string[];
  /** CGM: the window ends at the newest reading, not at the hook's time (research §2.4). */
  readonly windowEndsAtNewest?: boolean;
  /** Values over `window` (`limits.windowDays` long) and why they do not meet `limits` (empty when they do). */
  compute(samples: readonly SensorSample[], window: Window, limits: MetricPolicy): Computed;
}

/** Whole days a window spans. */
export function daysOf(window: Window): number {
  return Math.round((window.end - window.start) / DAY);
}

/** A 0..1 share as a percentage for reasons, to 0.1 % (never `70.00000000000001`). */
export function percent(share: number): number {
  return Math.round(share * 1000) / 10;
}

/**
 * Reasons for the limits a family does not phrase itself (pass only the counts it leaves to this): days with data,
 * readings and coverage of the window. A limit of 0 asks for nothing.
 */
export function unmetLimits(
  limits: MetricPolicy,
  found: { readonly days?: number; readonly readings?: number; readonly coverage?: number },
): string[] {
  const days = limits.windowDays;
  return [
    ...(found.days !== undefined && found.days < limits.minDays
      ? [`data on ${found.days} of ${counted(days, 'day')}; needs ≥ ${limits.minDays}`]
      : []),
    ...(found.readings !== undefined && found.readings < limits.minReadings
      ? [`${counted(found.readings, 'reading')} in ${counted(days, 'day')}; needs ≥ ${limits.minReadings}`]
      : []),
    ...(found.coverage !== undefined && percent(found.coverage) < percent(limits.minCoverage)
      ? [
          `data cover ${percent(found.coverage)} % of ${counted(days, 'day')}; needs ≥ ${percent(limits.minCoverage)} %`,
        ]
      : []),
  ];
}

/**
 * Evaluates a family at `at` for the `wanted` metrics under their policies. Metrics whose policies are equal are
 * computed together, so a family is computed once per distinct policy among its wanted metrics (usually once).
 * Per policy: `absent` without samples; `stale` when the newest sample is older than `maxAgeHours` (values are then
 * computed over the window ending at that newest sample, as context only); otherwise `sufficient` or `insufficient`
 * by the family's reading of the limits. Aggregates come in the family's metric order.
 */
export function evaluateFamily(
  family: MetricFamily,
  all: ReadonlyMap<string, SensorSample[]>,
  at: number,
  policyOf: (metric: SensorMetricId) => MetricPolicy,
  wanted: (metric: SensorMetricId) => boolean,
): SensorAggregate[] {
  const groups = new Map<string, { limits: MetricPolicy; ids: Set<SensorMetricId> }>();
  for (const { id } of family.metrics) {
    if (!wanted(id)) continue;
    const limits = policyOf(id);
    const key = [
      limits.windowDays,
      limits.maxAgeHours,
      limits.minDays,
      limits.minReadings,
      limits.minCoverage,
    ].join('|');
    const group = groups.get(key);
    if (group) group.ids.add(id);
    else groups.set(key, { limits, ids: new Set([id]) });
  }
  if (groups.size === 0) return [];
  const samples = samplesOf(family.concepts, all);
  const context = samplesOf(family.contextConcepts ?? [], all);
  const byMetric = new Map<SensorMetricId, SensorAggregate>();
  for (const { limits, ids } of groups.values()) {
    const metrics = family.metrics.filter((m) => ids.has(m.id));
    for (const aggregate of evaluateWindow(family, metrics, samples, context, at, limits)) {
      byMetric.set(aggregate.metric, aggregate);
    }
  }
  return family.metrics.flatMap(({ id }) => byMetric.get(id) ?? []);
}

/** The samples of the concepts, in concept order (most families read one concept: its list as it is). */
function samplesOf(
  concepts: readonly string[],
  all: ReadonlyMap<string, SensorSample[]>,
): readonly SensorSample[] {
  const lists = concepts.flatMap((concept) => {
    const list = all.get(concept);
    return list === undefined ? [] : [list];
  });
  return lists.length === 1 ? (lists[0] ?? []) : lists.flat();
}

/** One family over one policy's window. */
function evaluateWindow(
  family: MetricFamily,
  metrics: MetricFamily['metrics'],
  samples: readonly SensorSample[],
  context: readonly SensorSample[],
  at: number,
  limits: MetricPolicy,
): SensorAggregate[] {
  if (samples.length === 0) {
    return metrics.map(({ id, unit }) => absent(id, unit, windowEnding(at, limits.windowDays), 'no data'));
  }
  const newest = samples.reduce((max, s) => Math.max(max, s.end), -Infinity);
  const stale = newest < at - limits.maxAgeHours * HOUR;
  const ruleWindow = windowEnding(
    stale || family.windowEndsAtNewest === true ? Math.min(newest, at) : at,
    limits.windowDays,
  );
  const computed = family.compute(
    context.length === 0 ? samples : [...samples, ...context],
    ruleWindow,
    limits,
  );
  const staleReason = `newest sample ${iso(newest)} is older than ${ageText(limits.maxAgeHours)}`;
  // Provenance of the samples used, shared by the family's metrics (CGM's several metrics read the same readings).
  const { used } = computed;
  const newestSample =
    used.length === 0 ? {} : { newestSample: iso(used.reduce((max, s) => Math.max(max, s.end), -Infinity)) };
  const devices = distinct(used.map((s) => s.device));
  const sourceCount = distinctOrigins(used);
  return metrics.map(({ id, unit }) => {
    const value = computed.values[id];
    const insufficient = computed.insufficientFor?.[id] ?? computed.insufficient;
    const reasons = [...(stale ? [staleReason] : []), ...insufficient];
    if (value === undefined && reasons.length === 0) reasons.push('no value could be computed');
    return {
      metric: id,
      ...(value === undefined ? {} : { value: round(value) }),
      unit,
      window: isoWindow(computed.window ?? ruleWindow),
      ...(computed.baseline === undefined
        ? {}
        : {
            baseline: { value: round(computed.baseline.value), window: isoWindow(computed.baseline.window) },
          }),
      basis: computed.basis ?? 'readings',
      sampleCount: used.length,
      // Choice: a window of N × 24 h that does not end at midnight touches N + 1 patient-local days, and a card saying
      // "8 of 7 days with data" reads as an error; the days with data are counted up to the window's N.
      // A summary Observation's own period (`computed.window`) is counted in its own days.
      daysWithData: Math.min(
        computed.daysWithData,
        computed.window === undefined ? limits.windowDays : daysOf(computed.window),
      ),
      coverage: round(computed.coverage),
      ...newestSample,
      ...(value !== undefined && computed.valueAt?.[id] !== undefined
        ? { valueAt: iso(computed.valueAt[id].end), valueDay: computed.valueAt[id].day }
        : {}),
      status: stale ? 'stale' : reasons.length > 0 ? 'insufficient' : 'sufficient',
      reasons,
      devices: [...devices],
      sourceCount,
      ...(computed.localTimeUnknown === true && value !== undefined
        ? { localTimeUnknown: true as const }
        : {}),
    };
  });
}

export function absent(
  metric: SensorMetricId,
  unit: string,
  window: Window,
  reason: string,
): SensorAggregate {
  return {
    metric,
    unit,
    window: isoWindow(window),
    basis: 'readings',
    sampleCount: 0,
    daysWithData: 0,
    coverage: 0,
    status: 'absent',
    reasons: [reason],
    devices: [],
    sourceCount: 0,
  };
}

/** How many Observations the samples came from: origins are small indexes, so a bitmap rather than a Set. */
function distinctOrigins(samples: readonly SensorSample[]): number {
  const seen = new Uint8Array(samples.reduce((max, s) => Math.max(max, s.origin + 1), 0));
  let count = 0;
  for (const { origin } of samples) {
    if (seen[origin] === 0) {
      seen[origin] = 1;
      count += 1;
    }
  }
  return count;
}

function distinct(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))].sort();
}

/** Values are reported to 4 significant decimals: enough for every threshold, stable across float noise. */
function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** Samples grouped by patient-local day. */
export function byDay(samples: readonly SensorSample[]): Map<string, SensorSample[]> {
  const days = new Map<string, SensorSample[]>();
  for (const sample of samples) {
    const list = days.get(sample.day);
    if (list) list.push(sample);
    else days.set(sample.day, [sample]);
  }
  return days;
}

/** Distinct clock hours with at least one sample: the "hours of data" of the sufficiency rules. */
export function hoursWithData(samples: readonly SensorSample[]): number {
  return new Set(samples.map((s) => Math.floor(s.end / HOUR))).size;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  // A typed array sorts numbers without a comparator call per comparison: several times faster on a window's readings.
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function mean(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}
