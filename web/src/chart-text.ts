/**
 * What the charts show, in words and tables (a canvas says nothing to a screen reader), and the layout of a bar
 * chart's category names. Pure: no uPlot, no DOM, so unit tests read it directly.
 */
import { formatDay } from './format';

/**
 * What the table reads of a trend (`DashboardSeries` of the dashboard's contract), declared here so that this module
 * needs no DOM types (the unit tests compile it without them).
 */
export interface TrendSeries {
  readonly unit: string;
  readonly lines: readonly {
    readonly name: string;
    readonly points: readonly (readonly [number, number])[];
  }[];
  readonly thresholds: readonly {
    readonly value: number;
    readonly label: string;
    readonly applies?: {
      readonly operator: 'lessThan' | 'lessThanInclusive' | 'greaterThan' | 'greaterThanInclusive';
      readonly upTo?: number;
      readonly line?: string;
    };
  }[];
}

/** A reading with its unit as the pages write it: `58/min`, `142 mmHg`. */
export function quantityText(value: number, unit: string): string {
  const v = String(Math.round(value * 10) / 10);
  return unit === '/min' ? `${v}/min` : `${v} ${unit}`;
}

type Limit = TrendSeries['thresholds'][number];

/** True when a reading of the chart's line `line` meets the limit's condition (`applies`). */
function meets(limit: Limit, line: string, value: number): boolean {
  const a = limit.applies;
  if (!a || (a.line !== undefined && a.line !== line)) return false;
  if (a.upTo !== undefined) return value >= limit.value && value <= a.upTo;
  switch (a.operator) {
    case 'lessThan':
      return value < limit.value;
    case 'lessThanInclusive':
      return value <= limit.value;
    case 'greaterThan':
      return value > limit.value;
    case 'greaterThanInclusive':
      return value >= limit.value;
  }
}

/** One day of a trend: its readings per line, and the readings beyond each drawn limit. */
export interface TrendDay {
  /** The reader's day, as the pages write it (`3 Nov 2026`). */
  readonly day: string;
  /** Per line of the chart (same order), the day's readings with their unit, `none` without one. */
  readonly readings: readonly string[];
  /**
   * Per drawn limit some reading of the day is beyond, the line's condition and those readings:
   * `systolic at or above 130: 145, 137 mmHg` (what the limit does is the legend's to say, once); empty when none is.
   */
  readonly beyond: readonly string[];
}

const OPERATOR_WORDS: Readonly<Record<NonNullable<Limit['applies']>['operator'], string>> = {
  lessThan: 'below',
  lessThanInclusive: 'at or below',
  greaterThan: 'above',
  greaterThanInclusive: 'at or above',
};

/** A drawn limit's condition, short: `systolic at or above 130`, `from 50 to 60`; its label when it has none. */
function conditionText(limit: Limit): string {
  const a = limit.applies;
  if (!a) return limit.label;
  const line = a.line ? `${a.line.toLowerCase()} ` : '';
  return a.upTo !== undefined
    ? `${line}from ${String(limit.value)} to ${String(a.upTo)}`
    : `${line}${OPERATOR_WORDS[a.operator]} ${String(limit.value)}`;
}

/** Readings with one unit: `145, 137 mmHg`, `58, 59/min`. */
function valuesText(values: readonly number[], unit: string): string {
  const last = values[values.length - 1] ?? 0;
  return [...values.slice(0, -1).map((v) => String(Math.round(v * 10) / 10)), quantityText(last, unit)].join(
    ', ',
  );
}

/**
 * The trend's readings by the reader's day (the day the chart's axis counts), oldest first: what the chart draws, as a
 * table's rows.
 */
export function trendDays(series: TrendSeries): TrendDay[] {
  const points = series.lines
    .flatMap((l, index) => l.points.map(([at, value]) => ({ at, value, index, name: l.name })))
    .sort((a, b) => a.at - b.at);
  const days = new Map<string, { readings: number[][]; beyond: Map<number, number[]> }>();
  for (const p of points) {
    const day = formatDay(new Date(p.at).toISOString());
    let row = days.get(day);
    if (!row) {
      row = { readings: series.lines.map(() => []), beyond: new Map() };
      days.set(day, row);
    }
    row.readings[p.index]?.push(p.value);
    series.thresholds.forEach((limit, i) => {
      if (meets(limit, p.name, p.value)) row.beyond.set(i, [...(row.beyond.get(i) ?? []), p.value]);
    });
  }
  return [...days].map(([day, row]) => ({
    day,
    readings: row.readings.map((r) => (r.length === 0 ? 'none' : valuesText(r, series.unit))),
    // Two drugs' limits at one value on one line are one condition, said once.
    beyond: [
      ...new Set(
        [...row.beyond]
          .sort(([a], [b]) => a - b)
          .flatMap(([i, values]) => {
            const limit = series.thresholds[i];
            return limit ? [`${conditionText(limit)}: ${valuesText(values, series.unit)}`] : [];
          }),
      ),
    ],
  }));
}

/** An hour of the AGP as its axis writes it: `07:00`. */
export function hourText(minute: number): string {
  const h = Math.floor(minute / 60);
  const m = minute % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/**
 * A bar chart's category name in lines of at most `width` characters, broken at spaces (and after a `/`), never cut:
 * the names sit beside their bars, on an axis as wide as the longest line (`categoryAxisWidth`).
 */
export function categoryLines(label: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of label.split(' ')) {
    if (line && `${line} ${word}`.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** About 7 px a character at the axis' 12 px. */
const CHAR_PX = 7;

/**
 * The category axis of a horizontal bar chart `chartWidth` wide: the names in lines of at most `chars` characters
 * (about 40 % of the chart, at least 12 characters), and the axis' width in px to hold the longest line.
 */
export function categoryAxis(
  labels: readonly string[],
  chartWidth: number,
): { readonly lines: readonly string[][]; readonly size: number; readonly chars: number } {
  const chars = Math.max(12, Math.floor((chartWidth * 0.4) / CHAR_PX));
  const lines = labels.map((l) => categoryLines(l, chars));
  const longest = Math.max(1, ...lines.flat().map((l) => l.length));
  return { lines, size: Math.ceil(longest * CHAR_PX) + 16, chars };
}
