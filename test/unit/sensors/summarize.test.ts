import { SENSOR_METRIC_IDS, summarizeSensors } from '../../../src/sensors';
import { readFixture } from '../../helpers/fixtures';
import { aggregateOf, oximetryNights } from '../../helpers/sensors';
import { researchThreshold } from '../../reference';

const fixture = (name: string): unknown => readFixture('sensors', name);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const AT = '2026-05-15T09:00:00Z';
const atMs = Date.parse(AT);

const metric = aggregateOf;

/** A point Observation `msBefore` the hook time, LOINC-coded, valueQuantity in UCUM. */
function observation(code: string, value: number, unit: string, msBefore: number, id: string) {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code }] },
    effectiveDateTime: new Date(atMs - msBefore).toISOString(),
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  };
}

/** One reading per day on `days` (0 = today), at `hour` hours before the hook time on that day. */
const daily = (
  code: string,
  unit: string,
  days: readonly number[],
  value: (day: number) => number,
  hour = 1,
) => days.map((d) => observation(code, value(d), unit, d * DAY + hour * HOUR, `${code}-${d}-${hour}`));

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * A week of home blood pressure as the vital-signs panel (85354-9 with systolic and diastolic components), one
 * reading 2 h and one 13 h before the hook time each day (AT is 09:00Z: morning and the previous evening).
 */
function homeBpWeek(systolic: (day: number) => number, diastolic: number, device?: string) {
  return range(0, 7).flatMap((d) =>
    [2, 13].map((hoursBefore) => ({
      resourceType: 'Observation',
      id: `bp-${d}-${hoursBefore}`,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
      effectiveDateTime: new Date(atMs - d * DAY - hoursBefore * HOUR).toISOString(),
      ...(device ? { device: { reference: device } } : {}),
      component: [
        {
          code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
          valueQuantity: { value: systolic(d), code: 'mm[Hg]' },
        },
        {
          code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] },
          valueQuantity: { value: diastolic, code: 'mm[Hg]' },
        },
      ],
    })),
  );
}

