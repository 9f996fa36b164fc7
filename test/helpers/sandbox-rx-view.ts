/**
 * What the CDS Hooks sandbox's Rx View does when a clinician accepts a suggestion, modelled from its reducer
 * (cds-hooks/sandbox `src/reducers/medication-reducers.js`, `TAKE_SUGGESTION`): it walks the actions in order and stops
 * at the first that changes something — a `create` or `update` whose resource carries a `medicationCodeableConcept`
 * with `text` and `coding[0].code` different from the current order's becomes the prescribed medication; a `delete`
 * clears the order. Everything after that first action is ignored, and the sandbox then fires order-select again.
 */
import type { Suggestion } from '../../src/cds/types';

/** The Rx View's medication: what the prescriber sees after accepting, or `undefined` when the order was cleared. */
export interface RxViewMedication {
  readonly name: string;
  readonly rxcui: string;
}

interface CodeableConcept {
  readonly text?: string;
  readonly coding?: readonly { readonly code?: string }[];
}

/** The medication the Rx View shows after `suggestion` is accepted on an order for `current`. */
export function acceptInRxView(
  current: RxViewMedication,
  suggestion: Suggestion,
): RxViewMedication | undefined {
  for (const action of suggestion.actions ?? []) {
    if (action.type === 'delete') return undefined;
    const resource =
      'resource' in action ? (action.resource as { medicationCodeableConcept?: CodeableConcept }) : {};
    const concept = resource.medicationCodeableConcept;
    const code = concept?.coding?.[0]?.code;
    if (concept?.text && code && code !== current.rxcui) return { name: concept.text, rxcui: code };
  }
  return current;
}
