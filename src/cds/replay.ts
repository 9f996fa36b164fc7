/**
 * The `jti` memory replicas share (issue 13 item 4): the store's `client_jtis`, asked with a short deadline. If the
 * store cannot answer in time, the call is not refused for it: the in-process memory (which the authenticator asks
 * first) still refuses replays to this instance, and the lapse is logged and counted. Refusing every call while
 * the store is down would turn a store outage into an advice outage (item 1).
 */
import type { Logger } from '../observability/logger';
import { errorForLog } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { JtiRepository } from '../store';
import type { SharedJtiMemory } from './auth';

/** How long a call waits for the shared `jti` check before relying on this instance's memory alone. */
export const SHARED_JTI_DEADLINE_MS = 250;

export function createSharedJtiMemory(deps: {
  readonly jtis: JtiRepository;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly deadlineMs?: number;
}): SharedJtiMemory {
  const deadlineMs = deps.deadlineMs ?? SHARED_JTI_DEADLINE_MS;
  return {
    async remember(issuer, jti, expiresAtMs, nowMs) {
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          deps.jtis.remember(issuer, jti, new Date(expiresAtMs), new Date(nowMs)),
          new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => {
              reject(new Error('shared jti check timed out'));
            }, deadlineMs);
          }),
        ]);
      } catch (err) {
        deps.metrics.errors.inc({ code: 'STORE_JTI_UNCHECKED' });
        deps.logger.warn(
          { err: errorForLog(err) },
          'jti not checked across replicas: the store did not answer',
        );
        return true;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
