/**
 * Draft medication orders → CPIC ingredient(s). RxNorm codes (ingredient, precise ingredient, product, pack, brand)
 * are looked up in the imported `knowledge/rxnorm` table; otherwise CPIC drug, brand and precise-ingredient names are
 * matched as whole words in the display text (letters and digits are word characters, so `citalopram` is not found
 * in `escitalopram`; a hyphen is not, so `acetaminophen-codeine` names codeine, as EHRs write combinations).
 * `medicationReference` is resolved through contained resources or Medication resources the caller supplies
 * (prefetch, FHIR read). Orders with no CPIC drug resolve to nothing and cost one lookup.
 * The same resolution runs over another drug vocabulary (`resolveDrugOrdersIn`), e.g. the drugs of safety rules
 * that are not CPIC pairs (`rules/safety-rule-drugs.ts`).
 */
import { cpicDrugsForRxcui, drugKnowledge, drugNameIndex } from './knowledge';
import type { DrugOrder } from './types';
import { arr, obj, str } from './json';
import type { Json } from './json';

/** The drugs an order may name, and how to recognize them in a FHIR CodeableConcept. */
export interface DrugVocabulary {
  /** Drug names an RxNorm concept id stands for (empty when unknown). */
  readonly drugsForRxcui: (rxcui: string) => readonly string[];
  /** Drug names found as whole words in free text (coding display, `text`, reference display). */
  readonly drugsInText: (text: string) => readonly string[];
  /** The drug's RxNorm ingredient id, when known (set on `DrugOrder.ingredients`). */
  readonly ingredientRxcui: (drug: string) => string | undefined;
}

/**
 * A whole-word matcher over `names` (lower-case name → drug names): letters and digits are word characters, so
 * `citalopram` is not found in `escitalopram`. A hyphen is not: EHR order displays join the ingredients of a
 * combination with one (`acetaminophen-codeine (TYLENOL #3) 300-30 mg`, `hydrocodone-acetaminophen`), and each is an
 * ingredient ordered. Names that hold a hyphen themselves (`peginterferon alfa-2a`, `tofranil-pm`) match whole, the
 * longest first. Matching is case-insensitive.
 */
export function wholeWordDrugMatcher(
  names: Readonly<Record<string, readonly string[]>>,
): (text: string) => string[] {
  const alternatives = Object.keys(names)
    .sort((a, b) => b.length - a.length)
    .map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (alternatives.length === 0) return () => [];
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
  return (text) => {
    const found = new Set<string>();
    for (const match of text.matchAll(pattern)) {
      for (const drug of names[match[0].toLowerCase()] ?? []) found.add(drug);
    }
    return [...found];
  };
}

let cpicMatcher: ((text: string) => string[]) | undefined;

/** CPIC drug names found as whole words in free text (drug, brand or precise-ingredient names). */
export function cpicDrugsInText(text: string): string[] {
  cpicMatcher ??= wholeWordDrugMatcher(drugNameIndex());
  return cpicMatcher(text);
}

const CPIC_VOCABULARY: DrugVocabulary = {
  drugsForRxcui: cpicDrugsForRxcui,
  drugsInText: cpicDrugsInText,
  ingredientRxcui: (drug) => drugKnowledge(drug)?.rxnorm ?? undefined,
};

interface Resolution {
  readonly drugs: readonly string[];
  readonly by: DrugOrder['resolvedBy'];
}

/** A CodeableConcept → the vocabulary's drugs: RxNorm code first, then display/text names. */
function resolveConcept(concept: unknown, vocabulary: DrugVocabulary): Resolution | undefined {
  const c = obj(concept);
  if (!c) return undefined;
  // A lone Coding where FHIR wants an array (the shape of the sandbox's `category` defect) is read as one coding, so
  // the order is checked rather than passed over in silence.
  const codings = (Array.isArray(c.coding) ? c.coding : [c.coding]).flatMap((x) =>
    obj(x) ? [obj(x) as Json] : [],
  );
  for (const coding of codings) {
    const code = str(coding.code);
    if (code && /rxnorm/i.test(str(coding.system) ?? '')) {
      const drugs = vocabulary.drugsForRxcui(code);
      if (drugs.length > 0) return { drugs, by: 'rxnorm-code' };
    }
  }
  const texts = [...codings.map((x) => str(x.display)), str(c.text)].filter(
    (t): t is string => t !== undefined,
  );
  for (const t of texts) {
    const drugs = vocabulary.drugsInText(t);
    if (drugs.length > 0) return { drugs, by: 'text' };
  }
  return undefined;
}

