/**
 * The audit trail of ratings: every answer a rater gave for a card (who, when, what), including those a later answer
 * replaced. `ratings` keeps the current answer; this table keeps the history, written in the same transaction.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rating_events')
    .addColumn('card_uuid', 'text', (c) => c.notNull().references('cards.uuid'))
    .addColumn('rater', 'text', (c) => c.notNull())
    .addColumn('rating', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('rated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('rating_events_card')
    .on('rating_events')
    .columns(['card_uuid', 'rated_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rating_events').execute();
}
