/**
 * Feedback on cards (https://cds-hooks.hl7.org/2.0/#feedback): validated, linked to the recorded card,
 * idempotent, durable before acknowledged. Alert-volume tuning and override review build on what this stores.
 */
import { AppError } from '../http/errors';
import { parseFeedbackRequest } from '../cds/schema';
import type { FeedbackEntry } from '../cds/types';
import type { FeedbackRecord, Store } from '../store';

export interface FeedbackReceipt {
  readonly stored: number;
  readonly duplicates: number;
  readonly entries: readonly FeedbackEntry[];
}

/** Seconds a client is asked to wait before sending feedback on a card whose record is not written yet. */
const PENDING_RETRY_AFTER_S = 5;

/**
 * Stores a feedback body for `serviceId`. All or nothing: an invalid entry (400), a card this service did not issue
 * (422), an accepted suggestion the card did not offer (422) or a card whose record is still held in memory (`isPending`: 503, retry) rejects the whole batch before
 * anything is written; otherwise the promise resolves after commit. A store that cannot answer rejects with the
 * store's `StoreUnavailableError` (503): nothing is acknowledged that was not stored.
 */
export async function receiveFeedback(
  store: Store,
  serviceId: string,
  body: unknown,
  meta: {
    readonly receivedAt: Date;
    readonly clientIssuer?: string | undefined;
    /** Whether a card's record is held in memory, not yet written (the recorder's backlog). */
    readonly isPending?: (cardUuid: string) => boolean;
  },
): Promise<FeedbackReceipt> {
  const parsed = parseFeedbackRequest(body);
  if (!parsed.ok) throw new AppError('CDS_INVALID_REQUEST', parsed.problems);
  const entries = parsed.value.feedback;

  // Before asking the store: a card whose record is held in memory is not there yet, and the store may be down.
  const pending = meta.isPending ? [...new Set(entries.map((e) => e.card).filter(meta.isPending))] : [];
  if (pending.length > 0) {
    throw new AppError(
      'FEEDBACK_CARD_PENDING',
      pending.map((uuid) => `card ${uuid} is not recorded yet`),
      { 'Retry-After': String(PENDING_RETRY_AFTER_S) },
    );
  }
  const cards = await store.invocations.findCards([...new Set(entries.map((e) => e.card))]);
  const unknown = entries.filter((e) => cards.get(e.card)?.serviceId !== serviceId).map((e) => e.card);
  if (unknown.length > 0) {
    throw new AppError(
      'FEEDBACK_UNKNOWN_CARD',
      [...new Set(unknown)].map((uuid) => `card ${uuid} was not issued by service ${serviceId}`),
    );
  }
  // An accepted suggestion must be one the card offered (its `suggestion.uuid`); a card recorded before the card as
  // shown was kept offers what it offered, unknown, so its suggestions are taken as sent.
  const unoffered = entries.flatMap((e) => {
    const offered = cards.get(e.card)?.offeredSuggestions;
    if (offered === undefined) return [];
    return (e.acceptedSuggestions ?? [])
      .filter((s) => !offered.includes(s.id))
      .map((s) => `suggestion ${s.id} was not offered by card ${e.card}`);
  });
  if (unoffered.length > 0) throw new AppError('FEEDBACK_UNKNOWN_SUGGESTION', [...new Set(unoffered)]);

  const records: FeedbackRecord[] = entries.map((e) => {
    const reason = e.overrideReason?.reason;
    const comment = e.overrideReason?.userComment;
    return {
      serviceId,
      cardUuid: e.card,
      outcome: e.outcome,
      acceptedSuggestions: (e.acceptedSuggestions ?? []).map((s) => s.id),
      ...(reason
        ? {
            overrideReason: {
              code: reason.code,
              system: reason.system,
              ...(reason.display ? { display: reason.display } : {}),
            },
          }
        : {}),
      ...(comment ? { userComment: comment } : {}),
      outcomeTimestamp: e.outcomeTimestamp,
      receivedAt: meta.receivedAt,
      ...(meta.clientIssuer ? { clientIssuer: meta.clientIssuer } : {}),
    };
  });
  const { stored, duplicates } = await store.feedback.record(records);
  // The clinician's own action closes an order-select card: the same user editing the same order no longer gets it.
  for (const outcome of ['accepted', 'overridden'] as const) {
    await store.volume.closeOrderSelectCards(
      records.filter((r) => r.outcome === outcome).map((r) => r.cardUuid),
      outcome,
      meta.receivedAt,
    );
  }
  return { stored, duplicates, entries };
}