/** Options for resolving orders. */
export interface ResolveOptions {
  /** Medication resources known to the caller (prefetch, FHIR reads), matched on `Medication/<id>`. */
  readonly medications?: readonly unknown[];
  /** Resources of the draft-orders Bundle by their entry's `fullUrl` (a reference may be `urn:uuid:…`). */
  readonly byFullUrl?: ReadonlyMap<string, unknown>;
}

function findMedication(reference: string, order: Json, options: ResolveOptions): Json | undefined {
  if (reference.startsWith('#')) {
    return arr(order.contained)
      .map(obj)
      .find((r) => r?.resourceType === 'Medication' && r.id === reference.slice(1));
  }
  const entry = obj(options.byFullUrl?.get(reference));
  if (entry?.resourceType === 'Medication') return entry;
  const id = reference.split('/').slice(-1)[0];
  return (options.medications ?? []).map(obj).find((r) => r?.resourceType === 'Medication' && r.id === id);
}

function doseOf(order: Json): DrugOrder['dose'] | undefined {
  const instruction = obj(arr(order.dosageInstruction)[0]);
  if (!instruction) return undefined;
  const quantity =
    obj(obj(arr(instruction.doseAndRate)[0])?.doseQuantity) ?? obj(instruction.doseQuantity) ?? undefined;
  const value = quantity?.value;
  if (!quantity || typeof value !== 'number') return undefined;
  const unit = str(quantity.unit);
  const code = str(quantity.code);
  const system = str(quantity.system);
  return { value, ...(unit ? { unit } : {}), ...(code ? { code } : {}), ...(system ? { system } : {}) };
}

/** Longest product or dosage text kept with an order (a free-text field of the EHR's). */
const ORDER_TEXT_MAX = 200;

function shortText(value: string | undefined): string | undefined {
  const text = value?.replace(/\s+/g, ' ').trim();
  if (!text) return undefined;
  return text.length > ORDER_TEXT_MAX ? `${text.slice(0, ORDER_TEXT_MAX - 1)}…` : text;
}

/** A CodeableConcept in words: its text, else its first coding with a display. */
function conceptText(concept: unknown): string | undefined {
  const c = obj(concept);
  return (
    shortText(str(c?.text)) ??
    arr(c?.coding)
      .map((coding) => shortText(str(obj(coding)?.display)))
      .find((d) => d !== undefined)
  );
}

const PERIOD_UNITS: Readonly<Record<string, string>> = {
  s: 'second',
  min: 'minute',
  h: 'hour',
  d: 'day',
  wk: 'week',
  mo: 'month',
  a: 'year',
};

/** FHIR Timing.repeat in words: "once a day", "twice a day", "3 times a day", "every 8 hours". */
function repeatText(repeat: Json | undefined): string | undefined {
  const frequency = repeat?.frequency;
  const period = repeat?.period;
  const unit = PERIOD_UNITS[str(repeat?.periodUnit) ?? ''];
  if (typeof frequency !== 'number' || typeof period !== 'number' || !unit) return undefined;
  const every = period === 1 ? `a ${unit}` : `every ${String(period)} ${unit}s`;
  if (frequency === 1) return period === 1 ? `once ${every}` : every;
  return `${frequency === 2 ? 'twice' : `${String(frequency)} times`} ${every}`;
}

/** UCUM annotations for a count of a dose form, as EHRs send them (the CDS Hooks sandbox: `{pill}`), in words. */
const COUNT_ANNOTATIONS: Readonly<Record<string, string>> = {
  pill: 'pill',
  tab: 'tablet',
  tbl: 'tablet',
  tablet: 'tablet',
  cap: 'capsule',
  capsule: 'capsule',
};

/**
 * A dose's unit in words: its `unit` as the EHR sent it, else its UCUM code, an annotation read as the word it is
 * (`{tbl}` → "tablet", "tablets" for any amount but 1; `{cap}` → "capsule"; another annotation without its braces).
 * The CDS Hooks sandbox sends `{pill}` and no `unit`: "1 pill", "2 pills".
 */
export function doseUnitWords(dose: {
  readonly value: number;
  readonly unit?: string;
  readonly code?: string;
}): string {
  if (dose.unit) return dose.unit;
  const annotation = /^\{(.+)\}$/.exec(dose.code ?? '')?.[1];
  if (annotation === undefined) return dose.code ?? '';
  const word = COUNT_ANNOTATIONS[annotation.toLowerCase().replace(/s$/, '')];
  if (word === undefined) return annotation;
  return dose.value === 1 ? word : `${word}s`;
}

