/**
 * Every card keeps the card JSON as it was sent (`cards.shown`), without the service's own page links (their tokens
 * are credentials): the rating page shows the clinician the card they are rating, word for word, even after the card
 * code changed. Re-rendering from the decision snapshot was the alternative; it shows today's wording, not what was
 * read. Null for cards recorded before this migration (the page then shows the stored summary).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cards').addColumn('shown', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cards').dropColumn('shown').execute();
}
