/**
 * The `jti` memory replicas share (issue 13 item 4): the store's `client_jtis`, asked through a `StoreBreaker`
 * (deadline `STORE_SHARED_CHECK_MS`, 250 ms by default; left alone for 5 s after a failure). If the store cannot
 * answer, the call is not refused for it: the in-process memory (which the authenticator asks first) still refuses
 * replays to this instance, and the lapse is logged and counted (`STORE_JTI_UNCHECKED`). Refusing every call while the store is down would turn a store
 * outage into an advice outage (item 1).
 */
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { JtiRepository } from '../store';
import type { SharedJtiMemory } from './auth';
import { createStoreBreaker } from './store-breaker';

export function createSharedJtiMemory(deps: {
  readonly jtis: JtiRepository;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly deadlineMs?: number;
}): SharedJtiMemory {
  const breaker = createStoreBreaker({
    code: 'STORE_JTI_UNCHECKED',
    message: 'jti not checked across replicas: the store did not answer',
    logger: deps.logger,
    metrics: deps.metrics,
    ...(deps.deadlineMs === undefined ? {} : { deadlineMs: deps.deadlineMs }),
  });
  return {
    async remember(issuer, jti, expiresAtMs, nowMs) {
      const first = await breaker.run(() =>
        deps.jtis.remember(issuer, jti, new Date(expiresAtMs), new Date(nowMs)),
      );
      return first ?? true;
    },
  };
}
