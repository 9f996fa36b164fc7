/**
 * The store: every hook invocation with its cards, and every feedback entry on those cards, in SQLite (default)
 * or PostgreSQL through kysely. Migrations run when the store opens. See README.md for the design decisions.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Kysely, Migrator, sql } from 'kysely';
import { createDialect, engineOf } from './connect';
import type { Engine } from './connect';
import { migrationProvider } from './migrations';
import type { Database } from './schema';

export type { Database } from './schema';
export type { Engine } from './connect';

/** One card as returned to the client, with what produced it. */
export interface CardRecord {
  /** The card's `uuid` (https://cds-hooks.hl7.org/2.0/#card-attributes); must be unique across all invocations. */
  uuid: string;
  indicator: 'info' | 'warning' | 'critical';
  summary: string;
  drug?: string;
  /** The Decision behind the card; stored as JSON. */
  decision: unknown;
  ruleIds: readonly string[];
  thresholdVersion: string;
  knowledgeVersion: string;
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
  latencyMs: number;
  /** Threshold set and knowledge versions in force for this call. */
  thresholdVersion?: string;
  knowledgeVersion?: string;
  cards: readonly CardRecord[];
}

/** One feedback entry (https://cds-hooks.hl7.org/2.0/#feedback) for a card this service recorded. */
export interface FeedbackRecord {
  serviceId: string;
  cardUuid: string;
  outcome: 'accepted' | 'overridden';
  acceptedSuggestions: readonly string[];
  overrideReason?: { code?: string; system?: string; display?: string };
  userComment?: string;
  /** As sent by the client (ISO 8601 UTC per the spec). */
  outcomeTimestamp: string;
  receivedAt: Date;
  clientIssuer?: string;
}

/** A recorded card, as feedback handling needs it. */
export interface StoredCard {
  uuid: string;
  serviceId: string;
  hookInstance: string;
  indicator: string;
  /** When the invocation that produced the card was received. */
  createdAt: Date;
}

/** One stored version of the actionability thresholds (issue 5; the informaticist editor builds on this). */
export interface ThresholdSetRecord {
  version: string;
  /** JSON text as saved; validating it is the rules module's job (`parseThresholdSet`). */
  json: string;
  status: 'draft' | 'published' | 'retired';
  createdAt: Date;
  createdBy: string;
  /** Latest publication (a retired version keeps when it was last published). */
  publishedAt?: Date;
  publishedBy?: string;
  note?: string;
}

/** A threshold set to save as a draft. */
export interface ThresholdDraft {
  version: string;
  json: string;
  createdBy: string;
  note?: string;
  /** Defaults to now. */
  createdAt?: Date;
}

export interface Store {
  readonly engine: Engine;
  /** Typed query access for later modules (feedback volume, override review). */
  readonly db: Kysely<Database>;
  /** Records the invocation and its cards in one transaction. Rejects if a card uuid was already recorded. */
  recordInvocation(rec: InvocationRecord): Promise<void>;
  /** The recorded cards among `uuids`, by uuid; unknown uuids are absent from the map. */
  findCards(uuids: readonly string[]): Promise<Map<string, StoredCard>>;
  /**
   * Stores feedback entries in one transaction and resolves after the commit. An entry already stored (or
   * repeated within `entries`) is counted as a duplicate and not stored again. Every `cardUuid` must be a
   * recorded card (check with `findCards` first): otherwise the foreign key rejects the whole batch.
   */
  recordFeedback(entries: readonly FeedbackRecord[]): Promise<{ stored: number; duplicates: number }>;
  /** The published threshold set's version and JSON text, or undefined when none is published. */
  publishedThresholds(): Promise<{ version: string; json: string } | undefined>;
  /**
   * Saves a draft version; saving an existing draft again replaces its JSON and note. Rejects when the version
   * exists and is (or was) published: published versions are immutable.
   */
  saveThresholdDraft(draft: ThresholdDraft): Promise<void>;
  /**
   * Publishes a draft or retired version (rollback) in one transaction: the published version, if any, becomes
   * `retired`; `published_at`/`published_by` record who and when. Publishing the published version again changes
   * nothing. Rejects for an unknown version; at most one version is ever published (unique index).
   */
  publishThresholds(version: string, by: string, at?: Date): Promise<void>;
  /** Every stored threshold set, newest first (by creation time). */
  listThresholdSets(): Promise<ThresholdSetRecord[]>;
  /** Resolves when the database answers a query; rejects otherwise (for `/readyz`). */
  ping(): Promise<void>;
  /** Closes the connection(s); the store cannot be used afterwards. */
  close(): Promise<void>;
}

/**
 * Opens the store named by `databaseUrl` (`postgres://…`/`postgresql://…`, a SQLite file path created with its
 * folder when missing, or `:memory:`) and brings its schema up to date.
 */
export async function openStore(databaseUrl: string): Promise<Store> {
  const engine = engineOf(databaseUrl);
  const db = new Kysely<Database>({ dialect: createDialect(engine, databaseUrl) });
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return {
    engine,
    db,
    recordInvocation: (rec) => recordInvocation(db, rec),
    findCards: (uuids) => findCards(db, uuids),
    recordFeedback: (entries) => recordFeedback(db, entries),
    publishedThresholds: () => publishedThresholds(db),
    saveThresholdDraft: (draft) => saveThresholdDraft(db, draft),
    publishThresholds: (version, by, at) => publishThresholds(db, version, by, at ?? new Date()),
    listThresholdSets: () => listThresholdSets(db),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`store migration ${failed} failed`, { cause: error });
  }
}

