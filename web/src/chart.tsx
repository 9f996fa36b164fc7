/**
 * uPlot charts of the dashboard: a trend over time with the live thresholds drawn as dashed lines, and the Ambulatory
 * Glucose Profile (5th–95th and 25th–75th percentile bands and the median by hour, target range 70–180 mg/dL).
 * Everything is drawn from this origin's bundle (no CDN, no web fonts).
 */
import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { DashboardAgp, DashboardSeries } from './api';
import { trendColumns } from './trend';

const HEIGHT = 220;
const LINE_COLOURS = ['#0b57d0', '#6b3fa0'] as const;
const LIMIT_COLOUR = '#a4161a';
/**
 * A limit's line by what crossing it does: red dashes raise the alert, green dots may lower it, grey dashes are shown
 * with it (`limitsCaption` says so above the chart; the legend names each line).
 */
export const LIMIT_STYLES = {
  raise: { stroke: LIMIT_COLOUR, dash: [6, 4], words: 'red dashes raise the alert' },
  lower: { stroke: '#2d6a2d', dash: [2, 3], words: 'green dots may lower it' },
  context: { stroke: '#5f6368', dash: [6, 4], words: 'grey dashes are shown with it' },
} as const;

/**
 * Time-axis ticks as the rest of the pages write days ("3 Nov"), counted in `timeZone` (default: the reader's), instead
 * of uPlot's "11/3".
 */
export function dayTicks(timeZone?: string): uPlot.Axis.Values {
  const day = new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    ...(timeZone ? { timeZone } : {}),
  });
  return (_u, ticks) => ticks.map((t) => day.format(new Date(t * 1000)));
}

/**
 * uPlot's own legend is off: it shows "--" for the value under the cursor until one points at the chart (read as
 * missing data), draws each series as a coloured square whatever its dash pattern, and hides a series when its name is
 * clicked, by mouse only (no focus, no role) and leaving a limit line without the readings it is drawn against. Each
 * chart's legend is `ChartLegend` instead: what each line looks like, in a list that does nothing when clicked.
 */
export const LEGEND: uPlot.Legend = { show: false };

/** One entry of a chart's legend: a line (its colour, width and dash pattern) or a bar (a filled square). */
export interface LegendItem {
  readonly label: string;
  readonly stroke: string;
  readonly width?: number;
  readonly dash?: readonly number[];
  readonly bar?: boolean;
}

/**
 * A chart's legend as the lines are drawn: a sample of each line with its dash pattern, so dashes and dots are told
 * apart without colour (WCAG 1.4.1). Not interactive: nothing to toggle.
 */
export function ChartLegend({ items }: { readonly items: readonly LegendItem[] }) {
  return (
    <ul class="chart-legend">
      {items.map((item) => (
        <li key={item.label}>
          <svg aria-hidden="true" width="32" height="12" viewBox="0 0 32 12" data-stroke={item.stroke}>
            {item.bar ? (
              <rect x="10" y="0" width="12" height="12" fill={item.stroke} />
            ) : (
              <line
                x1="0"
                y1="6"
                x2="32"
                y2="6"
                stroke={item.stroke}
                stroke-width={Math.max(2, item.width ?? 2)}
                {...(item.dash ? { 'stroke-dasharray': item.dash.join(' ') } : {})}
              />
            )}
          </svg>
          {item.label}
        </li>
      ))}
    </ul>
  );
}

/** The widest a chart is drawn: two side by side on a laptop screen. */
const MAX_CHART_WIDTH = 560;
/**
 * The narrowest drawn: a chart is never wider than its frame (a frame that scrolled sideways would need to be
 * focusable to be scrolled by keyboard), so at 320 px it shrinks with it; uPlot spaces its ticks by the room it has.
 */
const MIN_CHART_WIDTH = 120;

/** A chart's width in `el`: as wide as the element's content box, within `MIN_CHART_WIDTH` and `max`. */
function chartWidth(el: HTMLElement, max = MAX_CHART_WIDTH): number {
  const style = getComputedStyle(el);
  const content = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return Math.max(MIN_CHART_WIDTH, Math.min(max, content > 0 ? Math.floor(content) : max));
}

/**
 * A uPlot chart made in the returned element's place at the element's width (`chartWidth`), remade when `deps` change,
 * resized when the element's width does (a narrow EHR frame, a phone turned, a window resized) and destroyed with the
 * component.
 */
export function useChart(
  make: (el: HTMLElement, width: number) => uPlot,
  deps: readonly unknown[],
  maxWidth = MAX_CHART_WIDTH,
): RefObject<HTMLDivElement | null> {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const plot = make(el, chartWidth(el, maxWidth));
    const resized = new ResizeObserver(() => {
      const width = chartWidth(el, maxWidth);
      if (width !== plot.width) plot.setSize({ width, height: plot.height });
    });
    resized.observe(el);
    return () => {
      resized.disconnect();
      plot.destroy();
    };
  }, deps);
  return ref;
}

/** The legend of a trend: its lines, then each limit as drawn. */
export function trendLegend(series: DashboardSeries): LegendItem[] {
  return [
    ...series.lines.map((l, i) => ({ label: l.name, stroke: LINE_COLOURS[i % 2] ?? '#0b57d0', width: 2 })),
    ...series.thresholds.map((th) => ({
      label: th.label,
      stroke: LIMIT_STYLES[th.effect].stroke,
      width: 1.5,
      dash: LIMIT_STYLES[th.effect].dash,
    })),
  ];
}

