/**
 * Overridden cards and pharmacists' reviews of them (DESIGN.md "Pharmacist ──▶ admin/ override review"): the
 * filtered, paged list newest first, and review marks (each one kept; the newest is current), each written with its
 * audit event in one transaction.
 *
 * An override is a card with at least one `overridden` feedback entry; the list shows each such card once, with its
 * newest override entry (a client may send several). Its time is when this service received that entry
 * (`feedback.received_at`, normalised UTC; the client's `outcomeTimestamp` is shown as sent). Each card's newest entry
 * and what the list filters on are kept in `overridden_cards` as the entries are stored (`noteOverride`).
 */
import { sql } from 'kysely';
import type { ExpressionBuilder, Insertable, Kysely, Selectable, Transaction } from 'kysely';
import { insertAuditEvent } from './audit';
import type { Database, OverriddenCardTable, OverrideReviewTable } from './schema';

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
  /** Part of the prescriber's reference (`context.userId`) or recorded name, in any case. */
  readonly clinician?: string;
  /**
   * Disjoint states: `false` never reviewed; `follow-up` the current (newest) review asks for follow-up; `differ` the
   * current review concludes and the pharmacists' current judgements differ (one's latest review says appropriate,
   * another's not appropriate); `true` the current review concludes and every current judgement agrees.
   */
  readonly reviewed?: 'true' | 'false' | 'follow-up' | 'differ';
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
  /** The patient's reference (`invocations.patient_ref`), for the review's later calls; never in the list or CSV. */
  readonly patientRef?: string;
  readonly reason?: { readonly code?: string; readonly system?: string; readonly display?: string };
  readonly comment?: string;
  /** The current review, if any. */
  readonly review?: StoredReview;
  /**
   * Each pharmacist's current judgement: their latest review, when it concludes (appropriate or not; a pharmacist
   * whose latest review asks for follow-up has none), newest first.
   */
  readonly judgements: readonly StoredReview[];
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

type Scope = ExpressionBuilder<Database & { o: Database['overridden_cards'] }, 'o'>;

