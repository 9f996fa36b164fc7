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

/**
 * Stores a feedback body for `serviceId`. All or nothing: an invalid entry (400) or a card this service did not
 * issue (422) rejects the whole batch before anything is written; otherwise the promise resolves after commit.
 */
export async function receiveFeedback(
  store: Store,
  serviceId: string,
  body: unknown,
  meta: { readonly receivedAt: Date; readonly clientIssuer?: string | undefined },
): Promise<FeedbackReceipt> {
  const parsed = parseFeedbackRequest(body);
  if (!parsed.ok) throw new AppError('CDS_INVALID_REQUEST', parsed.problems);
  const entries = parsed.value.feedback;

  const cards = await store.invocations.findCards([...new Set(entries.map((e) => e.card))]);
  const unknown = entries.filter((e) => cards.get(e.card)?.serviceId !== serviceId).map((e) => e.card);
  if (unknown.length > 0) {
    throw new AppError(
      'FEEDBACK_UNKNOWN_CARD',
      [...new Set(unknown)].map((uuid) => `card ${uuid} was not issued by service ${serviceId}`),
    );
  }

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
