/**
 * The override review, as the API answers it: list items, the detail of one override with its evidence, and CSV
 * rows. Pure functions over what the store returns (`store.overrides`, `store.invocations`, `store.feedback`).
 */
import { OVERRIDE_REASON_DISPLAYS, OVERRIDE_REASON_SYSTEM } from '../cards/override-reasons';
import { currentJudgements, judgementsDiffer } from '../store';
import type { FeedbackRecord, OverrideRow, RecordedInputs, RecordedInvocation, StoredReview } from '../store';
import { ORDER_DOSE } from '../rules/thresholds';
import type { Decision, SensorModifier } from '../rules/types';
import type { SensorAggregate } from '../sensors';
import { geneResultView, sensorDataView } from '../cards/evidence-view';
import { inSentence, limitsOf, metricName } from '../cards/sensor-text';
import { assessmentInputs, cardEvidence, decisionView, genesOfCard } from './evidence';
import { csvRecord, fileNamePart } from './csv';
import type { OverrideDetail, OverrideFilterQuery, OverrideList, OverrideListItem, Review } from './schemas';

/**
 * The reasons the cards offer, each code once, for the list's filter: the drug–gene cards' reasons, then the pre-test
 * cards' own, "Other reason" last.
 */
export const OFFERED_REASONS: OverrideList['reasons'] = [...OVERRIDE_REASON_DISPLAYS]
  .map(([code, display]) => ({ code, display }))
  .sort((a, b) => Number(a.code === 'other') - Number(b.code === 'other'));

/**
 * An override reason with the words the card offered it in: clients (the sandbox among them) send back the code alone,
 * and a pharmacist reads words. A display the client sent is kept; a code of another system is left as it came.
 */
export function withReasonDisplay<R extends { code?: string; system?: string; display?: string }>(
  reason: R,
): R {
  if (reason.display !== undefined || reason.code === undefined) return reason;
  if (reason.system !== undefined && reason.system !== OVERRIDE_REASON_SYSTEM) return reason;
  const display = OVERRIDE_REASON_DISPLAYS.get(reason.code);
  return display === undefined ? reason : { ...reason, display };
}

export function reviewView(r: StoredReview): Review {
  return {
    status: r.status,
    ...(r.note !== undefined ? { note: r.note } : {}),
    reviewer: r.reviewer,
    reviewedAt: r.reviewedAt.toISOString(),
  };
}

/**
 * A row of the override list. `since`: for a card that follows wearable measures, what the patient's later calls
 * brought (`sinceAlertCount`); the CSV export reads none.
 */
export function overrideListItem(row: OverrideRow, since?: OverrideListItem['sinceAlert']): OverrideListItem {
  return {
    cardUuid: row.cardUuid,
    overriddenAt: row.overriddenAt.toISOString(),
    shownAt: row.shownAt.toISOString(),
    serviceId: row.serviceId,
    hook: row.hook,
    summary: row.summary,
    indicator: row.indicator,
    ...(row.drug !== undefined ? { drug: row.drug } : {}),
    genes: genesOfCard(row.decision),
    ...(row.reason ? { reason: withReasonDisplay({ ...row.reason }) } : {}),
    ...(row.comment !== undefined ? { comment: row.comment } : {}),
    ...(row.clinician !== undefined ? { clinician: row.clinician } : {}),
    ...(row.clinicianName !== undefined ? { clinicianName: row.clinicianName } : {}),
    ...(row.review ? { review: reviewView(row.review) } : {}),
    judgements: row.judgements.map(reviewView),
    judgementsDiffer: judgementsDiffer(row.judgements),
    ...(since ? { sinceAlert: since } : {}),
  };
}

/** Each pharmacist's current judgement and whether they differ, from a card's history (newest first). */
export function judgementsOf(history: readonly StoredReview[]): {
  judgements: Review[];
  judgementsDiffer: boolean;
} {
  const judgements = currentJudgements([...history].reverse());
  return { judgements: judgements.map(reviewView), judgementsDiffer: judgementsDiffer(judgements) };
}

/**
 * The override's review state, disjoint as the list's `reviewed` filter: not reviewed, follow-up (the current review
 * asks for it), judgements differ (concluded, the pharmacists' current judgements disagreeing), or the settled
 * judgement.
 */
export function reviewState(
  item: Pick<OverrideListItem, 'review' | 'judgementsDiffer'>,
): 'not-reviewed' | 'follow-up' | 'judgements-differ' | 'appropriate' | 'not-appropriate' {
  if (!item.review) return 'not-reviewed';
  if (item.review.status === 'follow-up') return 'follow-up';
  return item.judgementsDiffer ? 'judgements-differ' : item.review.status;
}

/** The markdown `detail` of the card as shown (`cards.shown`), when it had one. */
export function shownDetail(shown: unknown): string | undefined {
  if (typeof shown !== 'object' || shown === null || !('detail' in shown)) return undefined;
  return typeof shown.detail === 'string' ? shown.detail : undefined;
}

