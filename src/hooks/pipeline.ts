/**
 * The stages every hook runs (DESIGN.md "One request, end to end"):
 *   1. gather  — a PatientDataSource: the prefetch, else the FHIR server within one deadline (cds/prefetch)
 *   2. know + 3. decide — `assess` (rules/assess): CPIC findings, sensor summary, thresholds and sensor rules
 *   4. speak   — Decision → spec-valid Card with its decision snapshot (cards)
 *   5. temper  — alert-volume policy (feedback/volume)
 * Each stage is a typed function over plain data; the hook files compose them.
 */
import type { FhirResource, Patient } from 'fhir/r4';
import { gatherPrefetch } from '../cds/prefetch';
import type { Gathered, GatherFailureKind } from '../cds/prefetch';
import type { HookAnswer, HookCall } from '../cds/routes';
import type { HookName } from '../cds/types';
import { decisionCard, incompleteCheckCard } from '../cards';
import type { CheckGap } from '../cards';
import type { Link } from '../cds/types';
import { drugKnowledge, guidelineTitle } from '../rules/cpic/knowledge';
import { assess, decisionSnapshot, readPatientData } from '../rules/assess';
import type {
  Assessment,
  GatheredPatient,
  PgxGap,
  GeneReader,
  PatientDataSource,
  PatientRecord,
} from '../rules/assess';
import { ordersWithUnreadMedicine } from '../rules/cpic';
import type { DrugOrder } from '../rules/cpic';
import type { RuleEngine } from '../rules/engine';
import { resolveAdvisableOrders } from '../rules/safety-rule-drugs';
import type { ThresholdSet } from '../rules/thresholds';
import type { ShownDecision } from '../rules/types';
import { adviceKey, isShown } from '../rules/types';
import type { VolumeRepository } from '../store';

/** The hooks that say "check incomplete" when the PGx results could not be read. */
export type IncompleteCheckHook = 'order-select' | 'order-sign' | 'patient-view';

/**
 * The "check incomplete" card's link to a SMART app that shows the patient's results (a CDS Hooks `smart` link: the
 * EHR launches `launchUrl` with its own launch context, https://cds-hooks.hl7.org/2.0/#link), or none without one.
 */
export function incompleteCheckLinksTo(
  launchUrl: string | undefined,
): Pick<HookServices, 'incompleteCheckLinks'> {
  if (launchUrl === undefined) return {};
  const link: Link = { label: "Open the patient's pharmacogenomic results", url: launchUrl, type: 'smart' };
  return { incompleteCheckLinks: () => [link] };
}

/** What the hook handlers share across calls. */
export interface HookServices {
  /** The live rule engine (the threshold registry swaps it when a new set is published). */
  readonly ruleEngine: () => RuleEngine;
  readonly knowledgeVersion: string;
  /**
   * Links the "check incomplete" card carries besides the CPIC guidelines (and the page links every card gets): where
   * the results can be read meanwhile, e.g. a CDS `smart` link launching the patient's pharmacogenomic dashboard
   * (`PATIENT_APP_LAUNCH_URL`, see `incompleteCheckLinksTo`). None by default.
   */
  readonly incompleteCheckLinks?: (call: HookCall<IncompleteCheckHook>) => readonly Link[];
  /** Reads the PGx results of a call (`readGeneResults` when absent; `createGeneReadingCache` remembers them). */
  readonly readGenes?: GeneReader;
  /**
   * The alert-volume policy's shared state (`store.volume`). Absent: no policy and no order-select card cache (every
   * call answers with fresh cards), e.g. for a tool that only assesses.
   */
  readonly volume?: VolumeRepository;
}

/**
 * Prefetch keys every hook gathers, and those without which it cannot run (412). The three hooks need the same
 * data: orders decide what is advised on, not what is gathered.
 */
export const HOOK_DATA = {
  keys: ['patient', 'pgx', 'wearables', 'consent', 'medications'],
  required: ['patient', 'pgx'],
  /** Required, yet answered with a "check incomplete" card when the FHIR server was asked and failed (issue 9 item 5). */
  answeredWhenServerFails: ['pgx'],
} as const;

/** The empty answer: 200 `{"cards": []}`. */
export const NOTHING_TO_SAY: HookAnswer = { cards: [], provenance: [] };

type DraftOrders = {
  readonly entry?: readonly { readonly resource?: unknown; readonly fullUrl?: unknown }[] | undefined;
};

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
  const selected = selectedOrders(draftOrders, selections);
  return selected ? orders.filter((o) => selected.has(o.orderIndex)) : orders;
}

