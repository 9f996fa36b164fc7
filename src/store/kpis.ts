/**
 * What the governance figures (`GET /api/kpis`) are computed from: the order-sign calls per UTC day and every card
 * shown in a period with its outcome, override reason, ratings and reviews. The figures themselves are
 * computed by `src/admin/kpis.ts`; this file only reads.
 *
 * A year of a large hospital's cards is about 100,000 decision snapshots of 4 KB: read at once they held the process
 * 6-9 s and took 1.5 GB of heap (measured on 101,040 cards). Cards are read in pages, each decision handed to the
 * caller's `digest` and dropped, with other requests let through between pages.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Rating } from './ratings';
import type { ReviewStatus } from './overrides';
import type { Database } from './schema';

export interface KpiCard<F = unknown> {
  readonly uuid: string;
  readonly hook: string;
  readonly shownAt: Date;
  /** The patient (`invocations.patient_ref`): only to read their later calls, never reported. */
  readonly patientRef?: string;
  readonly drug?: string;
  readonly ruleIds: readonly string[];
  /** What the reader's `digest` kept of the recorded decision snapshot. */
  readonly facts: F;
  /** The newest feedback entry's outcome, if any. */
  readonly outcome?: 'accepted' | 'overridden';
  /** The newest override entry's reason, when the card was overridden. */
  readonly overrideReason?: { readonly code?: string; readonly display?: string };
  /** Every rater's current answer. */
  readonly ratings: readonly Rating[];
  /** The current review's status, when reviewed. */
  readonly reviewStatus?: ReviewStatus;
  /** Every review of the card, oldest first (who judged it and how: reviewer agreement). */
  readonly reviews: readonly { readonly status: ReviewStatus; readonly reviewer: string }[];
}

export interface KpiRecords<F = unknown> {
  /** Order-sign calls per UTC day (`YYYY-MM-DD`), days without calls absent. */
  readonly orderSignCallsByDay: ReadonlyMap<string, number>;
  /** Cards shown in the period, oldest first. */
  readonly cards: readonly KpiCard<F>[];
}

export interface KpiRepository {
  /**
   * Calls and cards of invocations received in [from, to); each card's decision snapshot (parsed JSON) is passed to
   * `digest`, and only what it returns is kept. Without a digest the snapshots are not read at all (`facts` is
   * undefined): firing rates need none, and reading and parsing each card's 4 KB was most of their cost.
   */
  recordsBetween(from: Date, to: Date): Promise<KpiRecords<undefined>>;
  recordsBetween<F>(from: Date, to: Date, digest: (decision: unknown) => F): Promise<KpiRecords<F>>;
}

/** Cards read per query. */
const CARDS_PAGE = 500;

interface CardRow {
  readonly uuid: string;
  readonly drug: string | null;
  readonly rule_ids: string;
  /** Null when no digest asked for it. */
  readonly decision: string | null;
  readonly hook: string;
  readonly received_at: string;
  readonly patient_ref: string | null;
}

