/**
 * `order-sign` (https://cds-hooks.hl7.org/hooks/STU1/order-sign.html): every draft order, at full severity,
 * just before signing. Orders may be re-signs with non-draft statuses (hook 1.1.0).
 */
import type { HookCall, HookAnswer } from '../cds/routes';
import { adviseOnOrders } from './advise';
import { draftMedicationOrders } from './pipeline';

export function orderSign(call: HookCall<'order-sign'>): Promise<HookAnswer> {
  return adviseOnOrders(call, draftMedicationOrders(call.request.context.draftOrders));
}
