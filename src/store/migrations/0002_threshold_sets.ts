/**
 * Versioned threshold sets (issue 5): each version's JSON text with its status and audit columns. A partial unique
 * index lets at most one row be `published` on both engines, so two concurrent publishes cannot both win.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('threshold_sets')
    .addColumn('version', 'text', (c) => c.primaryKey())
    .addColumn('json', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('published_at', 'text')
    .addColumn('published_by', 'text')
    .addColumn('note', 'text')
    .execute();
  await db.schema
    .createIndex('threshold_sets_one_published')
    .on('threshold_sets')
    .column('status')
    .unique()
    .where(sql.ref('status'), '=', 'published')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('threshold_sets').execute();
}
