/**
 * AGP figures (Battelino et al., Diabetes Care 2019) against answers worked out by hand for fixtures built so that
 * the counts are known: each expected value below is stated with its arithmetic, not computed by the module.
 */
import { computeAgp, gmi, percentile, rangeOf } from '../../../src/dashboard/agp';
import type { GlucoseReading } from '../../../src/dashboard/agp';

const MIN = 60_000;
const DAY = 1440 * MIN;
const START = Date.UTC(2026, 10, 1);

/** The value of slot `i` (0..287) of every day: 14 x 50, 14 x 60, 200 x 120, 40 x 200, 20 x 300. */
function valueOfSlot(i: number): number {
  if (i < 14) return 50;
  if (i < 28) return 60;
  if (i < 228) return 120;
  if (i < 268) return 200;
  return 300;
}

/** 14 days of 5-minute readings; on the last day the sensor stops at noon (slots 144..287 missing). */
function fixture(): GlucoseReading[] {
  const out: GlucoseReading[] = [];
  for (let day = 0; day < 14; day += 1) {
    for (let i = 0; i < 288; i += 1) {
      if (day === 13 && i >= 144) continue;
      out.push({ at: START + day * DAY + i * 5 * MIN, minuteOfDay: i * 5, mgdl: valueOfSlot(i) });
    }
  }
  return out;
}

/** Within 0.1 percentage point (or 0.1 of the unit). */
function near(actual: number | undefined, expected: number): void {
  expect(actual).toBeDefined();
  expect(Math.abs((actual ?? Number.NaN) - expected)).toBeLessThanOrEqual(0.1);
}

describe('computeAgp', () => {
  const agp = computeAgp(fixture(), { start: START, end: START + 14 * DAY, intervalMinutes: 5 });

  it('counts readings and sensor use: 14 x 288 - 144 = 3888 of 4032 possible = 96.43 %', () => {
    expect(agp?.readings).toBe(3888);
    expect(agp?.possibleReadings).toBe(4032);
    near(agp?.sensorUsePercent, 96.43);
    expect(agp?.days).toBe(14);
    expect(agp?.daysWithData).toBe(14);
    expect(agp?.sufficient).toBe(true);
  });

  it('gives time in ranges with the 54/70/180/250 cut points', () => {
    // very low 14 x 14 = 196; low 196; in range 14 x 200 - 84 = 2716; high 13 x 40 = 520; very high 13 x 20 = 260.
    near(agp?.timeInRanges.veryLow, 5.04); // 196 / 3888
    near(agp?.timeInRanges.low, 5.04); // 196 / 3888
    near(agp?.timeInRanges.inRange, 69.86); // 2716 / 3888
    near(agp?.timeInRanges.high, 13.37); // 520 / 3888
    near(agp?.timeInRanges.veryHigh, 6.69); // 260 / 3888
  });

  it('gives the mean glucose, GMI and coefficient of variation', () => {
    // (196 x 50 + 196 x 60 + 2716 x 120 + 520 x 200 + 260 x 300) / 3888 = 529480 / 3888 = 136.18 mg/dL
    near(agp?.meanMgdl, 136.18);
    // 3.31 + 0.02392 x 136.18 = 6.57 %
    near(agp?.gmiPercent, 6.57);
    // SD = sqrt(sum n_i (v_i - 136.18)^2 / 3888) = sqrt(12399758 / 3888) = 56.47; CV = 56.47 / 136.18 = 41.47 %
    near(agp?.cvPercent, 41.47);
  });

  it('gives the percentiles by hour of day', () => {
    const first = agp?.profile[0];
    expect(first).toMatchObject({ minute: 0, count: 14 * 12, p5: 50, p50: 50, p95: 50 });
    // Hour 1 (slots 12..23): slots 12, 13 are 50, slots 14..23 are 60 -> per day 2 x 50 and 10 x 60; 168 values.
    // p5 at h = 167 x 0.05 = 8.35 -> 50 (28 values of 50); p25 at h = 41.75 -> 60.
    expect(agp?.profile[1]).toMatchObject({ minute: 60, count: 168, p5: 50, p25: 60, p95: 60 });
    expect(agp?.profile).toHaveLength(24);
  });

  it('is insufficient under 14 days or under 70 % sensor use', () => {
    const thirteen = computeAgp(fixture(), { start: START, end: START + 13 * DAY, intervalMinutes: 5 });
    expect(thirteen?.days).toBe(13);
    expect(thirteen?.sufficient).toBe(false);
    // Every other day missing: 7 days x 288 of 4032 = 50 %.
    const sparse = fixture().filter((r) => Math.floor((r.at - START) / DAY) % 2 === 0);
    const half = computeAgp(sparse, { start: START, end: START + 14 * DAY, intervalMinutes: 5 });
    near(half?.sensorUsePercent, 50);
    expect(half?.sufficient).toBe(false);
  });

  it('counts a repeated reading of the same slot once and ignores readings outside the period', () => {
    const base = fixture().slice(0, 10);
    const agp2 = computeAgp([...base, ...base, { at: START - MIN, minuteOfDay: 1439, mgdl: 400 }], {
      start: START,
      end: START + DAY,
      intervalMinutes: 5,
    });
    expect(agp2?.readings).toBe(10);
    expect(computeAgp([], { start: START, end: START + DAY, intervalMinutes: 5 })).toBeUndefined();
  });
});

describe('percentile (type 7) and the helpers', () => {
  it('interpolates between order statistics', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    // h = 99 p: p5 -> 1 + 4.95 = 5.95, p25 -> 25.75, p50 -> 50.5, p75 -> 75.25, p95 -> 95.05
    expect(percentile(values, 0.05)).toBeCloseTo(5.95, 6);
    expect(percentile(values, 0.25)).toBeCloseTo(25.75, 6);
    expect(percentile(values, 0.5)).toBeCloseTo(50.5, 6);
    expect(percentile(values, 0.75)).toBeCloseTo(75.25, 6);
    expect(percentile(values, 0.95)).toBeCloseTo(95.05, 6);
  });

  it('places the cut points as the consensus writes them', () => {
    expect([53, 54, 69, 70, 180, 181, 250, 251].map(rangeOf)).toEqual([
      'veryLow',
      'low',
      'low',
      'inRange',
      'inRange',
      'high',
      'high',
      'veryHigh',
    ]);
    expect(gmi(154)).toBeCloseTo(6.99, 2); // 3.31 + 0.02392 x 154 = 6.99368
  });
});
