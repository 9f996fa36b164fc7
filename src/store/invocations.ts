/**
 * Hook invocations and the cards they answered with: recording them, and finding them again for feedback, review
 * and replay.
 */
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ExpressionBuilder, Kysely, Selectable, SelectQueryBuilder, Transaction } from 'kysely';
import { withoutSyncWait } from './connect';
import type { Engine } from './connect';
import type { CardTable, Database, InvocationTable } from './schema';
import { insertVolumeOutcomes } from './volume';
import type { VolumeOutcomeRecord } from './volume';

/** One card as returned to the client, with what produced it. */
export interface CardRecord {
  /** The card's `uuid` (https://cds-hooks.hl7.org/2.0/#card-attributes); must be unique across all invocations. */
  uuid: string;
  indicator: 'info' | 'warning' | 'critical';
  summary: string;
  drug?: string;
  /** The card's versioned decision snapshot (`rules/types` DecisionSnapshot); stored as JSON. */
  decision: unknown;
  ruleIds: readonly string[];
  thresholdVersion: string;
  knowledgeVersion: string;
  /**
   * The card as sent to the client (JSON), without the service's own page links (their tokens are credentials): what
   * the rating page shows. Absent for cards recorded before it was kept (migration 0020).
   */
  shown?: unknown;
}

/** One hook call and the cards it answered with. */
export interface InvocationRecord {
  hookInstance: string;
  serviceId: string;
  hook: string;
  receivedAt: Date;
  /** JWT `iss` of the client, absent when authentication is off. */
  clientIssuer?: string;
  /** FHIR patient reference; stored, never logged. */
  patientRef?: string;
  /** The request's `context.userId` (who was prescribing, e.g. `Practitioner/123`). */
  userId?: string;
  /** That prescriber's name, when the client prefetched their Practitioner resource (`cds/prescriber.ts`). */
  userName?: string;
  latencyMs: number;
  /** Threshold set and knowledge versions in force for this call. */
  thresholdVersion?: string;
  knowledgeVersion?: string;
  /** What the assessment read (`rules/assess` AssessmentInputs, versioned), for replay; no patient identifier. */
  inputs?: unknown;
  cards: readonly CardRecord[];
  /**
   * What the alert-volume policy did with each advice (`store.volume`), written in the same transaction. Cards it
   * lists as repeated were recorded by an earlier invocation and are not in `cards`.
   */
  volume?: readonly VolumeOutcomeRecord[];
}

/** A recorded invocation as read back: what was recorded (absent optional values stay absent), with its own id. */
export interface RecordedInvocation extends Omit<InvocationRecord, 'volume'> {
  /** The store's id of the invocation (a hookInstance may repeat on a client's retry). */
  readonly id: string;
  /** Its cards, by uuid (the order they were sent in is not kept). */
  readonly cards: readonly CardRecord[];
}

/** A recorded card, as feedback handling needs it. */
export interface StoredCard {
  uuid: string;
  serviceId: string;
  hookInstance: string;
  indicator: string;
  /** When the invocation that produced the card was received. */
  createdAt: Date;
  /**
   * The uuids of the suggestions the card offered (https://cds-hooks.hl7.org/2.0/#suggestion): those of the card as
   * recorded and, for an order-select card re-rendered under the same uuid when its draft order changed, those of
   * the card as last returned (`order_select_cards`). Undefined when not known: a card recorded before the card as
   * shown was kept (migration 0020).
   */
  offeredSuggestions?: readonly string[];
}

