/**
 * Resting heart rate from heart-rate samples when no daily resting value (40443-4) is on file (issue 9 item 4):
 * research §2.3 R1 "the minimum of nightly 5-min medians from 8867-4 samples", sufficient with "≥ 4 of 7 days with a
 * daily value (or ≥ 3 nights with ≥ 4 h of HR samples)" (§2.4). Samples are shaped like the two real sources (HL7 PHD
 * IG pulse oximeter with the `{beat}/min}` unit text; Apple Watch via the HL7 PHR IG), built by
 * `test/helpers/sensors.ts` `heartRateNights`. Numbers come from the research note (`knowledge/sensor-thresholds.json`).
 */
import { DEFAULT_SENSOR_POLICY, RESTING_HR_FROM_SAMPLES, summarizeSensors } from '../../../src/sensors';
import { aggregateOf, heartRateNights } from '../../helpers/sensors';
import { researchThreshold } from '../../reference';

const AT = '2026-05-15T09:00:00Z';
const atMs = Date.parse(AT);
const NIGHT = [23, 0, 1, 2, 3, 4, 5, 6];
const MIN_NIGHTS = researchThreshold('resting-hr.min-nights');
const MIN_HOURS = researchThreshold('resting-hr.min-hours-per-night');
const MIN_DAYS = researchThreshold('resting-hr.min-days');
const SLOT_MINUTES = researchThreshold('R1.fallback-slot');

const restingHr = (resources: readonly unknown[]) =>
  aggregateOf(summarizeSensors(resources, AT, { metrics: ['resting-heart-rate'] }), 'resting-heart-rate');

/** Values 47…51 in turn: every 5 consecutive one-minute samples have the median 49. */
const aroundFortyNine = (i: number): number => 49 + ((i * 3) % 5) - 2;

