/**
 * The sensor policy: per metric, the window, freshness and sufficiency limits `summarizeSensors` applies
 * (`options.policy`), and the metrics it computes (`options.metrics`). Default numbers are checked against the research
 * note (knowledge/sensor-thresholds.json via test/reference); changed numbers must change the computation.
 */
import {
  DEFAULT_SENSOR_POLICY,
  SENSOR_METRIC_IDS,
  summarizeSensors,
  type MetricPolicy,
  type SensorAggregate,
  type SensorMetricId,
} from '../../../src/sensors';
import { readFixture } from '../../helpers/fixtures';
import { aggregateOf } from '../../helpers/sensors';
import { sensorThreshold } from '../../reference';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const AT = '2026-05-15T09:00:00Z';
const atMs = Date.parse(AT);

const metric = aggregateOf;

const windowDays = (m: SensorAggregate): number =>
  (Date.parse(m.window.end) - Date.parse(m.window.start)) / DAY;

/** One LOINC-coded reading per day on `days` (0 = today), `hoursBefore` the hook time on that day. */
const daily = (
  code: string,
  unit: string,
  days: readonly number[],
  value: (day: number) => number,
  hoursBefore = 1,
) =>
  days.map((d) => ({
    resourceType: 'Observation',
    id: `${code}-${String(d)}-${String(hoursBefore)}`,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code }] },
    effectiveDateTime: new Date(atMs - d * DAY - hoursBefore * HOUR).toISOString(),
    valueQuantity: { value: value(d), unit, system: 'http://unitsofmeasure.org', code: unit },
  }));

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

const withLimits = (id: SensorMetricId, change: Partial<MetricPolicy>) => ({
  [id]: { ...DEFAULT_SENSOR_POLICY[id], ...change },
});

describe("DEFAULT_SENSOR_POLICY: the research note's numbers (§2.4)", () => {
  /** The note's number in the policy's unit: days for windows and day counts, hours for age, 0..1 for coverage. */
  const note = (id: string, field: keyof MetricPolicy): number => {
    const { value, unit } = sensorThreshold(id);
    if (field === 'maxAgeHours') return unit === 'd' ? value * 24 : value;
    if (field === 'minCoverage') return value / 100;
    return value;
  };
  const rows: readonly [readonly SensorMetricId[], Partial<Record<keyof MetricPolicy, string>>][] = [
    [
      ['resting-heart-rate'],
      { windowDays: 'resting-hr.window', minDays: 'resting-hr.min-days', maxAgeHours: 'resting-hr.max-age' },
    ],
    [
      ['heart-rate-change'],
      { windowDays: 'hr-change.window', minDays: 'hr-change.min-days', maxAgeHours: 'hr-change.max-age' },
    ],
    [['low-heart-rate-events'], { windowDays: 'R1.low-hr-events-window' }],
    [
      ['spo2-minimum', 'spo2-below-90-share', 'respiratory-rate'],
      { windowDays: 'nocturnal.window', minDays: 'nocturnal.min-nights', maxAgeHours: 'nocturnal.max-age' },
    ],
    [
      ['home-bp-systolic', 'home-bp-diastolic'],
      {
        windowDays: 'home-bp.window',
        minDays: 'home-bp.min-days',
        minReadings: 'home-bp.min-readings',
        maxAgeHours: 'home-bp.max-age',
      },
    ],
    // R7 "any reading ≥ 180/120": the home-BP window and age of §2.4, no count of readings or days.
    [
      ['home-bp-systolic-highest', 'home-bp-diastolic-highest'],
      { windowDays: 'home-bp.window', maxAgeHours: 'home-bp.max-age' },
    ],
    [
      SENSOR_METRIC_IDS.filter((id) => id.startsWith('cgm-') && id !== 'cgm-level2-hypoglycaemia-events'),
      {
        windowDays: 'cgm.window',
        minDays: 'cgm.min-days',
        minCoverage: 'cgm.coverage',
        maxAgeHours: 'cgm.max-age',
      },
    ],
    [
      ['cgm-level2-hypoglycaemia-events'],
      { windowDays: 'cgm-event.window', maxAgeHours: 'cgm-event.max-age' },
    ],
    [['qtc-latest'], { windowDays: 'qtc.window', minReadings: 'qtc.min-values', maxAgeHours: 'qtc.max-age' }],
    [
      ['qtc-change'],
      { windowDays: 'qtc.window', minReadings: 'qtc.persistent-values', maxAgeHours: 'qtc.max-age' },
    ],
    [
      ['daily-steps', 'steps-change', 'sleep-duration', 'sleep-change'],
      {
        windowDays: 'steps-sleep.window',
        minDays: 'steps-sleep.min-days',
        maxAgeHours: 'steps-sleep.max-age',
      },
    ],
    [['inr-latest'], { windowDays: 'R9.max-age', maxAgeHours: 'R9.max-age' }],
  ];

  it.each(rows)('%j', (ids, sources) => {
    for (const id of ids) {
      for (const [field, source] of Object.entries(sources) as [keyof MetricPolicy, string][]) {
        expect([id, field, DEFAULT_SENSOR_POLICY[id][field]]).toEqual([id, field, note(source, field)]);
      }
    }
  });

  it('covers every metric id', () => {
    expect(rows.flatMap(([ids]) => ids).sort()).toEqual([...SENSOR_METRIC_IDS].sort());
  });
});

