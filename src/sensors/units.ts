/**
 * Units: which UCUM code a FHIR Quantity means, and how it converts to a concept's canonical unit.
 * Only `Quantity.code` (or, when the code is missing, an entry of the explicit repair table) drives conversion;
 * `Quantity.unit` is display text (research §1.4 items 2–4).
 */
import { UcumLhcUtils } from '@lhncbc/ucum-lhc';
import type { SensorConcept } from './catalogue';

export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

/**
 * Non-UCUM unit strings that real sources send, and the UCUM code each unambiguously means
 * (research §1.4 item 3 and §1.5: HealthKit `hkunit`, Open mHealth, HL7 PHD `{beat}/min}` typo).
 * Applied to `Quantity.code` whatever its `system` says — Microsoft's IoMT templates send `count/min` under the UCUM
 * system — and to `Quantity.unit` only when the code is missing. Every entry is invalid UCUM, so a repair never
 * changes the meaning of a valid code. Anything else that is not valid UCUM is rejected, never guessed.
 */
export const UNIT_REPAIRS: Readonly<Record<string, string>> = {
  'count/min': '/min',
  'beats/min': '/min',
  // Heart-rate spellings seen from consumer apps and aggregators (research §1.2 "unit text `beats/minute`"; `bpm` is
  // what most watch apps display). None is valid UCUM; each can only mean beats per minute.
  bpm: '/min',
  'beats/minute': '/min',
  'breaths/minute': '/min',
  '{beat}/min}': '{beat}/min',
  'breaths/min': '/min',
  degC: 'Cel',
  mmHg: 'mm[Hg]',
  lb: '[lb_av]',
  lbs: '[lb_av]',
  steps: '{steps}',
};

/**
 * Unit text (`Quantity.unit`, no `code`) that is already a valid UCUM code and unambiguous, read as that code when the
 * code is missing: `/min` (research §1.2 lists it as what HR sources write). Choice: only these, not any text that
 * happens to parse as UCUM (`min` is minutes, `m` metres): a code is still what drives conversion elsewhere.
 */
export const UNIT_TEXT_AS_CODE: ReadonlySet<string> = new Set(['/min']);

/**
 * The range of values a body can have, per concept, in its canonical unit: a reading outside it is a sensor fault
 * (a watch off the wrist reports 0/min), never a measurement, and is left out with a data-quality note.
 * Choice (data quality, no cited source: the research note gives none): wide physiological bounds that keep every value
 * a rule acts on (heart rate below 40/min escalates, so the heart-rate floor is well under it; respiratory rate below
 * 10/min raises R6). Heart rate 20–300/min: under 20 a wrist or finger sensor has lost contact; 300 leaves room for a
 * tachyarrhythmia. SpO2 50–100 %: above 100 % is impossible, below 50 % is outside any pulse oximeter's calibrated
 * range. Respiratory rate 3–80/min. Blood pressure systolic 40–300 mmHg, diastolic 20–200 mmHg (a reading of
 * 185/125 mmHg stays in). Listed in `src/sensors/README.md`.
 */
export const PLAUSIBLE_RANGES: Readonly<
  Record<string, { readonly min: number; readonly max: number; readonly unit: string }>
> = {
  'heart-rate': { min: 20, max: 300, unit: '/min' },
  'resting-heart-rate': { min: 20, max: 300, unit: '/min' },
  spo2: { min: 50, max: 100, unit: '%' },
  'respiratory-rate': { min: 3, max: 80, unit: '/min' },
  'bp-systolic': { min: 40, max: 300, unit: 'mm[Hg]' },
  'bp-diastolic': { min: 20, max: 200, unit: 'mm[Hg]' },
};

/** Why a value in its concept's canonical unit cannot be a measurement of the body, or undefined when it can. */
export function implausibility(
  conceptId: string,
  label: string,
  value: number,
  unit: string,
): string | undefined {
  const range = Object.hasOwn(PLAUSIBLE_RANGES, conceptId) ? PLAUSIBLE_RANGES[conceptId] : undefined;
  if (range === undefined || range.unit !== unit) return undefined;
  if (value >= range.min && value <= range.max) return undefined;
  return `${label.toLowerCase()} outside the plausible ${String(range.min)}–${String(range.max)} ${unit} (a sensor fault, e.g. off the skin): left out`;
}

