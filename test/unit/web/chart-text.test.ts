import type { DashboardSeries } from '../../../src/dashboard/contract';
import { categoryAxis, hourText, trendDays } from '../../../web/src/chart-text';

/** The contract's series, as the page has it. */
const series = (s: DashboardSeries): DashboardSeries => s;

const DAY = 86_400_000;
/** 1 Nov 2026, 12:00 UTC: noon, the same calendar day in any time zone from UTC-11 to UTC+11. */
const NOON = Date.UTC(2026, 10, 1, 12);

describe('chart figures in words', () => {
  it('lists a trend by day with its units, and the readings beyond each drawn limit', () => {
    const days = trendDays(
      series({
        id: 'home-bp',
        label: 'Home blood pressure',
        unit: 'mmHg',
        lines: [
          {
            name: 'Systolic',
            points: [
              [NOON, 128],
              [NOON + 60_000, 142.04],
              [NOON + DAY, 131],
            ],
          },
          {
            name: 'Diastolic',
            points: [
              [NOON, 79],
              [NOON + 60_000, 91],
            ],
          },
        ],
        thresholds: [
          {
            value: 130,
            label: 'meloxicam: systolic at or above 130 mmHg raises the alert',
            effect: 'raise',
            applies: { operator: 'greaterThanInclusive', line: 'Systolic' },
          },
          {
            value: 80,
            label: 'meloxicam: diastolic at or above 80 mmHg raises the alert',
            effect: 'raise',
            applies: { operator: 'greaterThanInclusive', line: 'Diastolic' },
          },
        ],
        stale: false,
        maxAgeHours: 72,
      }),
    );
    expect(days).toEqual([
      {
        day: '1 Nov 2026',
        readings: ['128, 142 mmHg', '79, 91 mmHg'],
        beyond: ['systolic at or above 130: 142 mmHg', 'diastolic at or above 80: 91 mmHg'],
      },
      {
        day: '2 Nov 2026',
        readings: ['131 mmHg', 'none'],
        beyond: ['systolic at or above 130: 131 mmHg'],
      },
    ]);
  });

  it('names a range by the readings inside it, and writes hours as the axis does', () => {
    const [day] = trendDays(
      series({
        id: 'resting-heart-rate',
        label: 'Resting heart rate',
        unit: '/min',
        lines: [
          {
            name: 'Resting heart rate',
            points: [
              [NOON, 64],
              [NOON + 1, 70],
            ],
          },
        ],
        thresholds: [
          {
            value: 65,
            label: 'metoprolol: 65–80/min may lower the alert',
            effect: 'lower',
            applies: { operator: 'greaterThanInclusive', upTo: 80 },
          },
          { value: 80, label: 'metoprolol: 65–80/min may lower the alert (upper end)', effect: 'lower' },
        ],
        stale: false,
        maxAgeHours: 72,
      }),
    );
    expect(day?.readings).toEqual(['64, 70/min']);
    expect(day?.beyond).toEqual(['from 65 to 80: 70/min']);
    expect(hourText(0)).toBe('00:00');
    expect(hourText(23 * 60)).toBe('23:00');
  });

  it("keeps a bar chart's category names whole, on an axis wide enough for the longest line", () => {
    // The KPI page at 1280 px: a chart about 480 px wide, names of drug and gene pairs.
    const labels = [
      'clopidogrel / CYP2C19',
      'codeine / CYP2D6',
      'metoprolol / CYP2D6',
      'simvastatin / SLCO1B1',
    ];
    const axis = categoryAxis(labels, 480);
    expect(axis.lines.map((l) => l.join(' '))).toEqual(labels);
    for (const line of axis.lines.flat()) expect(line.length * 7 + 16).toBeLessThanOrEqual(axis.size);
    expect(axis.size).toBeLessThan(480 / 2);
    // Narrow: broken at spaces, never cut.
    const narrow = categoryAxis(['Patient has tolerated this drug before'], 200);
    expect(narrow.lines[0]?.join(' ')).toBe('Patient has tolerated this drug before');
    expect(narrow.lines[0]?.every((l) => l.length <= narrow.chars)).toBe(true);
  });
});
