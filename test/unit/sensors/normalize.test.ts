import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import path from 'node:path';
import { flattenResources } from '../../../src/sensors/fhir-read';
import { normalizeObservations } from '../../../src/sensors/normalize';
import type { SensorSample } from '../../../src/sensors/types';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(path.join(__dirname, '../../fixtures/sensors', name), 'utf8')) as unknown;

const AT = Date.parse('2026-05-15T09:00:00+02:00');

/** The normalisation, each sample with the `Observation/<id>` it came from. */
function normalize(items: unknown) {
  const { resources } = flattenResources(Array.isArray(items) ? items : [items]);
  const { samples, dataQuality } = normalizeObservations(resources, AT);
  return {
    samples: samples.map((s) => ({ ...s, source: `Observation/${String(resources[s.origin]?.id)}` })),
    dataQuality,
  };
}

function samplesOf(samples: readonly (SensorSample & { source: string })[], source: string): SensorSample[] {
  return samples.filter((s) => s.source === source);
}

describe('unit variants (fixtures/sensors/unit-variants.json)', () => {
  const { samples, dataQuality } = normalize(fixture('unit-variants.json'));
  const noteFor = (id: string) => dataQuality.filter((n) => n.sources.includes(`Observation/${id}`));

  // Expected canonical values follow research/wearables-in-fhir.md §1.5 (unit facts) and DESIGN.md (glucose MW).
  it.each([
    ['hr-ucum-per-min', 'heart-rate', 72, '/min'],
    ['hr-ucum-beats-annotation', 'heart-rate', 72, '/min'],
    ['hr-phd-unit-text-typo', 'heart-rate', 72, '/min'],
    ['hr-healthkit-count-per-min', 'heart-rate', 72, '/min'],
    ['hr-omh-beats-per-min', 'heart-rate', 72, '/min'],
    ['hr-typo-as-code', 'heart-rate', 72, '/min'],
    ['hr-no-code-beats-per-min', 'heart-rate', 72, '/min'],
    ['hr-bpm-not-ucum', 'heart-rate', 72, '/min'],
    ['hr-no-code-bpm-text', 'heart-rate', 72, '/min'],
    ['hr-code-beats-per-minute', 'heart-rate', 72, '/min'],
    ['hr-no-code-per-min-text', 'heart-rate', 72, '/min'],
    ['temp-healthkit-degC', 'body-temperature', 37.2, 'Cel'],
    ['temp-va-degF', 'body-temperature', 37, 'Cel'], // 37 Cel ↔ 98.6 [degF]
    ['temp-ucum-Cel', 'body-temperature', 37.2, 'Cel'],
    ['weight-omh-lb', 'body-weight', 81.6466, 'kg'], // 180 [lb_av] → 81.6466 kg
    ['weight-healthkit-lbs', 'body-weight', 81.6466, 'kg'],
    ['weight-kg', 'body-weight', 81.6, 'kg'],
    ['bp-healthkit-mmHg', 'bp-systolic', 128, 'mm[Hg]'],
    ['steps-healthkit-no-code', 'steps', 8000, '{steps}'],
    ['steps-omh-steps-code', 'steps', 8000, '{steps}'],
    ['steps-ucum-annotation', 'steps', 8000, '{steps}'],
    ['steps-pa-ig-per-day', 'steps', 8000, '/d'],
    ['glucose-cgm-mg-dl', 'glucose-cgm', 99, 'mg/dL'],
    ['glucose-cgm-mmol-l', 'glucose-cgm', (5.5 * 180.156) / 10, 'mg/dL'], // 1 mmol/L = 18.0156 mg/dL
    ['glucose-cgm-mmol-l-lowercase', 'glucose-cgm', (5.5 * 180.156) / 10, 'mg/dL'],
    ['sleep-minutes', 'sleep-duration', 7.5, 'h'], // 7.5 h = 450 min
    ['sleep-hours', 'sleep-duration', 7.5, 'h'],
    ['spo2-fraction', 'spo2', 97, '%'],
    ['spo2-percent-arterial-code', 'spo2', 97, '%'],
  ])('%s → %s %d %s', (id, concept, value, unit) => {
    const [sample, ...more] = samplesOf(samples, `Observation/${id}`);
    expect(more).toHaveLength(0);
    expect(sample?.concept).toBe(concept);
    expect(sample?.unit).toBe(unit);
    expect(sample?.value).toBeCloseTo(value, 3);
  });

  it.each([
    ['hr-healthkit-count-per-min', "'count/min'"],
    ['hr-omh-beats-per-min', "'beats/min'"],
    ['hr-typo-as-code', "'{beat}/min}'"],
    ['hr-no-code-beats-per-min', "'beats/min'"],
    ['hr-bpm-not-ucum', "'bpm'"],
    ['hr-no-code-bpm-text', "'bpm'"],
    ['hr-code-beats-per-minute', "'beats/minute'"],
    ['hr-no-code-per-min-text', "'/min'"],
    ['temp-healthkit-degC', "'degC'"],
    ['weight-omh-lb', "'lb'"],
    ['bp-healthkit-mmHg', "'mmHg'"],
    ['steps-healthkit-no-code', "'steps'"],
    ['steps-omh-steps-code', "'steps'"],
  ])('%s is recorded as a repair of %s', (id, text) => {
    const notes = noteFor(id);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.kind).toBe('repaired');
    expect(notes[0]?.reason).toContain(text);
  });

  it('leaves valid UCUM codes and display-text typos without a repair note', () => {
    for (const id of [
      'hr-ucum-per-min',
      'hr-phd-unit-text-typo',
      'temp-va-degF',
      'glucose-cgm-mmol-l-lowercase',
    ]) {
      expect(noteFor(id)).toEqual([]);
    }
  });

  it.each([
    ['hr-with-bp-unit', "'mm[Hg]' does not convert to '/min'"],
    // Implausible values (units.ts PLAUSIBLE_RANGES): a watch off the wrist, a fraction that is a percentage.
    ['hr-zero-off-wrist', 'heart rate outside the plausible 20–300 /min'],
    ['resting-hr-five', 'outside the plausible 20–300 /min'],
    ['spo2-percent-as-fraction-unit', "written as a fraction (unit '1') is above 1"],
    ['glucose-mdc-unit-system', 'not UCUM'],
    ['glucose-cgm-in-percent', "'%' does not convert to 'mg/dL'"],
    ['temp-no-unit', 'no unit code'],
  ])('%s is rejected: %s', (id, reason) => {
    expect(samplesOf(samples, `Observation/${id}`)).toEqual([]);
    const notes = noteFor(id);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.kind).toBe('rejected');
    expect(notes[0]?.reason).toContain(reason);
  });
});

