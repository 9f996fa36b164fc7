/**
 * Recorded cards for the override review and KPI tests, built through the store as the hooks record them: real
 * decision snapshots (real CPIC findings through the default rule engine, real sensor summaries), cards with the
 * summary, indicator and detail a client received, and the prescriber's `userId`.
 */
import { randomUUID } from 'node:crypto';
import type { AssessmentInputs } from '../../src/rules/assess';
import type { CpicRow, DrugOrder, Finding, GeneResult } from '../../src/rules/cpic';
import { DECISION_SNAPSHOT_SCHEMA, decisionRuleIds } from '../../src/rules/types';
import type { DecisionFacts } from '../../src/rules/types';
import type { SensorSummary } from '../../src/sensors';
import type { CardRecord, FeedbackRecord, InvocationRecord, Store } from '../../src/store';
import {
  AT,
  NO_SENSORS,
  findingFor,
  gene,
  genotyped,
  restingHeartRate,
  range,
} from '../fixtures/rules/builders';
import { decideFinding, noSensorFacts, shown, snapshotOf } from './decisions';

/** A gene result as a lab reports it: a diplotype, the newest source's date, the Observation read. */
export function labResult(
  symbol: string,
  phenotype: string,
  diplotype: string,
  date: string,
  lookupKey = phenotype,
): GeneResult {
  return {
    ...gene(symbol, phenotype, lookupKey),
    diplotype,
    date,
    sources: [`Observation/pgx-${symbol.toLowerCase()}`],
  };
}

export interface RecordedCardSpec {
  readonly drug: string;
  readonly genes: readonly GeneResult[];
  readonly hook?: 'order-sign' | 'order-select';
  readonly shownAt: string;
  readonly clinician?: string;
  /** The prescriber's name, as a `user` prefetch gives it. */
  readonly clinicianName?: string;
  readonly facts?: DecisionFacts;
  /** The card's detail as the client received it (kept in the card as shown). */
  readonly detail?: string;
  /** By default `Patient/review-example`. */
  readonly patientRef?: string;
}

/** Records one invocation with one card decided from `spec`; returns the card. */
export async function recordCard(store: Store, spec: RecordedCardSpec): Promise<CardRecord> {
  const facts = spec.facts ?? noSensorFacts(spec.shownAt);
  const decision = await decideFinding(findingFor(spec.drug, spec.genes), undefined, facts);
  const indicator = decision.indicator === 'none' ? 'info' : decision.indicator;
  const summary = `${spec.drug}: advice for ${spec.genes.map((g) => `${g.gene} ${g.phenotype}`).join(', ')}`;
  const card: CardRecord = {
    uuid: randomUUID(),
    indicator,
    summary,
    drug: spec.drug,
    decision: snapshotOf([decision], facts),
    ruleIds: decisionRuleIds(decision),
    thresholdVersion: decision.thresholdVersion,
    knowledgeVersion: decision.finding.knowledgeVersion,
    shown: { summary, indicator, ...(spec.detail !== undefined ? { detail: spec.detail } : {}) },
  };
  const hook = spec.hook ?? 'order-sign';
  await store.invocations.record({
    hookInstance: randomUUID(),
    serviceId: `pgx-${hook}`,
    hook,
    receivedAt: new Date(spec.shownAt),
    patientRef: spec.patientRef ?? 'Patient/review-example',
    ...(spec.clinician !== undefined ? { userId: spec.clinician } : {}),
    ...(spec.clinicianName !== undefined ? { userName: spec.clinicianName } : {}),
    latencyMs: 20,
    cards: [card],
  });
  return card;
}

/** Records an order-sign call that answered with no card. */
export async function recordQuietCall(store: Store, at: string): Promise<void> {
  await store.invocations.record({
    hookInstance: randomUUID(),
    serviceId: 'pgx-order-sign',
    hook: 'order-sign',
    receivedAt: new Date(at),
    latencyMs: 12,
    cards: [],
  });
}

/** An override entry as an EHR sends it (the sandbox omits `display`; real EHRs often send it). */
export function override(
  card: CardRecord,
  at: string,
  reason?: { code: string; display?: string },
  comment?: string,
): FeedbackRecord {
  return {
    serviceId: 'pgx-order-sign',
    cardUuid: card.uuid,
    outcome: 'overridden',
    acceptedSuggestions: [],
    ...(reason ? { overrideReason: { ...reason, system: 'https://example.org/override-reasons' } } : {}),
    ...(comment !== undefined ? { userComment: comment } : {}),
    outcomeTimestamp: at,
    receivedAt: new Date(at),
  };
}