/**
 * One trend: its lines on a shared time axis (seconds), each broken over any day without a reading (`trend.ts`), each
 * threshold a flat line drawn as `LIMIT_STYLES` says; its legend under it (`ChartLegend`).
 */
export function TrendChart({ series }: { readonly series: DashboardSeries }) {
  const ref = useChart(
    (el, width) => {
      const { times, columns } = trendColumns(series.lines);
      const limits = series.thresholds.map((th) => times.map(() => th.value));
      const data = [times.map((t) => t / 1000), ...columns, ...limits] as uPlot.AlignedData;
      return new uPlot(
        {
          width,
          height: HEIGHT,
          series: [
            {},
            ...series.lines.map((l, i) => ({
              label: l.name,
              stroke: LINE_COLOURS[i % 2] ?? '#0b57d0',
              width: 2,
              // Passes over another line's times (undefined) but stops at a break (null): see trend.ts.
              spanGaps: false,
              points: { show: true, size: 5 },
            })),
            ...series.thresholds.map((th) => ({
              label: th.label,
              stroke: LIMIT_STYLES[th.effect].stroke,
              width: 1.5,
              dash: [...LIMIT_STYLES[th.effect].dash],
              points: { show: false },
            })),
          ],
          legend: LEGEND,
          axes: [{ values: dayTicks() }, { label: series.unit }],
        },
        data,
        el,
      );
    },
    [series],
  );
  return (
    <>
      <div ref={ref} class="chart" data-testid={`chart-${series.id}`} aria-hidden="true" />
      <ChartLegend items={trendLegend(series)} />
    </>
  );
}

/** The 5th and 95th percentile lines: 3.9:1 on white, 3.2:1 on the band beside them (WCAG 1.4.11). */
const AGP_OUTER = '#5f84b5';
const AGP_INNER = '#1f5fa8';
const AGP_MEDIAN = '#0d2f57';
/** The target range 70–180 mg/dL is drawn with the trend charts' context style (grey dashes). */
const TARGET = LIMIT_STYLES.context;

/** The AGP's lines as drawn: percentiles, the target range, then the rules' limits by what crossing them does. */
export function agpLegend(agp: DashboardAgp): LegendItem[] {
  return [
    { label: '95th and 5th percentiles', stroke: AGP_OUTER, width: 1 },
    { label: '75th and 25th percentiles', stroke: AGP_INNER, width: 1 },
    { label: 'Median', stroke: AGP_MEDIAN, width: 2.5 },
    { label: 'Target range 70–180 mg/dL', stroke: TARGET.stroke, width: 1.5, dash: TARGET.dash },
    ...agp.thresholds.map((t) => ({
      label: t.label,
      stroke: LIMIT_STYLES[t.effect].stroke,
      width: 1.5,
      dash: LIMIT_STYLES[t.effect].dash,
    })),
  ];
}

/**
 * The AGP: percentile bands by hour of day, the target range (grey dashes) and the live glucose limits in the trend
 * charts' styles (`LIMIT_STYLES`), drawn over the target line where they meet it (70 mg/dL).
 */
export function AgpChart({ agp }: { readonly agp: DashboardAgp }) {
  const ref = useChart(
    (el, width) => {
      const hours = agp.profile.map((b) => b.minute / 60);
      const col = (k: 'p5' | 'p25' | 'p50' | 'p75' | 'p95'): number[] => agp.profile.map((b) => b[k]);
      const flat = (v: number): number[] => hours.map(() => v);
      const data = [
        hours,
        col('p95'),
        col('p75'),
        col('p50'),
        col('p25'),
        col('p5'),
        flat(70),
        flat(180),
        ...agp.thresholds.map((t) => flat(t.value)),
      ] as uPlot.AlignedData;
      const target = { stroke: TARGET.stroke, width: 1.5, dash: [...TARGET.dash], points: { show: false } };
      return new uPlot(
        {
          width,
          height: 260,
          scales: { x: { time: false, range: [0, 23] }, y: { range: [40, 350] } },
          legend: LEGEND,
          series: [
            { label: 'Hour' },
            { label: '95th percentile', stroke: AGP_OUTER, width: 1, points: { show: false } },
            { label: '75th percentile', stroke: AGP_INNER, width: 1, points: { show: false } },
            { label: 'Median', stroke: AGP_MEDIAN, width: 2.5, points: { show: false } },
            { label: '25th percentile', stroke: AGP_INNER, width: 1, points: { show: false } },
            { label: '5th percentile', stroke: AGP_OUTER, width: 1, points: { show: false } },
            { label: 'Target 70 mg/dL', ...target },
            { label: 'Target 180 mg/dL', ...target },
            ...agp.thresholds.map((t) => ({
              label: t.label,
              stroke: LIMIT_STYLES[t.effect].stroke,
              width: 1.5,
              dash: [...LIMIT_STYLES[t.effect].dash],
              points: { show: false },
            })),
          ],
          bands: [
            { series: [1, 5], fill: 'rgba(31,95,168,0.15)' },
            { series: [2, 4], fill: 'rgba(31,95,168,0.30)' },
          ],
          axes: [
            {
              label: 'Hour of day',
              values: (_u, ticks) => ticks.map((t) => `${String(t).padStart(2, '0')}:00`),
            },
            { label: 'mg/dL' },
          ],
        },
        data,
        el,
      );
    },
    [agp],
  );
  return (
    <>
      <div ref={ref} class="chart" data-testid="chart-agp" aria-hidden="true" />
      <ChartLegend items={agpLegend(agp)} />
    </>
  );
}
