/**
 * The dry run before publish (issue 11 item 6): a draft is loaded exactly as the registry would load it
 * (`loadStoredThresholdSet`: schema, then every json-rules-engine rule built), then every enabled sensor rule is run
 * through that engine on synthetic cases built from the rule itself, and the last recorded calls are replayed under
 * it (`replayAgainstDraft`). Publish asks for a passing run of the draft's current text (`contentHashOf`).
 *
 * Cases per trigger: an aggregate just beyond the threshold must act as the trigger says (raise by its steps, lower
 * one step, or show as context); one just on the other side must not act; the same value from data that are out of
 * date or too few must never act. A range (`upTo`) is also tried just above; a trigger that needs continuing therapy
 * is also tried on a new order. The rule is read against the card the set gives without sensor data, so a rule whose
 * other trigger fires at the same value (an inverted operator) or whose unit the sensors module never delivers fails
 * with the reason.
 */
import { createHash } from 'node:crypto';
import type { RuleEngine } from '../rules/engine';
import { loadStoredThresholdSet } from '../rules/registry';
import type { GeneResult, RecommendationFinding, SafetyRuleFinding } from '../rules/cpic';
import { isActionablePhenotype, ORDER_DOSE, parseThresholdSet, STRENGTHS } from '../rules/thresholds';
import type { SensorRuleThresholds, SensorTrigger, StrengthKey, ThresholdSet } from '../rules/thresholds';
import type { Decision, DecisionFacts, Indicator, SensorModifier } from '../rules/types';
import { metricUnit } from '../sensors';
import type { SensorAggregate, SensorMetricId } from '../sensors';
import type { DryRunCase, DryRunReport, DryRunRule } from './thresholds-contract';
import { describeSensorRule, replayAgainstDraft, validateThresholdSet, valueInWords } from './thresholds';

/** SHA-256 (hex) of a stored draft text: what a dry run is recorded against. */
export function contentHashOf(json: string): string {
  return createHash('sha256').update(json).digest('hex');
}

const LADDER: readonly Indicator[] = ['none', 'info', 'warning', 'critical'];
const rank = (i: Indicator): number => LADDER.indexOf(i);
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** How far "just beyond" and "just on the other side" lie from a threshold. */
const STEP = 0.1;
const WORDS: Readonly<Record<Indicator, string>> = {
  none: 'no card',
  info: 'info',
  warning: 'warning',
  critical: 'critical',
};

export interface DryRunOptions {
  /** The engine in force (the replay compares the draft with it). */
  readonly live: RuleEngine;
  /** Recorded assessment inputs to replay (newest first; `store.invocations.listInputs`). */
  readonly recorded: readonly unknown[];
  readonly now: Date;
  readonly by: string;
}

/** Runs the dry run of a stored draft (its version and text as the store keeps them). */
export async function dryRunThresholdSet(
  stored: { readonly version: string; readonly json: string },
  options: DryRunOptions,
): Promise<DryRunReport> {
  const base = {
    version: stored.version,
    contentHash: contentHashOf(stored.json),
    ranAt: options.now.toISOString(),
    ranBy: options.by,
  };
  let engine: RuleEngine;
  try {
    engine = loadStoredThresholdSet(stored);
  } catch (err) {
    return { ...base, passed: false, loaded: false, problems: loadProblems(stored.json, err), rules: [] };
  }
  const set = engine.thresholds;
  // The editor's own checks (a demotion is acknowledged at publish, not here).
  const problems = validateThresholdSet(set, { acknowledgeDemotion: true }).map((p) => p.message);
  const rules: DryRunRule[] = [];
  for (const rule of set.sensorRules) {
    const cases = rule.enabled ? await ruleCases(engine, rule, options.now) : [];
    rules.push({
      id: rule.id,
      enabled: rule.enabled,
      words: describeSensorRule(rule, set),
      passed: cases.filter((c) => c.passed).length,
      failed: cases.filter((c) => !c.passed).length,
      cases,
    });
  }
  let replay: DryRunReport['replay'];
  try {
    const report = await replayAgainstDraft(options.recorded, options.live, engine);
    replay = {
      invocations: report.invocations,
      replayed: report.replayed,
      totals: report.totals,
      ...(report.notPredicted ? { notPredicted: report.notPredicted } : {}),
    };
  } catch (err) {
    replay = {
      invocations: options.recorded.length,
      replayed: 0,
      totals: { appear: 0, disappear: 0, change: 0, same: 0 },
      error: `The recorded calls could not be replayed under the draft: ${messageOf(err)}`,
    };
  }
  return {
    ...base,
    passed: problems.length === 0 && rules.every((r) => r.failed === 0) && replay.error === undefined,
    loaded: true,
    problems,
    rules,
    replay,
  };
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Why a stored set does not load: the editor's checks in words when they see it, else the loader's own message. */
export function loadProblems(json: string, err: unknown): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [`The draft is not JSON: ${messageOf(err)}`];
  }
  const inWords = validateThresholdSet(parsed, { acknowledgeDemotion: true }).map((p) => p.message);
  try {
    parseThresholdSet(parsed);
  } catch {
    if (inWords.length > 0) return inWords;
  }
  return [`The draft does not load: ${messageOf(err)}`];
}

