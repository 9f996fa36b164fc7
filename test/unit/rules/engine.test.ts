/**
 * The rules engine: thresholds → baseline indicator, sensor rules → modifiers. Findings come from the cpic module
 * (CPIC data), sensor summaries from `summarizeSensors` on FHIR Observations; threshold values are read from the
 * research note (knowledge/sensor-thresholds.json, via test/reference) or set by the test, never copied from the engine.
 */
import { Engine } from 'json-rules-engine';
import { rowOf } from '../../../src/rules/cpic';
import type { Finding } from '../../../src/rules/cpic';
import { createRuleEngine, resolvePath, safetyRuleFindings } from '../../../src/rules/engine';
import { DEFAULT_THRESHOLDS, parseThresholdSet } from '../../../src/rules/thresholds';
import type { ThresholdSet } from '../../../src/rules/thresholds';
import { decisionExplanation, decisionRuleIds } from '../../../src/rules/types';
import type { Decision } from '../../../src/rules/types';
import { summarizeSensors } from '../../../src/sensors';
import type { SensorSummary } from '../../../src/sensors';
import {
  AT,
  NO_SENSORS,
  dailyObservations,
  findingFor,
  gene,
  genotyped,
  order,
  range,
  restingHeartRate,
} from '../../fixtures/rules/builders';
import { researchThreshold } from '../../reference';

const engine = createRuleEngine(DEFAULT_THRESHOLDS);
const evaluateOne = async (
  f: Finding,
  sensors: SensorSummary = NO_SENSORS,
  extra: { continuingDrugs?: string[]; ageYears?: number } = {},
  e = engine,
): Promise<Decision> => {
  const [result] = await e.evaluate([f], { sensors, ...extra });
  if (!result) throw new Error('no decision');
  return result;
};

/** A copy of the defaults changed by `edit` (as an informaticist would edit the JSON), validated again. */
function edited(edit: (json: ThresholdSet) => void): ThresholdSet {
  const json = structuredClone(DEFAULT_THRESHOLDS);
  edit(json);
  return parseThresholdSet({ ...json, version: 'test-edit' });
}

// CYP2D6 activity score 0 = Poor Metabolizer (knowledge/cpic/genes.json activityScoreRules "AS == 0").
const cyp2d6PM = gene('CYP2D6', 'Poor Metabolizer', '0.0');
const metoprololPM = (): Finding => findingFor('metoprolol', [cyp2d6PM]);

// R1 cut-offs as the research doc states them (§2.2 R1: "7-day median < 60 /min → +1; < 50 /min … → critical").
const R1_RAISE = researchThreshold('R1.raise');
const R1_CRITICAL = researchThreshold('R1.critical');