export interface InvocationRepository {
  /** Records the invocation and its cards in one transaction. Rejects if a card uuid was already recorded. */
  record(rec: InvocationRecord): Promise<void>;
  /** The recorded cards among `uuids`, by uuid; unknown uuids are absent from the map. */
  findCards(uuids: readonly string[]): Promise<Map<string, StoredCard>>;
  /** The invocation that produced the card `cardUuid`, with all its cards; undefined for an unknown card. */
  findByCard(cardUuid: string): Promise<RecordedInvocation | undefined>;
  /** Every invocation recorded under `hookInstance` (a client may retry with the same one), oldest first. */
  listByHookInstance(hookInstance: string): Promise<RecordedInvocation[]>;
  /**
   * The recorded assessment inputs (what-if replay), newest first: the last `last` invocations that kept inputs, or
   * those received in [`from`, `to`), at most `limit` (default and ceiling 10,000).
   */
  listInputs(selection: InputsSelection): Promise<RecordedInputs[]>;
  /**
   * Hands each patient's newest recorded inputs to `visit`, newest patient first, one at a time (a batch job reads
   * them all: parsed together, 10,000 patients' inputs would hold hundreds of MB). Resolves with how many patients.
   * `known` is asked first about each patient's newest call, by invocation id: when it answers true (the caller
   * already holds what that call gave: a recorded call never changes), the call is neither read nor visited.
   * `passOverChartViewsUnder`: patient-view calls assessed under this knowledge version are passed over (a chart
   * opened after a knowledge update advised on no order, so it does not stand for the advice an earlier order got).
   */
  eachPatientLatestInputs(
    visit: (inputs: PatientInputs) => void,
    known?: (patientRef: string, invocationId: string) => boolean,
    passOverChartViewsUnder?: string,
  ): Promise<number>;
  /**
   * The recorded inputs of `patientRef`'s calls received after `after`, newest first, at most `limit` (the override
   * review's "since the alert").
   */
  patientInputsAfter(patientRef: string, after: Date, limit: number): Promise<RecordedInputs[]>;
}

/** A patient's newest recorded inputs, with the knowledge they were assessed under and the advice they gave. */
export interface PatientInputs extends RecordedInputs {
  /** `Patient/123`, as recorded. */
  readonly patientRef: string;
  /** The invocation that recorded them. */
  readonly invocationId: string;
  readonly knowledgeVersion?: string;
  /** Who made that call (`context.userId`) and their name, when recorded. */
  readonly userId?: string;
  readonly userName?: string;
  /** The decision snapshot (`CardRecord.decision`) of each card that call recorded. */
  readonly cardDecisions: readonly unknown[];
}

/** Which recorded inputs to read: the newest `last`, or a period (received at or after `from`, before `to`). */
export type InputsSelection =
  { readonly last: number } | { readonly from: Date; readonly to: Date; readonly limit?: number };

/** One invocation's recorded assessment inputs (no patient identifier). */
export interface RecordedInputs {
  readonly receivedAt: Date;
  readonly inputs: unknown;
}

/** Most inputs one replay reads. */
export const MAX_REPLAY_INPUTS = 10_000;
/** Inputs read per query by `listInputs`. */
const INPUTS_PAGE = 500;

export function createInvocationRepository(db: Kysely<Database>, engine: Engine): InvocationRepository {
  return {
    record: (rec) => recordInvocation(db, engine, rec),
    findCards: (uuids) => findCards(db, uuids),
    findByCard: async (cardUuid) => {
      const card = await db
        .selectFrom('cards')
        .select('invocation_id')
        .where('uuid', '=', cardUuid)
        .executeTakeFirst();
      if (!card) return undefined;
      const [found] = await readInvocations(db, 'id', card.invocation_id);
      return found;
    },
    listByHookInstance: (hookInstance) => readInvocations(db, 'hook_instance', hookInstance),
    eachPatientLatestInputs: (visit, known, passOver) => eachPatientLatestInputs(db, visit, known, passOver),
    patientInputsAfter: async (patientRef, after, limit) => {
      const rows = await db
        .selectFrom('invocations')
        .select(['received_at', 'inputs'])
        .where('patient_ref', '=', patientRef)
        .where('received_at', '>', after.toISOString())
        .where('inputs', 'is not', null)
        .orderBy('received_at', 'desc')
        .limit(Math.max(0, limit))
        .execute();
      return rows.map((row) => ({
        receivedAt: new Date(row.received_at),
        inputs: JSON.parse(row.inputs ?? 'null') as unknown,
      }));
    },
    listInputs: async (selection) => {
      let q = db
        .selectFrom('invocations')
        .select(['id', 'received_at', 'inputs'])
        .where('inputs', 'is not', null);
      let limit = MAX_REPLAY_INPUTS;
      if ('last' in selection) {
        limit = Math.min(Math.max(0, selection.last), MAX_REPLAY_INPUTS);
      } else {
        q = q
          .where('received_at', '>=', selection.from.toISOString())
          .where('received_at', '<', selection.to.toISOString());
        limit = Math.min(Math.max(0, selection.limit ?? MAX_REPLAY_INPUTS), MAX_REPLAY_INPUTS);
      }
      // 10,000 inputs are about 80 MB of JSON, which read and parsed at once held a SQLite process (whose reads do not
      // wait on I/O) for most of a second: in pages.
      const found: RecordedInputs[] = [];
      await newestFirstInPages(limit, q, (rows) => {
        for (const row of rows) {
          found.push({
            receivedAt: new Date(row.received_at),
            inputs: JSON.parse(row.inputs ?? 'null') as unknown,
          });
        }
      });
      return found;
    },
  };
}