// ---------------------------------------------------------------------------------------------------------------
// Synthetic cases
// ---------------------------------------------------------------------------------------------------------------

interface Scenario {
  readonly value: number;
  readonly data?: 'stale' | 'insufficient';
  /** Continuing therapy (default: whatever the trigger requires to act). */
  readonly continuing?: boolean;
}

/** The finding a rule applies to: its first drug, a phenotype it names (an actionable one first), a chosen strength. */
function findingFor(
  set: ThresholdSet,
  rule: SensorRuleThresholds,
  effect: SensorTrigger['effect'],
  dose?: { value: number; unit: string },
): RecommendationFinding | SafetyRuleFinding {
  const drug = rule.drugs[0] ?? '';
  const genes: GeneResult[] = [];
  const candidates = Object.entries(rule.phenotypes).flatMap(([gene, ps]) =>
    ps.map((p) => [gene, p] as const),
  );
  const chosen = candidates.find(([g, p]) => isActionablePhenotype(set, g, p)) ?? candidates[0];
  if (chosen) {
    const [gene, phenotype] = chosen;
    genes.push({ gene, phenotype, lookupKey: phenotype, sources: [], reinterpreted: false, notes: [] });
  }
  const order = {
    orderRef: 'MedicationRequest/dry-run',
    orderIndex: 0,
    ingredients: [{ name: drug }],
    resolvedBy: 'text' as const,
    ...(dose ? { dose: { value: dose.value, unit: dose.unit, code: dose.unit } } : {}),
  };
  const common = { order, drug, genes, knowledgeVersion: 'dry-run', explanation: [] };
  if (rule.safetyRule) return { ...common, kind: 'safety-rule', action: 'monitor', ruleId: rule.id };
  // A baseline with room to move: info for a raise (two steps up to critical), warning for a lower.
  const wanted: readonly Indicator[] =
    effect === 'lower' ? ['warning', 'critical'] : ['info', 'warning', 'none'];
  let strength: StrengthKey = 'Strong';
  let action: 'adjust-dose' | 'monitor' = 'adjust-dose';
  search: for (const want of wanted) {
    for (const s of STRENGTHS) {
      for (const a of ['adjust-dose', 'monitor'] as const) {
        if (set.interruption[s][a] === want) {
          strength = s;
          action = a;
          break search;
        }
      }
    }
  }
  return {
    ...common,
    kind: 'recommendation',
    action,
    row: {
      guideline: { name: 'Dry run', url: 'https://cpicpgx.org/guidelines/' },
      lookupKey: {},
      ...(strength === 'unstated' ? {} : { strength }),
      recommendation: 'Dry run',
      implications: [],
      pmids: [],
    },
    alternatives: [],
    alternativeDrugs: [],
  };
}

/** A sensor aggregate of `metric` at `value`, as the sensors module would give it under the set's limits. */
function aggregateOf(
  set: ThresholdSet,
  metric: SensorMetricId,
  value: number,
  at: Date,
  data?: Scenario['data'],
): SensorAggregate {
  const limits = set.sufficiency[metric];
  const windowDays = limits?.windowDays ?? 7;
  const maxAgeHours = limits?.maxAgeHours ?? 24;
  const newest = data === 'stale' ? at.getTime() - (maxAgeHours + 1) * HOUR_MS : at.getTime();
  return {
    metric,
    value,
    // The unit the sensors module gives this metric: a trigger in another unit never reads it.
    unit: metricUnit(metric) ?? '',
    window: { start: new Date(at.getTime() - windowDays * DAY_MS).toISOString(), end: at.toISOString() },
    basis: 'readings',
    sampleCount: data === 'insufficient' ? 1 : Math.max(limits?.minReadings ?? 0, Math.ceil(windowDays) * 24),
    daysWithData: data === 'insufficient' ? 1 : Math.max(limits?.minDays ?? 0, Math.ceil(windowDays)),
    coverage: data === 'insufficient' ? 0.05 : 1,
    newestSample: new Date(newest).toISOString(),
    status: data ?? 'sufficient',
    reasons:
      data === 'stale'
        ? [`newest sample older than ${String(maxAgeHours)} h`]
        : data === 'insufficient'
          ? ['too few days with data']
          : [],
    devices: [],
    sourceCount: 1,
  };
}

