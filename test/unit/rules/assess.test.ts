/**
 * The assessment core (rules/assess.ts, rules/types.ts): `adviceKey` as the one identity of "the same advice",
 * `assess` on a FHIR record read with `readPatientData`, replay of the recorded inputs, and re-deciding a card's
 * `DecisionSnapshot` under another threshold set. Patient data are the clinical-panel fixtures
 * (test/fixtures/hooks); expected CPIC rows and phenotypes come from the test oracle over knowledge/
 * (test/reference); indicators from the default threshold set's data; sensor cut-offs from the research note.
 */
import type { FhirResource, Patient } from 'fhir/r4';
import { assess, decisionSnapshot, readPatientData, replay } from '../../../src/rules/assess';
import type { AssessmentInputs, PatientRecord } from '../../../src/rules/assess';
import { findingsForOrder, resolveDrugOrders, rowOf } from '../../../src/rules/cpic';
import type { DrugOrder, Finding, GeneResult } from '../../../src/rules/cpic';
import { createRuleEngine } from '../../../src/rules/engine';
import type { RuleEngine } from '../../../src/rules/engine';
import { DEFAULT_THRESHOLDS, parseThresholdSet } from '../../../src/rules/thresholds';
import type { ThresholdSet } from '../../../src/rules/thresholds';
import { adviceKey, isShown } from '../../../src/rules/types';
import type { Decision, DecisionSnapshot } from '../../../src/rules/types';
import { AT, dailyObservations, gene, order, range } from '../../fixtures/rules/builders';
import { readFixture } from '../../helpers/fixtures';
import {
  cpicCall,
  cpicGuideline,
  cpicPair,
  cpicRow,
  cpicRows,
  guidelineRef,
  researchThreshold,
} from '../../reference';

const NOW = new Date(AT);
const engine = createRuleEngine(DEFAULT_THRESHOLDS);

const patient = readFixture('hooks', 'patient.json') as Patient;
const pgx = readFixture('hooks', 'pgx-results.json') as Record<string, FhirResource[]>;
const drafts = readFixture('hooks', 'draft-orders.json') as Record<string, FhirResource>;

function pgxResults(...labels: readonly string[]): FhirResource[] {
  return labels.flatMap((label) => {
    const found = pgx[label];
    if (!found) throw new Error(`test/fixtures/hooks/pgx-results.json has no ${label}`);
    return found;
  });
}

function draftOrders(...drugs: readonly string[]): DrugOrder[] {
  return resolveDrugOrders(
    drugs.map((drug) => {
      const found = drafts[drug];
      if (!found) throw new Error(`test/fixtures/hooks/draft-orders.json has no ${drug}`);
      return found;
    }),
  );
}

/** A copy of the defaults changed by `edit`, validated again. */
function edited(edit: (json: ThresholdSet) => void): ThresholdSet {
  const json = structuredClone(DEFAULT_THRESHOLDS);
  edit(json);
  return parseThresholdSet({ ...json, version: 'test-edit' });
}

/** The decision about `drug` (fails the test unless there is exactly one). */
function decisionOn(decisions: readonly Decision[], drug: string): Decision {
  const found = decisions.filter((d) => d.finding.drug === drug);
  const [only] = found;
  if (found.length !== 1 || !only) throw new Error(`${String(found.length)} decisions on ${drug}`);
  return only;
}

// R1 (research §2.2): a 7-day resting heart rate median below the cut-off raises a CYP2D6 PM metoprolol card.
const LOW_RESTING_HR = researchThreshold('R1.raise') - 5;

/**
 * The sandbox patient with CYP2C19 *2/*2 and CYP2D6 *5/*5 on file, a week of low resting heart rate (read by R1 for
 * metoprolol) and two weeks of daily steps (read only by R10, a statin rule).
 */
const record: PatientRecord = {
  patient,
  pgx: pgxResults('CYP2C19 *2/*2', 'CYP2D6 *5/*5'),
  pgxComplete: true,
  sensorResources: [
    ...dailyObservations('40443-4', '/min', range(0, 7), LOW_RESTING_HR),
    ...dailyObservations('41950-7', '/d', range(0, 14), 8000),
  ],
  medications: [],
};