describe('CGM: two weeks of readings and the CGM IG summary of the same 14 days (fixtures/sensors/cgm-two-weeks.json)', () => {
  interface TwoWeeks {
    readings: { valueSampledData: { data: string } }[];
    summary: {
      code: { coding: { code: string }[] };
      valueQuantity?: { value: number };
      component?: { code: { coding: { code: string }[] }; valueQuantity: { value: number } }[];
    }[];
    device: unknown;
  }
  const data = fixture('cgm-two-weeks.json') as TwoWeeks;
  const stated = new Map<string, number>();
  for (const obs of data.summary) {
    for (const part of [obs, ...(obs.component ?? [])]) {
      const code = part.code.coding[0]?.code;
      if (code !== undefined && part.valueQuantity) stated.set(code, part.valueQuantity.value);
    }
  }
  const state = (code: string): number => stated.get(code) ?? NaN;
  const at = '2026-05-15T09:00:00+02:00';
  const fromReadings = summarizeSensors([...data.readings, data.device], at);
  const fromSummary = summarizeSensors([...data.summary, data.device], at);

  it.each([
    ['cgm-time-in-range', state('97510-2')],
    ['cgm-time-below-54', state('104642-4')],
    ['cgm-time-below-70', state('104642-4') + state('104641-6')],
    ['cgm-time-above-180', state('104640-8') + state('104639-0')],
    ['cgm-time-above-250', state('104639-0')],
    ['cgm-days-worn', state('104636-6')],
    ['cgm-sensor-active', state('104637-4')],
  ] as const)('%s from raw readings equals what the summary Observation states (%d)', (id, expected) => {
    const raw = metric(fromReadings, id);
    const summary = metric(fromSummary, id);
    expect(raw.value).toBeCloseTo(expected, 3);
    expect(summary.value).toBeCloseTo(expected, 3);
    expect(raw).toMatchObject({
      status: 'sufficient',
      basis: 'readings',
      devices: ['Dexcom G7'],
      sourceCount: 14,
    });
    expect(summary).toMatchObject({
      status: 'sufficient',
      basis: 'summary-observation',
      devices: ['Dexcom G7'],
    });
  });

  it('computes mean glucose, GMI and CV from the readings', () => {
    const values = data.readings.flatMap((r) => r.valueSampledData.data.split(' ').map(Number));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
    expect(metric(fromReadings, 'cgm-mean-glucose').value).toBeCloseTo(mean, 3);
    // GMI (%) = 3.31 + 0.02392 × mean glucose in mg/dL (research §2.3 R8)
    const gmi = researchThreshold('R8.gmi-intercept') + researchThreshold('R8.gmi-slope') * mean;
    expect(metric(fromReadings, 'cgm-gmi').value).toBeCloseTo(gmi, 3);
    expect(metric(fromReadings, 'cgm-cv').value).toBeCloseTo((100 * sd) / mean, 3);
  });

  it('counts level-2 hypoglycaemia events (runs of ≥ 15 min below 54 mg/dL) from readings only', () => {
    // Each day's data has runs of three consecutive 5-minute readings below 54 (= 15 minutes).
    const runs = data.readings
      .map((r) => (r.valueSampledData.data.match(/(?:^|\s)50 50 50(?=\s|$)/g) ?? []).length)
      .reduce((a, b) => a + b, 0);
    expect(metric(fromReadings, 'cgm-level2-hypoglycaemia-events')).toMatchObject({
      value: runs,
      status: 'sufficient',
    });
    expect(metric(fromSummary, 'cgm-level2-hypoglycaemia-events').status).toBe('insufficient');
  });

  it('labels the same readings stale when the hook is more than 14 days after the last one', () => {
    const late = summarizeSensors(data.readings, '2026-06-01T09:00:00+02:00');
    const tir = metric(late, 'cgm-time-in-range');
    expect(tir.status).toBe('stale');
    expect(tir.value).toBeCloseTo(state('97510-2'), 3);
    expect(tir.reasons[0]).toContain('older than 14 days');
  });

  it('does not use a summary whose period is not about 14 days (a 30-day figure is never rescaled)', () => {
    const thirtyDays = data.summary.map((o) => ({
      ...o,
      effectivePeriod: { start: '2026-04-15', end: '2026-05-14' },
    }));
    const tir = metric(summarizeSensors(thirtyDays, at), 'cgm-time-in-range');
    expect(tir.value).toBeUndefined();
    expect(tir.status).toBe('insufficient');
  });

  it('labels 9 days of readings insufficient with the wear reason', () => {
    const nineDays = summarizeSensors(data.readings.slice(5), at);
    const tir = metric(nineDays, 'cgm-time-in-range');
    expect(tir.status).toBe('insufficient');
    expect(tir.reasons).toContain('CGM worn on 9 of 14 days; needs 14');
  });
});

describe('CGM with E/L/U markers (fixtures/sensors/cgm-sampled-data.json)', () => {
  // hddt-cgm-chunk data: '100 102 E 98 L L 45 E U 180 181 70' with lowerLimit 40, upperLimit 400 mg/dL.
  const [chunk] = fixture('cgm-sampled-data.json') as unknown[];
  const summary = summarizeSensors([chunk], '2026-05-14T12:00:00+02:00');

  it('counts L and U readings in the range shares and leaves E out', () => {
    // 10 usable readings: below 54 are L, L, 45; below 70 the same; above 250 is U; 70–180 are 100 102 98 180 70.
    expect(metric(summary, 'cgm-time-below-54').value).toBeCloseTo(30, 6);
    expect(metric(summary, 'cgm-time-below-70').value).toBeCloseTo(30, 6);
    expect(metric(summary, 'cgm-time-above-250').value).toBeCloseTo(10, 6);
    expect(metric(summary, 'cgm-time-in-range').value).toBeCloseTo(50, 6);
    expect(metric(summary, 'cgm-time-in-range').sampleCount).toBe(10);
  });

  it('leaves censored readings out of the mean and labels 12 minutes of data insufficient', () => {
    expect(metric(summary, 'cgm-mean-glucose').value).toBeCloseTo(
      (100 + 102 + 98 + 45 + 180 + 181 + 70) / 7,
      3,
    );
    expect(metric(summary, 'cgm-time-in-range').status).toBe('insufficient');
  });
});

