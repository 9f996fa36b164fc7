/**
 * `order-select` (https://cds-hooks.hl7.org/hooks/STU1/order-select.html): advice on the `selections` only,
 * cheaply; the other draft orders are context. Real clients fire it on every field change, so the same advice for
 * the same patient and drug is not repeated within a short window (temper).
 */
import type { HookAnswer, HookCall } from '../cds/routes';
import type { RepeatSuppressor } from '../feedback/volume';
import type { HookServices } from './pipeline';
import { NOTHING_TO_SAY, decideOnDraftOrders, draftOrderResources, speak } from './pipeline';

export function createOrderSelect(services: HookServices, repeats: RepeatSuppressor) {
  return async function orderSelect(call: HookCall<'order-select'>): Promise<HookAnswer> {
    const { draftOrders, selections, patientId } = call.request.context;
    const decisions = await decideOnDraftOrders(call, services, selections);
    if (!decisions) return NOTHING_TO_SAY;
    // 5. temper: keyed on patient + drug + what the advice is; never on the order's id (the sandbox reuses one).
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