describe('baseline indicator from the thresholds (issue 5 defaults)', () => {
  it.each([
    // [drug, gene, phenotype, CPIC lookup value, row strength in knowledge/cpic, action, expected indicator]
    ['codeine', 'CYP2D6', 'Ultrarapid Metabolizer', '3.0', 'Strong', 'avoid', 'critical'],
    ['celecoxib', 'CYP2C9', 'Poor Metabolizer', '0.0', 'Moderate', 'adjust-dose', 'warning'],
    ['metoprolol', 'CYP2D6', 'Poor Metabolizer', '0.0', 'Moderate', 'adjust-dose', 'warning'],
    // "Prescribe an alternative statin"
    ['simvastatin', 'SLCO1B1', 'Poor Function', 'Poor Function', 'Strong', 'avoid', 'critical'],
  ] as const)(
    '%s + %s %s: %s %s %s → %s',
    async (drug, symbol, phenotype, key, strength, action, expected) => {
      const finding = findingFor(drug, [gene(symbol, phenotype, key)]);
      expect(rowOf(finding)?.strength).toBe(strength);
      expect(finding.action).toBe(action);
      const evaluated = await evaluateOne(finding);
      expect(evaluated).toMatchObject({
        indicator: expected,
        thresholdVersion: 'default-2026-12-03',
      });
    },
  );

  it('gives an Optional row info', async () => {
    // amitriptyline CYP2D6 AS 1.0 + CYP2C19 Likely Poor Metabolizer is Optional in knowledge/cpic (see the data).
    const finding = findingFor('amitriptyline', [
      gene('CYP2D6', 'Intermediate Metabolizer', '1.0'),
      gene('CYP2C19', 'Likely Poor Metabolizer'),
    ]);
    expect(rowOf(finding)?.strength).toBe('Optional');
    expect(await evaluateOne(finding)).toMatchObject({ indicator: 'info' });
  });

  it('shows no card for standard dosing', async () => {
    // codeine CYP2D6 AS 1.0: "Use codeine label recommended age- or weight-specific dosing" (Moderate).
    const finding = findingFor('codeine', [gene('CYP2D6', 'Intermediate Metabolizer', '1.0')]);
    expect(finding.action).toBe('standard');
    expect((await evaluateOne(finding)).indicator).toBe('none');
  });

  it('hides a non-avoid row when no phenotype is actionable by CPIC EHR priority, and says so', async () => {
    // CYP2C19 Normal Metabolizer is "Normal/Routine/Low Risk" in genes.json; clopidogrel NM = standard dosing.
    const edit = edited((t) => {
      t.interruption.Strong.standard = 'info';
    });
    const finding = findingFor('clopidogrel', [gene('CYP2C19', 'Normal Metabolizer')]);
    const evaluated = await evaluateOne(finding, NO_SENSORS, {}, createRuleEngine(edit));
    expect(evaluated.indicator).toBe('none');
    expect(decisionExplanation(evaluated).at(-1)).toBe(
      'No card: the alert thresholds count no phenotype here as actionable (CYP2C19 Normal Metabolizer)',
    );
  });

  it('a changed strength × action cell changes the outcome without code changes (Moderate adjust-dose → info)', async () => {
    const moderateInfo = createRuleEngine(
      edited((t) => {
        t.interruption.Moderate['adjust-dose'] = 'info';
      }),
    );
    expect(await evaluateOne(metoprololPM(), NO_SENSORS, {}, moderateInfo)).toMatchObject({
      indicator: 'info',
      thresholdVersion: 'test-edit',
    });
  });

  it('applies a per-drug override (re-grade and silence) and explains it', async () => {
    const raised = createRuleEngine(
      edited((t) => {
        t.drugOverrides.metoprolol = {
          indicator: 'critical',
          actions: ['adjust-dose'],
          reason: 'local policy',
        };
      }),
    );
    const raisedResult = await evaluateOne(metoprololPM(), NO_SENSORS, {}, raised);
    expect(raisedResult.indicator).toBe('critical');
    // Said in words on the card, without the threshold set's version label (the card's footer names the set).
    expect(raisedResult.notes).toEqual([
      'Local policy for metoprolol: shown as critical, not warning (local policy)',
    ]);
    expect(decisionExplanation(raisedResult).at(-1)).toBe(raisedResult.notes[0]);
    const silenced = createRuleEngine(
      edited((t) => {
        t.drugOverrides.metoprolol = { indicator: 'none', actions: ['adjust-dose'], reason: 'pilot' };
      }),
    );
    expect((await evaluateOne(metoprololPM(), NO_SENSORS, {}, silenced)).indicator).toBe('none');
    // Other drugs are untouched.
    const celecoxib = findingFor('celecoxib', [gene('CYP2C9', 'Poor Metabolizer', '0.0')]);
    expect((await evaluateOne(celecoxib, NO_SENSORS, {}, silenced)).indicator).toBe('warning');
  });

  it('shows pre-test alerts for CPIC level A pairs as info, not for level B, and follows the policy', async () => {
    const codeineUntested = findingFor('codeine', []); // CYP2D6–codeine: CPIC level A (pairs.json)
    const metoprololUntested = findingFor('metoprolol', []); // CYP2D6–metoprolol: level B/C
    expect(codeineUntested.action).toBe('order-test');
    expect(metoprololUntested.action).toBe('order-test');
    expect(await evaluateOne(codeineUntested)).toMatchObject({ indicator: 'info' });
    expect((await evaluateOne(metoprololUntested)).indicator).toBe('none');
    const withB = createRuleEngine(
      edited((t) => {
        t.preTest.levels = ['A', 'B'];
      }),
    );
    expect((await evaluateOne(metoprololUntested, NO_SENSORS, {}, withB)).indicator).not.toBe('none');
    const off = createRuleEngine(
      edited((t) => {
        t.preTest.show = false;
      }),
    );
    expect((await evaluateOne(codeineUntested, NO_SENSORS, {}, off)).indicator).toBe('none');
  });
});

