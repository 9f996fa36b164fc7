/**
 * The action each CPIC recommendation row asks for, classified once from its text (CPIC rows carry no action code):
 * `avoid`, `adjust-dose`, `monitor`, `order-test` or `standard`, and whether the classification is ambiguous, with
 * the reason. `npm run cpic:import` runs this over all 2,092 rows and writes the result into the compact data
 * (`action`, `textAction`, `ambiguity` on every row), so the engine reads a typed field and never parses text at
 * request time; `npm run cpic:actions` publishes the table (`docs/cpic-row-actions.md`).
 *
 * The deciding sentence is the row's first sentence about this drug (not "Avoid moderate and strong CYP2D6
 * inhibitors", not phenytoin's "For first dose, …"). In it: avoiding the drug or naming an alternative → `avoid`; a
 * changed dose → `adjust-dose` (whichever of the two comes first leads); asking for an enzyme-activity measurement or
 * further testing → `order-test`; a standard or label dose → `standard` (even with the therapeutic drug monitoring
 * that is part of standard use, e.g. aminoglycosides); caution or monitoring → `monitor`. "No recommendation" rows and
 * rows without an action phrase → `monitor`, listed as ambiguous.
 *
 * What the service uses (`action`): the text's class, except `order-test`, which the engine shows as `monitor` (the
 * pre-test policy is for results that are missing, not for a row that asks for another test; the card quotes
 * CPIC's text, which names the test). A row whose text advises standard use (`textAction` `standard`) never gets a
 * `warning` or `critical` baseline, whatever the threshold set says (`rules/engine.ts`).
 */
import type { RowAction } from './types';

/** What a row's text asks for: a row action, or another test. */
export type RowTextAction = RowAction | 'order-test';

/** A row's classification: what its text asks for, what the service uses, and why it is ambiguous (if it is). */
export interface RowClassification {
  readonly textAction: RowTextAction;
  readonly action: RowAction;
  /** Why the text does not give one clear action, and what the service does; null when it does. */
  readonly ambiguity: string | null;
}

/** The row fields the classification reads (as `recommendations.json` gives them). */
export interface ClassifiedRowInput {
  readonly strength: string | null;
  readonly recommendation: string;
  readonly dosingInformation: boolean;
  readonly informational: boolean;
}

const AVOID =
  /\b(avoid|do not use|not recommended|contraindicated|alternative|not (?:predominantly |primarily )?metabolized by|consider \w+ therapy such as)\b/i;
const NOT_AVOID = /\bno (?:reason|need) to avoid\b/i;
const ADJUST =
  /(\d\s*%|\breduc|\bdecreas|\blower\b|\blowest\b|\bincreas\w* (?:the |starting |daily )*dos|\btitrat|\bless than|\blimit dose|≤\s*\d|\bdose of (?:at least )?\d)/i;
const STANDARD =
  /\b(standard (?:starting )?(?:daily )?dos|at standard doses?|recommended (?:standard of care )?(?:starting )?dos|standard recommended dose|label[- ]recommended|per standard dosing|according to the product label|no adjustments? needed|desired starting dose|typical (?:initial|starting)|no (?:reason|need) to avoid|no indication to change dose)/i;
const ORDER_TEST =
  /\b(enzyme activity must be measured|consider evaluating|further genetic testing|genotype is available)\b/i;
const CAUTION = /\b(caution|cautious|monitor)/i;
/** Monitoring that is part of standard use of the drug (aminoglycosides' therapeutic drug monitoring). */
const ROUTINE_MONITORING = /\btherapeutic (?:drug |dose )?monitoring\b/i;
const NO_RECOMMENDATION = /^(?:no recommendation|no action recommended|n\/a\b)/i;

