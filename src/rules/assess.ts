/**
 * The assessment core (DESIGN.md "The core, reusable without a request"): gathered patient data and draft orders →
 * typed decisions, with no HTTP, logger or cache. A hook call is one way to feed it; a recorded invocation (what-if
 * replay, shadow comparison) and static demo data are others: each is a `PatientDataSource`.
 *
 * know → decide: CPIC findings per order (rules/cpic), safety-rule findings for orders CPIC does not grade, the
 * sensor summary of only the metrics those findings' rules read (sensors), then the thresholds and sensor rules
 * (engine).
 */
import type { FhirResource, Patient } from 'fhir/r4';
import { ageInYears, findingsForOrder, readGeneResults, resolveDrugOrders } from './cpic';
import type {
  DrugOrder,
  Finding,
  GeneConflict,
  GeneResult,
  GeneResultsReading,
  PendingResult,
  ReadOptions,
  UnassignedResult,
} from './cpic';
import { safetyRuleFindings } from './engine';
import type { RuleEngine } from './engine';
import { resolveAdvisableOrders } from './safety-rule-drugs';
import type { ThresholdSet } from './thresholds';
import type { Decision, DecisionFacts, DecisionSnapshot } from './types';
import { DECISION_SNAPSHOT_SCHEMA } from './types';
import { summarizeSensors } from '../sensors';
import type { SensorMetricId, SensorSummary } from '../sensors';

/**
 * Wearable data as a source has it: the Observations (and Consents) still to summarize, or a summary already made
 * (a recorded invocation keeps the aggregates, never the readings).
 */
export type SensorInput =
  | { readonly kind: 'observations'; readonly resources: readonly unknown[] }
  | { readonly kind: 'summary'; readonly summary: SensorSummary };

/** Everything the assessment knows about the patient, in domain terms, with no patient identifier. */
export interface PatientData {
  /** Whole years at the assessment's time, when the birth date is known. */
  readonly ageYears?: number;
  /** `Patient.gender` (G6PD calls and sex-specific rows). */
  readonly sex?: string;
  readonly pgx: readonly GeneResult[];
  /** Genes with disagreeing current results: never silently resolved. */
  readonly pgxConflicts: readonly GeneConflict[];
  /**
   * Genes with no usable result but a registered or preliminary one: never used for advice, but no test is asked for
   * (absent in records made before it was kept, and when there is none).
   */
  readonly pgxPending?: readonly PendingResult[];
  /** Pharmacogenomic results that name no gene (absent when there is none, and in records made before it was kept). */
  readonly pgxUnassigned?: readonly UnassignedResult[];
  /** False when PGx results could not all be read (a deadline): no gene then counts as untested. */
  readonly pgxComplete: boolean;
  /** The patient's active medication orders (continuing therapy, CPIC's naive vs continuing use). */
  readonly activeMedications: readonly DrugOrder[];
  readonly sensors: SensorInput;
  /** The patient's IANA time zone, when the Patient gives one (`patientTimeZone`): readings in UTC are read on it. */
  readonly timeZone?: string;
}

/**
 * The FHIR Extensions Pack's time-zone extension (TimezoneCode: an IANA code such as `America/Los_Angeles`, trial use).
 * FHIR R4's Patient has no time-zone element; this extension is how a record can say it.
 */
export const TIMEZONE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/timezone';

/** The IANA time zone a Patient's `timezone` extension gives (`valueCode`), if any. */
export function patientTimeZone(patient: Patient | undefined): string | undefined {
  const extensions: unknown = patient?.extension;
  if (!Array.isArray(extensions)) return undefined;
  for (const item of extensions as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { url, valueCode } = item as { url?: unknown; valueCode?: unknown };
    if (url === TIMEZONE_EXTENSION && typeof valueCode === 'string' && valueCode !== '') return valueCode;
  }
  return undefined;
}

