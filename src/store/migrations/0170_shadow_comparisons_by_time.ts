/**
 * Retention removes shadow comparisons older than the retention period, whatever set they compared
 * (`store/retention.ts`): an index by time alone lets each batch start at the oldest row instead of reading the table.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('shadow_comparisons_recorded_at')
    .on('shadow_comparisons')
    .column('recorded_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('shadow_comparisons_recorded_at').execute();
}
