/**
 * Pharmacists' follow-ups of "wrong for this patient" reports (a clinician's current rating `wrong-patient` of a card,
 * `ratings`): one row per follow-up, never updated; the newest (highest id) of a card and rater is the report's
 * current follow-up, the others its history. `reported_at` is the `rated_at` of the answer the pharmacist followed
 * up, so an answer given again afterwards (a new comment) opens the report again without comparing clocks. `id` in
 * write order, as in 0004, 0030 and 0032, so made for an engine. Who wrote each, and when, is also in `audit_events`.
 */
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../connect';

export function wrongPatientFollowUps(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('wrong_patient_follow_ups')
        .addColumn('id', 'integer', (c) =>
          engine === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey(),
        )
        .addColumn('card_uuid', 'text', (c) => c.notNull().references('cards.uuid'))
        .addColumn('rater', 'text', (c) => c.notNull())
        .addColumn('reported_at', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('followed_up_by', 'text', (c) => c.notNull())
        .addColumn('followed_up_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('wrong_patient_follow_ups_report')
        .on('wrong_patient_follow_ups')
        .columns(['card_uuid', 'rater', 'id'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('wrong_patient_follow_ups').execute();
    },
  };
}