describe('structural patterns (fixtures/sensors/structural-patterns.json)', () => {
  const { samples, dataQuality } = normalize(fixture('structural-patterns.json'));
  const reasonsFor = (id: string) =>
    dataQuality.filter((n) => n.sources.includes(`Observation/${id}`)).map((n) => `${n.kind}: ${n.reason}`);

  it('reads a point sample at its instant, names the contained device and keeps the local day and hour', () => {
    const [hr] = samplesOf(samples, 'Observation/point-hr-contained-device');
    expect(hr).toMatchObject({ concept: 'heart-rate', value: 58, aggregate: false, device: 'Apple Watch' });
    expect(hr?.start).toBe(Date.parse('2026-05-14T04:10:00Z'));
    expect(hr).toMatchObject({ day: '2026-05-14', hour: 6 });
  });

  it('gives a date-only time the whole day, without an hour', () => {
    const [hr] = samplesOf(samples, 'Observation/date-only-hr');
    expect(hr?.start).toBe(Date.parse('2026-05-13T00:00:00Z'));
    expect(hr?.end).toBe(Date.parse('2026-05-14T00:00:00Z') - 1);
    expect(hr?.day).toBe('2026-05-13');
    expect(hr?.hour).toBeUndefined();
  });

  it('keeps an effectivePeriod aggregate as an aggregate over its inclusive period', () => {
    const [rhr] = samplesOf(samples, 'Observation/period-resting-hr-weekly');
    expect(rhr).toMatchObject({ concept: 'resting-heart-rate', value: 61, aggregate: true });
    expect(rhr?.start).toBe(Date.parse('2026-05-08T00:00:00Z'));
    expect(rhr?.end).toBe(Date.parse('2026-05-15T00:00:00Z') - 1);
  });

  it('reads both blood-pressure panel codes into systolic and diastolic components, with the Device name', () => {
    expect(
      samplesOf(samples, 'Observation/bp-panel-85354-9').map((s) => [s.concept, s.value, s.device]),
    ).toEqual([
      ['bp-systolic', 132, 'Omron BP7450'],
      ['bp-diastolic', 84, 'Omron BP7450'],
    ]);
    expect(
      samplesOf(samples, 'Observation/bp-panel-55284-4').map((s) => [s.concept, s.value, s.unit]),
    ).toEqual([
      ['bp-systolic', 126, 'mm[Hg]'],
      ['bp-diastolic', 80, 'mm[Hg]'],
    ]);
  });

  it('rejects a heart-rate-coded component inside a blood-pressure panel and keeps the valid one', () => {
    expect(samplesOf(samples, 'Observation/bp-panel-diastolic-as-heart-rate').map((s) => s.concept)).toEqual([
      'bp-systolic',
    ]);
    expect(reasonsFor('bp-panel-diastolic-as-heart-rate')).toEqual([
      'rejected: component[1] code is not a Blood pressure panel component',
    ]);
  });

  it('ignores unusable statuses and rejects absent values and future-dated data', () => {
    expect(samplesOf(samples, 'Observation/entered-in-error-hr')).toEqual([]);
    expect(reasonsFor('entered-in-error-hr')).toEqual(["ignored: status 'entered-in-error' is not usable"]);
    expect(reasonsFor('absent-hr')).toEqual(['rejected: no value (dataAbsentReason)']);
    expect(reasonsFor('future-hr')).toEqual(['rejected: effective time is in the future']);
  });

  it('reads a value-less device event as one occurrence', () => {
    expect(samplesOf(samples, 'Observation/low-hr-event')).toMatchObject([
      { concept: 'low-heart-rate-event' },
    ]);
  });

  it('drops an exact duplicate submission', () => {
    const bundle = fixture('structural-patterns.json') as { entry: { resource: { id: string } }[] };
    const point = bundle.entry.find((e) => e.resource.id === 'point-hr-contained-device')?.resource;
    const twice = normalize([point, { ...point, id: 'resubmitted' }]);
    expect(twice.samples).toHaveLength(1);
  });

  it('keeps readings at the same instant that differ in value or device, and drops a repeat of either', () => {
    const bundle = fixture('structural-patterns.json') as { entry: { resource: Record<string, unknown> }[] };
    const point = bundle.entry.find((e) => e.resource['id'] === 'point-hr-contained-device')?.resource;
    const quantity = point?.['valueQuantity'] as Record<string, unknown>;
    const otherValue = { ...point, id: 'other-value', valueQuantity: { ...quantity, value: 99 } };
    const noDevice = { ...point, id: 'no-device', contained: undefined, device: undefined };
    const read = normalize([
      point,
      otherValue,
      noDevice,
      { ...otherValue, id: 'again' },
      { ...noDevice, id: 'again-2' },
    ]);
    expect(read.samples.map((s) => [s.value, s.device ?? null])).toEqual([
      [quantity['value'], expect.any(String)],
      [99, expect.any(String)],
      [quantity['value'], null],
    ]);
  });

  it('keeps one of each distinct reading, in the order first seen, whatever order the readings come in', () => {
    // Readings as a watch app sends them (minute heart rate, device by reference); some resubmitted, some at the
    // same minute with another value or from another device. Sorted oldest or newest first, or in any order.
    const reading = fc.record({
      minute: fc.integer({ min: 0, max: 40 }),
      value: fc.constantFrom(58, 61),
      device: fc.constantFrom('Device/watch', 'Device/ring'),
    });
    const order = fc.constantFrom('as generated', 'oldest first', 'newest first');
    fc.assert(
      fc.property(fc.array(reading, { maxLength: 60 }), order, (readings, how) => {
        const sorted =
          how === 'as generated'
            ? readings
            : [...readings].sort((a, b) => (how === 'oldest first' ? 1 : -1) * (a.minute - b.minute));
        const at = (minute: number) => new Date(AT - (60 - minute) * 60_000).toISOString();
        const { samples } = normalize(
          sorted.map((r, i) => ({
            resourceType: 'Observation',
            id: `hr-${i}`,
            status: 'final',
            code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
            effectiveDateTime: at(r.minute),
            valueQuantity: {
              value: r.value,
              unit: 'beats/minute',
              system: 'http://unitsofmeasure.org',
              code: '/min',
            },
            device: { reference: r.device },
          })),
        );
        const distinct = [...new Set(sorted.map((r) => `${at(r.minute)} ${r.value} ${r.device}`))];
        expect(samples.map((s) => `${new Date(s.start).toISOString()} ${s.value} ${s.device}`)).toEqual(
          distinct,
        );
      }),
    );
  });
});

