/**
 * Governance figures (`/admin/kpis`, pharmacist or informaticist) over `GET /api/kpis`: a period picker (reflected in
 * the URL), the period's totals, charts drawn with uPlot, and the figures per rule and per drug–gene pair. Every chart
 * has a caption and the same figures as a table (a canvas says nothing to a screen reader).
 */
import { useEffect, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { reviewApi } from '../api';
import { ChartLegend, dayTicks, LEGEND, useChart } from '../chart';
import { categoryAxis } from '../chart-text';
import type { ApiResult, KpiFigures, KpiGroup, KpiReport } from '../api';
import { formatDay } from '../format';
import { useQueryString } from '../query-string';
import { InlineProblem, Loading } from '../refusal';

const DAY_MS = 86_400_000;
const PRESETS = [7, 30, 90, 365] as const;

const RATING_LABELS: Readonly<Record<keyof KpiFigures['ratings'], string>> = {
  useful: 'Useful',
  'not-useful': 'Not useful',
  'too-often': 'Shown too often',
  'wrong-patient': 'Wrong for this patient',
};

/** `YYYY-MM-DD` of a UTC day. */
function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The period of the page URL (`from`, `to` as UTC days), else the last 30 days through today. */
function periodOf(search: string): { from: string; to: string } {
  const q = new URLSearchParams(search);
  const day = /^\d{4}-\d{2}-\d{2}$/;
  const today = new Date();
  const to = day.test(q.get('to') ?? '') ? (q.get('to') as string) : utcDay(today);
  const fallbackFrom = utcDay(new Date(new Date(`${to}T00:00:00Z`).getTime() - 29 * DAY_MS));
  const from = day.test(q.get('from') ?? '') ? (q.get('from') as string) : fallbackFrom;
  return { from, to };
}

function percent(rate: number | null): string {
  return rate === null ? 'no outcome yet' : `${(rate * 100).toFixed(1)} %`;
}

function number(n: number | null, digits = 1): string {
  return n === null ? 'none' : Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

export function KpiPage() {
  const [search, navigate] = useQueryString('/admin/kpis');
  const { from, to } = periodOf(search);
  const [byRule, setByRule] = useState<ApiResult<KpiReport> | undefined>(undefined);
  const [byPair, setByPair] = useState<ApiResult<KpiReport> | undefined>(undefined);

  useEffect(() => {
    setByRule(undefined);
    setByPair(undefined);
    const q = (groupBy: string) => new URLSearchParams({ from, to, groupBy });
    void reviewApi.kpis(q('rule')).then(setByRule);
    void reviewApi.kpis(q('pair')).then(setByPair);
  }, [from, to]);

  const go = (next: { from: string; to: string }) => {
    navigate(new URLSearchParams(next));
  };

  const failed = [byRule, byPair].find((r) => r && !r.ok);
  return (
    <main class="wide">
      <h1>Alert governance figures</h1>
      <PeriodPicker from={from} to={to} onChange={go} />
      {failed && !failed.ok ? (
        <InlineProblem status={failed.status} message={failed.message} />
      ) : !byRule?.ok || !byPair?.ok ? (
        <Loading />
      ) : (
        <Figures byRule={byRule.value} byPair={byPair.value} />
      )}
    </main>
  );
}

function PeriodPicker({
  from,
  to,
  onChange,
}: {
  readonly from: string;
  readonly to: string;
  readonly onChange: (period: { from: string; to: string }) => void;
}) {
  // The fields' own state, set again from the URL when the period changes (a preset, Back). The form stays mounted,
  // so the button that was pressed keeps the focus (remounting the form by the period dropped it to the page's start).
  const [fields, setFields] = useState({ from, to });
  useEffect(() => {
    setFields({ from, to });
  }, [from, to]);
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const f = data.get('from');
    const t = data.get('to');
    if (typeof f === 'string' && typeof t === 'string' && f && t) onChange({ from: f, to: t });
  };
  const today = utcDay(new Date());
  return (
    <form class="filters" aria-label="Period" onSubmit={onSubmit}>
      <div class="field">
        <label for="k-from">From</label>
        <input
          id="k-from"
          name="from"
          type="date"
          value={fields.from}
          required
          onInput={(e) => {
            const value = e.currentTarget.value;
            setFields((f) => ({ ...f, from: value }));
          }}
        />
      </div>
      <div class="field">
        <label for="k-to">to (inclusive)</label>
        <input
          id="k-to"
          name="to"
          type="date"
          value={fields.to}
          required
          onInput={(e) => {
            const value = e.currentTarget.value;
            setFields((f) => ({ ...f, to: value }));
          }}
        />
      </div>
      <div class="field actions">
        <button type="submit">Show</button>
      </div>
      <div class="field presets">
        <span class="label-text">Or the last</span>
        {PRESETS.map((days) => (
          <button
            type="button"
            class="secondary"
            key={days}
            onClick={() => {
              onChange({
                from: utcDay(new Date(new Date(`${today}T00:00:00Z`).getTime() - (days - 1) * DAY_MS)),
                to: today,
              });
            }}
          >
            {days} days
          </button>
        ))}
      </div>
    </form>
  );
}

function Figures({ byRule, byPair }: { readonly byRule: KpiReport; readonly byPair: KpiReport }) {
  const t = byRule.totals;
  const lastDay = utcDay(new Date(new Date(byRule.to).getTime() - 1));
  return (
    <>
      <p class="lead" role="status">
        {formatDay(byRule.from)} to {formatDay(lastDay)}: {t.cards} alerts shown ({t.orderSignCards} at order
        signing), {byRule.orderSignCalls} order-sign calls.
      </p>
      <dl class="totals" aria-label="Totals of the period">
        <dt>Alerts per 100 order-sign calls</dt>
        <dd>{number(t.cardsPer100OrderSign)}</dd>
        <dt>Accepted</dt>
        <dd>
          {percent(t.acceptanceRate)} ({t.accepted} of {t.withOutcome} with an outcome)
        </dd>
        <dt>Overridden</dt>
        <dd>
          {percent(t.overrideRate)} ({t.overridden} of {t.withOutcome})
        </dd>
        <dt>Overrides reviewed</dt>
        <dd>
          {t.overridden === 0 ? 'no overrides' : percent(t.reviewedShare)}
          {t.followUp > 0 ? `, ${t.followUp} flagged for follow-up` : ''}
        </dd>
        <dt>Judged appropriate</dt>
        <dd>
          {t.appropriateShare === null ? 'no concluded review' : percent(t.appropriateShare)}
          {t.judgementsDiffer > 0
            ? `; ${t.judgementsDiffer} ${t.judgementsDiffer === 1 ? 'override' : 'overrides'} where pharmacists’ judgements differ, counted as not settled`
            : ''}
        </dd>
        <dt>Agreement of two reviewers</dt>
        <dd>
          <Agreement agreement={t.reviewerAgreement} />
        </dd>
        <dt>“Will monitor” on wearable-data alerts</dt>
        <dd>
          <MonitoringPromised promised={t.monitoringPromised} />
        </dd>
        <dt>Age of the PGx result (median)</dt>
        <dd>{t.pgxAgeDays.median === null ? 'none known' : `${number(t.pgxAgeDays.median, 0)} days`}</dd>
        <dt>Age of the newest wearable sample (median)</dt>
        <dd>
          {t.sensorAgeHours.median === null ? 'none known' : `${number(t.sensorAgeHours.median)} hours`}
        </dd>
      </dl>

      <div class="charts">
        <BurdenChart report={byRule} />
        <RatesChart report={byRule} />
        <CategoryChart
          id="reasons"
          caption="Override reasons, whole period"
          unit="Overrides"
          labels={t.overrideReasons.map((r) => (r.code === '(none)' ? 'None given' : (r.display ?? r.code)))}
          series={[{ label: 'Overrides', values: t.overrideReasons.map((r) => r.count) }]}
          empty="No override in this period."
        />
        <CategoryChart
          id="ratings"
          caption="Clinicians’ ratings of the alerts"
          unit="Ratings"
          labels={Object.values(RATING_LABELS)}
          series={[
            {
              label: 'Ratings',
              values: (Object.keys(RATING_LABELS) as (keyof typeof RATING_LABELS)[]).map((k) => t.ratings[k]),
            },
          ]}
          empty="No rating in this period."
          showEmpty={Object.values(t.ratings).some((n) => n > 0)}
        />
        <CategoryChart
          id="review"
          caption="Overrides reviewed and judged appropriate, per drug and gene (%)"
          unit="%"
          labels={byPair.groups.filter((g) => g.overridden > 0).map(pairLabel)}
          series={[
            {
              label: 'Reviewed',
              values: byPair.groups.filter((g) => g.overridden > 0).map((g) => pct(g.reviewedShare)),
            },
            {
              label: 'Judged appropriate',
              values: byPair.groups.filter((g) => g.overridden > 0).map((g) => pct(g.appropriateShare)),
            },
          ]}
          empty="No override in this period."
        />
        <CategoryChart
          id="latency"
          caption="Data latency: age of the PGx result behind the alerts, per drug and gene (days)"
          unit="days"
          labels={byPair.groups.filter((g) => g.pgxAgeDays.count > 0).map(pairLabel)}
          series={[
            {
              label: 'Median',
              values: byPair.groups.filter((g) => g.pgxAgeDays.count > 0).map((g) => g.pgxAgeDays.median),
            },
            {
              label: 'Longest',
              values: byPair.groups.filter((g) => g.pgxAgeDays.count > 0).map((g) => g.pgxAgeDays.max),
            },
          ]}
          empty="No alert with a dated PGx result in this period."
        />
      </div>

      <GroupTable report={byRule} caption="Per rule" />
      <GroupTable report={byPair} caption="Per drug and gene" />
    </>
  );
}

function pct(rate: number | null): number | null {
  return rate === null ? null : Math.round(rate * 1000) / 10;
}

function pairLabel(g: KpiGroup): string {
  return g.gene ? `${g.drug ?? ''} / ${g.gene}` : (g.drug ?? g.key);
}

/**
 * Cohen's κ of two pharmacists' judgements, with what it rests on: published reviews of overridden alerts report
 * 0.79–0.97 between reviewers.
 */
/**
 * Of the overrides that promised monitoring an alert's wearable data, how many the patient's later calls showed new
 * readings for: data reaching this service, not proof that anyone looked at it (the override review shows them).
 */
function MonitoringPromised({ promised }: { readonly promised: KpiFigures['monitoringPromised'] }) {
  if (promised.overrides === 0) return <>none in the period</>;
  return (
    <>
      {percent(promised.withNewReadings / promised.overrides)} followed by new readings (
      {promised.withNewReadings} of {promised.overrides})
    </>
  );
}

function Agreement({ agreement }: { readonly agreement: KpiFigures['reviewerAgreement'] }) {
  const { overrides, agreed, kappa } = agreement;
  if (overrides === 0) return <>no override judged by two pharmacists</>;
  const basis = `agreed on ${agreed} of ${overrides} ${overrides === 1 ? 'override' : 'overrides'} judged by two pharmacists`;
  return (
    <>
      {kappa === null
        ? `${basis}; κ not defined, every judgement being the same`
        : `κ ${kappa.toFixed(2)}, ${basis}`}
    </>
  );
}

/** A uPlot chart as wide as its figure (`useChart`), remade when its data change. */
function useUplot(
  build: (width: number) => { opts: uPlot.Options; data: uPlot.AlignedData },
  deps: unknown[],
) {
  return useChart((el, width) => {
    const { opts, data } = build(width);
    return new uPlot(opts, data, el);
  }, deps);
}

/** Series colours, at least 4.5:1 on white. */
const COLOURS: readonly string[] = ['#0b57d0', '#a4161a', '#1a7f37', '#8a4b00'];
const colour = (i: number): string => COLOURS[i % COLOURS.length] ?? '#0b57d0';

function dayTimes(report: KpiReport): number[] {
  return report.daily.map((d) => new Date(`${d.day}T00:00:00Z`).getTime() / 1000);
}

function BurdenChart({ report }: { readonly report: KpiReport }) {
  const ref = useUplot(
    (width) => ({
      opts: {
        width,
        height: 240,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        series: [
          {},
          {
            label: 'Alerts per 100 calls',
            stroke: colour(0),
            width: 2,
            points: { show: true },
            spanGaps: false,
          },
        ],
        axes: [{ values: dayTicks('UTC') }, { label: 'per 100 calls' }],
        legend: LEGEND,
      },
      data: [dayTimes(report), report.daily.map((d) => d.cardsPer100OrderSign)],
    }),
    [report],
  );
  return (
    <figure class="chart" aria-labelledby="burden-caption">
      <figcaption id="burden-caption">
        Alert burden: alerts shown per 100 order-sign calls, per day
      </figcaption>
      <div ref={ref} aria-hidden="true" />
      <details>
        <summary>The figures as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Order-sign calls</th>
              <th scope="col">Alerts at order signing</th>
              <th scope="col">Per 100 calls</th>
            </tr>
          </thead>
          <tbody>
            {report.daily
              .filter((d) => d.orderSignCalls > 0 || d.orderSignCards > 0)
              .map((d) => (
                <tr key={d.day}>
                  <th scope="row">{formatDay(d.day)}</th>
                  <td>{d.orderSignCalls}</td>
                  <td>{d.orderSignCards}</td>
                  <td>{number(d.cardsPer100OrderSign)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

function RatesChart({ report }: { readonly report: KpiReport }) {
  const rates = report.daily.map((d) => {
    const n = d.accepted + d.overridden;
    return n === 0
      ? { accepted: null, overridden: null }
      : { accepted: (d.accepted / n) * 100, overridden: (d.overridden / n) * 100 };
  });
  const ref = useUplot(
    (width) => ({
      opts: {
        width,
        height: 240,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { x: { time: true }, y: { range: [0, 100] } },
        series: [
          {},
          { label: 'Accepted %', stroke: colour(2), width: 2, points: { show: true } },
          { label: 'Overridden %', stroke: colour(1), width: 2, points: { show: true }, dash: [6, 4] },
        ],
        axes: [{ values: dayTicks('UTC') }, { label: '% of alerts with an outcome' }],
        legend: LEGEND,
      },
      data: [dayTimes(report), rates.map((r) => r.accepted), rates.map((r) => r.overridden)],
    }),
    [report],
  );
  return (
    <figure class="chart" aria-labelledby="rates-caption">
      <figcaption id="rates-caption">Acceptance and override rates, per day</figcaption>
      <div ref={ref} aria-hidden="true" />
      <ChartLegend
        items={[
          { label: 'Accepted %', stroke: colour(2), width: 2 },
          { label: 'Overridden %', stroke: colour(1), width: 2, dash: [6, 4] },
        ]}
      />
      <details>
        <summary>The figures as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Accepted</th>
              <th scope="col">Overridden</th>
            </tr>
          </thead>
          <tbody>
            {report.daily
              .filter((d) => d.accepted + d.overridden > 0)
              .map((d) => (
                <tr key={d.day}>
                  <th scope="row">{formatDay(d.day)}</th>
                  <td>{d.accepted}</td>
                  <td>{d.overridden}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

interface CategorySeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
}

/** Height of one category's row of bars: each bar 14 px, and the room for its name's lines (18 px each) apart. */
function rowHeight(bars: number, lines: number): number {
  return Math.max(bars * 14 + 14, lines * 18 + 16);
}

/**
 * Horizontal bars for named categories (uPlot draws them over the categories' index on a vertical x scale): the names
 * on the left, whole, in lines of an axis as wide as the longest line (`categoryAxis`), never cut or run together; the
 * values along the bottom.
 */
function CategoryChart({
  id,
  caption,
  unit,
  labels,
  series,
  empty,
  showEmpty = labels.length > 0,
}: {
  readonly id: string;
  readonly caption: string;
  readonly unit: string;
  readonly labels: readonly string[];
  readonly series: readonly CategorySeries[];
  readonly empty: string;
  readonly showEmpty?: boolean;
}) {
  const hasData = showEmpty && labels.length > 0;
  const ref = useUplot(
    (width) => {
      const n = series.length;
      const axis = categoryAxis(labels, width);
      const maxLines = Math.max(1, ...axis.lines.map((l) => l.length));
      const size = Math.min(0.8 / n, 0.5);
      return {
        opts: {
          width,
          // The rows, and the value axis with its label under them.
          height: labels.length * rowHeight(n, maxLines) + 80,
          scales: {
            // The categories top to bottom, in the table's order.
            x: { time: false, ori: 1, dir: -1, range: [-0.6, labels.length - 0.4] },
            y: { ori: 0, dir: 1, range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
          },
          series: [
            {},
            ...series.map((s, i) => ({
              label: s.label,
              fill: colour(i),
              stroke: colour(i),
              width: 0,
              points: { show: false },
              paths: uPlot.paths.bars?.({
                size: [size],
                align: n === 1 ? 0 : i === 0 ? -1 : 1,
              }),
            })),
          ],
          axes: [
            {
              // uPlot's Axis.Side is a const enum, which isolatedModules cannot name: 3 is Left.
              // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
              side: 3,
              splits: () => labels.map((_l, i) => i),
              values: (_u, splits) => splits.map((i) => (axis.lines[i] ?? []).join('\n')),
              gap: 6,
              size: axis.size,
              grid: { show: false },
            },
            {
              // Bottom (2), as above.
              // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
              side: 2,
              label: unit,
              // Counts are whole: no 0.2-step ticks.
              ...(unit === '%' || unit === 'days'
                ? {}
                : { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }),
            },
          ],
          legend: LEGEND,
          cursor: { show: false },
        },
        data: [labels.map((_l, i) => i), ...series.map((s) => [...s.values])] as uPlot.AlignedData,
      };
    },
    [hasData, labels.join('\n'), JSON.stringify(series)],
  );
  return (
    <figure class="chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>{caption}</figcaption>
      {hasData ? (
        <>
          <div ref={ref} aria-hidden="true" />
          {series.length > 1 ? (
            <ChartLegend items={series.map((s, i) => ({ label: s.label, stroke: colour(i), bar: true }))} />
          ) : null}
          <details>
            <summary>The figures as a table</summary>
            <table>
              <thead>
                <tr>
                  <th scope="col" />
                  {series.map((s) => (
                    <th scope="col" key={s.label}>
                      {s.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {labels.map((l, i) => (
                  <tr key={l}>
                    <th scope="row">{l}</th>
                    {series.map((s) => (
                      <td key={s.label}>{number(s.values[i] ?? null)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      ) : (
        <p>{empty}</p>
      )}
    </figure>
  );
}

function GroupTable({ report, caption }: { readonly report: KpiReport; readonly caption: string }) {
  const byPair = report.groupBy === 'pair';
  return (
    <section class="kpi-table">
      <h2>{caption}</h2>
      {report.groups.length === 0 ? (
        <p>No alert was shown in this period.</p>
      ) : (
        <table>
          <thead>
            <tr>
              {byPair ? (
                <>
                  <th scope="col">Drug</th>
                  <th scope="col">Gene</th>
                </>
              ) : (
                <>
                  <th scope="col">Rule</th>
                  <th scope="col">Drug and gene</th>
                </>
              )}
              <th scope="col">Alerts (at order signing)</th>
              <th scope="col">Order-sign alerts per 100 order-sign calls</th>
              <th scope="col">Accepted</th>
              <th scope="col">Overridden</th>
              <th scope="col">Reviewed</th>
              <th scope="col">Appropriate</th>
              <th scope="col">Follow-up</th>
              <th scope="col">PGx result age, median (days)</th>
              <th scope="col">Wearable data age, median (hours)</th>
            </tr>
          </thead>
          <tbody>
            {report.groups.map((g) => (
              <tr key={g.key}>
                {byPair ? (
                  <>
                    <th scope="row">{g.drug ?? ''}</th>
                    <td>{g.gene ?? 'none'}</td>
                  </>
                ) : (
                  <>
                    <th scope="row">{g.label ?? g.rule ?? g.key}</th>
                    <td>{[g.drug, g.gene].filter(Boolean).join(' / ')}</td>
                  </>
                )}
                <td>
                  {g.cards} ({g.orderSignCards})
                </td>
                <td>{number(g.cardsPer100OrderSign)}</td>
                <td>
                  {g.accepted} ({percent(g.acceptanceRate)})
                </td>
                <td>
                  {g.overridden} ({percent(g.overrideRate)})
                </td>
                <td>{g.overridden === 0 ? '' : percent(g.reviewedShare)}</td>
                <td>{g.appropriateShare === null ? '' : percent(g.appropriateShare)}</td>
                <td>{g.followUp}</td>
                <td>{number(g.pgxAgeDays.median, 0)}</td>
                <td>{number(g.sensorAgeHours.median)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
