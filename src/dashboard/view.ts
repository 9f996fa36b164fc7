/**
 * One patient's dashboard: the same `assess` the cards come from, run on every active and draft medication of the
 * patient's record under the live threshold set, with the PGx results, the sensor series with the active thresholds,
 * and the Ambulatory Glucose Profile. Plain JSON (`DashboardView`), typed for the web client.
 */
import type { FhirResource, MedicationRequest, Patient } from 'fhir/r4';
import { ehrPriorityOf } from '../rules/cpic';
import type { DrugOrder, Finding, GeneResult } from '../rules/cpic';
import { assess, readPatientData } from '../rules/assess';
import type { RuleEngine } from '../rules/engine';
import { resolveAdvisableOrders } from '../rules/safety-rule-drugs';
import { summarizeSensors } from '../sensors';
import type { SensorMetricId } from '../sensors';
import type { JsonObject } from '../sensors/fhir-read';
import { normalizeObservations } from '../sensors/normalize';
import { computeAgp } from './agp';
import type { AgpFigures } from './agp';

export interface DashboardResult {
  readonly gene: string;
  readonly diplotype?: string;
  readonly phenotype: string;
  readonly activityScore?: string;
  /** CPIC's EHR priority notation for the phenotype (e.g. `Abnormal/Priority/High Risk`). */
  readonly priority?: string;
  readonly reportedPhenotype?: string;
  /** True when current CPIC calls a different phenotype than the laboratory reported. */
  readonly reinterpreted: boolean;
  readonly date?: string;
  /** Why the service cannot interpret the gene, when it cannot. */
  readonly uninterpreted?: string;
  /** HLA: the status of each risk allele tested. */
  readonly alleleStatus?: Readonly<Record<string, string>>;
}

export interface DashboardFinding {
  readonly drug: string;
  readonly kind: Finding['kind'];
  readonly action: Finding['action'];
  /** The indicator the live thresholds give (`none`: no card). */
  readonly indicator: string;
  readonly genes: readonly { readonly gene: string; readonly phenotype: string }[];
  /** CPIC's recommendation text, when a CPIC row applies. */
  readonly recommendation?: string;
  readonly implications: readonly string[];
  readonly strength?: string;
  readonly guideline?: { readonly name: string; readonly url: string };
  /** The dose share CPIC's text gives, e.g. 50 for "reduce the dose by 50 %". */
  readonly dosePercent?: number;
  readonly alternatives: readonly string[];
  /** What the sensor rules did, one sentence each. */
  readonly sensorNotes: readonly string[];
}

export interface DashboardMedication {
  readonly ref: string;
  readonly status: 'active' | 'draft';
  readonly display: string;
  readonly findings: readonly DashboardFinding[];
}

export interface SensorThresholdLine {
  readonly value: number;
  readonly label: string;
}

export interface DashboardSeries {
  readonly id: 'resting-heart-rate' | 'home-bp' | 'spo2' | 'sleep' | 'steps';
  readonly label: string;
  readonly unit: string;
  /** One line per series name (`systolic`, `diastolic`, or the label), points as [epoch ms, value]. */
  readonly lines: readonly {
    readonly name: string;
    readonly points: readonly (readonly [number, number])[];
  }[];
  readonly thresholds: readonly SensorThresholdLine[];
  readonly newest?: string;
  /** True when the newest reading is older than the live thresholds allow for the metric. */
  readonly stale: boolean;
  readonly maxAgeHours: number;
}

export interface DashboardAgp extends AgpFigures {
  readonly start: string;
  readonly end: string;
  /** Lines drawn on the profile: the target range and the live rules' glucose limits. */
  readonly thresholds: readonly SensorThresholdLine[];
}