export function accepted(card: CardRecord, at: string): FeedbackRecord {
  return {
    serviceId: 'pgx-order-sign',
    cardUuid: card.uuid,
    outcome: 'accepted',
    acceptedSuggestions: [],
    outcomeTimestamp: at,
    receivedAt: new Date(at),
  };
}

/** Daily resting heart rate of 52/min for 14 days up to `AT` of the builders (2026-05-15T09:00Z), 1 h before it. */
export const LOW_RESTING_HR: DecisionFacts = { sensors: restingHeartRate(52, range(0, 14)) };

/**
 * CYP2D6 *1/*3 as a call recorded it before the CPIC–DPWG consensus (Caudle et al., Clin Transl Sci 2020;13:116):
 * activity score 1.0 was Normal Metabolizer in the 2016 table; current CPIC calls it Intermediate.
 */
export const CYP2D6_BEFORE_2020: GeneResult = {
  ...genotyped('CYP2D6', '*1/*3'),
  phenotype: 'Normal Metabolizer',
  activityScore: '1.0',
};

/** An order-sign call as the store records it, with these results as its inputs, called under `knowledgeVersion`. */
export function callWithResults(
  patientRef: string,
  receivedAt: string,
  pgx: readonly GeneResult[],
  knowledgeVersion: string,
  orders: readonly DrugOrder[] = [],
  cards: readonly CardRecord[] = [],
  sensors: SensorSummary = NO_SENSORS,
): InvocationRecord {
  const inputs: AssessmentInputs = {
    schema: DECISION_SNAPSHOT_SCHEMA,
    data: {
      pgx,
      pgxConflicts: [],
      pgxComplete: true,
      activeMedications: [],
      sensors: { kind: 'summary', summary: sensors },
    },
    orders,
    now: receivedAt,
    preTest: 'allow',
  };
  return {
    hookInstance: randomUUID(),
    serviceId: 'pgx-order-sign',
    hook: 'order-sign',
    receivedAt: new Date(receivedAt),
    patientRef,
    latencyMs: 5,
    knowledgeVersion,
    inputs,
    cards,
  };
}

/**
 * A later call for `patientRef` as the store records it, `daysAfter` days and `minutesLater` minutes after the
 * builders' `AT` (a card's time): CYP2D6 Poor Metabolizer results, no order, and a daily resting heart rate of `bpm`
 * on each of the 7 days up to the call, summarised at it.
 */
export function laterHeartRateCall(
  patientRef: string,
  daysAfter: number,
  bpm: number,
  minutesLater = 0,
): InvocationRecord {
  const at = new Date(Date.parse(AT) + daysAfter * 86_400_000 + minutesLater * 60_000);
  return callWithResults(
    patientRef,
    at.toISOString(),
    [gene('CYP2D6', 'Poor Metabolizer', '0.0')],
    'cpic-2026-04-30',
    [],
    [],
    restingHeartRate(bpm, range(-daysAfter, 7 - daysAfter), at),
  );
}

/**
 * An order-sign call for `drug` as the store records it: the results and the order as its inputs, and the card the
 * default thresholds gave the CPIC finding, called under `knowledgeVersion`. `asThen` gives the CPIC row as the
 * release of that version had it (a text or strength CPIC has since revised); by default the row in force.
 */
export async function callWithCard(
  patientRef: string,
  receivedAt: string,
  pgx: readonly GeneResult[],
  drug: string,
  knowledgeVersion: string,
  asThen: (row: CpicRow) => CpicRow = (row) => row,
): Promise<InvocationRecord> {
  const found = findingFor(drug, pgx);
  const finding: Finding =
    found.kind === 'recommendation' || found.kind === 'warfarin-figure'
      ? { ...found, row: asThen(found.row), knowledgeVersion }
      : { ...found, knowledgeVersion };
  const facts = noSensorFacts(receivedAt);
  const decision = shown(await decideFinding(finding, undefined, facts));
  const summary = `${drug}: advice for ${pgx.map((g) => `${g.gene} ${g.phenotype}`).join(', ')}`;
  const card: CardRecord = {
    uuid: randomUUID(),
    indicator: decision.indicator,
    summary,
    drug,
    decision: snapshotOf([decision], facts),
    ruleIds: decisionRuleIds(decision),
    thresholdVersion: decision.thresholdVersion,
    knowledgeVersion,
    shown: { summary, indicator: decision.indicator },
  };
  return callWithResults(patientRef, receivedAt, pgx, knowledgeVersion, [finding.order], [card]);
}
