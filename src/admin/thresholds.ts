/**
 * The informaticist's threshold editor, as pure functions (issue 11 items 1–2): the set as people read it (each value
 * with its meaning, unit and source), validation that explains every problem in words, a readable diff, and the
 * what-if replay of recorded invocations under a draft. Routes: `thresholds-routes.ts`.
 */
import { decisionSummary } from '../cards/decision-card';
import { metricName } from '../cards/sensor-text';
import { citationText } from '../rules/citations';
import { createRuleEngine } from '../rules/engine';
import type { RuleEngine } from '../rules/engine';
import { replay } from '../rules/assess';
import type { AssessmentInputs } from '../rules/assess';
import { DEFAULT_THRESHOLDS, STRENGTHS, thresholdSetSchema } from '../rules/thresholds';
import type { ThresholdSet } from '../rules/thresholds';
import { DECISION_SNAPSHOT_SCHEMA, decisionRuleIds } from '../rules/types';
import type { Decision, Indicator } from '../rules/types';
import type {
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
  'Service policy: a warning, because a clinician must resolve two disagreeing results before relying on either';
const PRE_TEST_SOURCE =
  "Service policy: advise a test for CPIC level A pairs only, where CPIC says genetic results should change prescribing; as an info card, because ordering the test is the prescriber's call";
const SAFETY_RULE_SOURCE =
  'Service policy: a safety rule pairs a drug with sensor data outside any CPIC recommendation, so it starts as an info card and only its sensor triggers raise it';

const OPERATOR_WORDS: Record<string, string> = {
  lessThan: 'below',
  lessThanInclusive: 'at or below',
  greaterThan: 'above',
  greaterThanInclusive: 'at or above',
};

const EFFECT_WORDS = {
  raise: (steps: number) => `raises the card ${steps === 2 ? 'two steps' : 'one step'}`,
  lower: () => 'lowers the card one step',
  context: () => 'is shown as context only',
} as const;

/** A metric's name inside a sentence: "Latest QTc" → "latest QTc", "CGM time below 70 mg/dL" stays. */
function inSentence(name: string): string {
  return /^[A-Z][a-z]/.test(name) ? `${name.charAt(0).toLowerCase()}${name.slice(1)}` : name;
}

/** Every value of `set` an informaticist edits, grouped by drug and rule (the sensor rules' drugs; `all drugs`). */
export function describeThresholdSet(set: ThresholdSet): ThresholdEntry[] {
  const entries: ThresholdEntry[] = [];
  for (const strength of STRENGTHS) {
    for (const [action, indicator] of Object.entries(set.interruption[strength])) {
      entries.push({
        path: `interruption.${strength}.${action}`,
        drug: 'all drugs',
        rule: 'CPIC recommendation',
        meaning: `Card for a CPIC ${strength === 'unstated' ? 'row without a strength' : `${strength} row`} that advises ${action.replace('-', ' ')}`,
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
          meaning: `${rule.enabled ? '' : '(rule off) '}${metric} ${OPERATOR_WORDS[t.operator] ?? t.operator} this value: ${EFFECT_WORDS[t.effect](t.steps)}`,
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
// Validation in words
// ---------------------------------------------------------------------------------------------------------------

const RANK: Record<Indicator, number> = { none: 0, info: 1, warning: 2, critical: 3 };

/**
 * The unit each sensor metric's triggers must use: the unit the default set's triggers use for it (the research
 * note's rule table, `knowledge/sensor-thresholds.json`). A metric the default set does not use is not checked.
 */
const METRIC_UNITS: ReadonlyMap<string, string> = new Map(
  DEFAULT_THRESHOLDS.sensorRules.flatMap((r) => r.triggers.map((t) => [t.metric, t.unit] as const)),
);

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
    return `Card for a CPIC ${index} row that advises ${sub ?? ''}`.trim();
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
    for (const [i, t] of rule.triggers.entries()) {
      const path = `sensorRules.${String(r)}.triggers.${String(i)}`;
      const where = `Sensor rule ${rule.id}, trigger ${t.id}`;
      const expected = METRIC_UNITS.get(t.metric);
      if (t.metric !== 'order-dose' && expected !== undefined && expected !== t.unit) {
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

function leaves(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
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
  const a = leaves(from, '', new Map());
  const b = leaves(to, '', new Map());
  const lines: ThresholdChangeLine[] = [];
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    if (path === 'version' || path === 'description') continue;
    const before = a.get(path);
    const after = b.get(path);
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    const where = pathInWords(path.startsWith('sensorRules') ? to : from, path.split('.'));
    const wherePair = a.has(path) ? where : pathInWords(to, path.split('.'));
    lines.push({
      path,
      ...(a.has(path) ? { from: before } : {}),
      ...(b.has(path) ? { to: after } : {}),
      text: !a.has(path)
        ? `${wherePair}: added, ${shown(after)}.`
        : !b.has(path)
          ? `${where}: removed (was ${shown(before)}).`
          : `${where}: ${shown(before)} → ${shown(after)}.`,
    });
  }
  return lines;
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
  for (const inputs of recorded) {
    const run = await compareRecorded(inputs, published, draftEngine);
    if (!run) continue;
    replayed += 1;
    compared.push(...run);
  }
  return {
    published: published.thresholdVersion,
    draft: draftEngine.thresholdVersion,
    invocations: recorded.length,
    replayed,
    ...tallyComparisons(compared),
    elapsedMs: Math.round(clock() - started),
  };
}

/** One recorded assessment under both engines, compared; undefined for inputs of another schema. */
export async function compareRecorded(
  inputs: unknown,
  live: RuleEngine,
  other: RuleEngine,
): Promise<ComparedDecision[] | undefined> {
  if (!isAssessmentInputs(inputs)) return undefined;
  const [before, after] = await Promise.all([replay(inputs, live), replay(inputs, other)]);
  return compareDecisions(before.decisions, after.decisions);
}
