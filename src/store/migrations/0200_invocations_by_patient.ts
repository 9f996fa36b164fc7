/**
 * The override review shows a card's wearable measures as the patient's later calls read them (did the monitoring an
 * override promised show in the data?): the calls of one patient after a time, which without this index would read
 * every invocation since then.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('invocations_patient_received')
    .on('invocations')
    .columns(['patient_ref', 'received_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('invocations_patient_received').execute();
}