/** How many of the patient's later calls the override review reads. */
export const LATER_CALLS = 10;

/**
 * What the review follows of a card whose rules read wearable measures: those measures (not the ordered dose, which
 * later calls do not repeat) and the time of the newest reading of each behind the alert (epoch ms; absent when the
 * alert had none).
 */
export interface FollowedWearables {
  readonly metrics: readonly string[];
  readonly newestAtAlert: Readonly<Partial<Record<string, number>>>;
}

/** The measures `modifiers` read and the alert's aggregates of them; undefined when no rule read a wearable measure. */
export function followedWearables(
  modifiers: readonly SensorModifier[],
  atAlert: readonly SensorAggregate[],
): FollowedWearables | undefined {
  const metrics = [...new Set(modifiers.map((m) => m.metric))].filter((m) => m !== ORDER_DOSE);
  if (metrics.length === 0) return undefined;
  const newestAtAlert: Partial<Record<string, number>> = {};
  for (const a of atAlert) {
    if (metrics.includes(a.metric) && a.newestSample !== undefined)
      newestAtAlert[a.metric] = Date.parse(a.newestSample);
  }
  return { metrics, newestAtAlert };
}

/** `followedWearables` of the card of this decision snapshot. */
export function followedWearablesOfCard(decision: unknown): FollowedWearables | undefined {
  const { decisions, sensors } = cardEvidence(decision, undefined);
  return followedWearables(
    decisions.flatMap((d) => d.modifiers),
    sensors,
  );
}

/**
 * The followed measures as the patient's later calls (`later`, newest first) read them, when newer than the alert's: a
 * later call's summary whose newest sample is no newer than the newest behind the card holds no data taken since the
 * alert, however its window moved. The same reading twice (the same value of the same readings, read by two calls
 * minutes apart) is given once.
 */
export function newReadings(
  followed: FollowedWearables,
  later: readonly RecordedInputs[],
): SensorAggregate[] {
  const seen = new Set<string>();
  return later.flatMap((call) =>
    (assessmentInputs(call.inputs)?.data.sensors.summary.metrics ?? []).filter((a) => {
      if (!followed.metrics.includes(a.metric) || a.newestSample === undefined) return false;
      if (Date.parse(a.newestSample) <= (followed.newestAtAlert[a.metric] ?? -Infinity)) return false;
      const key = JSON.stringify([a.metric, a.value, a.sampleCount, a.newestSample]);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }),
  );
}

/** How many later calls were read, and whether there may be more (the review reads the `LATER_CALLS` newest). */
function laterCallCounts(later: readonly RecordedInputs[]): { calls: number; more: boolean } {
  return { calls: later.length, more: later.length >= LATER_CALLS };
}

/** The list's "wearable data since" for a followed card: the later calls read and the new readings they hold. */
export function sinceAlertCount(
  followed: FollowedWearables,
  later: readonly RecordedInputs[],
): NonNullable<OverrideListItem['sinceAlert']> {
  return { ...laterCallCounts(later), newReadings: newReadings(followed, later).length };
}

/**
 * The measures the card's rules read (`modifiers`), as the patient's later calls (`later`, newest first) read them
 * since the alert (`atAlert`: the aggregates behind the card; `newReadings`); undefined for a card no rule read a
 * wearable measure for.
 */
export function sinceAlert(
  modifiers: readonly SensorModifier[],
  atAlert: readonly SensorAggregate[],
  later: readonly RecordedInputs[],
): OverrideDetail['sinceAlert'] {
  const followed = followedWearables(modifiers, atAlert);
  if (!followed) return undefined;
  return {
    ...laterCallCounts(later),
    measures: followed.metrics.map((m) => inSentence(metricName(m))),
    sensors: newReadings(followed, later).map((a) => sensorDataView(a, limitsOf(modifiers, a.metric))),
  };
}

/**
 * The orders the card's decisions were about, as the EHR named them (one per order, in order), where the record kept
 * their words: cards recorded before it did, and decisions on no order, give none.
 */
function orderedAs(decisions: readonly Decision[]): NonNullable<OverrideDetail['ordered']> {
  const byIndex = new Map<number, NonNullable<OverrideDetail['ordered']>[number]>();
  for (const { finding } of decisions) {
    const { product, dosage, orderIndex } = finding.order;
    if ((product === undefined && dosage === undefined) || byIndex.has(orderIndex)) continue;
    byIndex.set(orderIndex, { ...(product ? { product } : {}), ...(dosage ? { dosage } : {}) });
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, order]) => order);
}

/**
 * The detail of an overridden card: the card as shown, the evidence it rested on, every override entry on it, and
 * its reviews.
 */
