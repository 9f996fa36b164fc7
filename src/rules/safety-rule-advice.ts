/**
 * What a safety rule's card advises besides watching the sensors, by the threshold set's rule id: the research note's
 * rule table, column "Card effect" (`knowledge/research/wearables-in-fhir.md` §2.2). Data only; each entry keeps the
 * note's words it rests on (`basis`), which a test finds in the note.
 *
 * Choices: R8's advice is said without the drug classes the note names "per ADA", a citation the note marks as not
 * re-read; R2's maintenance dose is said for the two genotypes the note's label summary names (*1/*3, *2/*3), not for
 * every phenotype the rule watches (CYP2C9 *2/*2 is an Intermediate Metabolizer too, and the note gives it no dose).
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

/** What a safety rule's sensor trigger asks for when it raised the alert, with the research note's words. */
export interface TriggerAdvice {
  readonly text: string;
  readonly basis: string;
}

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

/** Advice for a raise by a sensor trigger, by `<rule id>:<trigger id>` (the modifier's `ruleId`). */
export const TRIGGER_ADVICE: Readonly<Record<string, TriggerAdvice>> = {
  'R2-siponimod-resting-hr:resting-hr-below-55': {
    text: 'Observe the first dose for 6 hours: the siponimod label asks for first-dose monitoring in sinus bradycardia',
    basis: '"first-dose 6-h monitoring recommended"',
  },
};

/**
 * What a decision of a safety rule advises, in the order a card says it under "What to do": the rule's advice for the
 * results (`finding.advice`), then what each sensor trigger that raised the alert asks for. Empty for other decisions.
 */
export function safetyRuleAdvice(decision: Decision): string[] {
  const { finding } = decision;
  if (finding.kind !== 'safety-rule') return [];
  const raisedBy = decision.modifiers.filter((m) => m.effect === 'raise').map((m) => m.ruleId);
  return [
    ...(finding.advice ? [finding.advice] : []),
    ...[...new Set(raisedBy)].flatMap((id) =>
      Object.hasOwn(TRIGGER_ADVICE, id) ? [TRIGGER_ADVICE[id]?.text ?? ''] : [],
    ),
  ].filter(Boolean);
}