/** The FHIR data a source gathered for one patient, by what it is. */
export interface PatientRecord {
  readonly patient?: Patient;
  readonly pgx: readonly FhirResource[];
  readonly pgxComplete: boolean;
  /** Wearable Observations and the patient's Consents (a Consent may deny device data). */
  readonly sensorResources: readonly unknown[];
  readonly medications: readonly FhirResource[];
}

/** Reads FHIR PGx resources into gene results: `readGeneResults`, or one that remembers readings. */
export type GeneReader = (resources: readonly unknown[], options: ReadOptions) => GeneResultsReading;

/**
 * Reads a patient's FHIR record into domain terms at `now` (the same reader for every source). With `thresholds`, the
 * active medications include the drugs of its safety rules (an active sulfonylurea is continuing use, issue 9 item 7,
 * and patient-view reviews it), not only CPIC drugs. `readGenes` reads the PGx results (`readGeneResults`; a hook
 * call's source passes one that remembers readings, `hooks/gene-readings`).
 */
export function readPatientData(
  record: PatientRecord,
  now: Date,
  thresholds?: ThresholdSet,
  readGenes: GeneReader = readGeneResults,
): PatientData {
  const { patient } = record;
  // The Patient is as a client sent it: a birth date or gender that is not a string (a number, an object) is unknown,
  // never an error (the fuzz suite found `"birthDate": 1000` answered 500).
  const sex = typeof patient?.gender === 'string' ? patient.gender : undefined;
  const birthDate = typeof patient?.birthDate === 'string' ? patient.birthDate : undefined;
  const reading = readGenes(record.pgx, sex ? { sex } : {});
  const ageYears = ageInYears(birthDate, now);
  const timeZone = patientTimeZone(patient);
  const active = record.medications.filter(
    (r) => r.resourceType === 'MedicationRequest' && r.status === 'active',
  );
  return {
    ...(ageYears === undefined ? {} : { ageYears }),
    ...(sex ? { sex } : {}),
    pgx: reading.results,
    pgxConflicts: reading.conflicts,
    ...(reading.pending.length > 0 ? { pgxPending: reading.pending } : {}),
    ...(reading.unassigned.length > 0 ? { pgxUnassigned: reading.unassigned } : {}),
    pgxComplete: record.pgxComplete,
    activeMedications: thresholds ? resolveAdvisableOrders(active, thresholds) : resolveDrugOrders(active),
    sensors: { kind: 'observations', resources: record.sensorResources },
    ...(timeZone === undefined ? {} : { timeZone }),
  };
}

/** What the patient's data came with: data that could not be had, in words fit for a log line (no patient data). */
export interface GatheredPatient {
  readonly data: PatientData;
  /** Medication resources read for draft orders' `medicationReference`s. */
  readonly medications: readonly FhirResource[];
  readonly gaps: readonly string[];
  /** How the PGx results fell short, present exactly when `data.pgxComplete` is false (the "check incomplete" card). */
  readonly pgxGap?: PgxGap;
}

/**
 * How a source's PGx results fell short: `late` (the deadline ran out before they came), `partial` (some pages were
 * left unread), `unavailable` (the server failed or could not be reached: asking again may work), `unreadable` (the
 * server's answer could not be used: too large, not FHIR, links off the server; asking again will not help).
 */
export type PgxGap = 'late' | 'partial' | 'unavailable' | 'unreadable';

/**
 * Where the patient's data comes from: the prefetch with the FHIR fallback (a hook call), a recorded invocation
 * (replay), or static demo data. `medicationRefs` are `Medication/{id}` references of draft orders to read too.
 */
export interface PatientDataSource {
  gather(medicationRefs: readonly string[]): Promise<GatheredPatient>;
}

export interface AssessOptions {
  /** The assessment's time: windows, freshness and ages are computed from it. */
  readonly now: Date;
  /** `suppress`: no pre-test advice (a chart view is no moment to ask for a test). */
  readonly preTest: 'allow' | 'suppress';
}

/**
 * The inputs an assessment used, enough to run it again (`recordedSource`): the patient data with the sensor
 * aggregates the rules read (never the readings), the orders and the options. No patient identifier.
 */
