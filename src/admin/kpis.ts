/**
 * Governance figures per rule or per drug–gene pair over a period (issue 10 item 4), from the recorded cards
 * (`store.kpis`). Definitions (also in README.md):
 * - alert burden: cards shown at order-sign per 100 order-sign calls (every call in the period is the denominator of
 *   every group, so groups add up to the total);
 * - a card's outcome is its newest feedback entry; acceptance and override rates are over cards with an outcome
 *   (EHRs do not report one for every card, and a card without one is neither accepted nor overridden);
 * - reviewed share: overridden cards whose current review concludes (appropriate or not) / overridden cards;
 *   appropriate share: settled appropriate (every pharmacist's current judgement, their latest review, says
 *   appropriate) / concluded; judgements differ: concluded overrides whose pharmacists' current judgements differ
 *   (in the appropriate share's denominator, never its numerator);
 * - reviewer agreement: over overridden cards judged (appropriate or not) by two pharmacists, each one's first
 *   judgement, the first pharmacist to judge as one rater and the second as the other: Cohen's κ, as the published
 *   override-appropriateness reviews report inter-rater agreement (0.79–0.97, JMIR Med Inform 2020;8:e15653). The
 *   first judgements, not the current ones: the review page folds other pharmacists' reviews away until one has
 *   judged, so a first judgement is independent, and a judgement changed after reading a colleague's is settling a
 *   disagreement, not rating independently;
 * - data latency: the card's time minus the newest wearable sample behind it (hours) and minus the date of the newest
 *   PGx result behind it (days), from the card's decision snapshot; median and maximum over cards that have one;
 * - monitoring promised: overridden cards whose rules read wearable measures and whose override gave "will monitor",
 *   and how many of them the patient's later calls brought readings of those measures newer than the alert's
 *   (`monitored`, read by the route: `newReadings` over the 10 newest later calls, as the override review shows them).
 * A card counts in every rule it records (its CPIC rule and the sensor rules that applied) and once in every
 * drug–gene pair its decisions read.
 */
import { inSentence, metricName, thresholdText } from '../cards/sensor-text';
import { WILL_MONITOR } from '../cards/override-reasons';
import { lookupKeyText } from '../rules/cpic/recommendations';
import { findingRuleId } from '../rules/cpic/types';
import type { Decision } from '../rules/types';
import type { KpiCard, KpiRecords } from '../store';
import { RATINGS, currentJudgements, judgementsDiffer } from '../store';
import { decisionsOfCard, genesOfFinding, sensorsOfCard } from './evidence';
import { followedWearables, withReasonDisplay } from './overrides';
import type { FollowedWearables } from './overrides';
import type { KpiDay, KpiFigures, KpiGroup, KpiReport } from './schemas';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Default period: the 30 days before now. */
const DEFAULT_DAYS = 30;

/** The period asked for; a missing end is now, a missing start 30 days before the end. */
export function defaultKpiPeriod(now: Date, from?: Date, to?: Date): { from: Date; to: Date } {
  const end = to ?? now;
  return { from: from ?? new Date(end.getTime() - DEFAULT_DAYS * DAY_MS), to: end };
}

export function computeKpis(
  records: KpiRecords<KpiCardFacts>,
  period: { readonly from: Date; readonly to: Date },
  groupBy: 'rule' | 'pair',
  monitored: ReadonlySet<string> = new Set(),
): KpiReport {
  const calls = [...records.orderSignCallsByDay.values()].reduce((a, b) => a + b, 0);
  const groups = new Map<
    string,
    { group: Omit<KpiGroup, keyof KpiFigures>; cards: KpiCard<KpiCardFacts>[] }
  >();
  for (const card of records.cards) {
    for (const g of groupBy === 'rule' ? ruleGroups(card) : pairGroups(card)) {
      const entry = groups.get(g.key) ?? { group: g, cards: [] };
      entry.cards.push(card);
      groups.set(g.key, entry);
    }
  }
  return {
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    groupBy,
    orderSignCalls: calls,
    totals: figures(records.cards, calls, monitored),
    groups: [...groups.values()]
      .map(({ group, cards }) => ({ ...group, ...figures(cards, calls, monitored) }))
      .sort((a, b) => b.cards - a.cards || a.key.localeCompare(b.key)),
    daily: daily(records, period),
  };
}

