/**
 * Actionability thresholds as data (issue 5 item 1): which CPIC strength × action interrupts and at what CDS Hooks
 * indicator (https://cds-hooks.hl7.org/2.0/#card-attributes), which phenotypes count as actionable, per-drug
 * overrides, the pre-test alert policy, and every sensor threshold, window and sufficiency limit the rules engine
 * uses. A ThresholdSet is plain JSON, validated by `thresholdSetSchema`, versioned and stored by the store; the
 * engine reads values from it, so editing a threshold needs no code change. See README.md in this folder.
 *
 * Sensor values and their source strings come from `shared/research/wearables-in-fhir.md` §2.2 (rule table) and
 * §2.4 (sufficiency); where the research says "design choice" or "(verify)" the value is kept and its evidence is
 * labelled `design` / `consensus`.
 */
import { z } from 'zod';
import { ehrPriorityOf } from './cpic';
import type { DecisionAction, Severity } from './types';
import { SENSOR_METRIC_IDS } from '../sensors/types';

/** A card indicator, or `none`: no card (`Decision.shown` false). */
export type Indicator = Severity | 'none';

const SEVERITIES = ['info', 'warning', 'critical'] as const satisfies readonly Severity[];
const INDICATORS = ['none', ...SEVERITIES] as const;
/** Actions a CPIC row can ask for (`order-test` has its own policy, `preTest`). */
const ROW_ACTIONS = [
  'avoid',
  'adjust-dose',
  'monitor',
  'standard',
] as const satisfies readonly DecisionAction[];
const ALL_ACTIONS = [...ROW_ACTIONS, 'order-test'] as const satisfies readonly DecisionAction[];
/** CPIC strengths as `recommendations.json` normalizes them, plus `unstated` (informational rows, warfarin figure). */
export const STRENGTHS = ['Strong', 'Moderate', 'Optional', 'No recommendation', 'unstated'] as const;
export type StrengthKey = (typeof STRENGTHS)[number];

/** The order's own dose (`DrugOrder.dose`) as a trigger input, in the trigger's `unit`. */
export const ORDER_DOSE = 'order-dose';