export interface AssessmentInputs {
  readonly schema: typeof DECISION_SNAPSHOT_SCHEMA;
  readonly data: PatientData & { readonly sensors: { readonly kind: 'summary' } };
  readonly orders: readonly DrugOrder[];
  readonly now: string;
  readonly preTest: AssessOptions['preTest'];
}

export interface Assessment {
  /** One per finding, in order; `indicator` `none` gives no card. */
  readonly decisions: readonly Decision[];
  /** What the rules read besides the findings. */
  readonly facts: DecisionFacts;
  readonly inputs: AssessmentInputs;
}

/** Only the aggregates of `metrics` (a summary kept for replay holds what the rules read, nothing more). */
function onlyMetrics(summary: SensorSummary, metrics: readonly SensorMetricId[]): SensorSummary {
  const wanted = new Set<string>(metrics);
  return { ...summary, metrics: summary.metrics.filter((m) => wanted.has(m.metric)) };
}

/**
 * The sensor summary of only the metrics the findings' rules read, over the windows and limits of the engine's
 * threshold set (a recorded summary is used as it was recorded).
 */
function sensorSummary(
  data: PatientData,
  metrics: readonly SensorMetricId[],
  now: Date,
  engine: RuleEngine,
): SensorSummary {
  const input = data.sensors;
  return input.kind === 'summary'
    ? input.summary
    : summarizeSensors(input.resources, now, {
        metrics,
        policy: engine.sensorPolicy,
        ...(data.timeZone === undefined ? {} : { timeZone: data.timeZone }),
      });
}

/** Lower-case names of the drugs the patient already takes (an active order, however recent). */
function activeDrugsOf(data: PatientData): string[] {
  return [...new Set(data.activeMedications.flatMap((m) => m.ingredients.map((i) => i.name)))];
}

/**
 * How long an active order must have run to count as stable continuing therapy for a rule that lowers an alert:
 * research §2.3 R1 "PM, already on stable metoprolol for > 4 weeks" (knowledge/sensor-thresholds.json
 * `R1.stable-weeks`).
 */
export const STABLE_THERAPY_DAYS = 28;

/**
 * Lower-case names of the drugs the patient has taken for at least `STABLE_THERAPY_DAYS` before `now`: an active order
 * whose start (`DrugOrder.startedOn`) is that old. An order that gives no start date does not count (its age is not
 * known, and reassuring readings must not lower an alert on a guess); neither does one started later.
 */
function stableDrugsOf(data: PatientData, now: Date): string[] {
  const latestStart = now.getTime() - STABLE_THERAPY_DAYS * 86_400_000;
  return [
    ...new Set(
      data.activeMedications
        .filter((m) => m.startedOn !== undefined && Date.parse(m.startedOn) <= latestStart)
        .flatMap((m) => m.ingredients.map((i) => i.name)),
    ),
  ];
}

/** CPIC's findings for the orders, pre-test advice included whatever the options say. */
/**
 * The CPIC findings the patient's results give for each of `drugs`, as if each were ordered alone (no order, no dose):
 * what the results mean for medicines not prescribed (the patient page's other medicines).
 */
export function findingsForDrugs(data: PatientData, drugs: readonly string[], now: Date): Finding[] {
  const orders = drugs.map((name, index): DrugOrder => ({
    orderRef: `MedicationRequest/${name}`,
    orderIndex: index,
    ingredients: [{ name }],
    resolvedBy: 'text',
  }));
  return findingsForOrders(data, orders, now);
}

function findingsForOrders(data: PatientData, orders: readonly DrugOrder[], now: Date): Finding[] {
  // CPIC's naive vs continuing use: any active order is use (a new one too).
  const continuingDrugs = activeDrugsOf(data);
  return orders.flatMap((order) =>
    findingsForOrder(
      order,
      data.pgx,
      {
        ...(data.ageYears === undefined ? {} : { ageYears: data.ageYears }),
        ...(data.sex ? { sex: data.sex } : {}),
        // No earlier use on record means drug-naive where CPIC distinguishes naive from continuing use.
        priorUse: order.ingredients.some((i) => continuingDrugs.includes(i.name)),
        now,
        ...(data.pgxPending ? { pendingResults: data.pgxPending } : {}),
        ...(data.pgxUnassigned ? { unassignedResults: data.pgxUnassigned } : {}),
      },
      data.pgxConflicts,
    ),
  );
}

