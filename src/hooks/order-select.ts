/**
 * `order-select` (https://cds-hooks.hl7.org/hooks/STU1/order-select.html): advice on the `selections` only,
 * cheaply; the other draft orders are context. Real clients fire it on every field change, so the same advice for
 * the same patient and drug is not repeated within a short window (temper).
 */
import type { HookAnswer, HookCall } from '../cds/routes';
import type { RepeatSuppressor } from '../feedback/volume';
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

export function createOrderSelect(services: HookServices, repeats: RepeatSuppressor) {
  return async function orderSelect(call: HookCall<'order-select'>): Promise<HookAnswer> {
    const { draftOrders, selections, patientId } = call.request.context;
    const external = externalMedicationReferences(draftOrders, selections);
    let orders = ordersToAdviseOn(draftOrders, selections);
    // No CPIC drug among the orders (and none hidden behind a Medication reference): nothing fetched, nothing to say.
    if (orders.length === 0 && external.length === 0) return NOTHING_TO_SAY;
    const gathered = await gather(call, external);
    if (external.length > 0)
      orders = ordersToAdviseOn(draftOrders, selections, gatheredMedications(gathered));
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
    const fresh = repeats.filter(
      decisions.filter((d) => d.shown !== false),
      (d) => ({
        patientId,
        drug: d.drug,
        decision: [
          d.action,
          d.severity,
          d.row?.rowId ?? d.row?.recommendation ?? d.genes.map((g) => g.lookupKey).join(),
        ].join('|'),
      }),
    );
    return speak(fresh, draftOrderResources(draftOrders), patientId);
  };
}