/** The sentences of a CPIC text (CPIC separates paragraphs by blank lines; sentences end with `.` or `;`). */
function sentences(text: string): string[] {
  return text
    .split(/(?<=[.;])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Sentences about something else than this drug's use: co-medication, phenytoin's first dose, label reminders. */
function isAside(sentence: string): boolean {
  return (
    /inhibitors\.?$/i.test(sentence) ||
    /^for first dose/i.test(sentence) ||
    /^in accordance with\b.*prescribing information/i.test(sentence) ||
    /^inform the patient/i.test(sentence)
  );
}

/** The class one sentence asks for, or undefined when it names no action. */
function sentenceAction(raw: string): RowTextAction | undefined {
  // "alternative agents are (not) available" is a condition, not an instruction.
  const sentence = raw.replace(/alternative agents are (?:not )?available/gi, '');
  const avoidAt = NOT_AVOID.test(sentence) ? -1 : sentence.search(AVOID);
  const adjustAt = sentence.search(ADJUST);
  if (avoidAt >= 0 && (adjustAt < 0 || avoidAt < adjustAt)) return 'avoid';
  if (adjustAt >= 0) return 'adjust-dose';
  if (ORDER_TEST.test(sentence)) return 'order-test';
  if (STANDARD.test(sentence))
    return CAUTION.test(sentence) && !ROUTINE_MONITORING.test(sentence) ? 'monitor' : 'standard';
  if (CAUTION.test(sentence)) return 'monitor';
  return undefined;
}

/**
 * The sentence that decides the action: the first one about this drug's use that names an action (a premise such
 * as "Insufficient evidence …" or "Neither TPMT or NUDT15 phenotype could be assigned …" is passed over).
 */
function decidingSentence(all: readonly string[]): string | undefined {
  return all.filter((s) => !isAside(s)).find((s) => sentenceAction(s) !== undefined);
}

/**
 * What a recommendation text asks for, read as the import reads it: the deciding sentence and its class, or
 * `no-recommendation` when CPIC makes none; undefined when no sentence names an action. For callers that explain a
 * row in other words (the patient page), so that they read the same sentence the action was decided on.
 */
export function readRecommendation(
  recommendation: string,
): { readonly sentence: string; readonly asks: RowTextAction } | 'no-recommendation' | undefined {
  const all = sentences(recommendation);
  if (NO_RECOMMENDATION.test(recommendation.trim()) && !all.some((s) => STANDARD.test(s)))
    return 'no-recommendation';
  const sentence = decidingSentence(all);
  const asks = sentence === undefined ? undefined : sentenceAction(sentence);
  return sentence !== undefined && asks !== undefined ? { sentence, asks } : undefined;
}

function serviceAction(textAction: RowTextAction): RowAction {
  return textAction === 'order-test' ? 'monitor' : textAction;
}

/** Classifies one CPIC recommendation row from its text and flags (see the module comment). */
export function classifyRow(row: ClassifiedRowInput): RowClassification {
  const all = sentences(row.recommendation);
  if (row.informational) {
    return {
      textAction: 'order-test',
      action: 'monitor',
      ambiguity:
        'Informational row (no CPIC strength): it asks for the result to be restated, not for a prescribing action; shown as monitor',
    };
  }
  if (NO_RECOMMENDATION.test(row.recommendation.trim()) && !all.some((s) => STANDARD.test(s))) {
    return {
      textAction: 'monitor',
      action: 'monitor',
      ambiguity: 'CPIC makes no recommendation for this result; shown as monitor so CPIC’s statement is seen',
    };
  }
  const deciding = decidingSentence(all);
  const found = deciding === undefined ? undefined : sentenceAction(deciding);
  if (!found) {
    const fallback: RowAction = row.dosingInformation ? 'adjust-dose' : 'monitor';
    return {
      textAction: fallback,
      action: fallback,
      ambiguity: `No action phrase in the text; ${row.dosingInformation ? 'CPIC flags dosing information, so adjust-dose' : 'shown as monitor'}`,
    };
  }
  const later = all
    .slice(all.indexOf(deciding ?? '') + 1)
    .filter((s) => !isAside(s))
    .map(sentenceAction)
    .filter((a): a is RowTextAction => a === 'avoid' || a === 'adjust-dose');
  const ambiguity =
    found === 'standard' && later.length > 0
      ? `Standard use first; a later sentence asks to ${later[0] === 'avoid' ? 'consider an alternative' : 'change the dose'} under a condition. Shown as standard: no interruptive card`
      : found === 'order-test'
        ? null
        : found === 'standard' && ROUTINE_MONITORING.test(deciding ?? '')
          ? 'Standard doses with the therapeutic drug monitoring that is part of standard use: shown as standard, no interruptive card'
          : null;
  return { textAction: found, action: serviceAction(found), ambiguity };
}
