/**
 * The rules engine (issue 5 item 2): CPIC decisions + sensor aggregates + age + the order's dose → decisions with
 * the published thresholds applied. The baseline indicator comes from the ThresholdSet (strength × action, actionable
 * phenotypes, per-drug overrides, pre-test policy); the sensor rules of the wearables research §2.2 run in
 * `json-rules-engine`, one engine per drug, so a call evaluates only the rules of the drugs ordered. Every threshold
 * value is read by the rules from the `thresholds` fact (a JSONPath into the ThresholdSet), never written in a rule.
 *
 * Principles (research §2.1): a sufficient, fresh aggregate beyond its threshold raises the card one step (two for
 * label stop criteria); only sufficient, fresh, reassuring data lowers it, never below the guideline baseline of an
 * avoid, never because data are missing; stale or insufficient data only add a `context` modifier saying why.
 */
import { Engine } from 'json-rules-engine';
import type { Almanac, RuleProperties, TopLevelCondition } from 'json-rules-engine';
import { KNOWLEDGE_VERSION, conflictLine, labelPreTestFinding, unreadableGenes } from './cpic';
import type {
  DrugOrder,
  Finding,
  GeneConflict,
  GeneResult,
  PendingResult,
  PreTestFinding,
  SafetyRuleFinding,
} from './cpic';
import { isActionablePhenotype, ORDER_DOSE, sensorPolicyOf, STRENGTHS } from './thresholds';
import type {
  Indicator,
  SensorRuleThresholds,
  SensorTrigger,
  StrengthKey,
  SufficiencyThresholds,
  ThresholdSet,
} from './thresholds';
import { SAFETY_RULE_ADVICE } from './advice';
import type { SafetyRuleAdvice } from './advice';
import type { Decision, DecisionFacts, SensorModifier } from './types';
import type { SensorAggregate, SensorMetricId, SensorPolicy, SensorSummary } from '../sensors';

/** What `evaluate` knows besides the findings. */
export type RuleFacts = DecisionFacts;

export interface RuleEngine {
  /** The ThresholdSet's version, set on every decision `evaluate` returns. */
  readonly thresholdVersion: string;
  /** The ThresholdSet the engine applies (e.g. for `isActionablePhenotype` outside `evaluate`). */
  readonly thresholds: ThresholdSet;
  /** One decision per finding: the indicator the thresholds give it, the sensor rules applied, and why. */
  evaluate(findings: readonly Finding[], facts: RuleFacts): Promise<Decision[]>;
  /** Names of the json-rules-engine rules indexed under a drug (empty when no sensor rule names it). */
  rulesFor(drug: string): readonly string[];
  /** The sensor metrics the enabled rules for these drugs read: a summary need compute no other. */
  metricsFor(drugs: readonly string[]): SensorMetricId[];
  /** The windows and sufficiency limits the sensor summary must use for this set (projected once). */
  readonly sensorPolicy: SensorPolicy;
}

const LADDER = ['none', 'info', 'warning', 'critical'] as const satisfies readonly Indicator[];
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** What a rule reads about one metric (the `sensor` fact). */
interface MetricFact {
  /** An aggregate (or a dose) exists. */
  readonly present: boolean;
  /** Sufficient and fresh by the sensors module and by the ThresholdSet's limits; only then may a rule act. */
  readonly usable: boolean;
  readonly value: number | null;
  readonly status: SensorModifier['status'];
  /** Why it is not usable. */
  readonly reasons: readonly string[];
  readonly aggregate?: SensorAggregate;
  /**
   * Usable to lower an alert: usable, and not a night-time measure read on a clock that may not be the patient's
   * (`SensorAggregate.localTimeUnknown`; research §2.4 "days are patient-local days", §2.1 principle 3).
   */
  readonly mayLower: boolean;
  /**
   * Fresh, in the trigger's unit, but too few days or readings: a trigger marked `evenWithLowCoverage` may still raise
   * on it (research §2.4, "HR < 40 /min … escalate even with low coverage but say so").
   */
  readonly lowCoverage: boolean;
}

/** Per-run facts (json-rules-engine runtime facts). */
interface RunContext {
  readonly sensors: SensorSummary;
  readonly order: DrugOrder;
}

const OPERATOR_TEXT: Readonly<Record<SensorTrigger['operator'], string>> = {
  lessThan: '<',
  lessThanInclusive: '≤',
  greaterThan: '>',
  greaterThanInclusive: '≥',
};

/** A metric with no value: nothing to compare, nothing to lower. */
const ABSENT_FACT: MetricFact = {
  present: false,
  usable: false,
  mayLower: false,
  lowCoverage: false,
  value: null,
  status: 'absent',
  reasons: [],
};

