/**
 * The alert-volume policy's shared state (`src/feedback/volume.ts`): what each invocation did with each advice, the
 * acknowledgements (overrides, "shown too often" ratings) the policy reads back, the order-select card cache that
 * makes every replica return the same card, and the per-rule firing statistics behind the informaticist's flags.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { NO_SYNC_WAIT, withoutSyncWait } from './connect';
import type { Engine } from './connect';
import type { Database, OrderSelectCardTable } from './schema';

type Shown = 'info' | 'warning' | 'critical';

/** What a decision rested on when its card was shown: enough to tell later whether the decision became worse. */
export interface AdviceBasis {
  /** The indicator the engine decided (before the policy). */
  readonly indicator: Shown;
  /** One fingerprint per gene result used (gene, genotype, phenotype, result date). */
  readonly results: readonly string[];
  /** Sensor rules that raised the decision. */
  readonly raisedBy: readonly string[];
  /** A CPIC Strong avoid / contraindication: never suppressed nor demoted. */
  readonly strongAvoid: boolean;
}

/** What the policy did with one advice in one invocation (recorded with the invocation, one transaction). */
export interface VolumeOutcomeRecord {
  readonly patientKey: string;
  readonly userId?: string;
  readonly adviceHash: string;
  readonly drug: string;
  readonly ruleId: string;
  readonly outcome: 'shown' | 'demoted' | 'acknowledged' | 'suppressed' | 'repeated';
  readonly reason?: string;
  readonly decidedIndicator: Shown;
  readonly shownIndicator?: Shown;
  readonly cardUuid?: string;
  /** True when this invocation issued the card (a firing of the rule). */
  readonly firstShowing: boolean;
  readonly basis: AdviceBasis;
}

/** An override or a "shown too often" rating of a card that showed an advice to a patient. */
export interface Acknowledgement {
  readonly adviceHash: string;
  readonly kind: 'overridden' | 'too-often';
  readonly cardUuid: string;
  /** When it was received (override) or given (rating). */
  readonly at: Date;
  /** Who: the CDS `userId` of the invocation that showed the overridden card, or the rater. */
  readonly by?: string;
  /** Their name, when the invocation that showed the card recorded it (the `user` prefetch) and it is theirs. */
  readonly byName?: string;
  readonly reasonCode?: string;
  readonly reasonDisplay?: string;
  readonly comment?: string;
  /** What the acknowledged card's decision rested on. */
  readonly basis: AdviceBasis;
}

/** A card order-select returns again to the same user editing the same draft order. */
export interface OrderSelectCard {
  readonly cacheKey: string;
  readonly cardUuid: string;
  readonly card: unknown;
  readonly orderHash: string;
  readonly indicator: Shown;
  readonly expiresAt: Date;
  readonly closedBy?: 'accepted' | 'overridden';
}

/** A rule's most recent firings and what clinicians did with them. */
export interface RuleFirings {
  readonly ruleId: string;
  readonly drug: string;
  /** Cards counted (at most the `lastFirings` asked for). */
  readonly firings: number;
  readonly overridden: number;
  readonly accepted: number;
  readonly notUseful: number;
  readonly tooOften: number;
  /** Cards per indicator shown, among those firings. */
  readonly shown: Readonly<Record<Shown, number>>;
  /** Whether its advice is a CPIC Strong avoid / contraindication (never demoted). */
  readonly strongAvoid: boolean;
  readonly newest: Date;
}

export interface VolumeRepository {
  /** The overrides and "too often" ratings since `since` of cards that showed one of `adviceHashes` to the patient. */
  acknowledgements(
    patientKey: string,
    adviceHashes: readonly string[],
    since: Date,
  ): Promise<Acknowledgement[]>;
  /** The cached order-select card under `cacheKey`, unless it expired at `now`. */
  orderSelectCard(cacheKey: string, now: Date): Promise<OrderSelectCard | undefined>;
  /**
   * Caches `entry` unless a live entry (not expired at `now`, same indicator) is there: then that one wins, so two
   * replicas racing on one key return the same card. Resolves with the entry in force.
   */
  claimOrderSelectCard(entry: OrderSelectCard, now: Date): Promise<OrderSelectCard>;
  /** A repeat: the card as re-rendered for the current draft order, kept until `expiresAt`. */
  renewOrderSelectCard(
    cacheKey: string,
    update: { card: unknown; orderHash: string; expiresAt: Date },
  ): Promise<void>;
  /** The clinician accepted or overrode these cards: order-select does not return them again. */
  closeOrderSelectCards(
    cardUuids: readonly string[],
    closedBy: 'accepted' | 'overridden',
    at: Date,
  ): Promise<void>;
  /** Per rule, its last `lastFirings` firings with their feedback and ratings. */
  ruleFirings(lastFirings: number): Promise<RuleFirings[]>;
  /** What the policy did in the invocations recorded under `hookInstance` (review, tests), in recording order. */
  listOutcomes(hookInstance: string): Promise<VolumeOutcomeRecord[]>;
}

