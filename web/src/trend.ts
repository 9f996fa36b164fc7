/**
 * The columns of a trend chart: each line's readings on one time axis shared by all its lines, with the line broken
 * over any day without a reading. A line drawn straight across days without a reading shows values nobody measured;
 * the figures table under the chart lists the readings themselves.
 */

/**
 * The day a time falls on in `timeZone` (default: the reader's, as the chart's axis counts days), as a count of days:
 * two readings are on consecutive days when their counts differ by one.
 */
function dayCounter(timeZone?: string): (ms: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    ...(timeZone ? { timeZone } : {}),
  });
  return (ms) => {
    const parts = format.formatToParts(new Date(ms));
    const part = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
    return Date.UTC(part('year'), part('month') - 1, part('day')) / 86_400_000;
  };
}

export interface TrendColumns {
  /** Every line's reading times, and one time inside each break, in order (epoch ms). */
  readonly times: readonly number[];
  /**
   * Per line, a value for each time: the reading; `undefined` where only another line has one (the line passes
   * over it); `null` inside a break (the line stops there).
   */
  readonly columns: readonly (readonly (number | null | undefined)[])[];
}

/**
 * A line is broken between two of its readings when a whole calendar day in `timeZone` (default: the reader's) lies
 * between them with no reading: the usual daily summaries of a watch (resting heart rate, sleep, steps) join from one
 * day to the next whatever their hour, and a night the watch was off shows as a break.
 */
export function trendColumns(
  lines: readonly { readonly points: readonly (readonly [number, number])[] }[],
  timeZone?: string,
): TrendColumns {
  const sorted = lines.map((l) => [...l.points].sort((a, b) => a[0] - b[0]));
  const day = dayCounter(timeZone);
  /** Per line, the pairs of reading times a break lies between. */
  const breaks = sorted.map((points) =>
    points.slice(1).flatMap((p, i): [number, number][] => {
      const before = (points[i] as readonly [number, number])[0];
      return day(p[0]) - day(before) > 1 ? [[before, p[0]]] : [];
    }),
  );
  const times = [
    ...new Set([
      ...sorted.flatMap((points) => points.map((p) => p[0])),
      // A time inside each break, so that the break has a place on the axis even when no other line has one there.
      ...breaks.flat().map(([from, to]) => from + (to - from) / 2),
    ]),
  ].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const columns = sorted.map((points, line) => {
    const column: (number | null | undefined)[] = times.map(() => undefined);
    // Every time strictly inside a break is null, so the whole stretch between the two readings is left undrawn.
    for (const [from, to] of breaks[line] ?? []) {
      for (let i = (index.get(from) ?? 0) + 1; i < (index.get(to) ?? 0); i++) column[i] = null;
    }
    for (const [t, v] of points) column[index.get(t) ?? 0] = v;
    return column;
  });
  return { times, columns };
}