const FINDING_WORDS: Readonly<Record<Decision['finding']['kind'], string>> = {
  recommendation: 'CPIC recommendation',
  'warfarin-figure': 'CPIC warfarin dosing figure',
  'pre-test': 'Pre-test advice',
  'no-row': 'CPIC, no matching recommendation',
  conflict: 'Conflicting results',
  'safety-rule': 'Safety rule on sensor data',
};

/** A drug–gene pair a card's decisions read (a drug alone when none names a gene). */
type PairGroup = Omit<KpiGroup, keyof KpiFigures>;

/**
 * What the figures need of a card's decision snapshot, kept in its place (`store.kpis` reads a year of cards without
 * holding their snapshots).
 */
export interface KpiCardFacts {
  readonly pairs: readonly PairGroup[];
  /**
   * Each rule the decisions name, in words: a CPIC rule by what it is and the row's lookup (`CPIC recommendation for
   * CYP2C19 Poor Metabolizer`, `… for CYP2D6 activity score 3.0`), a sensor rule by its metric and threshold
   * (`Sensor rule: resting heart rate below 60/min`).
   */
  readonly ruleWords: Readonly<Record<string, string>>;
  /** The newest wearable sample behind the card (epoch ms). */
  readonly newestSample?: number;
  /** The effective date of the newest PGx result behind the card (epoch ms). */
  readonly newestResult?: number;
  /** The wearable measures its rules read, with the newest reading of each behind it; absent when none. */
  readonly wearables?: FollowedWearables;
}

/** The `digest` of `store.kpis.recordsBetween`: a recorded decision snapshot's facts. */
export function kpiFacts(decision: unknown): KpiCardFacts {
  const decisions = decisionsOfCard(decision);
  const pairs = new Map<string, PairGroup>();
  const ruleWords: Record<string, string> = {};
  for (const d of decisions) {
    const f = d.finding;
    const genes = genesOfFinding(f);
    if (genes.length === 0) pairs.set(f.drug, { key: f.drug, drug: f.drug });
    for (const gene of genes)
      pairs.set(`${f.drug}|${gene}`, { key: `${f.drug}|${gene}`, drug: f.drug, gene });
    for (const m of d.modifiers) {
      const threshold = thresholdText(m);
      ruleWords[m.ruleId] ??=
        `Sensor rule: ${inSentence(metricName(m.metric))}${threshold ? ` ${threshold}` : ''}`;
    }
    const key = f.kind === 'recommendation' ? lookupKeyText(f.row.lookupKey) : '';
    ruleWords[findingRuleId(f)] ??= `${FINDING_WORDS[f.kind]}${key ? ` for ${key}` : ''}`;
  }
  const sensors = sensorsOfCard(decision);
  const newestSample = latest(sensors.map((a) => a.newestSample));
  const newestResult = latest(decisions.flatMap((d) => d.finding.genes.map((g) => g.date)));
  const wearables = followedWearables(
    decisions.flatMap((d) => d.modifiers),
    sensors,
  );
  return {
    pairs: [...pairs.values()],
    ruleWords,
    ...(wearables === undefined ? {} : { wearables }),
    ...(newestSample === undefined ? {} : { newestSample }),
    ...(newestResult === undefined ? {} : { newestResult }),
  };
}

/**
 * Per rule, named in words and by the drug and gene(s) of its card, so a reader need not know the rule's id (the id
 * itself when the card's decisions no longer say: an unreadable snapshot).
 */
function ruleGroups(card: KpiCard<KpiCardFacts>): PairGroup[] {
  const pairs = pairGroups(card);
  const drug = pairs[0]?.drug ?? card.drug;
  const gene = [...new Set(pairs.flatMap((p) => (p.gene === undefined ? [] : [p.gene])))].join(', ');
  return card.ruleIds.map((rule) => ({
    key: rule,
    rule,
    label: card.facts.ruleWords[rule] ?? rule,
    ...(drug === undefined ? {} : { drug }),
    ...(gene === '' ? {} : { gene }),
  }));
}