export interface DashboardView {
  readonly patient: {
    readonly id: string;
    readonly name: string;
    readonly birthDate?: string;
    readonly gender?: string;
  };
  readonly at: string;
  readonly knowledgeVersion: string;
  readonly thresholdVersion: string;
  readonly results: readonly DashboardResult[];
  readonly conflicts: readonly { readonly gene: string; readonly values: readonly string[] }[];
  readonly medications: readonly DashboardMedication[];
  readonly sensors: readonly DashboardSeries[];
  readonly agp?: DashboardAgp;
  /** Why sensor data are missing or partial (e.g. consent denies device data). */
  readonly sensorNotes: readonly string[];
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
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
  return {
    gene: r.gene,
    phenotype: r.phenotype,
    reinterpreted: r.reinterpreted,
    ...(r.diplotype ? { diplotype: r.diplotype } : {}),
    ...(r.activityScore ? { activityScore: r.activityScore } : {}),
    ...(priority ? { priority } : {}),
    ...(r.reportedPhenotype ? { reportedPhenotype: r.reportedPhenotype } : {}),
    ...(r.date ? { date: r.date } : {}),
    ...(r.uninterpreted ? { uninterpreted: r.uninterpreted } : {}),
    ...(r.alleleStatus ? { alleleStatus: r.alleleStatus } : {}),
  };
}

function medicationDisplay(request: MedicationRequest): string {
  const concept = request.medicationCodeableConcept;
  return (
    concept?.text ?? concept?.coding?.[0]?.display ?? request.medicationReference?.display ?? 'Medication'
  );
}

/** Dose share of a finding's CPIC row, as a percentage of the usual dose. */
function dosePercentOf(finding: Finding): number | undefined {
  if (finding.kind !== 'recommendation' && finding.kind !== 'warfarin-figure') return undefined;
  const fraction = finding.doseChange?.fraction;
  return fraction === undefined ? undefined : Math.round(fraction * 100);
}

function findingOf(decision: Awaited<ReturnType<typeof assess>>['decisions'][number]): DashboardFinding {
  const f = decision.finding;
  const row = f.kind === 'recommendation' || f.kind === 'warfarin-figure' ? f.row : undefined;
  const guideline =
    row?.guideline ??
    (f.kind === 'pre-test' || f.kind === 'no-row' || f.kind === 'conflict' ? f.guideline : undefined);
  const dosePercent = dosePercentOf(f);
  return {
    drug: f.drug,
    kind: f.kind,
    action: f.action,
    indicator: decision.indicator,
    genes: f.genes.map((g) => ({ gene: g.gene, phenotype: g.phenotype })),
    ...(row ? { recommendation: row.recommendation } : {}),
    implications: row?.implications ?? [],
    ...(row?.strength ? { strength: row.strength } : {}),
    ...(guideline && /^https?:\/\//.test(guideline.url)
      ? { guideline: { name: guideline.name, url: guideline.url } }
      : {}),
    ...(dosePercent === undefined ? {} : { dosePercent }),
    alternatives:
      f.kind === 'recommendation' || f.kind === 'warfarin-figure'
        ? f.alternativeDrugs.map((d) => d.name)
        : [],
    sensorNotes: decision.modifiers.map((m) => m.note),
  };
}

/** The sensor trends charted, the catalogue concepts behind each line, and the metric whose freshness marks it. */
const SERIES: readonly {
  readonly id: DashboardSeries['id'];
  readonly label: string;
  readonly unit: string;
  readonly concepts: readonly { readonly concept: string; readonly name: string }[];
  readonly metric: SensorMetricId;
  /** Sums a day's samples (steps) instead of keeping each reading. */
  readonly daily?: 'sum';
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
    unit: 'mm[Hg]',
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
    id: 'sleep',
    label: 'Sleep',
    unit: 'h',
    concepts: [{ concept: 'sleep-duration', name: 'Sleep' }],
    metric: 'sleep-duration',
  },
  {
    id: 'steps',
    label: 'Daily steps',
    unit: 'steps',
    concepts: [{ concept: 'steps', name: 'Steps' }],
    metric: 'daily-steps',
    daily: 'sum',
  },
];

/**
 * The live rules' limits drawn on a chart: level triggers on the series' own metric, and the cut a share metric
 * counts against (SpO2 below 90 %, glucose below 70 mg/dL), each labelled with what it is.
 */
