/**
 * The override review finds each card's newest override entry with a subquery per card (`store.overrides`). Without
 * an index that starts from the card, SQLite answered it from `feedback_outcome_received`, walking every override
 * ever received for each card listed: with 50,520 overridden cards one page of the review took more than five
 * minutes, the process answering nothing else (SQLite reads do not wait on I/O). From the card, the first page takes
 * 0.3 s. The alert-volume lookup of a patient's overrides (`store.volume.acknowledgements`) joins on the card too.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('feedback_card_outcome_received')
    .on('feedback')
    .columns(['card_uuid', 'outcome', 'received_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('feedback_card_outcome_received').execute();
}