describe('resting heart rate (7 d, ≥ 4 days, newest ≤ 72 h)', () => {
  it('is the median of daily values when 5 of 7 days have one', () => {
    const obs = daily('40443-4', '/min', [0, 1, 2, 4, 6], (d) => 52 + d * 2);
    const rhr = metric(summarizeSensors(obs, AT), 'resting-heart-rate');
    expect(rhr).toMatchObject({
      value: 56,
      unit: '/min',
      status: 'sufficient',
      daysWithData: 5,
      sourceCount: 5,
    });
    expect(rhr.newestSample).toBe(new Date(atMs - HOUR).toISOString());
  });

  it('counts at most the window’s 7 days: a window of 7 × 24 h ending mid-morning touches 8 calendar days', () => {
    // A daily value every morning of the week, and one at noon on the day the window starts (3 h after its start).
    const obs = [
      ...daily('40443-4', '/min', range(0, 7), () => 55),
      ...daily('40443-4', '/min', [7], () => 55, -3),
    ];
    const rhr = metric(summarizeSensors(obs, AT), 'resting-heart-rate');
    // The eight readings are all in the window ("8 of 7 days with data" is what a card said before).
    expect(rhr).toMatchObject({ status: 'sufficient', sampleCount: 8, daysWithData: 7, coverage: 1 });
  });

  it('is insufficient on 3 days', () => {
    const rhr = metric(
      summarizeSensors(
        daily('40443-4', '/min', [0, 1, 2], () => 50),
        AT,
      ),
      'resting-heart-rate',
    );
    expect(rhr.status).toBe('insufficient');
    expect(rhr.reasons).toEqual(['resting heart rate on 3 of 7 days; needs ≥ 4']);
  });

  it('is stale when the newest value is 4 days old, and still shows the value', () => {
    const rhr = metric(
      summarizeSensors(
        daily('40443-4', '/min', range(4, 11), () => 48),
        AT,
      ),
      'resting-heart-rate',
    );
    expect(rhr).toMatchObject({ status: 'stale', value: 48 });
    expect(rhr.reasons[0]).toContain('older than 72 h');
  });

  it('falls back to the lowest 5-minute median of days with ≥ 4 h of heart-rate samples', () => {
    // 4 days × 5 hours of one sample per 10 minutes; each day has one 5-minute slot at 47, the rest at 70.
    const obs = range(0, 4).flatMap((d) =>
      range(0, 30).map((i) =>
        observation('8867-4', i === 7 ? 47 : 70, '/min', d * DAY + 2 * HOUR + i * 600_000, `hr-${d}-${i}`),
      ),
    );
    expect(metric(summarizeSensors(obs, AT), 'resting-heart-rate')).toMatchObject({
      value: 47,
      status: 'sufficient',
    });
  });

  it('uses a weekly Physical Activity IG aggregate when daily values are missing', () => {
    const weekly = {
      ...observation('40443-4', 61, '/min', 0, 'weekly'),
      effectiveDateTime: undefined,
      effectivePeriod: {
        start: new Date(atMs - 7 * DAY).toISOString(),
        end: new Date(atMs - HOUR).toISOString(),
      },
    };
    expect(metric(summarizeSensors([weekly], AT), 'resting-heart-rate')).toMatchObject({
      value: 61,
      status: 'sufficient',
      basis: 'summary-observation',
    });
  });

  it('a weekly aggregate counts the days its period covers (PA IG: start and end as dates, the end inclusive)', () => {
    const week = {
      ...observation('40443-4', 52, '/min', 0, 'weekly-dates'),
      effectiveDateTime: undefined,
      effectivePeriod: {
        start: new Date(atMs - 7 * DAY).toISOString().slice(0, 10),
        end: new Date(atMs).toISOString().slice(0, 10),
      },
    };
    const rhr = metric(summarizeSensors([week], AT), 'resting-heart-rate');
    // 8 calendar days as written; the old code said "0 of 8 days with data" beside the value it acted on.
    expect(rhr).toMatchObject({ value: 52, basis: 'summary-observation', daysWithData: 8 });
  });
});