export function createOverrideRepository(db: Kysely<Database>): OverrideRepository {
  /**
   * The overridden cards matching `filter` (`overridden_cards`, one narrow row per card with its newest override
   * entry): counting and paging read only this table, so a filter costs the same whatever the cards' decisions hold.
   */
  const matching = (filter: OverrideFilter) => {
    let q = db.selectFrom('overridden_cards as o');
    if (filter.from) q = q.where('o.overridden_at', '>=', filter.from.toISOString());
    if (filter.to) q = q.where('o.overridden_at', '<', filter.to.toISOString());
    if (filter.drug !== undefined) q = q.where('o.drug', '=', filter.drug);
    // The caller checks the symbol (letters, digits, '-'), so it holds no LIKE wildcard.
    if (filter.gene !== undefined) q = q.where('o.genes', 'like', `% ${filter.gene} %`);
    if (filter.indicator !== undefined) q = q.where('o.indicator', '=', filter.indicator);
    if (filter.reason !== undefined) q = q.where('o.override_code', '=', filter.reason);
    const { clinician } = filter;
    if (clinician !== undefined) {
      // Contains, in any case and with or without accents: the name is stored folded (`searchFolded`, so "roisin"
      // finds "Róisín"); the reference is lower-cased by the engine (ASCII on SQLite: references are), so the text is
      // matched folded and as typed. LIKE's own wildcards in the text are escaped.
      const pattern = `%${likeEscaped(clinician.toLowerCase())}%`;
      const folded = `%${likeEscaped(searchFolded(clinician))}%`;
      q = q.where((eb) =>
        eb.or([
          sql<boolean>`lower(${eb.ref('o.user_id')}) like ${pattern} escape '\\'`,
          sql<boolean>`${eb.ref('o.clinician_name')} like ${folded} escape '\\'`,
        ]),
      );
    }
    const currentStatus = (eb: Scope) =>
      eb
        .selectFrom('override_reviews as r')
        .select('r.status')
        .whereRef('r.card_uuid', '=', 'o.card_uuid')
        .orderBy('r.id', 'desc')
        .limit(1);
    const concludes = (eb: Scope) => eb(currentStatus(eb), 'in', ['appropriate', 'not-appropriate']);
    // Some pharmacist's latest review of the card says `status` (no later review by the same pharmacist).
    const someoneJudges = (eb: Scope, status: 'appropriate' | 'not-appropriate') =>
      eb.exists(
        eb
          .selectFrom('override_reviews as r')
          .select('r.id')
          .whereRef('r.card_uuid', '=', 'o.card_uuid')
          .where('r.status', '=', status)
          .where((inner) =>
            inner.not(
              inner.exists(
                inner
                  .selectFrom('override_reviews as later')
                  .select('later.id')
                  .whereRef('later.card_uuid', '=', 'r.card_uuid')
                  .whereRef('later.reviewer', '=', 'r.reviewer')
                  .whereRef('later.id', '>', 'r.id'),
              ),
            ),
          ),
      );
    const judgementsDiffer = (eb: Scope) =>
      eb.and([someoneJudges(eb, 'appropriate'), someoneJudges(eb, 'not-appropriate')]);
    switch (filter.reviewed) {
      case undefined:
        break;
      case 'false':
        q = q.where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('override_reviews as r')
                .select('r.id')
                .whereRef('r.card_uuid', '=', 'o.card_uuid'),
            ),
          ),
        );
        break;
      case 'true':
        q = q.where((eb) => eb.and([concludes(eb), eb.not(judgementsDiffer(eb))]));
        break;
      case 'differ':
        q = q.where((eb) => eb.and([concludes(eb), judgementsDiffer(eb)]));
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
    if (where.cardUuid !== undefined) q = q.where('o.card_uuid', '=', where.cardUuid);
    const { after } = where;
    if (after !== undefined) {
      // A row-value comparison, which both engines' index seek starts at.
      const at = after.overriddenAt.toISOString();
      q = q.where((eb) =>
        eb(eb.refTuple('o.overridden_at', 'o.card_uuid'), '<', eb.tuple(at, after.cardUuid)),
      );
    }
    const rows = await q
      .innerJoin('feedback as f', 'f.entry_key', 'o.entry_key')
      .innerJoin('cards as c', 'c.uuid', 'o.card_uuid')
      .innerJoin('invocations as i', 'i.id', 'c.invocation_id')
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
        'i.patient_ref',
        'f.received_at as overridden_at',
        'f.outcome_timestamp',
        'f.override_code',
        'f.override_system',
        'f.override_display',
        'f.user_comment',
      ])
      .orderBy('o.overridden_at', 'desc')
      .orderBy('o.card_uuid', 'desc')
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
      const reviews = current.get(r.uuid);
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
        ...(r.patient_ref !== null ? { patientRef: r.patient_ref } : {}),
        ...(Object.keys(reason).length > 0 ? { reason } : {}),
        ...(r.user_comment !== null ? { comment: r.user_comment } : {}),
        ...(reviews ? { review: reviews.current } : {}),
        judgements: reviews?.judgements ?? [],
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

/** `text` matched literally by `LIKE … ESCAPE '\'`: its `%`, `_` and `\` escaped. */
/**
 * A name as the prescriber search compares it: lower case, accents and other combining marks removed ("Róisín Ní
 * Bhriain" → "roisin ni bhriain"), so a pharmacist typing without accents finds it.
 */
