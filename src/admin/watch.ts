/**
 * Watch after publish (issue 11 item 5): for 7 days after a threshold set is published (or rolled back to), each rule's
 * daily firing rate — order-sign cards counting the rule per order-sign call — is compared with its rate over the 28
 * days before, on a u-chart (statistical process control for counts per unit: limits ū ± 3·√(ū / n) for a day of n
 * calls; Kassakian et al., ACI 2017, found malfunctions with control charts of firing rates). A rule with a day
 * outside its limits is flagged. The 28-day baseline is a design choice: four whole weeks, so weekdays weigh alike.
 */
import type { Metrics } from '../observability/metrics';
import type { KpiRecords, Store } from '../store';

/** Days watched after a publication, and days of baseline before it. */
export const WATCH_DAYS = 7;
export const BASELINE_DAYS = 28;

export interface WatchedDay {
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  readonly calls: number;
  readonly firings: number;
  /** Firings per call; null on a day without calls. */
  readonly rate: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly outside: boolean;
}

export interface RuleWatch {
  readonly rule: string;
  /** The rule in words with the drugs of its cards: "CPIC recommendation (clopidogrel)", "R1-… (metoprolol)". */
  readonly label: string;
  /** Firings per call over the baseline (ū). */
  readonly baselineRate: number;
  readonly days: readonly WatchedDay[];
  readonly flagged: boolean;
}

const DAY_MS = 86_400_000;
const round = (x: number) => Math.round(x * 10_000) / 10_000;

function firingsByRule(
  records: KpiRecords,
  drugs: Map<string, Set<string>>,
): Map<string, Map<string, number>> {
  const byRule = new Map<string, Map<string, number>>();
  for (const card of records.cards) {
    if (card.hook !== 'order-sign') continue;
    const day = card.shownAt.toISOString().slice(0, 10);
    for (const rule of new Set(card.ruleIds)) {
      if (card.drug) drugs.set(rule, (drugs.get(rule) ?? new Set()).add(card.drug));
      const days = byRule.get(rule) ?? new Map<string, number>();
      days.set(day, (days.get(day) ?? 0) + 1);
      byRule.set(rule, days);
    }
  }
  return byRule;
}

const total = (m: ReadonlyMap<string, number> | undefined) =>
  [...(m?.values() ?? [])].reduce((a, b) => a + b, 0);

/**
 * Each rule's days after `publishedAt` (up to `WATCH_DAYS`, through `now`) against its baseline, flagged rules first.
 * A rule that fired neither before nor after is not listed; a rule that never fired before has ū = 0, so any firing
 * after is outside its limits (a rule that starts to fire is what the watch is for).
 */
export function watchAfterPublish(
  before: KpiRecords,
  after: KpiRecords,
  publishedAt: Date,
  now: Date,
): RuleWatch[] {
  const baselineCalls = total(before.orderSignCallsByDay);
  const drugs = new Map<string, Set<string>>();
  const beforeFirings = firingsByRule(before, drugs);
  const afterFirings = firingsByRule(after, drugs);
  const start = Date.UTC(publishedAt.getUTCFullYear(), publishedAt.getUTCMonth(), publishedAt.getUTCDate());
  const days: string[] = [];
  for (let t = start; t <= now.getTime() && days.length < WATCH_DAYS; t += DAY_MS) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  const rules = [...new Set([...beforeFirings.keys(), ...afterFirings.keys()])].sort();
  const watched = rules.map((rule): RuleWatch => {
    const u = baselineCalls === 0 ? 0 : total(beforeFirings.get(rule)) / baselineCalls;
    const series = days.map((day): WatchedDay => {
      const calls = after.orderSignCallsByDay.get(day) ?? 0;
      const firings = afterFirings.get(rule)?.get(day) ?? 0;
      if (calls === 0) return { day, calls, firings, rate: null, lower: null, upper: null, outside: false };
      const spread = 3 * Math.sqrt(u / calls);
      const lower = Math.max(0, u - spread);
      const upper = u + spread;
      const rate = firings / calls;
      return {
        day,
        calls,
        firings,
        rate: round(rate),
        lower: round(lower),
        upper: round(upper),
        outside: rate > upper || (lower > 0 && rate < lower),
      };
    });
    const what = rule.startsWith('cpic:')
      ? rule.endsWith(':pre-test')
        ? 'Pre-test advice'
        : 'CPIC recommendation'
      : rule.replace(/^safety:/, 'Safety rule ');
    const onDrugs = [...(drugs.get(rule) ?? [])].sort().join(', ');
    return {
      rule,
      label: onDrugs ? `${what} (${onDrugs})` : what,
      baselineRate: round(u),
      days: series,
      flagged: series.some((d) => d.outside),
    };
  });
  return watched.sort((a, b) => Number(b.flagged) - Number(a.flagged) || a.rule.localeCompare(b.rule));
}

/** The latest publication's watch, or undefined when nothing was ever published. */
export interface PublicationWatch {
  readonly version: string;
  readonly publishedAt: Date;
  /** Still within `WATCH_DAYS` of the publication. */
  readonly watching: boolean;
  readonly rules: readonly RuleWatch[];
}

/** Reads the latest publish or rollback and the firing records around it, and watches it. */
export async function latestPublicationWatch(
  store: Pick<Store, 'thresholds' | 'kpis'>,
  now: Date,
): Promise<PublicationWatch | undefined> {
  const latest = (await store.thresholds.listEvents()).find((e) => e.action !== 'save-draft');
  if (!latest) return undefined;
  const publishedAt = latest.at;
  const [before, after] = await Promise.all([
    // Firing rates need no decision snapshot: none is read.
    store.kpis.recordsBetween(new Date(publishedAt.getTime() - BASELINE_DAYS * DAY_MS), publishedAt),
    store.kpis.recordsBetween(publishedAt, now),
  ]);
  return {
    version: latest.version,
    publishedAt,
    watching: now.getTime() - publishedAt.getTime() < WATCH_DAYS * DAY_MS,
    rules: watchAfterPublish(before, after, publishedAt, now),
  };
}

/** Sets `cds_threshold_rule_flagged`: 1 per rule flagged while the publication is watched, nothing otherwise. */
export function reportWatch(
  metrics: Pick<Metrics, 'thresholdRuleFlagged'>,
  watch: PublicationWatch | undefined,
): void {
  metrics.thresholdRuleFlagged.reset();
  if (!watch?.watching) return;
  for (const r of watch.rules) if (r.flagged) metrics.thresholdRuleFlagged.set({ rule: r.rule }, 1);
}