/** The sensor metrics the default threshold set's enabled rules for `drugs` read (triggers and event checks). */
function metricsRulesRead(drugs: readonly string[]): Set<string> {
  return new Set(
    DEFAULT_THRESHOLDS.sensorRules
      .filter((r) => r.enabled && r.drugs.some((d) => drugs.includes(d)))
      .flatMap((r) => r.triggers.flatMap((t) => [t.metric, ...t.requiresNoEvents]))
      .filter((m) => m !== 'order-dose'),
  );
}

describe('adviceKey: the one identity of "the same advice"', () => {
  const cyp2c19PM = [gene('CYP2C19', 'Poor Metabolizer')];
  const decide = async (finding: Finding, by: RuleEngine = engine): Promise<Decision> => {
    const [decision] = await by.evaluate([finding], {
      sensors: { at: AT, metrics: [], notes: [], dataQuality: [] },
    });
    if (!decision) throw new Error('no decision');
    return decision;
  };
  const findingOf = (drug: string, genes: readonly GeneResult[], order: Partial<DrugOrder> = {}): Finding => {
    const [finding] = findingsForOrder(
      {
        orderRef: 'MedicationRequest/a',
        orderIndex: 0,
        ingredients: [{ name: drug }],
        resolvedBy: 'text',
        ...order,
      },
      genes,
    );
    if (!finding) throw new Error(`no finding for ${drug}`);
    return finding;
  };

  it('is equal for the same CPIC text on the same drug, whatever the order and the indicator', async () => {
    const first = await decide(findingOf('clopidogrel', cyp2c19PM));
    const regraded = createRuleEngine(
      edited((t) => {
        t.drugOverrides.clopidogrel = { indicator: 'warning', actions: ['avoid'], reason: 'local policy' };
      }),
    );
    const second = await decide(
      findingOf('clopidogrel', cyp2c19PM, { orderRef: 'MedicationRequest/b', orderIndex: 3 }),
      regraded,
    );
    expect(first.finding.order.orderRef).not.toBe(second.finding.order.orderRef);
    expect([first.indicator, second.indicator]).toEqual(['critical', 'warning']);
    expect(first.thresholdVersion).not.toBe(second.thresholdVersion);
    expect(rowOf(second.finding)?.recommendation).toBe(rowOf(first.finding)?.recommendation);
    expect(adviceKey(second)).toBe(adviceKey(first));
  });

  it('differs between drugs even when CPIC gives them the same text (citalopram, escitalopram)', async () => {
    const key = { CYP2C19: 'Poor Metabolizer' };
    const text = cpicRow('citalopram', key).row.recommendation;
    expect(cpicRow('escitalopram', key).row.recommendation).toBe(text);
    const citalopram = await decide(findingOf('citalopram', cyp2c19PM));
    const escitalopram = await decide(findingOf('escitalopram', cyp2c19PM));
    expect(rowOf(citalopram.finding)?.recommendation).toBe(text);
    expect(rowOf(escitalopram.finding)?.recommendation).toBe(text);
    expect(escitalopram.finding.action).toBe(citalopram.finding.action);
    expect(adviceKey(escitalopram)).not.toBe(adviceKey(citalopram));
  });

  it('differs between actions on the same drug', async () => {
    const poor = await decide(findingOf('clopidogrel', cyp2c19PM));
    const normal = await decide(findingOf('clopidogrel', [gene('CYP2C19', 'Normal Metabolizer')]));
    const untested = await decide(findingOf('clopidogrel', []));
    expect([poor.finding.action, normal.finding.action, untested.finding.action]).toEqual([
      'avoid',
      'standard',
      'order-test',
    ]);
    expect(new Set([poor, normal, untested].map(adviceKey)).size).toBe(3);
    // Only the action differs: the same row read as a dose change is other advice.
    if (poor.finding.kind !== 'recommendation') throw new Error(`a ${poor.finding.kind} finding`);
    const adjust: Decision = { ...poor, finding: { ...poor.finding, action: 'adjust-dose' } };
    expect(adviceKey(adjust)).not.toBe(adviceKey(poor));
  });
});