/** A dose's unit in words after a space, or nothing. */
function doseUnitText(dose: NonNullable<DrugOrder['dose']>): string {
  const words = doseUnitWords(dose);
  return words ? ` ${words}` : '';
}

/**
 * The first dosage instruction in words: its `text` when the EHR sent one (Epic does: "75 mg, Oral, Daily"), else
 * dose, route and timing as FHIR codes them, e.g. "75 mg, Oral, once a day". Undefined when it says none of them.
 */
function dosageText(order: Json, dose: DrugOrder['dose'] | undefined): string | undefined {
  const instruction = obj(arr(order.dosageInstruction)[0]);
  if (!instruction) return undefined;
  const text = shortText(str(instruction.text));
  if (text) return text;
  const timing = obj(instruction.timing);
  const parts = [
    dose ? `${String(dose.value)}${doseUnitText(dose)}` : undefined,
    conceptText(instruction.route),
    conceptText(timing?.code) ?? repeatText(obj(timing?.repeat)),
    instruction.asNeededBoolean === true ? 'as needed' : conceptText(instruction.asNeededCodeableConcept),
  ].filter((p) => p !== undefined);
  return parts.length > 0 ? shortText(parts.join(', ')) : undefined;
}

/**
 * One draft order (R4/STU3 MedicationRequest, DSTU2 MedicationOrder; `intent` and `category` are not required)
 * → its CPIC ingredients, or undefined when it contains no CPIC drug or will not be given (its status).
 */
export function resolveMedicationRequest(
  resource: unknown,
  orderIndex: number,
  options: ResolveOptions = {},
): DrugOrder | undefined {
  return resolveMedicationRequestIn(resource, orderIndex, CPIC_VOCABULARY, options);
}

/**
 * Order statuses (FHIR R4 MedicationRequest and DSTU2 MedicationOrder `status`) under which the medicine will not be
 * given: a cancelled, stopped or completed order, or one entered in error. Advice on them would be noise; an order
 * without a status, `draft`, `active`, `on-hold` or `unknown` is advised on.
 */
const WILL_NOT_BE_GIVEN: ReadonlySet<string> = new Set([
  'cancelled',
  'entered-in-error',
  'stopped',
  'completed',
]);

/** `resolveMedicationRequest` over another drug vocabulary: the order's drugs of `vocabulary`, or undefined. */
function resolveMedicationRequestIn(
  resource: unknown,
  orderIndex: number,
  vocabulary: DrugVocabulary,
  options: ResolveOptions = {},
): DrugOrder | undefined {
  const order = obj(resource);
  if (!order || (order.resourceType !== 'MedicationRequest' && order.resourceType !== 'MedicationOrder'))
    return undefined;
  if (WILL_NOT_BE_GIVEN.has(str(order.status) ?? '')) return undefined;
  let resolution = resolveConcept(order.medicationCodeableConcept, vocabulary);
  const reference = str(obj(order.medicationReference)?.reference);
  const medication = reference ? findMedication(reference, order, options) : undefined;
  if (!resolution && reference) {
    const fromCode = medication ? resolveConcept(medication.code, vocabulary) : undefined;
    const fromIngredients = medication
      ? arr(medication.ingredient).flatMap(
          (i) => resolveConcept(obj(i)?.itemCodeableConcept, vocabulary)?.drugs ?? [],
        )
      : [];
    const drugs = [...new Set([...(fromCode?.drugs ?? []), ...fromIngredients])];
    if (drugs.length > 0) resolution = { drugs, by: 'medication-reference' };
    else {
      const display = str(obj(order.medicationReference)?.display);
      const byDisplay = display ? vocabulary.drugsInText(display) : [];
      if (byDisplay.length > 0) resolution = { drugs: byDisplay, by: 'text' };
    }
  }
  if (!resolution) return undefined;
  const dose = doseOf(order);
  const product =
    conceptText(order.medicationCodeableConcept) ??
    shortText(str(obj(order.medicationReference)?.display)) ??
    conceptText(medication?.code);
  const dosage = dosageText(order, dose);
  const startedOn = therapyStart(order);
  const id = str(order.id);
  return {
    orderRef: `${str(order.resourceType) ?? 'MedicationRequest'}/${id ?? String(orderIndex)}`,
    orderIndex,
    ingredients: resolution.drugs.map((name) => {
      const rxcui = vocabulary.ingredientRxcui(name);
      return { name, ...(rxcui ? { rxcui } : {}) };
    }),
    resolvedBy: resolution.by,
    ...(product ? { product } : {}),
    ...(dosage ? { dosage } : {}),
    ...(startedOn ? { startedOn } : {}),
    ...(dose ? { dose } : {}),
  };
}

