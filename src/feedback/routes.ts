/**
 * `POST /cds-services/{id}/feedback`. Thin route: parse, store, answer 200 `{}` once the write is durable.
 */
import { Router } from 'express';
import { AppError } from '../http/errors';
import { verifiedClient } from '../cds/http';
import type { Metrics } from '../observability/metrics';
import type { Store } from '../store';
import { receiveFeedback } from './receive';

export function createFeedbackRouter(deps: {
  readonly serviceIds: ReadonlySet<string>;
  readonly store: Store;
  readonly metrics: Metrics;
  /** The clock feedback is received by (the app's; the volume policy's windows are measured on it). */
  readonly now?: () => Date;
  /** Whether a card's record is still held in memory by the invocation recorder. */
  readonly isPending: (cardUuid: string) => boolean;
}): Router {
  const router = Router();
  router.post('/:id/feedback', async (req, res) => {
    if (!deps.serviceIds.has(req.params.id)) {
      throw new AppError('CDS_UNKNOWN_SERVICE', [`no service "${req.params.id}"`]);
    }
    const receipt = await receiveFeedback(deps.store, req.params.id, req.body, {
      receivedAt: deps.now ? deps.now() : new Date(),
      clientIssuer: verifiedClient(res)?.iss,
      isPending: deps.isPending,
    });
    for (const e of receipt.entries) deps.metrics.feedback.inc({ outcome: e.outcome, result: 'received' });
    deps.metrics.feedback.inc({ outcome: 'all', result: 'duplicate' }, receipt.duplicates);
    // The spec defines no response body; an empty object is the conventional answer.
    res.json({});
  });
  return router;
}