describe('options.policy', () => {
  const fiveDays = daily('40443-4', '/min', [0, 1, 2, 4, 6], (d) => 52 + d * 2);

  it('is the default policy when omitted', () => {
    expect(summarizeSensors(fiveDays, AT, { policy: DEFAULT_SENSOR_POLICY })).toEqual(
      summarizeSensors(fiveDays, AT),
    );
  });

  it("applies a metric's own minimum days, with the numbers in the reason", () => {
    const strict = summarizeSensors(fiveDays, AT, {
      policy: withLimits('resting-heart-rate', { minDays: 6 }),
    });
    expect(metric(strict, 'resting-heart-rate')).toMatchObject({
      value: 56,
      status: 'insufficient',
      reasons: ['resting heart rate on 5 of 7 days; needs ≥ 6'],
    });
  });

  it('applies limits a family does not phrase itself (readings, coverage) generically', () => {
    const summary = summarizeSensors(fiveDays, AT, {
      policy: withLimits('resting-heart-rate', { minReadings: 6, minCoverage: 0.8 }),
    });
    // 5 daily values in 7 days cover 5/7 = 71.4 % of the window.
    expect(metric(summary, 'resting-heart-rate').reasons).toEqual([
      '5 readings in 7 days; needs ≥ 6',
      'data cover 71.4 % of 7 days; needs ≥ 80 %',
    ]);
  });

  it("applies a metric's own freshness limit", () => {
    const summary = summarizeSensors(fiveDays, AT, {
      policy: withLimits('resting-heart-rate', { maxAgeHours: 0.5 }),
    });
    const rhr = metric(summary, 'resting-heart-rate');
    expect(rhr.status).toBe('stale');
    expect(rhr.reasons[0]).toContain('is older than 0.5 h');
  });

  it('a longer window changes the value, the window and the days counted', () => {
    const twoWeeks = daily('40443-4', '/min', range(0, 14), (d) => (d < 7 ? 50 : 70));
    const seven = metric(summarizeSensors(twoWeeks, AT), 'resting-heart-rate');
    const fourteen = metric(
      summarizeSensors(twoWeeks, AT, { policy: withLimits('resting-heart-rate', { windowDays: 14 }) }),
      'resting-heart-rate',
    );
    expect([seven.value, windowDays(seven), seven.daysWithData]).toEqual([50, 7, 7]);
    // median of seven 50s and seven 70s
    expect([fourteen.value, windowDays(fourteen), fourteen.daysWithData]).toEqual([60, 14, 14]);
  });

  it('computes one family per distinct policy: two metrics of the SpO2 family over two windows', () => {
    // 5 hourly readings a day for 14 days: 85 % the week before, 95 % this week.
    const spo2 = range(1, 6).flatMap((h) =>
      daily('59408-5', '%', range(0, 14), (d) => (d >= 7 ? 85 : 95), h),
    );
    const summary = summarizeSensors(spo2, AT, { policy: withLimits('spo2-minimum', { windowDays: 14 }) });
    expect([metric(summary, 'spo2-minimum').value, windowDays(metric(summary, 'spo2-minimum'))]).toEqual([
      85, 14,
    ]);
    expect([
      metric(summary, 'spo2-below-90-share').value,
      windowDays(metric(summary, 'spo2-below-90-share')),
    ]).toEqual([0, 7]);
    // The aggregates keep the family's order.
    const ids = summary.metrics.map((m) => m.metric);
    expect(ids.indexOf('spo2-minimum')).toBe(ids.indexOf('spo2-below-90-share') - 1);
  });

  it('a CGM level-2 event count of 0 stands on the data present by default, and follows a wear limit when given', () => {
    interface Reading {
      valueSampledData: { data: string };
    }
    const { readings } = readFixture('sensors', 'cgm-two-weeks.json') as { readings: Reading[] };
    // 9 of the 14 days, with the runs below 54 mg/dL lifted to 60: no level-2 event in the data.
    const nineDaysNoEvents = readings.slice(5).map((r) => ({
      ...r,
      valueSampledData: { ...r.valueSampledData, data: r.valueSampledData.data.replace(/\b50\b/g, '60') },
    }));
    const at = '2026-05-15T09:00:00+02:00';
    const events = 'cgm-level2-hypoglycaemia-events';
    expect(metric(summarizeSensors(nineDaysNoEvents, at), events)).toMatchObject({
      value: 0,
      status: 'sufficient',
    });
    const worn = summarizeSensors(nineDaysNoEvents, at, {
      policy: withLimits(events, { minDays: 14, minCoverage: 0.7 }),
    });
    expect(metric(worn, events)).toMatchObject({ value: 0, status: 'insufficient' });
    expect(metric(worn, events).reasons).toContain('CGM worn on 9 of 14 days; needs 14');
    // The range metrics keep the default wear limit either way.
    expect(metric(worn, 'cgm-time-below-70').reasons).toContain('CGM worn on 9 of 14 days; needs 14');
  });
});