describe('valueSampledData (fixtures/sensors/cgm-sampled-data.json)', () => {
  const { samples, dataQuality } = normalize(fixture('cgm-sampled-data.json'));
  const reasonsFor = (id: string) =>
    dataQuality.filter((n) => n.sources.includes(`Observation/${id}`)).map((n) => `${n.kind}: ${n.reason}`);

  it('expands an HDDT chunk with E/L/U markers to timed samples', () => {
    // data: '100 102 E 98 L L 45 E U 180 181 70', period 60 000 ms, lowerLimit 40, upperLimit 400
    const chunk = samplesOf(samples, 'Observation/hddt-cgm-chunk');
    const start = Date.parse('2026-05-14T08:00:00Z');
    expect(chunk.map((s) => [(s.start - start) / 60_000, s.value, s.censored ?? null])).toEqual([
      [0, 100, null],
      [1, 102, null],
      [3, 98, null],
      [4, 40, 'below'],
      [5, 40, 'below'],
      [6, 45, null],
      [8, 400, 'above'],
      [9, 180, null],
      [10, 181, null],
      [11, 70, null],
    ]);
    expect(chunk.every((s) => s.device === 'FreeStyle Libre 3')).toBe(true);
    expect(reasonsFor('hddt-cgm-chunk')).toEqual([
      "ignored: 2 readings the device marked as errors (SampledData 'E') skipped",
    ]);
  });

  it('applies origin and factor and converts mmol/L to mg/dL', () => {
    // origin 2 mmol/L, factor 0.1: tokens 30 35 40 → 5.0, 5.5, 6.0 mmol/L, × 18.0156 mg/dL per mmol/L
    const chunk = samplesOf(samples, 'Observation/cgm-chunk-mmol-factor');
    expect(chunk.map((s) => s.unit)).toEqual(['mg/dL', 'mg/dL', 'mg/dL']);
    [5, 5.5, 6].forEach((mmol, i) => {
      expect(chunk[i]?.value).toBeCloseTo((mmol * 180.156) / 10, 6);
    });
    expect(chunk.map((s) => s.start - Date.parse('2026-05-14T09:00:00Z'))).toEqual([0, 300_000, 600_000]);
  });

  it('rejects a chunk whose origin unit contradicts the code, and one whose period cannot fit its effectivePeriod', () => {
    expect(samplesOf(samples, 'Observation/cgm-chunk-origin-percent')).toEqual([]);
    expect(reasonsFor('cgm-chunk-origin-percent')).toEqual([
      "rejected: unit '%' does not convert to 'mg/dL' (Glucose (CGM, interstitial fluid))",
    ]);
    expect(samplesOf(samples, 'Observation/cgm-chunk-period-300')).toEqual([]);
    expect(reasonsFor('cgm-chunk-period-300')[0]).toContain('covers under 1 %');
  });

  it('rejects a preliminary chunk that only says data are missing', () => {
    expect(reasonsFor('cgm-chunk-missing')).toEqual(['rejected: no value (dataAbsentReason)']);
  });
});