/**
 * The latest start date the order gives (`DrugOrder.startedOn`): `authoredOn` (what EHRs send on nearly every
 * MedicationRequest), the first dosage instruction's `timing.repeat.boundsPeriod.start`, and
 * `dispenseRequest.validityPeriod.start`. Values that are not a FHIR date or dateTime are skipped.
 */
function therapyStart(order: Record<string, unknown>): string | undefined {
  const dosage = obj(arr(order.dosageInstruction)[0]);
  const candidates = [
    str(order.authoredOn),
    str(obj(obj(obj(dosage?.timing)?.repeat)?.boundsPeriod)?.start),
    str(obj(obj(order.dispenseRequest)?.validityPeriod)?.start),
  ].filter(
    (d): d is string => d !== undefined && !Number.isNaN(Date.parse(d)) && /^\d{4}-\d{2}-\d{2}/.test(d),
  );
  return candidates.sort((a, b) => Date.parse(a) - Date.parse(b)).at(-1);
}

/**
 * CDS Hooks `draftOrders` (a Bundle, or an array of resources) → one DrugOrder per order that contains a CPIC drug.
 * Medication resources in the bundle are used for `medicationReference` too.
 */
export function resolveDrugOrders(draftOrders: unknown, options: ResolveOptions = {}): DrugOrder[] {
  return resolveDrugOrdersIn(draftOrders, CPIC_VOCABULARY, options);
}

/** `resolveDrugOrders` over another drug vocabulary: one DrugOrder per order naming one of its drugs. */
export function resolveDrugOrdersIn(
  draftOrders: unknown,
  vocabulary: DrugVocabulary,
  options: ResolveOptions = {},
): DrugOrder[] {
  const { resources, lookup } = draftOrderLookup(draftOrders, options);
  return resources.flatMap((resource, index) => {
    const order = resolveMedicationRequestIn(resource, index, vocabulary, lookup);
    return order ? [order] : [];
  });
}

/** The resources of `draftOrders` (a Bundle, or an array), and where their Medication references may point. */
function draftOrderLookup(
  draftOrders: unknown,
  options: ResolveOptions,
): { resources: readonly unknown[]; lookup: ResolveOptions } {
  const entries: readonly { resource: unknown; fullUrl?: string | undefined }[] = Array.isArray(draftOrders)
    ? (draftOrders as unknown[]).map((resource) => ({ resource }))
    : arr(obj(draftOrders)?.entry).map((e) => ({
        resource: obj(e)?.resource,
        fullUrl: str(obj(e)?.fullUrl),
      }));
  const resources = entries.map((e) => e.resource);
  return {
    resources,
    lookup: {
      medications: [
        ...(options.medications ?? []),
        ...resources.filter((r) => obj(r)?.resourceType === 'Medication'),
      ],
      byFullUrl: new Map(entries.flatMap((e) => (e.fullUrl ? [[e.fullUrl, e.resource] as const] : []))),
    },
  };
}

/**
 * The indexes of the draft orders whose medicine cannot be told: orders to be given that name it only through a
 * `medicationReference` that resolves to nothing here (not contained, not in the bundle, not among `medications`, e.g.
 * a `Medication/{id}` the FHIR server did not return, or a dangling `urn:uuid:`) and carry no display naming it. Such
 * an order may be for any medicine; it must not pass as checked.
 */
export function ordersWithUnreadMedicine(draftOrders: unknown, options: ResolveOptions = {}): number[] {
  const { resources, lookup } = draftOrderLookup(draftOrders, options);
  return resources.flatMap((resource, index) => {
    const order = obj(resource);
    if (!order || (order.resourceType !== 'MedicationRequest' && order.resourceType !== 'MedicationOrder'))
      return [];
    if (WILL_NOT_BE_GIVEN.has(str(order.status) ?? '') || order.medicationCodeableConcept !== undefined)
      return [];
    const reference = obj(order.medicationReference);
    const target = str(reference?.reference);
    if (!target || str(reference?.display) || findMedication(target, order, lookup)) return [];
    return [index];
  });
}