/** Where an invocation read newest first starts a page: the last row of the page before. */
interface PageCursor {
  readonly receivedAt: string;
  readonly id: string;
}

/**
 * Invocations older than `after` in newest-first order: a row-value comparison, which both engines' index seek starts
 * at (not at the newest call).
 */
function olderThan(after: PageCursor) {
  return (eb: ExpressionBuilder<Database, 'invocations'>) =>
    eb(eb.refTuple('received_at', 'id'), '<', eb.tuple(after.receivedAt, after.id));
}

/**
 * Reads up to `wanted` of the invocations `query` selects, newest first, a page at a time, letting other requests
 * through between pages; `take` uses each page. Each page starts after the last row of the one before, so calls
 * recorded meanwhile neither repeat nor hide a row.
 */
async function newestFirstInPages<R extends { readonly received_at: string; readonly id: string }>(
  wanted: number,
  query: SelectQueryBuilder<Database, 'invocations', R>,
  take: (rows: readonly R[]) => Promise<void> | void,
): Promise<void> {
  let after: PageCursor | undefined;
  for (let left = wanted; left > 0;) {
    const rows = await (after ? query.where(olderThan(after)) : query)
      .orderBy('received_at', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(INPUTS_PAGE, left))
      .execute();
    await take(rows);
    left -= rows.length;
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < INPUTS_PAGE) return;
    after = { receivedAt: last.received_at, id: last.id };
    await nextTurn();
  }
}

/**
 * Reads every invocation that kept inputs, newest first in pages, and visits the first seen of each patient: its
 * newest, with its cards' decisions. A page is read without the inputs; only the first-seen patients' inputs and cards
 * are then read and parsed (a patient's earlier calls would otherwise each bring about 8 KB of JSON no one uses), and
 * of those only the calls `known` does not know.
 */
async function eachPatientLatestInputs(
  db: Kysely<Database>,
  visit: (inputs: PatientInputs) => void,
  known: (patientRef: string, invocationId: string) => boolean = () => false,
  passOverChartViewsUnder?: string,
): Promise<number> {
  const seen = new Set<string>();
  let q = db
    .selectFrom('invocations')
    .select(['id', 'received_at', 'patient_ref', 'knowledge_version', 'user_id', 'user_name'])
    .where('inputs', 'is not', null)
    .where('patient_ref', 'is not', null);
  const passOver = passOverChartViewsUnder;
  if (passOver !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb('hook', '!=', 'patient-view'),
        eb('knowledge_version', 'is', null),
        eb('knowledge_version', '!=', passOver),
      ]),
    );
  }
  await newestFirstInPages(Infinity, q, async (rows) => {
    // Each patient's newest call in this page that an earlier page did not already give.
    const first = new Map<string, (typeof rows)[number]>();
    for (const row of rows) {
      if (row.patient_ref === null || seen.has(row.patient_ref)) continue;
      seen.add(row.patient_ref);
      if (!known(row.patient_ref, row.id)) first.set(row.patient_ref, row);
    }
    if (first.size === 0) return;
    const ids = [...first.values()].map((row) => row.id);
    const inputs = await db
      .selectFrom('invocations')
      .select(['id', 'inputs'])
      .where('id', 'in', ids)
      .execute();
    const byId = new Map(inputs.map((row) => [row.id, row.inputs]));
    const decisions = new Map<string, unknown[]>();
    const cards = await db
      .selectFrom('cards')
      .select(['invocation_id', 'decision'])
      .where('invocation_id', 'in', ids)
      .execute();
    for (const card of cards) {
      const of = decisions.get(card.invocation_id) ?? [];
      of.push(JSON.parse(card.decision) as unknown);
      decisions.set(card.invocation_id, of);
    }
    for (const [patientRef, row] of first) {
      visit({
        patientRef,
        invocationId: row.id,
        receivedAt: new Date(row.received_at),
        ...(row.knowledge_version === null ? {} : { knowledgeVersion: row.knowledge_version }),
        ...(row.user_id === null ? {} : { userId: row.user_id }),
        ...(row.user_name === null ? {} : { userName: row.user_name }),
        inputs: JSON.parse(byId.get(row.id) ?? 'null') as unknown,
        cardDecisions: decisions.get(row.id) ?? [],
      });
    }
  });
  return seen.size;
}