/**
 * The indexes of the draft orders `selections` names (order-select), or undefined for every order. The spec's form is
 * `Type/id`; a bare `id`, an absolute reference ending in `/Type/id` and the entry's `fullUrl` are matched too, as
 * clients send them. Selections that name none of the orders read as every order: the client's defect must not
 * silence the check on the orders it is signing for (order-select then advises as order-sign would).
 */
function selectedOrders(
  draftOrders: DraftOrders,
  selections: readonly string[] | undefined,
): ReadonlySet<number> | undefined {
  if (!selections) return undefined;
  const wanted = new Set(selections);
  const selected = new Set<number>();
  (draftOrders.entry ?? []).forEach((entry, index) => {
    const r = entry.resource as Record<string, unknown> | undefined;
    const byFullUrl = typeof entry.fullUrl === 'string' && wanted.has(entry.fullUrl);
    const id = typeof r?.id === 'string' ? r.id : undefined;
    const typed = `${String(r?.resourceType)}/${id ?? ''}`;
    const byId =
      id !== undefined &&
      (wanted.has(typed) || wanted.has(id) || selections.some((s) => s.endsWith(`/${typed}`)));
    if (byFullUrl || byId) selected.add(index);
  });
  return selected.size > 0 ? selected : undefined;
}

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
  const inBundle = new Set(
    resources.filter((r) => r?.resourceType === 'Medication').map((r) => `Medication/${String(r?.id)}`),
  );
  const selected = selectedOrders(draftOrders, selections);
  const refs = resources
    .filter((_r, index) => !selected || selected.has(index))
    .flatMap((r) => {
      const ref = (r?.medicationReference as { reference?: unknown } | undefined)?.reference;
      return typeof ref === 'string' && /^Medication\/[A-Za-z0-9.-]{1,64}$/.test(ref) && !inBundle.has(ref)
        ? [ref]
        : [];
    });
  return [...new Set(refs)];
}

function resourcesOf(gathered: Gathered, key: string): readonly FhirResource[] {
  return gathered[key]?.resources ?? [];
}

/**
 * What was gathered per prefetch key, as a patient record; `pgxGap` says how the PGx results fell short, if they did.
 */
function recordOf(gathered: Gathered, pgxGap: PgxGap | undefined): PatientRecord {
  const patient = resourcesOf(gathered, 'patient').find((r): r is Patient => r.resourceType === 'Patient');
  return {
    ...(patient ? { patient } : {}),
    pgx: resourcesOf(gathered, 'pgx'),
    pgxComplete: pgxGap === undefined,
    sensorResources: [...resourcesOf(gathered, 'wearables'), ...resourcesOf(gathered, 'consent')],
    medications: resourcesOf(gathered, 'medications'),
  };
}

/**
 * 1. gather, in FHIR terms: the prefetch, else the FHIR server within one deadline; 412 when required data cannot
 * be had. `medicationRefs` are read in the same deadline.
 */
export function gather<H extends HookName>(
  call: HookCall<H>,
  medicationRefs: readonly string[] = [],
): Promise<Gathered> {
  const { keys, required, answeredWhenServerFails } = HOOK_DATA;
  return gatherPrefetch({
    templates: call.service.prefetch ?? {},
    queries: Object.fromEntries(medicationRefs.map((ref) => [`${MEDICATION_KEY}${ref}`, ref])),
    keys: keys.filter((k) => call.service.prefetch?.[k] !== undefined),
    required,
    answeredWhenServerFails,
    context: call.request.context as unknown as Readonly<Record<string, unknown>>,
    prefetch: call.request.prefetch,
    fhir: call.fhir,
    budgetMs: call.fhirBudgetMs,
    cache: call.fhirCache,
    onFhirCall: call.onFhirCall,
  });
}

/**
 * The hook call's data source: `gather`, read into domain terms. `thresholds` (the engine's) make the active
 * medications include its safety-rule drugs.
 */
export function prefetchSource<H extends HookName>(
  call: HookCall<H>,
  thresholds?: ThresholdSet,
  readGenes?: GeneReader,
): PatientDataSource {
  return {
    async gather(medicationRefs: readonly string[]): Promise<GatheredPatient> {
      const gathered = await gather(call, medicationRefs);
      const pgxGap = gathered.pgx?.complete === false ? pgxGapOf(gathered.pgx.failure?.kind) : undefined;
      return {
        data: readPatientData(recordOf(gathered, pgxGap), call.now, thresholds, readGenes),
        medications: Object.values(gathered)
          .filter((g) => g.key.startsWith(MEDICATION_KEY))
          .flatMap((g) => g.resources.filter((r) => r.resourceType === 'Medication')),
        gaps: Object.values(gathered)
          .filter((g) => !g.complete)
          .map((g) => `${g.key}: ${g.problem ?? 'incomplete'}`),
        ...(pgxGap === undefined ? {} : { pgxGap }),
      };
    },
  };
}