describe('options.metrics', () => {
  it("computes only the metrics asked for, in the summary's order", () => {
    const summary = summarizeSensors([], AT, { metrics: ['inr-latest', 'resting-heart-rate'] });
    expect(summary.metrics.map((m) => m.metric)).toEqual(['resting-heart-rate', 'inr-latest']);
  });

  it('computes nothing for an empty list, and every metric by default', () => {
    expect(summarizeSensors([], AT, { metrics: [] }).metrics).toEqual([]);
    expect(
      summarizeSensors([], AT)
        .metrics.map((m) => m.metric)
        .sort(),
    ).toEqual([...SENSOR_METRIC_IDS].sort());
  });

  it('gives the same aggregate for a metric as a full summary', () => {
    const hr = daily('40443-4', '/min', range(0, 7), () => 58);
    expect(summarizeSensors(hr, AT, { metrics: ['resting-heart-rate'] }).metrics).toEqual([
      metric(summarizeSensors(hr, AT), 'resting-heart-rate'),
    ]);
  });

  it('reads only the Observations the metrics asked for need', () => {
    const hr = daily('40443-4', '/min', range(0, 7), () => 58);
    // A CGM reading in a unit no conversion fits: a full summary reports it, a resting-HR one never reads it.
    const glucose = daily('99504-3', '[stone_av]', [0], () => 5);
    const full = summarizeSensors([...hr, ...glucose], AT);
    const restingOnly = summarizeSensors([...hr, ...glucose], AT, { metrics: ['resting-heart-rate'] });
    expect(full.dataQuality).not.toEqual([]);
    expect(restingOnly.dataQuality).toEqual([]);
    expect(restingOnly.metrics).toEqual([metric(full, 'resting-heart-rate')]);
  });
});