/**
 * Writes one invocation with its cards and volume outcomes in one transaction, committed without waiting for the disk
 * (`withoutSyncWait`): the wait cost a hook call about 8 % of its time on SQLite (profiled under `npm run bench`;
 * docs/speed.md). Nobody is told an invocation was stored, and the next write that waits makes it durable too.
 */
async function recordInvocation(db: Kysely<Database>, engine: Engine, rec: InvocationRecord): Promise<void> {
  const invocationId = randomUUID();
  await withoutSyncWait(db, engine, (trx) => insertInvocation(trx, invocationId, rec));
}

async function insertInvocation(
  trx: Transaction<Database>,
  invocationId: string,
  rec: InvocationRecord,
): Promise<void> {
  await trx
    .insertInto('invocations')
    .values({
      id: invocationId,
      hook_instance: rec.hookInstance,
      service_id: rec.serviceId,
      hook: rec.hook,
      received_at: rec.receivedAt.toISOString(),
      client_issuer: rec.clientIssuer ?? null,
      patient_ref: rec.patientRef ?? null,
      user_id: rec.userId ?? null,
      user_name: rec.userName ?? null,
      latency_ms: Math.round(rec.latencyMs),
      threshold_version: rec.thresholdVersion ?? null,
      knowledge_version: rec.knowledgeVersion ?? null,
      inputs: rec.inputs === undefined ? null : JSON.stringify(rec.inputs),
    })
    .execute();
  if (rec.cards.length > 0) await insertCards(trx, invocationId, rec.cards);
  await insertVolumeOutcomes(trx, invocationId, rec.hook, rec.receivedAt.toISOString(), rec.volume ?? []);
}

async function insertCards(
  trx: Transaction<Database>,
  invocationId: string,
  cards: readonly CardRecord[],
): Promise<void> {
  await trx
    .insertInto('cards')
    .values(
      cards.map((card) => ({
        uuid: card.uuid,
        invocation_id: invocationId,
        indicator: card.indicator,
        summary: card.summary,
        drug: card.drug ?? null,
        decision: JSON.stringify(card.decision),
        rule_ids: JSON.stringify(card.ruleIds),
        threshold_version: card.thresholdVersion,
        knowledge_version: card.knowledgeVersion,
        shown: card.shown === undefined ? null : JSON.stringify(card.shown),
      })),
    )
    .execute();
}

