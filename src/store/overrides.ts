/**
 * Overridden cards and pharmacists' reviews of them (DESIGN.md "Pharmacist ──▶ admin/ override review"): the
 * filtered, paged list newest first, and review marks (each one kept; the newest is current), each written with its
 * audit event in one transaction.
 *
 * An override is a card with at least one `overridden` feedback entry; the list shows each such card once, with its
 * newest override entry (a client may send several). Its time is when this service received that entry
 * (`feedback.received_at`, normalised UTC; the client's `outcomeTimestamp` is shown as sent).
 */
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { insertAuditEvent } from './audit';
import type { Database, OverrideReviewTable } from './schema';

/** What a pharmacist may conclude about an override. */
export const REVIEW_STATUSES = ['appropriate', 'not-appropriate', 'follow-up'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export interface OverrideFilter {
  /** Overrides received at or after. */
  readonly from?: Date;
  /** Overrides received before. */
  readonly to?: Date;
  /** Lower-case drug name, as recorded on the card. */
  readonly drug?: string;
  /** HGNC symbol (upper case) of a gene result the card's decision read. */
  readonly gene?: string;
  readonly indicator?: 'info' | 'warning' | 'critical';
  /** The override reason's code. */
  readonly reason?: string;
  /** The prescriber: their reference (`context.userId`) or, ignoring case, their recorded name. */
  readonly clinician?: string;
  /**
   * `true`: the current review concludes (appropriate or not); `false`: never reviewed; `follow-up`: the current
   * review asks for follow-up.
   */
  readonly reviewed?: 'true' | 'false' | 'follow-up';
}

export interface StoredReview {
  readonly id: number;
  readonly cardUuid: string;
  readonly status: ReviewStatus;
  readonly note?: string;
  readonly reviewer: string;
  readonly reviewedAt: Date;
}

export interface OverrideRow {
  readonly cardUuid: string;
  readonly serviceId: string;
  readonly hook: string;
  /** When the card was shown (its invocation was received). */
  readonly shownAt: Date;
  /** When the newest override entry was received. */
  readonly overriddenAt: Date;
  /** The client's `outcomeTimestamp`, as sent. */
  readonly outcomeTimestamp: string;
  readonly indicator: 'info' | 'warning' | 'critical';
  readonly summary: string;
  readonly drug?: string;
  readonly ruleIds: readonly string[];
  /** The card's decision snapshot (JSON as recorded; `rules/types` readDecisionSnapshot types it). */
  readonly decision: unknown;
  /** The prescriber's reference (`context.userId`). */
  readonly clinician?: string;
  /** The prescriber's name, when the client prefetched it (`invocations.user_name`). */
  readonly clinicianName?: string;
  readonly reason?: { readonly code?: string; readonly system?: string; readonly display?: string };
  readonly comment?: string;
  /** The current review, if any. */
  readonly review?: StoredReview;
}

export interface NewReview {
  readonly cardUuid: string;
  readonly status: ReviewStatus;
  readonly note?: string;
  readonly reviewer: string;
  /** The role the reviewer acted in (audited). */
  readonly reviewerRole: string;
  readonly at: Date;
}

export interface OverrideRepository {
  /** One page of overridden cards matching `filter`, newest override first, and how many match in all. */
  list(
    filter: OverrideFilter,
    page: { readonly offset: number; readonly limit: number },
  ): Promise<{ rows: OverrideRow[]; total: number }>;
  /**
   * The next `size` overridden cards matching `filter` after `after` (the last row of the page before; undefined for
   * the first), newest override first: the CSV export reads every match this way, as an offset would sort and skip
   * every earlier row again on each page.
   */
  pageAfter(filter: OverrideFilter, after: OverrideRow | undefined, size: number): Promise<OverrideRow[]>;
  /** The overridden card `cardUuid` as the list shows it; undefined when it is unknown or was never overridden. */
  find(cardUuid: string): Promise<OverrideRow | undefined>;
  /**
   * Records a review of an overridden card and its audit event (`override.review`, target `card:<uuid>`, details:
   * status, review id, whether a note was given: not the note, which may name the patient) in one transaction.
   * Undefined, and nothing written, when the card was never overridden.
   */
  addReview(review: NewReview): Promise<StoredReview | undefined>;
  /** Every review of the card, newest first. */
  history(cardUuid: string): Promise<StoredReview[]>;
}

type Scope = ExpressionBuilder<
  Database & { f: Database['feedback']; c: Database['cards']; i: Database['invocations'] },
  'f' | 'c' | 'i'
>;

export function createOverrideRepository(db: Kysely<Database>): OverrideRepository {
  /** Newest override entry per card, joined with its card and invocation, narrowed by `filter`. */
  const matching = (filter: OverrideFilter) => {
    let q = db
      .selectFrom('feedback as f')
      .innerJoin('cards as c', 'c.uuid', 'f.card_uuid')
      .innerJoin('invocations as i', 'i.id', 'c.invocation_id')
      .where('f.outcome', '=', 'overridden')
      .where('f.entry_key', '=', (eb) =>
        eb
          .selectFrom('feedback as f2')
          .select('f2.entry_key')
          .whereRef('f2.card_uuid', '=', 'f.card_uuid')
          .where('f2.outcome', '=', 'overridden')
          .orderBy('f2.received_at', 'desc')
          .orderBy('f2.entry_key', 'desc')
          .limit(1),
      );
    if (filter.from) q = q.where('f.received_at', '>=', filter.from.toISOString());
    if (filter.to) q = q.where('f.received_at', '<', filter.to.toISOString());
    if (filter.drug !== undefined) q = q.where('c.drug', '=', filter.drug);
    if (filter.gene !== undefined) {
      // The decision snapshot is JSON.stringify output, so a gene result the decision read appears as exactly
      // `"gene":"<SYMBOL>"`. The caller checks the symbol (letters, digits, '-'), so it holds no LIKE wildcard.
      q = q.where('c.decision', 'like', `%"gene":${JSON.stringify(filter.gene)}%`);
    }
    if (filter.indicator !== undefined) q = q.where('c.indicator', '=', filter.indicator);
    if (filter.reason !== undefined) q = q.where('f.override_code', '=', filter.reason);
    const { clinician } = filter;
    if (clinician !== undefined) {
      q = q.where((eb) =>
        eb.or([
          eb('i.user_id', '=', clinician),
          eb(eb.fn<string>('lower', ['i.user_name']), '=', clinician.toLowerCase()),
        ]),
      );
    }
    const currentStatus = (eb: Scope) =>
      eb
        .selectFrom('override_reviews as r')
        .select('r.status')
        .whereRef('r.card_uuid', '=', 'c.uuid')
        .orderBy('r.id', 'desc')
        .limit(1);
    switch (filter.reviewed) {
      case undefined:
        break;
      case 'false':
        q = q.where((eb) =>
          eb.not(
            eb.exists(
              eb.selectFrom('override_reviews as r').select('r.id').whereRef('r.card_uuid', '=', 'c.uuid'),
            ),
          ),
        );
        break;
      case 'true':
        q = q.where((eb) => eb(currentStatus(eb), 'in', ['appropriate', 'not-appropriate']));
        break;
      case 'follow-up':
        q = q.where((eb) => eb(currentStatus(eb), '=', 'follow-up'));
        break;
    }
    return q;
  };

  const rowsOf = async (
    filter: OverrideFilter,
    page: { offset: number; limit: number },
    where: { readonly cardUuid?: string; readonly after?: OverrideRow } = {},
  ): Promise<OverrideRow[]> => {
    let q = matching(filter);
    if (where.cardUuid !== undefined) q = q.where('c.uuid', '=', where.cardUuid);
    const { after } = where;
    if (after !== undefined) {
      // The plain bound first, so the index seek starts at the page.
      const at = after.overriddenAt.toISOString();
      q = q
        .where('f.received_at', '<=', at)
        .where((eb) => eb.or([eb('f.received_at', '<', at), eb('c.uuid', '<', after.cardUuid)]));
    }
    const rows = await q
      .select([
        'c.uuid',
        'c.indicator',
        'c.summary',
        'c.drug',
        'c.rule_ids',
        'c.decision',
        'i.service_id',
        'i.hook',
        'i.received_at as shown_at',
        'i.user_id',
        'i.user_name',
        'f.received_at as overridden_at',
        'f.outcome_timestamp',
        'f.override_code',
        'f.override_system',
        'f.override_display',
        'f.user_comment',
      ])
      .orderBy('f.received_at', 'desc')
      .orderBy('c.uuid', 'desc')
      .offset(page.offset)
      .limit(page.limit)
      .execute();
    const current = await currentReviews(
      db,
      rows.map((r) => r.uuid),
    );
    return rows.map((r) => {
      const reason = {
        ...(r.override_code !== null ? { code: r.override_code } : {}),
        ...(r.override_system !== null ? { system: r.override_system } : {}),
        ...(r.override_display !== null ? { display: r.override_display } : {}),
      };
      const review = current.get(r.uuid);
      return {
        cardUuid: r.uuid,
        serviceId: r.service_id,
        hook: r.hook,
        shownAt: new Date(r.shown_at),
        overriddenAt: new Date(r.overridden_at),
        outcomeTimestamp: r.outcome_timestamp,
        indicator: r.indicator,
        summary: r.summary,
        ...(r.drug !== null ? { drug: r.drug } : {}),
        ruleIds: JSON.parse(r.rule_ids) as string[],
        decision: JSON.parse(r.decision) as unknown,
        ...(r.user_id !== null ? { clinician: r.user_id } : {}),
        ...(r.user_name !== null ? { clinicianName: r.user_name } : {}),
        ...(Object.keys(reason).length > 0 ? { reason } : {}),
        ...(r.user_comment !== null ? { comment: r.user_comment } : {}),
        ...(review ? { review } : {}),
      };
    });
  };

  return {
    list: async (filter, page) => {
      const [rows, count] = await Promise.all([
        rowsOf(filter, page),
        matching(filter)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow(),
      ]);
      return { rows, total: Number(count.n) };
    },
    pageAfter: (filter, after, size) => rowsOf(filter, { offset: 0, limit: size }, after ? { after } : {}),
    find: async (cardUuid) => (await rowsOf({}, { offset: 0, limit: 1 }, { cardUuid }))[0],
    addReview: (review) =>
      db.transaction().execute(async (trx) => {
        const overridden = await trx
          .selectFrom('feedback')
          .select('card_uuid')
          .where('card_uuid', '=', review.cardUuid)
          .where('outcome', '=', 'overridden')
          .limit(1)
          .executeTakeFirst();
        if (!overridden) return undefined;
        const inserted = await trx
          .insertInto('override_reviews')
          .values({
            card_uuid: review.cardUuid,
            status: review.status,
            note: review.note ?? null,
            reviewer: review.reviewer,
            reviewed_at: review.at.toISOString(),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const { id } = inserted;
        await insertAuditEvent(trx, {
          actor: review.reviewer,
          role: review.reviewerRole,
          action: 'override.review',
          target: `card:${review.cardUuid}`,
          at: review.at,
          details: { reviewId: id, status: review.status, withNote: review.note !== undefined },
        });
        return {
          id,
          cardUuid: review.cardUuid,
          status: review.status,
          ...(review.note !== undefined ? { note: review.note } : {}),
          reviewer: review.reviewer,
          reviewedAt: review.at,
        };
      }),
    history: async (cardUuid) => {
      const rows = await db
        .selectFrom('override_reviews')
        .selectAll()
        .where('card_uuid', '=', cardUuid)
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toStoredReview);
    },
  };
}

/** The current (newest) review of each of `cardUuids` that has one. */
async function currentReviews(
  db: Kysely<Database>,
  cardUuids: readonly string[],
): Promise<Map<string, StoredReview>> {
  const current = new Map<string, StoredReview>();
  if (cardUuids.length === 0) return current;
  const rows = await db
    .selectFrom('override_reviews')
    .selectAll()
    .where('card_uuid', 'in', [...new Set(cardUuids)])
    .orderBy('id', 'asc')
    .execute();
  for (const row of rows) current.set(row.card_uuid, toStoredReview(row));
  return current;
}

function toStoredReview(row: Selectable<OverrideReviewTable>): StoredReview {
  return {
    id: row.id,
    cardUuid: row.card_uuid,
    status: row.status,
    ...(row.note !== null ? { note: row.note } : {}),
    reviewer: row.reviewer,
    reviewedAt: new Date(row.reviewed_at),
  };
}