export function searchFolded(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

export function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A stored override entry, as `overridden_cards` notes it. */
export interface OverrideEntry {
  readonly cardUuid: string;
  readonly entryKey: string;
  /** ISO 8601 UTC, as stored in `feedback.received_at`. */
  readonly receivedAt: string;
  readonly overrideCode: string | null;
}

/** What `overridden_cards` keeps of a card and its invocation. */
export interface OverriddenCardFacts {
  readonly drug: string | null;
  readonly indicator: 'info' | 'warning' | 'critical';
  /** The decision snapshot's JSON text. */
  readonly decision: string;
  readonly user_id: string | null;
  readonly user_name: string | null;
}

/**
 * Notes a stored override entry in `overridden_cards`, in the feedback's transaction: the card's row on its first
 * override, moved to this entry when it is newer than the one noted (received later, or at the same time with a
 * greater key: the list's order). One statement, so replicas storing overrides of the same card at once keep the
 * newest.
 */
export async function noteOverride(trx: Transaction<Database>, entry: OverrideEntry): Promise<void> {
  const card = await trx
    .selectFrom('cards as c')
    .innerJoin('invocations as i', 'i.id', 'c.invocation_id')
    .select(['c.drug', 'c.indicator', 'c.decision', 'i.user_id', 'i.user_name'])
    .where('c.uuid', '=', entry.cardUuid)
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('overridden_cards')
    .values(overriddenCardRow(card, entry))
    .onConflict((oc) =>
      oc
        .column('card_uuid')
        .doUpdateSet({
          overridden_at: entry.receivedAt,
          entry_key: entry.entryKey,
          override_code: entry.overrideCode,
        })
        .where((eb) =>
          eb.or([
            eb('overridden_cards.overridden_at', '<', entry.receivedAt),
            eb.and([
              eb('overridden_cards.overridden_at', '=', entry.receivedAt),
              eb('overridden_cards.entry_key', '<', entry.entryKey),
            ]),
          ]),
        ),
    )
    .execute();
}

/** The `overridden_cards` row of a card whose newest override entry is `entry` (migration 0160 backfills with it). */
export function overriddenCardRow(
  card: OverriddenCardFacts,
  entry: OverrideEntry,
): Insertable<OverriddenCardTable> {
  return {
    card_uuid: entry.cardUuid,
    overridden_at: entry.receivedAt,
    entry_key: entry.entryKey,
    override_code: entry.overrideCode,
    drug: card.drug,
    indicator: card.indicator,
    user_id: card.user_id,
    clinician_name: card.user_name === null ? null : searchFolded(card.user_name),
    genes: ` ${decisionGenes(JSON.parse(card.decision) as unknown).join(' ')} `,
  };
}

/**
 * The gene symbols a decision snapshot names as a `gene` anywhere in it (the gene results it read, the gene a finding
 * is about), each once, sorted.
 */
export function decisionGenes(decision: unknown): string[] {
  const genes = new Set<string>();
  const pending: unknown[] = [decision];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) pending.push(item);
      continue;
    }
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'gene' && typeof item === 'string') genes.add(item);
      else pending.push(item);
    }
  }
  return [...genes].sort();
}

/**
 * Each pharmacist's current judgement of a card, from its reviews oldest first: their latest review, kept when it
 * concludes (appropriate or not), newest first.
 */
export function currentJudgements<R extends { readonly status: ReviewStatus; readonly reviewer: string }>(
  oldestFirst: readonly R[],
): R[] {
  const latest = new Map<string, R>();
  for (const r of oldestFirst) {
    latest.delete(r.reviewer);
    latest.set(r.reviewer, r);
  }
  return [...latest.values()].filter((r) => r.status !== 'follow-up').reverse();
}

/** Whether the pharmacists' current judgements (`currentJudgements`) differ: one appropriate, another not. */
export function judgementsDiffer(judgements: readonly { readonly status: ReviewStatus }[]): boolean {
  return (
    judgements.some((j) => j.status === 'appropriate') &&
    judgements.some((j) => j.status === 'not-appropriate')
  );
}

/** The current (newest) review of each of `cardUuids` that has one, and each pharmacist's current judgement. */
async function currentReviews(
  db: Kysely<Database>,
  cardUuids: readonly string[],
): Promise<Map<string, { current: StoredReview; judgements: StoredReview[] }>> {
  const byCard = new Map<string, StoredReview[]>();
  if (cardUuids.length === 0) return new Map();
  const rows = await db
    .selectFrom('override_reviews')
    .selectAll()
    .where('card_uuid', 'in', [...new Set(cardUuids)])
    .orderBy('id', 'asc')
    .execute();
  for (const row of rows) {
    const reviews = byCard.get(row.card_uuid);
    if (reviews) reviews.push(toStoredReview(row));
    else byCard.set(row.card_uuid, [toStoredReview(row)]);
  }
  const current = new Map<string, { current: StoredReview; judgements: StoredReview[] }>();
  for (const [card, reviews] of byCard) {
    const newest = reviews[reviews.length - 1];
    if (newest) current.set(card, { current: newest, judgements: currentJudgements(reviews) });
  }
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
