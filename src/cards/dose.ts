/**
 * Dose adjustment: the fraction a CPIC recommendation gives, applied to the draft order's own dose.
 * Only reductions are computed (an increase is titration advice, never a one-click starting dose).
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

/** A dose quantity as the draft carries it. */
export interface DraftDose {
  readonly value: number;
  readonly unit?: string;
  readonly code?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** Every dose quantity object of a draft order: R4 `doseAndRate[].doseQuantity`, STU3/DSTU2 `doseQuantity`. */
function doseQuantities(order: Record<string, unknown>): Record<string, unknown>[] {
  return records(order.dosageInstruction).flatMap((instruction) => [
    ...records(instruction.doseAndRate).flatMap((d) => (isRecord(d.doseQuantity) ? [d.doseQuantity] : [])),
    ...(isRecord(instruction.doseQuantity) ? [instruction.doseQuantity] : []),
  ]);
}

function asDose(quantity: Record<string, unknown>): DraftDose | undefined {
  const { value, unit, code } = quantity;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return undefined;
  return {
    value,
    ...(typeof unit === 'string' && unit ? { unit } : {}),
    ...(typeof code === 'string' && code ? { code } : {}),
  };
}

/** The first dose of a draft order, when it has one. */
export function draftDose(order: unknown): DraftDose | undefined {
  if (!isRecord(order)) return undefined;
  for (const quantity of doseQuantities(order)) {
    const dose = asDose(quantity);
    if (dose) return dose;
  }
  return undefined;
}

/** `{pill}` (the sandbox's UCUM annotation) and other count-of-units doses. */
const COUNT_UNIT = /^\{?(?:pill|tab|tbl|tablet|cap|capsule)s?\}?$/i;

/** Display text of a dose unit. */
export function unitText(dose: DraftDose): string {
  return dose.unit ?? dose.code ?? '';
}

/**
 * The adjusted dose value, or why there is none. A dose in pills is only adjusted when the result is a whole or
 * half pill (a split that a scored tablet allows); anything else would ask for an impossible fraction of a pill.
 * Other units are rounded to two decimals.
 */
export function adjustedDoseValue(dose: DraftDose, fraction: number): { value: number } | { reason: string } {
  const raw = dose.value * fraction;
  if (COUNT_UNIT.test(dose.unit ?? '') || COUNT_UNIT.test(dose.code ?? '')) {
    return Number.isInteger(raw * 2)
      ? { value: raw }
      : { reason: `${raw} ${unitText(dose)} is not a whole or half unit; choose a strength instead` };
  }
  const value = Math.round(raw * 100) / 100;
  return value > 0 ? { value } : { reason: 'the adjusted dose rounds to zero' };
}

/**
 * A full copy of the draft order with every dose quantity scaled by `fraction` (the same value rounding as
 * `adjustedDoseValue`). The caller has checked that the draft has a dose.
 */
export function withScaledDose(order: Record<string, unknown>, fraction: number): Record<string, unknown> {
  const copy = structuredClone(order);
  for (const quantity of doseQuantities(copy)) {
    const dose = asDose(quantity);
    if (!dose) continue;
    const adjusted = adjustedDoseValue(dose, fraction);
    if ('value' in adjusted) quantity.value = adjusted.value;
  }
  return copy;
}

export { isRecord };
