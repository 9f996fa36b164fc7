/**
 * `order-sign` (https://cds-hooks.hl7.org/hooks/STU1/order-sign.html): every draft order, at full severity,
 * just before signing. Orders may be re-signs with non-draft statuses (hook 1.1.0).
 */
import type { HookAnswer, HookCall } from '../cds/routes';
import type { HookServices } from './pipeline';
import {
  NOTHING_TO_SAY,
  decide,
  draftOrderResources,
  gather,
  know,
  ordersToAdviseOn,
  speak,
} from './pipeline';

export function createOrderSign(services: HookServices) {
  return async function orderSign(call: HookCall<'order-sign'>): Promise<HookAnswer> {
    const { draftOrders, patientId } = call.request.context;
    const orders = ordersToAdviseOn(draftOrders);
    if (orders.length === 0) return NOTHING_TO_SAY; // no CPIC drug ordered: nothing fetched, nothing to say
    const gathered = await gather(call);
    const data = know(gathered, orders, call.now);
    if (data.gaps.length > 0) call.logger.warn({ gaps: data.gaps }, 'answering with incomplete data');
    const decisions = await decide(
      data,
      orders,
      services.ruleEngine(),
      call.now,
      gathered.pgx?.complete !== false,
    );
    return speak(decisions, draftOrderResources(draftOrders), patientId);
  };
}