const text = z.string().trim().min(1, 'must be a non-empty string');
const indicator = z.enum(INDICATORS, { error: `must be one of ${INDICATORS.join(', ')}` });
const severity = z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(', ')}` });
const evidence = z.enum(['guideline', 'label', 'consensus', 'design'], {
  error: 'must be one of guideline, label, consensus, design',
});
const drugName = text.regex(/^[a-z0-9][a-z0-9 ,/()-]*$/, 'must be a lower-case CPIC drug name');

const strengthRow = z.strictObject(
  Object.fromEntries(ROW_ACTIONS.map((a) => [a, indicator])) as Record<
    (typeof ROW_ACTIONS)[number],
    typeof indicator
  >,
);

const trigger = z.strictObject({
  /** Short id, unique within its rule (`resting-hr-below-60`); the modifier's rule id is `<rule id>:<trigger id>`. */
  id: text.regex(/^[a-z0-9-]+$/, 'must be lower-case letters, digits and dashes'),
  /** A sensor aggregate (`SensorAggregate.metric`) or `order-dose`. */
  metric: z.enum([...SENSOR_METRIC_IDS, ORDER_DOSE], {
    error: `must be a sensor metric id or ${ORDER_DOSE}`,
  }),
  /** json-rules-engine operator comparing the metric's value with `value`. */
  operator: z.enum(['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'], {
    error: 'must be lessThan, lessThanInclusive, greaterThan or greaterThanInclusive',
  }),
  value: z.number({ error: 'must be a number' }),
  /** Only with `lower`: the upper bound of the reassuring range (`value` ≤ metric ≤ `upTo`). */
  upTo: z.number({ error: 'must be a number' }).optional(),
  /** Unit of `value` (UCUM, as the aggregate carries it; for `order-dose`, the dose unit code the order must use). */
  unit: text,
  /** `raise` moves the card up `steps`; `lower` down one step; `context` only informs. */
  effect: z.enum(['raise', 'lower', 'context'], { error: 'must be raise, lower or context' }),
  steps: z.union([z.literal(1), z.literal(2)], { error: 'must be 1 or 2' }).default(1),
  /** Fires only for patients at least this old (e.g. the consensus' "older / high-risk" targets). */
  minAgeYears: z.number().int().min(0).optional(),
  /** `lower` only: fires only when the patient already takes the drug (research §2.3 R1: "for a new order the baseline is kept"). */
  requiresContinuingTherapy: z.boolean().default(false),
  /** `lower` only: metrics that must not show any event (e.g. `low-heart-rate-events` = 0). */
  requiresNoEvents: z.array(z.enum(SENSOR_METRIC_IDS)).default([]),
  evidence,
  source: text,
});

const sensorRule = z.strictObject({
  /** Stable rule id shown on cards and recorded per invocation, e.g. `R1-metoprolol-resting-hr`. */
  id: text.regex(/^R\d+[a-z0-9-]*$/, 'must start with R<number>'),
  enabled: z.boolean(),
  /** Lower-case CPIC drug names the rule applies to. */
  drugs: z.array(drugName).min(1, 'must name at least one drug'),
  /** Gene → phenotypes; the rule applies when any listed gene has one of its phenotypes. Empty: any phenotype. */
  phenotypes: z.record(text, z.array(text).min(1)).default({}),
  /** True for rules that are not a CPIC/DPWG-actionable pair (the card must say "safety rule"). */
  safetyRule: z.boolean().default(false),
  triggers: z.array(trigger).min(1, 'must have at least one trigger'),
});

const sufficiency = z.strictObject({
  /**
   * The window the sensors module aggregates over (days). An aggregate spanning less than 80 % of it is not used
   * (research §2.4: an aggregate must overlap ≥ 80 % of the rule window).
   */
  windowDays: z.number().positive(),
  /** Minimum patient-local days with data in the window. */
  minDays: z.number().int().min(0).default(0),
  /** Minimum samples in the window. */
  minReadings: z.number().int().min(0).default(0),
  /** Minimum share of the window with data, 0..1 (CGM: readings / possible readings). */
  minCoverage: z.number().min(0).max(1).default(0),
  /** Newest sample at most this many hours before the hook's time. */
  maxAgeHours: z.number().positive(),
  evidence,
  source: text,
});

/** Runtime schema of a ThresholdSet; `parseThresholdSet` reports problems as `path: message`. */
export const thresholdSetSchema = z.strictObject({
  /** Version label recorded on every decision and invocation, e.g. `default-2026-11-22`. */
  version: text.max(100, 'must be at most 100 characters'),
  description: text.optional(),
  /** Indicator per CPIC strength × action. */
  interruption: z.strictObject(
    Object.fromEntries(STRENGTHS.map((s) => [s, strengthRow])) as Record<StrengthKey, typeof strengthRow>,
  ),
  /** Results for one gene that disagree (CPIC module `conflict` decisions). */
  conflictIndicator: indicator,
  actionablePhenotypes: z.strictObject({
    /** CPIC EHR priority notations (`genes.json` `ehrPriority`) that count as actionable. */
    ehrPriorityNotations: z.array(text),
    /** Gene → phenotypes counted as actionable in addition to the notations. */
    additional: z.record(text, z.array(text)).default({}),
  }),
  /** Per-drug re-grading or silencing of a card the matrix shows. */
  drugOverrides: z
    .record(
      drugName,
      z.strictObject({
        indicator,
        /** Actions the override applies to (default: every action but `standard`). */
        actions: z.array(z.enum(ALL_ACTIONS)).default(['avoid', 'adjust-dose', 'monitor', 'order-test']),
        reason: text,
      }),
    )
    .default({}),
  preTest: z.strictObject({
    show: z.boolean(),
    indicator: severity,
    /** CPIC pair levels (first letter, `A`/`B`) whose untested gene gives a pre-test alert. */
    levels: z.array(z.enum(['A', 'B'], { error: 'must be A or B' })),
  }),
  /** Indicator a safety-rule decision (not a CPIC pair, e.g. R8) starts at. */
  safetyRuleBaseline: indicator,
  sensorRules: z.array(sensorRule),
  /** Per metric: the window, sufficiency and freshness an aggregate must meet before any rule acts on it. */
  sufficiency: z.partialRecord(z.enum(SENSOR_METRIC_IDS), sufficiency),
});

export type ThresholdSet = z.infer<typeof thresholdSetSchema>;
export type SensorRuleThresholds = ThresholdSet['sensorRules'][number];
export type SensorTrigger = SensorRuleThresholds['triggers'][number];
export type SufficiencyThresholds = z.infer<typeof sufficiency>;

/**
 * Validates JSON (e.g. a stored version) as a ThresholdSet.
 * @throws Error listing every problem as `field.path: message`.
 */
export function parseThresholdSet(json: unknown): ThresholdSet {
  const parsed = thresholdSetSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`,
    );
    throw new Error(`invalid threshold set: ${problems.join('; ')}`);
  }
  const set = parsed.data;
  const ids = set.sensorRules.map((r) => r.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new Error(`invalid threshold set: sensorRules: duplicate rule id ${duplicate}`);
  for (const [r, rule] of set.sensorRules.entries()) {
    for (const [i, t] of rule.triggers.entries()) {
      const where = `invalid threshold set: sensorRules.${String(r)}.triggers.${String(i)}`;
      if (t.upTo !== undefined && t.effect !== 'lower') {
        throw new Error(`${where}.upTo: only a lower trigger has a range`);
      }
      if (t.upTo !== undefined && t.upTo < t.value) throw new Error(`${where}.upTo: must not be below value`);
      if (t.metric !== ORDER_DOSE && !set.sufficiency[t.metric]) {
        throw new Error(`${where}.metric: no sufficiency entry for ${t.metric}`);
      }
    }
  }
  return set;
}

