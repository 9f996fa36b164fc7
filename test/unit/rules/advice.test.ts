/**
 * What a card advises besides a CPIC row (`src/rules/advice.ts`): each piece of advice rests on words the research
 * note says (its rule table's "Card effect" column, its notes per rule) and belongs to a rule or trigger of the default
 * threshold set; R8's sulfonylurea card says it under "What to do"; a warfarin card raised by a home INR says to
 * recheck it after CPIC's text. Research words from `knowledge/research` (test/reference).
 */
import { decisionCard } from '../../../src/cards';
import { safetyRuleFindings } from '../../../src/rules/engine';
import { SAFETY_RULE_ADVICE, TRIGGER_ADVICE, adviceLines } from '../../../src/rules/advice';
import { callPhenotype } from '../../../src/rules/cpic';
import { summarizeSensors } from '../../../src/sensors';
import { DEFAULT_THRESHOLDS } from '../../../src/rules/thresholds';
import type { Decision, SensorModifier } from '../../../src/rules/types';
import {
  AT,
  dailyObservations,
  findingFor,
  gene,
  genotyped,
  order,
  range,
  restingHeartRate,
} from '../../fixtures/rules/builders';
import { expectClinicianReadable } from '../../helpers/card-text';
import { decideFinding, noSensorFacts, shown, snapshotOf } from '../../helpers/decisions';
import { rendered } from '../../helpers/markdown';
import { cpicCall, researchSays, researchThreshold } from '../../reference';

