/**
 * The order hooks' pipeline: gather → know → decide → speak → temper, for the given draft orders.
 */
import type { HookAnswer, HookCall } from '../cds/routes';
import { answer, gather, gapsOf, NOTHING_TO_SAY, temper } from './pipeline';
import type { DraftOrderEntry, PatientData } from './pipeline';
import type { Gathered } from '../cds/prefetch';
import type { Decision } from '../rules/types';
import type { Card } from '../cds/types';

/** know: interpret what was gathered in domain terms. Filled in by the PGx knowledge and sensor modules. */
export function know(gathered: Gathered, _orders: readonly DraftOrderEntry[], now: Date): PatientData {
  return {
    patient: undefined,
    pgx: [],
    sensors: { at: now.toISOString(), metrics: [], notes: [], dataQuality: [] },
    orders: [],
    medications: [],
    gaps: gapsOf(gathered),
  };
}

/** decide: one Decision per order problem. Filled in by the rules engine. */
export function decide(_data: PatientData): Decision[] {
  return [];
}

/** speak: Decisions → spec-valid cards with their provenance. Filled in by the cards module. */
export function speak(_decisions: readonly Decision[]): HookAnswer {
  return { cards: [] as Card[], provenance: [] };
}

export async function adviseOnOrders(
  call: HookCall,
  orders: readonly DraftOrderEntry[],
): Promise<HookAnswer> {
  // An order for no medication (the sandbox's initial empty order) costs nothing: no data is fetched.
  if (orders.length === 0) return NOTHING_TO_SAY;
  const gathered = await gather(call);
  const data = know(gathered, orders, call.now);
  if (data.gaps.length > 0) call.logger.info({ gaps: data.gaps }, 'answering with incomplete data');
  const spoken = speak(decide(data));
  return answer(temper(spoken.cards), spoken.provenance);
}