describe('assess on a FHIR record', () => {
  it('clopidogrel + CYP2C19 *2/*2: the CPIC row of the data set, at the default thresholds’ indicator', async () => {
    const data = readPatientData(record, NOW);
    const { decisions } = await assess(
      data,
      draftOrders('clopidogrel'),
      { now: NOW, preTest: 'allow' },
      engine,
    );
    const decision = decisionOn(decisions, 'clopidogrel');
    const { finding } = decision;
    if (finding.kind !== 'recommendation') throw new Error(`a ${finding.kind} finding`);
    // CPIC's table calls *2/*2 a poor metabolizer; its rows are looked up by that phenotype.
    const call = cpicCall('CYP2C19', '*2/*2');
    expect(finding.genes.map((g) => [g.gene, g.phenotype, g.lookupKey])).toEqual([
      ['CYP2C19', call.phenotype, call.lookupKey],
    ]);
    // The clopidogrel indication is not in the order: one row leads, the other populations' rows are alternatives.
    const expectedRows = cpicRows('clopidogrel', { CYP2C19: call.lookupKey });
    const lead = expectedRows.find(({ row }) => row.id === finding.row.rowId);
    if (!lead)
      throw new Error(`row ${String(finding.row.rowId)} is not a CPIC row for CYP2C19 ${call.lookupKey}`);
    expect(finding.row).toMatchObject({
      guideline: guidelineRef(cpicGuideline('clopidogrel')),
      lookupKey: lead.row.lookupKey,
      strength: lead.row.strength,
      recommendation: lead.row.recommendation,
      implications: lead.row.implications ?? [],
    });
    expect(finding.row.population ?? null).toBe(lead.row.population);
    expect([finding.row, ...finding.alternatives.map((a) => a.row)].map((r) => r.rowId).sort()).toEqual(
      expectedRows.map(({ row }) => row.id).sort(),
    );
    // CPIC: "Avoid standard dose clopidogrel if possible": an avoid, which the thresholds grade by its strength.
    expect(lead.row.recommendation).toMatch(/^Avoid/);
    expect(finding.action).toBe('avoid');
    const strength = lead.row.strength as keyof ThresholdSet['interruption'];
    expect(strength).toBe('Strong');
    expect(decision.indicator).toBe(DEFAULT_THRESHOLDS.interruption[strength].avoid);
    expect(decision.indicator).toBe('critical');
    expect(decision.thresholdVersion).toBe(DEFAULT_THRESHOLDS.version);
  });

  it('siponimod with CYP2C9 genotypes that disagree (*1/*1, *3/*3): a card asking to confirm, not silence', async () => {
    // conflict.json's two reports of one day, their gene CYP2C9 here.
    const [first, second] = (readFixture('pgx', 'conflict.json') as unknown[]).map(
      (r) => JSON.parse(JSON.stringify(r).replace(/CYP2C19/g, 'CYP2C9')) as FhirResource,
    );
    const data = readPatientData(
      {
        ...record,
        pgx: [
          { ...first, valueCodeableConcept: { text: '*1/*1' } } as FhirResource,
          { ...second, valueCodeableConcept: { text: '*3/*3' } } as FhirResource,
        ],
      },
      NOW,
    );
    expect(data.pgxConflicts.map((c) => c.gene)).toEqual(['CYP2C9']);
    const { decisions } = await assess(data, [order('siponimod')], { now: NOW, preTest: 'allow' }, engine);
    const decision = decisionOn(decisions, 'siponimod');
    expect(decision.finding.kind).toBe('safety-rule');
    expect(decision.indicator).toBe(DEFAULT_THRESHOLDS.conflictIndicator);
    expect(decision.finding.explanation.join(' ')).toContain('the siponimod label contraindicates it');
  });

  it('siponimod with no CYP2C9 result: the test its label requires, at the pre-test policy, never on a chart view', async () => {
    // CPIC has no siponimod guideline; its gene–drug pair says the FDA label requires CYP2C9 testing.
    const pair = cpicPair('CYP2C9', 'siponimod');
    expect(pair.fdaLabel).toBe('Testing required');
    expect(pair.guidelineUrl).toBeNull();
    // CYP2C19 and CYP2D6 on file, no CYP2C9; a resting heart rate below the siponimod threshold.
    const slow = dailyObservations('40443-4', '/min', range(0, 7), researchThreshold('R2.resting-hr') - 5);
    const data = readPatientData({ ...record, sensorResources: slow }, NOW);
    const { decisions } = await assess(data, [order('siponimod')], { now: NOW, preTest: 'allow' }, engine);
    const decision = decisionOn(decisions, 'siponimod');
    expect(decision.finding).toMatchObject({
      kind: 'pre-test',
      action: 'order-test',
      untested: [{ gene: 'CYP2C9', level: pair.cpicLevel }],
    });
    // The heart rate does not raise it: the label's heart-rate rule is for CYP2C9 IM/PM, unknown here.
    expect(decision.indicator).toBe(DEFAULT_THRESHOLDS.preTest.indicator);
    const chart = await assess(data, [order('siponimod')], { now: NOW, preTest: 'suppress' }, engine);
    expect(chart.decisions).toEqual([]);
    // Results that came in part: no test is asked for on what may be a missing result.
    const partial = readPatientData({ ...record, sensorResources: slow, pgxComplete: false }, NOW);
    expect(
      (await assess(partial, [order('siponimod')], { now: NOW, preTest: 'allow' }, engine)).decisions,
    ).toEqual([]);
    // A set whose pre-test policy leaves out level A gives it no card.
    const quiet = createRuleEngine(edited((json) => (json.preTest.levels = ['B'])));
    const [hidden] = (await assess(data, [order('siponimod')], { now: NOW, preTest: 'allow' }, quiet))
      .decisions;
    expect(hidden && isShown(hidden)).toBe(false);
    // With a CYP2C9 result on file the label's test is done: the safety rule reads it instead.
    const tested = readPatientData(
      { ...record, sensorResources: slow, pgx: pgxResults('CYP2C9 *1/*3') },
      NOW,
    );
    const [withResult] = (await assess(tested, [order('siponimod')], { now: NOW, preTest: 'allow' }, engine))
      .decisions;
    expect(withResult?.finding.kind).toBe('safety-rule');
  });

  it("preTest 'suppress' removes pre-test findings and nothing else", async () => {
    const data = readPatientData(record, NOW);
    // No DPYD result on file; DPYD–capecitabine is CPIC level A.
    const orders = draftOrders('clopidogrel', 'capecitabine');
    const allowed = await assess(data, orders, { now: NOW, preTest: 'allow' }, engine);
    const suppressed = await assess(data, orders, { now: NOW, preTest: 'suppress' }, engine);
    const preTest = decisionOn(allowed.decisions, 'capecitabine');
    expect(preTest.finding.kind).toBe('pre-test');
    expect(preTest.indicator).toBe(DEFAULT_THRESHOLDS.preTest.indicator);
    expect(suppressed.decisions.some((d) => d.finding.kind === 'pre-test')).toBe(false);
    expect(suppressed.decisions).toEqual(allowed.decisions.filter((d) => d.finding.kind !== 'pre-test'));
  });
});

