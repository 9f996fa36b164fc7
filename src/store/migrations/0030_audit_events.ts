/**
 * The audit trail of writes by people (`store.audit`): who (user id and the role they acted in), what (an action
 * name and its target), when, and details as JSON that never hold a patient identifier. `id` is assigned by the
 * database in write order: SQLite's `integer primary key`, a PostgreSQL identity column (as in 0004), so this
 * migration is made for an engine.
 */
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../connect';

export function auditEvents(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'integer', (c) =>
          engine === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey(),
        )
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_events_target').on('audit_events').column('target').execute();
      await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('audit_events').execute();
    },
  };
}