describe('safety-rule advice', () => {
  it.each(Object.entries(SAFETY_RULE_ADVICE))(
    '%s: a rule of the default set, each piece of advice resting on the research note',
    (ruleId, advice) => {
      expect(DEFAULT_THRESHOLDS.sensorRules.some((r) => r.id === ruleId && r.safetyRule)).toBe(true);
      for (const a of advice) {
        expect({ basis: a.basis, inNote: researchSays(a.basis) }).toEqual({ basis: a.basis, inNote: true });
        expect(a.text).not.toMatch(/verify|§|\bR\d\b|\(e\.g\./);
      }
    },
  );

  it.each(Object.entries(TRIGGER_ADVICE))(
    '%s: a trigger of the default set that raises or shows, the advice resting on the research note',
    (key, advice) => {
      const [ruleId, triggerId] = key.split(':');
      const rule = DEFAULT_THRESHOLDS.sensorRules.find((r) => r.id === ruleId);
      // Never a trigger that lowers the alert: reassuring readings ask for nothing.
      expect(rule?.triggers.find((t) => t.id === triggerId)?.effect).toMatch(/^(raise|context)$/);
      expect(researchSays(advice.basis)).toBe(true);
      expect(advice.text).not.toMatch(/verify|§|\bR\d\b/);
    },
  );

  it('glipizide with CYP2C9 Intermediate Metabolizer: what to consider first, then that sensor data watch it', async () => {
    const cyp2c9 = genotyped('CYP2C9', '*1/*3');
    const [finding] = safetyRuleFindings([order('glipizide')], [cyp2c9], [], DEFAULT_THRESHOLDS);
    if (!finding) throw new Error('no finding');
    expect(finding.action).toBe('monitor');
    const decision = shown(await decideFinding(finding));
    const { card } = decisionCard(decision, {
      patientId: 'p1',
      newUuid: () => 'card-1',
      snapshot: snapshotOf([decision]),
    });
    expect(card.summary).toMatch(/^Monitor glipizide: CYP2C9 /);
    const detail = rendered(card.detail);
    expect(detail).toMatch(
      /^\*\*What to do\*\* \(safety rule, not a CPIC guideline\):\s+Consider the lowest starting dose, slower titration or a drug other than a sulfonylurea\./,
    );
    expect(detail).toContain('glipizide with this phenotype is also watched with sensor data');
    expectClinicianReadable(card);
  });

  it('warfarin raised by a home INR above 4: "Given the sensor data": recheck the INR first, then CPIC Figure 2', async () => {
    const genes = [
      { ...callPhenotype('CYP2C9', ['*1/*3']), sources: ['Observation/cyp2c9'], reinterpreted: false },
      {
        ...callPhenotype('VKORC1', ['rs9923231 reference (C)/rs9923231 variant (T)']),
        sources: ['Observation/vkorc1'],
        reinterpreted: false,
      },
    ];
    const inr = researchThreshold('R9.raise') + 0.4;
    const facts = {
      ...noSensorFacts(AT),
      sensors: summarizeSensors(dailyObservations('34714-6', '{INR}', [1], inr), AT),
    };
    const decision = shown(await decideFinding(findingFor('warfarin', genes), undefined, facts));
    expect(decision.modifiers.some((m) => m.effect === 'raise' && m.metric === 'inr-latest')).toBe(true);
    const { card } = decisionCard(decision, {
      patientId: 'p1',
      newUuid: () => 'card-1',
      snapshot: snapshotOf([decision], facts),
    });
    expect(researchSays('add "recheck INR / hold per protocol"')).toBe(true);
    const detail = rendered(card.detail);
    // The alert is critical because of the INR: what it asks for is read first, CPIC's dosing figure after it.
    expect(card.indicator).toBe('critical');
    const given = detail.indexOf('**Given the sensor data:**');
    expect(given).toBe(0);
    expect(detail.indexOf('**What to do**')).toBeGreaterThan(given);
    expect(detail.slice(given)).toMatch(
      /^\*\*Given the sensor data:\*\*\s+Recheck the INR, and hold or adjust warfarin as your anticoagulation protocol says\./,
    );
    expectClinicianReadable(card);
  });

  it('siponimod with CYP2C9 *3/*3 and a slow heart rate: the contraindication, nothing about a first dose', async () => {
    const cyp2c9 = genotyped('CYP2C9', '*3/*3');
    const [finding] = safetyRuleFindings([order('siponimod')], [cyp2c9], [], DEFAULT_THRESHOLDS);
    if (!finding) throw new Error('no finding');
    const facts = {
      ...noSensorFacts(AT),
      sensors: restingHeartRate(researchThreshold('R2.resting-hr') - 5, range(0, 7)),
    };
    const decision = shown(await decideFinding(finding, undefined, facts));
    // The heart-rate trigger is met (the card is already critical), yet the drug is not to be given.
    expect(decision.modifiers.some((m) => m.met && m.metric === 'resting-heart-rate')).toBe(true);
    expect(adviceLines(decision)).toEqual([]);
  });

  it('reads what the readings met from the modifiers, a record made before `met` by its raises', async () => {
    const call = cpicCall('CYP2C19', '*2/*2');
    const finding = findingFor('citalopram', [gene('CYP2C19', call.phenotype, call.lookupKey)]);
    const decided = await decideFinding(finding);
    const qtc = (change: Partial<SensorModifier>): Decision => ({
      ...decided,
      modifiers: [
        {
          ruleId: 'R3-ssri-qtc-hr:qtc-above-500',
          effect: 'context',
          metric: 'qtc-latest',
          value: 512,
          unit: 'ms',
          status: 'sufficient',
          devices: [],
          note: '',
          evidence: 'consensus',
          source: '',
          ...change,
        },
      ],
    });
    const confirm = /^Confirm the QTc with a 12-lead ECG/;
    // Met on a card already at its highest: the advice stands.
    expect(adviceLines(qtc({ met: true }))).toEqual([expect.stringMatching(confirm)]);
    // A record made before the field: a raise was met; a context line (stale, or "already critical") cannot tell.
    expect(adviceLines(qtc({ effect: 'raise' }))).toEqual([expect.stringMatching(confirm)]);
    expect(adviceLines(qtc({ status: 'stale' }))).toEqual([]);
  });
});