/**
 * The aggregate of a metric as a rule may use it: the sensors module's status plus the ThresholdSet's limits. When
 * the summary was computed with this set's policy (`sensorPolicyOf`), the sensors module has already applied the same
 * window and limits and these checks add nothing. They remain for a summary computed under another policy (a shadow
 * engine or a replay reading the live summary, a caller that passed no policy): an aggregate whose window is not
 * this set's window (outside 0.8–1.2 ×, the tolerance the sensors module allows a summary Observation) or that misses
 * this set's limits is context only, never acted on, so a set that lengthens a window never acts on a shorter one.
 */
function metricFact(
  sensors: SensorSummary,
  metric: SensorMetricId,
  unit: string,
  limits: SufficiencyThresholds | undefined,
): MetricFact {
  const aggregate = sensors.metrics.find((m) => m.metric === metric);
  if (!aggregate || aggregate.value === undefined) return ABSENT_FACT;
  const reasons = [...aggregate.reasons];
  let status = aggregate.status;
  const age = Date.parse(sensors.at) - Date.parse(aggregate.newestSample ?? aggregate.window.end);
  // Another unit, no limits, another window: the data do not fit the rule (never "low coverage", below).
  let misfit = false;
  if (status === 'sufficient') {
    const problems: string[] = [];
    const misfits = (problem: string): void => {
      problems.push(problem);
      misfit = true;
    };
    if (aggregate.unit !== unit) misfits(`unit ${aggregate.unit} is not the threshold's ${unit}`);
    if (!limits) misfits('no sufficiency limits for this metric in the threshold set');
    else {
      const span = Date.parse(aggregate.window.end) - Date.parse(aggregate.window.start);
      if (span < 0.8 * limits.windowDays * DAY_MS)
        misfits(`window shorter than 80 % of ${limits.windowDays} d`);
      else if (span > 1.2 * limits.windowDays * DAY_MS)
        misfits(`window longer than 120 % of ${limits.windowDays} d`);
      // Counts describe readings; a summary Observation's sufficiency comes from its own members, a resting HR from
      // nightly heart-rate samples from the research's nights rule (sensors README).
      if (aggregate.basis === 'readings') {
        if (aggregate.daysWithData < limits.minDays)
          problems.push(`${aggregate.daysWithData} days with data, ${limits.minDays} required`);
        if (aggregate.sampleCount < limits.minReadings)
          problems.push(`${aggregate.sampleCount} readings, ${limits.minReadings} required`);
        if (aggregate.coverage < limits.minCoverage)
          problems.push(
            `coverage ${Math.round(aggregate.coverage * 100)} %, ${Math.round(limits.minCoverage * 100)} % required`,
          );
      }
      if (age > limits.maxAgeHours * HOUR_MS) {
        problems.push(`newest sample older than ${limits.maxAgeHours} h`);
        status = 'stale';
      }
    }
    if (problems.length > 0) {
      reasons.push(...problems);
      if (status === 'sufficient') status = 'insufficient';
    }
  }
  // Low coverage: the sensors module (or this set's limits) found too few days or readings, nothing else. Stale data,
  // another unit or another window are never "low coverage".
  const lowCoverage =
    status === 'insufficient' &&
    aggregate.unit === unit &&
    (!limits || age <= limits.maxAgeHours * HOUR_MS) &&
    !misfit;
  return {
    present: true,
    usable: status === 'sufficient',
    lowCoverage,
    mayLower: status === 'sufficient' && aggregate.localTimeUnknown !== true,
    value: aggregate.value,
    status,
    reasons,
    aggregate,
  };
}

/** The order's dose as a metric: usable when its unit code is the trigger's unit. */
function doseFact(order: DrugOrder, unit: string): MetricFact {
  const dose = order.dose;
  if (!dose) return ABSENT_FACT;
  const doseUnit = dose.code ?? dose.unit;
  return doseUnit === unit
    ? {
        present: true,
        usable: true,
        mayLower: true,
        lowCoverage: false,
        value: dose.value,
        status: 'sufficient',
        reasons: [],
      }
    : {
        present: true,
        usable: false,
        mayLower: false,
        lowCoverage: false,
        value: dose.value,
        status: 'insufficient',
        reasons: [`dose unit ${doseUnit ?? 'missing'} is not ${unit}`],
      };
}

/** JSONPath of a value in the ThresholdSet, for `{ fact: 'thresholds', path }` rule values. */
function at(path: string): { fact: 'thresholds'; path: string } {
  return { fact: 'thresholds', path: `$.${path}` };
}

/** Conditions that make a trigger apply to a decision at all (drug is implied by the engine it sits in). */
function applicability(rule: SensorRuleThresholds, r: number, trigger: SensorTrigger, t: number) {
  const ruleAt = `sensorRules[${r}]`;
  return [
    ...(Object.keys(rule.phenotypes).length > 0
      ? [{ fact: 'phenotypes', operator: 'phenotypeIn', value: at(`${ruleAt}.phenotypes`) }]
      : []),
    ...(trigger.minAgeYears !== undefined
      ? [
          {
            fact: 'ageYears',
            operator: 'greaterThanInclusive',
            value: at(`${ruleAt}.triggers[${t}].minAgeYears`),
          },
        ]
      : []),
  ];
}

