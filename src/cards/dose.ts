/**
 * Dose suggestion arithmetic on the draft order: its dose quantity, the CPIC share applied to it, and the draft with
 * the scaled dose. The share itself is knowledge (`rules/cpic/dose.ts`, on the finding).
 */

import { doseUnitWords } from '../rules/cpic';

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
  return records(order.dosageInstruction).flatMap(instructionDoses);
}

/** The dose quantity objects of one `dosageInstruction`. */
function instructionDoses(instruction: Record<string, unknown>): Record<string, unknown>[] {
  return [
    ...records(instruction.doseAndRate).flatMap((d) => (isRecord(d.doseQuantity) ? [d.doseQuantity] : [])),
    ...(isRecord(instruction.doseQuantity) ? [instruction.doseQuantity] : []),
  ];
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

/** A count of capsules (`{cap}`, "capsules"): a capsule is never split. */
const CAPSULES = /^\{?(?:cap|capsule)s?\}?$/i;
/** A count of tablets or pills (`{tbl}`, `{tab}`, the sandbox's `{pill}`, "tablets"). */
const TABLETS = /^\{?(?:pill|tab|tbl|tablet)s?\}?$/i;

function isCount(pattern: RegExp, dose: DraftDose): boolean {
  return pattern.test(dose.unit ?? '') || pattern.test(dose.code ?? '');
}

/** Display text of a dose unit: the EHR's `unit`, else its UCUM code in words (`{tbl}` → "tablets"). */
export function unitText(dose: DraftDose): string {
  return doseUnitWords(dose);
}

/**
 * The adjusted dose value, or why there is none. A dose counted in capsules, tablets or pills is only adjusted to a
 * whole number of them: a capsule cannot be split, and whether a tablet may be split (scored, not film-coated, not a
 * cytotoxic) is not in the order nor in the service's RxNorm extract, so the service never asks for part of one (a
 * choice: `src/cards/README.md`, "Dose suggestion"). The reason then says what to prescribe instead, in words. Other
 * units are rounded to two decimals.
 */
export function adjustedDoseValue(
  dose: DraftDose,
  fraction: number,
): { value: number } | { reason: string; unsplit?: { amount: string; why: string } } {
  const raw = dose.value * fraction;
  const capsules = isCount(CAPSULES, dose);
  if (capsules || isCount(TABLETS, dose)) {
    if (Number.isInteger(raw) && raw > 0) return { value: raw };
    const value = Math.round(raw * 100) / 100;
    const form = capsules ? 'capsule' : isCount(/pill/i, dose) ? 'pill' : 'tablet';
    const amount = `${value} ${doseUnitWords({ ...dose, value })}`;
    // Said to the prescriber: the tablet's form (scored, film-coated, cytotoxic) is not in the order.
    const why = capsules ? 'a capsule cannot be split' : `whether this ${form} may be split is not known`;
    return { reason: `${amount} is not a whole number and ${why}`, unsplit: { amount, why } };
  }
  const value = Math.round(raw * 100) / 100;
  return value > 0 ? { value } : { reason: 'the adjusted dose rounds to zero' };
}

/** A share as a percentage: 0.5 → "50%". */
export function percentText(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}

/**
 * A full copy of the draft order with every dose quantity scaled by `fraction` (the same value rounding as
 * `adjustedDoseValue`). The caller has checked that the draft has a dose. An instruction's free text (`text`,
 * `patientInstruction`: "1 tablet by mouth once daily") states the dose too: where it begins with the old dose it is
 * rewritten ("0.5 tablet by mouth once daily"); otherwise it is removed, since an order whose text and structured
 * dose disagree would be dispensed by whichever the reader trusts.
 */
export function withScaledDose(order: Record<string, unknown>, fraction: number): Record<string, unknown> {
  const copy = structuredClone(order);
  for (const instruction of records(copy.dosageInstruction)) {
    const scaled: [number, number][] = [];
    for (const quantity of instructionDoses(instruction)) {
      const dose = asDose(quantity);
      if (!dose) continue;
      const adjusted = adjustedDoseValue(dose, fraction);
      if (!('value' in adjusted)) continue;
      scaled.push([dose.value, adjusted.value]);
      quantity.value = adjusted.value;
    }
    const [first] = scaled;
    if (!first) continue;
    // Only one dose can be rewritten in words: several different ones leave the text out.
    const oneDose = scaled.every(([was]) => was === first[0]);
    for (const key of ['text', 'patientInstruction'] as const) {
      const text = instruction[key];
      if (typeof text !== 'string') continue;
      const rewritten = oneDose ? withDoseText(text, ...first) : undefined;
      if (rewritten === undefined) Reflect.deleteProperty(instruction, key);
      else instruction[key] = rewritten;
    }
  }
  return copy;
}

/**
 * `text` with its dose `was` written as `now`, when the text begins with it ("1 tablet by mouth once daily", "Take
 * 75 mg…", Epic's "1,000 mg, Oral, 2 times daily") and names no other amount in that unit ("1,000 mg (2 tablets of
 * 500 mg)" would be left saying 2 tablets); undefined otherwise.
 */
function withDoseText(text: string, was: number, now: number): string | undefined {
  for (const [form, nowForm] of [
    [String(was), String(now)],
    [was.toLocaleString('en-US'), now.toLocaleString('en-US')],
  ] as const) {
    const lead = new RegExp(
      `^(\\s*(?:take\\s+)?)${form.replace(/[.,]/g, '\\$&')}(?![\\d.,])(\\s?)([a-zµμ]+)`,
      'i',
    ).exec(text);
    if (!lead) continue;
    const [whole, before = '', space = '', unit = ''] = lead;
    const rest = text.slice(whole.length);
    if (new RegExp(`\\d\\s?${unit}(?![a-z])`, 'i').test(rest)) return undefined;
    return `${before}${nowForm}${space}${unit}${rest}`;
  }
  return undefined;
}

export { isRecord };