async function findCards(db: Kysely<Database>, uuids: readonly string[]): Promise<Map<string, StoredCard>> {
  const found = new Map<string, StoredCard>();
  if (uuids.length === 0) return found;
  const rows = await db
    .selectFrom('cards')
    .innerJoin('invocations', 'invocations.id', 'cards.invocation_id')
    .select([
      'cards.uuid',
      'cards.indicator',
      'invocations.service_id',
      'invocations.hook_instance',
      'invocations.received_at',
      'cards.shown',
    ])
    .where('cards.uuid', 'in', [...new Set(uuids)])
    .execute();
  // An order-select card returned again for a changed draft order is re-rendered under its uuid with new suggestions,
  // and only its first rendering is recorded in `cards`: the rendering last returned is in the card cache.
  const rerendered =
    rows.length === 0
      ? []
      : await db
          .selectFrom('order_select_cards')
          .select(['card_uuid', 'card'])
          .where(
            'card_uuid',
            'in',
            rows.map((r) => r.uuid),
          )
          .execute();
  for (const row of rows) {
    const shown = row.shown === null ? undefined : suggestionUuids(row.shown);
    const again = rerendered.filter((r) => r.card_uuid === row.uuid).flatMap((r) => suggestionUuids(r.card));
    found.set(row.uuid, {
      uuid: row.uuid,
      serviceId: row.service_id,
      hookInstance: row.hook_instance,
      indicator: row.indicator,
      createdAt: new Date(row.received_at),
      ...(shown === undefined ? {} : { offeredSuggestions: [...new Set([...shown, ...again])] }),
    });
  }
  return found;
}

/** The `uuid`s of the `suggestions` of a card stored as JSON (the service's own cards: each suggestion has one). */
function suggestionUuids(cardJson: string): string[] {
  const card = JSON.parse(cardJson) as { suggestions?: unknown };
  if (!Array.isArray(card.suggestions)) return [];
  return card.suggestions.flatMap((s: unknown) =>
    typeof s === 'object' && s !== null && typeof (s as { uuid?: unknown }).uuid === 'string'
      ? [(s as { uuid: string }).uuid]
      : [],
  );
}

/** The invocations whose `column` equals `value`, oldest first, each with its cards. */
async function readInvocations(
  db: Kysely<Database>,
  column: 'id' | 'hook_instance',
  value: string,
): Promise<RecordedInvocation[]> {
  const invocations = await db
    .selectFrom('invocations')
    .selectAll()
    .where(column, '=', value)
    .orderBy('received_at')
    .orderBy('id')
    .execute();
  if (invocations.length === 0) return [];
  const cards = await db
    .selectFrom('cards')
    .selectAll()
    .where(
      'invocation_id',
      'in',
      invocations.map((i) => i.id),
    )
    .orderBy('uuid')
    .execute();
  return invocations.map((row) =>
    toRecordedInvocation(
      row,
      cards.filter((c) => c.invocation_id === row.id),
    ),
  );
}

function toRecordedInvocation(
  row: Selectable<InvocationTable>,
  cards: readonly Selectable<CardTable>[],
): RecordedInvocation {
  return {
    id: row.id,
    hookInstance: row.hook_instance,
    serviceId: row.service_id,
    hook: row.hook,
    receivedAt: new Date(row.received_at),
    ...(row.client_issuer !== null ? { clientIssuer: row.client_issuer } : {}),
    ...(row.patient_ref !== null ? { patientRef: row.patient_ref } : {}),
    ...(row.user_id !== null ? { userId: row.user_id } : {}),
    ...(row.user_name !== null ? { userName: row.user_name } : {}),
    latencyMs: row.latency_ms,
    ...(row.threshold_version !== null ? { thresholdVersion: row.threshold_version } : {}),
    ...(row.knowledge_version !== null ? { knowledgeVersion: row.knowledge_version } : {}),
    ...(row.inputs !== null ? { inputs: JSON.parse(row.inputs) as unknown } : {}),
    cards: cards.map(toCardRecord),
  };
}

function toCardRecord(row: Selectable<CardTable>): CardRecord {
  return {
    uuid: row.uuid,
    indicator: row.indicator,
    summary: row.summary,
    ...(row.drug !== null ? { drug: row.drug } : {}),
    decision: JSON.parse(row.decision) as unknown,
    ruleIds: JSON.parse(row.rule_ids) as string[],
    thresholdVersion: row.threshold_version,
    knowledgeVersion: row.knowledge_version,
    ...(row.shown !== null ? { shown: JSON.parse(row.shown) as unknown } : {}),
  };
}
