/**
 * `order-sign` (https://cds-hooks.hl7.org/hooks/STU1/order-sign.html): every draft order, just before signing, at
 * full severity unless the volume policy lowers an acknowledged advice (`temper.ts`). Orders may be re-signs with
 * non-draft statuses (hook 1.1.0).
 */
import type { HookAnswer, HookCall } from '../cds/routes';
import type { HookServices } from './pipeline';
import { NOTHING_TO_SAY, assessDraftOrders, withIncompleteChecks } from './pipeline';
import { temperOrderSign } from './temper';

export function createOrderSign(services: HookServices) {
  return async function orderSign(call: HookCall<'order-sign'>): Promise<HookAnswer> {
    const assessed = await assessDraftOrders(call, services);
    if (!assessed) return NOTHING_TO_SAY;
    const answer = await temperOrderSign(call, services.volume, assessed);
    return withIncompleteChecks(answer, assessed, call, services);
  };
}
