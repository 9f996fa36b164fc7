/**
 * Every invocation keeps the inputs its assessment used (the versioned `AssessmentInputs` JSON of `rules/assess`:
 * gene results, orders, sensor aggregates the rules read, no patient identifier), so it can be replayed under another
 * threshold set. Null for invocations that assessed nothing and for rows written before this migration.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('invocations').addColumn('inputs', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('invocations').dropColumn('inputs').execute();
}
