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
  externalMedicationReferences,
  gather,
  gatheredMedications,
  know,
  ordersToAdviseOn,
  speak,
} from './pipeline';

export function createOrderSign(services: HookServices) {
  return async function orderSign(call: HookCall<'order-sign'>): Promise<HookAnswer> {
    const { draftOrders, patientId } = call.request.context;
    const external = externalMedicationReferences(draftOrders);
    let orders = ordersToAdviseOn(draftOrders);
    // No CPIC drug among the orders (and none hidden behind a Medication reference): nothing fetched, nothing to say.
    if (orders.length === 0 && external.length === 0) return NOTHING_TO_SAY;
    const gathered = await gather(call, external);
    if (external.length > 0) orders = ordersToAdviseOn(draftOrders, undefined, gatheredMedications(gathered));
    if (orders.length === 0) return NOTHING_TO_SAY;
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