describe('R1 metoprolol × resting heart rate', () => {
  it('reads its cut-offs from the research doc', () => {
    expect([R1_RAISE, R1_CRITICAL]).toEqual([60, 50]);
  });

  it('CYP2D6 PM without sensor data keeps the CPIC baseline (warning, no modifier)', async () => {
    const result = await evaluateOne(metoprololPM());
    expect(result).toMatchObject({ indicator: 'warning', modifiers: [] });
  });

  it('CYP2D6 PM with a sufficient, fresh 7-day median below the cut-off raises one step, with the evidence', async () => {
    const sensors = restingHeartRate(R1_RAISE - 5, range(0, 7));
    const result = await evaluateOne(metoprololPM(), sensors);
    expect(result.indicator).toBe('critical');
    expect(result.modifiers).toHaveLength(1);
    expect(result.modifiers[0]).toMatchObject({
      effect: 'raise',
      metric: 'resting-heart-rate',
      value: R1_RAISE - 5,
      unit: '/min',
      status: 'sufficient',
      devices: ['Test watch'],
      evidence: 'guideline',
    });
    expect(result.modifiers[0]?.window).toBeDefined();
    expect(decisionRuleIds(result)).toContain(result.modifiers[0]?.ruleId);
    expect(decisionExplanation(result).at(-1)).toContain(String(R1_RAISE - 5));
  });

  it('a heart rate at or above the cut-off changes nothing', async () => {
    const result = await evaluateOne(metoprololPM(), restingHeartRate(R1_RAISE, range(0, 7)));
    expect(result).toMatchObject({ indicator: 'warning', modifiers: [] });
  });

  it('below the critical cut-off raises two steps from an info baseline', async () => {
    const optional = createRuleEngine(
      edited((t) => {
        t.interruption.Moderate['adjust-dose'] = 'info';
      }),
    );
    const one = await evaluateOne(metoprololPM(), restingHeartRate(R1_RAISE - 1, range(0, 7)), {}, optional);
    const two = await evaluateOne(
      metoprololPM(),
      restingHeartRate(R1_CRITICAL - 1, range(0, 7)),
      {},
      optional,
    );
    expect(one.indicator).toBe('warning');
    expect(two.indicator).toBe('critical');
  });

  it('a changed R1 cut-off changes the outcome without code changes', async () => {
    const sensors = restingHeartRate(57, range(0, 7));
    expect((await evaluateOne(metoprololPM(), sensors)).indicator).toBe('critical');
    const lowerCutOff = createRuleEngine(
      edited((t) => {
        const trigger = t.sensorRules.find((r) => r.id.startsWith('R1'))?.triggers[0];
        if (trigger) trigger.value = 55;
      }),
    );
    expect((await evaluateOne(metoprololPM(), sensors, {}, lowerCutOff)).indicator).toBe('warning');
  });

  it('does not apply to a CYP2D6 normal metabolizer', async () => {
    const nm = findingFor('metoprolol', [gene('CYP2D6', 'Normal Metabolizer', '2.0')]);
    const result = await evaluateOne(nm, restingHeartRate(40, range(0, 7)));
    expect(result.modifiers).toEqual([]);
  });
});

