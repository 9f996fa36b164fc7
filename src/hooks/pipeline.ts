/**
 * The stages every hook runs (DESIGN.md "One request, end to end"):
 * gather → know → decide → speak → temper. Each stage is a typed function over plain data; the hook files
 * compose them. Stages not yet backed by their module (rules, cards, feedback volume) are identity-like here and
 * filled in by the knowledge, rules and cards work.
 */
import type { FhirResource, Patient } from 'fhir/r4';
import { gatherPrefetch } from '../cds/prefetch';
import type { Gathered } from '../cds/prefetch';
import type { HookAnswer, HookCall } from '../cds/routes';
import type { Card, HookName } from '../cds/types';
import type { DrugOrder, GeneResult } from '../rules/cpic/types';
import type { Decision } from '../rules/types';
import type { SensorSummary } from '../sensors/types';

/** Everything the hook knows about the patient, in domain terms (DESIGN.md currency). */
export interface PatientData {
  readonly patient: Patient | undefined;
  readonly pgx: readonly GeneResult[];
  readonly sensors: SensorSummary;
  readonly orders: readonly DrugOrder[];
  /** Active medications (patient-view; prior use for drug-naive rows). */
  readonly medications: readonly FhirResource[];
  /** What could not be had, in words fit for a card or a log line (no patient data). */
  readonly gaps: readonly string[];
}

/** Prefetch keys each hook gathers, and those without which it cannot run (412). */
export const HOOK_DATA: {
  readonly [H in HookName]: { readonly keys: readonly string[]; readonly required: readonly string[] };
} = {
  'order-select': {
    keys: ['patient', 'pgx', 'wearables', 'consent', 'medications'],
    required: ['patient', 'pgx'],
  },
  'order-sign': {
    keys: ['patient', 'pgx', 'wearables', 'consent', 'medications'],
    required: ['patient', 'pgx'],
  },
  'patient-view': {
    keys: ['patient', 'pgx', 'wearables', 'consent', 'medications'],
    required: ['patient', 'pgx'],
  },
};

/** The empty answer: 200 `{"cards": []}`. */
export const NOTHING_TO_SAY: HookAnswer = { cards: [], provenance: [] };

/** 1. gather: prefetch, else the FHIR server within one deadline; 412 when required data cannot be had. */
export function gather<H extends HookName>(call: HookCall<H>): Promise<Gathered> {
  const { keys, required } = HOOK_DATA[call.service.hook];
  return gatherPrefetch({
    templates: call.service.prefetch ?? {},
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

/** Resources of one gathered key (empty when absent). */
export function resourcesOf(gathered: Gathered, key: string): readonly FhirResource[] {
  return gathered[key]?.resources ?? [];
}

/** Gaps worth saying: keys that could not be had in full. Names only, never data. */
export function gapsOf(gathered: Gathered): string[] {
  return Object.values(gathered)
    .filter((g) => !g.complete)
    .map((g) => `${g.key}: ${g.problem ?? 'incomplete'}`);
}

/** A draft order entry, located by its position: real clients reuse ids (the sandbox sends one id for all). */
export interface DraftOrderEntry {
  readonly resource: FhirResource;
  readonly index: number;
  readonly ref: string;
}

/**
 * The medication orders in `draftOrders`, read leniently (DSTU2 MedicationOrder, STU3/R4 MedicationRequest;
 * missing `intent`, `category` as an object). With `selections` (order-select), only the selected ones.
 */
export function draftMedicationOrders(
  draftOrders: { readonly entry?: readonly { readonly resource?: unknown }[] | undefined },
  selections?: readonly string[],
): DraftOrderEntry[] {
  const selected = selections ? new Set(selections) : undefined;
  return (draftOrders.entry ?? []).flatMap((e, index) => {
    const r = e.resource as FhirResource | undefined;
    if (
      !r ||
      ((r.resourceType as string) !== 'MedicationRequest' && (r.resourceType as string) !== 'MedicationOrder')
    ) {
      return [];
    }
    // The sandbox fires order-select for its initial order before a drug is chosen: nothing to advise on.
    const med = r as { medicationCodeableConcept?: unknown; medicationReference?: unknown };
    if (med.medicationCodeableConcept === undefined && med.medicationReference === undefined) return [];
    const ref = `${r.resourceType}/${r.id ?? ''}`;
    return selected && !selected.has(ref) ? [] : [{ resource: r, index, ref }];
  });
}

/** 5. temper: alert-volume policy (suppress or demote repeats). Identity until the volume policy lands. */
export function temper(cards: readonly Card[]): readonly Card[] {
  return cards;
}

/** Assembles the hook's answer from decisions already spoken as cards. */
export function answer(cards: readonly Card[], provenance: HookAnswer['provenance']): HookAnswer {
  const kept = new Set(cards.map((c) => c.uuid));
  return { cards, provenance: provenance.filter((p) => kept.has(p.uuid)) };
}

export type { Decision };
