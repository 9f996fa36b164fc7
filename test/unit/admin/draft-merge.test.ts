/**
 * The threshold editor's fresh-eyes review, the pure core: a replay cannot predict what a changed sensor window does
 * from recorded calls (their figures are over the old window), and says so instead of counting it; a draft made from
 * an older version says what publishing it would undo, and its own changes are carried onto the version in force by a
 * three-way merge that keeps the version in force's value where both changed the same one.
 */
import type { FhirResource, Patient } from 'fhir/r4';
import { shadowReport } from '../../../src/admin/shadow';
import { changesUndone, mergeThresholdSets, replayAgainstDraft } from '../../../src/admin/thresholds';
import type { ComparedDecision } from '../../../src/admin/thresholds';
import { assess, readPatientData } from '../../../src/rules/assess';
import { resolveDrugOrders } from '../../../src/rules/cpic';
import { createRuleEngine } from '../../../src/rules/engine';
import { DEFAULT_THRESHOLDS, parseThresholdSet } from '../../../src/rules/thresholds';
import type { ThresholdSet } from '../../../src/rules/thresholds';
import { AT, dailyObservations, range } from '../../fixtures/rules/builders';
import { readFixture } from '../../helpers/fixtures';
import { researchThreshold } from '../../reference';

const R1 = 'R1-metoprolol-resting-hr';

function edited(
  version: string,
  edit: (json: ThresholdSet) => void,
  from = DEFAULT_THRESHOLDS,
): ThresholdSet {
  const json = structuredClone(from);
  edit(json);
  return parseThresholdSet({ ...json, version });
}

function r1Value(set: ThresholdSet): number | undefined {
  return set.sensorRules.find((r) => r.id === R1)?.triggers[0]?.value;
}

describe('replay of a draft that changes a data window', () => {
  it('does not count the level changes of the rules reading it, and says why', async () => {
    const patient = readFixture('hooks', 'patient.json') as Patient;
    const pgx = readFixture('hooks', 'pgx-results.json') as Record<string, FhirResource[]>;
    const drafts = readFixture('hooks', 'draft-orders.json') as Record<string, FhirResource>;
    const data = readPatientData(
      {
        patient,
        pgx: [...(pgx['CYP2D6 *5/*5'] ?? [])],
        pgxComplete: true,
        sensorResources: dailyObservations(
          '40443-4',
          '/min',
          range(0, 14),
          researchThreshold('R1.raise') - 5,
        ),
        medications: [],
      },
      new Date(AT),
    );
    const live = createRuleEngine(DEFAULT_THRESHOLDS);
    const { inputs, decisions } = await assess(
      data,
      resolveDrugOrders([drafts.metoprolol as FhirResource]),
      { now: new Date(AT), preTest: 'allow' },
      live,
    );
    // R1 raised the card on the 7-day figure the call recorded.
    expect(decisions[0]?.modifiers.map((m) => m.effect)).toContain('raise');
    const longer = edited('hr-14-days', (json) => {
      const hr = json.sufficiency['resting-heart-rate'];
      if (hr) hr.windowDays = 14;
    });
    const report = await replayAgainstDraft([inputs, inputs], live, longer);
    // On the recorded 7-day figure the draft would read the heart rate as context only and lower the card: an
    // artefact, not a prediction (live, the 14-day figure is as low and the card stays raised).
    expect(report.totals.change).toBe(0);
    expect(report.byRule.every((g) => g.change === 0)).toBe(true);
    expect(report.notPredicted).toMatchObject({
      cards: 2,
      byRule: [{ key: `${R1}:resting-hr-below-60`, cards: 2 }],
    });
    expect(report.notPredicted?.rules).toContain(R1);
    expect(report.notPredicted?.reasons).toEqual([
      expect.stringMatching(
        /^The draft changes resting heart rate: its window from 7 to 14 days\. Recorded calls hold figures over the old window, so what .*R1-metoprolol-resting-hr.* would do cannot be predicted from them\.$/,
      ),
    ]);
    // A draft that changes no window predicts as before, with nothing left out.
    const same = await replayAgainstDraft(
      [inputs],
      live,
      edited('same', () => undefined),
    );
    expect(same.notPredicted).toBeUndefined();
  });
});

