/**
 * Sensor rules as an informaticist authors them (issue 11 item 6): every rule-level problem the schema cannot see is
 * explained in words, naming the rule and trigger, and a rule's conditions read as sentences.
 */
import { describeSensorRule, validateThresholdSet } from '../../../src/admin/thresholds';
import { DEFAULT_THRESHOLDS } from '../../../src/rules/thresholds';
import type { SensorRuleThresholds, ThresholdSet } from '../../../src/rules/thresholds';

/** R1 of the default set (metoprolol, CYP2D6 PM/IM, resting heart rate), as JSON an author edits. */
function r1(): SensorRuleThresholds {
  const rule = DEFAULT_THRESHOLDS.sensorRules.find((r) => r.id === 'R1-metoprolol-resting-hr');
  if (!rule) throw new Error('the default set has R1');
  return structuredClone(rule);
}

/** The defaults with R1 replaced by `edit(R1)` (or `extra` rules added). */
function withR1(edit: (rule: Record<string, unknown>) => void, extra: unknown[] = []): unknown {
  const set: ThresholdSet = structuredClone(DEFAULT_THRESHOLDS);
  const rule = r1() as unknown as Record<string, unknown>;
  edit(rule);
  const rules: unknown[] = set.sensorRules.map((r) => (r.id === 'R1-metoprolol-resting-hr' ? rule : r));
  return { ...set, sensorRules: [...rules, ...extra] };
}

const trigger0 = (rule: Record<string, unknown>) => (rule.triggers as Record<string, unknown>[])[0] ?? {};
const messages = (json: unknown) => validateThresholdSet(json).map((p) => p.message);

describe('sensor rule validation in words', () => {
  it('accepts the default set', () => {
    expect(validateThresholdSet(DEFAULT_THRESHOLDS)).toEqual([]);
  });

  it('names an unknown metric with the value given', () => {
    const [message] = messages(withR1((r) => (trigger0(r).metric = 'heart-rate-variability')));
    expect(message).toMatch(/^Sensor rule R1-metoprolol-resting-hr, trigger resting-hr-below-60: metric/);
    expect(message).toContain('"heart-rate-variability"');
  });

  it('says which unit the metric is measured in', () => {
    expect(messages(withR1((r) => (trigger0(r).unit = 'Hz')))).toEqual([
      'Sensor rule R1-metoprolol-resting-hr, trigger resting-hr-below-60: resting heart rate is measured in /min, not Hz.',
    ]);
  });

  it('refuses a drug the service never decides on, and a drug outside CPIC unless the rule is a safety rule', () => {
    const [unknown] = messages(withR1((r) => (r.drugs = ['metoprolol', 'metoprololol'])));
    expect(unknown).toMatch(/metoprololol is not a CPIC drug/);
    expect(unknown).toMatch(/never apply/);
    const [safety] = messages(withR1((r) => ((r.drugs = ['aspirinx']), (r.safetyRule = true))));
    expect(safety).toMatch(/aspirinx is neither a CPIC drug nor a drug the safety rules recognise/);
  });

  it('refuses an unknown gene, and a phenotype CPIC does not give that gene, listing the ones it has', () => {
    expect(messages(withR1((r) => (r.phenotypes = { CYP2D7: ['Poor Metabolizer'] })))).toContain(
      'Sensor rule R1-metoprolol-resting-hr: CYP2D7 is not a gene in the CPIC data.',
    );
    const [phenotype] = messages(withR1((r) => (r.phenotypes = { CYP2D6: ['Poor Metaboliser'] })));
    expect(phenotype).toMatch(/"Poor Metaboliser" is not a phenotype CPIC gives CYP2D6/);
    expect(phenotype).toContain('"Poor Metabolizer"');
  });

  it('refuses a gene CPIC does not pair with the drug: the rule could never apply', () => {
    const [message] = messages(withR1((r) => (r.phenotypes = { CYP2C9: ['Poor Metabolizer'] })));
    expect(message).toMatch(
      /CPIC pairs metoprolol with .*CYP2D6.*, not with CYP2C9, so the rule would never apply/,
    );
  });

  it('refuses duplicate rule ids and duplicate trigger ids', () => {
    expect(messages(withR1(() => undefined, [r1()]))).toEqual([
      'Sensor rule R1-metoprolol-resting-hr is listed twice.',
    ]);
    const duplicateTrigger = messages(
      withR1((r) => {
        const triggers = r.triggers as Record<string, unknown>[];
        triggers.push({ ...trigger0(r), value: 45 });
      }),
    );
    expect(duplicateTrigger).toEqual([
      'Sensor rule R1-metoprolol-resting-hr: trigger resting-hr-below-60 is listed twice.',
    ]);
  });

  it('refuses a trigger that can never fire: a range whose upper bound is below its value, or empty', () => {
    const lower = (edit: (t: Record<string, unknown>) => void) =>
      messages(
        withR1((r) => {
          const t = (r.triggers as Record<string, unknown>[]).find((x) => x.effect === 'lower');
          if (t) edit(t);
        }),
      );
    expect(lower((t) => ((t.value = 80), (t.upTo = 65)))).toEqual([
      'Sensor rule R1-metoprolol-resting-hr, trigger resting-hr-in-range: the upper bound 65 is below the value 80.',
    ]);
    expect(lower((t) => ((t.operator = 'greaterThan'), (t.value = 70), (t.upTo = 70)))[0]).toMatch(
      /no value is above 70 and at most 70, so the trigger could never fire/,
    );
    expect(lower((t) => (t.operator = 'lessThan'))[0]).toMatch(
      /needs "greaterThanInclusive" or "greaterThan"/,
    );
  });

  it('refuses settings the rules engine ignores: continuing therapy on a raise, two steps on a lower', () => {
    expect(messages(withR1((r) => (trigger0(r).requiresContinuingTherapy = true)))[0]).toMatch(
      /trigger resting-hr-below-60: only a trigger that lowers the card can require continuing therapy/,
    );
    const twoSteps = messages(
      withR1((r) => {
        const t = (r.triggers as Record<string, unknown>[]).find((x) => x.effect === 'lower');
        if (t) t.steps = 2;
      }),
    );
    expect(twoSteps).toEqual([
      'Sensor rule R1-metoprolol-resting-hr, trigger resting-hr-in-range: a trigger that lowers the card lowers it one step only.',
    ]);
    const lowCoverageLower = messages(
      withR1((r) => {
        const t = (r.triggers as Record<string, unknown>[]).find((x) => x.effect === 'lower');
        if (t) t.evenWithLowCoverage = true;
      }),
    );
    expect(lowCoverageLower).toEqual([
      'Sensor rule R1-metoprolol-resting-hr, trigger resting-hr-in-range: only a trigger that raises the card can act on too little data; on a trigger that lowers the card it would be ignored.',
    ]);
  });
});