describe('other windows', () => {
  it('heart-rate change: 7-day median versus the 28 days before', () => {
    const obs = [
      ...daily('8867-4', '/min', range(0, 7), () => 80),
      ...daily('8867-4', '/min', range(8, 35), () => 60),
    ];
    const change = metric(summarizeSensors(obs, AT), 'heart-rate-change');
    expect(change).toMatchObject({ value: 20, status: 'sufficient', baseline: { value: 60 } });
  });

  it('low heart rate events are counted over 7 days', () => {
    const structural = fixture('structural-patterns.json');
    const events = metric(
      summarizeSensors([structural], '2026-05-15T09:00:00+02:00'),
      'low-heart-rate-events',
    );
    expect(events).toMatchObject({ value: 1, status: 'sufficient' });
  });

  it('home blood pressure: mean and count with provenance; morning-only readings are insufficient', () => {
    const readings = homeBpWeek((d) => 130 + d, 80, 'Device/cuff-1');
    const cuff = { resourceType: 'Device', id: 'cuff-1', manufacturer: 'Omron', modelNumber: 'BP7450' };
    const summary = summarizeSensors([...readings, cuff], AT);
    // AT is 09:00Z: 2 h before is morning, 13 h before is the previous evening (UTC).
    expect(metric(summary, 'home-bp-systolic')).toMatchObject({
      value: 133, // mean of 130..136, each twice
      status: 'sufficient',
      devices: ['Omron BP7450'],
      sourceCount: 14,
    });
    expect(metric(summary, 'home-bp-diastolic').value).toBe(80);
    // Asked for the blood-pressure metrics only, as a hook asks for what its rules read: the panels are read for their
    // components all the same (they were skipped as a concept no wanted metric names, and the NSAID rule saw no data).
    const asked = summarizeSensors([...readings, cuff], AT, {
      metrics: ['home-bp-systolic', 'home-bp-diastolic'],
    });
    expect(asked.metrics.map((m) => [m.metric, m.status, m.value])).toEqual([
      ['home-bp-systolic', 'sufficient', 133],
      ['home-bp-diastolic', 'sufficient', 80],
    ]);
    const morningOnly = summarizeSensors(
      readings.filter((r) => r.id.endsWith('-2')),
      AT,
    );
    expect(metric(morningOnly, 'home-bp-systolic').reasons).toEqual([
      '7 readings in 7 days; needs ≥ 12',
      'needs both morning and evening readings',
    ]);
  });

  it('SpO2: minimum and share below 90 % over nights with ≥ 4 h of data', () => {
    const obs = range(1, 4).flatMap((d) =>
      range(0, 5).map((h) =>
        // 02:00–06:00 UTC: inside the night (22:00–07:59) on the clock the readings give.
        observation('59408-5', d === 1 && h === 0 ? 88 : 95, '%', d * DAY + (h + 3) * HOUR, `o-${d}-${h}`),
      ),
    );
    const summary = summarizeSensors(obs, AT);
    expect(metric(summary, 'spo2-minimum')).toMatchObject({ value: 88, status: 'sufficient' });
    expect(metric(summary, 'spo2-below-90-share').value).toBeCloseTo(100 / 15, 3);
    const sparse = summarizeSensors(obs.slice(0, 10), AT);
    expect(metric(sparse, 'spo2-minimum').status).toBe('insufficient');
  });

  it('SpO2 counts night-time readings only (research §2.2 R6 "nocturnal"): daytime readings are left out', () => {
    // Every hour for 4 days, written with the patient's offset: 85 % in the afternoons (an exercise artefact), 96 %
    // at night (22:00–07:59 local).
    const readings = range(0, 96).map((h) => {
      const instant = atMs - h * HOUR;
      const localHour = new Date(instant - 5 * HOUR).getUTCHours(); // -05:00
      const value = localHour >= 12 && localHour < 18 ? 85 : 96;
      return {
        ...observation('59408-5', value, '%', h * HOUR, `spo2-${h}`),
        effectiveDateTime: new Date(instant - 5 * HOUR).toISOString().replace('.000Z', '-05:00'),
      };
    });
    const summary = summarizeSensors(readings, AT);
    expect(metric(summary, 'spo2-minimum')).toMatchObject({ value: 96, status: 'sufficient' });
    expect(metric(summary, 'spo2-below-90-share').value).toBe(0);
    expect(metric(summary, 'spo2-minimum').localTimeUnknown).toBeUndefined();
  });

  it('SpO2: six nights recorded by an oximeter as SampledData, one reading a second (172,800 readings)', () => {
    // The 30 minutes from 03:00 of the third night read 87 %. More readings than a spread may pass to Math.min: this
    // once answered 500.
    const nights = oximetryNights(atMs, 6, (night, s) =>
      night === 3 && s >= 3 * 3600 && s < 3.5 * 3600 ? 87 : 95,
    );
    const summary = summarizeSensors(nights, AT);
    expect(metric(summary, 'spo2-minimum')).toMatchObject({ value: 87, status: 'sufficient' });
    // 1,800 of 172,800 readings below 90 %.
    expect(metric(summary, 'spo2-below-90-share').value).toBeCloseTo((100 * 1800) / 172_800, 3);
  });

  it('daily steps: hourly counts summed per day; change versus the 28-day baseline', () => {
    const hourly = (days: number[], perHour: number) =>
      days.flatMap((d) =>
        range(0, 10).map((h) =>
          observation('55423-8', perHour, '{steps}', d * DAY + h * HOUR, `s-${d}-${h}`),
        ),
      );
    const obs = [...hourly(range(0, 14), 500), ...hourly(range(15, 42), 1000)];
    const summary = summarizeSensors(obs, AT);
    expect(metric(summary, 'daily-steps')).toMatchObject({ value: 5000, unit: '/d', status: 'sufficient' });
    expect(metric(summary, 'steps-change')).toMatchObject({
      value: -50,
      status: 'sufficient',
      baseline: { value: 10000 },
    });
  });

  it('daily steps: a date-only daily total counts on its day, including the day of the hook', () => {
    const days = range(0, 10).map((d) => ({
      ...observation('41950-7', 6000 + 100 * d, '{steps}', 0, `day-${d}`),
      effectiveDateTime: new Date(atMs - d * DAY).toISOString().slice(0, 10),
    }));
    // median of 6000, 6100, …, 6900
    expect(metric(summarizeSensors(days, AT), 'daily-steps')).toMatchObject({
      value: 6450,
      daysWithData: 10,
      status: 'sufficient',
    });
  });

  it('sleep: insufficient on fewer than 10 of 14 nights', () => {
    const sleep = metric(
      summarizeSensors(
        daily('93832-4', 'h', range(0, 9), () => 7),
        AT,
      ),
      'sleep-duration',
    );
    expect(sleep).toMatchObject({
      value: 7,
      status: 'insufficient',
      reasons: ['data on 9 of 14 days; needs ≥ 10'],
    });
  });

  it('QTc: latest and change within 30 days', () => {
    const obs = [
      observation('8636-3', 440, 'ms', 20 * DAY, 'q1'),
      observation('8636-3', 505, 'ms', DAY, 'q2'),
    ];
    const summary = summarizeSensors(obs, AT);
    expect(metric(summary, 'qtc-latest')).toMatchObject({ value: 505, status: 'sufficient' });
    expect(metric(summary, 'qtc-change')).toMatchObject({
      value: 65,
      status: 'sufficient',
      baseline: { value: 440 },
    });
  });

  it('INR older than 7 days is stale', () => {
    const inr = metric(
      summarizeSensors([observation('34714-6', 3.1, '{INR}', 9 * DAY, 'inr')], AT),
      'inr-latest',
    );
    expect(inr).toMatchObject({ value: 3.1, status: 'stale' });
  });

  it('reports every metric as absent without data', () => {
    const summary = summarizeSensors([], AT);
    expect(summary.metrics.length).toBeGreaterThan(0);
    expect(summary.metrics.every((m) => m.status === 'absent' && m.value === undefined)).toBe(true);
  });
});