describe('a draft made from a version no longer in force', () => {
  const base = DEFAULT_THRESHOLDS;
  // Bob's published change: INR limit and R1 both changed; Alice's draft changes the acknowledgement days and R1.
  const inForce = edited('bob', (json) => {
    const r1 = json.sensorRules.find((r) => r.id === R1)?.triggers[0];
    if (r1) r1.value = 55;
    json.volume.acknowledgedDays = 20;
  });
  const draft = edited('alice', (json) => {
    const r1 = json.sensorRules.find((r) => r.id === R1)?.triggers[0];
    if (r1) r1.value = 58;
    json.volume.orderSelectCardMinutes = 120;
    json.sensorRules = json.sensorRules.filter((r) => !r.id.startsWith('R10'));
  });

  it('says which values of the version in force publishing it would undo or replace', () => {
    const { undone, replaced } = changesUndone(base, draft, inForce);
    expect(undone.map((c) => c.path)).toEqual(['volume.acknowledgedDays']);
    expect(undone[0]).toMatchObject({ from: 20, to: base.volume.acknowledgedDays });
    expect(replaced.map((c) => c.text)).toEqual([
      `Sensor rule ${R1}, trigger resting-hr-below-60: value: 55 → 58.`,
    ]);
  });

  it('pairs sensor rules and triggers by id, not by position, when a rule in the middle is removed', () => {
    // Alice's draft removes R3; Bob's published version lowered R7's home systolic mean. Publishing Alice's draft as it
    // stands would put R7's old value back (undone) and replaces nothing of Bob's; positions after R3 all shift by one.
    const r7 = (json: ThresholdSet) =>
      json.sensorRules.find((r) => r.id.startsWith('R7'))?.triggers.find((t) => t.id === 'home-sbp-mean-130');
    const bobs = edited('bob-r7', (json) => {
      const t = r7(json);
      if (t) t.value = 125;
    });
    const alices = edited('alice-no-r3', (json) => {
      json.sensorRules = json.sensorRules.filter((r) => !r.id.startsWith('R3'));
    });
    const r7Id = base.sensorRules.find((r) => r.id.startsWith('R7'))?.id ?? 'R7';
    const { undone, replaced } = changesUndone(base, alices, bobs);
    expect(replaced).toEqual([]);
    expect(undone).toHaveLength(1);
    expect(undone[0]).toMatchObject({ from: 125, to: r7(structuredClone(base))?.value });
    expect(undone[0]?.text).toBe(`Sensor rule ${r7Id}, trigger home-sbp-mean-130: value: 125 → 130.`);
  });

  it('carries the draft’s own changes onto the version in force, keeping its value where both changed one', () => {
    const { set, conflicts } = mergeThresholdSets(base, draft, inForce);
    const merged = parseThresholdSet({ ...set, version: 'alice' });
    // Bob's change stays, Alice's own changes are carried over (a removed rule stays removed).
    expect(merged.volume.acknowledgedDays).toBe(20);
    expect(merged.volume.orderSelectCardMinutes).toBe(120);
    expect(merged.sensorRules.some((r) => r.id.startsWith('R10'))).toBe(false);
    expect(merged.sensorRules.map((r) => r.id)).toEqual(
      inForce.sensorRules.filter((r) => !r.id.startsWith('R10')).map((r) => r.id),
    );
    // Both changed R1's limit: the version in force's 55 is kept, and the conflict says so in words.
    expect(r1Value(merged)).toBe(55);
    expect(conflicts).toEqual([
      {
        path: 'sensorRules.0.triggers.0.value',
        base: 60,
        draft: 58,
        inForce: 55,
        text: `Sensor rule ${R1}, trigger resting-hr-below-60: value: the draft changed it from 60 to 58, the version in force to 55; the draft now has the version in force's 55.`,
      },
    ]);
  });
});

describe('shadow mode of a draft that changes a data window', () => {
  it('sets aside, as replay does, the level changes of the rules reading it', async () => {
    const longer = edited('hr-14-days', (json) => {
      const hr = json.sufficiency['resting-heart-rate'];
      if (hr) hr.windowDays = 14;
    });
    const r1 = { key: `${R1}:resting-hr-below-60`, label: 'Sensor rule: resting heart rate below 60/min' };
    const cpic = { key: 'cpic:clopidogrel', label: 'CPIC recommendation for CYP2C19 Poor Metabolizer' };
    const comparison: ComparedDecision[] = [
      {
        change: 'change',
        from: 'critical',
        to: 'warning',
        rules: [r1],
        pairs: ['metoprolol|CYP2D6'],
        summary: '',
      },
      {
        change: 'change',
        from: 'critical',
        to: 'warning',
        rules: [cpic],
        pairs: ['clopidogrel|CYP2C19'],
        summary: '',
      },
    ];
    const at = new Date(AT);
    const store = {
      shadow: {
        list: () =>
          Promise.resolve([
            {
              shadowVersion: 'hr-14-days',
              liveVersion: DEFAULT_THRESHOLDS.version,
              hook: 'order-sign',
              recordedAt: at,
              comparison,
            },
          ]),
        recordMany: () => Promise.resolve(),
      },
    };
    const report = await shadowReport(
      store,
      createRuleEngine(longer),
      createRuleEngine(DEFAULT_THRESHOLDS),
      100,
    );
    expect(report.totals.change).toBe(1);
    expect(report.notPredicted).toMatchObject({ cards: 1, byRule: [{ key: r1.key, cards: 1 }] });
  });
});