describe('resting heart rate from heart-rate samples (research §2.3 R1 fallback)', () => {
  it('the numbers are the research note’s', () => {
    expect(RESTING_HR_FROM_SAMPLES).toEqual({
      minNights: MIN_NIGHTS,
      minHoursPerNight: MIN_HOURS,
      bucketMinutes: SLOT_MINUTES,
    });
    expect(DEFAULT_SENSOR_POLICY['resting-heart-rate'].minDays).toBe(MIN_DAYS);
  });

  it(`PHD pulse oximeter, one sample a minute on ${MIN_NIGHTS} nights: sufficient by the nights rule, the lowest ${SLOT_MINUTES}-minute median`, () => {
    const resources = heartRateNights({
      source: 'phd',
      at: atMs,
      nights: MIN_NIGHTS,
      hours: NIGHT,
      everyMinutes: 1,
      value: aroundFortyNine,
      offset: '-05:00',
    });
    const summary = summarizeSensors(resources, AT, { metrics: ['resting-heart-rate'] });
    const rhr = aggregateOf(summary, 'resting-heart-rate');
    expect(rhr).toMatchObject({
      value: 49,
      unit: '/min',
      status: 'sufficient',
      basis: 'nightly-samples',
      daysWithData: MIN_NIGHTS,
      devices: ['Nonin 3150 pulse oximeter'],
      reasons: [],
    });
    // The `{beat}/min}` unit text and the MDC supplemental-types component are no reason to drop a sample.
    expect(summary.dataQuality.filter((n) => n.kind === 'rejected')).toEqual([]);
    expect(rhr.sampleCount).toBe(resources.length - 1); // every Observation, not the Device
  });

  it('Apple Watch via the PHR IG, a sample every 5 minutes for a week: the median of the nightly minima', () => {
    const value = (i: number): number => 48 + (i % 3); // 48, 49, 50 …: each 5-minute slot holds one sample
    const resources = heartRateNights({
      source: 'apple-watch',
      at: atMs,
      nights: 7,
      hours: NIGHT,
      everyMinutes: 5,
      value,
    });
    const rhr = restingHr(resources);
    expect(rhr).toMatchObject({
      value: 48,
      status: 'sufficient',
      basis: 'readings', // 7 nights meet the day count itself
      daysWithData: 7,
      devices: ['Apple Watch'],
    });
  });

  it(`${MIN_NIGHTS - 1} nights are not enough, and the reason says what is missing`, () => {
    const rhr = restingHr(
      heartRateNights({
        source: 'apple-watch',
        at: atMs,
        nights: MIN_NIGHTS - 1,
        hours: NIGHT,
        everyMinutes: 5,
        value: () => 49,
      }),
    );
    expect(rhr.status).toBe('insufficient');
    expect(rhr.reasons.join(' ')).toContain(
      `≥ ${MIN_NIGHTS} nights with ≥ ${MIN_HOURS} h (found ${MIN_NIGHTS - 1})`,
    );
  });

  it(`a night with samples in fewer than ${MIN_HOURS} hours does not count`, () => {
    const rhr = restingHr(
      heartRateNights({
        source: 'phd',
        at: atMs,
        nights: 7,
        hours: NIGHT.slice(0, MIN_HOURS - 1),
        everyMinutes: 1,
        value: () => 49,
      }),
    );
    expect(rhr.status).toBe('insufficient');
    expect(rhr.reasons.join(' ')).toContain('(found 0)');
  });

  it('daytime samples are not rest: an afternoon of low readings is not used', () => {
    const nights = heartRateNights({
      source: 'phd',
      at: atMs,
      nights: 4,
      hours: NIGHT,
      everyMinutes: 1,
      value: () => 58,
    });
    const afternoons = heartRateNights({
      source: 'phd',
      at: atMs,
      nights: 4,
      hours: [13, 14, 15, 16, 17],
      everyMinutes: 1,
      value: () => 44,
    })
      .filter((r) => (r as { resourceType: string }).resourceType === 'Observation')
      .map((r) => ({ ...(r as object), id: `afternoon-${(r as { id: string }).id}` }));
    expect(restingHr([...nights, ...afternoons])).toMatchObject({ value: 58, status: 'sufficient' });
    expect(restingHr(afternoons)).toMatchObject({ status: 'insufficient' });
  });

  it('a sleep period on file decides the night: samples inside it count, the evening before it does not', () => {
    const evening = heartRateNights({
      source: 'apple-watch',
      at: atMs,
      nights: 4,
      hours: [22, 23, 0, 1],
      everyMinutes: 5,
      value: () => 45,
    });
    const asleep = heartRateNights({
      source: 'apple-watch',
      at: atMs,
      nights: 4,
      hours: [2, 3, 4, 5, 6],
      everyMinutes: 5,
      value: () => 55,
    }).map((r) => ({ ...(r as object), id: `asleep-${(r as { id: string }).id}` }));
    // Without sleep data the clock night (22:00–07:59) holds both.
    expect(restingHr([...evening, ...asleep])).toMatchObject({ value: 45 });
    const day = 86_400_000;
    const sleeps = [0, 1, 2, 3].map((n) => ({
      resourceType: 'Observation',
      id: `sleep-${n}`,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '93832-4', display: 'Sleep duration' }] },
      effectivePeriod: {
        start: new Date(Date.parse('2026-05-15T02:00:00Z') - n * day).toISOString(),
        end: new Date(Date.parse('2026-05-15T07:00:00Z') - n * day).toISOString(),
      },
      valueQuantity: { value: 5, unit: 'h', system: 'http://unitsofmeasure.org', code: 'h' },
    }));
    expect(restingHr([...evening, ...asleep, ...sleeps])).toMatchObject({ value: 55, status: 'sufficient' });
  });

  it('a daily resting value (40443-4) wins over the samples of its night', () => {
    const samples = heartRateNights({
      source: 'apple-watch',
      at: atMs,
      nights: 4,
      hours: NIGHT,
      everyMinutes: 5,
      value: () => 49,
    });
    const daily = [0, 1, 2, 3].map((n) => ({
      resourceType: 'Observation',
      id: `rhr-${n}`,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '40443-4' }] },
      effectiveDateTime: new Date(atMs - n * 86_400_000 - 3_600_000).toISOString(),
      valueQuantity: { value: 62, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    }));
    expect(restingHr([...samples, ...daily])).toMatchObject({
      value: 62,
      basis: 'readings',
      daysWithData: 4,
    });
  });
});
