/**
 * `order-select` (https://cds-hooks.hl7.org/hooks/STU1/order-select.html): advice on the `selections` only,
 * cheaply; the other draft orders are context. Real clients fire it on every field change, so the same advice for
 * the same patient and drug is not repeated within a short window (temper).
 */
import type { HookAnswer, HookCall } from '../cds/routes';
import type { RepeatSuppressor } from '../feedback/volume';
import { adviceKey } from '../rules/types';
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

export function createOrderSelect(services: HookServices, repeats: RepeatSuppressor) {
  return async function orderSelect(call: HookCall<'order-select'>): Promise<HookAnswer> {
    const { draftOrders, selections, patientId } = call.request.context;
    const assessed = await assessDraftOrders(call, services, selections);
    if (!assessed) return NOTHING_TO_SAY;
    // 5. temper: keyed on patient + the advice + how loudly it is given (a louder card is new advice); never on the
    // order's id (the sandbox reuses one).
    const fresh = repeats.filter(shownDecisions(assessed.assessment), (d) => ({
      patientId,
      drug: d.finding.drug,
      decision: `${adviceKey(d)}|${d.indicator}`,
    }));
    const answer = speak(fresh, assessed, draftOrderResources(draftOrders), patientId);
    // Results that could not be read are said, never silence (issue 9 item 5).
    return assessed.pgxIncomplete ? withCards(answer, incompleteCheck(assessed, call, services)) : answer;
  };
}