/**
 * The repair for a unit string, own entries only: a unit code such as `__proto__` or `constructor` is not a repair
 * (a plain index would read `Object.prototype`).
 */
function unitRepair(text: string): string | undefined {
  return Object.hasOwn(UNIT_REPAIRS, text) ? UNIT_REPAIRS[text] : undefined;
}

/** The UCUM code a quantity's unit resolved to, and what was repaired on the way. */
export type UnitResolution =
  | { readonly ok: true; readonly ucum: string; readonly repair?: string }
  | { readonly ok: false; readonly reason: string };

/** A conversion to the concept's canonical unit. */
export type UnitConversion =
  | { readonly ok: true; readonly unit: string; readonly convert: (value: number) => number }
  | { readonly ok: false; readonly reason: string };

const ucum = UcumLhcUtils.getInstance();
const validity = new Map<string, boolean>();
/**
 * Codes kept at most in `validity` and `conversions`; past this a memo starts again (a client sending a new unit on
 * every reading cannot grow them without bound).
 */
const MAX_MEMO = 1000;
/**
 * Longer than any unit a device or EHR writes (`mm[Hg]`, `mg/dL`, `{beats}/min`): not read, and not handed to the UCUM
 * library, whose parser takes more than linear time in the length of what it is given.
 */
export const MAX_UNIT_LENGTH = 64;

/**
 * Whether UCUM knows the code. The UCUM library itself indexes its tables with plain objects, so it calls
 * `__proto__`, `constructor` or `toString` "valid" with an empty unit (and then throws when converting them): a
 * valid answer counts only with the unit it found.
 */
function isValidUcum(code: string): boolean {
  let valid = validity.get(code);
  if (valid === undefined) {
    const result = ucum.validateUnitString(code);
    valid = result.status === 'valid' && result.unit?.code !== undefined;
    if (validity.size >= MAX_MEMO) validity.clear();
    validity.set(code, valid);
  }
  return valid;
}

/**
 * Resolves the unit of a Quantity-like (`valueQuantity`, `SampledData.origin`) to a UCUM code, repairing only the
 * strings in `UNIT_REPAIRS` and, for concepts that declare one, a missing unit (steps).
 */
export function resolveUnit(
  quantity: { readonly code?: string; readonly system?: string; readonly unit?: string },
  concept: SensorConcept,
): UnitResolution {
  const { code, system, unit } = quantity;
  if ((code?.length ?? 0) > MAX_UNIT_LENGTH || (unit?.length ?? 0) > MAX_UNIT_LENGTH) {
    return { ok: false, reason: `unit longer than ${String(MAX_UNIT_LENGTH)} characters: not a unit` };
  }
  if (code !== undefined && code !== '') {
    const repaired = unitRepair(code);
    if (repaired !== undefined) {
      return { ok: true, ucum: repaired, repair: `unit code '${code}' is not UCUM; read as '${repaired}'` };
    }
    if (system !== undefined && system !== UCUM_SYSTEM) {
      return { ok: false, reason: `unit code '${code}' is from '${system}', not UCUM` };
    }
    if (!isValidUcum(code)) return { ok: false, reason: `unit code '${code}' is not valid UCUM` };
    return { ok: true, ucum: code };
  }
  if (unit !== undefined) {
    const repaired = unitRepair(unit) ?? (UNIT_TEXT_AS_CODE.has(unit) ? unit : undefined);
    if (repaired !== undefined) {
      return { ok: true, ucum: repaired, repair: `no unit code; unit text '${unit}' read as '${repaired}'` };
    }
  }
  if (concept.unitWhenMissing !== undefined) {
    return {
      ok: true,
      ucum: concept.unitWhenMissing,
      repair: `no unit code${unit === undefined ? '' : ` (unit text '${unit}')`}; read as a ${concept.unitWhenMissing} count`,
    };
  }
  return {
    ok: false,
    reason: `no unit code${unit === undefined ? '' : ` and unit text '${unit}' is not in the repair table`}`,
  };
}

const conversions = new Map<string, UnitConversion>();

/**
 * The conversion from a UCUM code to the first of the concept's canonical units it is commensurable with
 * (glucose with its molecular weight). Every unit here is affine (°F → °C has an offset), so the conversion is
 * computed once from UCUM at 0 and 1 and cached: 14,000 readings cost two UCUM calls per unit.
 */