describe('a sensor rule in words', () => {
  it('says to whom it applies and what each trigger does, action first', () => {
    const words = describeSensorRule(r1(), DEFAULT_THRESHOLDS);
    const window = DEFAULT_THRESHOLDS.sufficiency['resting-heart-rate']?.windowDays ?? 0;
    expect(words[0]).toBe('For metoprolol when CYP2D6 is Poor Metabolizer or Intermediate Metabolizer.');
    expect(words).toContain(
      `Raise the card one step when the resting heart rate over the last ${String(window)} days is below 60/min.`,
    );
    // Research §2.4: a resting heart rate below 40/min escalates even with low coverage (the 2026-12-03 defaults).
    expect(words).toContain(
      `Raise the card two steps when the resting heart rate over the last ${String(window)} days is below 40/min, even on too few days of data (the card then says the data were few).`,
    );
    expect(words.find((w) => w.startsWith('Lower'))).toMatch(
      /^Lower the card one step when the resting heart rate .* is from 65\/min to 80\/min, if the patient already takes the drug and there were no low heart rate events\.$/,
    );
  });

  it('says a context rule that shows its measure whatever the value without a bound (R12: sleep "≥ 0 h")', () => {
    const r12 = DEFAULT_THRESHOLDS.sensorRules.find((r) => r.id === 'R12-ssri-sleep');
    const trigger = r12?.triggers[0];
    expect([trigger?.effect, trigger?.operator, trigger?.value]).toEqual([
      'context',
      'greaterThanInclusive',
      0,
    ]);
    const window = DEFAULT_THRESHOLDS.sufficiency['sleep-duration']?.windowDays ?? 0;
    expect(describeSensorRule(r12!, DEFAULT_THRESHOLDS)).toContain(
      `Show the sleep duration over the last ${String(window)} days as context, never changing the card.`,
    );
  });

  it('says when a rule is off', () => {
    expect(describeSensorRule({ ...r1(), enabled: false }, DEFAULT_THRESHOLDS)[0]).toMatch(
      /^Turned off: never applies\./,
    );
  });
});
