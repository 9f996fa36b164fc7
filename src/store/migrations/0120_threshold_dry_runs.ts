/**
 * Dry runs of threshold-set drafts before publish (issue 11 item 6): per run, the draft's version and the SHA-256 of
 * the stored text it ran on, whether it passed, who ran it and when, and the report (no patient data: rule ids, case
 * descriptions and replay counts). Publishing asks for a passing run of the draft's current text.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('threshold_dry_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('passed', 'integer', (c) => c.notNull())
    .addColumn('ran_at', 'text', (c) => c.notNull())
    .addColumn('ran_by', 'text', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('threshold_dry_runs_version_hash')
    .on('threshold_dry_runs')
    .columns(['version', 'content_hash'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('threshold_dry_runs').execute();
}