/** How the PGx results fell short, from why their key is incomplete. */
function pgxGapOf(kind: GatherFailureKind | undefined): PgxGap {
  switch (kind) {
    case 'timeout':
      return 'late';
    case 'pages-unread':
      return 'partial';
    case 'http':
    case 'network':
    case 'token-expired':
    case undefined:
      return 'unavailable';
    // The last two never reach a card: with no server or no query the call is a 412 (`answeredWhenServerFails`).
    case 'invalid-response':
    case 'foreign-link':
    case 'too-large':
    case 'no-fhir-server':
    case 'template-unresolved':
      return 'unreadable';
  }
}

/**
 * Static FHIR data as a source (demo patients, the dashboard without an EHR): every resource of the patient, read
 * by the same readers as a hook call's prefetch.
 */
export function staticSource(resources: readonly FhirResource[], now: Date): PatientDataSource {
  const patient = resources.find((r): r is Patient => r.resourceType === 'Patient');
  const record: PatientRecord = {
    ...(patient ? { patient } : {}),
    pgx: resources.filter((r) => r.resourceType === 'Observation'),
    pgxComplete: true,
    sensorResources: resources.filter(
      (r) => r.resourceType === 'Observation' || r.resourceType === 'Consent',
    ),
    medications: resources.filter((r) => r.resourceType === 'MedicationRequest'),
  };
  return {
    gather: () =>
      Promise.resolve({
        data: readPatientData(record, now),
        medications: resources.filter((r) => r.resourceType === 'Medication'),
        gaps: [],
      }),
  };
}

/** A hook's assessment of the draft orders, with the engine that decided. */
export interface OrderAssessment {
  readonly assessment: Assessment;
  readonly engine: RuleEngine;
  /** How the PGx results fell short, when they could not all be read (deadline, server failure, pages unread). */
  readonly pgxGap?: PgxGap;
  /** Whether an order's medicine could not be identified: its `Medication` was not returned and nothing names it. */
  readonly medicineUnread?: true;
}

/**
 * gather → assess for the draft orders (with `selections`, only the selected ones). Undefined when no order is for
 * a CPIC or safety-rule drug, not even behind a Medication reference: then nothing was fetched. Each order is
 * resolved once: before gathering when it names its drug, after when its drug sits behind a Medication reference.
 */
export async function assessDraftOrders(
  call: HookCall<'order-select' | 'order-sign'>,
  services: HookServices,
  selections?: readonly string[],
): Promise<OrderAssessment | undefined> {
  const { draftOrders } = call.request.context;
  const engine = services.ruleEngine();
  const external = externalMedicationReferences(draftOrders, selections);
  const known = external.length === 0 ? ordersToAdviseOn(draftOrders, engine.thresholds, selections) : [];
  // An order whose medicine cannot be told (its Medication reference resolves to nothing, and no display names it)
  // may be for any medicine: said in a card, never passed over as if it had been checked.
  const dangling = external.length === 0 && unreadMedicine(draftOrders, [], selections);
  if (external.length === 0 && known.length === 0 && !dangling) return undefined;
  const gathered = await prefetchSource(call, engine.thresholds, services.readGenes).gather(external);
  const orders =
    external.length === 0
      ? known
      : ordersToAdviseOn(draftOrders, engine.thresholds, selections, gathered.medications);
  const medicineUnread =
    external.length === 0 ? dangling : unreadMedicine(draftOrders, gathered.medications, selections);
  if (orders.length === 0 && !medicineUnread) return undefined;
  if (gathered.gaps.length > 0) call.logger.warn({ gaps: gathered.gaps }, 'answering with incomplete data');
  const assessment = await assess(gathered.data, orders, { now: call.now, preTest: 'allow' }, engine);
  return {
    assessment,
    engine,
    ...(gathered.pgxGap === undefined ? {} : { pgxGap: gathered.pgxGap }),
    ...(medicineUnread ? { medicineUnread } : {}),
  };
}

/** Whether a (selected) draft order's medicine cannot be told, with the Medications read for the orders. */
function unreadMedicine(
  draftOrders: DraftOrders,
  medications: readonly unknown[],
  selections?: readonly string[],
): boolean {
  const selected = selectedOrders(draftOrders, selections);
  return ordersWithUnreadMedicine(draftOrders, { medications }).some(
    (index) => !selected || selected.has(index),
  );
}

/**
 * The "Pharmacogenomic check incomplete" answer of an order hook whose PGx results could not all be read (issue 9
 * item 5): one card naming the ordered drugs, at the threshold set's `incompleteCheck.indicator`, so a clinician is
 * never left with silence where a critical card may have been.
 */
