/**
 * A guard for the per-call checks that ask the shared store (jti replay, rate-limit counter): each ask has a short
 * deadline, and after a failure the store is not asked again for `coolOffMs`, so while the store is down or stalled
 * calls do not each wait for it (they use this process's own memory instead). One warning per failure, so an outage
 * logs a line every few seconds, not one per call.
 */
import type { Logger } from '../observability/logger';
import { errorForLog } from '../observability/logger';
import type { Metrics } from '../observability/metrics';

/** How long a call waits for the shared store before relying on this process alone. */
export const SHARED_CHECK_DEADLINE_MS = 250;
/** How long the store is left alone after a failure. */
export const SHARED_CHECK_COOL_OFF_MS = 5000;

export interface StoreBreaker {
  /** `ask()`'s answer, or undefined when the store failed, was too slow, or is being left alone. */
  run<T>(ask: () => Promise<T>): Promise<T | undefined>;
}

export function createStoreBreaker(opts: {
  /** Counted in `cds_errors_total{code}` each time this process answers alone. */
  readonly code: string;
  /** The warning logged when the store fails. */
  readonly message: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly deadlineMs?: number;
  readonly coolOffMs?: number;
  readonly now?: () => number;
}): StoreBreaker {
  const now = opts.now ?? Date.now;
  let leaveAloneUntil = 0;
  return {
    async run<T>(ask: () => Promise<T>): Promise<T | undefined> {
      if (now() < leaveAloneUntil) {
        opts.metrics.errors.inc({ code: opts.code });
        return undefined;
      }
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          ask(),
          new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => {
              reject(new Error('the store did not answer in time'));
            }, opts.deadlineMs ?? SHARED_CHECK_DEADLINE_MS);
          }),
        ]);
      } catch (err) {
        leaveAloneUntil = now() + (opts.coolOffMs ?? SHARED_CHECK_COOL_OFF_MS);
        opts.metrics.errors.inc({ code: opts.code });
        opts.logger.warn({ err: errorForLog(err) }, opts.message);
        return undefined;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
