/**
 * For the override review: who was prescribing (`invocations.user_id`, the CDS request's `context.userId`, e.g.
 * `Practitioner/123`; a clinician, not a patient identifier) and the card's markdown `detail` as it was shown
 * (`cards.detail`). Both null for rows written before this migration.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('invocations').addColumn('user_id', 'text').execute();
  await db.schema.alterTable('cards').addColumn('detail', 'text').execute();
  await db.schema.createIndex('invocations_user_id').on('invocations').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('invocations_user_id').execute();
  await db.schema.alterTable('cards').dropColumn('detail').execute();
  await db.schema.alterTable('invocations').dropColumn('user_id').execute();
}
