/**
 * One patient's dashboard: the same `assess` the cards come from, run on every active and draft medication of the
 * patient's record under the live threshold set, with the PGx results, the sensor series with the active thresholds,
 * and the Ambulatory Glucose Profile. Plain JSON (`DashboardView`), typed for the web client.
 */
import type { FhirResource, MedicationRequest, Patient } from 'fhir/r4';
import { decisionSummary } from '../cards/decision-card';
import { decisionReasons, geneEvidenceText, otherRows, rowAbout, sensorEvidenceTexts } from '../cards/detail';
import { ownAdvice } from '../cards/suggestions';
import { TRIGGER_OPERATOR_WORDS, quantityText } from '../cards/sensor-text';
import { calledWithText, knowledgeText, versionsInWords } from '../cards/text';
import { ehrPriorityOf, reinterpretationSentence, unreadableGenes } from '../rules/cpic';
import { cpicDrugNames } from '../rules/cpic/knowledge';
import type { DrugOrder, Finding, GeneResult, RecommendationFinding } from '../rules/cpic';
import { assess, findingsForDrugs, readPatientData } from '../rules/assess';
import type { PatientData } from '../rules/assess';
import type { RuleEngine } from '../rules/engine';
import type { SensorTrigger } from '../rules/thresholds';
import { adviceLines } from '../rules/advice';
import { resolveAdvisableOrders } from '../rules/safety-rule-drugs';
import { summarizeSensors } from '../sensors';
import type { SensorMetricId } from '../sensors';
import type { JsonObject } from '../sensors/fhir-read';
import { normalizeObservations } from '../sensors/normalize';
import { computeAgp } from './agp';
import { patientExplanation } from './explanation';
import type { DoseShare, ExplanationInput } from './explanation';
import type {
  DashboardAgp,
  DashboardFinding,
  DashboardMedication,
  DashboardResult,
  DashboardSeries,
  DashboardView,
  PatientExplanation,
  SensorThresholdLine,
} from './contract';

export type * from './contract';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The longest `effectivePeriod` read as one day's summary (a night's sleep, a day's steps). */
const DAILY_SUMMARY_MS = 36 * HOUR_MS;
/** Days of sensor trends shown. */
const TREND_DAYS = 28;
/** The AGP period: the consensus minimum. */
const AGP_DAYS = 14;

function nameOf(patient: Patient | undefined): string {
  const name = patient?.name?.[0];
  if (!name) return 'Unnamed patient';
  return name.text ?? [...(name.given ?? []), name.family ?? ''].join(' ').trim();
}

function resultOf(r: GeneResult): DashboardResult {
  const priority = ehrPriorityOf(r.gene, r.phenotype);
  const reinterpretation = reinterpretationSentence(r);
  return {
    gene: r.gene,
    phenotype: r.phenotype,
    reinterpreted: r.reinterpreted,
    ...(reinterpretation ? { reinterpretation } : {}),
    ...(r.diplotype ? { diplotype: r.diplotype } : {}),
    ...(r.activityScore ? { activityScore: r.activityScore } : {}),
    ...(priority ? { priority } : {}),
    ...(r.reportedPhenotype ? { reportedPhenotype: r.reportedPhenotype } : {}),
    ...(r.date ? { date: r.date } : {}),
    ...(r.uninterpreted ? { uninterpreted: r.uninterpreted } : {}),
    ...(r.alleleStatus ? { alleleStatus: r.alleleStatus } : {}),
    notes: r.notes,
    ...(r.alleleFunctions ? { calledWith: calledWithText(r.alleleFunctions) } : {}),
  };
}

function medicationDisplay(request: MedicationRequest): string {
  const concept = request.medicationCodeableConcept;
  return (
    concept?.text ?? concept?.coding?.[0]?.display ?? request.medicationReference?.display ?? 'Medication'
  );
}

/** The dose share a CPIC row's text gives, as percentages of the usual dose (both ends of a range). */
function doseShareOf(finding: Finding): DoseShare | undefined {
  if (finding.kind !== 'recommendation') return undefined;
  const change = finding.doseChange;
  if (change === undefined) return undefined;
  const percent = (fraction: number): number => Math.round(fraction * 100);
  return {
    percent: percent(change.fraction),
    ...(change.otherEnd === undefined ? {} : { upTo: percent(change.otherEnd) }),
  };
}

