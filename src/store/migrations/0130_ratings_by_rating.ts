/**
 * The alert-volume policy asks, on every hook call, for the recent "shown too often" ratings of the advice at hand
 * (`store.volume.acknowledgements`). Without an index that starts from the rating, SQLite walked every volume outcome
 * the patient ever had for that advice and looked each card's ratings up: a cost that grew with the patient's
 * history (0.4 ms a call after 700 calls for one patient, under `npm run bench`). With it, the lookup starts from the
 * few recent "too often" ratings, as the overrides lookup starts from `feedback_outcome_received`.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('ratings_rating_rated_at')
    .on('ratings')
    .columns(['rating', 'rated_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('ratings_rating_rated_at').execute();
}
