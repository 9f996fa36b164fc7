/**
 * The volume policy looks up, on every order hook call, what the clinicians acknowledged for this patient and advice
 * (an override, a "shown too often" rating). It read every card the advice had ever been shown on for the patient and
 * looked each up in `feedback` and `ratings`: one row more per call for that patient, so on PostgreSQL, after about
 * 2,800 calls for one patient, each of its two queries took about 9 ms (`pg_stat_statements`, bench load). Cards a
 * clinician acknowledged are few; `acknowledged` marks their outcome rows and leads the index after patient and
 * advice, so the lookup reads only those.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('volume_outcomes')
    .addColumn('acknowledged', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update volume_outcomes set acknowledged = 1
    where card_uuid in (select card_uuid from feedback where outcome = 'overridden')
       or card_uuid in (select card_uuid from ratings where rating = 'too-often')`.execute(db);
  await db.schema.dropIndex('volume_outcomes_patient_advice').execute();
  await db.schema
    .createIndex('volume_outcomes_patient_advice_acknowledged')
    .on('volume_outcomes')
    .columns(['patient_key', 'advice_hash', 'acknowledged'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('volume_outcomes_patient_advice_acknowledged').execute();
  await db.schema
    .createIndex('volume_outcomes_patient_advice')
    .on('volume_outcomes')
    .columns(['patient_key', 'advice_hash'])
    .execute();
  await db.schema.alterTable('volume_outcomes').dropColumn('acknowledged').execute();
}