describe('consent (fixtures/sensors/consents.json)', () => {
  const consents = fixture('consents.json') as Record<string, unknown>;
  const hr = daily('40443-4', '/min', range(0, 7), () => 60);

  it('empties the summary with the reason when a Consent denies device data', () => {
    const summary = summarizeSensors([...hr, consents.denyDeviceData], AT);
    expect(summary.metrics).toEqual([]);
    expect(summary.notes).toEqual(['Consent/deny-pghd denies use of device/patient-generated data']);
  });

  it.each(['denyAllPermitObservations', 'researchOptOut', 'inactiveDenial', 'expiredDenial'])(
    'does not empty the summary for %s',
    (name) => {
      const summary = summarizeSensors([...hr, consents[name]], AT);
      expect(metric(summary, 'resting-heart-rate').status).toBe('sufficient');
    },
  );
});

describe('bad input', () => {
  it('never throws on junk and says what it ignored', () => {
    const junk: unknown[] = [
      null,
      1,
      'x',
      {},
      { resourceType: 'OperationOutcome' },
      { resourceType: 'Observation' },
    ];
    const summary = summarizeSensors(junk, AT);
    expect(summary.notes).toEqual(['4 items that are not FHIR resources were ignored']);
    expect(summary.dataQuality).toEqual([
      { kind: 'ignored', reason: 'code not in the sensor catalogue', count: 1, sources: ['resources[1]'] },
    ]);
    expect(() => summarizeSensors(null as unknown as unknown[], AT)).not.toThrow();
  });

  it('returns an empty summary for an invalid hook time', () => {
    expect(summarizeSensors([], 'not a date')).toMatchObject({
      metrics: [],
      notes: [expect.stringContaining('not a valid date')],
    });
  });
});