export function overrideDetail(
  row: OverrideRow,
  invocation: RecordedInvocation,
  feedback: readonly FeedbackRecord[],
  history: readonly StoredReview[],
  later: readonly RecordedInputs[] = [],
): OverrideDetail {
  const card = invocation.cards.find((c) => c.uuid === row.cardUuid);
  const detail = shownDetail(card?.shown);
  const evidence = cardEvidence(row.decision, invocation.inputs);
  // The thresholds the card's rules compared each measure with: its value is not rounded across them.
  const modifiers = evidence.decisions.flatMap((d) => d.modifiers);
  const since = sinceAlert(modifiers, evidence.sensors, later);
  const [current] = history;
  const ordered = orderedAs(evidence.decisions);
  return {
    card: {
      uuid: row.cardUuid,
      summary: row.summary,
      indicator: row.indicator,
      ...(detail !== undefined ? { detail } : {}),
      ...(row.drug !== undefined ? { drug: row.drug } : {}),
      serviceId: row.serviceId,
      hook: row.hook,
      shownAt: row.shownAt.toISOString(),
      ruleIds: [...row.ruleIds],
      thresholdVersion: card?.thresholdVersion ?? '',
      knowledgeVersion: card?.knowledgeVersion ?? '',
    },
    ...(invocation.patientRef !== undefined ? { patient: invocation.patientRef } : {}),
    ...(row.clinician !== undefined ? { clinician: row.clinician } : {}),
    ...(row.clinicianName !== undefined ? { clinicianName: row.clinicianName } : {}),
    ...(ordered.length > 0 ? { ordered } : {}),
    evidenceFrom: evidence.from,
    decisions: evidence.decisions.map(decisionView),
    genes: evidence.genes.map(geneResultView),
    sensors: evidence.sensors.map((a) => sensorDataView(a, limitsOf(modifiers, a.metric))),
    ...(since ? { sinceAlert: since } : {}),
    overrides: feedback
      .filter((f) => f.outcome === 'overridden')
      .map((f) => ({
        receivedAt: f.receivedAt.toISOString(),
        outcomeTimestamp: f.outcomeTimestamp,
        ...(f.overrideReason ? { reason: withReasonDisplay({ ...f.overrideReason }) } : {}),
        ...(f.userComment !== undefined ? { comment: f.userComment } : {}),
      })),
    ...(current ? { review: reviewView(current) } : {}),
    ...judgementsOf(history),
    history: history.map(reviewView),
  };
}

/**
 * The CSV export's columns; no patient identifier (the detail view has the patient for follow-up). Times are ISO 8601
 * in UTC (`2026-05-10T10:00:00.000Z`), which the column names say (`_utc`).
 */
export const OVERRIDE_CSV_HEADER = csvRecord([
  'overridden_at_utc',
  'shown_at_utc',
  'card_uuid',
  'service',
  'hook',
  'drug',
  'genes',
  'indicator',
  'summary',
  'reason_code',
  'reason_display',
  'comment',
  'clinician',
  'clinician_name',
  'review_status',
  'reviewed_by',
  'reviewed_at_utc',
  'review_note',
  'review_state',
  'judgements',
]);

export function overrideCsvRecord(item: OverrideListItem): string {
  return csvRecord([
    item.overriddenAt,
    item.shownAt,
    item.cardUuid,
    item.serviceId,
    item.hook,
    item.drug,
    item.genes.join(' '),
    item.indicator,
    item.summary,
    item.reason?.code,
    item.reason?.display,
    item.comment,
    item.clinician,
    item.clinicianName,
    item.review?.status,
    item.review?.reviewer,
    item.review?.reviewedAt,
    item.review?.note,
    reviewState(item),
    item.judgements.map((j) => `${j.status} by ${j.reviewer}`).join('; '),
  ]);
}

const REVIEWED_WORDS: Readonly<Record<NonNullable<OverrideFilterQuery['reviewed']>, string>> = {
  true: 'reviewed',
  false: 'not-reviewed',
  'follow-up': 'follow-up',
  differ: 'judgements-differ',
};

/**
 * The export's file name, which says what it holds: the filters (drug, gene, indicator, reason, prescriber, review
 * state) and the period as asked (`from`/`to` as given, a date-time by its UTC day; an open end is the export day).
 * `overrides-codeine-CYP2D6-not-reviewed-2026-05-01-to-2026-05-31.csv`; unfiltered `overrides-2026-05-20.csv`.
 */
export function overrideExportFileName(query: OverrideFilterQuery, at: Date): string {
  const day = (v: string | undefined) => (v === undefined ? undefined : fileNamePart(v.slice(0, 10)));
  const [from, to, today] = [day(query.from), day(query.to), at.toISOString().slice(0, 10)];
  const period = from !== undefined ? `${from}-to-${to ?? today}` : to !== undefined ? `until-${to}` : today;
  const parts = [
    query.drug?.toLowerCase(),
    query.gene?.toUpperCase(),
    query.indicator,
    query.reason,
    query.clinician,
    query.reviewed === undefined ? undefined : REVIEWED_WORDS[query.reviewed],
  ]
    .map((v) => (v === undefined ? '' : fileNamePart(v.trim())))
    .filter((v) => v !== '');
  return `${['overrides', ...parts, period].join('-')}.csv`;
}