describe('replaying recorded inputs', () => {
  const orders = draftOrders('clopidogrel', 'metoprolol');

  it('gives the same decisions, also after a JSON round trip of the inputs', async () => {
    const original = await assess(
      readPatientData(record, NOW),
      orders,
      { now: NOW, preTest: 'allow' },
      engine,
    );
    // The sensor rule did fire: replay has something to reproduce.
    expect(decisionOn(original.decisions, 'metoprolol').modifiers.map((m) => m.effect)).toContain('raise');
    const replayed = await replay(original.inputs, engine);
    expect(replayed.decisions).toEqual(original.decisions);
    const stored = JSON.parse(JSON.stringify(original.inputs)) as AssessmentInputs;
    const fromStore = await replay(stored, engine);
    expect(fromStore.decisions).toEqual(original.decisions);
    expect(fromStore.inputs).toEqual(stored);
  });

  it('keeps no patient id, no birth date, and only the sensor metrics the rules read', async () => {
    const { inputs, decisions } = await assess(
      readPatientData(record, NOW),
      orders,
      { now: NOW, preTest: 'allow' },
      engine,
    );
    const text = JSON.stringify(inputs);
    const id = patient.id ?? 'missing';
    const birthDate = patient.birthDate ?? 'missing';
    expect(text).not.toContain(id);
    for (const identifier of patient.identifier ?? [])
      expect(text).not.toContain(identifier.value ?? 'missing');
    for (const name of patient.name ?? []) expect(text).not.toContain(name.family ?? 'missing');
    expect(text).not.toContain(birthDate);
    expect(text).not.toContain('birthDate');
    // The age the rules read is kept instead: 1966-04-12 → 60 on 2026-05-15.
    expect(inputs.data.ageYears).toBe(60);
    const read = metricsRulesRead([...new Set(decisions.map((d) => d.finding.drug))]);
    const kept = inputs.data.sensors.summary.metrics.map((m) => m.metric);
    expect(kept).toContain('resting-heart-rate');
    expect(kept.filter((m) => !read.has(m))).toEqual([]);
    // The record's daily steps are read by no rule for these drugs: not kept.
    expect(read.has('daily-steps')).toBe(false);
    expect(kept).not.toContain('daily-steps');
  });
});