describe('stale or sparse sensor data never changes an indicator', () => {
  it('insufficient (3 of 7 days) adds only a context modifier saying why', async () => {
    const result = await evaluateOne(metoprololPM(), restingHeartRate(40, [0, 1, 2]));
    expect(result.indicator).toBe('warning');
    expect(result.modifiers).toEqual([
      expect.objectContaining({ effect: 'context', status: 'insufficient', metric: 'resting-heart-rate' }),
    ]);
    expect(result.modifiers[0]?.note).toContain('3 of 7 days');
  });

  it('stale (newest 4 days old) adds only a context modifier', async () => {
    const result = await evaluateOne(metoprololPM(), restingHeartRate(40, range(4, 11)));
    expect(result.indicator).toBe('warning');
    expect(result.modifiers.map((m) => [m.effect, m.status])).toEqual([['context', 'stale']]);
  });

  it('a stricter sufficiency limit in the thresholds turns sufficient data into context only', async () => {
    const strict = createRuleEngine(
      edited((t) => {
        const limits = t.sufficiency['resting-heart-rate'];
        if (limits) limits.minDays = 6;
      }),
    );
    const result = await evaluateOne(metoprololPM(), restingHeartRate(40, range(0, 5)), {}, strict);
    expect(result.indicator).toBe('warning');
    expect(result.modifiers[0]).toMatchObject({ effect: 'context', status: 'insufficient' });
  });
});

describe('reassuring data (R1, research §2.3: stable therapy, median 65–80, no low-HR events)', () => {
  const reassuring = restingHeartRate(70, range(0, 7));

  it('lowers a dose-change card one step for a patient already on the drug', async () => {
    const result = await evaluateOne(metoprololPM(), reassuring, { continuingDrugs: ['metoprolol'] });
    expect(result.indicator).toBe('info');
    expect(result.modifiers[0]?.effect).toBe('lower');
  });

  it('keeps the baseline for a new order', async () => {
    expect((await evaluateOne(metoprololPM(), reassuring)).indicator).toBe('warning');
  });

  it('never lowers an avoid', async () => {
    const pm = metoprololPM();
    if (pm.kind !== 'recommendation') throw new Error(`metoprolol CYP2D6 PM: a ${pm.kind} finding`);
    const avoid: Finding = { ...pm, action: 'avoid' };
    const result = await evaluateOne(avoid, reassuring, { continuingDrugs: ['metoprolol'] });
    expect(result.indicator).toBe('warning'); // Moderate avoid → warning, unchanged
    expect(result.modifiers.every((m) => m.effect !== 'lower')).toBe(true);
  });

  it('never lowers on insufficient data', async () => {
    const result = await evaluateOne(metoprololPM(), restingHeartRate(70, [0, 1, 2]), {
      continuingDrugs: ['metoprolol'],
    });
    expect(result.indicator).toBe('warning');
  });
});

describe('rule sets indexed by drug', () => {
  it('runs only the rule set of the drugs given', async () => {
    const run = jest.spyOn(Engine.prototype, 'run');
    try {
      await engine.evaluate([findingFor('clopidogrel', [gene('CYP2C19', 'Poor Metabolizer')])], {
        sensors: NO_SENSORS,
      });
      expect(run).not.toHaveBeenCalled();
      await engine.evaluate([metoprololPM()], { sensors: NO_SENSORS });
      expect(run).toHaveBeenCalledTimes(1);
    } finally {
      run.mockRestore();
    }
    expect(engine.rulesFor('clopidogrel')).toEqual([]);
    expect(engine.rulesFor('metoprolol').length).toBeGreaterThan(0);
    expect(engine.rulesFor('metoprolol').every((name) => name.startsWith('R1'))).toBe(true);
  });

  it('a disabled rule is not indexed', () => {
    const off = createRuleEngine(
      edited((t) => {
        for (const rule of t.sensorRules) if (rule.id.startsWith('R1')) rule.enabled = false;
      }),
    );
    expect(off.rulesFor('metoprolol')).toEqual([]);
  });
});

