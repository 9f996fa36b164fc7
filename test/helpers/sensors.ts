/**
 * Reading a sensor summary in tests.
 */
import type { SensorAggregate, SensorMetricId, SensorSummary } from '../../src/sensors';

/** The aggregate of `id` in the summary; fails the test when the summary has none. */
export function aggregateOf(summary: SensorSummary, id: SensorMetricId): SensorAggregate {
  const found = summary.metrics.find((m) => m.metric === id);
  if (!found) throw new Error(`no ${id}`);
  return found;
}

/** Which real source the heart-rate samples imitate. */
export type HeartRateSource = 'phd' | 'apple-watch';

export interface HeartRateNights {
  readonly source: HeartRateSource;
  /** The hook's time (epoch ms); night 0 ends on its day, each further night one day earlier. */
  readonly at: number;
  /** How many nights, newest first. */
  readonly nights: number;
  /** Local clock hours of each night's samples (e.g. 23 → 23:00–23:59, 0 → 00:00–00:59 of the next day). */
  readonly hours: readonly number[];
  /** Minutes between two samples. */
  readonly everyMinutes: number;
  /** The sample's value from its index within the night. */
  readonly value: (index: number) => number;
  /** UTC offset of the patient's clock written in the times, e.g. '+01:00' (default 'Z'). */
  readonly offset?: string;
}

const HR_HOUR = 3_600_000;
const HR_DAY = 24 * HR_HOUR;

/** A local clock time as FHIR writes it, with the given offset. */
function localTime(localMs: number, offset: string): string {
  return new Date(localMs).toISOString().replace('.000Z', offset === 'Z' ? 'Z' : offset);
}

/**
 * Heart-rate samples (8867-4) over nights, shaped like the two real sources of issue 9 item 4:
 * - `phd`: an IEEE 11073 pulse oximeter through the HL7 PHD IG (`HL7/phd` `input/examples/numeric-spotnumeric.json`):
 *   code MDC 149530 MDC_PULS_OXIM_PULS_RATE + LOINC 8867-4, `valueQuantity.unit` `{beat}/min}` (the typo) with UCUM
 *   code `/min`, an `MDC_ATTR_SUPPLEMENTAL_TYPES` component, the device a `Device/…` reference (the Device is added).
 * - `apple-watch`: HealthKit samples via the HL7 PHR IG (`pghd-heartrate`): LOINC 8867-4 + PGHD `heartRate`,
 *   category vital-signs, `/min`, the Apple Watch contained (`#device`, hardware `Watch6,7`).
 */
