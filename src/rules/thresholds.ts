/**
 * Actionability thresholds as data (issue 5 item 1): which CPIC strength × action interrupts and at what CDS Hooks
 * indicator (https://cds-hooks.hl7.org/2.0/#card-attributes), which phenotypes count as actionable, per-drug
 * overrides, the pre-test alert policy, and every sensor threshold, window and sufficiency limit the rules engine
 * uses. A ThresholdSet is plain JSON, validated by `thresholdSetSchema`, versioned and stored by the store; the
 * engine reads values from it, so editing a threshold needs no code change. See README.md in this folder.
 *
 * The default set is a data file, `config/thresholds/default-2026-12-03.json` (`DEFAULT_THRESHOLDS`), validated by the
 * same schema as a published set. Its sensor values and their source strings come from the wearables research note
 * §2.2 (rule table) and §2.4 (sufficiency), copied in `knowledge/sensor-thresholds.json`; where the research says
 * "design choice" or "(verify)" the value is kept and its evidence is labelled `design` / `consensus`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ehrPriorityOf } from './cpic';
import type { DecisionAction, Severity } from './types';
import { SENSOR_METRIC_IDS } from '../sensors/types';
import type { MetricPolicy, SensorMetricId, SensorPolicy } from '../sensors/types';

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
/**
 * Where a value comes from, as the set's author writes it: shown on cards and pages after `citationsOf`
 * (`rules/citations.ts`) cleans it. The longest in the shipped sets is 338 characters.
 */
export const SOURCE_MAX_LENGTH = 2000;
const source = text.max(SOURCE_MAX_LENGTH, `must be at most ${String(SOURCE_MAX_LENGTH)} characters`);
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
  /**
   * `raise` only: acts also on an aggregate that is fresh but `insufficient` (too few days or readings), and the card
   * says the data were low. Research §2.4 handling rules: "No escalation from insufficient data *except* single events
   * that are themselves sufficient evidence (… HR < 40 /min) — those escalate even with low coverage but say so".
   * Optional, not defaulted, so sets stored before the field read back unchanged. Stale data never act.
   */
  evenWithLowCoverage: z.boolean().optional(),
  evidence,
  source,
});

/** Runtime schema of one sensor rule (its JSON Schema is served at `GET /api/thresholds/schema`). */
export const sensorRuleSchema = z.strictObject({
  /** Stable rule id shown on cards and recorded per invocation, e.g. `R1-metoprolol-resting-hr`. */
  id: text.regex(/^R\d[a-z0-9-]*$/, 'must start with R<number>'),
  enabled: z.boolean(),
  /** Lower-case CPIC drug names the rule applies to. */
  drugs: z.array(drugName).min(1, 'must name at least one drug'),
  /** Gene → phenotypes; the rule applies when any listed gene has one of its phenotypes. Empty: any phenotype. */
  phenotypes: z.record(text, z.array(text).min(1)).default({}),
  /** True for rules that are not a CPIC/DPWG-actionable pair (the card must say "safety rule"). */
  safetyRule: z.boolean().default(false),
  /**
   * Safety rules only: genotypes for which the drug's label contraindicates the drug (gene → diplotypes as CPIC
   * writes them, e.g. `*3/*3`, order-insensitive). Such a patient gets an "avoid" card, critical, that sensor data
   * never change (research §2.4 item 4); `source` is the label text it rests on.
   */
  contraindicated: z.strictObject({ genotypes: z.record(text, z.array(text).min(1)), source }).optional(),
  triggers: z.array(trigger).min(1, 'must have at least one trigger'),
});

