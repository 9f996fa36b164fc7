/**
 * The stages every hook runs (DESIGN.md "One request, end to end"):
 *   1. gather  — prefetch, else the FHIR server within one deadline (cds/prefetch)
 *   2. know    — PGx results → GeneResult, draft orders → DrugOrder (rules/cpic), wearables → SensorSummary (sensors)
 *   3. decide  — CPIC decision per order, then thresholds and sensor rules (rules/engine)
 *   4. speak   — Decision → spec-valid Card with provenance (cards)
 *   5. temper  — alert-volume policy (feedback/volume)
 * Each stage is a typed function over plain data; the hook files compose them.
 */
import type { FhirResource, Patient } from 'fhir/r4';
import { gatherPrefetch } from '../cds/prefetch';
import type { Gathered } from '../cds/prefetch';
import type { HookAnswer, HookCall } from '../cds/routes';
import type { HookName } from '../cds/types';
import { decisionCard } from '../cards';
import { decideForOrder, readGeneResults, resolveDrugOrders } from '../rules/cpic';
import type { DrugOrder, GeneConflict, GeneResult } from '../rules/cpic';
import { safetyRuleDecisions } from '../rules/engine';
import type { RuleEngine } from '../rules/engine';
import { resolveAdvisableOrders } from '../rules/safety-rule-drugs';
import type { ThresholdSet } from '../rules/thresholds';
import type { Decision } from '../rules/types';
import { summarizeSensors } from '../sensors';
import type { SensorSummary } from '../sensors';

/** Everything the hook knows about the patient, in domain terms (DESIGN.md currency). */
export interface PatientData {
  readonly patient: Patient | undefined;
  readonly pgx: readonly GeneResult[];
  /** Genes with disagreeing current results: never silently resolved. */
  readonly pgxConflicts: readonly GeneConflict[];
  readonly sensors: SensorSummary;
  readonly orders: readonly DrugOrder[];
  /** The patient's active medication orders (prior use; patient-view's medication review). */
  readonly activeMedications: readonly DrugOrder[];
  /** What could not be had, in words fit for a card or a log line (no patient data). */
  readonly gaps: readonly string[];
}

/** What the hook handlers share across calls. */
export interface HookServices {
  /** The rule engine built from the published threshold set (swapped when a new set is published). */
  readonly ruleEngine: () => RuleEngine;
  readonly knowledgeVersion: string;
}

/**
 * Prefetch keys every hook gathers, and those without which it cannot run (412). The three hooks need the same
 * data: orders decide what is advised on, not what is gathered.
 */
export const HOOK_DATA = {
  keys: ['patient', 'pgx', 'wearables', 'consent', 'medications'],
  required: ['patient', 'pgx'],
} as const;

/** The empty answer: 200 `{"cards": []}`. */
export const NOTHING_TO_SAY: HookAnswer = { cards: [], provenance: [] };

/**
 * The draft orders to advise on, resolved to CPIC drugs and to the drugs of the thresholds' safety rules (orders for
 * other drugs cost nothing further). With `selections` (order-select), only the selected ones; the others are context.
 */
export function ordersToAdviseOn(
  draftOrders: DraftOrders,
  thresholds: ThresholdSet,
  selections?: readonly string[],
  medications: readonly unknown[] = [],
): DrugOrder[] {
  const orders = resolveAdvisableOrders(draftOrders, thresholds, { medications });
  if (!selections) return orders;
  const selected = new Set(selections);
  return orders.filter((o) => selected.has(o.orderRef));
}

type DraftOrders = { readonly entry?: readonly { readonly resource?: unknown }[] | undefined };

/** Gathered key of a Medication read for a draft order's `medicationReference`. */
const MEDICATION_KEY = 'medication:';

/**
 * `Medication/{id}` references of draft medication orders that neither the order's contained resources nor the
 * bundle resolve: they are read from the FHIR server with the rest of the data (relative references only, so the
 * read stays on the client's own server).
 */
export function externalMedicationReferences(
  draftOrders: DraftOrders,
  selections?: readonly string[],
): string[] {
  const resources = (draftOrders.entry ?? []).map((e) => e.resource as Record<string, unknown> | undefined);
  const selected = (r: Record<string, unknown> | undefined): boolean =>
    !selections || selections.includes(`${String(r?.resourceType)}/${String(r?.id)}`);
  const inBundle = new Set(
    resources.filter((r) => r?.resourceType === 'Medication').map((r) => `Medication/${String(r?.id)}`),
  );
  const refs = resources.filter(selected).flatMap((r) => {
    const ref = (r?.medicationReference as { reference?: unknown } | undefined)?.reference;
    return typeof ref === 'string' && /^Medication\/[A-Za-z0-9.-]{1,64}$/.test(ref) && !inBundle.has(ref)
      ? [ref]
      : [];
  });
  return [...new Set(refs)];
}

/** The Medication resources read for `externalMedicationReferences`. */
export function gatheredMedications(gathered: Gathered): FhirResource[] {
  return Object.values(gathered)
    .filter((g) => g.key.startsWith(MEDICATION_KEY))
    .flatMap((g) => g.resources.filter((r) => r.resourceType === 'Medication'));
}

/**
 * 1. gather: prefetch, else the FHIR server within one deadline; 412 when required data cannot be had.
 * `medicationRefs` are read in the same deadline.
 */
export function gather<H extends HookName>(
  call: HookCall<H>,
  medicationRefs: readonly string[] = [],
): Promise<Gathered> {
  const { keys, required } = HOOK_DATA;
  return gatherPrefetch({
    templates: call.service.prefetch ?? {},
    queries: Object.fromEntries(medicationRefs.map((ref) => [`${MEDICATION_KEY}${ref}`, ref])),
    keys: keys.filter((k) => call.service.prefetch?.[k] !== undefined),
    required,
    context: call.request.context as unknown as Readonly<Record<string, unknown>>,
    prefetch: call.request.prefetch,
    fhir: call.fhir,
    budgetMs: call.fhirBudgetMs,
    cache: call.fhirCache,
    onFhirCall: call.onFhirCall,
  });
}

