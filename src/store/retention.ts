/**
 * Retention (issue 13 item 5; policy in docs/retention.md): invocation and card records older than the retention
 * period are removed in batches, except those a kept record refers to. Feedback, ratings and the threshold audit
 * trail are audit records: never removed here. Expired shared rows (client jtis, rate-limit windows, order-select
 * cards) go too.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Database } from './schema';

/**
 * Tables whose rows refer to a card by its uuid and are kept (audit records): a card any of them names is kept,
 * with its invocation and the invocation's other cards. A feature that adds such a table adds it here.
 */
export const CARD_REFERENCES: readonly (readonly [table: string, column: string])[] = [
  ['feedback', 'card_uuid'],
  ['ratings', 'card_uuid'],
  ['rating_events', 'card_uuid'],
  ['override_reviews', 'card_uuid'],
  ['overridden_cards', 'card_uuid'],
  ['wrong_patient_follow_ups', 'card_uuid'],
];

export interface RetentionRepository {
  /**
   * Removes up to `batchSize` invocations received before `before` (oldest first), with their cards, in one
   * transaction, skipping any invocation with a card a kept record refers to. Resolves with what was removed.
   */
  purgeInvocations(before: Date, batchSize: number): Promise<{ invocations: number; cards: number }>;
  /** Removes up to `limit` order-select cards that expired before `now` (a cache: nothing reads them after). */
  purgeExpiredOrderSelectCards(now: Date, limit: number): Promise<number>;
  /** Removes up to `limit` shadow comparisons recorded before `before` (oldest first). */
  purgeShadowComparisons(before: Date, limit: number): Promise<number>;
}

export function createRetentionRepository(db: Kysely<Database>): RetentionRepository {
  return {
    async purgeInvocations(before, batchSize) {
      const referenced = sql.join(
        CARD_REFERENCES.map(
          ([table, column]) =>
            sql`exists (select 1 from ${sql.table(table)} k where k.${sql.ref(column)} = c.uuid)`,
        ),
        sql` or `,
      );
      return db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ id: string }>`
          select i.id from invocations i
          where i.received_at < ${before.toISOString()}
            and not exists (select 1 from cards c where c.invocation_id = i.id and (${referenced}))
          order by i.received_at
          limit ${batchSize}`.execute(trx);
        const ids = rows.map((r) => r.id);
        if (ids.length === 0) return { invocations: 0, cards: 0 };
        // What the alert-volume policy did on those calls is part of their record, and refers to them.
        await trx.deleteFrom('volume_outcomes').where('invocation_id', 'in', ids).execute();
        const cards = await trx.deleteFrom('cards').where('invocation_id', 'in', ids).executeTakeFirst();
        const invocations = await trx.deleteFrom('invocations').where('id', 'in', ids).executeTakeFirst();
        return { invocations: Number(invocations.numDeletedRows), cards: Number(cards.numDeletedRows) };
      });
    },
    async purgeExpiredOrderSelectCards(now, limit) {
      const cutoff = now.toISOString();
      const result = await db
        .deleteFrom('order_select_cards')
        .where('cache_key', 'in', (qb) =>
          qb
            .selectFrom('order_select_cards')
            .select('cache_key')
            .where('expires_at', '<', cutoff)
            .limit(limit),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async purgeShadowComparisons(before, limit) {
      const result = await db
        .deleteFrom('shadow_comparisons')
        .where('id', 'in', (qb) =>
          qb
            .selectFrom('shadow_comparisons')
            .select('id')
            .where('recorded_at', '<', before.toISOString())
            .orderBy('recorded_at')
            .limit(limit),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/** Rows removed per batch: small enough that one transaction holds its locks for milliseconds. */
export const RETENTION_BATCH = 500;
/** Batches per sweep at most (250,000 invocations); the rest waits for the next sweep. */
const MAX_BATCHES = 500;

export interface SweepResult {
  readonly invocations: number;
  readonly cards: number;
  readonly jtis: number;
  readonly rateLimitWindows: number;
  readonly orderSelectCards: number;
  readonly shadowComparisons: number;
}

/**
 * One housekeeping sweep: invocations (and cards) received more than `retentionDays` before `now` and shadow
 * comparisons recorded as long ago (none when 0), batch after batch, yielding to other work between batches; then
 * expired jti, rate-limit and order-select rows.
 */
export async function sweepExpired(
  store: {
    readonly retention: RetentionRepository;
    readonly jtis: { purgeExpired(now: Date, limit: number): Promise<number> };
    readonly rateLimits: { purgeExpired(now: Date, limit: number): Promise<number> };
  },
  options: { readonly now: Date; readonly retentionDays: number; readonly batchSize?: number },
): Promise<SweepResult> {
  const batchSize = options.batchSize ?? RETENTION_BATCH;
  const { now } = options;
  /** Runs `purge` batch after batch until one removes fewer than a batch, yielding between; the rows removed. */
  const purgeAll = async (purge: (limit: number) => Promise<number>): Promise<number> => {
    let total = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch += 1) {
      const n = await purge(batchSize);
      total += n;
      if (n < batchSize) break;
      await nextTurn();
    }
    return total;
  };
  let invocations = 0;
  let cards = 0;
  let shadowComparisons = 0;
  if (options.retentionDays > 0) {
    const before = new Date(now.getTime() - options.retentionDays * 86_400_000);
    invocations = await purgeAll(async (limit) => {
      const removed = await store.retention.purgeInvocations(before, limit);
      cards += removed.cards;
      return removed.invocations;
    });
    shadowComparisons = await purgeAll((limit) => store.retention.purgeShadowComparisons(before, limit));
  }
  const jtis = await purgeAll((limit) => store.jtis.purgeExpired(now, limit));
  const rateLimitWindows = await purgeAll((limit) => store.rateLimits.purgeExpired(now, limit));
  const orderSelectCards = await purgeAll((limit) =>
    store.retention.purgeExpiredOrderSelectCards(now, limit),
  );
  return { invocations, cards, jtis, rateLimitWindows, orderSelectCards, shadowComparisons };
}