function pairGroups(card: KpiCard<KpiCardFacts>): readonly PairGroup[] {
  if (card.facts.pairs.length > 0 || card.drug === undefined) return card.facts.pairs;
  return [{ key: card.drug, drug: card.drug }];
}

/** An override that promised monitoring the card's wearable data would show: "will monitor" on a card reading it. */
export function promisesMonitoring(card: KpiCard<KpiCardFacts>): boolean {
  return (
    card.outcome === 'overridden' &&
    card.overrideReason?.code === WILL_MONITOR &&
    card.facts.wearables !== undefined
  );
}

function figures(
  cards: readonly KpiCard<KpiCardFacts>[],
  orderSignCalls: number,
  monitored: ReadonlySet<string>,
): KpiFigures {
  const orderSignCards = cards.filter((c) => c.hook === 'order-sign').length;
  const accepted = cards.filter((c) => c.outcome === 'accepted').length;
  const overriddenCards = cards.filter((c) => c.outcome === 'overridden');
  const overridden = overriddenCards.length;
  const withOutcome = accepted + overridden;
  const reasons = new Map<string, { code: string; display?: string; count: number }>();
  for (const c of overriddenCards) {
    const code = c.overrideReason?.code ?? '(none)';
    const display = c.overrideReason ? withReasonDisplay(c.overrideReason).display : undefined;
    const seen = reasons.get(code) ?? {
      code,
      ...(display !== undefined ? { display } : {}),
      count: 0,
    };
    seen.count += 1;
    reasons.set(code, seen);
  }
  const ratings = Object.fromEntries(RATINGS.map((r) => [r, 0])) as KpiFigures['ratings'];
  for (const c of cards) for (const r of c.ratings) ratings[r] += 1;
  const concluded = overriddenCards.filter(
    (c) => c.reviewStatus === 'appropriate' || c.reviewStatus === 'not-appropriate',
  );
  // Judgements that differ settle nothing: such an override is concluded, but neither appropriate nor not.
  const differ = concluded.filter((c) => judgementsDiffer(currentJudgements(c.reviews)));
  const appropriate = concluded.filter((c) => c.reviewStatus === 'appropriate' && !differ.includes(c)).length;
  const promised = overriddenCards.filter(promisesMonitoring);
  return {
    cards: cards.length,
    orderSignCards,
    cardsPer100OrderSign: orderSignCalls === 0 ? null : round((orderSignCards / orderSignCalls) * 100),
    withOutcome,
    accepted,
    overridden,
    acceptanceRate: ratio(accepted, withOutcome),
    overrideRate: ratio(overridden, withOutcome),
    overrideReasons: [...reasons.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    ratings,
    reviewedShare: ratio(concluded.length, overridden),
    appropriateShare: ratio(appropriate, concluded.length),
    judgementsDiffer: differ.length,
    followUp: overriddenCards.filter((c) => c.reviewStatus === 'follow-up').length,
    reviewerAgreement: agreement(overriddenCards),
    monitoringPromised: {
      overrides: promised.length,
      withNewReadings: promised.filter((c) => monitored.has(c.uuid)).length,
    },
    sensorAgeHours: summary(cards.map((c) => sensorAgeHours(c))),
    pgxAgeDays: summary(cards.map((c) => pgxAgeDays(c))),
  };
}

/**
 * The judgements of an override by the first two pharmacists to judge it: each one's first review that concludes
 * (appropriate: true; not appropriate: false), in the order given; undefined until two different pharmacists have.
 */
function twoJudgements(card: KpiCard<KpiCardFacts>): readonly [boolean, boolean] | undefined {
  const first = new Map<string, boolean>();
  for (const r of card.reviews) {
    if (r.status === 'follow-up' || first.has(r.reviewer)) continue;
    first.set(r.reviewer, r.status === 'appropriate');
    if (first.size === 2) break;
  }
  const [a, b] = [...first.values()];
  return a === undefined || b === undefined ? undefined : [a, b];
}

function agreement(overridden: readonly KpiCard<KpiCardFacts>[]): KpiFigures['reviewerAgreement'] {
  const pairs = overridden.flatMap((c) => {
    const pair = twoJudgements(c);
    return pair ? [pair] : [];
  });
  return {
    overrides: pairs.length,
    agreed: pairs.filter(([a, b]) => a === b).length,
    kappa: cohensKappa(pairs),
  };
}

/**
 * Cohen's κ of two raters' yes/no judgements of the same items (Cohen, Educ Psychol Meas 1960;20:37): observed
 * agreement po, chance agreement pe from each rater's own share of "yes", κ = (po − pe) / (1 − pe). Null without
 * items, and when pe is 1 (both raters gave one same answer throughout: κ is undefined).
 */
export function cohensKappa(pairs: readonly (readonly [boolean, boolean])[]): number | null {
  const n = pairs.length;
  if (n === 0) return null;
  const po = pairs.filter(([a, b]) => a === b).length / n;
  const yesA = pairs.filter(([a]) => a).length / n;
  const yesB = pairs.filter(([, b]) => b).length / n;
  const pe = yesA * yesB + (1 - yesA) * (1 - yesB);
  return pe === 1 ? null : round((po - pe) / (1 - pe));
}

/** Hours from the newest wearable sample behind the card to the card; undefined when it read none. */
function sensorAgeHours(card: KpiCard<KpiCardFacts>): number | undefined {
  const newest = card.facts.newestSample;
  return newest === undefined ? undefined : (card.shownAt.getTime() - newest) / HOUR_MS;
}

/** Days from the newest PGx result behind the card (its effective date) to the card; undefined without a date. */
function pgxAgeDays(card: KpiCard<KpiCardFacts>): number | undefined {
  const newest = card.facts.newestResult;
  return newest === undefined ? undefined : (card.shownAt.getTime() - newest) / DAY_MS;
}

/** The latest of ISO 8601 times (a date alone is its UTC midnight), as epoch ms. */
function latest(times: readonly (string | undefined)[]): number | undefined {
  const ms = times
    .filter((t): t is string => t !== undefined)
    .map((t) => Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : t))
    .filter((t) => !Number.isNaN(t));
  return ms.length === 0 ? undefined : ms.reduce((a, b) => Math.max(a, b));
}