/** Keys sorted at every level, so equal sets serialize to equal text. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Canonical JSON of a ThresholdSet: keys sorted at every level, no whitespace; stable for storing and diffing. */
export function serializeThresholdSet(set: ThresholdSet): string {
  return JSON.stringify(sortKeys(set));
}

/** What the store offers (structural, so `src/rules` does not import `src/store`). */
export interface PublishedThresholdsSource {
  publishedThresholds(): Promise<{ version: string; json: string } | undefined>;
}

/**
 * The published ThresholdSet, or DEFAULT_THRESHOLDS when none is published.
 * @throws when the published JSON is not a valid ThresholdSet or its version differs from the stored version
 *   (a corrupt store must fail loudly, not fall back silently).
 */
export async function loadPublishedThresholds(store: PublishedThresholdsSource): Promise<ThresholdSet> {
  const published = await store.publishedThresholds();
  if (!published) return DEFAULT_THRESHOLDS;
  const set = parseThresholdSet(JSON.parse(published.json));
  if (set.version !== published.version) {
    throw new Error(
      `published threshold set ${published.version} holds version ${set.version}: refusing to use it`,
    );
  }
  return set;
}

/**
 * Whether a phenotype counts as actionable: its CPIC EHR priority notation is one of the set's notations, or the set
 * names it. A phenotype CPIC gives no notation for (HLA allele status, genes without `ehrPriority`) counts as
 * actionable: the filter only hides what CPIC itself calls routine.
 */
export function isActionablePhenotype(thresholds: ThresholdSet, gene: string, phenotype: string): boolean {
  if (thresholds.actionablePhenotypes.additional[gene]?.includes(phenotype)) return true;
  const notation = ehrPriorityOf(gene, phenotype);
  return notation === undefined || thresholds.actionablePhenotypes.ehrPriorityNotations.includes(notation);
}

// ---------------------------------------------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------------------------------------------

const RESEARCH = 'shared/research/wearables-in-fhir.md';

/** Research §2.2 R1: CPIC 2024 β-blocker guideline + DPWG metoprolol; bradycardia cut-offs. */
const R1_SOURCE =
  'CPIC 2024 β-blocker guideline (Duarte et al., Clin Pharmacol Ther 116:939–947; PMID 38951961): PMs have "greater exposure and lower heart rate"; DPWG metoprolol (PharmGKB PA166104995)';
const QTC_SOURCE =
  'Citalopram label: discontinue if persistent QTc > 500 ms; AHA/ACCF 2010 "Prevention of Torsade de Pointes in Hospital Settings" (Drew et al., Circulation 121:1047): QTc > 500 ms or increase > 60 ms = high risk';