describe('other sensor rules', () => {
  const hand = (metric: string, value: number, unit: string, days = 14): SensorSummary => ({
    at: AT,
    metrics: [
      {
        metric: metric as SensorSummary['metrics'][number]['metric'],
        value,
        unit,
        window: { start: new Date(Date.parse(AT) - days * 86_400_000).toISOString(), end: AT },
        basis: 'summary-observation',
        sampleCount: 1,
        daysWithData: days,
        coverage: 1,
        newestSample: AT,
        status: 'sufficient',
        reasons: [],
        devices: ['Test CGM'],
        sourceCount: 1,
      },
    ],
    notes: [],
    dataQuality: [],
  });

  it('R8 sulfonylurea + CYP2C9 PM: a safety-rule finding is raised by CGM time below 70 mg/dL, and says so', async () => {
    // Battelino 2019 (research §2.2 R8): TBR < 70 mg/dL > 4 % → +1.
    const tbr = researchThreshold('R8.tbr70');
    const [safety] = safetyRuleFindings(
      [order('glipizide')],
      [gene('CYP2C9', 'Poor Metabolizer', '0.0')],
      [],
      DEFAULT_THRESHOLDS,
    );
    if (!safety) throw new Error('no safety-rule finding');
    expect((await evaluateOne(safety)).indicator).toBe('info');
    const raised = await evaluateOne(safety, hand('cgm-time-below-70', tbr + 1, '%'));
    expect(raised.indicator).toBe('warning');
    expect(raised.modifiers[0]?.note).toContain('not a CPIC/DPWG-actionable pair');
    expect(raised.modifiers[0]?.evidence).toBe('consensus');
    expect(await evaluateOne(safety, hand('cgm-time-below-70', tbr - 1, '%'))).toMatchObject({
      indicator: 'info',
      modifiers: [],
    });
  });

  describe('R2 siponimod (safety rule from the drug label, research §2.2 R2)', () => {
    const R2_HR = researchThreshold('R2.resting-hr');
    const cyp2c9 = (diplotype: string) => genotyped('CYP2C9', diplotype);
    const siponimod = (diplotype: string) => {
      const [finding] = safetyRuleFindings([order('siponimod')], [cyp2c9(diplotype)], [], DEFAULT_THRESHOLDS);
      if (!finding) throw new Error(`no siponimod finding for ${diplotype}`);
      return finding;
    };

    it('*1/*3: the label dose at the safety-rule baseline; resting HR below the label threshold raises it one step', async () => {
      const finding = siponimod('*1/*3');
      // The note's label summary gives *1/*3 a maintenance dose: a dose change, not only watching.
      expect(finding.action).toBe('adjust-dose');
      expect((await evaluateOne(finding)).indicator).toBe(DEFAULT_THRESHOLDS.safetyRuleBaseline);
      const low = await evaluateOne(finding, restingHeartRate(R2_HR - 3, range(0, 7)));
      expect(low.indicator).toBe('warning');
      expect(low.modifiers[0]).toMatchObject({
        effect: 'raise',
        metric: 'resting-heart-rate',
        evidence: 'label',
      });
      const inRange = await evaluateOne(finding, restingHeartRate(R2_HR, range(0, 7)));
      expect(inRange.indicator).toBe(DEFAULT_THRESHOLDS.safetyRuleBaseline);
    });

    it('*3/*3: contraindicated by the label, critical "avoid" whatever the heart rate', async () => {
      const finding = siponimod('*3/*3');
      expect(finding.action).toBe('avoid');
      expect(finding.explanation.join(' ')).toMatch(/label contraindicates it for CYP2C9 \*3\/\*3/);
      for (const sensors of [
        NO_SENSORS,
        restingHeartRate(R2_HR + 20, range(0, 7)),
        restingHeartRate(R2_HR - 10, range(0, 7)),
      ]) {
        expect((await evaluateOne(finding, sensors)).indicator).toBe('critical');
      }
    });

    it('a normal metabolizer (*1/*1): no finding', () => {
      expect(safetyRuleFindings([order('siponimod')], [cyp2c9('*1/*1')], [], DEFAULT_THRESHOLDS)).toEqual([]);
    });
  });

  it('R5 atomoxetine + CYP2D6 PM: a heart-rate rise of 20 /min or more over the 28 days before raises one step', async () => {
    // FDA atomoxetine label §5.4 via research §2.2 R5: "HR rise ≥ 20 /min … vs baseline → +1".
    const rise = researchThreshold('R5.hr-rise');
    const heartRate = (recent: number): SensorSummary =>
      summarizeSensors(
        [
          ...dailyObservations('8867-4', '/min', range(0, 7), recent),
          ...dailyObservations('8867-4', '/min', range(7, 35), 70),
        ],
        AT,
      );
    const finding = findingFor('atomoxetine', [cyp2d6PM]);
    const baseline = (await evaluateOne(finding)).indicator;
    const ladder = ['none', 'info', 'warning', 'critical'] as const;
    const raised = await evaluateOne(finding, heartRate(70 + rise));
    expect(raised.indicator).toBe(ladder[Math.min(3, ladder.indexOf(baseline) + 1)]);
    expect(raised.modifiers[0]).toMatchObject({
      effect: 'raise',
      metric: 'heart-rate-change',
      evidence: 'label',
    });
    expect((await evaluateOne(finding, heartRate(70 + rise - 5))).indicator).toBe(baseline);
    // Not for a normal metabolizer (the label's larger rise is in poor metabolizers).
    const nm = findingFor('atomoxetine', [gene('CYP2D6', 'Normal Metabolizer', '2.0')]);
    expect((await evaluateOne(nm, heartRate(70 + rise))).modifiers).toEqual([]);
  });

  it('R3 citalopram + CYP2C19 PM: QTc above 500 ms cannot raise a card that is already critical (context)', async () => {
    const finding = findingFor('citalopram', [gene('CYP2C19', 'Poor Metabolizer')]);
    const result = await evaluateOne(finding, hand('qtc-latest', 510, 'ms', 30));
    expect(result.indicator).toBe('critical');
    expect(result.modifiers[0]).toMatchObject({ effect: 'context', metric: 'qtc-latest' });
  });

  it('R3 reads the order dose: citalopram above 20 mg for a CYP2C19 PM is noted', async () => {
    const finding = findingFor('citalopram', [gene('CYP2C19', 'Poor Metabolizer')], {
      value: 40,
      unit: 'mg',
      code: 'mg',
    });
    const result = await evaluateOne(finding);
    expect(result.modifiers.map((m) => m.metric)).toEqual(['order-dose']);
  });

  it('R10 statin steps and R12 SSRI sleep only ever add context', async () => {
    const simvastatin = findingFor('simvastatin', [gene('SLCO1B1', 'Decreased Function')]);
    const steps = await evaluateOne(simvastatin, hand('steps-change', -45, '%'));
    expect(steps.indicator).toBe((await evaluateOne(simvastatin)).indicator);
    expect(steps.modifiers.map((m) => m.effect)).toEqual(['context']);
    const sertraline = findingFor('sertraline', [gene('CYP2C19', 'Poor Metabolizer')]);
    const sleep = await evaluateOne(sertraline, hand('sleep-duration', 4, 'h'));
    expect(sleep.indicator).toBe((await evaluateOne(sertraline)).indicator);
    expect(sleep.modifiers.map((m) => [m.effect, m.metric])).toEqual([['context', 'sleep-duration']]);
  });
});

describe('rule paths', () => {
  const set = { sensorRules: [{ id: 'a', triggers: [{ value: 60 }, { value: 50, upTo: 80 }] }] };

  it('reads a value by names and indexes', () => {
    expect(resolvePath(set, '$.sensorRules[0].triggers[1].upTo')).toBe(80);
    expect(resolvePath({ usable: false }, '$.usable')).toBe(false);
  });

  it('gives undefined for a path that leads nowhere, as the engine expects of a missing value', () => {
    expect(resolvePath(set, '$.sensorRules[3].triggers[0].value')).toBeUndefined();
    expect(resolvePath(set, '$.sensorRules[0].id.length.more')).toBeUndefined();
  });

  it('refuses a path syntax no rule writes rather than guess', () => {
    expect(() => resolvePath(set, '$..value')).toThrow(/unsupported rule path/);
    expect(() => resolvePath(set, 'sensorRules[0]')).toThrow(/unsupported rule path/);
  });
});
