/**
 * Feedback entries (https://cds-hooks.hl7.org/2.0/#feedback) on recorded cards: stored once however often they are
 * sent, and read back per card.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { noteOverride } from './overrides';
import type { OverrideEntry } from './overrides';
import type { Database, FeedbackTable } from './schema';
import { markAcknowledged } from './volume';

/** One feedback entry (https://cds-hooks.hl7.org/2.0/#feedback) for a card this service recorded. */
export interface FeedbackRecord {
  serviceId: string;
  cardUuid: string;
  outcome: 'accepted' | 'overridden';
  acceptedSuggestions: readonly string[];
  overrideReason?: { code?: string; system?: string; display?: string };
  userComment?: string;
  /** As sent by the client (ISO 8601 UTC per the spec). */
  outcomeTimestamp: string;
  receivedAt: Date;
  clientIssuer?: string;
}

export interface FeedbackRepository {
  /**
   * Stores feedback entries in one transaction and resolves after the commit. An entry already stored (or
   * repeated within `entries`) is counted as a duplicate and not stored again. Every `cardUuid` must be a
   * recorded card (check with `invocations.findCards` first): otherwise the foreign key rejects the whole batch.
   */
  record(entries: readonly FeedbackRecord[]): Promise<{ stored: number; duplicates: number }>;
  /**
   * The entries stored for a card, first received first. Values stored as null are absent; `overrideReason` is
   * absent when it had no code, system or display. A duplicate keeps its first receipt (`receivedAt`, issuer).
   */
  listForCard(cardUuid: string): Promise<FeedbackRecord[]>;
}

export function createFeedbackRepository(db: Kysely<Database>): FeedbackRepository {
  return {
    record: (entries) => recordFeedback(db, entries),
    listForCard: async (cardUuid) => {
      const rows = await db
        .selectFrom('feedback')
        .selectAll()
        .where('card_uuid', '=', cardUuid)
        .orderBy('received_at')
        .orderBy('entry_key')
        .execute();
      return rows.map(toFeedbackRecord);
    },
  };
}

async function recordFeedback(
  db: Kysely<Database>,
  entries: readonly FeedbackRecord[],
): Promise<{ stored: number; duplicates: number }> {
  let stored = 0;
  await db.transaction().execute(async (trx) => {
    const overrides: OverrideEntry[] = [];
    for (const entry of entries) {
      const entryKey = feedbackEntryKey(entry);
      const receivedAt = entry.receivedAt.toISOString();
      const overrideCode = entry.overrideReason?.code ?? null;
      const result = await trx
        .insertInto('feedback')
        .values({
          entry_key: entryKey,
          card_uuid: entry.cardUuid,
          service_id: entry.serviceId,
          outcome: entry.outcome,
          accepted_suggestions: JSON.stringify(entry.acceptedSuggestions),
          override_code: overrideCode,
          override_system: entry.overrideReason?.system ?? null,
          override_display: entry.overrideReason?.display ?? null,
          user_comment: entry.userComment ?? null,
          outcome_timestamp: entry.outcomeTimestamp,
          received_at: receivedAt,
          client_issuer: entry.clientIssuer ?? null,
        })
        .onConflict((oc) => oc.column('entry_key').doNothing())
        .executeTakeFirst();
      if (result.numInsertedOrUpdatedRows !== 1n) continue;
      stored += 1;
      if (entry.outcome === 'overridden')
        overrides.push({ cardUuid: entry.cardUuid, entryKey, receivedAt, overrideCode });
    }
    // In card order: two batches overriding the same cards at once then lock their rows in the same order (PostgreSQL
    // would otherwise abort one of them as a deadlock).
    overrides.sort((a, b) => (a.cardUuid < b.cardUuid ? -1 : a.cardUuid > b.cardUuid ? 1 : 0));
    for (const entry of overrides) await noteOverride(trx, entry);
    await markAcknowledged(
      trx,
      overrides.map((o) => o.cardUuid),
    );
  });
  return { stored, duplicates: entries.length - stored };
}

/**
 * The identity of a feedback entry: what the clinician did to which card, and when. A client that repeats an
 * entry (a retry) sends the same values; `display`, `serviceId`, `receivedAt` and the issuer do not change what
 * happened, so they are not part of it. Accepted suggestion ids are a set (sorted) and the fields sit at fixed
 * positions in an array, so the JSON is canonical without sorting object keys.
 */
function feedbackEntryKey(entry: FeedbackRecord): string {
  const identity = [
    entry.cardUuid,
    entry.outcome,
    entry.outcomeTimestamp,
    [...entry.acceptedSuggestions].sort(),
    entry.overrideReason?.code ?? null,
    entry.overrideReason?.system ?? null,
    entry.userComment ?? null,
  ];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

function toFeedbackRecord(row: Selectable<FeedbackTable>): FeedbackRecord {
  const reason = {
    ...(row.override_code !== null ? { code: row.override_code } : {}),
    ...(row.override_system !== null ? { system: row.override_system } : {}),
    ...(row.override_display !== null ? { display: row.override_display } : {}),
  };
  return {
    serviceId: row.service_id,
    cardUuid: row.card_uuid,
    outcome: row.outcome,
    acceptedSuggestions: JSON.parse(row.accepted_suggestions) as string[],
    ...(Object.keys(reason).length > 0 ? { overrideReason: reason } : {}),
    ...(row.user_comment !== null ? { userComment: row.user_comment } : {}),
    outcomeTimestamp: row.outcome_timestamp,
    receivedAt: new Date(row.received_at),
    ...(row.client_issuer !== null ? { clientIssuer: row.client_issuer } : {}),
  };
}