const TIR_CONSENSUS =
  'International Consensus on Time in Range (Battelino et al., Diabetes Care 2019;42:1593): TBR < 70 < 4 %, < 54 < 1 %; older/high-risk TBR < 70 < 1 %; ≥ 14 days and ≥ 70 % data';

/**
 * The default thresholds (version `default-2026-11-22`).
 *
 * Interruption (issue 5 defaults): a Strong avoid → `critical`; other Strong or Moderate changes (avoid, adjust-dose,
 * monitor) → `warning`; Optional → `info`; standard dosing → no card. Choices where the issue is silent: CPIC "No
 * recommendation" rows → `info` (CPIC states no recommendation, so nothing to interrupt for); rows without a stated
 * strength (informational copy-number rows, the warfarin figure, whose strength badges are not linked to its boxes)
 * → `warning` for avoid / dose change, `info` for monitor; conflicting results → `warning` (a clinician must resolve
 * them before relying on either).
 *
 * Pre-test alerts: shown, as `info`, for CPIC level A pairs only. CPIC level A means genetic information *should* be
 * used to change prescribing (level B: *could*), and CPIC's own per-drug CDS flow charts (cpic-data
 * `src/main/design/diagram/workflow-uml/*_cds.puml`; `test_alert` rows with `cdsContext: Pre-test`, see
 * shared/research/pgx-fhir-and-cds-landscape.md §2) fire a pre-test alert when no result is on file. `info`, not
 * `warning`: CPIC guidelines address how to use a result once available; ordering the test is the clinician's call, so
 * the alert informs and never interrupts (the level wording is CPIC's level definition, cpicpgx.org/levels — verify).
 *
 * Actionable phenotypes: CPIC's EHR priority notation `Abnormal/Priority/High Risk` (genes.json `ehrPriority`).
 */
