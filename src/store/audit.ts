/**
 * The audit trail of writes by people (review marks today; ratings and threshold edits can use it too): who, in
 * which role, did what to what, when, with details that never hold a patient identifier. Append-only: nothing here
 * updates or deletes an event.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AuditEventTable, Database } from './schema';

/** One write by a person. */
export interface AuditEvent {
  /** The user's id (the access token's `sub`). */
  readonly actor: string;
  /** The role the user acted in (e.g. `pharmacist`, or `admin`). */
  readonly role: string;
  /** What was done, `area.verb`, e.g. `override.review`. */
  readonly action: string;
  /** What it was done to, `kind:id`, e.g. `card:9b1d…`. */
  readonly target: string;
  readonly at: Date;
  /** What else matters to an auditor (e.g. the status set). Never a patient identifier or free text about one. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface StoredAuditEvent extends AuditEvent {
  /** Write order. */
  readonly id: number;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AuditFilter {
  readonly target?: string;
  readonly actor?: string;
  readonly action?: string;
  /** At most this many events (default 100, at most 1000). */
  readonly limit?: number;
}

export interface AuditRepository {
  /** Appends one event; resolves after the commit. */
  record(event: AuditEvent): Promise<void>;
  /** Events matching every given field, newest first (by write order). */
  list(filter?: AuditFilter): Promise<StoredAuditEvent[]>;
}

export function createAuditRepository(db: Kysely<Database>): AuditRepository {
  return {
    record: (event) => insertAuditEvent(db, event),
    list: async (filter = {}) => {
      let q = db.selectFrom('audit_events').selectAll();
      if (filter.target !== undefined) q = q.where('target', '=', filter.target);
      if (filter.actor !== undefined) q = q.where('actor', '=', filter.actor);
      if (filter.action !== undefined) q = q.where('action', '=', filter.action);
      const limit = Math.min(Math.max(1, filter.limit ?? 100), 1000);
      const rows = await q.orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toStoredAuditEvent);
    },
  };
}

/** Appends `event` on `db` or inside a repository's transaction (a write and its audit event commit together). */
export async function insertAuditEvent(
  db: Kysely<Database> | Transaction<Database>,
  event: AuditEvent,
): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      actor: event.actor,
      role: event.role,
      action: event.action,
      target: event.target,
      at: event.at.toISOString(),
      details: JSON.stringify(event.details ?? {}),
    })
    .execute();
}

function toStoredAuditEvent(row: Selectable<AuditEventTable>): StoredAuditEvent {
  return {
    id: row.id,
    actor: row.actor,
    role: row.role,
    action: row.action,
    target: row.target,
    at: new Date(row.at),
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}
