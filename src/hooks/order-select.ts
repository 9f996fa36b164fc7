/**
 * `order-select` (https://cds-hooks.hl7.org/hooks/STU1/order-select.html): advice on the `selections` only,
 * cheaply; the other draft orders are context. Real clients fire it on every field change.
 */
import type { HookCall, HookAnswer } from '../cds/routes';
import { adviseOnOrders } from './advise';
import { draftMedicationOrders } from './pipeline';

export function orderSelect(call: HookCall<'order-select'>): Promise<HookAnswer> {
  const { draftOrders, selections } = call.request.context;
  return adviseOnOrders(call, draftMedicationOrders(draftOrders, selections));
}
