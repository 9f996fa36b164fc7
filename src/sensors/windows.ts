/**
 * Evaluating one metric family over its window: freshness, the window relative to the hook's time, and the
 * aggregate record with provenance. The per-metric arithmetic lives in `metrics.ts`.
 */
import type { SensorAggregate, SensorMetricId, SensorSample, SensorWindow } from './types';
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
}

/** One metric family: the metrics it yields, the samples it reads, its window and freshness limit. */
export interface MetricFamily {
  readonly metrics: readonly { readonly id: SensorMetricId; readonly unit: string }[];
  readonly concepts: readonly string[];
  readonly windowDays: number;
  /** Newest sample older than this (ms before the hook's time) makes the family `stale`. */
  readonly freshness: number;
  /** Text of the freshness rule for reasons, e.g. "72 h". */
  readonly freshnessText: string;
  /** CGM: the 14-day window ends at the newest reading, not at the hook's time (research §2.4). */
  readonly windowEndsAtNewest?: boolean;
  compute(samples: readonly SensorSample[], window: Window): Computed;
}

/**
 * Evaluates a family at `at`: `absent` without samples; `stale` when the newest sample is older than the freshness
 * limit (values are then computed over the window ending at that newest sample, as context only); otherwise
 * `sufficient` or `insufficient` by the family's rule.
 */
export function evaluateFamily(
  family: MetricFamily,
  all: ReadonlyMap<string, SensorSample[]>,
  at: number,
): SensorAggregate[] {
  const samples = family.concepts.flatMap((concept) => all.get(concept) ?? []);
  if (samples.length === 0) {
    return family.metrics.map(({ id, unit }) =>
      absent(id, unit, windowEnding(at, family.windowDays), 'no data'),
    );
  }
  const newest = samples.reduce((max, s) => Math.max(max, s.end), -Infinity);
  const stale = newest < at - family.freshness;
  const ruleWindow = windowEnding(
    stale || family.windowEndsAtNewest === true ? Math.min(newest, at) : at,
    family.windowDays,
  );
  const computed = family.compute(samples, ruleWindow);
  const staleReason = `newest sample ${iso(newest)} is older than ${family.freshnessText}`;
  return family.metrics.map(({ id, unit }) => {
    const value = computed.values[id];
    const insufficient = computed.insufficientFor?.[id] ?? computed.insufficient;
    const reasons = [...(stale ? [staleReason] : []), ...insufficient];
    if (value === undefined && reasons.length === 0) reasons.push('no value could be computed');
    const usedNewest = computed.used.reduce((max, s) => Math.max(max, s.end), -Infinity);
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
      sampleCount: computed.used.length,
      daysWithData: computed.daysWithData,
      coverage: round(computed.coverage),
      ...(computed.used.length === 0 ? {} : { newestSample: iso(usedNewest) }),
      status: stale ? 'stale' : reasons.length > 0 ? 'insufficient' : 'sufficient',
      reasons,
      devices: distinct(computed.used.map((s) => s.device)),
      sourceCount: new Set(computed.used.map((s) => s.source)).size,
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
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function mean(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}
