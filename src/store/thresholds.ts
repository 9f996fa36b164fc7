/**
 * Versioned threshold sets (issue 5; the informaticist editor builds on this): drafts, publication of one version at
 * a time, rollback, and the audit trail of who did which when (`threshold_set_events`).
 */
import { sql } from 'kysely';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { THRESHOLD_CHANNEL } from './notify';
import type { Database, ThresholdSetEventTable } from './schema';

/** One stored version of the actionability thresholds. */
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
  /** A draft's base: the version in force it was made from, or whose changes it was carried onto (absent: not known). */
  basedOn?: string;
  /** Saves so far (1 when created). */
  revision: number;
  /** The latest save, and by whom (absent for rows saved before migration 0210). */
  updatedAt?: Date;
  updatedBy?: string;
}

/** A threshold set to save as a draft. */
export interface ThresholdDraft {
  version: string;
  json: string;
  /** Who saves it (the creator when it is new; the row keeps its first creator). */
  createdBy: string;
  note?: string;
  /** Defaults to now; also the time of this save. */
  createdAt?: Date;
  /** The version in force it is made from (a new draft), or onto which its changes were carried. Kept when absent. */
  basedOn?: string;
  /**
   * The revision the saver loaded: the save is refused with `ThresholdDraftConflictError` when the stored draft has
   * another (someone saved it since). Absent: no check.
   */
  expectedRevision?: number;
}

/** A draft save refused because the stored draft changed since the saver loaded it. */
export class ThresholdDraftConflictError extends Error {
  override readonly name = 'ThresholdDraftConflictError';
  constructor(
    readonly version: string,
    /** The stored draft's revision, and who saved it last, when. */
    readonly current: { readonly revision: number; readonly by?: string; readonly at?: Date },
  ) {
    super(`threshold draft ${version} was saved since (revision ${String(current.revision)})`);
  }
}

/** Who publishes or rolls back, why, and when (the audit row). */
export interface ThresholdChange {
  by: string;
  comment?: string;
  /** Defaults to now. */
  at?: Date;
  /** The version in force when nothing is published (the shipped defaults): recorded as the one replaced. */
  replacing?: string;
}

/** One audit row: a draft saved, a version published, or a rollback to an earlier version. */
export interface ThresholdSetEvent {
  /** Increases with every event: the order they were written in. */
  id: number;
  /** The threshold set the action was taken on. */
  version: string;
  action: 'publish' | 'rollback' | 'save-draft';
  /** Publish and rollback: the version published before (absent when none was). Absent for save-draft. */
  fromVersion?: string;
  /** Publish and rollback: the version published after (= `version`). Absent for save-draft. */
  toVersion?: string;
  by: string;
  at: Date;
  comment?: string;
}

export interface ThresholdRepository {
  /** The published threshold set's version and JSON text, or undefined when none is published. */
  published(): Promise<{ version: string; json: string } | undefined>;
  /**
   * Saves a draft version; saving an existing draft again replaces its JSON and note. Rejects when the version
   * exists and is (or was) published: published versions are immutable. Writes a `save-draft` event (by
   * `createdBy`, at `createdAt` or now, the note as its comment).
   */
  saveDraft(draft: ThresholdDraft): Promise<{ revision: number }>;
  /**
   * Stores the set the service ships with (`config/thresholds`, in force while nothing is published) as a `retired`
   * version, so it can be rolled back to and shown like any other; nothing when the version is already stored.
   */
  recordShipped(set: { version: string; json: string }): Promise<void>;
  /**
   * Publishes a draft or retired version in one transaction: the published version, if any, becomes `retired`;
   * `published_at`/`published_by` record who and when, and an event records the change (`rollback` when the version
   * was retired, i.e. had been published before; `publish` otherwise). Publishing the published version again
   * changes nothing and writes no event. Rejects for an unknown version; at most one version is ever published
   * (unique index).
   */
  publish(version: string, change: ThresholdChange): Promise<void>;
  /**
   * Returns to an earlier version: publishes a retired version, as `publish` does, recorded as `rollback`. Rejects
   * for an unknown version or a draft (never published: publish it instead); rolling back to the published version
   * changes nothing.
   */
  rollback(version: string, change: ThresholdChange): Promise<void>;
  /** Every stored threshold set, newest first (by creation time). */
  list(): Promise<ThresholdSetRecord[]>;
  /** Every audit event, newest first (by `id`, the order they were written in). */
  listEvents(): Promise<ThresholdSetEvent[]>;
}

/** `notify`: send `NOTIFY threshold_sets` with each publish and rollback (PostgreSQL; `notify.ts`). */
export function createThresholdRepository(db: Kysely<Database>, notify = false): ThresholdRepository {
  return {
    published: () =>
      db
        .selectFrom('threshold_sets')
        .select(['version', 'json'])
        .where('status', '=', 'published')
        .executeTakeFirst(),
    saveDraft: (draft) => saveDraft(db, draft),
    recordShipped: async (set) => {
      await db
        .insertInto('threshold_sets')
        .values({
          version: set.version,
          json: set.json,
          status: 'retired',
          created_at: new Date(0).toISOString(),
          created_by: 'service',
          published_at: null,
          published_by: null,
          note: 'Shipped with the service',
          based_on: null,
          updated_at: null,
          updated_by: null,
        })
        .onConflict((oc) => oc.column('version').doNothing())
        .execute();
    },
    publish: (version, change) => publish(db, version, change, 'publish', notify),
    rollback: (version, change) => publish(db, version, change, 'rollback', notify),
    list: () => listThresholdSets(db),
    listEvents: async () => {
      const rows = await db.selectFrom('threshold_set_events').selectAll().orderBy('id', 'desc').execute();
      return rows.map(toEvent);
    },
  };
}

