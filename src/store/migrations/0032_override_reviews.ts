/**
 * Pharmacists' reviews of overridden cards: one row per review, never updated; the newest (highest id) is the card's
 * current review, the others its history. `id` in write order, as in 0004 and 0030, so made for an engine.
 */
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../connect';

export function overrideReviews(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('override_reviews')
        .addColumn('id', 'integer', (c) =>
          engine === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey(),
        )
        .addColumn('card_uuid', 'text', (c) => c.notNull().references('cards.uuid'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('reviewer', 'text', (c) => c.notNull())
        .addColumn('reviewed_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('override_reviews_card')
        .on('override_reviews')
        .columns(['card_uuid', 'id'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('override_reviews').execute();
    },
  };
}
