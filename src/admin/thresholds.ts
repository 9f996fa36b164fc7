/**
 * The informaticist's threshold editor, as pure functions (issue 11 items 1–2): the set as people read it (each value
 * with its meaning, unit and source), validation that explains every problem in words, a readable diff, and the
 * what-if replay of recorded invocations under a draft. Routes: `thresholds-routes.ts`.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { decisionSummary } from '../cards/decision-card';
import { TRIGGER_OPERATOR_WORDS, inSentence, metricName } from '../cards/sensor-text';
import { citationText } from '../rules/citations';
import { createRuleEngine } from '../rules/engine';
import type { RuleEngine } from '../rules/engine';
import { replay } from '../rules/assess';
import type { AssessmentInputs } from '../rules/assess';
import { cpicPairs, cpicPhenotypes, isCpicDrug } from '../rules/cpic';
import { safetyRuleDrugs } from '../rules/safety-rule-drugs';
import { SAFETY_RULE_RXNORM } from '../rules/safety-rule-rxnorm';
import { DEFAULT_THRESHOLDS, ORDER_DOSE, STRENGTHS, thresholdSetSchema } from '../rules/thresholds';
import type { SensorRuleThresholds, ThresholdSet } from '../rules/thresholds';
import { metricUnit } from '../sensors';
import { DECISION_SNAPSHOT_SCHEMA, decisionRuleIds } from '../rules/types';
import type { Decision, Indicator } from '../rules/types';
import type {
  MergeConflict,
  NotPredicted,
  ReplayChange,
  ReplayExample,
  ReplayGroup,
  ReplayReport,
  ThresholdChangeLine,
  ThresholdEntry,
  ThresholdProblem,
} from './thresholds-contract';

export type * from './thresholds-contract';

// ---------------------------------------------------------------------------------------------------------------
// The set as people read it
// ---------------------------------------------------------------------------------------------------------------

// The editor's own values have no guideline behind them: each says so and why, in words. The longer reasons are in
// config/thresholds/README.md ("Why the defaults are what they are").
const INTERRUPTION_SOURCE =
  'Service policy, as CPIC sets no alert levels: the stronger the CPIC recommendation and its action, the louder the card';
const CONFLICT_SOURCE =
  "Service policy: a warning, because a clinician must resolve two disagreeing results before relying on either; louder when the interruption level of CPIC's row for one of the results is (a Strong avoid: critical)";
const PRE_TEST_SOURCE =
  "Service policy: advise a test for CPIC level A pairs only, where CPIC says genetic results should change prescribing; as an info card, because ordering the test is the prescriber's call";
const SAFETY_RULE_SOURCE =
  'Service policy: a safety rule pairs a drug with sensor data outside any CPIC recommendation, so it starts as an info card and only its sensor triggers raise it';

/** Longest a replay computes before it lets hook calls and other requests through (`replayAgainstDraft`). */
export const REPLAY_SLICE_MS = 10;

const EFFECT_WORDS = {
  raise: (steps: number) => `raises the card ${steps === 2 ? 'two steps' : 'one step'}`,
  lower: () => 'lowers the card one step',
  context: () => 'is shown as context only',
} as const;

/** What a CPIC row advises, as the threshold pages say it ("advises standard dosing", not "advises standard"). */
const ADVICE_WORDS: Readonly<Record<string, string>> = {
  avoid: 'avoid',
  'adjust-dose': 'adjust dose',
  monitor: 'monitor',
  standard: 'standard dosing',
};

