/**
 * Clinicians' ratings of cards ("Rate this alert"): one answer per card and rater; a second answer replaces the
 * first (the first time is kept, so "changed its mind" stays visible).
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, RatingTable } from './schema';
import { markAcknowledged } from './volume';

/** The answers the rating page offers. */
export const RATINGS = ['useful', 'not-useful', 'too-often', 'wrong-patient'] as const;
export type Rating = (typeof RATINGS)[number];

export interface RatingRecord {
  cardUuid: string;
  /** Who rated: the identity the signed rating link carries (e.g. `Practitioner/123`). */
  rater: string;
  rating: Rating;
  comment?: string;
  /** When this answer was given. */
  ratedAt: Date;
}

export interface StoredRating extends RatingRecord {
  /** When the rater first answered for this card (equals `ratedAt` until the answer changes). */
  firstRatedAt: Date;
}

export interface RatingRepository {
  /**
   * Stores the rater's answer for the card, replacing an earlier one. The card must be a recorded card (the foreign
   * key refuses others). Resolves after the commit with whether this was the rater's first answer.
   */
  upsert(rating: RatingRecord): Promise<{ created: boolean }>;
  /** The rater's current answer for the card, if any. */
  find(cardUuid: string, rater: string): Promise<StoredRating | undefined>;
  /** Every rater's current answer for the card, first answered first. */
  listForCard(cardUuid: string): Promise<StoredRating[]>;
  /** The audit trail: every answer given for the card, replaced ones included, oldest first. */
  historyForCard(cardUuid: string): Promise<RatingRecord[]>;
}

export function createRatingRepository(db: Kysely<Database>): RatingRepository {
  return {
    upsert: async (rating) => {
      const at = rating.ratedAt.toISOString();
      return db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom('ratings')
          .select('card_uuid')
          .where('card_uuid', '=', rating.cardUuid)
          .where('rater', '=', rating.rater)
          .executeTakeFirst();
        await trx
          .insertInto('ratings')
          .values({
            card_uuid: rating.cardUuid,
            rater: rating.rater,
            rating: rating.rating,
            comment: rating.comment ?? null,
            rated_at: at,
            first_rated_at: at,
          })
          .onConflict((oc) =>
            oc.columns(['card_uuid', 'rater']).doUpdateSet({
              rating: rating.rating,
              comment: rating.comment ?? null,
              rated_at: at,
            }),
          )
          .execute();
        await trx
          .insertInto('rating_events')
          .values({
            card_uuid: rating.cardUuid,
            rater: rating.rater,
            rating: rating.rating,
            comment: rating.comment ?? null,
            rated_at: at,
          })
          .execute();
        if (rating.rating === 'too-often') await markAcknowledged(trx, [rating.cardUuid]);
        return { created: existing === undefined };
      });
    },
    find: async (cardUuid, rater) => {
      const row = await db
        .selectFrom('ratings')
        .selectAll()
        .where('card_uuid', '=', cardUuid)
        .where('rater', '=', rater)
        .executeTakeFirst();
      return row === undefined ? undefined : toStoredRating(row);
    },
    listForCard: async (cardUuid) => {
      const rows = await db
        .selectFrom('ratings')
        .selectAll()
        .where('card_uuid', '=', cardUuid)
        .orderBy('first_rated_at')
        .orderBy('rater')
        .execute();
      return rows.map(toStoredRating);
    },
    historyForCard: async (cardUuid) => {
      const rows = await db
        .selectFrom('rating_events')
        .selectAll()
        .where('card_uuid', '=', cardUuid)
        .orderBy('rated_at')
        .execute();
      return rows.map((row) => ({
        cardUuid: row.card_uuid,
        rater: row.rater,
        rating: row.rating,
        ...(row.comment !== null ? { comment: row.comment } : {}),
        ratedAt: new Date(row.rated_at),
      }));
    },
  };
}

function toStoredRating(row: Selectable<RatingTable>): StoredRating {
  return {
    cardUuid: row.card_uuid,
    rater: row.rater,
    rating: row.rating,
    ...(row.comment !== null ? { comment: row.comment } : {}),
    ratedAt: new Date(row.rated_at),
    firstRatedAt: new Date(row.first_rated_at),
  };
}