export const DEFAULT_THRESHOLDS: ThresholdSet = parseThresholdSet({
  version: 'default-2026-11-22',
  description:
    'Issue 5 defaults: Strong avoid → critical; other Strong/Moderate changes → warning; Optional → info; standard → no card; sensor rules R1–R12 of the wearables research §2.2 with §2.4 sufficiency.',
  interruption: {
    Strong: { avoid: 'critical', 'adjust-dose': 'warning', monitor: 'warning', standard: 'none' },
    Moderate: { avoid: 'warning', 'adjust-dose': 'warning', monitor: 'warning', standard: 'none' },
    Optional: { avoid: 'info', 'adjust-dose': 'info', monitor: 'info', standard: 'none' },
    'No recommendation': { avoid: 'info', 'adjust-dose': 'info', monitor: 'info', standard: 'none' },
    unstated: { avoid: 'warning', 'adjust-dose': 'warning', monitor: 'info', standard: 'none' },
  },
  conflictIndicator: 'warning',
  actionablePhenotypes: { ehrPriorityNotations: ['Abnormal/Priority/High Risk'], additional: {} },
  drugOverrides: {},
  preTest: { show: true, indicator: 'info', levels: ['A'] },
  safetyRuleBaseline: 'info',
  sensorRules: [
    {
      id: 'R1-metoprolol-resting-hr',
      enabled: true,
      drugs: ['metoprolol'],
      phenotypes: { CYP2D6: ['Poor Metabolizer', 'Intermediate Metabolizer'] },
      triggers: [
        {
          id: 'resting-hr-below-60',
          metric: 'resting-heart-rate',
          operator: 'lessThan',
          value: 60,
          unit: '/min',
          effect: 'raise',
          steps: 1,
          evidence: 'guideline',
          source: `${R1_SOURCE}; < 60 /min conventional bradycardia definition (${RESEARCH} §2.2 R1)`,
        },
        {
          id: 'resting-hr-below-50',
          metric: 'resting-heart-rate',
          operator: 'lessThan',
          value: 50,
          unit: '/min',
          effect: 'raise',
          steps: 2,
          evidence: 'consensus',
          source: `${R1_SOURCE}; bradycardia < 50 /min per 2018 ACC/AHA/HRS bradycardia guideline (verify) (${RESEARCH} §2.2 R1)`,
        },
        {
          id: 'low-hr-events',
          metric: 'low-heart-rate-events',
          operator: 'greaterThanInclusive',
          value: 2,
          unit: '1',
          effect: 'raise',
          steps: 2,
          evidence: 'consensus',
          source: `${R1_SOURCE}; ≥ 2 low-HR events in 7 d → critical (${RESEARCH} §2.2 R1)`,
        },
        {
          id: 'resting-hr-in-range',
          metric: 'resting-heart-rate',
          operator: 'greaterThanInclusive',
          value: 65,
          upTo: 80,
          unit: '/min',
          effect: 'lower',
          steps: 1,
          requiresContinuingTherapy: true,
          requiresNoEvents: ['low-heart-rate-events'],
          evidence: 'design',
          source: `${RESEARCH} §2.3 R1: PM on stable metoprolol > 4 weeks, 7-day median resting HR 65–80, no low-HR events → may drop one step; a new order keeps the baseline`,
        },
      ],
    },
    {
      id: 'R3-ssri-qtc-hr',
      enabled: true,
      drugs: ['citalopram', 'escitalopram'],
      phenotypes: { CYP2C19: ['Poor Metabolizer', 'Likely Poor Metabolizer'] },
      triggers: [
        {
          id: 'qtc-above-500',
          metric: 'qtc-latest',
          operator: 'greaterThan',
          value: 500,
          unit: 'ms',
          effect: 'raise',
          steps: 2,
          evidence: 'label',
          source: `${QTC_SOURCE} (${RESEARCH} §2.2 R3; confirm with 12-lead ECG, §2.3)`,
        },
        {
          id: 'qtc-rise-above-60',
          metric: 'qtc-change',
          operator: 'greaterThan',
          value: 60,
          unit: 'ms',
          effect: 'raise',
          steps: 2,
          evidence: 'consensus',
          source: `${QTC_SOURCE} (${RESEARCH} §2.2 R3)`,
        },
        {
          id: 'resting-hr-below-50',
          metric: 'resting-heart-rate',
          operator: 'lessThan',
          value: 50,
          unit: '/min',
          effect: 'raise',
          steps: 1,
          evidence: 'label',
          source: `FDA 2011/2012 citalopram safety communications: not recommended with bradycardia (${RESEARCH} §2.2 R3)`,
        },
        {
          id: 'citalopram-dose-above-20mg',
          metric: ORDER_DOSE,
          operator: 'greaterThan',
          value: 20,
          unit: 'mg',
          effect: 'raise',
          steps: 1,
          evidence: 'label',
          source: `FDA 2011/2012 citalopram safety communications: max 20 mg/day for CYP2C19 PMs (${RESEARCH} §2.2 R3); a single dose above 20 mg exceeds 20 mg/day`,
        },
      ],
    },
    {
      id: 'R4-tca-qtc-hr',
      enabled: true,
      drugs: [
        'amitriptyline',
        'clomipramine',
        'desipramine',
        'doxepin',
        'imipramine',
        'nortriptyline',
        'trimipramine',
      ],
      phenotypes: { CYP2D6: ['Poor Metabolizer'], CYP2C19: ['Poor Metabolizer'] },
      triggers: [
        {
          id: 'qtc-above-500',
          metric: 'qtc-latest',
          operator: 'greaterThan',
          value: 500,
          unit: 'ms',
          effect: 'raise',
          steps: 2,
          evidence: 'label',
          source: `${QTC_SOURCE} (QTc as R3: ${RESEARCH} §2.2 R4)`,
        },
        {
          id: 'qtc-rise-above-60',
          metric: 'qtc-change',
          operator: 'greaterThan',
          value: 60,
          unit: 'ms',
          effect: 'raise',
          steps: 2,
          evidence: 'consensus',
          source: `${QTC_SOURCE} (QTc as R3: ${RESEARCH} §2.2 R4)`,
        },
        {
          id: 'resting-hr-rise-20',
          metric: 'heart-rate-change',
          operator: 'greaterThanInclusive',
          value: 20,
          unit: '/min',
          effect: 'raise',
          steps: 1,
          evidence: 'design',
          source: `${RESEARCH} §2.2 R4: resting-HR median ≥ 20 /min above the pre-drug 28-day median; a design choice (anticholinergic tachycardia), label-level only`,
        },
      ],
    },
    {
      id: 'R6-opioid-respiratory',
      enabled: true,
      drugs: ['codeine', 'tramadol'],
      phenotypes: {
        CYP2D6: ['Ultrarapid Metabolizer', 'Normal Metabolizer', 'Intermediate Metabolizer'],
      },
      triggers: [
        {
          id: 'nocturnal-spo2-below-90',
          metric: 'spo2-below-90-share',
          operator: 'greaterThanInclusive',
          value: 10,
          unit: '%',
          effect: 'raise',
          steps: 1,
          evidence: 'design',
          source: `${RESEARCH} §2.2 R6: nocturnal SpO2 < 90 % for a sustained period (clinical convention, design); "sustained" taken as ≥ 10 % of nocturnal readings (design choice); FDA boxed warning on ultra-rapid metabolism, label: OSA patients "may be particularly sensitive to respiratory depressant effects"`,
        },
        {
          id: 'respiratory-rate-below-10',
          metric: 'respiratory-rate',
          operator: 'lessThan',
          value: 10,
          unit: '/min',
          effect: 'raise',
          steps: 1,
          evidence: 'design',
          source: `${RESEARCH} §2.2 R6: RR < 10 /min (clinical convention, design)`,
        },
      ],
    },
    {
      id: 'R7-nsaid-home-bp',
      enabled: true,
      drugs: ['celecoxib', 'flurbiprofen', 'ibuprofen', 'lornoxicam', 'meloxicam', 'piroxicam', 'tenoxicam'],
      phenotypes: { CYP2C9: ['Intermediate Metabolizer', 'Poor Metabolizer'] },
      triggers: [
        {
          id: 'home-sbp-mean-130',
          metric: 'home-bp-systolic',
          operator: 'greaterThanInclusive',
          value: 130,
          unit: 'mm[Hg]',
          effect: 'raise',
          steps: 1,
          evidence: 'consensus',
          source: `ACC/AHA 2017 hypertension guideline home-BP thresholds (verify): 7-day mean ≥ 130/80 mm[Hg] (${RESEARCH} §2.2 R7); CPIC NSAID guideline (Theken et al. 2020): CV adverse events`,
        },
        {
          id: 'home-dbp-mean-80',
          metric: 'home-bp-diastolic',
          operator: 'greaterThanInclusive',
          value: 80,
          unit: 'mm[Hg]',
          effect: 'raise',
          steps: 1,
          evidence: 'consensus',
          source: `ACC/AHA 2017 hypertension guideline home-BP thresholds (verify): 7-day mean ≥ 130/80 mm[Hg] (${RESEARCH} §2.2 R7)`,
        },
      ],
    },
    {
      id: 'R8-sulfonylurea-cgm',
      enabled: true,
      drugs: ['glimepiride', 'glipizide', 'glyburide', 'glibenclamide', 'gliclazide', 'tolbutamide'],
      phenotypes: { CYP2C9: ['Intermediate Metabolizer', 'Poor Metabolizer'] },
      safetyRule: true,
      triggers: [
        {
          id: 'tbr-below-70-over-4',
          metric: 'cgm-time-below-70',
          operator: 'greaterThan',
          value: 4,
          unit: '%',
          effect: 'raise',
          steps: 1,
          evidence: 'consensus',
          source: `Safety rule, not a CPIC/DPWG-actionable pair. ${TIR_CONSENSUS} (${RESEARCH} §2.2 R8)`,
        },
        {
          id: 'tbr-below-54-over-1',
          metric: 'cgm-time-below-54',
          operator: 'greaterThan',
          value: 1,
          unit: '%',
          effect: 'raise',
          steps: 1,
          evidence: 'consensus',
          source: `Safety rule, not a CPIC/DPWG-actionable pair. ${TIR_CONSENSUS} (${RESEARCH} §2.2 R8)`,
        },
        {
          id: 'older-tbr-below-70-over-1',
          metric: 'cgm-time-below-70',
          operator: 'greaterThan',
          value: 1,
          unit: '%',
          effect: 'raise',
          steps: 1,
          minAgeYears: 65,
          evidence: 'consensus',
          source: `Safety rule, not a CPIC/DPWG-actionable pair. ${TIR_CONSENSUS}; "older" taken as ≥ 65 years (design choice) (${RESEARCH} §2.2 R8)`,
        },
        {
          id: 'level2-hypoglycaemia-event',
          metric: 'cgm-level2-hypoglycaemia-events',
          operator: 'greaterThanInclusive',
          value: 1,
          unit: '1',
          effect: 'raise',
          steps: 2,
          evidence: 'consensus',
          source: `Safety rule, not a CPIC/DPWG-actionable pair. ≥ 1 level-2 event (≥ 15 min < 54 mg/dL) in 14 d → critical; consensus event definition (Battelino 2019/2023, verify) (${RESEARCH} §2.2 R8)`,
        },
      ],
    },
    {
      id: 'R9-warfarin-inr',
      enabled: true,
      drugs: ['warfarin'],
      phenotypes: {},
      triggers: [
        {
          id: 'inr-above-4',
          metric: 'inr-latest',
          operator: 'greaterThan',
          value: 4,
          unit: '{INR}',
          effect: 'raise',
          steps: 1,
          evidence: 'consensus',
          source: `INR action thresholds from anticoagulation protocols (ACCP, verify): INR > 4 in last 7 d → +1 (${RESEARCH} §2.2 R9; home device, not wearable)`,
        },
        {
          id: 'inr-at-least-5',
          metric: 'inr-latest',
          operator: 'greaterThanInclusive',
          value: 5,
          unit: '{INR}',
          effect: 'raise',
          steps: 2,
          evidence: 'consensus',
          source: `INR action thresholds from anticoagulation protocols (ACCP, verify): INR ≥ 5 → critical (${RESEARCH} §2.2 R9)`,
        },
        {
          id: 'inr-below-1-5',
          metric: 'inr-latest',
          operator: 'lessThan',
          value: 1.5,
          unit: '{INR}',
          effect: 'context',
          steps: 1,
          evidence: 'consensus',
          source: `INR < 1.5 → info (${RESEARCH} §2.2 R9; anticoagulation protocols, verify); shown as context because the order's start day is unknown`,
        },
      ],
    },
    {
      id: 'R10-statin-steps',
      enabled: true,
      drugs: [
        'atorvastatin',
        'fluvastatin',
        'lovastatin',
        'pitavastatin',
        'pravastatin',
        'rosuvastatin',
        'simvastatin',
      ],
      phenotypes: { SLCO1B1: ['Decreased Function', 'Possible Decreased Function', 'Poor Function'] },
      triggers: [
        {
          id: 'steps-fall-30',
          metric: 'steps-change',
          operator: 'lessThanInclusive',
          value: -30,
          unit: '%',
          effect: 'context',
          steps: 1,
          evidence: 'design',
          source: `Exploratory, no guideline: sustained ≥ 30 % fall in 14-day median steps vs the 28 days before → "ask about muscle symptoms", never changes dose or indicator (${RESEARCH} §2.2 R10)`,
        },
      ],
    },
    {
      id: 'R12-ssri-sleep',
      enabled: true,
      drugs: ['citalopram', 'escitalopram', 'fluvoxamine', 'paroxetine', 'sertraline', 'vortioxetine'],
      phenotypes: {},
      triggers: [
        {
          id: 'sleep-duration',
          metric: 'sleep-duration',
          operator: 'greaterThanInclusive',
          value: 0,
          unit: 'h',
          effect: 'context',
          steps: 1,
          evidence: 'design',
          source: `No guideline link; sleep changes are non-specific: display only, never escalate (${RESEARCH} §2.2 R12)`,
        },
      ],
    },
  ],
  sufficiency: {
    'resting-heart-rate': {
      windowDays: 7,
      minDays: 4,
      maxAgeHours: 72,
      evidence: 'design',
      source: `${RESEARCH} §2.4 resting HR: 7 d, ≥ 4 of 7 days with a daily value, newest ≤ 72 h (design choice)`,
    },
    'low-heart-rate-events': {
      windowDays: 7,
      maxAgeHours: 168,
      evidence: 'design',
      source: `${RESEARCH} §2.2 R1: low-HR events counted over 7 d; an event is evidence on its own (§2.4 handling rules)`,
    },
    'heart-rate-change': {
      windowDays: 7,
      minDays: 4,
      maxAgeHours: 72,
      evidence: 'design',
      source: `${RESEARCH} §2.4 HR change vs baseline: 7 d vs 28 d, ≥ 4 days in each window, newest ≤ 72 h (design choice)`,
    },
    'spo2-below-90-share': {
      windowDays: 7,
      minDays: 3,
      maxAgeHours: 168,
      evidence: 'design',
      source: `${RESEARCH} §2.4 SpO2 (nocturnal): 7 d, ≥ 3 nights with ≥ 4 h, ≤ 7 d (design choice)`,
    },
    'respiratory-rate': {
      windowDays: 7,
      minDays: 3,
      maxAgeHours: 168,
      evidence: 'design',
      source: `${RESEARCH} §2.4 resp. rate (nocturnal): 7 d, ≥ 3 nights with ≥ 4 h, ≤ 7 d (design choice)`,
    },
    'home-bp-systolic': {
      windowDays: 7,
      minDays: 4,
      minReadings: 12,
      maxAgeHours: 168,
      evidence: 'consensus',
      source: `${RESEARCH} §2.4 home BP: ≥ 12 readings over ≥ 4 days, AM + PM, newest ≤ 7 d; ACC/AHA 2017 home BP protocol (verify)`,
    },
    'home-bp-diastolic': {
      windowDays: 7,
      minDays: 4,
      minReadings: 12,
      maxAgeHours: 168,
      evidence: 'consensus',
      source: `${RESEARCH} §2.4 home BP: ≥ 12 readings over ≥ 4 days, AM + PM, newest ≤ 7 d; ACC/AHA 2017 home BP protocol (verify)`,
    },
    'cgm-time-below-70': {
      windowDays: 14,
      minDays: 14,
      minCoverage: 0.7,
      maxAgeHours: 336,
      evidence: 'consensus',
      source: `${RESEARCH} §2.4 CGM: 14 d, ≥ 14 days of wear and ≥ 70 % of possible readings, window end ≤ 14 d old (Battelino 2019 consensus)`,
    },
    'cgm-time-below-54': {
      windowDays: 14,
      minDays: 14,
      minCoverage: 0.7,
      maxAgeHours: 336,
      evidence: 'consensus',
      source: `${RESEARCH} §2.4 CGM: 14 d, ≥ 14 days of wear and ≥ 70 % of possible readings, window end ≤ 14 d old (Battelino 2019 consensus)`,
    },
    'cgm-level2-hypoglycaemia-events': {
      windowDays: 14,
      maxAgeHours: 336,
      evidence: 'consensus',
      source: `${RESEARCH} §2.4 CGM hypoglycaemia event: any 15-min run < 54 mg/dL in data actually present, ≤ 14 d (Battelino 2019/2023, verify)`,
    },
    'qtc-latest': {
      windowDays: 30,
      minReadings: 1,
      maxAgeHours: 720,
      evidence: 'label',
      source: `${RESEARCH} §2.4 QTc: 30 d, ≥ 1 value from a multi-lead device, ≤ 30 d (label wording "persistent")`,
    },
    'qtc-change': {
      windowDays: 30,
      minReadings: 2,
      maxAgeHours: 720,
      evidence: 'label',
      source: `${RESEARCH} §2.4 QTc: 2 values for "persistent"/change, ≤ 30 d`,
    },
    'steps-change': {
      windowDays: 14,
      minDays: 10,
      maxAgeHours: 168,
      evidence: 'design',
      source: `${RESEARCH} §2.4 steps: 14 d vs 28 d, ≥ 10 of 14 days, ≤ 7 d (design choice)`,
    },
    'sleep-duration': {
      windowDays: 14,
      minDays: 10,
      maxAgeHours: 168,
      evidence: 'design',
      source: `${RESEARCH} §2.4 sleep: 14 d, ≥ 10 of 14 days, ≤ 7 d (design choice)`,
    },
    'inr-latest': {
      windowDays: 7,
      minReadings: 1,
      maxAgeHours: 168,
      evidence: 'consensus',
      source: `${RESEARCH} §2.2 R9: last value ≤ 7 d old`,
    },
  },
});