/** Writes the outcomes of one invocation inside its recording transaction (`invocations.record`). */
export async function insertVolumeOutcomes(
  trx: Transaction<Database>,
  invocationId: string,
  hook: string,
  recordedAt: string,
  outcomes: readonly VolumeOutcomeRecord[],
): Promise<void> {
  if (outcomes.length === 0) return;
  await trx
    .insertInto('volume_outcomes')
    .values(
      outcomes.map((o) => ({
        id: randomUUID(),
        invocation_id: invocationId,
        hook,
        recorded_at: recordedAt,
        patient_key: o.patientKey,
        user_id: o.userId ?? null,
        advice_hash: o.adviceHash,
        drug: o.drug,
        rule_id: o.ruleId,
        outcome: o.outcome,
        reason: o.reason ?? null,
        decided_indicator: o.decidedIndicator,
        shown_indicator: o.shownIndicator ?? null,
        card_uuid: o.cardUuid ?? null,
        first_showing: o.firstShowing ? 1 : 0,
        basis: JSON.stringify(o.basis),
      })),
    )
    .execute();
}

/**
 * Marks the outcome rows of cards a clinician acknowledged (overrode, or rated "shown too often"), in the transaction
 * that records the acknowledgement: the policy's lookup (`acknowledgements`) reads only marked rows.
 */
export async function markAcknowledged(
  trx: Transaction<Database>,
  cardUuids: readonly string[],
): Promise<void> {
  if (cardUuids.length === 0) return;
  await trx
    .updateTable('volume_outcomes')
    .set({ acknowledged: 1 })
    .where('card_uuid', 'in', [...new Set(cardUuids)].sort())
    .where('acknowledged', '=', 0)
    .execute();
}

/**
 * The order-select card cache is written on order-select's path without waiting for the disk: on SQLite each renewal
 * waited about 1 ms for its fsync with the process blocked, more than the rest of the call's statements together
 * (`withoutSyncWait`); on PostgreSQL the renewal says so in its own statement (`NO_SYNC_WAIT`), a claim of a new card
 * (an insert, then a read) waits as before. Losing the last few entries to a power cut only makes the next selection
 * issue a new card.
 */
export function createVolumeRepository(db: Kysely<Database>, engine: Engine): VolumeRepository {
  return {
    acknowledgements: (patientKey, adviceHashes, since) =>
      acknowledgements(db, patientKey, adviceHashes, since),
    orderSelectCard: async (cacheKey, now) => {
      const row = await db
        .selectFrom('order_select_cards')
        .selectAll()
        .where('cache_key', '=', cacheKey)
        .where('expires_at', '>', now.toISOString())
        .executeTakeFirst();
      return row === undefined ? undefined : toOrderSelectCard(row);
    },
    claimOrderSelectCard: (entry, now) =>
      engine === 'sqlite'
        ? withoutSyncWait(db, engine, (trx) => claimOrderSelectCard(trx, entry, now))
        : claimOrderSelectCard(db, entry, now),
    renewOrderSelectCard: async (cacheKey, update) => {
      const renewal = (on: Kysely<Database>) =>
        on
          .updateTable('order_select_cards')
          .set({
            card: JSON.stringify(update.card),
            order_hash: update.orderHash,
            expires_at: update.expiresAt.toISOString(),
          })
          .where('cache_key', '=', cacheKey);
      if (engine === 'postgres') {
        await renewal(db).from(NO_SYNC_WAIT).execute();
        return;
      }
      await withoutSyncWait(db, engine, async (trx) => {
        await renewal(trx).execute();
      });
    },
    closeOrderSelectCards: async (cardUuids, closedBy, at) => {
      if (cardUuids.length === 0) return;
      await db
        .updateTable('order_select_cards')
        .set({ closed_at: at.toISOString(), closed_by: closedBy })
        .where('card_uuid', 'in', [...new Set(cardUuids)])
        .where('closed_at', 'is', null)
        .execute();
    },
    ruleFirings: (lastFirings) => ruleFirings(db, lastFirings),
    listOutcomes: async (hookInstance) => {
      const rows = await db
        .selectFrom('volume_outcomes')
        .innerJoin('invocations', 'invocations.id', 'volume_outcomes.invocation_id')
        .selectAll('volume_outcomes')
        .where('invocations.hook_instance', '=', hookInstance)
        .orderBy('volume_outcomes.recorded_at')
        .orderBy('volume_outcomes.rule_id')
        .execute();
      return rows.map((r): VolumeOutcomeRecord => ({
        patientKey: r.patient_key,
        ...(r.user_id !== null ? { userId: r.user_id } : {}),
        adviceHash: r.advice_hash,
        drug: r.drug,
        ruleId: r.rule_id,
        outcome: r.outcome,
        ...(r.reason !== null ? { reason: r.reason } : {}),
        decidedIndicator: r.decided_indicator,
        ...(r.shown_indicator !== null ? { shownIndicator: r.shown_indicator } : {}),
        ...(r.card_uuid !== null ? { cardUuid: r.card_uuid } : {}),
        firstShowing: r.first_showing === 1,
        basis: JSON.parse(r.basis) as AdviceBasis,
      }));
    },
  };
}