function resourcesOf(gathered: Gathered, key: string): readonly FhirResource[] {
  return gathered[key]?.resources ?? [];
}

/** 2. know: what was gathered, in domain terms. */
export function know(gathered: Gathered, orders: readonly DrugOrder[], now: Date): PatientData {
  const patient = resourcesOf(gathered, 'patient').find((r): r is Patient => r.resourceType === 'Patient');
  const reading = readGeneResults(
    resourcesOf(gathered, 'pgx'),
    patient?.gender ? { sex: patient.gender } : {},
  );
  const active = resourcesOf(gathered, 'medications').filter(
    (r) => r.resourceType === 'MedicationRequest' && r.status === 'active',
  );
  return {
    patient,
    pgx: reading.results,
    pgxConflicts: reading.conflicts,
    sensors: summarizeSensors(
      [...resourcesOf(gathered, 'wearables'), ...resourcesOf(gathered, 'consent')],
      now,
    ),
    orders,
    activeMedications: resolveDrugOrders(active),
    gaps: Object.values(gathered)
      .filter((g) => !g.complete)
      .map((g) => `${g.key}: ${g.problem ?? 'incomplete'}`),
  };
}

/** Whole years between a FHIR date and `now`, when the date is known. */
export function ageInYears(birthDate: string | undefined, now: Date): number | undefined {
  if (!birthDate || !/^\d{4}/.test(birthDate)) return undefined;
  const [y = 0, m = 1, d = 1] = birthDate.split('-').map(Number);
  let age = now.getUTCFullYear() - y;
  if (now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d)) age -= 1;
  return age;
}

/**
 * 3. decide: the CPIC decision for each order, the safety-rule decisions (not CPIC pairs, e.g. R8) for orders CPIC
 * says nothing about, then thresholds and sensor rules. A gene whose results could not all be read (deadline) is not
 * treated as untested: no pre-test decision rests on incomplete data.
 */
export async function decide(
  data: PatientData,
  orders: readonly DrugOrder[],
  engine: RuleEngine,
  now: Date,
  pgxComplete: boolean,
): Promise<Decision[]> {
  const patient = data.patient;
  const continuingDrugs = [
    ...new Set(data.activeMedications.flatMap((m) => m.ingredients.map((i) => i.name))),
  ];
  const cpicDecisions = orders.flatMap((order) =>
    decideForOrder(
      order,
      data.pgx,
      {
        ...(patient?.birthDate ? { birthDate: patient.birthDate } : {}),
        ...(patient?.gender ? { sex: patient.gender } : {}),
        // No earlier use on record means drug-naive where CPIC distinguishes naive from continuing use.
        priorUse: order.ingredients.some((i) => continuingDrugs.includes(i.name)),
        now,
      },
      data.pgxConflicts,
    ),
  );
  const decisions = [
    ...cpicDecisions,
    ...safetyRuleDecisions(orders, data.pgx, cpicDecisions, engine.thresholds),
  ];
  const usable = pgxComplete ? decisions : decisions.filter((d) => d.action !== 'order-test');
  const ageYears = ageInYears(patient?.birthDate, now);
  return engine.evaluate(usable, {
    sensors: data.sensors,
    continuingDrugs,
    ...(ageYears === undefined ? {} : { ageYears }),
  });
}

/**
 * gather → know → decide for the draft orders (with `selections`, only the selected ones). Undefined when no order
 * is for a CPIC or safety-rule drug, not even behind a Medication reference: then nothing was fetched.
 */
export async function decideOnDraftOrders(
  call: HookCall<'order-select' | 'order-sign'>,
  services: HookServices,
  selections?: readonly string[],
): Promise<Decision[] | undefined> {
  const { draftOrders } = call.request.context;
  const engine = services.ruleEngine();
  const external = externalMedicationReferences(draftOrders, selections);
  let orders = ordersToAdviseOn(draftOrders, engine.thresholds, selections);
  if (orders.length === 0 && external.length === 0) return undefined;
  const gathered = await gather(call, external);
  if (external.length > 0)
    orders = ordersToAdviseOn(draftOrders, engine.thresholds, selections, gatheredMedications(gathered));
  if (orders.length === 0) return undefined;
  const data = know(gathered, orders, call.now);
  if (data.gaps.length > 0) call.logger.warn({ gaps: data.gaps }, 'answering with incomplete data');
  return decide(data, orders, engine, call.now, gathered.pgx?.complete !== false);
}

/**
 * 4. speak: one card per shown decision; several guidelines or genes giving the same advice for the same order
 * are not repeated (one card per drug problem).
 */
export function speak(
  decisions: readonly Decision[],
  draftOrders: readonly unknown[],
  patientId: string,
): HookAnswer {
  const seen = new Set<string>();
  const spoken = decisions
    .filter((d) => d.shown !== false)
    .filter((d) => {
      const key = `${d.order.orderIndex}|${d.drug}|${d.action}|${d.row?.recommendation ?? d.genes.map((g) => g.gene).join()}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((d) => decisionCard(d, { draftOrder: draftOrders[d.order.orderIndex], patientId }));
  return { cards: spoken.map((s) => s.card), provenance: spoken.map((s) => s.provenance) };
}

/** The draft order resources by their index in `draftOrders` (decisions point back by index). */
export function draftOrderResources(draftOrders: DraftOrders): unknown[] {
  return (draftOrders.entry ?? []).map((e) => e.resource);
}
