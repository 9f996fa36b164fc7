import { trendColumns } from '../../../web/src/trend';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 1 Nov 2026, 07:00 UTC: a watch's morning resting-heart-rate summary. */
const START = Date.UTC(2026, 10, 1, 7);

describe('trend chart columns', () => {
  it('joins daily readings and breaks the line over days without one', () => {
    // Readings on 1, 2 and 3 Nov, none on 4 and 5 Nov, then 6 Nov: a watch left on its charger.
    const days = [0, 1, 2, 5];
    const { times, columns } = trendColumns(
      [{ points: days.map((d): [number, number] => [START + d * DAY, 55 + d]) }],
      'UTC',
    );
    // One time added inside the break (4 Nov, 19:00), so the line has somewhere to stop.
    expect(times).toEqual([START, START + DAY, START + 2 * DAY, START + 3.5 * DAY, START + 5 * DAY]);
    expect(columns).toEqual([[55, 56, 57, null, 60]]);
  });

  it('breaks over one missed day whatever the hours of the readings either side', () => {
    // Sleep ending 23:00 on 1 Nov, then 01:00 on 3 Nov: 26 hours apart, but no reading on 2 Nov.
    const late = Date.UTC(2026, 10, 1, 23);
    const { columns } = trendColumns(
      [
        {
          points: [
            [late, 7.1],
            [late + 26 * HOUR, 6.4],
          ],
        },
      ],
      'UTC',
    );
    expect(columns).toEqual([[7.1, null, 6.4]]);
  });

  it('joins readings on consecutive days however far apart their hours', () => {
    // Steps synced at 00:30 on 1 Nov, then 23:30 on 2 Nov: 47 hours apart, on consecutive days.
    const early = Date.UTC(2026, 10, 1, 0, 30);
    const { columns } = trendColumns(
      [
        {
          points: [
            [early, 3200],
            [early + 47 * HOUR, 4100],
          ],
        },
      ],
      'UTC',
    );
    expect(columns).toEqual([[3200, 4100]]);
  });

  it("counts days in the reader's time zone", () => {
    // Readings 30 hours apart: 07:00 on 1 Nov and 13:00 on 2 Nov in UTC, consecutive days; in Auckland (UTC+13) 20:00
    // on 1 Nov and 02:00 on 3 Nov, with 2 Nov between them unread.
    const points: [number, number][] = [
      [START, 60],
      [START + 30 * HOUR, 58],
    ];
    expect(trendColumns([{ points }], 'UTC').columns).toEqual([[60, 58]]);
    expect(trendColumns([{ points }], 'Pacific/Auckland').columns).toEqual([[60, null, 58]]);
  });

  it("passes over another line's readings and stops across its own break", () => {
    // Home blood pressure: systolic read every day; diastolic missing on 2 to 4 Nov (a cuff that saved one figure).
    const systolic = [0, 1, 2, 3, 4].map((d): [number, number] => [START + d * DAY, 130 + d]);
    const diastolic: [number, number][] = [
      [START, 80],
      [START + 4 * DAY, 84],
    ];
    const { times, columns } = trendColumns([{ points: systolic }, { points: diastolic }], 'UTC');
    expect(times).toEqual(systolic.map((p) => p[0]));
    // Systolic is whole; diastolic's span holds systolic's times, all left undrawn for diastolic.
    expect(columns).toEqual([
      [130, 131, 132, 133, 134],
      [80, null, null, null, 84],
    ]);
  });

  it("does not break a line at another line's reading, and reads points in any order", () => {
    const { times, columns } = trendColumns(
      [
        {
          points: [
            [START + DAY + 2 * HOUR, 3],
            [START, 1],
            [START + DAY, 2],
          ],
        },
        {
          points: [
            [START, 9],
            [START + DAY + 2 * HOUR, 7],
          ],
        },
      ],
      'UTC',
    );
    expect(times).toEqual([START, START + DAY, START + DAY + 2 * HOUR]);
    // The second line's readings are on consecutive days: joined, passing over the first line's middle reading.
    expect(columns).toEqual([
      [1, 2, 3],
      [9, undefined, 7],
    ]);
  });

  it('has no times and no values for a line without readings', () => {
    expect(trendColumns([{ points: [] }])).toEqual({ times: [], columns: [[]] });
  });
});