async function decide(
  engine: RuleEngine,
  rule: SensorRuleThresholds,
  trigger: SensorTrigger,
  at: Date,
  scenario?: Scenario,
): Promise<Decision> {
  const set = engine.thresholds;
  const dose =
    trigger.metric === ORDER_DOSE && scenario ? { value: scenario.value, unit: trigger.unit } : undefined;
  const finding = findingFor(set, rule, trigger.effect, dose);
  const metrics: SensorAggregate[] = [];
  if (scenario && trigger.metric !== ORDER_DOSE) {
    metrics.push(aggregateOf(set, trigger.metric, scenario.value, at, scenario.data));
  }
  if (scenario && trigger.effect === 'lower') {
    for (const m of trigger.requiresNoEvents) metrics.push(aggregateOf(set, m, 0, at));
  }
  const continuing = scenario?.continuing ?? trigger.requiresContinuingTherapy;
  const facts: DecisionFacts = {
    sensors: { at: at.toISOString(), metrics, notes: [], dataQuality: [] },
    ageYears: trigger.minAgeYears ?? 40,
    continuingDrugs: continuing ? [finding.drug] : [],
  };
  const [decision] = await engine.evaluate([finding], facts);
  if (!decision) throw new Error('the rules engine returned no decision');
  return decision;
}

/** "just beyond" and "just on the other side" of a trigger's bound. */
function valuesAround(trigger: SensorTrigger): { beyond: number; otherSide: number } {
  const v = trigger.value;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  switch (trigger.operator) {
    case 'lessThan':
      return { beyond: round(v - STEP), otherSide: v };
    case 'lessThanInclusive':
      return { beyond: v, otherSide: round(v + STEP) };
    case 'greaterThan':
      return { beyond: round(v + STEP), otherSide: v };
    case 'greaterThanInclusive':
      return { beyond: v, otherSide: round(v - STEP) };
  }
}

function effectWords(trigger: SensorTrigger): string {
  switch (trigger.effect) {
    case 'raise':
      return `raises the card ${trigger.steps === 2 ? 'two steps' : 'one step'}`;
    case 'lower':
      return 'lowers the card one step';
    case 'context':
      return 'is shown as context';
  }
}

/** The trigger's own modifiers in a decision. */
const modifiersOf = (d: Decision, rule: SensorRuleThresholds, trigger: SensorTrigger): SensorModifier[] =>
  d.modifiers.filter((m) => m.ruleId === `${rule.id}:${trigger.id}`);

/** Why the trigger did not act, from its "data not used" note or the other triggers that moved the card. */
function whyNotActed(d: Decision, own: readonly SensorModifier[]): string {
  const unused = own.find((m) => m.status !== 'sufficient' && m.reasons && m.reasons.length > 0);
  if (unused) return `the data were not used (${(unused.reasons ?? []).join('; ')})`;
  const raisedBy = d.modifiers.filter((m) => m.effect === 'raise' && !own.includes(m)).map((m) => m.ruleId);
  if (raisedBy.length > 0) {
    return `at the same value ${raisedBy.map((id) => `trigger ${id.split(':').pop() ?? id}`).join(' and ')} raises the card, so nothing is lowered`;
  }
  return 'the rules engine did not fire it';
}