async function acknowledgements(
  db: Kysely<Database>,
  patientKey: string,
  adviceHashes: readonly string[],
  since: Date,
): Promise<Acknowledgement[]> {
  if (adviceHashes.length === 0) return [];
  const hashes = [...new Set(adviceHashes)];
  const after = since.toISOString();
  const shownCards = db
    .selectFrom('volume_outcomes')
    .where('patient_key', '=', patientKey)
    .where('advice_hash', 'in', hashes)
    // Only cards some clinician acknowledged (migration 0180): not every card the advice was ever shown on.
    .where('acknowledged', '=', 1)
    .where('first_showing', '=', 1)
    // The invocation that showed the card, for the name of the clinician it was shown to (left joins: an
    // acknowledgement counts even if retention has removed the card).
    .leftJoin('cards', 'cards.uuid', 'volume_outcomes.card_uuid')
    .leftJoin('invocations', 'invocations.id', 'cards.invocation_id');
  const [overrides, ratings] = await Promise.all([
    shownCards
      .innerJoin('feedback', 'feedback.card_uuid', 'volume_outcomes.card_uuid')
      .select([
        'volume_outcomes.advice_hash',
        'volume_outcomes.card_uuid',
        'volume_outcomes.user_id',
        'volume_outcomes.basis',
        'invocations.user_name',
        'feedback.received_at',
        'feedback.override_code',
        'feedback.override_display',
        'feedback.user_comment',
      ])
      .where('feedback.outcome', '=', 'overridden')
      .where('feedback.received_at', '>=', after)
      // An override a pharmacist judged not appropriate quiets nothing: the judgement stands while it is that
      // pharmacist's latest (a later "appropriate" by the same pharmacist withdraws it; another pharmacist's
      // "appropriate" does not outweigh it). Follow-up flags are not judgements.
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('override_reviews as judged')
              .select('judged.id')
              .whereRef('judged.card_uuid', '=', 'volume_outcomes.card_uuid')
              .where('judged.status', '=', 'not-appropriate')
              .where((inner) =>
                inner.not(
                  inner.exists(
                    inner
                      .selectFrom('override_reviews as since')
                      .select('since.id')
                      .whereRef('since.card_uuid', '=', 'judged.card_uuid')
                      .whereRef('since.reviewer', '=', 'judged.reviewer')
                      .whereRef('since.id', '>', 'judged.id')
                      .where('since.status', 'in', ['appropriate', 'not-appropriate']),
                  ),
                ),
              ),
          ),
        ),
      )
      .execute(),
    shownCards
      .innerJoin('ratings', 'ratings.card_uuid', 'volume_outcomes.card_uuid')
      .select([
        'volume_outcomes.advice_hash',
        'volume_outcomes.card_uuid',
        'volume_outcomes.basis',
        'volume_outcomes.user_id',
        'invocations.user_name',
        'ratings.rater',
        'ratings.rated_at',
        'ratings.comment',
      ])
      .where('ratings.rating', '=', 'too-often')
      .where('ratings.rated_at', '>=', after)
      .execute(),
  ]);
  return [
    ...overrides.map((r): Acknowledgement => ({
      adviceHash: r.advice_hash,
      kind: 'overridden',
      cardUuid: r.card_uuid ?? '',
      at: new Date(r.received_at),
      ...(r.user_id !== null ? { by: r.user_id } : {}),
      ...(r.user_id !== null && r.user_name !== null ? { byName: r.user_name } : {}),
      ...(r.override_code !== null ? { reasonCode: r.override_code } : {}),
      ...(r.override_display !== null ? { reasonDisplay: r.override_display } : {}),
      ...(r.user_comment !== null ? { comment: r.user_comment } : {}),
      basis: JSON.parse(r.basis) as AdviceBasis,
    })),
    ...ratings.map((r): Acknowledgement => ({
      adviceHash: r.advice_hash,
      kind: 'too-often',
      cardUuid: r.card_uuid ?? '',
      at: new Date(r.rated_at),
      by: r.rater,
      // The rating link is the shown clinician's; a name recorded for someone else is not the rater's.
      ...(r.user_name !== null && r.user_id === r.rater ? { byName: r.user_name } : {}),
      ...(r.comment !== null ? { comment: r.comment } : {}),
      basis: JSON.parse(r.basis) as AdviceBasis,
    })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
}

async function claimOrderSelectCard(
  db: Kysely<Database>,
  entry: OrderSelectCard,
  now: Date,
): Promise<OrderSelectCard> {
  const values = {
    cache_key: entry.cacheKey,
    card_uuid: entry.cardUuid,
    card: JSON.stringify(entry.card),
    order_hash: entry.orderHash,
    indicator: entry.indicator,
    created_at: now.toISOString(),
    expires_at: entry.expiresAt.toISOString(),
    closed_at: null,
    closed_by: null,
  };
  // One statement: insert, or take over an entry that expired or was cached at another indicator. A live entry at
  // the same indicator is left alone (then read back): the first replica's card wins.
  await db
    .insertInto('order_select_cards')
    .values(values)
    .onConflict((oc) =>
      oc
        .column('cache_key')
        .doUpdateSet(values)
        .where((eb) =>
          eb.or([
            eb('order_select_cards.expires_at', '<=', now.toISOString()),
            eb('order_select_cards.indicator', '!=', entry.indicator),
          ]),
        ),
    )
    .execute();
  const row = await db
    .selectFrom('order_select_cards')
    .selectAll()
    .where('cache_key', '=', entry.cacheKey)
    .executeTakeFirstOrThrow();
  return toOrderSelectCard(row);
}

function toOrderSelectCard(row: Selectable<OrderSelectCardTable>): OrderSelectCard {
  return {
    cacheKey: row.cache_key,
    cardUuid: row.card_uuid,
    card: JSON.parse(row.card) as unknown,
    orderHash: row.order_hash,
    indicator: row.indicator,
    expiresAt: new Date(row.expires_at),
    ...(row.closed_by !== null ? { closedBy: row.closed_by } : {}),
  };
}

async function ruleFirings(db: Kysely<Database>, lastFirings: number): Promise<RuleFirings[]> {
  const rules = await db
    .selectFrom('volume_outcomes')
    .select(['rule_id'])
    .where('first_showing', '=', 1)
    .groupBy('rule_id')
    .orderBy('rule_id')
    .execute();
  const result: RuleFirings[] = [];
  for (const { rule_id: ruleId } of rules) {
    const cards = await db
      .selectFrom('volume_outcomes')
      .select(['card_uuid', 'drug', 'shown_indicator', 'recorded_at', 'basis'])
      .where('rule_id', '=', ruleId)
      .where('first_showing', '=', 1)
      .orderBy('recorded_at', 'desc')
      .orderBy('id')
      .limit(lastFirings)
      .execute();
    const uuids = cards.flatMap((c) => (c.card_uuid === null ? [] : [c.card_uuid]));
    if (uuids.length === 0) continue;
    const [feedback, ratings] = await Promise.all([
      db
        .selectFrom('feedback')
        .select(['card_uuid', 'outcome'])
        .where('card_uuid', 'in', uuids)
        .distinct()
        .execute(),
      db
        .selectFrom('ratings')
        .select(['card_uuid', 'rating'])
        .where('card_uuid', 'in', uuids)
        .distinct()
        .execute(),
    ]);
    const shown: Record<Shown, number> = { info: 0, warning: 0, critical: 0 };
    for (const c of cards) if (c.shown_indicator !== null) shown[c.shown_indicator] += 1;
    const cardsWhere = <R extends { card_uuid: string }>(
      rows: readonly R[],
      keep: (r: R) => boolean,
    ): number => new Set(rows.filter(keep).map((r) => r.card_uuid)).size;
    result.push({
      ruleId,
      drug: cards[0]?.drug ?? '',
      firings: uuids.length,
      overridden: cardsWhere(feedback, (r) => r.outcome === 'overridden'),
      accepted: cardsWhere(feedback, (r) => r.outcome === 'accepted'),
      notUseful: cardsWhere(ratings, (r) => r.rating === 'not-useful'),
      tooOften: cardsWhere(ratings, (r) => r.rating === 'too-often'),
      shown,
      strongAvoid: cards.some((c) => (JSON.parse(c.basis) as AdviceBasis).strongAvoid),
      newest: new Date(cards[0]?.recorded_at ?? 0),
    });
  }
  return result;
}