const sufficiency = z.strictObject({
  /**
   * The window the sensors module aggregates over (days; `sensorPolicyOf`). The engine uses an aggregate only when
   * its window spans 0.8–1.2 × this (research §2.4: an aggregate must overlap ≥ 80 % of the rule window).
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
  source,
});

const rate = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');

/**
 * The alert-volume policy (`src/feedback/volume.ts`, issue 10 item 2): how long an acknowledged advice stays quiet,
 * how far order-sign lowers it, how long order-select keeps returning the same card, and when a rule is flagged to
 * the informaticist. Every number is a design choice anchored on the alert-volume research
 * (`knowledge/research/next-capabilities.md` §1–2); `config/thresholds/README.md` says which anchor each rests on.
 */
const volume = z.strictObject({
  /**
   * Days an advice overridden (CDS feedback) or rated "shown too often" for a patient + drug stays acknowledged: not
   * shown again at order-select, `orderSignSteps` lower at order-sign. 0 turns the policy off.
   */
  acknowledgedDays: z.number().int().min(0).max(365),
  /** Indicator steps an acknowledged advice is lowered at order-sign (never below `info`; 0: not lowered). */
  orderSignSteps: z.union([z.literal(0), z.literal(1), z.literal(2)], { error: 'must be 0, 1 or 2' }),
  /** Minutes order-select returns the same card (same uuid) to the same user editing the same draft order. */
  orderSelectCardMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  /** When a rule is flagged to the informaticist with a proposed demotion (never applied automatically). */
  flags: z.strictObject({
    /** The rule's most recent firings (cards shown) the rates are computed over. */
    lastFirings: z.number().int().min(1),
    /** Fewer firings than this: not judged (a rate over a handful of cards says little). */
    minFirings: z.number().int().min(1),
    /** Share of those cards overridden at or above which the rule is flagged. */
    overrideRate: rate,
    /** Share of those cards rated "not useful" at or above which the rule is flagged. */
    notUsefulRate: rate,
  }),
  evidence,
  source,
});

/** Runtime schema of a ThresholdSet; `parseThresholdSet` reports problems as `path: message`. */
export const thresholdSetSchema = z.strictObject({
  /** Version label recorded on every decision and invocation, e.g. `default-2026-11-29`. */
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
  /**
   * The "Pharmacogenomic check incomplete" card an order hook gives when the PGx results could not be read in time
   * (issue 9 item 5: `info` or `warning` as the set decides). Default `warning` (config/thresholds/README.md).
   */
  incompleteCheck: z
    .strictObject({
      indicator: z.enum(['info', 'warning'], { error: 'must be info or warning' }),
    })
    .default({ indicator: 'warning' }),
  sensorRules: z.array(sensorRuleSchema),
  /**
   * Per metric: the window, sufficiency and freshness an aggregate must meet before any rule acts on it. The sensors
   * module computes the metric over this window with these limits (`sensorPolicyOf`); metrics not listed keep the
   * sensors module's defaults.
   */
  sufficiency: z.partialRecord(z.enum(SENSOR_METRIC_IDS), sufficiency),
  /** The alert-volume policy (acknowledged advice, order-select card cache, rule flags). */
  volume,
});

export type ThresholdSet = z.infer<typeof thresholdSetSchema>;
export type SensorRuleThresholds = ThresholdSet['sensorRules'][number];
export type SensorTrigger = SensorRuleThresholds['triggers'][number];
export type SufficiencyThresholds = z.infer<typeof sufficiency>;
export type VolumeThresholds = z.infer<typeof volume>;

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
  if (set.volume.flags.minFirings > set.volume.flags.lastFirings) {
    throw new Error('invalid threshold set: volume.flags.minFirings: must not exceed lastFirings');
  }
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

/**
 * The set's `sufficiency` as the sensors module's policy (`summarizeSensors(resources, at, { policy })`): per listed
 * metric its window, freshness and limits, so the aggregate a rule reads is computed over the rule's own window and
 * lengthening a window lengthens the computation. Metrics the set does not list keep the sensors module's defaults.
 */
export function sensorPolicyOf(thresholds: ThresholdSet): SensorPolicy {
  const policy: Partial<Record<SensorMetricId, MetricPolicy>> = {};
  for (const metric of SENSOR_METRIC_IDS) {
    const entry = thresholds.sufficiency[metric];
    if (!entry) continue;
    const { windowDays, maxAgeHours, minDays, minReadings, minCoverage } = entry;
    policy[metric] = { windowDays, maxAgeHours, minDays, minReadings, minCoverage };
  }
  return policy;
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

/** A stored threshold set: its version and JSON text, as the store keeps it. */
export interface StoredThresholdSet {
  readonly version: string;
  readonly json: string;
}

/** What the store offers (structural, so `src/rules` does not import `src/store`). */
export interface PublishedThresholdsSource {
  published(): Promise<StoredThresholdSet | undefined>;
}

/**
 * Validates a stored set: its text is JSON, the JSON a valid ThresholdSet, and the set's `version` the stored version.
 * @throws Error saying which (`parseThresholdSet` names every bad field).
 */
export function parseStoredThresholdSet(stored: StoredThresholdSet): ThresholdSet {
  let json: unknown;
  try {
    json = JSON.parse(stored.json);
  } catch (err) {
    throw new Error(
      `threshold set ${stored.version} is not JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const set = parseThresholdSet(json);
  if (set.version !== stored.version) {
    throw new Error(
      `published threshold set ${stored.version} holds version ${set.version}: refusing to use it`,
    );
  }
  return set;
}

/**
 * The published ThresholdSet, or DEFAULT_THRESHOLDS when none is published.
 * @throws when the published JSON is not a valid ThresholdSet or its version differs from the stored version
 *   (a corrupt store must fail loudly, not fall back silently).
 */
export async function loadPublishedThresholds(source: PublishedThresholdsSource): Promise<ThresholdSet> {
  const published = await source.published();
  return published ? parseStoredThresholdSet(published) : DEFAULT_THRESHOLDS;
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

/**
 * Folder of the threshold-set files shipped with the service, `config/thresholds/` at the package root. Resolved
 * from this file's folder, which is `src/rules` (tsx, jest) or `dist/rules` (`npm start`, the Docker image): both
 * are two levels below the package root, so no build step copies the files.
 */
export const THRESHOLDS_DIR = path.resolve(__dirname, '..', '..', 'config', 'thresholds');

/** The default set's file, named by its version (a test keeps name and `version` in step). */
export const DEFAULT_THRESHOLDS_FILE = path.join(THRESHOLDS_DIR, 'default-2026-12-03.json');

/**
 * Reads and validates a ThresholdSet file.
 * @throws Error naming the file and every problem (`parseThresholdSet`), or the JSON syntax error.
 */
export function readThresholdSetFile(file: string): ThresholdSet {
  try {
    return parseThresholdSet(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * The default thresholds, used until an informaticist publishes a set: `config/thresholds/default-2026-12-03.json`.
 * Its choices (issue 5 matrix, where the issue is silent, pre-test policy, sensor sources) are explained in
 * `config/thresholds/README.md`; each sensor value carries its source in the file.
 */
export const DEFAULT_THRESHOLDS: ThresholdSet = readThresholdSetFile(DEFAULT_THRESHOLDS_FILE);