/** A recommendation finding as the patient explanation reads it. */
function explanationInput(f: RecommendationFinding): ExplanationInput {
  const doseShare = doseShareOf(f);
  return {
    drug: f.drug,
    lookupKey: f.row.lookupKey,
    implications: f.row.implications,
    recommendation: f.row.recommendation,
    action: f.action,
    ...(doseShare === undefined ? {} : { doseShare }),
    unsettled: Object.keys(f.row.lookupKey).filter((gene) =>
      f.alternatives.some((alt) => alt.row.lookupKey[gene] !== f.row.lookupKey[gene]),
    ),
    unreadable: unreadableGenes(f),
  };
}

/** A CPIC drug the patient's results call for avoiding or a dose change for, with the page's advice sentence. */
interface AlsoFor {
  readonly drug: string;
  readonly genes: readonly string[];
  readonly advice: string;
}

/**
 * Every CPIC drug for which the patient's results call for another medicine or another dose (CPIC's row, read as the
 * patient page reads it), with the advice sentence its own page would open with. Drugs CPIC gives no such advice for
 * at these results (standard use, monitoring, a test first) are left out.
 */
function medicinesTheResultsMatterFor(data: PatientData, now: Date): AlsoFor[] {
  return findingsForDrugs(data, cpicDrugNames(), now)
    .flatMap((f) => {
      if (f.kind !== 'recommendation' || (f.action !== 'avoid' && f.action !== 'adjust-dose')) return [];
      const advice = patientExplanation(explanationInput(f)).advice[0]?.text;
      return advice ? [{ drug: f.drug, genes: f.genes.map((g) => g.gene), advice }] : [];
    })
    .sort((a, b) => a.drug.localeCompare(b.drug));
}

/**
 * The other medicines a patient page lists: those the same gene results matter for (`alsoFor`), the page's own drug
 * left out. Patients asked for material about their own medicines (research note §5, Asiedu et al.), and a dentist
 * or another doctor may prescribe one of them: codeine's page for a CYP2D6 ultrarapid metabolizer names tramadol.
 */
function otherMedicinesOf(
  f: RecommendationFinding,
  alsoFor: readonly AlsoFor[],
): Pick<PatientExplanation, 'otherMedicines'> {
  const genes = new Set(f.genes.map((g) => g.gene));
  // One line per advice, naming its medicines: each sentence said once.
  const byAdvice = new Map<string, string[]>();
  for (const o of alsoFor) {
    if (o.drug === f.drug || !o.genes.some((g) => genes.has(g))) continue;
    byAdvice.set(o.advice, [...(byAdvice.get(o.advice) ?? []), o.drug]);
  }
  const others = [...byAdvice].map(([advice, drugs]) => ({ drugs, advice }));
  return others.length > 0 ? { otherMedicines: others } : {};
}

function findingOf(
  decision: Awaited<ReturnType<typeof assess>>['decisions'][number],
  alsoFor: readonly AlsoFor[],
): DashboardFinding {
  const f = decision.finding;
  const row = f.kind === 'recommendation' || f.kind === 'warfarin-figure' ? f.row : undefined;
  const guideline =
    row?.guideline ??
    (f.kind === 'pre-test' || f.kind === 'no-row' || f.kind === 'conflict' ? f.guideline : undefined);
  const others = otherRows(f);
  const reasons = decisionReasons(decision);
  return {
    drug: f.drug,
    kind: f.kind,
    action: f.action,
    indicator: decision.indicator,
    genes: f.genes.map((g) => ({ gene: g.gene, phenotype: g.phenotype })),
    ...(row ? { recommendation: row.recommendation } : {}),
    reasons: [...adviceLines(decision), ...reasons],
    otherRows: others,
    implications: row?.implications ?? [],
    ...(row?.strength ? { strength: row.strength } : {}),
    ...(guideline && /^https?:\/\//.test(guideline.url)
      ? { guideline: { name: guideline.name, url: guideline.url } }
      : {}),
    alternatives:
      f.kind === 'recommendation' || f.kind === 'warfarin-figure'
        ? f.alternativeDrugs.map((d) => {
            const advice = ownAdvice(d);
            return advice ? `${d.name} (${advice})` : d.name;
          })
        : [],
    summary: decisionSummary(decision),
    // The card's own wording of the sensor evidence, once per line.
    sensorNotes: sensorEvidenceTexts(decision.modifiers),
    ...(f.kind === 'recommendation'
      ? {
          explanation: {
            ...patientExplanation(explanationInput(f)),
            ...otherMedicinesOf(f, alsoFor),
            // The page asks to be shown to every prescriber: what they need, in the card's words (not what today's
            // wearable readings ask for: the page is kept).
            forClinician: {
              results: f.genes.map(geneEvidenceText),
              guideline: f.row.guideline.name,
              about: rowAbout(f.row, others),
              recommendation: f.row.recommendation,
              otherRows: others,
              reasons,
              knowledge: knowledgeText(f.knowledgeVersion, f.genes),
            },
          },
        }
      : {}),
  };
}

