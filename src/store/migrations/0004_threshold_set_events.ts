/**
 * The threshold sets' audit trail: one row per saved draft, publication or rollback, with who, when and why.
 * `id` is an integer the database assigns in write order: SQLite's `integer primary key` (the rowid) and a
 * PostgreSQL identity column. That is the only DDL that differs between the engines, so this migration is made for
 * an engine (see index.ts).
 */
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../connect';

export function thresholdSetEvents(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('threshold_set_events')
        .addColumn('id', 'integer', (c) =>
          engine === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey(),
        )
        .addColumn('version', 'text', (c) => c.notNull().references('threshold_sets.version'))
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('from_version', 'text')
        .addColumn('to_version', 'text')
        .addColumn('by', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('comment', 'text')
        .execute();
      await db.schema
        .createIndex('threshold_set_events_version')
        .on('threshold_set_events')
        .column('version')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('threshold_set_events').execute();
    },
  };
}
