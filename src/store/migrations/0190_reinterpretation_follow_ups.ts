/**
 * A pharmacist's follow-up of a patient on the re-interpretation list (`src/admin/reinterpret.ts`): one row per
 * patient and knowledge version (the list is of results called differently under that version), replaced when the
 * patient is followed up again under it. Who wrote each, and when, is also in `audit_events`.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('reinterpretation_follow_ups')
    .addColumn('patient_ref', 'text', (c) => c.notNull())
    .addColumn('knowledge_version', 'text', (c) => c.notNull())
    .addColumn('followed_up_by', 'text', (c) => c.notNull())
    .addColumn('followed_up_at', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addPrimaryKeyConstraint('reinterpretation_follow_ups_pk', ['patient_ref', 'knowledge_version'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('reinterpretation_follow_ups').execute();
}
