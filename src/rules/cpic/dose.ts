/**
 * The dose change a CPIC recommendation text gives: the share of the ordered dose, the phrase it was read from and
 * what makes it conditional. Knowledge, computed once per finding (`RecommendationFinding.doseChange`); the cards
 * apply it to the draft order's own dose. Only reductions are read (an increase is titration advice, never a
 * one-click starting dose).
 */

/**
 * Something in CPIC's text that makes the reduction conditional, quoted verbatim:
 * - `if`: an if-clause of the sentence that gives the percentage ("… (30-80% of standard starting dose) if starting
 *   dose is ≥75 mg/m2/day …", "If a TCA is warranted, consider a 50% reduction …");
 * - `not-necessary`: a sentence saying the reduction "might not be necessary";
 * - `consider`: a sentence offering the reduction, or an alternative to it, as an option ("Consider a 25% reduction
 *   …", "Alternatively, consider an alternate therapy …").
 */
export interface DoseCondition {
  readonly kind: 'if' | 'not-necessary' | 'consider';
  readonly quote: string;
}

/** The share of the ordered dose CPIC's text asks for, e.g. 0.5 for "Reduce starting dose by 50%". */
export interface CpicDoseFraction {
  /** The most conservative share (the lowest dose) when CPIC gives a range. */
  readonly fraction: number;
  /** The other end of CPIC's range, when it gives one. */
  readonly otherEnd?: number;
  /** CPIC's phrase the fraction was read from, verbatim. */
  readonly phrase: string;
  /** What makes the reduction conditional in CPIC's text; empty when CPIC asks for it unconditionally. */
  readonly conditions: readonly DoseCondition[];
}

const NUMBER = String.raw`(\d+(?:\.\d+)?)`;
const PERCENT_RANGE = String.raw`${NUMBER}\s*%?(?:\s*[-–]\s*${NUMBER})?\s*%`;
/** "25-50% of the lowest recommended starting dose", "Initiate 50% of starting dose", "30-80% of standard starting dose". */
const SHARE_OF_DOSE = new RegExp(
  String.raw`${PERCENT_RANGE}\s+of\s+(?:the\s+)?(?:lowest\s+|standard\s+)?(?:recommended\s+)?starting dose`,
  'i',
);
/** "a 50% reduction of recommended starting dose", "25-50% lower starting dose"; not ">50% reduction". */
const REDUCTION = new RegExp(String.raw`(?<![>≥\d.])${PERCENT_RANGE}\s+(?:reduction|lower)\b`, 'i');
/** "Reduce starting dose by 50%". */
const REDUCE_BY = new RegExp(
  String.raw`reduce\s+(?:the\s+)?(?:starting\s+)?dose\s+by\s+${PERCENT_RANGE}`,
  'i',
);

/**
 * The sentences of a CPIC text with their offsets. A sentence ends at a full stop followed by white space or the end
 * of the text, so "≥1.5 mg/kg/day" and "e.g., 5 mg" stay inside their sentence.
 */
function sentences(text: string): { start: number; text: string }[] {
  return [...text.matchAll(/\S[\s\S]*?(?:\.(?=\s|$)|$)/g)].map((m) => ({ start: m.index, text: m[0] }));
}

/** A quote without its closing full stop. */
function clause(text: string): string {
  return text.trim().replace(/\.$/, '');
}

/**
 * The conditions CPIC's text puts on the reduction found at `at`. An if-clause counts only in the sentence that gives
 * the percentage ("If myelosuppression occurs, …" later in the thiopurine texts is about something else), and never
 * as a parenthetical aside: "(if available)" qualifies drug monitoring, "(if any)" side effects.
 */
function doseConditions(recommendation: string, at: number): DoseCondition[] {
  const all = sentences(recommendation);
  const doseSentence = all.filter((s) => s.start <= at).pop();
  return [
    ...[...(doseSentence?.text ?? '').matchAll(/(?<!\()\bif\b[^,;]*/gi)].map((m) => ({
      kind: 'if' as const,
      quote: clause(m[0]),
    })),
    ...all
      .filter((s) => /\bmight not be necessary\b/i.test(s.text))
      .map((s) => ({ kind: 'not-necessary' as const, quote: clause(s.text) })),
    ...all
      .filter((s) => /\bconsider/i.test(s.text))
      .map((s) => ({ kind: 'consider' as const, quote: clause(s.text) })),
  ];
}

/**
 * The dose share a CPIC recommendation gives, from the first percentage phrase in the text; undefined when the text
 * gives none (e.g. "lowest recommended starting dose", "10-fold": no fraction of the ordered dose to compute).
 */
export function cpicDoseFraction(recommendation: string): CpicDoseFraction | undefined {
  const found = [
    { match: SHARE_OF_DOSE.exec(recommendation), reduces: false },
    { match: REDUCTION.exec(recommendation), reduces: true },
    { match: REDUCE_BY.exec(recommendation), reduces: true },
  ]
    .filter((f): f is { match: RegExpExecArray; reduces: boolean } => f.match !== null)
    .sort((a, b) => a.match.index - b.match.index)[0];
  if (!found) return undefined;
  const low = Number(found.match[1]) / 100;
  const high = found.match[2] === undefined ? low : Number(found.match[2]) / 100;
  const shares = found.reduces ? [1 - high, 1 - low] : [low, high];
  const [fraction = 0, other = 0] = shares;
  if (!(fraction > 0 && fraction < 1)) return undefined;
  return {
    fraction,
    ...(other !== fraction ? { otherEnd: other } : {}),
    phrase: found.match[0],
    conditions: doseConditions(recommendation, found.match.index),
  };
}
