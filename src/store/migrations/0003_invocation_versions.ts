/**
 * Every invocation records the threshold and knowledge versions in force, also when it answered with no card
 * (issue 5: the running service records the published threshold version on every invocation).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('invocations').addColumn('threshold_version', 'text').execute();
  await db.schema.alterTable('invocations').addColumn('knowledge_version', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('invocations').dropColumn('knowledge_version').execute();
  await db.schema.alterTable('invocations').dropColumn('threshold_version').execute();
}
