/**
 * What a safety rule's card advises besides watching the sensors, by the threshold set's rule id: the research note's
 * rule table, column "Card effect" (`knowledge/research/wearables-in-fhir.md` §2.2). Data only; each entry keeps the
 * note's words it rests on (`basis`), which a test finds in the note.
 *
 * Choices: R8's advice is said without the drug classes the note names "per ADA", a citation the note marks as not
 * re-read; R2's maintenance dose is said for the two genotypes the note's label summary names (*1/*3, *2/*3), not for
 * every phenotype the rule watches (CYP2C9 *2/*2 is an Intermediate Metabolizer too, and the note gives it no dose).
 */
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
