/**
 * Clinicians' ratings of the cards they were shown ("Rate this alert"): one answer per card and rater, changeable.
 * The rater is the identity the rating link carries (the CDS request's `userId`, e.g. `Practitioner/123`), never a
 * patient identifier.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ratings')
    .addColumn('card_uuid', 'text', (c) => c.notNull().references('cards.uuid'))
    .addColumn('rater', 'text', (c) => c.notNull())
    .addColumn('rating', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('rated_at', 'text', (c) => c.notNull())
    .addColumn('first_rated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ratings_pk', ['card_uuid', 'rater'])
    .execute();
  await db.schema.createIndex('ratings_rated_at').on('ratings').column('rated_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ratings').execute();
}