/** The sensor trends charted, the catalogue concepts behind each line, and the metric whose freshness marks it. */
const SERIES: readonly {
  readonly id: DashboardSeries['id'];
  readonly label: string;
  /** The unit as people write it, for the axis and the "Latest" line (values are in the catalogue's UCUM unit). */
  readonly unit: string;
  readonly concepts: readonly { readonly concept: string; readonly name: string }[];
  readonly metric: SensorMetricId;
  /**
   * One value per local day (steps, sleep): the day's summary Observation (an `effectivePeriod` of at most 36 hours;
   * the largest when a day has several, e.g. two devices), else the sum of its readings.
   */
  readonly daily?: true;
}[] = [
  {
    id: 'resting-heart-rate',
    label: 'Resting heart rate',
    unit: '/min',
    concepts: [{ concept: 'resting-heart-rate', name: 'Resting heart rate' }],
    metric: 'resting-heart-rate',
  },
  {
    id: 'home-bp',
    label: 'Home blood pressure',
    unit: 'mmHg',
    concepts: [
      { concept: 'bp-systolic', name: 'Systolic' },
      { concept: 'bp-diastolic', name: 'Diastolic' },
    ],
    metric: 'home-bp-systolic',
  },
  {
    id: 'spo2',
    label: 'Oxygen saturation (SpO2)',
    unit: '%',
    concepts: [{ concept: 'spo2', name: 'SpO2' }],
    metric: 'spo2-minimum',
  },
  {
    // Home INR meters (CoaguChek): the warfarin rule reads the latest value, so the clinician sees it beside the card.
    id: 'inr',
    label: 'Home INR',
    unit: 'INR',
    concepts: [{ concept: 'inr', name: 'INR' }],
    metric: 'inr-latest',
  },
  {
    id: 'sleep',
    label: 'Sleep',
    unit: 'h',
    concepts: [{ concept: 'sleep-duration', name: 'Sleep' }],
    metric: 'sleep-duration',
    daily: true,
  },
  {
    id: 'steps',
    label: 'Daily steps',
    unit: 'steps',
    concepts: [{ concept: 'steps', name: 'Steps' }],
    metric: 'daily-steps',
    daily: true,
  },
];

/**
 * The live rules' limits drawn on a chart: level triggers on the series' own metric, and the cut a share metric
 * counts against (SpO2 below 90 %, glucose below 70 mg/dL), each labelled with what it is; only rules about `drugs`
 * (the patient's active and draft medicines).
 */
function thresholdLines(
  engine: RuleEngine,
  seriesId: DashboardSeries['id'] | 'glucose',
  drugs: ReadonlySet<string>,
): SensorThresholdLine[] {
  const lines: SensorThresholdLine[] = [];
  for (const rule of engine.thresholds.sensorRules) {
    if (!rule.drugs.some((d) => drugs.has(d))) continue;
    for (const t of rule.triggers) {
      const where = ((): number | undefined => {
        if (seriesId === 'resting-heart-rate' && t.metric === 'resting-heart-rate') return t.value;
        if (seriesId === 'home-bp' && (t.metric === 'home-bp-systolic' || t.metric === 'home-bp-diastolic'))
          return t.value;
        if (seriesId === 'spo2' && t.metric === 'spo2-below-90-share') return 90;
        if (seriesId === 'inr' && t.metric === 'inr-latest') return t.value;
        if (seriesId === 'glucose' && t.metric === 'cgm-time-below-70') return 70;
        if (seriesId === 'glucose' && t.metric === 'cgm-time-below-54') return 54;
        return undefined;
      })();
      if (where === undefined || lines.some((l) => l.value === where)) continue;
      const named = rule.drugs.filter((d) => drugs.has(d)).join(', ');
      const label = `${named}: ${limitWords(t, where)}`;
      const { effect } = t;
      // A share metric's cut counts the readings below it; a trigger's own bound compares each reading.
      const line =
        t.metric === 'home-bp-systolic'
          ? 'Systolic'
          : t.metric === 'home-bp-diastolic'
            ? 'Diastolic'
            : undefined;
      const applies =
        where !== t.value
          ? { operator: 'lessThan' as const }
          : {
              operator: t.upTo !== undefined ? ('greaterThanInclusive' as const) : t.operator,
              ...(t.upTo !== undefined ? { upTo: t.upTo } : {}),
              ...(line ? { line } : {}),
            };
      lines.push({ value: where, label, effect, applies });
      // A range (`65–80/min may lower the alert`) is drawn at both ends.
      if (where === t.value && t.upTo !== undefined) {
        lines.push({ value: t.upTo, label: `${label} (upper end)`, effect });
      }
    }
  }
  return lines;
}