function thresholdLines(
  engine: RuleEngine,
  seriesId: DashboardSeries['id'] | 'glucose',
): SensorThresholdLine[] {
  const lines: SensorThresholdLine[] = [];
  for (const rule of engine.thresholds.sensorRules) {
    for (const t of rule.triggers) {
      const where = ((): number | undefined => {
        if (seriesId === 'resting-heart-rate' && t.metric === 'resting-heart-rate') return t.value;
        if (seriesId === 'home-bp' && (t.metric === 'home-bp-systolic' || t.metric === 'home-bp-diastolic'))
          return t.value;
        if (seriesId === 'spo2' && t.metric === 'spo2-below-90-share') return 90;
        if (seriesId === 'glucose' && t.metric === 'cgm-time-below-70') return 70;
        if (seriesId === 'glucose' && t.metric === 'cgm-time-below-54') return 54;
        return undefined;
      })();
      if (where === undefined || lines.some((l) => l.value === where)) continue;
      const drugs =
        rule.drugs.length > 2 ? `${rule.drugs[0] ?? ''} and similar medicines` : rule.drugs.join(', ');
      const measure =
        t.metric === 'home-bp-diastolic' ? 'diastolic ' : t.metric === 'home-bp-systolic' ? 'systolic ' : '';
      const side = /^less/.test(t.operator) || where !== t.value ? 'below' : 'above';
      lines.push({ value: where, label: `${drugs}: ${measure}${side} ${where}` });
    }
  }
  return lines;
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
  const medications = requests.map((request, index): DashboardMedication => ({
    ref: `MedicationRequest/${request.id ?? ''}`,
    status: request.status === 'draft' ? 'draft' : 'active',
    display: medicationDisplay(request),
    findings: assessment.decisions.filter((d) => d.finding.order.orderIndex === index).map(findingOf),
  }));

  // Sensor series (the consent decides first: a denial leaves them out, as the rules would).
  const summary = summarizeSensors(data.sensors.kind === 'observations' ? data.sensors.resources : [], now, {
    policy: engine.sensorPolicy,
  });
  const denied = summary.notes.length > 0 && summary.metrics.length === 0;
  const observations = resources.filter((r) => r.resourceType === 'Observation') as unknown as JsonObject[];
  const samples = denied ? [] : normalizeObservations(observations, now.getTime()).samples;
  const since = now.getTime() - TREND_DAYS * DAY_MS;
  const sensors = SERIES.flatMap((s): DashboardSeries[] => {
    const lines = s.concepts.flatMap(({ concept, name }) => {
      const own = samples.filter(
        (x) => x.concept === concept && !x.aggregate && x.end >= since && x.end <= now.getTime(),
      );
      const points =
        s.daily === 'sum'
          ? [...byDay(own).values()].map((day): [number, number] => [
              Math.max(...day.map((x) => x.end)),
              day.reduce((a, x) => a + x.value, 0),
            ])
          : own.map((x): [number, number] => [x.end, x.value]);
      points.sort((a, b) => a[0] - b[0]);
      return points.length > 0 ? [{ name, points }] : [];
    });
    if (lines.length === 0) return [];
    const newestMs = Math.max(...lines.flatMap((l) => l.points.map((p) => p[0])));
    const maxAgeHours = engine.sensorPolicy[s.metric]?.maxAgeHours ?? 48;
    return [
      {
        id: s.id,
        label: s.label,
        unit: s.unit,
        lines,
        thresholds: thresholdLines(engine, s.id),
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
    const end = Math.max(...glucose.map((x) => x.end)) + 1;
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
        thresholds: thresholdLines(engine, 'glucose'),
      };
    }
  }

  return {
    patient: {
      id: patient?.id ?? '',
      name: nameOf(patient),
      ...(patient?.birthDate ? { birthDate: patient.birthDate } : {}),
      ...(patient?.gender ? { gender: patient.gender } : {}),
    },
    at: now.toISOString(),
    knowledgeVersion: input.knowledgeVersion,
    thresholdVersion: engine.thresholdVersion,
    results: data.pgx.map(resultOf),
    conflicts: data.pgxConflicts.map((c) => ({ gene: c.gene, values: c.results.map((r) => r.value) })),
    medications,
    sensors,
    ...(agp ? { agp } : {}),
    sensorNotes: summary.notes,
  };
}