async function recordInvocation(db: Kysely<Database>, rec: InvocationRecord): Promise<void> {
  const invocationId = randomUUID();
  await db.transaction().execute(async (trx) => {
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
        latency_ms: Math.round(rec.latencyMs),
        threshold_version: rec.thresholdVersion ?? null,
        knowledge_version: rec.knowledgeVersion ?? null,
      })
      .execute();
    if (rec.cards.length === 0) return;
    await trx
      .insertInto('cards')
      .values(
        rec.cards.map((card) => ({
          uuid: card.uuid,
          invocation_id: invocationId,
          indicator: card.indicator,
          summary: card.summary,
          drug: card.drug ?? null,
          decision: JSON.stringify(card.decision),
          rule_ids: JSON.stringify(card.ruleIds),
          threshold_version: card.thresholdVersion,
          knowledge_version: card.knowledgeVersion,
        })),
      )
      .execute();
  });
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
    ])
    .where('cards.uuid', 'in', [...new Set(uuids)])
    .execute();
  for (const row of rows) {
    found.set(row.uuid, {
      uuid: row.uuid,
      serviceId: row.service_id,
      hookInstance: row.hook_instance,
      indicator: row.indicator,
      createdAt: new Date(row.received_at),
    });
  }
  return found;
}

async function recordFeedback(
  db: Kysely<Database>,
  entries: readonly FeedbackRecord[],
): Promise<{ stored: number; duplicates: number }> {
  let stored = 0;
  await db.transaction().execute(async (trx) => {
    for (const entry of entries) {
      const result = await trx
        .insertInto('feedback')
        .values({
          entry_key: feedbackEntryKey(entry),
          card_uuid: entry.cardUuid,
          service_id: entry.serviceId,
          outcome: entry.outcome,
          accepted_suggestions: JSON.stringify(entry.acceptedSuggestions),
          override_code: entry.overrideReason?.code ?? null,
          override_system: entry.overrideReason?.system ?? null,
          override_display: entry.overrideReason?.display ?? null,
          user_comment: entry.userComment ?? null,
          outcome_timestamp: entry.outcomeTimestamp,
          received_at: entry.receivedAt.toISOString(),
          client_issuer: entry.clientIssuer ?? null,
        })
        .onConflict((oc) => oc.column('entry_key').doNothing())
        .executeTakeFirst();
      if (result.numInsertedOrUpdatedRows === 1n) stored += 1;
    }
  });
  return { stored, duplicates: entries.length - stored };
}

/**
 * The identity of a feedback entry: what the clinician did to which card, and when. A client that repeats an
 * entry (a retry) sends the same values; `display`, `serviceId`, `receivedAt` and the issuer do not change what
 * happened, so they are not part of it. Accepted suggestion ids are a set (sorted) and the fields sit at fixed
 * positions in an array, so the JSON is canonical without sorting object keys.
 */
function feedbackEntryKey(entry: FeedbackRecord): string {
  const identity = [
    entry.cardUuid,
    entry.outcome,
    entry.outcomeTimestamp,
    [...entry.acceptedSuggestions].sort(),
    entry.overrideReason?.code ?? null,
    entry.overrideReason?.system ?? null,
    entry.userComment ?? null,
  ];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

async function publishedThresholds(
  db: Kysely<Database>,
): Promise<{ version: string; json: string } | undefined> {
  return db
    .selectFrom('threshold_sets')
    .select(['version', 'json'])
    .where('status', '=', 'published')
    .executeTakeFirst();
}

async function saveThresholdDraft(db: Kysely<Database>, draft: ThresholdDraft): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('threshold_sets')
      .select('status')
      .where('version', '=', draft.version)
      .executeTakeFirst();
    if (existing && existing.status !== 'draft') {
      throw new Error(
        `threshold set ${draft.version} is ${existing.status}; published versions are immutable`,
      );
    }
    if (existing) {
      await trx
        .updateTable('threshold_sets')
        .set({ json: draft.json, note: draft.note ?? null })
        .where('version', '=', draft.version)
        .execute();
      return;
    }
    await trx
      .insertInto('threshold_sets')
      .values({
        version: draft.version,
        json: draft.json,
        status: 'draft',
        created_at: (draft.createdAt ?? new Date()).toISOString(),
        created_by: draft.createdBy,
        published_at: null,
        published_by: null,
        note: draft.note ?? null,
      })
      .execute();
  });
}

async function publishThresholds(db: Kysely<Database>, version: string, by: string, at: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const target = await trx
      .selectFrom('threshold_sets')
      .select('status')
      .where('version', '=', version)
      .executeTakeFirst();
    if (!target) throw new Error(`threshold set ${version} does not exist`);
    if (target.status === 'published') return;
    await trx
      .updateTable('threshold_sets')
      .set({ status: 'retired' })
      .where('status', '=', 'published')
      .execute();
    await trx
      .updateTable('threshold_sets')
      .set({ status: 'published', published_at: at.toISOString(), published_by: by })
      .where('version', '=', version)
      .execute();
  });
}

async function listThresholdSets(db: Kysely<Database>): Promise<ThresholdSetRecord[]> {
  const rows = await db
    .selectFrom('threshold_sets')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('version', 'desc')
    .execute();
  return rows.map((row) => ({
    version: row.version,
    json: row.json,
    status: row.status,
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
    ...(row.published_at !== null ? { publishedAt: new Date(row.published_at) } : {}),
    ...(row.published_by !== null ? { publishedBy: row.published_by } : {}),
    ...(row.note !== null ? { note: row.note } : {}),
  }));
}
