/**
 * `order-select` (https://cds-hooks.hl7.org/hooks/STU1/order-select.html): advice on the `selections` only,
 * cheaply; the other draft orders are context. Real clients fire it on every field change: the temper stage returns
 * the same card (same uuid) to the same user editing the same draft order, and leaves out advice the volume policy
 * says was acknowledged (`temper.ts`).
 */
import type { HookAnswer, HookCall } from '../cds/routes';
import type { HookServices } from './pipeline';
import { NOTHING_TO_SAY, assessDraftOrders, withIncompleteChecks } from './pipeline';
import { temperOrderSelect } from './temper';

export function createOrderSelect(services: HookServices) {
  return async function orderSelect(call: HookCall<'order-select'>): Promise<HookAnswer> {
    const assessed = await assessDraftOrders(call, services, call.request.context.selections);
    if (!assessed) return NOTHING_TO_SAY;
    const answer = await temperOrderSelect(call, services.volume, assessed);
    return withIncompleteChecks(answer, assessed, call, services);
  };
}
