/**
 * `order-sign` (https://cds-hooks.hl7.org/hooks/STU1/order-sign.html): every draft order, at full severity,
 * just before signing. Orders may be re-signs with non-draft statuses (hook 1.1.0).
 */
import type { HookAnswer, HookCall } from '../cds/routes';
import type { HookServices } from './pipeline';
import {
  NOTHING_TO_SAY,
  assessDraftOrders,
  draftOrderResources,
  incompleteCheck,
  shownDecisions,
  speak,
  withCards,
} from './pipeline';

export function createOrderSign(services: HookServices) {
  return async function orderSign(call: HookCall<'order-sign'>): Promise<HookAnswer> {
    const { draftOrders, patientId } = call.request.context;
    const assessed = await assessDraftOrders(call, services);
    if (!assessed) return NOTHING_TO_SAY;
    const answer = speak(
      shownDecisions(assessed.assessment),
      assessed,
      draftOrderResources(draftOrders),
      patientId,
    );
    // Results that could not be read are said, never silence (issue 9 item 5).
    return assessed.pgxIncomplete ? withCards(answer, incompleteCheck(assessed, call, services)) : answer;
  };
}
