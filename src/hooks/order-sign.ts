/**
 * `order-sign` (https://cds-hooks.hl7.org/hooks/STU1/order-sign.html): every draft order, at full severity,
 * just before signing. Orders may be re-signs with non-draft statuses (hook 1.1.0).
 */
import type { HookAnswer, HookCall } from '../cds/routes';
import type { HookServices } from './pipeline';
import { NOTHING_TO_SAY, decideOnDraftOrders, draftOrderResources, speak } from './pipeline';

export function createOrderSign(services: HookServices) {
  return async function orderSign(call: HookCall<'order-sign'>): Promise<HookAnswer> {
    const { draftOrders, patientId } = call.request.context;
    const decisions = await decideOnDraftOrders(call, services);
    return decisions ? speak(decisions, draftOrderResources(draftOrders), patientId) : NOTHING_TO_SAY;
  };
}