async function saveDraft(db: Kysely<Database>, draft: ThresholdDraft): Promise<{ revision: number }> {
  const at = (draft.createdAt ?? new Date()).toISOString();
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('threshold_sets')
      .select(['status', 'revision', 'updated_by', 'updated_at'])
      .where('version', '=', draft.version)
      .executeTakeFirst();
    if (existing && existing.status !== 'draft') {
      throw new Error(
        `threshold set ${draft.version} is ${existing.status}; published versions are immutable`,
      );
    }
    let revision = 1;
    if (existing) {
      revision = existing.revision + 1;
      // The revision in the WHERE too: of two saves of the same revision racing on PostgreSQL, the second updates
      // nothing once the first committed (it re-reads the row after waiting for its lock).
      const updated = await trx
        .updateTable('threshold_sets')
        .set({
          json: draft.json,
          note: draft.note ?? null,
          revision,
          updated_at: at,
          updated_by: draft.createdBy,
          ...(draft.basedOn !== undefined ? { based_on: draft.basedOn } : {}),
        })
        .where('version', '=', draft.version)
        .where('revision', '=', draft.expectedRevision ?? existing.revision)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        throw new ThresholdDraftConflictError(draft.version, {
          revision: existing.revision,
          ...(existing.updated_by !== null ? { by: existing.updated_by } : {}),
          ...(existing.updated_at !== null ? { at: new Date(existing.updated_at) } : {}),
        });
      }
    } else {
      await trx
        .insertInto('threshold_sets')
        .values({
          version: draft.version,
          json: draft.json,
          status: 'draft',
          created_at: at,
          created_by: draft.createdBy,
          published_at: null,
          published_by: null,
          note: draft.note ?? null,
          based_on: draft.basedOn ?? null,
          revision: 1,
          updated_at: at,
          updated_by: draft.createdBy,
        })
        .execute();
    }
    await insertEvent(trx, {
      version: draft.version,
      action: 'save-draft',
      from_version: null,
      to_version: null,
      by: draft.createdBy,
      at,
      comment: draft.note ?? null,
    });
    return { revision };
  });
}

/**
 * Publishes `version`. `intent` is what the caller asked for: a rollback must target a retired version; a publish
 * of a retired version is recorded as the rollback it is.
 */
async function publish(
  db: Kysely<Database>,
  version: string,
  change: ThresholdChange,
  intent: 'publish' | 'rollback',
  notify: boolean,
): Promise<void> {
  const at = (change.at ?? new Date()).toISOString();
  await db.transaction().execute(async (trx) => {
    const target = await trx
      .selectFrom('threshold_sets')
      .select('status')
      .where('version', '=', version)
      .executeTakeFirst();
    if (!target) throw new Error(`threshold set ${version} does not exist`);
    if (target.status === 'published') return;
    if (intent === 'rollback' && target.status === 'draft') {
      throw new Error(
        `threshold set ${version} is a draft that was never published: publish it instead of rolling back`,
      );
    }
    // RETURNING (SQLite 3.35+, PostgreSQL) names the version actually retired, also when a concurrent publish
    // committed first (PostgreSQL re-evaluates the WHERE after waiting for its row lock).
    const retired = await trx
      .updateTable('threshold_sets')
      .set({ status: 'retired' })
      .where('status', '=', 'published')
      .returning('version')
      .executeTakeFirst();
    await trx
      .updateTable('threshold_sets')
      .set({ status: 'published', published_at: at, published_by: change.by })
      .where('version', '=', version)
      .execute();
    await insertEvent(trx, {
      version,
      action: target.status === 'retired' ? 'rollback' : 'publish',
      from_version: retired?.version ?? change.replacing ?? null,
      to_version: version,
      by: change.by,
      at,
      comment: change.comment ?? null,
    });
    // Delivered to every listening replica when this transaction commits (never when it rolls back).
    if (notify) await sql`select pg_notify(${THRESHOLD_CHANNEL}, ${version})`.execute(trx);
  });
}

async function insertEvent(
  trx: Transaction<Database>,
  event: Omit<Selectable<ThresholdSetEventTable>, 'id'>,
): Promise<void> {
  await trx.insertInto('threshold_set_events').values(event).execute();
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
    ...(row.based_on !== null ? { basedOn: row.based_on } : {}),
    revision: row.revision,
    ...(row.updated_at !== null ? { updatedAt: new Date(row.updated_at) } : {}),
    ...(row.updated_by !== null ? { updatedBy: row.updated_by } : {}),
  }));
}

function toEvent(row: Selectable<ThresholdSetEventTable>): ThresholdSetEvent {
  return {
    id: row.id,
    version: row.version,
    action: row.action,
    ...(row.from_version !== null ? { fromVersion: row.from_version } : {}),
    ...(row.to_version !== null ? { toVersion: row.to_version } : {}),
    by: row.by,
    at: new Date(row.at),
    ...(row.comment !== null ? { comment: row.comment } : {}),
  };
}