export function heartRateNights(spec: HeartRateNights): unknown[] {
  const offset = spec.offset ?? 'Z';
  const offsetMs =
    offset === 'Z'
      ? 0
      : (offset.startsWith('-') ? -1 : 1) *
        (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))) *
        60_000;
  const localAt = spec.at + offsetMs;
  const today = Math.floor(localAt / HR_DAY) * HR_DAY;
  const resources: unknown[] = [];
  if (spec.source === 'phd') {
    resources.push({
      resourceType: 'Device',
      id: 'phd-74E8FFFEFF051C00.001C05FFE874',
      manufacturer: 'Nonin Medical, Inc.',
      modelNumber: '3150',
      deviceName: [{ name: 'Nonin 3150 pulse oximeter', type: 'user-friendly-name' }],
    });
  }
  for (let night = 0; night < spec.nights; night += 1) {
    const nightEnds = today - night * HR_DAY;
    let index = 0;
    for (const hour of spec.hours) {
      // Evening hours belong to the day before the night ends.
      const hourStart = hour >= 12 ? nightEnds - HR_DAY + hour * HR_HOUR : nightEnds + hour * HR_HOUR;
      for (let minute = 0; minute < 60; minute += spec.everyMinutes) {
        const local = hourStart + minute * 60_000;
        if (local - offsetMs > spec.at) continue;
        const id = `${spec.source}-hr-${night}-${index}`;
        const value = spec.value(index);
        index += 1;
        const effectiveDateTime = localTime(local, offset);
        resources.push(
          spec.source === 'phd'
            ? {
                resourceType: 'Observation',
                id,
                meta: { profile: ['http://hl7.org/fhir/uv/phd/StructureDefinition/PhdNumericObservation'] },
                status: 'final',
                category: [
                  {
                    coding: [
                      {
                        system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                        code: 'vital-signs',
                      },
                    ],
                    text: 'Vital Signs',
                  },
                ],
                code: {
                  coding: [
                    {
                      system: 'urn:iso:std:iso:11073:10101',
                      code: '149530',
                      display: 'MDC_PULS_OXIM_PULS_RATE',
                    },
                    { system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' },
                  ],
                },
                subject: { reference: 'Patient/smart-1288992' },
                effectiveDateTime,
                valueQuantity: {
                  value,
                  unit: '{beat}/min}',
                  system: 'http://unitsofmeasure.org',
                  code: '/min',
                },
                device: { reference: 'Device/phd-74E8FFFEFF051C00.001C05FFE874' },
                component: [
                  {
                    code: {
                      coding: [
                        {
                          system: 'urn:iso:std:iso:11073:10101',
                          code: '68193',
                          display: 'MDC_ATTR_SUPPLEMENTAL_TYPES',
                        },
                      ],
                    },
                    valueCodeableConcept: {
                      coding: [
                        {
                          system: 'urn:iso:std:iso:11073:10101',
                          code: '150588',
                          display: 'MDC_MODALITY_SPOT',
                        },
                      ],
                    },
                  },
                ],
              }
            : {
                resourceType: 'Observation',
                id,
                contained: [
                  {
                    resourceType: 'Device',
                    id: 'device',
                    manufacturer: 'Apple Inc.',
                    deviceName: [{ name: 'Apple Watch', type: 'user-friendly-name' }],
                    modelNumber: 'Watch6,7',
                  },
                ],
                status: 'final',
                category: [
                  {
                    coding: [
                      {
                        system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                        code: 'vital-signs',
                        display: 'Vital Signs',
                      },
                    ],
                  },
                ],
                code: {
                  coding: [
                    { system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' },
                    {
                      system: 'http://hl7.org/fhir/uv/phr/CodeSystem/observation-pghd-codes',
                      code: 'heartRate',
                      display: 'Heart rate',
                    },
                  ],
                  text: 'Heart rate',
                },
                subject: { reference: 'Patient/smart-1288992' },
                effectiveDateTime,
                performer: [{ reference: 'Patient/smart-1288992' }],
                valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
                device: { reference: '#device' },
              },
        );
      }
    }
  }
  return resources;
}

/**
 * Nights of pulse oximetry as an oximeter's export records them: one Observation a night (8 h from 00:00 UTC of the
 * night's day, `nights` nights before `at`), SpO2 as `valueSampledData` at one reading a second (28,800 a night).
 * `value(night, second)` gives each reading.
 */
export function oximetryNights(
  at: number,
  nights: number,
  value: (night: number, second: number) => number,
): Record<string, unknown>[] {
  return Array.from({ length: nights }, (_, n) => {
    const night = n + 1;
    const start = Math.floor(at / HR_DAY) * HR_DAY - night * HR_DAY;
    return {
      resourceType: 'Observation',
      id: `oximetry-night-${night}`,
      status: 'final',
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
          ],
        },
      ],
      code: {
        coding: [
          { system: 'http://loinc.org', code: '59408-5', display: 'Oxygen saturation by Pulse oximetry' },
        ],
      },
      effectivePeriod: {
        start: new Date(start).toISOString(),
        end: new Date(start + 8 * HR_HOUR).toISOString(),
      },
      valueSampledData: {
        origin: { value: 0, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
        period: 1000,
        dimensions: 1,
        data: Array.from({ length: 8 * 3600 }, (_, s) => value(night, s)).join(' '),
      },
    };
  });
}