/** Every value of `set` an informaticist edits, grouped by drug and rule (the sensor rules' drugs; `all drugs`). */
export function describeThresholdSet(set: ThresholdSet): ThresholdEntry[] {
  const entries: ThresholdEntry[] = [];
  for (const strength of STRENGTHS) {
    for (const [action, indicator] of Object.entries(set.interruption[strength])) {
      entries.push({
        path: `interruption.${strength}.${action}`,
        drug: 'all drugs',
        rule: 'CPIC recommendation',
        meaning: `Card for a CPIC ${strength === 'unstated' ? 'row without a strength' : `${strength} row`} that advises ${ADVICE_WORDS[action] ?? action}`,
        value: indicator,
        source: INTERRUPTION_SOURCE,
      });
    }
  }
  entries.push({
    path: 'conflictIndicator',
    drug: 'all drugs',
    rule: 'Conflicting results',
    meaning: 'Card when two current results for one gene disagree',
    value: set.conflictIndicator,
    source: CONFLICT_SOURCE,
  });
  entries.push(
    {
      path: 'preTest.show',
      drug: 'all drugs',
      rule: 'Pre-test advice',
      meaning: 'Advise a test when a gene the drug depends on was never tested',
      value: set.preTest.show,
      source: PRE_TEST_SOURCE,
    },
    {
      path: 'preTest.indicator',
      drug: 'all drugs',
      rule: 'Pre-test advice',
      meaning: 'Card for pre-test advice',
      value: set.preTest.indicator,
      source: PRE_TEST_SOURCE,
    },
    {
      path: 'safetyRuleBaseline',
      drug: 'all drugs',
      rule: 'Safety rules',
      meaning: 'Card a safety rule on sensor data starts at',
      value: set.safetyRuleBaseline,
      source: SAFETY_RULE_SOURCE,
    },
  );
  for (const [drug, o] of Object.entries(set.drugOverrides)) {
    entries.push({
      path: `drugOverrides.${drug}.indicator`,
      drug,
      rule: 'Per-drug override',
      meaning: `Card for ${drug} (${o.actions.join(', ')})`,
      value: o.indicator,
      // The informaticist's own words, shown as written.
      source: o.reason,
    });
  }
  for (const [r, rule] of set.sensorRules.entries()) {
    for (const [i, t] of rule.triggers.entries()) {
      const base = `sensorRules.${String(r)}.triggers.${String(i)}`;
      const metric = metricName(t.metric);
      for (const drug of rule.drugs) {
        entries.push({
          path: `${base}.value`,
          drug,
          rule: rule.id,
          meaning: `${rule.enabled ? '' : '(rule off) '}${metric} ${TRIGGER_OPERATOR_WORDS[t.operator]} this value: ${EFFECT_WORDS[t.effect](t.steps)}`,
          value: t.value,
          unit: t.unit,
          source: citationText(t.source, t.evidence),
        });
      }
    }
  }
  for (const [metric, s] of Object.entries(set.sufficiency)) {
    const name = inSentence(metricName(metric));
    entries.push(
      {
        path: `sufficiency.${metric}.windowDays`,
        drug: 'all drugs',
        rule: `Data sufficiency: ${name}`,
        meaning: `Days of ${name} data a rule looks back over`,
        value: s.windowDays,
        unit: 'd',
        source: citationText(s.source, s.evidence),
      },
      {
        path: `sufficiency.${metric}.minDays`,
        drug: 'all drugs',
        rule: `Data sufficiency: ${name}`,
        meaning: `Days with ${name} data the window must hold`,
        value: s.minDays,
        unit: 'd',
        source: citationText(s.source, s.evidence),
      },
      {
        path: `sufficiency.${metric}.maxAgeHours`,
        drug: 'all drugs',
        rule: `Data sufficiency: ${name}`,
        meaning: `Oldest the newest ${name} sample may be`,
        value: s.maxAgeHours,
        unit: 'h',
        source: citationText(s.source, s.evidence),
      },
    );
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------------------------
// A sensor rule in words
// ---------------------------------------------------------------------------------------------------------------

/** What a trigger's metric is, as a clinician reads it (after `|`: what a change is measured against). */
const METRIC_WORDS: Readonly<Record<string, string>> = {
  'resting-heart-rate': 'resting heart rate',
  'low-heart-rate-events': 'number of low heart rate events',
  'heart-rate-change': 'rise in heart rate|against the 28 days before',
  'spo2-minimum': 'lowest oxygen saturation',
  'spo2-below-90-share': 'share of night-time oxygen saturation readings below 90 %',
  'respiratory-rate': 'respiratory rate',
  'home-bp-systolic': 'mean home systolic blood pressure',
  'home-bp-diastolic': 'mean home diastolic blood pressure',
  'home-bp-systolic-highest': 'highest single home systolic blood pressure reading',
  'home-bp-diastolic-highest': 'highest single home diastolic blood pressure reading',
  'cgm-time-in-range': 'time in range (70–180 mg/dL)',
  'cgm-time-below-54': 'time below 54 mg/dL',
  'cgm-time-below-70': 'time below 70 mg/dL',
  'cgm-time-above-180': 'time above 180 mg/dL',
  'cgm-time-above-250': 'time above 250 mg/dL',
  'cgm-gmi': 'glucose management indicator',
  'cgm-mean-glucose': 'mean glucose',
  'cgm-cv': 'glucose variability (coefficient of variation)',
  'cgm-days-worn': 'days the glucose sensor was worn',
  'cgm-sensor-active': 'share of time the glucose sensor was active',
  'cgm-level2-hypoglycaemia-events': 'number of level 2 hypoglycaemia events',
  'qtc-latest': 'latest QTc',
  'qtc-change': 'rise in QTc|against the earlier baseline',
  'daily-steps': 'daily steps',
  'steps-change': 'change in daily steps|against the 28 days before',
  'sleep-duration': 'sleep duration',
  'sleep-change': 'change in sleep duration|against the 28 days before',
  'inr-latest': 'latest INR',
  [ORDER_DOSE]: 'ordered dose',
};

/** UCUM units as people write them; a count or the INR has none. */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  '1': '',
  '{INR}': '',
  'mm[Hg]': 'mmHg',
  h: 'hours',
  d: 'days',
  '/d': 'per day',
};

/** A trigger's value with its unit as people write it, as the cards do ("60/min", "4 %", "2" for a count). */
export function valueInWords(value: number, unit: string): string {
  const u = UNIT_WORDS[unit] ?? unit;
  return u === '' ? String(value) : u.startsWith('/') ? `${String(value)}${u}` : `${String(value)} ${u}`;
}

/**
 * A sensor rule as the informaticist reads it: to whom it applies, then one sentence per trigger, action first
 * ("Raise the card one step when the resting heart rate over 7 days is below 60/min.").
 */
export function describeSensorRule(
  rule: SensorRuleThresholds,
  set: Pick<ThresholdSet, 'sufficiency'>,
): string[] {
  const genes = Object.entries(rule.phenotypes);
  const lines = [
    `${rule.enabled ? '' : 'Turned off: never applies. '}${rule.safetyRule ? 'Safety rule (not a CPIC/DPWG-actionable pair) for ' : 'For '}${list(rule.drugs)}${
      genes.length === 0
        ? ', whatever the phenotype.'
        : ` when ${genes.map(([gene, ps]) => `${gene} is ${list(ps).replace(/ and ([^,]*)$/, ' or $1')}`).join(', or ')}.`
    }`,
  ];
  if (rule.contraindicated) {
    lines.push(
      `Advise avoiding it, as critical whatever the data, for ${Object.entries(rule.contraindicated.genotypes)
        .map(([gene, ds]) => `${gene} ${ds.join(' or ')}`)
        .join(', ')}.`,
    );
  }
  for (const t of rule.triggers) {
    const act =
      t.effect === 'raise'
        ? `Raise the card ${t.steps === 2 ? 'two steps' : 'one step'}`
        : t.effect === 'lower'
          ? 'Lower the card one step'
          : 'Show as context, never changing the card,';
    const window = t.metric === ORDER_DOSE ? undefined : set.sufficiency[t.metric]?.windowDays;
    const [metric, against] = (METRIC_WORDS[t.metric] ?? t.metric.replace(/-/g, ' ')).split('|');
    const what = `the ${metric ?? ''}${window !== undefined ? ` over the last ${String(window)} days` : ''}${against ? ` ${against}` : ''}`;
    const bound =
      t.upTo !== undefined
        ? `is from ${valueInWords(t.value, t.unit)} to ${valueInWords(t.upTo, t.unit)}`
        : `is ${TRIGGER_OPERATOR_WORDS[t.operator]} ${valueInWords(t.value, t.unit)}`;
    const conditions = [
      ...(t.minAgeYears !== undefined ? [`the patient is ${String(t.minAgeYears)} or older`] : []),
      ...(t.effect === 'lower' && t.requiresContinuingTherapy ? ['the patient already takes the drug'] : []),
      ...(t.effect === 'lower'
        ? t.requiresNoEvents.map((m) => `there were no ${(METRIC_WORDS[m] ?? m).replace(/^number of /, '')}`)
        : []),
    ];
    // Research §2.4 handling rules: such a trigger also acts on too few days of data, and the card says so.
    const lowData =
      t.effect === 'raise' && t.evenWithLowCoverage === true
        ? ', even on too few days of data (the card then says the data were few)'
        : '';
    const provided = `${conditions.length > 0 ? `, if ${list(conditions)}` : ''}${lowData}`;
    // A context trigger at "≥ 0" shows the measure whatever its value: said without a bound.
    const always = t.effect === 'context' && t.operator === 'greaterThanInclusive' && t.value === 0;
    lines.push(
      always
        ? `Show ${what} as context, never changing the card${provided}.`
        : `${act} when ${what} ${bound}${provided}.`,
    );
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation in words
// ---------------------------------------------------------------------------------------------------------------

const RANK: Record<Indicator, number> = { none: 0, info: 1, warning: 2, critical: 3 };

/**
 * Drugs a safety rule may name beyond the CPIC drugs: those the safety-rule RxNorm extract knows and those of the
 * default set's safety rules (gliclazide and glibenclamide are recognised by name only, `safety-rule-drugs.ts`).
 */
const SAFETY_RULE_DRUGS: ReadonlySet<string> = new Set([
  ...SAFETY_RULE_RXNORM.map((c) => c.drug),
  ...safetyRuleDrugs(DEFAULT_THRESHOLDS),
]);

/** A JSON path in words for the messages (`sensorRules.0.triggers.1.value` → `rule R1-…, trigger …: value`). */
function pathInWords(json: unknown, path: readonly PropertyKey[]): string {
  const [head, index, sub, subIndex, ...rest] = path.map(String);
  if (head === 'sensorRules' && index !== undefined) {
    const rules = (json as { sensorRules?: { id?: unknown; triggers?: { id?: unknown }[] }[] }).sensorRules;
    const rule = rules?.[Number(index)];
    const ruleName = typeof rule?.id === 'string' ? rule.id : `number ${String(Number(index) + 1)}`;
    if (sub === 'triggers' && subIndex !== undefined) {
      const trigger = rule?.triggers?.[Number(subIndex)];
      const triggerName =
        typeof trigger?.id === 'string' ? trigger.id : `number ${String(Number(subIndex) + 1)}`;
      return `Sensor rule ${ruleName}, trigger ${triggerName}${rest.length ? `: ${rest.join(' ')}` : ''}`;
    }
    return `Sensor rule ${ruleName}${sub ? `: ${[sub, subIndex, ...rest].filter(Boolean).join(' ')}` : ''}`;
  }
  if (head === 'sufficiency' && index !== undefined) {
    return `Data sufficiency for ${index.replace(/-/g, ' ')}${sub ? `: ${sub}` : ''}`;
  }
  if (head === 'interruption' && index !== undefined) {
    return `Card for a CPIC ${index} row that advises ${sub === undefined ? '' : (ADVICE_WORDS[sub] ?? sub)}`.trim();
  }
  return path.length === 0 ? 'The set' : path.map(String).join(' ');
}

/** zod's message, read as a sentence ending ("must be at most 365"). */
function zodInWords(
  json: unknown,
  issue: { code: string; message: string; path: readonly PropertyKey[] },
): string {
  let input: unknown = json;
  for (const key of issue.path) {
    input =
      input !== null && typeof input === 'object' ? (input as Record<PropertyKey, unknown>)[key] : undefined;
  }
  const given =
    input === undefined || (input !== null && typeof input === 'object')
      ? ''
      : ` (is ${JSON.stringify(input)})`;
  const message = issue.message
    .replace(/^Too big: expected (\w+) to be <=?\s*/, 'must be at most ')
    .replace(/^Too small: expected (\w+) to (have|be) >=?\s*/, 'must be at least ')
    .replace(/^Invalid input: expected (\w+), received (\w+)$/, 'must be a $1, not $2')
    .replace(/^Unrecognized keys?: /, 'has no field ');
  return `${message}${issue.code === 'invalid_type' ? '' : given}`;
}

export interface ValidationOptions {
  /**
   * True when the informaticist acknowledges that the set demotes a contraindication (a CPIC Strong avoid, or a
   * per-drug override of `avoid`) below `warning`: without it such a set is refused.
   */
  readonly acknowledgeDemotion?: boolean;
}

/**
 * Every problem of a candidate set, in words: the schema's (values out of range, wrong types, unknown fields) and the
 * editor's own (a sensor window shorter than its minimum days with data, a trigger unit that does not fit its
 * metric, a percentage outside 0–100, a negative value for a metric that cannot be negative, a contraindication
 * demoted below `warning` without acknowledgement). An empty list: the set may be saved and published.
 */
export function validateThresholdSet(json: unknown, options: ValidationOptions = {}): ThresholdProblem[] {
  const parsed = thresholdSetSchema.safeParse(json);
  if (!parsed.success) {
    return parsed.error.issues.map((i) => ({
      path: i.path.map(String).join('.'),
      message: `${pathInWords(json, i.path)}: ${zodInWords(json, i)}.`,
    }));
  }
  const set = parsed.data;
  const problems: ThresholdProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });

  const ids = set.sensorRules.map((r) => r.id);
  for (const [r, id] of ids.entries()) {
    if (ids.indexOf(id) !== r) add(`sensorRules.${String(r)}.id`, `Sensor rule ${id} is listed twice.`);
  }
  if (set.volume.flags.minFirings > set.volume.flags.lastFirings) {
    add(
      'volume.flags.minFirings',
      `Volume flags: the minimum number of firings (${String(set.volume.flags.minFirings)}) must not exceed the firings looked at (${String(set.volume.flags.lastFirings)}).`,
    );
  }
  for (const [metric, s] of Object.entries(set.sufficiency)) {
    if (s.minDays > s.windowDays) {
      add(
        `sufficiency.${metric}.windowDays`,
        `Data sufficiency for ${metric.replace(/-/g, ' ')}: the window of ${String(s.windowDays)} days is shorter than the ${String(s.minDays)} days with data it requires, so no rule could ever act on it.`,
      );
    }
  }
  for (const [r, rule] of set.sensorRules.entries()) {
    problems.push(...sensorRuleProblems(rule, r));
    for (const [i, t] of rule.triggers.entries()) {
      const path = `sensorRules.${String(r)}.triggers.${String(i)}`;
      const where = `Sensor rule ${rule.id}, trigger ${t.id}`;
      const expected = t.metric === ORDER_DOSE ? undefined : metricUnit(t.metric);
      if (expected !== undefined && expected !== t.unit) {
        add(
          `${path}.unit`,
          `${where}: ${t.metric.replace(/-/g, ' ')} is measured in ${expected}, not ${t.unit}.`,
        );
      }
      const change = t.metric.endsWith('-change');
      if (t.unit === '%' && (t.value < (change ? -100 : 0) || t.value > 100)) {
        add(
          `${path}.value`,
          `${where}: a percentage ${change ? 'change ' : ''}must be between ${change ? '-100' : '0'} and 100 (is ${String(t.value)}).`,
        );
      } else if (!change && t.value < 0) {
        add(
          `${path}.value`,
          `${where}: ${t.metric.replace(/-/g, ' ')} cannot be negative (is ${String(t.value)}).`,
        );
      }
      if (t.upTo !== undefined && t.effect !== 'lower') {
        add(`${path}.upTo`, `${where}: only a trigger that lowers the card has an upper bound.`);
      }
      if (t.upTo !== undefined && t.upTo < t.value) {
        add(
          `${path}.upTo`,
          `${where}: the upper bound ${String(t.upTo)} is below the value ${String(t.value)}.`,
        );
      }
      if (t.metric !== 'order-dose' && !set.sufficiency[t.metric]) {
        add(
          `${path}.metric`,
          `${where}: ${t.metric.replace(/-/g, ' ')} has no data sufficiency entry, so the rule cannot judge its data.`,
        );
      }
    }
  }
  if (!options.acknowledgeDemotion) {
    for (const demotion of contraindicationDemotions(set)) add(demotion.path, demotion.message);
  }
  return problems;
}

const list = (items: readonly string[]): string =>
  items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;

/**
 * The problems of one sensor rule that its schema cannot see, in words: a drug the service never decides on, a gene or
 * phenotype CPIC does not know, a gene CPIC does not pair with the drug (the rule could never apply), two triggers
 * with one id, and trigger settings the rules engine ignores or that leave the trigger unable to fire.
 */
function sensorRuleProblems(rule: SensorRuleThresholds, r: number): ThresholdProblem[] {
  const problems: ThresholdProblem[] = [];
  const at = `sensorRules.${String(r)}`;
  const add = (path: string, message: string) => problems.push({ path: `${at}${path}`, message });
  const name = `Sensor rule ${rule.id}`;
  for (const [d, drug] of rule.drugs.entries()) {
    if (isCpicDrug(drug) || (rule.safetyRule && SAFETY_RULE_DRUGS.has(drug))) continue;
    add(
      `.drugs.${String(d)}`,
      rule.safetyRule
        ? `${name}: ${drug} is neither a CPIC drug nor a drug the safety rules recognise in an order, so the rule would never apply to it.`
        : `${name}: ${drug} is not a CPIC drug, so the service never decides on it and the rule would never apply; a rule for a drug outside CPIC must be marked as a safety rule.`,
    );
  }
  const genes = Object.entries(rule.phenotypes);
  const checkGenes = (
    entries: [string, readonly string[]][],
    field: string,
    what: 'phenotype' | 'genotype',
  ) => {
    for (const [gene, values] of entries) {
      const known = cpicPhenotypes(gene);
      if (!known) {
        add(`.${field}.${gene}`, `${name}: ${gene} is not a gene in the CPIC data.`);
        continue;
      }
      if (what !== 'phenotype') continue;
      const unknown = values.filter((p) => !known.includes(p));
      if (unknown.length > 0) {
        add(
          `.${field}.${gene}`,
          `${name}: ${list(unknown.map((p) => `"${p}"`))} ${unknown.length === 1 ? 'is not a phenotype' : 'are not phenotypes'} CPIC gives ${gene}; it has ${list(known.map((p) => `"${p}"`))}.`,
        );
      }
    }
  };
  checkGenes(genes, 'phenotypes', 'phenotype');
  checkGenes(Object.entries(rule.contraindicated?.genotypes ?? {}), 'contraindicated.genotypes', 'genotype');
  if (!rule.safetyRule && genes.length > 0) {
    for (const drug of rule.drugs.filter(isCpicDrug)) {
      const paired = cpicPairs(drug).map((p) => p.gene);
      if (!genes.some(([gene]) => paired.includes(gene))) {
        add(
          '.phenotypes',
          `${name}: CPIC pairs ${drug} with ${list(paired)}, not with ${list(genes.map(([g]) => g))}, so the rule would never apply to ${drug}.`,
        );
      }
    }
  }
  const ids = rule.triggers.map((t) => t.id);
  for (const [i, t] of rule.triggers.entries()) {
    const path = `.triggers.${String(i)}`;
    const where = `${name}, trigger ${t.id}`;
    if (ids.indexOf(t.id) !== i) add(`${path}.id`, `${name}: trigger ${t.id} is listed twice.`);
    if (t.evenWithLowCoverage === true && t.effect !== 'raise') {
      add(
        `${path}.evenWithLowCoverage`,
        `${where}: only a trigger that raises the card can act on too little data; on a trigger that ${t.effect === 'lower' ? 'lowers the card' : 'gives context'} it would be ignored.`,
      );
    }
    if (t.effect !== 'lower') {
      if (t.requiresContinuingTherapy || t.requiresNoEvents.length > 0) {
        add(
          path,
          `${where}: only a trigger that lowers the card can require continuing therapy or no events; on a trigger that ${t.effect === 'raise' ? 'raises the card' : 'gives context'} the requirement would be ignored.`,
        );
      }
      continue;
    }
    if (t.steps !== 1)
      add(`${path}.steps`, `${where}: a trigger that lowers the card lowers it one step only.`);
    if (t.upTo !== undefined && (t.operator === 'lessThan' || t.operator === 'lessThanInclusive')) {
      add(
        `${path}.operator`,
        `${where}: a range from ${String(t.value)} to ${String(t.upTo)} needs "greaterThanInclusive" or "greaterThan" (the value is its lower end).`,
      );
    } else if (t.upTo !== undefined && t.operator === 'greaterThan' && t.upTo === t.value) {
      add(
        `${path}.upTo`,
        `${where}: no value is above ${String(t.value)} and at most ${String(t.upTo)}, so the trigger could never fire.`,
      );
    }
  }
  return problems;
}

/** Where `set` gives a contraindication (CPIC Strong avoid, or an `avoid` a per-drug override covers) less than `warning`. */
export function contraindicationDemotions(set: ThresholdSet): ThresholdProblem[] {
  const found: ThresholdProblem[] = [];
  const suffix =
    'Tick the acknowledgement to confirm that prescribers will no longer be interrupted for a contraindicated drug.';
  if (RANK[set.interruption.Strong.avoid] < RANK.warning) {
    found.push({
      path: 'interruption.Strong.avoid',
      message: `A CPIC Strong "avoid" (a contraindication) would give ${set.interruption.Strong.avoid === 'none' ? 'no card' : `an ${set.interruption.Strong.avoid} card`}. ${suffix}`,
    });
  }
  for (const [drug, o] of Object.entries(set.drugOverrides)) {
    if (o.actions.includes('avoid') && RANK[o.indicator] < RANK.warning) {
      found.push({
        path: `drugOverrides.${drug}.indicator`,
        message: `The override for ${drug} would give "avoid" advice ${o.indicator === 'none' ? 'no card' : `an ${o.indicator} card`}. ${suffix}`,
      });
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// Diff
// ---------------------------------------------------------------------------------------------------------------

/**
 * Every leaf value by its path. Items of a list keyed by their own ids (sensor rules, their triggers) are named `#id`,
 * so removing or adding a rule does not shift the ones after it, as in the merge below.
 */
function leaves(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  const at = (key: string) => (prefix ? `${prefix}.${key}` : key);
  if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, at(k), out);
  } else if (byId(value)) {
    for (const v of value) leaves(v, at(`#${v.id as string}`), out);
  } else if (Array.isArray(value) && value.some((v) => v !== null && typeof v === 'object')) {
    for (const [i, v] of value.entries()) leaves(v, `${prefix}.${String(i)}`, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

const shown = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Every value that differs between `from` and `to` (the version label and description aside), in words, in the set's order. */
export function diffThresholdSets(from: ThresholdSet, to: ThresholdSet): ThresholdChangeLine[] {
  return [...changesById(from, to).values()];
}

/** The changes from `from` to `to`, each by its path with rules and triggers named by id (`leaves`). */
function changesById(from: ThresholdSet, to: ThresholdSet): Map<string, ThresholdChangeLine> {
  const a = leaves(from, '', new Map());
  const b = leaves(to, '', new Map());
  const lines = new Map<string, ThresholdChangeLine>();
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    if (path === 'version' || path === 'description') continue;
    const before = a.get(path);
    const after = b.get(path);
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    // Named in the set that has the value: the one after, unless the change removed it.
    const named = b.has(path) ? to : from;
    const indexed = indexedPath(named, path.split('.')) ?? path.split('.');
    const where = pathInWords(named, indexed);
    lines.set(path, {
      path: indexed.join('.'),
      ...(a.has(path) ? { from: before } : {}),
      ...(b.has(path) ? { to: after } : {}),
      text: !a.has(path)
        ? `${where}: added, ${shown(after)}.`
        : !b.has(path)
          ? `${where}: removed (was ${shown(before)}).`
          : `${where}: ${shown(before)} → ${shown(after)}.`,
    });
  }
  return lines;
}

/**
 * What publishing `draft` (made from `base`) would do to what `inForce` changed since `base`: each value the version in
 * force changed and the draft did not, which publishing would put back (`undone`), and each value both changed
 * differently, which publishing would replace (`replaced`); both in words, as changes from the set in force.
 */
export function changesUndone(
  base: ThresholdSet,
  draft: ThresholdSet,
  inForce: ThresholdSet,
): { undone: ThresholdChangeLine[]; replaced: ThresholdChangeLine[] } {
  const own = changesById(base, draft);
  const theirs = changesById(base, inForce);
  const publishing = [...changesById(inForce, draft)].filter(([path]) => theirs.has(path));
  return {
    undone: publishing.filter(([path]) => !own.has(path)).map(([, c]) => c),
    replaced: publishing.filter(([path]) => own.has(path)).map(([, c]) => c),
  };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
/** An array whose items are objects each with its own string `id` (sensor rules, their triggers): merged by id. */
const byId = (v: unknown): v is Record<string, unknown>[] =>
  Array.isArray(v) &&
  v.every((x) => isRecord(x) && typeof x.id === 'string') &&
  new Set(v.map((x) => (x as { id: string }).id)).size === v.length;

/**
 * A three-way merge over the JSON of a threshold set: the draft's own changes (from `base` to `draft`) carried onto
 * `inForce`. Objects merge key by key, sensor rules and their triggers by id (so a rule added or removed on either side
 * does not shift the others), anything else as one value. Where both sides changed the same value differently, the
 * version in force's value is kept and the conflict is returned with the three values. `version` and `description`
 * are the caller's to set.
 */
export function mergeThresholdSets(
  base: ThresholdSet,
  draft: ThresholdSet,
  inForce: ThresholdSet,
): { set: Record<string, unknown>; conflicts: MergeConflict[] } {
  const conflicts: { path: string[]; base: unknown; draft: unknown; inForce: unknown }[] = [];
  const merge = (b: unknown, o: unknown, t: unknown, path: string[]): unknown => {
    if (same(o, t)) return o;
    if (same(o, b)) return t;
    if (same(t, b)) return o;
    if (isRecord(o) && isRecord(t)) {
      const bb = isRecord(b) ? b : {};
      const out: Record<string, unknown> = {};
      for (const key of new Set([...Object.keys(t), ...Object.keys(o)])) {
        const v = merge(bb[key], o[key], t[key], [...path, key]);
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
    if (byId(o) && byId(t) && (b === undefined || byId(b))) {
      const find = (list: Record<string, unknown>[] | undefined, id: string) =>
        list?.find((x) => x.id === id);
      const ids = [...new Set([...t.map((x) => x.id as string), ...o.map((x) => x.id as string)])];
      const out: unknown[] = [];
      for (const id of ids) {
        const v = merge(find(b, id), find(o, id), find(t, id), [...path, `#${id}`]);
        if (v !== undefined) out.push(v);
      }
      return out;
    }
    conflicts.push({ path, base: b, draft: o, inForce: t });
    return t;
  };
  const { version: _v, description: _d, ...ours } = draft;
  const { version: _bv, description: _bd, ...baseRest } = base;
  const { version: _tv, description: _td, ...theirs } = inForce;
  const set = merge(baseRest, ours, theirs, []) as Record<string, unknown>;
  return {
    set,
    conflicts: conflicts.map((c) => {
      // The path as indexes into the merged set (or the draft, for a rule the version in force no longer has), for the
      // words and the page.
      const indexed = indexedPath(set, c.path) ?? indexedPath(draft, c.path) ?? c.path;
      const words = pathInWords(indexedPath(set, c.path) ? set : draft, indexed);
      const v = (x: unknown) => (x === undefined ? 'absent' : shown(x));
      return {
        path: indexed.join('.'),
        base: c.base,
        draft: c.draft,
        inForce: c.inForce,
        text: `${words}: the draft changed it from ${v(c.base)} to ${v(c.draft)}, the version in force to ${v(c.inForce)}; the draft now has the version in force's ${v(c.inForce)}.`,
      };
    }),
  };
}

/** `#id` segments (merge by id) as array indexes in `json`; undefined when an id is not there. */
function indexedPath(json: unknown, path: readonly string[]): string[] | undefined {
  const out: string[] = [];
  let node: unknown = json;
  for (const key of path) {
    if (key.startsWith('#')) {
      if (!Array.isArray(node)) return undefined;
      const i = node.findIndex((x) => isRecord(x) && x.id === key.slice(1));
      if (i < 0) return undefined;
      out.push(String(i));
      node = node[i] as unknown;
    } else {
      out.push(key);
      node = isRecord(node) ? node[key] : undefined;
    }
  }
  return out;
}

/**
 * What a replay cannot predict from recorded calls: each metric whose window or minimum days of data the draft changes
 * (the calls recorded figures computed over the old window, which the draft's engine reads as context only), with the
 * sensor rules that read it. Empty when the draft changes neither.
 */
export function unpredictableChanges(
  live: ThresholdSet,
  draft: ThresholdSet,
): { sentences: string[]; rules: Set<string> } {
  const sentences: string[] = [];
  const rules = new Set<string>();
  const metrics = new Set([...Object.keys(live.sufficiency), ...Object.keys(draft.sufficiency)]);
  for (const metric of metrics) {
    const a = (live.sufficiency as Record<string, { windowDays: number; minDays: number } | undefined>)[
      metric
    ];
    const b = (draft.sufficiency as Record<string, { windowDays: number; minDays: number } | undefined>)[
      metric
    ];
    const parts: string[] = [];
    if (a?.windowDays !== b?.windowDays)
      parts.push(`its window from ${String(a?.windowDays ?? '—')} to ${String(b?.windowDays ?? '—')} days`);
    if (a?.minDays !== b?.minDays)
      parts.push(
        `the days with data it needs from ${String(a?.minDays ?? '—')} to ${String(b?.minDays ?? '—')}`,
      );
    if (parts.length === 0) continue;
    const readers = [...live.sensorRules, ...draft.sensorRules]
      .filter((r) => r.triggers.some((t) => t.metric === metric))
      .map((r) => r.id);
    for (const id of readers) rules.add(id);
    const name = inSentence(metricName(metric));
    sentences.push(
      `The draft changes ${name}: ${parts.join(' and ')}. Recorded calls hold figures over the old window, so what ${
        readers.length === 0 ? 'this changes' : [...new Set(readers)].join(', ')
      } would do cannot be predicted from them.`,
    );
  }
  return { sentences, rules };
}

// ---------------------------------------------------------------------------------------------------------------
// What-if replay
// ---------------------------------------------------------------------------------------------------------------

/** Examples kept per group. */
export const MAX_EXAMPLES = 3;

interface MutableGroup {
  key: string;
  label: string;
  appear: number;
  disappear: number;
  change: number;
  same: number;
  examples: ReplayExample[];
}

function isAssessmentInputs(value: unknown): value is AssessmentInputs {
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as { schema?: unknown }).schema === DECISION_SNAPSHOT_SCHEMA &&
    Array.isArray((value as { orders?: unknown }).orders)
  );
}

function pairsOf(d: Decision): string[] {
  const f = d.finding;
  const genes = [
    ...f.genes.map((g) => g.gene),
    ...(f.kind === 'pre-test' ? f.untested.map((u) => u.gene) : []),
  ];
  return genes.length === 0 ? [f.drug] : [...new Set(genes)].map((g) => `${f.drug}|${g}`);
}

/** A rule id in words: CPIC findings by kind, drug and genes; sensor and safety rules by their own ids. */
function ruleLabel(ruleId: string, d: Decision): string {
  if (!ruleId.startsWith('cpic:')) return ruleId.replace(/^safety:/, 'Safety rule ');
  const f = d.finding;
  const genes = [...new Set(f.genes.map((g) => g.gene))].join(', ');
  const what: Record<Decision['finding']['kind'], string> = {
    recommendation: 'CPIC recommendation',
    'warfarin-figure': 'CPIC warfarin dosing figure',
    'pre-test': 'Pre-test advice',
    'no-row': 'CPIC, no matching recommendation',
    conflict: 'Conflicting results',
    'safety-rule': 'Safety rule',
  };
  return `${what[f.kind]} for ${f.drug}${genes ? ` (${genes})` : ''}`;
}

/** Identity of a decision across the two runs: the finding's drug, action, rule and genes. */
function decisionKey(d: Decision): string {
  const f = d.finding;
  return JSON.stringify([f.kind, f.drug, f.action, decisionRuleIds(d)[0], f.genes.map((g) => g.gene)]);
}

/** One decision compared under two sets: what it would read, and the rule and pair groups it counts in. */
export interface ComparedDecision {
  readonly change: ReplayChange | 'same';
  readonly from: Indicator;
  readonly to: Indicator;
  readonly rules: readonly { readonly key: string; readonly label: string }[];
  readonly pairs: readonly string[];
  /** The card summary as it would read under the second set (as it read, for one that would disappear); '' when unchanged. */
  readonly summary: string;
}

/**
 * The decisions of one assessment under two sets, matched by finding; decisions without a card under either are left
 * out.
 */
export function compareDecisions(
  before: readonly Decision[],
  after: readonly Decision[],
): ComparedDecision[] {
  const afterByKey = new Map(after.map((d) => [decisionKey(d), d]));
  const seen = new Set<string>();
  const matched: [Decision | undefined, Decision | undefined][] = [];
  for (const b of before) {
    const key = decisionKey(b);
    seen.add(key);
    matched.push([b, afterByKey.get(key)]);
  }
  for (const a of after) if (!seen.has(decisionKey(a))) matched.push([undefined, a]);
  const compared: ComparedDecision[] = [];
  for (const [b, a] of matched) {
    const from: Indicator = b?.indicator ?? 'none';
    const to: Indicator = a?.indicator ?? 'none';
    if (from === 'none' && to === 'none') continue;
    const decision = (to === 'none' ? b : a) as Decision;
    const keys = new Set([...(b ? decisionRuleIds(b) : []), ...(a ? decisionRuleIds(a) : [])]);
    const change = from === to ? 'same' : from === 'none' ? 'appear' : to === 'none' ? 'disappear' : 'change';
    compared.push({
      change,
      from,
      to,
      rules: [...keys].map((key) => ({ key, label: ruleLabel(key, decision) })),
      pairs: pairsOf(decision),
      // Only a card that would change is ever shown as an example.
      summary: change === 'same' ? '' : decisionSummary(decision),
    });
  }
  return compared;
}

/** Counts compared decisions per rule and per drug–gene pair, with up to `MAX_EXAMPLES` different examples each. */
export function tallyComparisons(
  compared: Iterable<ComparedDecision>,
): Pick<ReplayReport, 'totals' | 'byRule' | 'byPair'> {
  const rules = new Map<string, MutableGroup>();
  const pairs = new Map<string, MutableGroup>();
  const totals = { appear: 0, disappear: 0, change: 0, same: 0 };
  const groupOf = (map: Map<string, MutableGroup>, key: string, label: string): MutableGroup => {
    let g = map.get(key);
    if (!g) {
      g = { key, label, appear: 0, disappear: 0, change: 0, same: 0, examples: [] };
      map.set(key, g);
    }
    return g;
  };
  for (const c of compared) {
    const kind = c.change;
    totals[kind] += 1;
    const groups = [
      ...c.rules.map((r) => groupOf(rules, r.key, r.label)),
      ...c.pairs.map((k) => groupOf(pairs, k, k.replace('|', ' – '))),
    ];
    for (const g of groups) {
      g[kind] += 1;
      if (kind === 'same' || g.examples.length >= MAX_EXAMPLES) continue;
      if (!g.examples.some((x) => x.summary === c.summary && x.from === c.from && x.to === c.to)) {
        const example: ReplayExample = { change: kind, from: c.from, to: c.to, summary: c.summary };
        g.examples.push(example);
      }
    }
  }
  const ordered = (map: Map<string, MutableGroup>): ReplayGroup[] =>
    [...map.values()].sort(
      (x, y) =>
        y.appear + y.disappear + y.change - (x.appear + x.disappear + x.change) || x.key.localeCompare(y.key),
    );
  return { totals, byRule: ordered(rules), byPair: ordered(pairs) };
}

/**
 * Runs recorded assessments under the published engine and under the draft, through the same `assess` core, and
 * counts per rule and per drug–gene pair how many cards would appear, disappear or change indicator. Both runs read
 * the same recorded inputs, so every difference is the draft's doing. Inputs of another schema are skipped.
 * It runs in the process that serves hook calls: every `REPLAY_SLICE_MS` it lets them through (a replay of 10,000
 * calls takes seconds, during which an order-sign call once waited 5.7 s).
 */
export async function replayAgainstDraft(
  recorded: readonly unknown[],
  published: RuleEngine,
  draft: ThresholdSet | RuleEngine,
  clock: () => number = () => performance.now(),
): Promise<ReplayReport> {
  const started = clock();
  const draftEngine = 'evaluate' in draft ? draft : createRuleEngine(draft);
  const compared: ComparedDecision[] = [];
  let replayed = 0;
  let slice = started;
  for (const inputs of recorded) {
    if (clock() - slice > REPLAY_SLICE_MS) {
      await nextTurn();
      slice = clock();
    }
    const run = await compareRecorded(inputs, published, draftEngine);
    if (!run) continue;
    replayed += 1;
    compared.push(...run);
  }
  const { predicted, notPredicted } = setAsideUnpredictable(
    compared,
    published.thresholds,
    draftEngine.thresholds,
  );
  return {
    published: published.thresholdVersion,
    draft: draftEngine.thresholdVersion,
    invocations: recorded.length,
    replayed,
    ...tallyComparisons(predicted),
    ...(notPredicted ? { notPredicted } : {}),
    elapsedMs: Math.round(clock() - started),
  };
}

/**
 * The comparisons a replay or shadow run can stand by, and those it cannot (`unpredictableChanges`): a level change
 * made by a rule reading a measure whose window or days of data the draft changes is an artefact of figures recorded
 * over the old window, so it is set aside and reported, never counted as predicted.
 */
export function setAsideUnpredictable(
  compared: readonly ComparedDecision[],
  live: ThresholdSet,
  draft: ThresholdSet,
): { predicted: ComparedDecision[]; notPredicted?: NotPredicted } {
  const unpredictable = unpredictableChanges(live, draft);
  if (unpredictable.sentences.length === 0) return { predicted: [...compared] };
  const predicted: ComparedDecision[] = [];
  const byRule = new Map<string, { key: string; label: string; cards: number }>();
  let cards = 0;
  for (const c of compared) {
    // A modifier's key is `rule:trigger`; a safety rule's finding is keyed by the rule itself.
    const unknown =
      c.change === 'same' ? [] : c.rules.filter((r) => unpredictable.rules.has(r.key.split(':')[0] ?? r.key));
    if (unknown.length === 0) {
      predicted.push(c);
      continue;
    }
    cards += 1;
    for (const r of unknown) {
      const g = byRule.get(r.key) ?? { ...r, cards: 0 };
      g.cards += 1;
      byRule.set(r.key, g);
    }
  }
  return {
    predicted,
    notPredicted: {
      reasons: unpredictable.sentences,
      rules: [...unpredictable.rules].sort(),
      cards,
      byRule: [...byRule.values()],
    },
  };
}

/** One recorded assessment under both engines, compared; undefined for inputs of another schema. */
export async function compareRecorded(
  inputs: unknown,
  live: RuleEngine,
  other: RuleEngine,
): Promise<ComparedDecision[] | undefined> {
  if (!isAssessmentInputs(inputs)) return undefined;
  return compareWithLive(inputs, (await replay(inputs, live)).decisions, other);
}

/**
 * The decisions a call made under the set in force against those its recorded inputs give under `other`; undefined
 * for inputs of another schema. Shadow mode calls it with the live call's own decisions, so only `other` is assessed.
 */
export async function compareWithLive(
  inputs: unknown,
  live: readonly Decision[],
  other: RuleEngine,
): Promise<ComparedDecision[] | undefined> {
  if (!isAssessmentInputs(inputs)) return undefined;
  return compareDecisions(live, (await replay(inputs, other)).decisions);
}