describe('re-deciding a DecisionSnapshot', () => {
  async function snapshot(): Promise<DecisionSnapshot> {
    const assessment = await assess(
      readPatientData(record, NOW),
      draftOrders('clopidogrel', 'metoprolol'),
      { now: NOW, preTest: 'allow' },
      engine,
    );
    return decisionSnapshot(assessment.decisions.filter(isShown), assessment.facts, engine);
  }

  it('gives the same indicators under the same thresholds, also from its stored JSON', async () => {
    const kept = await snapshot();
    // Clopidogrel (Strong avoid) and metoprolol (CYP2D6 PM) raised by a low resting heart rate (R1).
    expect(kept.decisions.map((d) => [d.finding.drug, d.indicator])).toEqual([
      ['clopidogrel', 'critical'],
      ['metoprolol', 'critical'],
    ]);
    const again = await engine.evaluate(
      kept.decisions.map((d) => d.finding),
      kept.facts,
    );
    expect(again.map((d) => d.indicator)).toEqual(kept.decisions.map((d) => d.indicator));
    const stored = JSON.parse(JSON.stringify(kept)) as DecisionSnapshot;
    const fromStore = await engine.evaluate(
      stored.decisions.map((d) => d.finding),
      stored.facts,
    );
    expect(fromStore.map((d) => d.indicator)).toEqual(kept.decisions.map((d) => d.indicator));
    // The kept sensor aggregates matter: without them metoprolol falls back to its CPIC baseline.
    const withoutSensors = await engine.evaluate(
      kept.decisions.map((d) => d.finding),
      { ...kept.facts, sensors: { ...kept.facts.sensors, metrics: [] } },
    );
    expect(withoutSensors.map((d) => d.indicator)).toEqual(['critical', 'warning']);
  });

  it('gives none for a drug a threshold set silences, and leaves the others', async () => {
    const kept = await snapshot();
    const silenced = createRuleEngine(
      edited((t) => {
        t.drugOverrides.clopidogrel = { indicator: 'none', actions: ['avoid'], reason: 'pilot' };
      }),
    );
    const again = await silenced.evaluate(
      kept.decisions.map((d) => d.finding),
      kept.facts,
    );
    expect(again.map((d) => [d.finding.drug, d.indicator])).toEqual([
      ['clopidogrel', 'none'],
      ['metoprolol', 'critical'],
    ]);
  });
});