export function canonicalConversion(fromUcum: string, concept: SensorConcept): UnitConversion {
  const key = `${concept.id}|${fromUcum}`;
  let conversion = conversions.get(key);
  if (conversion === undefined) {
    conversion = computeConversion(fromUcum, concept);
    if (conversions.size >= MAX_MEMO) conversions.clear();
    conversions.set(key, conversion);
  }
  return conversion;
}

/** A UCUM conversion, or undefined where the library throws instead of answering (a defect of its own). */
function convertOrUndefined(
  from: string,
  value: number,
  to: string,
  options: { molecularWeight?: number },
): ReturnType<typeof ucum.convertUnitTo> | undefined {
  try {
    return ucum.convertUnitTo(from, value, to, options);
  } catch {
    return undefined;
  }
}

/** A unit UCUM counts as dimensionless, by what it counts: see `sameDimensionlessKind`. */
interface Dimensionless {
  readonly kind: 'percent' | 'count';
  /** Its annotations, lower case: `{steps}/{tot}` → `steps`, `tot`. */
  readonly annotations: readonly string[];
}

/** `%` (annotations aside) is a percentage; `1`, annotations alone or their ratios a count; undefined otherwise. */
function dimensionless(ucumCode: string): Dimensionless | undefined {
  const annotations = [...ucumCode.matchAll(/\{([^{}]*)\}/g)].map((m) => (m[1] ?? '').toLowerCase());
  const rest = ucumCode.replace(/\{[^{}]*\}/g, '');
  if (rest === '%') return { kind: 'percent', annotations };
  if (/^[1./]*$/.test(rest)) return { kind: 'count', annotations };
  return undefined;
}

/**
 * Whether a dimensionless unit may convert to a concept's dimensionless unit. UCUM makes every dimensionless unit
 * commensurable with every other, so it would read a percentage as a step count (`%` → `{steps}`: 1 % = 0.01) or an
 * INR as steps. Choice (the units real sources send, research/wearables-in-fhir.md §1.4–1.5: steps `{steps}`, `1`,
 * `{steps}/{tot}`; INR `{INR}`, `1`; SpO2 `%`, or a fraction in `1`): a percentage converts only to a percentage; a
 * count to a count whose annotations it shares (or either has none); plain `1` to either (a fraction is a
 * percentage). Anything else (`10*3`, `[ppm]`) only to itself.
 */
function sameDimensionlessKind(from: string, to: Dimensionless): boolean {
  const source = dimensionless(from);
  if (source === undefined) return false;
  if (from === '1') return true;
  if (source.kind !== to.kind) return false;
  if (source.annotations.length === 0 || to.annotations.length === 0) return true;
  return source.annotations.some((a) => to.annotations.includes(a));
}

/** A count per day (steps per day, the PA IG's unit), as a concept's canonical unit. */
const PER_DAY = '/d';

function computeConversion(fromUcum: string, concept: SensorConcept): UnitConversion {
  const options = concept.molecularWeight === undefined ? {} : { molecularWeight: concept.molecularWeight };
  for (const unit of concept.units) {
    if (unit === fromUcum) return { ok: true, unit, convert: (value) => value };
    const target = dimensionless(unit);
    if (target !== undefined && !sameDimensionlessKind(fromUcum, target)) continue;
    const atZero = convertOrUndefined(fromUcum, 0, unit, options);
    const atOne = convertOrUndefined(fromUcum, 1, unit, options);
    if (
      atZero !== undefined &&
      atOne !== undefined &&
      atZero.status === 'succeeded' &&
      atOne.status === 'succeeded' &&
      atZero.toVal !== null &&
      atOne.toVal !== null
    ) {
      const offset = atZero.toVal;
      const factor = atOne.toVal - atZero.toVal;
      // A count per day is a daily total. From a shorter period (`/min`, `/h`) it would be a cadence multiplied out
      // (100 steps a minute read as 144,000 a day): only a day or longer (`/d`, `/wk`) converts to it.
      if (unit === PER_DAY && factor > 1) continue;
      return { ok: true, unit, convert: (value) => offset + factor * value };
    }
  }
  return {
    ok: false,
    reason: `unit '${fromUcum}' does not convert to ${concept.units.map((u) => `'${u}'`).join(' or ')} (${concept.label})`,
  };
}