/**
 * What a dashed line means, as the clinician reads it beside the chart: the bound with its unit, then what crossing it
 * does (`below 60/min raises the alert`, `65–80/min may lower the alert`). A share metric's line is the cut its
 * readings are counted against (`SpO2 below 90 % counts toward the alert`).
 */
function limitWords(t: SensorTrigger, where: number): string {
  if (where !== t.value) {
    const cut = t.metric === 'spo2-below-90-share' ? 'SpO2 below 90 %' : `glucose below ${where} mg/dL`;
    return `time with ${cut} counts toward the alert`;
  }
  // The home BP rule reads the mean of the window's readings, not each reading: the line says so.
  const measure =
    t.metric === 'home-bp-diastolic'
      ? 'mean diastolic '
      : t.metric === 'home-bp-systolic'
        ? 'mean systolic '
        : '';
  const bound =
    t.upTo !== undefined
      ? `${String(t.value)}–${quantityText(t.upTo, t.unit)}`
      : `${TRIGGER_OPERATOR_WORDS[t.operator]} ${quantityText(t.value, t.unit)}`;
  const effect =
    t.effect === 'raise'
      ? `raises the alert${t.steps === 2 ? ' two steps' : ''}`
      : t.effect === 'lower'
        ? 'may lower the alert'
        : 'is shown with the alert';
  return `${measure}${bound} ${effect}`;
}

function byDay<T extends { readonly day: string }>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(item.day, [...(out.get(item.day) ?? []), item]);
  return out;
}

export interface DashboardInput {
  /** Every resource of the patient's record (Patient, Observations, MedicationRequests, Medications, Consents). */
  readonly resources: readonly FhirResource[];
  readonly engine: RuleEngine;
  readonly knowledgeVersion: string;
  readonly now: Date;
}

