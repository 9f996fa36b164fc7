/**
 * Decisions for the card tests: real findings (the cpic module) through a real rule engine (the default thresholds,
 * or a published-style edit of them that shows every finding), and the snapshot a card keeps. Nothing here decides
 * by hand.
 */
import { decisionCard } from '../../src/cards';
import { decisionSnapshot } from '../../src/rules/assess';
import { findingsForOrder, readGeneResults } from '../../src/rules/cpic';
import type { DrugOrder, Finding, GeneResult, PatientContext } from '../../src/rules/cpic';
import { createRuleEngine } from '../../src/rules/engine';
import type { RuleEngine } from '../../src/rules/engine';
import { DEFAULT_THRESHOLDS, parseThresholdSet, STRENGTHS } from '../../src/rules/thresholds';
import { isShown } from '../../src/rules/types';
import type { Decision, DecisionFacts, DecisionSnapshot, ShownDecision } from '../../src/rules/types';
import { summarizeSensors } from '../../src/sensors';
import { cpicGenes } from '../reference';

/** The engine the service starts with (`config/thresholds/default-*.json`). */
export const DEFAULT_ENGINE: RuleEngine = createRuleEngine(DEFAULT_THRESHOLDS);

/**
 * The default thresholds edited so that every finding gets a card, for tests that render every CPIC row: each
 * strength × action cell the defaults leave at `none` (standard dosing) shows as `info`, every CPIC EHR priority
 * notation of the data set counts as actionable, and pre-test alerts cover level A and B. Other cells keep their
 * default indicator.
 */
export const SHOW_ALL_ENGINE: RuleEngine = createRuleEngine(
  parseThresholdSet({
    ...structuredClone(DEFAULT_THRESHOLDS),
    version: 'test-show-all',
    interruption: Object.fromEntries(
      STRENGTHS.map((s) => [
        s,
        Object.fromEntries(
          Object.entries(DEFAULT_THRESHOLDS.interruption[s]).map(([action, indicator]) => [
            action,
            indicator === 'none' ? 'info' : indicator,
          ]),
        ),
      ]),
    ),
    conflictIndicator:
      DEFAULT_THRESHOLDS.conflictIndicator === 'none' ? 'info' : DEFAULT_THRESHOLDS.conflictIndicator,
    actionablePhenotypes: {
      ehrPriorityNotations: [
        ...new Set(Object.values(cpicGenes()).flatMap((g) => Object.values(g.ehrPriority ?? {}))),
      ],
      additional: {},
    },
    preTest: { ...DEFAULT_THRESHOLDS.preTest, show: true, levels: ['A', 'B'] },
  }),
);

/** What the rules read when the record has no wearable data (and no continuing therapy, no age). */
export function noSensorFacts(at: string | Date = '2026-05-01T00:00:00Z'): DecisionFacts {
  return { sensors: summarizeSensors([], at) };
}

/** A draft order for one drug, by name. */
export function drugOrder(drug: string): DrugOrder {
  return {
    orderRef: 'MedicationRequest/request-123',
    orderIndex: 0,
    ingredients: [{ name: drug }],
    resolvedBy: 'text',
  };
}

/** The cpic module's findings for an order, decided by `engine` on `facts`. */
export async function decideOrder(
  order: DrugOrder,
  genes: readonly GeneResult[],
  patient: PatientContext,
  engine: RuleEngine = DEFAULT_ENGINE,
  facts: DecisionFacts = noSensorFacts(),
): Promise<Decision[]> {
  return engine.evaluate(findingsForOrder(order, genes, patient), facts);
}

/** One finding decided by `engine` on `facts`. */
export async function decideFinding(
  finding: Finding,
  engine: RuleEngine = DEFAULT_ENGINE,
  facts: DecisionFacts = noSensorFacts(),
): Promise<Decision> {
  const [decision] = await engine.evaluate([finding], facts);
  if (!decision) throw new Error(`no decision for ${finding.drug}`);
  return decision;
}

/** The decision as one that gives a card; fails the test when the thresholds give it none. */
export function shown(decision: Decision | undefined): ShownDecision {
  if (!decision) throw new Error('no decision');
  if (!isShown(decision))
    throw new Error(`${decision.finding.drug} (${decision.finding.kind}): the thresholds give no card`);
  return decision;
}

/** The snapshot a card keeps for its decisions (`decisionSnapshot`, as the hooks make it). */
export function snapshotOf(
  decisions: readonly Decision[],
  facts: DecisionFacts = noSensorFacts(),
  engine: RuleEngine = DEFAULT_ENGINE,
): DecisionSnapshot {
  return decisionSnapshot(decisions, facts, engine);
}

/**
 * The markdown detail of the first CPIC recommendation card `drug` gets, under the default thresholds, from the gene
 * results read from `resources` (FHIR Observations as a client sends them).
 */
export async function recommendationCardDetail(drug: string, resources: readonly unknown[]): Promise<string> {
  const genes = readGeneResults(resources).results;
  const decisions = await decideOrder(drugOrder(drug), genes, { birthDate: '1970-01-01' }, DEFAULT_ENGINE);
  const decision = shown(decisions.find((d) => d.finding.kind === 'recommendation'));
  const { card } = decisionCard(decision, {
    patientId: 'p1',
    newUuid: () => 'card-1',
    snapshot: snapshotOf([decision], noSensorFacts()),
  });
  return card.detail ?? '';
}
