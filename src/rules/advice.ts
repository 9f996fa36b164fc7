/**
 * What a card advises besides a CPIC row: a safety rule's advice for the results (the drug label's dose, what to
 * consider) and what a sensor trigger asks for when the readings met it (confirm a QTc, recheck an INR). From the
 * research note's rule table, column "Card effect", and its notes per rule (`knowledge/research/wearables-in-fhir.md`
 * §2.2, §2.3), by the threshold set's rule and trigger ids. Data only; each entry keeps the note's words it rests on
 * (`basis`), which a test finds in the note.
 *
 * Choices: R8's advice is said without the drug classes the note names "per ADA", a citation the note marks as not
 * re-read; R2's maintenance dose is said for the two genotypes the note's label summary names (*1/*3, *2/*3), not for
 * every phenotype the rule watches (CYP2C9 *2/*2 is an Intermediate Metabolizer too, and the note gives it no dose);
 * the QTc advice is for a single QTc above 500 ms, as the note words it, not for a rise of more than 60 ms.
 */
import type { Decision } from './types';

export interface SafetyRuleAdvice {
  /** The diplotypes the advice is for, by gene (in either allele order); absent: every phenotype the rule watches. */
  readonly genotypes?: Readonly<Record<string, readonly string[]>>;
  /** What the card asks: the summary's action ("Adjust siponimod dose", "Monitor glipizide"). */
  readonly action: 'adjust-dose' | 'monitor';
  /** The advice as the card says it, the action first, with whose advice it is. */
  readonly text: string;
  /** The research note's words it rests on. */
  readonly basis: string;
}

/** What a sensor trigger asks for when the readings met it, with the research note's words. */
export interface TriggerAdvice {
  readonly text: string;
  readonly basis: string;
  /** Advice on giving the drug ("observe the first dose"): not said where the decision is to avoid it. */
  readonly givingOnly?: true;
}

/** A safety rule's advice for the results, by rule id (the first entry whose genotypes match applies). */
export const SAFETY_RULE_ADVICE: Readonly<Record<string, readonly SafetyRuleAdvice[]>> = {
  'R2-siponimod-resting-hr': [
    {
      genotypes: { CYP2C9: ['*1/*3', '*2/*3'] },
      action: 'adjust-dose',
      text: 'Use a maintenance dose of 1 mg: the siponimod label’s dose for CYP2C9 *1/*3 and *2/*3',
      basis: 'maintenance 1 mg for *1/*3 and *2/*3 (label)',
    },
  ],
  'R8-sulfonylurea-cgm': [
    {
      action: 'monitor',
      text: 'Consider the lowest starting dose, slower titration or a drug other than a sulfonylurea',
      basis: 'suggest lowest starting dose, slower titration, or non-SU agent',
    },
  ],
};

const QTC: TriggerAdvice = {
  text: 'Confirm the QTc with a 12-lead ECG: one reading above 500 ms is not a diagnosis',
  basis: 'treat a single value > 500 ms as "confirm with 12-lead ECG"',
};
const INR: TriggerAdvice = {
  text: 'Recheck the INR, and hold or adjust warfarin as your anticoagulation protocol says',
  basis: 'add "recheck INR / hold per protocol"',
};

/** Advice for a trigger the readings met, by `<rule id>:<trigger id>` (the modifier's `ruleId`). */
export const TRIGGER_ADVICE: Readonly<Record<string, TriggerAdvice>> = {
  'R2-siponimod-resting-hr:resting-hr-below-55': {
    text: 'Observe the first dose for 6 hours: the siponimod label asks for first-dose monitoring in sinus bradycardia',
    basis: '"first-dose 6-h monitoring recommended"',
    givingOnly: true,
  },
  'R3-ssri-qtc-hr:qtc-above-500': QTC,
  'R4-tca-qtc-hr:qtc-above-500': QTC,
  'R5-atomoxetine-hr:hr-rise-20': {
    text: 'Measure pulse and blood pressure',
    basis: 'suggest measuring pulse/BP',
  },
  'R9-warfarin-inr:inr-above-4': INR,
  'R9-warfarin-inr:inr-at-least-5': INR,
  'R10-statin-steps:steps-fall-30': {
    text: 'Ask about muscle symptoms',
    basis: '"ask about muscle symptoms"',
  },
};

/**
 * What a decision advises besides a CPIC row, each once: `forResults`, a safety rule's advice for the results
 * (`finding.advice`); `forReadings`, what each trigger the readings met asks for (`met`; on a record made before the
 * field, a raise), but advice on giving the drug not where the decision is to avoid it (siponimod with CYP2C9 *3/*3
 * meets the heart-rate trigger, yet "observe the first dose" has no place on a contraindication; "ask about muscle
 * symptoms" still has on "avoid simvastatin", the patient may be taking it). Read from the decision's modifiers, so a
 * card recorded before says it too.
 */
export function adviceOf(decision: Decision): {
  readonly forResults: readonly string[];
  readonly forReadings: readonly string[];
} {
  const { finding } = decision;
  const forReadings = decision.modifiers
    .filter((m) => (m.met ?? m.effect === 'raise') && Object.hasOwn(TRIGGER_ADVICE, m.ruleId))
    .flatMap((m) => {
      const advice = TRIGGER_ADVICE[m.ruleId];
      return advice && !(advice.givingOnly && finding.action === 'avoid') ? [advice.text] : [];
    });
  return {
    forResults: finding.kind === 'safety-rule' && finding.advice ? [finding.advice] : [],
    forReadings: [...new Set(forReadings)],
  };
}

/** `adviceOf` as one list, the results' advice first: the reasons a page lists first. */
export function adviceLines(decision: Decision): string[] {
  const { forResults, forReadings } = adviceOf(decision);
  return [...forResults, ...forReadings];
}