/** The dashboard of one patient's record. */
export async function dashboardView(input: DashboardInput): Promise<DashboardView> {
  const { resources, engine, now } = input;
  const patient = resources.find((r): r is Patient => r.resourceType === 'Patient');
  const requests = resources.filter(
    (r): r is MedicationRequest =>
      r.resourceType === 'MedicationRequest' && (r.status === 'active' || r.status === 'draft'),
  );
  const data = readPatientData(
    {
      ...(patient ? { patient } : {}),
      pgx: resources.filter((r) => r.resourceType === 'Observation'),
      pgxComplete: true,
      sensorResources: resources.filter(
        (r) => r.resourceType === 'Observation' || r.resourceType === 'Consent',
      ),
      medications: requests,
    },
    now,
    engine.thresholds,
  );
  const medicationResources = resources.filter((r) => r.resourceType === 'Medication');
  const orders: DrugOrder[] = resolveAdvisableOrders(
    { entry: requests.map((resource) => ({ resource })) },
    engine.thresholds,
    {
      medications: medicationResources,
    },
  );
  const assessment = await assess(data, orders, { now, preTest: 'allow' }, engine);
  const alsoFor = medicinesTheResultsMatterFor(data, now);
  // Only the limits of rules about this patient's medicines are drawn.
  const patientDrugs = new Set(orders.flatMap((o) => o.ingredients.map((i) => i.name)));
  const medications = requests.map((request, index): DashboardMedication => ({
    ref: `MedicationRequest/${request.id ?? ''}`,
    status: request.status === 'draft' ? 'draft' : 'active',
    display: medicationDisplay(request),
    findings: assessment.decisions
      .filter((d) => d.finding.order.orderIndex === index)
      .map((d) => findingOf(d, alsoFor)),
  }));

  // Sensor series (the consent decides first: a denial leaves them out, as the rules would).
  const summary = summarizeSensors(data.sensors.kind === 'observations' ? data.sensors.resources : [], now, {
    policy: engine.sensorPolicy,
    ...(data.timeZone === undefined ? {} : { timeZone: data.timeZone }),
  });
  const denied = summary.notes.length > 0 && summary.metrics.length === 0;
  const observations = resources.filter((r) => r.resourceType === 'Observation') as unknown as JsonObject[];
  const samples = denied ? [] : normalizeObservations(observations, now.getTime()).samples;
  const since = now.getTime() - TREND_DAYS * DAY_MS;
  const sensors = SERIES.flatMap((s): DashboardSeries[] => {
    const lines = s.concepts.flatMap(({ concept, name }) => {
      const own = samples.filter(
        (x) =>
          x.concept === concept &&
          (!x.aggregate || (s.daily === true && x.end - x.start <= DAILY_SUMMARY_MS)) &&
          x.end >= since &&
          x.end <= now.getTime(),
      );
      const points = s.daily
        ? [...byDay(own).values()].map((day): [number, number] => {
            const summaries = day.filter((x) => x.aggregate);
            const value =
              summaries.length > 0
                ? summaries.reduce((a, x) => Math.max(a, x.value), -Infinity)
                : day.reduce((a, x) => a + x.value, 0);
            return [day.reduce((a, x) => Math.max(a, x.end), -Infinity), value];
          })
        : own.map((x): [number, number] => [x.end, x.value]);
      points.sort((a, b) => a[0] - b[0]);
      return points.length > 0 ? [{ name, points }] : [];
    });
    if (lines.length === 0) return [];
    // Reduced, not spread: a series of raw samples can pass the engine's argument limit.
    const newestMs = lines.reduce((a, l) => l.points.reduce((b, p) => Math.max(b, p[0]), a), -Infinity);
    const maxAgeHours = engine.sensorPolicy[s.metric]?.maxAgeHours ?? 48;
    return [
      {
        id: s.id,
        label: s.label,
        unit: s.unit,
        lines,
        thresholds: thresholdLines(engine, s.id, patientDrugs),
        newest: new Date(newestMs).toISOString(),
        stale: now.getTime() - newestMs > maxAgeHours * HOUR_MS,
        maxAgeHours,
      },
    ];
  });

  // AGP over the 14 days ending at the newest CGM reading (the sensors module windows CGM the same way).
  const glucose = samples.filter((x) => x.concept === 'glucose-cgm' && !x.aggregate);
  let agp: DashboardAgp | undefined;
  if (glucose.length > 0) {
    const end = glucose.reduce((a, x) => Math.max(a, x.end), -Infinity) + 1;
    const start = end - AGP_DAYS * DAY_MS;
    const figures = computeAgp(
      glucose.map((x) => ({
        at: x.end,
        minuteOfDay: (x.hour ?? new Date(x.end).getUTCHours()) * 60 + new Date(x.end).getUTCMinutes(),
        mgdl: x.value,
      })),
      { start, end, intervalMinutes: 5 },
    );
    if (figures) {
      agp = {
        ...figures,
        start: new Date(start).toISOString(),
        end: new Date(end).toISOString(),
        thresholds: thresholdLines(engine, 'glucose', patientDrugs),
      };
    }
  }

  return {
    patient: {
      id: typeof patient?.id === 'string' ? patient.id : '',
      name: nameOf(patient),
      // As the FHIR server sent them: a value that is not a string is left out rather than shown.
      ...(typeof patient?.birthDate === 'string' ? { birthDate: patient.birthDate } : {}),
      ...(typeof patient?.gender === 'string' ? { gender: patient.gender } : {}),
    },
    at: now.toISOString(),
    knowledgeVersion: input.knowledgeVersion,
    thresholdVersion: engine.thresholdVersion,
    versionsInWords: versionsInWords(input.knowledgeVersion, engine.thresholdVersion),
    results: data.pgx.map(resultOf),
    conflicts: data.pgxConflicts.map((c) => ({ gene: c.gene, values: c.results.map((r) => r.value) })),
    medications,
    sensors,
    ...(agp ? { agp } : {}),
    sensorNotes: summary.notes,
  };
}