function summary(values: readonly (number | undefined)[]): KpiFigures['sensorAgeHours'] {
  const known = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  if (known.length === 0) return { count: 0, median: null, max: null };
  const at = (i: number): number => known[i] ?? 0;
  const mid = Math.floor(known.length / 2);
  const median = known.length % 2 === 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
  return { count: known.length, median: round(median), max: round(at(known.length - 1)) };
}

function daily(
  records: KpiRecords<KpiCardFacts>,
  period: { readonly from: Date; readonly to: Date },
): KpiDay[] {
  const byDay = new Map<string, KpiCard[]>();
  for (const c of records.cards) {
    const day = c.shownAt.toISOString().slice(0, 10);
    const cards = byDay.get(day);
    if (cards) cards.push(c);
    else byDay.set(day, [c]);
  }
  const days: KpiDay[] = [];
  const start = Date.UTC(period.from.getUTCFullYear(), period.from.getUTCMonth(), period.from.getUTCDate());
  for (let t = start; t < period.to.getTime(); t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    const cards = byDay.get(day) ?? [];
    const calls = records.orderSignCallsByDay.get(day) ?? 0;
    const orderSignCards = cards.filter((c) => c.hook === 'order-sign').length;
    days.push({
      day,
      orderSignCalls: calls,
      orderSignCards,
      cardsPer100OrderSign: calls === 0 ? null : round((orderSignCards / calls) * 100),
      accepted: cards.filter((c) => c.outcome === 'accepted').length,
      overridden: cards.filter((c) => c.outcome === 'overridden').length,
    });
  }
  return days;
}

function ratio(n: number, d: number): number | null {
  return d === 0 ? null : round(n / d);
}

/** Four decimals: enough for a rate or an age, stable in JSON. */
function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
