import { counted } from './words';
import { continuousGlucose } from './cgm';
import { sensorConsentDenial } from './consent';
import { flattenResources } from './fhir-read';
import {
  dailySteps,
  heartRateChange,
  homeBloodPressure,
  homeBloodPressureHighest,
  inrLatest,
  lowHeartRateEvents,
  oxygenSaturation,
  qtcChange,
  qtcLatest,
  respiratoryRate,
  restingHeartRate,
  sleepChange,
  sleepDuration,
  stepsChange,
} from './metrics';
import { newestLocalOffset, normalizeObservations, onPatientClock } from './normalize';
import { metricPolicy } from './policy';
import type { SensorMetricId, SensorSample, SensorSummary, SummarizeOptions } from './types';
import { isKnownTimeZone, iso, zoneOffsetAt } from './time';
import { evaluateFamily, type MetricFamily } from './windows';

/** Every family, in the order their aggregates appear in `SensorSummary.metrics`. */
const FAMILIES: readonly MetricFamily[] = [
  restingHeartRate,
  lowHeartRateEvents,
  heartRateChange,
  oxygenSaturation,
  respiratoryRate,
  homeBloodPressure,
  homeBloodPressureHighest,
  continuousGlucose,
  qtcLatest,
  qtcChange,
  dailySteps,
  stepsChange,
  sleepDuration,
  sleepChange,
  inrLatest,
];

/**
 * The canonical UCUM unit the sensors module gives a metric's aggregate (`SensorAggregate.unit`), the unit a rule's
 * trigger on that metric must use; undefined for a metric no family computes.
 */
export function metricUnit(metric: SensorMetricId): string | undefined {
  for (const family of FAMILIES) {
    const found = family.metrics.find((m) => m.id === metric);
    if (found) return found.unit;
  }
  return undefined;
}

/**
 * Wearable and home-device data → windowed, unit-normalised, sufficiency-labelled aggregates (DESIGN.md
 * `SensorSummary`). `resources` is whatever the prefetch or FHIR fallback gave: Observations, Devices, Consents,
 * Bundles of them, or junk; nothing throws — unusable input is listed in `dataQuality` with the reason. Windows end
 * at `at`, the hook's time. When an active Consent denies device / patient-generated data, `metrics` is empty and
 * `notes` says why. Downstream rules act only on aggregates with `status: 'sufficient'`.
 *
 * `options.policy` sets each metric's window, freshness and sufficiency limits (default `DEFAULT_SENSOR_POLICY`; a
 * ThresholdSet gives its own with `rules/thresholds.ts` `sensorPolicyOf`), so the aggregate a rule reads is computed
 * over the rule's own window. `options.metrics` computes only those metrics (default: all).
 */
export function summarizeSensors(
  resources: readonly unknown[],
  at: Date | string,
  options: SummarizeOptions = {},
): SensorSummary {
  const atMs = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(atMs)) {
    return {
      at: String(at),
      metrics: [],
      notes: ['hook time is not a valid date; no sensor summary'],
      dataQuality: [],
    };
  }
  const { resources: flat, skipped } = flattenResources(Array.isArray(resources) ? resources : []);
  const notes =
    skipped > 0
      ? [
          `${counted(skipped, 'item that is', 'items that are')} not FHIR resources ${skipped === 1 ? 'was' : 'were'} ignored`,
        ]
      : [];
  const denial = sensorConsentDenial(flat, atMs);
  if (denial !== undefined) {
    return { at: iso(atMs), metrics: [], notes: [...notes, denial], dataQuality: [] };
  }
  const wanted = options.metrics === undefined ? undefined : new Set<SensorMetricId>(options.metrics);
  // Only the concepts the wanted metrics read are normalised: most of a realistic prefetch (CGM, hourly heart rate,
  // blood pressure) serves no decision at hand, and reading it was most of a hook call's time (bench, profile).
  const concepts =
    wanted === undefined
      ? undefined
      : new Set(
          FAMILIES.filter((f) => f.metrics.some((m) => wanted.has(m.id))).flatMap((f) => [
            ...f.concepts,
            ...(f.contextConcepts ?? []),
          ]),
        );
  const normalised = normalizeObservations(flat, atMs, concepts);
  const { dataQuality } = normalised;
  const clock = patientClock(normalised.samples, options.timeZone);
  const samples =
    clock === undefined ? normalised.samples : normalised.samples.map((s) => onPatientClock(s, clock(s.end)));
  const byConcept = new Map<string, SensorSample[]>();
  for (const sample of samples) {
    const list = byConcept.get(sample.concept);
    if (list) list.push(sample);
    else byConcept.set(sample.concept, [sample]);
  }
  return {
    at: iso(atMs),
    metrics: FAMILIES.flatMap((family) =>
      evaluateFamily(
        family,
        byConcept,
        atMs,
        (metric) => metricPolicy(options.policy, metric),
        (metric) => wanted?.has(metric) ?? true,
      ),
    ),
    notes: [
      ...notes,
      ...(options.timeZone !== undefined && !isKnownTimeZone(options.timeZone)
        ? [`the patient's time zone '${options.timeZone}' is not a known IANA zone; not used`]
        : []),
    ],
    dataQuality,
  };
}

/**
 * The patient's local clock for readings written in UTC (research §2.4 "Time zones": days are the patient's local
 * days): the Patient's time zone when the record gives a known one; else the newest offset other than UTC a reading
 * was written with; else undefined (the local time is not known: such readings keep UTC, and a night picked from them
 * is marked `localTimeUnknown`).
 */
function patientClock(
  samples: readonly SensorSample[],
  timeZone: string | undefined,
): ((instant: number) => number) | undefined {
  if (timeZone !== undefined && isKnownTimeZone(timeZone)) {
    return (instant) => zoneOffsetAt(timeZone, instant) ?? 0;
  }
  const offset = newestLocalOffset(samples);
  return offset === undefined ? undefined : () => offset;
}