/**
 * Pre-test advice only where the options allow it and the PGx results were all read: a gene whose results could not
 * all be read is not treated as untested, so no pre-test advice rests on incomplete data.
 */
function preTestAllowed(data: PatientData, options: AssessOptions): (f: Finding) => boolean {
  return (f) => f.kind !== 'pre-test' || (options.preTest === 'allow' && data.pgxComplete);
}

/**
 * What CPIC's knowledge says for the orders, before any threshold, as `assess` finds it: re-reading a recorded call
 * under new knowledge (`admin/reinterpret`) compares these with the findings its cards recorded.
 */
export function cpicFindings(
  data: PatientData,
  orders: readonly DrugOrder[],
  options: AssessOptions,
): Finding[] {
  return findingsForOrders(data, orders, options.now).filter(preTestAllowed(data, options));
}

/**
 * Decisions for the orders: CPIC findings, safety-rule findings for orders CPIC says nothing about, then thresholds
 * and sensor rules.
 */
export async function assess(
  data: PatientData,
  orders: readonly DrugOrder[],
  options: AssessOptions,
  engine: RuleEngine,
): Promise<Assessment> {
  const { now } = options;
  // Only therapy stable for > 4 weeks lets a rule lower an alert (research §2.3 R1).
  const continuingDrugs = stableDrugsOf(data, now);
  const cpic = findingsForOrders(data, orders, now);
  const findings: Finding[] = [
    ...cpic,
    ...safetyRuleFindings(orders, data.pgx, cpic, engine.thresholds, data.pgxConflicts, data.pgxPending),
  ].filter(preTestAllowed(data, options));
  const metrics = engine.metricsFor([...new Set(findings.map((f) => f.drug))]);
  const sensors = sensorSummary(data, metrics, now, engine);
  const facts: DecisionFacts = {
    sensors,
    continuingDrugs,
    ...(data.ageYears === undefined ? {} : { ageYears: data.ageYears }),
  };
  const decisions = await engine.evaluate(findings, facts);
  return {
    decisions,
    facts,
    inputs: {
      schema: DECISION_SNAPSHOT_SCHEMA,
      data: { ...data, sensors: { kind: 'summary', summary: sensors } },
      orders,
      now: now.toISOString(),
      preTest: options.preTest,
    },
  };
}

/** A recorded assessment as a data source: replay and shadow comparison run `assess` on what was recorded. */
export function recordedSource(inputs: AssessmentInputs): PatientDataSource {
  return { gather: () => Promise.resolve({ data: inputs.data, medications: [], gaps: [] }) };
}

/** Runs a recorded assessment again, under the same or another engine (what-if replay, shadow thresholds). */
export async function replay(inputs: AssessmentInputs, engine: RuleEngine): Promise<Assessment> {
  const { data } = await recordedSource(inputs).gather([]);
  return assess(data, inputs.orders, { now: new Date(inputs.now), preTest: inputs.preTest }, engine);
}

/**
 * What the store keeps for a card: its decisions and the facts they were made with, the sensor aggregates cut to
 * the metrics those decisions' rules read.
 */
export function decisionSnapshot(
  decisions: readonly Decision[],
  facts: DecisionFacts,
  engine: RuleEngine,
): DecisionSnapshot {
  const metrics = engine.metricsFor([...new Set(decisions.map((d) => d.finding.drug))]);
  return {
    schema: DECISION_SNAPSHOT_SCHEMA,
    decisions,
    facts: { ...facts, sensors: onlyMetrics(facts.sensors, metrics) },
  };
}