export function createKpiRepository(db: Kysely<Database>): KpiRepository {
  return {
    recordsBetween: async <F>(fromDate: Date, toDate: Date, digest?: (decision: unknown) => F) => {
      const from = fromDate.toISOString();
      const to = toDate.toISOString();
      const calls = await db
        .selectFrom('invocations')
        // The UTC day: times are fixed-width ISO 8601 text on both engines (README "Portable columns").
        .select((eb) => [sql<string>`substr(received_at, 1, 10)`.as('day'), eb.fn.countAll().as('n')])
        .where('hook', '=', 'order-sign')
        .where('received_at', '>=', from)
        .where('received_at', '<', to)
        .groupBy('day')
        .execute();
      const feedbackRows = await db
        .selectFrom('feedback as f')
        .innerJoin('cards as c', 'c.uuid', 'f.card_uuid')
        .innerJoin('invocations as i', 'i.id', 'c.invocation_id')
        .select(['f.card_uuid', 'f.outcome', 'f.override_code', 'f.override_display'])
        .where('i.received_at', '>=', from)
        .where('i.received_at', '<', to)
        .orderBy('f.received_at')
        .orderBy('f.entry_key')
        .execute();
      const ratingRows = await db
        .selectFrom('ratings as r')
        .innerJoin('cards as c', 'c.uuid', 'r.card_uuid')
        .innerJoin('invocations as i', 'i.id', 'c.invocation_id')
        .select(['r.card_uuid', 'r.rating'])
        .where('i.received_at', '>=', from)
        .where('i.received_at', '<', to)
        .execute();
      const reviewRows = await db
        .selectFrom('override_reviews as r')
        .innerJoin('cards as c', 'c.uuid', 'r.card_uuid')
        .innerJoin('invocations as i', 'i.id', 'c.invocation_id')
        .select(['r.card_uuid', 'r.status', 'r.reviewer'])
        .where('i.received_at', '>=', from)
        .where('i.received_at', '<', to)
        .orderBy('r.id')
        .execute();

      const outcome = new Map<string, 'accepted' | 'overridden'>();
      const reason = new Map<string, { code?: string; display?: string }>();
      for (const f of feedbackRows) {
        outcome.set(f.card_uuid, f.outcome);
        if (f.outcome === 'overridden') {
          reason.set(f.card_uuid, {
            ...(f.override_code !== null ? { code: f.override_code } : {}),
            ...(f.override_display !== null ? { display: f.override_display } : {}),
          });
        }
      }
      const ratings = new Map<string, Rating[]>();
      for (const r of ratingRows) {
        const card = ratings.get(r.card_uuid);
        if (card) card.push(r.rating);
        else ratings.set(r.card_uuid, [r.rating]);
      }
      const reviews = new Map<string, { status: ReviewStatus; reviewer: string }[]>();
      for (const r of reviewRows) {
        const card = reviews.get(r.card_uuid);
        const review = { status: r.status, reviewer: r.reviewer };
        if (card) card.push(review);
        else reviews.set(r.card_uuid, [review]);
      }

      const cards: KpiCard<F | undefined>[] = [];
      const toCard = (c: CardRow) => {
        const cardOutcome = outcome.get(c.uuid);
        const cardReason = reason.get(c.uuid);
        const cardReviews = reviews.get(c.uuid) ?? [];
        const status = cardReviews[cardReviews.length - 1]?.status;
        return {
          uuid: c.uuid,
          hook: c.hook,
          shownAt: new Date(c.received_at),
          ...(c.patient_ref !== null ? { patientRef: c.patient_ref } : {}),
          ...(c.drug !== null ? { drug: c.drug } : {}),
          ruleIds: JSON.parse(c.rule_ids) as string[],
          facts: digest && c.decision !== null ? digest(JSON.parse(c.decision) as unknown) : undefined,
          ...(cardOutcome ? { outcome: cardOutcome } : {}),
          ...(cardOutcome === 'overridden' && cardReason ? { overrideReason: cardReason } : {}),
          ratings: ratings.get(c.uuid) ?? [],
          ...(status ? { reviewStatus: status } : {}),
          reviews: cardReviews,
        };
      };
      // Oldest first, in pages that each start after the last card of the one before.
      let after: { readonly receivedAt: string; readonly uuid: string } | undefined;
      for (;;) {
        let query = db
          .selectFrom('cards as c')
          .innerJoin('invocations as i', 'i.id', 'c.invocation_id')
          .select(['c.uuid', 'c.drug', 'c.rule_ids', 'i.hook', 'i.received_at', 'i.patient_ref'])
          .select(digest ? sql<string>`c.decision`.as('decision') : sql<null>`null`.as('decision'))
          .where('i.received_at', '>=', from)
          .where('i.received_at', '<', to);
        if (after !== undefined) {
          const { receivedAt, uuid } = after;
          // The plain bound too: the row value spans two tables, and PostgreSQL's index seek would start at the
          // period's start without it.
          query = query
            .where('i.received_at', '>=', receivedAt)
            .where((eb) => eb(eb.refTuple('i.received_at', 'c.uuid'), '>', eb.tuple(receivedAt, uuid)));
        }
        const page: CardRow[] = await query
          .orderBy('i.received_at')
          .orderBy('c.uuid')
          .limit(CARDS_PAGE)
          .execute();
        for (const row of page) cards.push(toCard(row));
        const end = page[page.length - 1];
        if (end === undefined || page.length < CARDS_PAGE) break;
        after = { receivedAt: end.received_at, uuid: end.uuid };
        await nextTurn();
      }
      return { orderSignCallsByDay: new Map(calls.map((c) => [c.day, Number(c.n)])), cards };
    },
  };
}