async function ruleCases(engine: RuleEngine, rule: SensorRuleThresholds, at: Date): Promise<DryRunCase[]> {
  const cases: DryRunCase[] = [];
  for (const trigger of rule.triggers) {
    /** The card the set gives this trigger's finding without sensor data. */
    let baseline: Indicator | undefined;
    const add = async (
      expectation: string,
      scenario: Scenario,
      judge: (d: Decision, own: SensorModifier[], baseline: Indicator) => string | undefined,
    ) => {
      try {
        baseline ??= (await decide(engine, rule, trigger, at)).indicator;
        const d = await decide(engine, rule, trigger, at, scenario);
        const reason = judge(d, modifiersOf(d, rule, trigger), baseline);
        cases.push({
          trigger: trigger.id,
          expectation,
          passed: reason === undefined,
          ...(reason ? { reason } : {}),
        });
      } catch (err) {
        cases.push({
          trigger: trigger.id,
          expectation,
          passed: false,
          reason: `the rules engine failed: ${messageOf(err)}`,
        });
      }
    };
    const { beyond, otherSide } = valuesAround(trigger);
    const shown = (v: number) => valueInWords(v, trigger.unit);
    const acted = (own: readonly SensorModifier[]) =>
      own.some((m) => m.status === 'sufficient' && (m.effect !== 'context' || trigger.effect === 'context'));
    // Other triggers of the rule may act at the same value; this trigger must not.
    const doesNotAct = (where: string) => (_d: Decision, own: SensorModifier[]) =>
      acted(own) ? `it acted ${where} (${own.map((m) => m.note).join('; ')})` : undefined;
    // Unusable data: no trigger on them may act, so the card keeps what the set gives without sensor data.
    const neverActs = (where: string) => (d: Decision, own: SensorModifier[], baseline: Indicator) =>
      doesNotAct(where)(d, own) ??
      (d.indicator !== baseline
        ? `the card went from ${WORDS[baseline]} to ${WORDS[d.indicator]} ${where}`
        : undefined);

    await add(`At ${shown(beyond)}: ${effectWords(trigger)}.`, { value: beyond }, (d, own, baseline) => {
      switch (trigger.effect) {
        case 'raise': {
          const expected = LADDER[Math.min(3, rank(baseline) + trigger.steps)] ?? 'critical';
          if (baseline === 'critical')
            return acted(own) ? undefined : `it did not act: ${whyNotActed(d, own)}`;
          if (!own.some((m) => m.effect === 'raise'))
            return `it did not raise the card: ${whyNotActed(d, own)}`;
          return rank(d.indicator) >= rank(expected)
            ? undefined
            : `the card went from ${WORDS[baseline]} to ${WORDS[d.indicator]}, not ${WORDS[expected]}`;
        }
        case 'lower': {
          if (rank(baseline) < 2) return undefined; // Nothing above info to lower: the set gives no such card.
          const expected = LADDER[rank(baseline) - 1] ?? 'info';
          if (!own.some((m) => m.effect === 'lower'))
            return `it did not lower the card: ${whyNotActed(d, own)}`;
          return d.indicator === expected
            ? undefined
            : `the card went from ${WORDS[baseline]} to ${WORDS[d.indicator]}, not ${WORDS[expected]}`;
        }
        case 'context':
          if (!own.some((m) => m.effect === 'context' && m.status === 'sufficient'))
            return `it was not shown: ${whyNotActed(d, own)}`;
          return d.indicator === baseline
            ? undefined
            : `the card went from ${WORDS[baseline]} to ${WORDS[d.indicator]}, though context never changes it`;
      }
    });
    await add(
      `At ${shown(otherSide)}, on the other side of the threshold: does not act.`,
      { value: otherSide },
      doesNotAct(`at ${shown(otherSide)}, on the other side of its threshold`),
    );
    if (trigger.upTo !== undefined) {
      const above = Math.round((trigger.upTo + STEP) * 1000) / 1000;
      await add(
        `At ${shown(above)}, above the range: does not act.`,
        { value: above },
        doesNotAct(`at ${shown(above)}, above its range`),
      );
    }
    if (trigger.effect === 'lower' && trigger.requiresContinuingTherapy) {
      await add(
        `At ${shown(beyond)} for a new order (a drug the patient does not take yet): does not lower the card.`,
        { value: beyond, continuing: false },
        doesNotAct('on a new order'),
      );
    }
    if (trigger.metric !== ORDER_DOSE) {
      await add(
        `At ${shown(beyond)} from data that are out of date: never acts.`,
        { value: beyond, data: 'stale' },
        neverActs('on out-of-date data'),
      );
      if (trigger.effect === 'raise' && trigger.evenWithLowCoverage === true) {
        // Research §2.4: such a value escalates even with low coverage, and the card says the data were low.
        await add(
          `At ${shown(beyond)} from too few days with data: still ${effectWords(trigger)}, saying the data were low.`,
          { value: beyond, data: 'insufficient' },
          (d, own) =>
            own.some((m) => m.effect === 'raise' && m.status === 'insufficient')
              ? undefined
              : `it did not raise the card on too little data: ${whyNotActed(d, own)}`,
        );
      } else {
        await add(
          `At ${shown(beyond)} from too few days with data: never acts.`,
          { value: beyond, data: 'insufficient' },
          neverActs('on too little data'),
        );
      }
    }
  }
  return cases;
}