/** The json-rules-engine rules of one trigger: it fires; or its data are there but not usable. */
function triggerRules(
  rule: SensorRuleThresholds,
  r: number,
  trigger: SensorTrigger,
  t: number,
): RuleProperties[] {
  const triggerAt = `sensorRules[${r}].triggers[${t}]`;
  const metric = { fact: 'sensor', params: { metric: trigger.metric, unit: trigger.unit } };
  const name = `${rule.id}:${trigger.id}`;
  const lowerConditions =
    trigger.effect === 'lower'
      ? [
          // Research §2.1 principle 3: never lower an avoid / contraindication.
          { fact: 'action', operator: 'notEqual', value: 'avoid' },
          ...(trigger.requiresContinuingTherapy
            ? [{ fact: 'continuing', operator: 'equal', value: true }]
            : []),
          ...trigger.requiresNoEvents.map((m) => ({
            fact: 'eventFree',
            params: { metric: m },
            operator: 'equal',
            value: true,
          })),
        ]
      : [];
  const meets = [
    { ...metric, path: '$.value', operator: trigger.operator, value: at(`${triggerAt}.value`) },
    ...(trigger.upTo !== undefined
      ? [{ ...metric, path: '$.value', operator: 'lessThanInclusive', value: at(`${triggerAt}.upTo`) }]
      : []),
  ];
  const fires: TopLevelCondition = {
    all: [
      ...applicability(rule, r, trigger, t),
      ...lowerConditions,
      // A lower also needs the patient's local clock where the measure rests on night-time hours.
      {
        ...metric,
        path: trigger.effect === 'lower' ? '$.mayLower' : '$.usable',
        operator: 'equal',
        value: true,
      },
      ...meets,
    ],
  };
  const rules: RuleProperties[] = [{ name, conditions: fires, event: { type: 'fired', params: { r, t } } }];
  if (trigger.effect === 'raise' && trigger.evenWithLowCoverage === true) {
    // Research §2.4: a reading this far out escalates even on too few days or readings, and the card says so.
    rules.push({
      name: `${name}:low-coverage`,
      conditions: {
        all: [
          ...applicability(rule, r, trigger, t),
          { ...metric, path: '$.lowCoverage', operator: 'equal', value: true },
          ...meets,
        ],
      },
      event: { type: 'fired-low-coverage', params: { r, t } },
    });
  }
  if (trigger.effect === 'lower') {
    // Reassuring readings that would have lowered the alert but for an unknown local clock: the card says why not.
    rules.push({
      name: `${name}:local-time-unknown`,
      conditions: {
        all: [
          ...applicability(rule, r, trigger, t),
          ...lowerConditions,
          { ...metric, path: '$.usable', operator: 'equal', value: true },
          { ...metric, path: '$.mayLower', operator: 'equal', value: false },
          ...meets,
        ],
      },
      event: { type: 'local-time-unknown', params: { r, t } },
    });
  }
  // A reassuring-data rule that cannot run has nothing to say; the dose has no sufficiency to explain.
  if (trigger.effect !== 'lower' && trigger.metric !== ORDER_DOSE) {
    rules.push({
      name: `${name}:data-not-used`,
      conditions: {
        all: [
          ...applicability(rule, r, trigger, t),
          { ...metric, path: '$.present', operator: 'equal', value: true },
          { ...metric, path: '$.usable', operator: 'equal', value: false },
        ],
      },
      event: { type: 'not-used', params: { r, t } },
    });
  }
  return rules;
}

/** One json-rules-engine Engine per drug, holding the rules of every enabled sensor rule that names the drug. */
function buildDrugEngines(thresholds: ThresholdSet): Map<string, { engine: Engine; names: string[] }> {
  const engines = new Map<string, { engine: Engine; names: string[] }>();
  thresholds.sensorRules.forEach((rule, r) => {
    if (!rule.enabled) return;
    for (const drug of rule.drugs) {
      let entry = engines.get(drug);
      if (!entry) {
        entry = { engine: newEngine(thresholds), names: [] };
        engines.set(drug, entry);
      }
      for (const [t, trigger] of rule.triggers.entries()) {
        for (const props of triggerRules(rule, r, trigger, t)) {
          entry.engine.addRule(props);
          entry.names.push(props.name ?? '');
        }
      }
    }
  });
  return engines;
}

/** Keys of each path seen (`$.sensorRules[0].triggers[1].value` → `sensorRules`, 0, `triggers`, 1, `value`). */
const pathKeys = new Map<string, readonly (string | number)[]>();
const PATH_SEGMENT = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]/y;

