/**
 * Watch after publish (issue 11 item 5) on a constructed series: a rule firing at its usual rate stays inside its
 * u-chart limits; one whose rate jumps after the publication is flagged on that day; one that starts firing is
 * flagged; days without calls are not judged.
 */
import { WATCH_DAYS, reportWatch, watchAfterPublish } from '../../../src/admin/watch';
import { createMetrics } from '../../../src/observability/metrics';
import type { KpiCard, KpiRecords } from '../../../src/store';

const PUBLISHED = new Date('2026-05-10T08:00:00Z');
const DAY_MS = 86_400_000;

function card(rule: string, shownAt: Date, hook = 'order-sign'): KpiCard {
  return {
    uuid: `${rule}-${shownAt.toISOString()}`,
    hook,
    shownAt,
    ruleIds: [rule],
    facts: undefined,
    ratings: [],
    reviews: [],
  };
}

/** `calls` order-sign calls per day and `firings[rule]` cards per day, for the days starting `from`. */
function records(
  from: Date,
  days: number,
  calls: (i: number) => number,
  firings: Record<string, (i: number) => number>,
): KpiRecords {
  const byDay = new Map<string, number>();
  const cards: KpiCard[] = [];
  for (let i = 0; i < days; i += 1) {
    const at = new Date(from.getTime() + i * DAY_MS);
    const day = at.toISOString().slice(0, 10);
    if (calls(i) > 0) byDay.set(day, calls(i));
    for (const [rule, n] of Object.entries(firings)) {
      for (let k = 0; k < n(i); k += 1) cards.push(card(rule, at));
    }
  }
  return { orderSignCallsByDay: byDay, cards };
}

describe('firing rates after a publication', () => {
  const before = records(new Date(PUBLISHED.getTime() - 28 * DAY_MS), 28, () => 100, {
    steady: () => 10,
    jumps: () => 10,
  });
  const after = records(PUBLISHED, 3, (i) => (i === 2 ? 0 : 100), {
    steady: (i) => (i === 2 ? 0 : 12),
    jumps: (i) => (i === 1 ? 40 : i === 2 ? 0 : 10),
    starts: (i) => (i === 0 ? 1 : 0),
  });
  const now = new Date(PUBLISHED.getTime() + 2 * DAY_MS + 3_600_000);
  const watched = watchAfterPublish(before, after, PUBLISHED, now);
  const rule = (id: string) => watched.find((r) => r.rule === id);

  it('computes u-chart limits from the baseline rate and each day’s calls', () => {
    const u = 10 / 100;
    const spread = 3 * Math.sqrt(u / 100);
    expect(rule('steady')?.baselineRate).toBe(u);
    expect(rule('steady')?.days[0]).toMatchObject({ calls: 100, firings: 12, rate: 0.12, outside: false });
    expect(rule('steady')?.days[0]?.lower).toBeCloseTo(u - spread, 4);
    expect(rule('steady')?.days[0]?.upper).toBeCloseTo(u + spread, 4);
    expect(rule('steady')?.flagged).toBe(false);
  });

  it('flags a rule whose rate leaves its limits, on that day only', () => {
    expect(rule('jumps')?.days.map((d) => d.outside)).toEqual([false, true, false]);
    expect(rule('jumps')?.flagged).toBe(true);
  });

  it('flags a rule that starts firing, and lists flagged rules first', () => {
    expect(rule('starts')?.baselineRate).toBe(0);
    expect(rule('starts')?.flagged).toBe(true);
    expect(watched.map((r) => r.rule)).toEqual(['jumps', 'starts', 'steady']);
  });

  it('does not judge a day without calls, and watches at most 7 days', () => {
    expect(rule('steady')?.days[2]).toMatchObject({ calls: 0, rate: null, outside: false });
    const later = watchAfterPublish(before, after, PUBLISHED, new Date(PUBLISHED.getTime() + 30 * DAY_MS));
    expect(later[0]?.days).toHaveLength(WATCH_DAYS);
  });

  it('counts only order-sign cards', () => {
    const withSelect = { ...after, cards: [...after.cards, card('select-only', PUBLISHED, 'order-select')] };
    expect(watchAfterPublish(before, withSelect, PUBLISHED, now).some((r) => r.rule === 'select-only')).toBe(
      false,
    );
  });
});

describe('the watch in /metrics', () => {
  const before = records(new Date(PUBLISHED.getTime() - 28 * DAY_MS), 28, () => 100, { usual: () => 10 });
  const after = records(PUBLISHED, 1, () => 100, { usual: () => 40 });
  const rules = watchAfterPublish(before, after, PUBLISHED, new Date(PUBLISHED.getTime() + 3_600_000));

  it('reports 1 per flagged rule while the publication is watched, nothing after', async () => {
    const metrics = createMetrics();
    reportWatch(metrics, { version: 'v2', publishedAt: PUBLISHED, watching: true, rules });
    expect(await metrics.registry.getSingleMetricAsString('cds_threshold_rule_flagged')).toContain(
      'cds_threshold_rule_flagged{rule="usual"} 1',
    );
    reportWatch(metrics, { version: 'v2', publishedAt: PUBLISHED, watching: false, rules });
    expect(await metrics.registry.getSingleMetricAsString('cds_threshold_rule_flagged')).not.toContain(
      'usual',
    );
  });
});
