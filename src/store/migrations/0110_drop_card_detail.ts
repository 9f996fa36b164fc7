/**
 * Drops `cards.detail` (migration 0031): the card as shown (`cards.shown`, migration 0020) already holds its
 * `detail`, so the review reads it from there and the store keeps one copy. Nothing to backfill: every card recorded
 * with a detail was recorded with `shown` too. `down` adds the column back, empty.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cards').dropColumn('detail').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cards').addColumn('detail', 'text').execute();
}
