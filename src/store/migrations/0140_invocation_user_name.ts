/**
 * For the override review: the prescriber's name as the EHR's `user` prefetch gave it (`invocations.user_name`, a
 * clinician's name, not a patient identifier), beside `user_id`. Null when the client sent no such prefetch and for
 * rows written before this migration: the review then shows the reference.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('invocations').addColumn('user_name', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('invocations').dropColumn('user_name').execute();
}