function incompleteCheck(
  { assessment, engine }: OrderAssessment,
  gap: CheckGap,
  call: HookCall<'order-select' | 'order-sign'>,
  services: HookServices,
): HookAnswer {
  const drugs =
    gap === 'medicine-unread'
      ? []
      : [...new Set(assessment.inputs.orders.flatMap((o) => o.ingredients.map((i) => i.name)))];
  return incompleteCheckAnswer(drugs, gap, call.request.hook === 'order-sign' ? 'sign' : 'select', {
    assessment,
    engine,
    call,
    services,
  });
}

/**
 * An order hook's answer followed by its "check incomplete" cards, never silence: one when the PGx results could not
 * all be read (issue 9 item 5), one when an order's medicine could not be identified.
 */
export function withIncompleteChecks(
  answer: HookAnswer,
  assessed: OrderAssessment,
  call: HookCall<'order-select' | 'order-sign'>,
  services: HookServices,
): HookAnswer {
  const gaps: CheckGap[] = [
    ...(assessed.pgxGap === undefined ? [] : [assessed.pgxGap]),
    ...(assessed.medicineUnread ? (['medicine-unread'] as const) : []),
  ];
  return gaps.reduce((sum, gap) => withCards(sum, incompleteCheck(assessed, gap, call, services)), answer);
}

/** The "check incomplete" card for `drugs`, linked to their CPIC guidelines and the services' links. */
export function incompleteCheckAnswer(
  drugs: readonly string[],
  gap: CheckGap,
  retry: 'sign' | 'select' | 'open',
  {
    assessment,
    engine,
    call,
    services,
  }: {
    assessment: Assessment;
    engine: RuleEngine;
    call: HookCall<IncompleteCheckHook>;
    services: HookServices;
  },
): HookAnswer {
  const guidelines = drugs.flatMap((drug) => {
    const guideline = drugKnowledge(drug)?.guidelines[0];
    return guideline && /^https?:\/\//.test(guideline.url)
      ? [{ name: guidelineTitle(guideline), url: guideline.url }]
      : [];
  });
  const spoken = incompleteCheckCard({
    drugs,
    gap,
    indicator: engine.thresholds.incompleteCheck.indicator,
    retry,
    guidelines: [...new Map(guidelines.map((g) => [g.url, g])).values()],
    links: services.incompleteCheckLinks?.(call) ?? [],
    snapshot: decisionSnapshot([], assessment.facts, engine),
    thresholdVersion: engine.thresholdVersion,
    knowledgeVersion: services.knowledgeVersion,
  });
  return { cards: [spoken.card], provenance: [spoken.provenance], assessment };
}

/** An answer followed by another's cards (one invocation records them all). */
export function withCards(answer: HookAnswer, more: HookAnswer): HookAnswer {
  return {
    cards: [...answer.cards, ...more.cards],
    provenance: [...answer.provenance, ...more.provenance],
    ...(answer.assessment === undefined ? {} : { assessment: answer.assessment }),
  };
}

/**
 * The shown decisions, one per advice and order (several guidelines giving the same advice are not repeated), the
 * most severe first: an EHR lists cards in the order given, and the clinician reads the first one first. Among
 * decisions of one severity, the draft orders' order.
 */
export function distinctShown(decisions: readonly ShownDecision[]): ShownDecision[] {
  const seen = new Set<string>();
  return decisions
    .filter((d) => {
      const key = `${d.finding.order.orderIndex}|${adviceKey(d)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => SEVERITY_RANK[a.indicator] - SEVERITY_RANK[b.indicator]);
}

const SEVERITY_RANK: Readonly<Record<ShownDecision['indicator'], number>> = {
  critical: 0,
  warning: 1,
  info: 2,
};

/** 4. speak: one card per shown decision (one card per drug problem), each with its decision snapshot. */
export function speak(
  decisions: readonly ShownDecision[],
  { assessment, engine }: OrderAssessment,
  draftOrders: readonly unknown[],
  patientId: string,
): HookAnswer {
  const spoken = distinctShown(decisions).map((d) =>
    decisionCard(d, {
      draftOrder: draftOrders[d.finding.order.orderIndex],
      patientId,
      snapshot: decisionSnapshot([d], assessment.facts, engine),
    }),
  );
  return {
    cards: spoken.map((s) => s.card),
    provenance: spoken.map((s) => s.provenance),
    assessment,
  };
}

/** The decisions of an assessment that give a card. */
export function shownDecisions(assessment: Assessment): ShownDecision[] {
  return assessment.decisions.filter(isShown);
}

/** The draft order resources by their index in `draftOrders` (decisions point back by index). */
export function draftOrderResources(draftOrders: DraftOrders): unknown[] {
  return (draftOrders.entry ?? []).map((e) => e.resource);
}
