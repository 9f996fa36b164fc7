/**
 * Shadow mode (issue 11 item 3): per live invocation, what a candidate threshold set would have shown beside the set
 * in force, compared decision by decision (no card is ever shown from it). No patient identifier: the comparison holds
 * indicators, rule ids, drug–gene pairs and card summaries, as the what-if replay does.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('shadow_comparisons')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('shadow_version', 'text', (c) => c.notNull())
    .addColumn('live_version', 'text', (c) => c.notNull())
    .addColumn('hook', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('comparison', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('shadow_comparisons_version_time')
    .on('shadow_comparisons')
    .columns(['shadow_version', 'recorded_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('shadow_comparisons').execute();
}