/**
 * json-rules-engine's path resolver for the paths this module writes: `$` then `.name` and `[index]` segments. The
 * engine's default (jsonpath-plus) builds and throws an Error on every call, 4 % of an order-sign call's CPU.
 * @throws Error for any other path syntax (a path no rule here writes).
 */
export function resolvePath(value: unknown, path: string): unknown {
  let keys = pathKeys.get(path);
  if (keys === undefined) {
    if (!path.startsWith('$')) throw new Error(`unsupported rule path ${path}`);
    const parsed: (string | number)[] = [];
    PATH_SEGMENT.lastIndex = 1;
    while (PATH_SEGMENT.lastIndex < path.length) {
      const m = PATH_SEGMENT.exec(path);
      if (!m) throw new Error(`unsupported rule path ${path}`);
      parsed.push(m[1] ?? Number(m[2]));
    }
    keys = parsed;
    pathKeys.set(path, keys);
  }
  let current = value;
  for (const key of keys) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function newEngine(thresholds: ThresholdSet): Engine {
  const engine = new Engine([], { allowUndefinedFacts: false, pathResolver: resolvePath });
  engine.addFact('thresholds', thresholds);
  engine.addOperator<Readonly<Record<string, string>>, Readonly<Record<string, readonly string[]>>>(
    'phenotypeIn',
    (phenotypes, wanted) =>
      Object.entries(wanted).some(([gene, list]) => {
        const phenotype = phenotypes[gene];
        return phenotype !== undefined && list.includes(phenotype);
      }),
  );
  engine.addFact('sensor', async (params: Record<string, unknown>, almanac: Almanac) => {
    const context = await almanac.factValue<RunContext>('context');
    const metric = params.metric as SensorMetricId | typeof ORDER_DOSE;
    const unit = params.unit as string;
    return metric === ORDER_DOSE
      ? doseFact(context.order, unit)
      : metricFact(context.sensors, metric, unit, thresholds.sufficiency[metric]);
  });
  engine.addFact('eventFree', async (params: Record<string, unknown>, almanac: Almanac) => {
    const context = await almanac.factValue<RunContext>('context');
    const events = context.sensors.metrics.find((m) => m.metric === params.metric);
    return !events?.value;
  });
  return engine;
}

function strengthKey(finding: Finding): StrengthKey {
  return strengthOf(finding.kind === 'recommendation' ? finding.row.strength : undefined);
}

function strengthOf(strength: string | undefined): StrengthKey {
  return STRENGTHS.find((s) => s === strength) ?? 'unstated';
}

/**
 * Results that disagree: the set's conflict indicator, or, when higher, what the interruption table gives the gravest
 * row that would apply if one of the results were right (`finding.ifRight`, from the knowledge layer). "Results
 * disagree and one of them forbids the drug" (HLA-B*57:01 positive beside negative before abacavir: CPIC Strong "do
 * not use") is then as loud as the forbidding row until the laboratory resolves it; the finding stays a conflict and
 * its card still asks to confirm the result first. A finding recorded without `ifRight` decides as it did.
 */
function conflictIndicatorOf(
  finding: Extract<Finding, { kind: 'conflict' }>,
  thresholds: ThresholdSet,
): Indicator {
  return (finding.ifRight ?? []).reduce<Indicator>((loudest, row) => {
    const indicator = thresholds.interruption[strengthOf(row.strength)][row.action];
    return LADDER.indexOf(indicator) > LADDER.indexOf(loudest) ? indicator : loudest;
  }, thresholds.conflictIndicator);
}

/** The indicator the thresholds give a finding by its kind, before the actionability filter and overrides. */
function kindIndicator(finding: Finding, thresholds: ThresholdSet): Indicator {
  switch (finding.kind) {
    case 'conflict':
      return conflictIndicatorOf(finding, thresholds);
    case 'safety-rule':
      // A label contraindication is critical whatever the set says; sensor data never lower it (lowers skip avoid).
      // Results that disagree are a conflict, whichever rule they hold up. Left at the set's conflict indicator (not
      // raised by the rule's contraindicated genotype as CPIC conflicts are by `ifRight`): a choice of scope.
      if (finding.conflicts) return thresholds.conflictIndicator;
      return finding.action === 'avoid' ? 'critical' : thresholds.safetyRuleBaseline;
    case 'pre-test': {
      // The CPIC levels of the genes the finding asks to test (each with its pair's level).
      const levels = finding.untested.map((u) => u.level.charAt(0));
      const policy = thresholds.preTest;
      return policy.show && levels.some((l) => (policy.levels as readonly string[]).includes(l))
        ? policy.indicator
        : 'none';
    }
    case 'recommendation':
    case 'warfarin-figure':
    case 'no-row':
      return thresholds.interruption[strengthKey(finding)][finding.action];
  }
}

/**
 * The indicator the thresholds give a decision before sensor rules, and any explanation of a threshold choice.
 * Order: conflict / pre-test / safety-rule policies or the strength × action matrix; then the actionable-phenotype
 * filter (never hides an avoid: CPIC's own text says avoid); then a per-drug override, which may re-grade or silence a
 * card the thresholds show but never surfaces a hidden one.
 */
function baselineIndicator(
  finding: Finding,
  thresholds: ThresholdSet,
): { indicator: Indicator; notes: string[] } {
  const notes: string[] = [];
  let indicator = kindIndicator(finding, thresholds);
  const graded =
    finding.kind === 'recommendation' || finding.kind === 'warfarin-figure' || finding.kind === 'no-row';
  // A result on file the service could not read is never silence: the order would look checked when it was not. It
  // is shown at least as an incomplete check is (`incompleteCheck.indicator`), whatever the phenotype filter says; the
  // finding's explanation says why and whom to ask.
  if (unreadableGenes(finding).length > 0) {
    const floor = thresholds.incompleteCheck.indicator;
    if (LADDER.indexOf(indicator) < LADDER.indexOf(floor)) indicator = floor;
  } else if (
    graded &&
    indicator !== 'none' &&
    finding.action !== 'avoid' &&
    finding.genes.length > 0 &&
    !finding.genes.some((g) => isActionablePhenotype(thresholds, g.gene, g.phenotype))
  ) {
    indicator = 'none';
    notes.push(
      `No card: the alert thresholds count no phenotype here as actionable (${finding.genes.map((g) => `${g.gene} ${g.phenotype}`).join(', ')})`,
    );
  }
  const override = thresholds.drugOverrides[finding.drug];
  if (override?.actions.includes(finding.action) && (indicator !== 'none' || override.indicator === 'none')) {
    // In words a clinician reads on the card's "Why" (the threshold set itself is named in its footer).
    const effect =
      override.indicator === 'none'
        ? 'no card'
        : `shown as ${override.indicator}${override.indicator === indicator ? '' : `, not ${indicator}`}`;
    notes.push(`Local policy for ${finding.drug}: ${effect} (${override.reason})`);
    indicator = override.indicator;
  }
  const capped = standardUseCap(finding, indicator);
  if (capped !== indicator)
    notes.push(`CPIC advises standard use of ${finding.drug}: shown as ${capped}, never ${indicator}`);
  return { indicator: capped, notes };
}

/**
 * A CPIC row whose text advises standard use (action `standard`, classified at import: `rules/cpic/row-actions.ts`)
 * never gives an interruptive card, whatever the threshold set or a sensor rule says: at most `info`.
 */
function standardUseCap(finding: Finding, indicator: Indicator): Indicator {
  return finding.action === 'standard' && (indicator === 'warning' || indicator === 'critical')
    ? 'info'
    : indicator;
}

function metricPhrase(trigger: SensorTrigger): string {
  const bound =
    trigger.upTo !== undefined
      ? `${trigger.value}–${trigger.upTo} ${trigger.unit}`
      : `${OPERATOR_TEXT[trigger.operator]} ${trigger.value} ${trigger.unit}`;
  // A trigger for older patients only says so: beside the general one on the same metric it would read as a contradiction.
  const age = trigger.minAgeYears !== undefined ? `, age ${trigger.minAgeYears} or older` : '';
  return `${trigger.metric} ${bound}${age}`;
}

function modifierFor(
  rule: SensorRuleThresholds,
  trigger: SensorTrigger,
  fact: MetricFact,
  effect: SensorModifier['effect'],
  note: string,
): SensorModifier {
  const aggregate = fact.aggregate;
  return {
    ruleId: `${rule.id}:${trigger.id}`,
    effect,
    metric: trigger.metric,
    ...(fact.value !== null ? { value: fact.value } : {}),
    unit: aggregate?.unit ?? trigger.unit,
    ...(aggregate ? { window: aggregate.window } : {}),
    status: fact.status,
    devices: aggregate?.devices ?? [],
    ...(aggregate?.newestSample ? { newestSample: aggregate.newestSample } : {}),
    ...(aggregate?.valueAt ? { valueAt: aggregate.valueAt } : {}),
    ...(aggregate?.valueDay ? { valueDay: aggregate.valueDay } : {}),
    ...(aggregate ? { daysWithData: aggregate.daysWithData } : {}),
    ...(aggregate?.localTimeUnknown === true ? { localTimeUnknown: true as const } : {}),
    ...(fact.usable || fact.reasons.length === 0 ? {} : { reasons: fact.reasons }),
    threshold: metricPhrase(trigger),
    note: `${rule.safetyRule ? 'Safety rule (not a CPIC/DPWG-actionable pair): ' : ''}${note}`,
    evidence: trigger.evidence,
    source: trigger.source,
  };
}

function valueText(fact: MetricFact, trigger: SensorTrigger): string {
  const aggregate = fact.aggregate;
  const window = aggregate
    ? ` (${aggregate.window.start.slice(0, 10)} to ${aggregate.window.end.slice(0, 10)}, ${aggregate.daysWithData} days with data${aggregate.devices.length > 0 ? `, ${aggregate.devices.join(', ')}` : ''})`
    : '';
  return `${trigger.metric} ${String(fact.value)} ${aggregate?.unit ?? trigger.unit}${window}`;
}

interface Fired {
  readonly rule: SensorRuleThresholds;
  readonly trigger: SensorTrigger;
  readonly fact: MetricFact;
  readonly usable: boolean;
  /** Would have lowered the alert, but the night-time readings do not say the patient's local time. */
  readonly localTimeUnknown?: true;
}

/** Applies the fired rules to the baseline: the largest raise wins; a lower applies only when nothing raises. */
function applyRules(
  finding: Finding,
  baseline: Indicator,
  fired: readonly Fired[],
): { indicator: Indicator; modifiers: SensorModifier[] } {
  const start = LADDER.indexOf(baseline);
  const acting = fired.filter((f) => f.usable);
  const raises = acting.filter((f) => f.trigger.effect === 'raise');
  const lowers = acting.filter((f) => f.trigger.effect === 'lower');
  let level = start;
  if (raises.length > 0)
    level = Math.min(LADDER.length - 1, start + Math.max(...raises.map((f) => f.trigger.steps)));
  // Lowering never hides a card, never applies to an avoid (also checked in the rule), never with a raise.
  else if (lowers.length > 0 && finding.action !== 'avoid' && start > 1) level = start - 1;
  const moved = level !== start;
  const modifierOf = (f: Fired): SensorModifier => {
    const threshold = metricPhrase(f.trigger);
    if (f.localTimeUnknown) {
      return modifierFor(
        f.rule,
        f.trigger,
        f.fact,
        'context',
        `${valueText(f.fact, f.trigger)} not used to lower the card: the readings do not say the patient's local time, so the night-time hours are not known`,
      );
    }
    if (!f.usable) {
      return modifierFor(
        f.rule,
        f.trigger,
        f.fact,
        'context',
        `${valueText(f.fact, f.trigger)} not used for ${f.rule.id}: ${f.fact.status} (${f.fact.reasons.join('; ')}); the card keeps its baseline`,
      );
    }
    const low = f.fact.lowCoverage && !f.fact.usable;
    const seen = `${valueText(f.fact, f.trigger)} meets ${threshold}${low ? ` on low coverage (${f.fact.reasons.join('; ')}); a value this far out counts even so` : ''}`;
    switch (f.trigger.effect) {
      case 'raise':
        return moved
          ? modifierFor(
              f.rule,
              f.trigger,
              f.fact,
              'raise',
              `${seen}: raises the card ${String(f.trigger.steps)} step${f.trigger.steps > 1 ? 's' : ''}; confirm clinically`,
            )
          : modifierFor(
              f.rule,
              f.trigger,
              f.fact,
              'context',
              `${seen}: the card is already ${LADDER[start] ?? ''}`,
            );
      case 'lower':
        return moved && raises.length === 0
          ? modifierFor(f.rule, f.trigger, f.fact, 'lower', `${seen}: reassuring, lowers the card one step`)
          : modifierFor(
              f.rule,
              f.trigger,
              f.fact,
              'context',
              `${seen}: reassuring, but the card is not lowered (${raises.length > 0 ? 'another rule raises it' : 'already at its lowest'})`,
            );
      case 'context':
        return modifierFor(
          f.rule,
          f.trigger,
          f.fact,
          'context',
          `${seen}: shown for context only, never changes the card`,
        );
    }
  };
  // Readings that were used met the trigger, whatever that did to the indicator.
  const modifiers = fired.map((f) => (f.usable ? { ...modifierOf(f), met: true as const } : modifierOf(f)));
  return { indicator: LADDER[level] ?? baseline, modifiers };
}

/** The decision's action and phenotypes, age, continuing therapy, sensors and order (dose) as runtime facts. */
function runFacts(finding: Finding, facts: RuleFacts): Record<string, unknown> {
  return {
    context: { sensors: facts.sensors, order: finding.order } satisfies RunContext,
    action: finding.action,
    phenotypes: Object.fromEntries(finding.genes.map((g) => [g.gene, g.phenotype])),
    ageYears: facts.ageYears ?? null,
    continuing: facts.continuingDrugs?.includes(finding.drug) ?? false,
  };
}

/**
 * Builds the engine for a ThresholdSet: the rule sets per drug are built once here; `evaluate` runs only the set of
 * each decision's drug.
 */
export function createRuleEngine(thresholds: ThresholdSet): RuleEngine {
  const engines = buildDrugEngines(thresholds);

  async function evaluateOne(finding: Finding, facts: RuleFacts): Promise<Decision> {
    const { indicator: baseline, notes } = baselineIndicator(finding, thresholds);
    const entry = engines.get(finding.drug);
    const fired: Fired[] = [];
    if (entry) {
      const { events, almanac } = await entry.engine.run(runFacts(finding, facts));
      const notUsedMetrics = new Set<string>();
      // A raise on low coverage says the data were low itself: the rule's other triggers on that metric add no
      // "not used" note beside it.
      for (const event of events) {
        if (event.type !== 'fired-low-coverage') continue;
        const { r, t } = event.params as { r: number; t: number };
        const rule = thresholds.sensorRules[r];
        const trigger = rule?.triggers[t];
        if (rule && trigger) notUsedMetrics.add(`${rule.id}|${trigger.metric}`);
      }
      for (const event of events) {
        const { r, t } = event.params as { r: number; t: number };
        const rule = thresholds.sensorRules[r];
        const trigger = rule?.triggers[t];
        if (!rule || !trigger) continue;
        const fact = await almanac.factValue<MetricFact>('sensor', {
          metric: trigger.metric,
          unit: trigger.unit,
        });
        if (event.type === 'not-used') {
          // One "not used" note per rule and metric.
          const key = `${rule.id}|${trigger.metric}`;
          if (notUsedMetrics.has(key)) continue;
          notUsedMetrics.add(key);
        }
        fired.push({
          rule,
          trigger,
          fact,
          usable: event.type === 'fired' || event.type === 'fired-low-coverage',
          ...(event.type === 'local-time-unknown' ? { localTimeUnknown: true as const } : {}),
        });
      }
    }
    const applied = applyRules(finding, baseline, fired);
    // A per-drug override that silences a drug wins over sensor rules.
    const override = thresholds.drugOverrides[finding.drug];
    const silenced = override?.indicator === 'none' && override.actions.includes(finding.action);
    return {
      finding,
      indicator: silenced ? 'none' : standardUseCap(finding, applied.indicator),
      modifiers: applied.modifiers,
      thresholdVersion: thresholds.version,
      notes,
    };
  }

  return {
    thresholdVersion: thresholds.version,
    thresholds,
    evaluate: (findings, facts) => Promise.all(findings.map((f) => evaluateOne(f, facts))),
    rulesFor: (drug) => engines.get(drug)?.names ?? [],
    metricsFor: (drugs) => metricsReadFor(thresholds, drugs),
    sensorPolicy: sensorPolicyOf(thresholds),
  };
}

/** The sensor metrics the enabled sensor rules naming any of `drugs` read (their triggers and event checks). */
function metricsReadFor(thresholds: ThresholdSet, drugs: readonly string[]): SensorMetricId[] {
  const wanted = new Set(drugs);
  const metrics = new Set<SensorMetricId>();
  for (const rule of thresholds.sensorRules) {
    if (!rule.enabled || !rule.drugs.some((d) => wanted.has(d))) continue;
    for (const trigger of rule.triggers) {
      if (trigger.metric !== ORDER_DOSE) metrics.add(trigger.metric);
      for (const m of trigger.requiresNoEvents) metrics.add(m);
    }
  }
  return [...metrics];
}

/** Whether the rule watches the gene result's phenotype. */
function phenotypeMatches(rule: ThresholdSet['sensorRules'][number], result: GeneResult): boolean {
  return (
    Object.hasOwn(rule.phenotypes, result.gene) && !!rule.phenotypes[result.gene]?.includes(result.phenotype)
  );
}

/** Whether a result would bring a safety rule in: the label's contraindicated genotype, or a phenotype it watches. */
function bringsIn(rule: ThresholdSet['sensorRules'][number], result: GeneResult): boolean {
  return isContraindicated(rule, result) || phenotypeMatches(rule, result);
}

/**
 * A conflict on a gene a safety rule reads, in words: the results, then what each that would bring the rule in
 * means ("If *3/*3 Poor Metabolizer is right, the siponimod label contraindicates it").
 */
function disputedLines(
  rule: ThresholdSet['sensorRules'][number],
  drug: string,
  conflict: GeneConflict,
): string[] {
  const ifRight = new Map<string, string>();
  for (const { value, alone } of conflict.results) {
    if (!alone || ifRight.has(value) || !bringsIn(rule, alone)) continue;
    ifRight.set(
      value,
      isContraindicated(rule, alone)
        ? `If ${value} is right, the ${drug} label contraindicates it`
        : `If ${value} is right, ${drug} with this phenotype is watched with sensor data (safety rule, not a CPIC/DPWG-actionable pair)`,
    );
  }
  return [conflictLine(conflict), ...ifRight.values()];
}

/** Whether the rule's label contraindication names the gene result's diplotype. */
function isContraindicated(rule: ThresholdSet['sensorRules'][number], result: GeneResult): boolean {
  return namesDiplotype(rule.contraindicated?.genotypes, result);
}

/** Whether diplotypes listed by gene name the result's diplotype (in either allele order). */
function namesDiplotype(
  genotypes: Readonly<Record<string, readonly string[]>> | undefined,
  result: GeneResult,
): boolean {
  if (!genotypes || !result.diplotype || !Object.hasOwn(genotypes, result.gene)) return false;
  const key = (diplotype: string): string =>
    diplotype
      .split('/')
      .map((a) => a.trim())
      .sort()
      .join('/');
  return (genotypes[result.gene] ?? []).some((d) => key(d) === key(result.diplotype ?? ''));
}

/** The advice of the rule for these results (`advice.ts`): the first whose genotypes they match. */
function adviceFor(ruleId: string, results: readonly GeneResult[]): SafetyRuleAdvice | undefined {
  return (SAFETY_RULE_ADVICE[ruleId] ?? []).find(
    (a) => !a.genotypes || results.some((r) => namesDiplotype(a.genotypes, r)),
  );
}

/**
 * Findings for safety rules that are not CPIC pairs (research §2.2 R8, CYP2C9 IM/PM + sulfonylureas; R2 siponimod):
 * one per order ingredient an enabled safety rule names, when the patient's phenotype matches the rule and no CPIC
 * finding exists for that order and drug. `evaluate` gives them `safetyRuleBaseline` and runs their sensor rules. A
 * genotype the rule lists as contraindicated by the drug's label (siponimod: CYP2C9 *3/*3) gives an `avoid`
 * finding instead, critical whatever the sensors show. With no result of a gene the drug's FDA label requires testing
 * for (siponimod: CYP2C9, by CPIC's gene–drug pairs), a pre-test finding, shown as the set's pre-test policy says.
 */
export function safetyRuleFindings(
  orders: readonly DrugOrder[],
  genes: readonly GeneResult[],
  existing: readonly Finding[],
  thresholds: ThresholdSet,
  conflicts: readonly GeneConflict[] = [],
  pendingResults: readonly PendingResult[] = [],
): (SafetyRuleFinding | PreTestFinding)[] {
  const decided = new Set(existing.map((f) => `${String(f.order.orderIndex)}|${f.drug}`));
  return thresholds.sensorRules
    .filter((rule) => rule.enabled && rule.safetyRule)
    .flatMap((rule) =>
      orders.flatMap((order) =>
        order.ingredients.flatMap(({ name }): (SafetyRuleFinding | PreTestFinding)[] => {
          const key = `${String(order.orderIndex)}|${name}`;
          if (!rule.drugs.includes(name) || decided.has(key)) return [];
          const preTest = labelPreTestFinding(order, name, genes, conflicts, pendingResults);
          if (preTest) {
            decided.add(key);
            return [preTest];
          }
          const contraindicated = genes.filter((g) => isContraindicated(rule, g));
          const matching = genes.filter((g) => phenotypeMatches(rule, g));
          // Only when no result on file brings the rule in: results that disagree, one of which alone would.
          const read = matching.length > 0 || contraindicated.length > 0;
          const disputed = read
            ? []
            : conflicts.filter((c) => c.results.some((r) => r.alone && bringsIn(rule, r.alone)));
          if (!read && disputed.length === 0) return [];
          decided.add(key);
          const base = {
            kind: 'safety-rule' as const,
            order,
            drug: name,
            ruleId: rule.id,
            knowledgeVersion: KNOWLEDGE_VERSION,
          };
          if (disputed.length > 0) {
            return [
              {
                ...base,
                genes: [],
                action: 'monitor',
                conflicts: disputed,
                explanation: disputed.flatMap((c) => disputedLines(rule, name, c)),
              },
            ];
          }
          if (contraindicated.length > 0 && rule.contraindicated) {
            return [
              {
                ...base,
                genes: contraindicated,
                action: 'avoid',
                explanation: [
                  `The ${name} label contraindicates it for ${contraindicated.map((g) => `${g.gene} ${g.diplotype ?? ''}`.trim()).join(' and ')}; sensor data never change this (safety rule, not a CPIC/DPWG-actionable pair)`,
                ],
              },
            ];
          }
          const advice = adviceFor(rule.id, matching);
          return [
            {
              ...base,
              genes: matching,
              action: advice?.action ?? 'monitor',
              ...(advice ? { advice: advice.text } : {}),
              explanation: [
                ...matching.map((g) => `${g.gene} → ${g.phenotype}`),
                `Safety rule, not a CPIC/DPWG-actionable pair: ${name} with this phenotype is ${advice ? 'also watched with sensor data' : 'watched with sensor data only'}`,
              ],
            },
          ];
        }),
      ),
    );
}
