/**
 * What a safety rule's card advises (`src/rules/safety-rule-advice.ts`): each piece of advice rests on words the
 * research note says (its rule table's "Card effect" column) and belongs to a rule of the default threshold set; R8's
 * sulfonylurea card says it under "What to do". Research words from `knowledge/research` (test/reference).
 */
import { decisionCard } from '../../../src/cards';
import { safetyRuleFindings } from '../../../src/rules/engine';
import { SAFETY_RULE_ADVICE, TRIGGER_ADVICE } from '../../../src/rules/safety-rule-advice';
import { DEFAULT_THRESHOLDS } from '../../../src/rules/thresholds';
import { gene, order } from '../../fixtures/rules/builders';
import { expectClinicianReadable } from '../../helpers/card-text';
import { decideFinding, shown, snapshotOf } from '../../helpers/decisions';
import { rendered } from '../../helpers/markdown';
import { cpicCall, researchSays } from '../../reference';

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
    '%s: a trigger of a safety rule of the default set, the advice resting on the research note',
    (key, advice) => {
      const [ruleId, triggerId] = key.split(':');
      const rule = DEFAULT_THRESHOLDS.sensorRules.find((r) => r.id === ruleId && r.safetyRule);
      expect(rule?.triggers.some((t) => t.id === triggerId && t.effect === 'raise')).toBe(true);
      expect(researchSays(advice.basis)).toBe(true);
      expect(advice.text).not.toMatch(/verify|§|\bR\d\b/);
    },
  );

  it('glipizide with CYP2C9 Intermediate Metabolizer: what to consider first, then that sensor data watch it', async () => {
    const call = cpicCall('CYP2C9', '*1/*3');
    const cyp2c9 = {
      ...gene('CYP2C9', call.phenotype, call.lookupKey),
      diplotype: '*1/*3',
      alleles: ['*1', '*3'],
    };
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
});