describe('asking for some metrics', () => {
  it('gives each metric asked for exactly what asking for every metric gives, for every shape of the fixtures', () => {
    // Every sensor fixture at once (readings, panels, SampledData, the CGM IG summary panel, unit variants), plus a
    // week of home blood pressure as vital-signs panels: a hook asks only for the metrics its rules read, and the
    // shortcut that reads only their concepts once lost the blood-pressure panels (an NSAID rule saw no data).
    const twoWeeks = fixture('cgm-two-weeks.json') as {
      readings: unknown[];
      summary: unknown[];
      device: unknown;
    };
    const bpPanels = homeBpWeek((d) => 128 + d, 82);
    const entries = (name: string): unknown[] =>
      ((fixture(name) as { entry?: { resource: unknown }[] }).entry ?? []).map((e) => e.resource);
    const resources = [
      ...twoWeeks.readings,
      ...twoWeeks.summary,
      twoWeeks.device,
      ...entries('structural-patterns.json'),
      ...entries('unit-variants.json'),
      ...(fixture('cgm-sampled-data.json') as unknown[]),
      ...bpPanels,
      ...daily('40443-4', '/min', range(0, 7), (d) => 52 + d),
      // The shapes of the metric tests above: QTc, SpO2 nights as SampledData, hourly steps, nightly sleep, INR, and
      // night-time respiratory rate.
      observation('8636-3', 440, 'ms', 20 * DAY, 'qtc-1'),
      observation('8636-3', 505, 'ms', DAY, 'qtc-2'),
      ...oximetryNights(atMs, 4, (night, second) => (night === 2 && second < 600 ? 88 : 95)),
      ...range(0, 35).flatMap((d) =>
        [9, 12, 15].map((h) => observation('55423-8', 400, '{steps}', d * DAY + h * HOUR, `steps-${d}-${h}`)),
      ),
      ...daily('93832-4', 'h', range(0, 30), (d) => 6 + (d % 3)),
      observation('34714-6', 3.1, '{INR}', 2 * DAY, 'inr-1'),
      ...range(1, 5).flatMap((d) =>
        [4, 5, 6, 7, 8].map((h) => observation('9279-1', 12, '/min', d * DAY + h * HOUR, `rr-${d}-${h}`)),
      ),
    ];
    // And CGM known only from the CGM IG's summary (its time-in-ranges panel among it), as some portals send it.
    const summaryOnly = [...twoWeeks.summary, twoWeeks.device];
    for (const [set, expectedWithData] of [
      [resources, 10],
      [summaryOnly, 4],
    ] as const) {
      const all = summarizeSensors(set, AT);
      // The data cover enough metrics for the comparison to say something.
      expect(all.metrics.filter((m) => m.status !== 'absent').length).toBeGreaterThanOrEqual(
        expectedWithData,
      );
      for (const id of SENSOR_METRIC_IDS) {
        const one = summarizeSensors(set, AT, { metrics: [id] });
        expect([id, one.metrics]).toEqual([id, all.metrics.filter((m) => m.metric === id)]);
      }
    }
  });
});
