/**
 * The ThresholdSet model: defaults as issue 5 and the research doc state them, validation that names the bad field,
 * canonical serialization, the published-or-default loader, CPIC EHR priority as the actionability default, the
 * default set as a data file whose sensor numbers are the research note's (knowledge/sensor-thresholds.json), the
 * one list of metric ids, and the set's sufficiency as the sensors module's policy (sensorPolicyOf).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DEFAULT_THRESHOLDS,
  DEFAULT_THRESHOLDS_FILE,
  isActionablePhenotype,
  loadPublishedThresholds,
  ORDER_DOSE,
  parseThresholdSet,
  readThresholdSetFile,
  sensorPolicyOf,
  serializeThresholdSet,
  THRESHOLDS_DIR,
} from '../../../src/rules/thresholds';
import { createRuleEngine } from '../../../src/rules/engine';
import type { SufficiencyThresholds, ThresholdSet } from '../../../src/rules/thresholds';
import { DEFAULT_SENSOR_POLICY, SENSOR_METRIC_IDS, summarizeSensors } from '../../../src/sensors';
import type { SensorMetricId, SensorSummary } from '../../../src/sensors';
import { AT, dailyObservations, findingFor, gene, range } from '../../fixtures/rules/builders';
import { cpicGenes, researchSays, researchThreshold, sensorThreshold } from '../../reference';

const rule = (prefix: string) => {
  const found = DEFAULT_THRESHOLDS.sensorRules.find((r) => r.id.startsWith(prefix));
  if (!found) throw new Error(`no ${prefix}`);
  return found;
};
const trigger = (prefix: string, id: string) => rule(prefix).triggers.find((t) => t.id === id);

describe('DEFAULT_THRESHOLDS', () => {
  it('has a version and follows the issue 5 strength × action matrix', () => {
    expect(DEFAULT_THRESHOLDS.version).toMatch(/^default-\d{4}-\d{2}-\d{2}$/);
    // Issue 5: Strong avoid → critical; other Strong/Moderate changes → warning; Optional → info; standard → none.
    expect(DEFAULT_THRESHOLDS.interruption.Strong).toEqual({
      avoid: 'critical',
      'adjust-dose': 'warning',
      monitor: 'warning',
      standard: 'none',
    });
    expect(DEFAULT_THRESHOLDS.interruption.Moderate).toEqual({
      avoid: 'warning',
      'adjust-dose': 'warning',
      monitor: 'warning',
      standard: 'none',
    });
    expect(DEFAULT_THRESHOLDS.interruption.Optional).toEqual({
      avoid: 'info',
      'adjust-dose': 'info',
      monitor: 'info',
      standard: 'none',
    });
    for (const row of Object.values(DEFAULT_THRESHOLDS.interruption)) expect(row.standard).toBe('none');
    expect(DEFAULT_THRESHOLDS.preTest).toEqual({ show: true, indicator: 'info', levels: ['A'] });
  });

  it('takes R1 values from the research doc (§2.2 rule table, §2.4 sufficiency)', () => {
    expect(trigger('R1', 'resting-hr-below-60')?.value).toBe(researchThreshold('R1.raise'));
    expect(trigger('R1', 'resting-hr-below-50')?.value).toBe(researchThreshold('R1.critical'));
    expect(trigger('R1', 'low-hr-events')?.value).toBe(researchThreshold('R1.low-hr-events'));
    // §2.4 "| Resting HR | 7 d | ≥ 4 of 7 days … | newest ≤ 72 h | design choice |"
    expect(sensorThreshold('resting-hr.max-age').unit).toBe('h');
    expect(sensorThreshold('resting-hr.window').citation).toBe('design choice');
    expect(DEFAULT_THRESHOLDS.sufficiency['resting-heart-rate']).toMatchObject({
      windowDays: researchThreshold('resting-hr.window'),
      minDays: researchThreshold('resting-hr.min-days'),
      maxAgeHours: researchThreshold('resting-hr.max-age'),
      evidence: 'design',
    });
  });

  it('takes QTc, home BP, CGM and INR values from the research doc', () => {
    // §2.2 R3: "QTc > 500 ms or Δ > 60 ms vs baseline → `critical`" (two steps up).
    expect(sensorThreshold('R3.qtc').quote).toMatch(/QTc > 500 ms or Δ > 60 ms vs baseline → `critical`/);
    expect(trigger('R3', 'qtc-above-500')).toMatchObject({
      value: researchThreshold('R3.qtc'),
      steps: 2,
      evidence: 'label',
    });
    expect(trigger('R3', 'qtc-rise-above-60')?.value).toBe(researchThreshold('R3.qtc-rise'));
    expect(trigger('R7', 'home-sbp-mean-130')?.value).toBe(researchThreshold('R7.systolic'));
    expect(trigger('R7', 'home-dbp-mean-80')?.value).toBe(researchThreshold('R7.diastolic'));
    expect(trigger('R7', 'home-sbp-reading-180')?.value).toBe(researchThreshold('R7.critical-systolic'));
    expect(trigger('R7', 'home-dbp-reading-120')?.value).toBe(researchThreshold('R7.critical-diastolic'));
    expect(trigger('R1', 'resting-hr-below-40')).toMatchObject({
      value: researchThreshold('resting-hr.low-coverage-raise'),
      evenWithLowCoverage: true,
    });
    expect(DEFAULT_THRESHOLDS.sufficiency['home-bp-systolic']).toMatchObject({
      minReadings: researchThreshold('home-bp.min-readings'),
      minDays: researchThreshold('home-bp.min-days'),
    });
    expect(trigger('R8', 'tbr-below-70-over-4')?.value).toBe(researchThreshold('R8.tbr70'));
    expect(trigger('R8', 'tbr-below-54-over-1')?.value).toBe(researchThreshold('R8.tbr54'));
    // §2.2 R8 "**14 d, ≥ 70 % sensor active**"; §2.4 CGM "≥ 14 days of wear and ≥ 70 % of possible readings".
    expect(researchSays('≥ 70 % sensor active')).toBe(true);
    expect(sensorThreshold('cgm.coverage').unit).toBe('%');
    expect(DEFAULT_THRESHOLDS.sufficiency['cgm-time-below-70']).toMatchObject({
      minDays: researchThreshold('cgm.min-days'),
      minCoverage: researchThreshold('cgm.coverage') / 100,
    });
    expect(trigger('R9', 'inr-above-4')?.value).toBe(researchThreshold('R9.raise'));
    expect(trigger('R9', 'inr-at-least-5')).toMatchObject({
      value: researchThreshold('R9.critical'),
      steps: 2,
    });
  });

  it('labels the sulfonylurea rule a safety rule and the exploratory rules context-only', () => {
    expect(researchSays('**Not a CPIC/DPWG-actionable pair** — state as "safety rule"')).toBe(true);
    expect(rule('R8').safetyRule).toBe(true);
    for (const prefix of ['R10', 'R12']) {
      expect(rule(prefix).triggers.every((t) => t.effect === 'context')).toBe(true);
    }
  });
});

describe('actionable phenotypes: CPIC EHR priority notation (knowledge/cpic/genes.json)', () => {
  const genes = cpicGenes();
  it.each(['CYP2D6', 'CYP2C19', 'CYP2C9', 'SLCO1B1', 'DPYD'])('%s', (symbol) => {
    const priorities = Object.entries(genes[symbol]?.ehrPriority ?? {});
    expect(priorities.length).toBeGreaterThan(0);
    for (const [phenotype, notation] of priorities) {
      expect(isActionablePhenotype(DEFAULT_THRESHOLDS, symbol, phenotype)).toBe(
        notation === 'Abnormal/Priority/High Risk',
      );
    }
  });

  it('counts a phenotype CPIC gives no notation for as actionable, and honours additions', () => {
    expect(genes['HLA-B']?.ehrPriority ?? {}).toEqual({});
    expect(isActionablePhenotype(DEFAULT_THRESHOLDS, 'HLA-B', '*57:01 positive')).toBe(true);
    const added = parseThresholdSet({
      ...DEFAULT_THRESHOLDS,
      actionablePhenotypes: { ehrPriorityNotations: [], additional: { CYP2D6: ['Normal Metabolizer'] } },
    });
    expect(isActionablePhenotype(added, 'CYP2D6', 'Normal Metabolizer')).toBe(true);
    expect(isActionablePhenotype(added, 'CYP2D6', 'Poor Metabolizer')).toBe(false);
  });
});

describe('parseThresholdSet', () => {
  type Editable = ThresholdSet & Record<string, unknown>;
  const copy = (): Editable => structuredClone(DEFAULT_THRESHOLDS);
  const firstTrigger = (j: Editable): Record<string, unknown> =>
    j.sensorRules[0]?.triggers[0] as unknown as Record<string, unknown>;

  it('round-trips the canonical serialization', () => {
    expect(parseThresholdSet(JSON.parse(serializeThresholdSet(DEFAULT_THRESHOLDS)))).toEqual(
      DEFAULT_THRESHOLDS,
    );
  });

  it.each<[string, (j: Editable) => void, string]>([
    [
      'a wrong type',
      (j) => {
        firstTrigger(j).value = 'sixty';
      },
      'sensorRules.0.triggers.0.value',
    ],
    [
      'an unknown indicator',
      (j) => {
        (j.interruption.Strong as Record<string, unknown>).avoid = 'urgent';
      },
      'interruption.Strong.avoid',
    ],
    [
      'a missing field',
      (j) => {
        delete (j as Partial<Editable>).preTest;
      },
      'preTest',
    ],
    [
      'an unknown field',
      (j) => {
        j.extra = 1;
      },
      'extra',
    ],
    [
      'an unknown metric',
      (j) => {
        firstTrigger(j).metric = 'heart-beats';
      },
      'sensorRules.0.triggers.0.metric',
    ],
    [
      'a duplicate rule id',
      (j) => {
        const [first] = j.sensorRules;
        if (first) j.sensorRules.push(first);
      },
      'duplicate rule id',
    ],
    [
      'a rate above 1',
      (j) => {
        j.volume.flags.overrideRate = 1.5;
      },
      'volume.flags.overrideRate',
    ],
    [
      'an order-sign step count the policy does not know',
      (j) => {
        (j.volume as Record<string, unknown>).orderSignSteps = 3;
      },
      'volume.orderSignSteps',
    ],
    [
      'fewer firings looked at than needed to judge',
      (j) => {
        j.volume.flags.minFirings = j.volume.flags.lastFirings + 1;
      },
      'volume.flags.minFirings',
    ],
    [
      'a source longer than a citation needs (its cleaning is not linear in its length)',
      (j) => {
        (j.sensorRules[0]?.triggers[0] as { source: string }).source = 'Battelino 2019 '.repeat(150);
      },
      'sensorRules.0.triggers.0.source: must be at most 2000 characters',
    ],
  ])('names the bad field for %s', (_label, edit, field) => {
    const bad = copy();
    edit(bad);
    expect(() => parseThresholdSet(bad)).toThrow(field);
  });
});

describe('serializeThresholdSet', () => {
  it('is independent of key order', () => {
    const reversed = Object.fromEntries(Object.entries(DEFAULT_THRESHOLDS).reverse());
    expect(serializeThresholdSet(parseThresholdSet(reversed))).toBe(
      serializeThresholdSet(DEFAULT_THRESHOLDS),
    );
  });
});

describe('loadPublishedThresholds', () => {
  it('falls back to the defaults when nothing is published', async () => {
    await expect(loadPublishedThresholds({ published: () => Promise.resolve(undefined) })).resolves.toBe(
      DEFAULT_THRESHOLDS,
    );
  });

  it('refuses a stored version whose JSON names another version', async () => {
    const thresholds = {
      published: () => Promise.resolve({ version: 'v9', json: serializeThresholdSet(DEFAULT_THRESHOLDS) }),
    };
    await expect(loadPublishedThresholds(thresholds)).rejects.toThrow('v9');
  });
});

describe('one list of metric ids (sensors/types SENSOR_METRIC_IDS)', () => {
  // Every metric family reports each of its metrics (as `absent` without data), so this is what the families yield.
  const produced = summarizeSensors([], '2026-05-15T09:00:00Z').metrics.map((m) => m.metric);
  const withSufficiency = (metric: string): unknown => ({
    ...structuredClone(DEFAULT_THRESHOLDS),
    sufficiency: {
      [metric]: { windowDays: 7, maxAgeHours: 72, evidence: 'design', source: 'test' },
    },
    sensorRules: [],
  });

  it('every metric a sensor family yields is a listed id, once, and every listed id has a family', () => {
    expect(new Set(produced).size).toBe(produced.length);
    expect([...produced].sort()).toEqual([...SENSOR_METRIC_IDS].sort());
  });

  it('every metric of the default thresholds (sufficiency and triggers) has a sensor family', () => {
    const named = [
      ...Object.keys(DEFAULT_THRESHOLDS.sufficiency),
      ...DEFAULT_THRESHOLDS.sensorRules.flatMap((r) =>
        r.triggers.flatMap((t) => [t.metric, ...t.requiresNoEvents]),
      ),
    ].filter((m) => m !== ORDER_DOSE);
    expect(named.length).toBeGreaterThan(0);
    for (const metric of named) expect(produced).toContain(metric);
  });

  it('the threshold schema knows every metric a sensor family yields, and no other', () => {
    for (const metric of produced) {
      expect(parseThresholdSet(withSufficiency(metric)).sufficiency).toHaveProperty([metric]);
    }
    expect(() => parseThresholdSet(withSufficiency('heart-beats'))).toThrow('sufficiency');
  });
});

describe('the default set is a data file (config/thresholds/)', () => {
  it('is named by its version and parses with the published-set schema', () => {
    expect(path.dirname(DEFAULT_THRESHOLDS_FILE)).toBe(path.resolve(__dirname, '../../../config/thresholds'));
    expect(THRESHOLDS_DIR).toBe(path.dirname(DEFAULT_THRESHOLDS_FILE));
    const raw = JSON.parse(readFileSync(DEFAULT_THRESHOLDS_FILE, 'utf8')) as { version: string };
    expect(path.basename(DEFAULT_THRESHOLDS_FILE)).toBe(`${raw.version}.json`);
    expect(parseThresholdSet(raw)).toEqual(DEFAULT_THRESHOLDS);
    expect(readThresholdSetFile(DEFAULT_THRESHOLDS_FILE)).toEqual(DEFAULT_THRESHOLDS);
  });

  it('names the file and the field when a threshold file is bad', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'thresholds-'));
    const file = path.join(dir, 'bad.json');
    const bad = structuredClone(DEFAULT_THRESHOLDS) as unknown as { preTest: { indicator: string } };
    bad.preTest.indicator = 'loud';
    writeFileSync(file, JSON.stringify(bad));
    expect(() => readThresholdSetFile(file)).toThrow(`${file}: invalid threshold set: preTest.indicator`);
    writeFileSync(file, '{ not json');
    expect(() => readThresholdSetFile(file)).toThrow(file);
    rmSync(dir, { recursive: true });
  });

  // Each sensor number of the file against the research note's number (knowledge/sensor-thresholds.json).
  const triggerSources: readonly [
    rule: string,
    trigger: string,
    field: 'value' | 'upTo',
    id: string,
    sign?: number,
  ][] = [
    ['R1', 'resting-hr-below-60', 'value', 'R1.raise'],
    ['R1', 'resting-hr-below-50', 'value', 'R1.critical'],
    ['R1', 'low-hr-events', 'value', 'R1.low-hr-events'],
    ['R1', 'resting-hr-in-range', 'value', 'R1.lower-from'],
    ['R1', 'resting-hr-in-range', 'upTo', 'R1.lower-to'],
    ['R3', 'qtc-above-500', 'value', 'R3.qtc'],
    ['R3', 'qtc-rise-above-60', 'value', 'R3.qtc-rise'],
    ['R3', 'resting-hr-below-50', 'value', 'R3.resting-hr'],
    ['R3', 'citalopram-dose-above-20mg', 'value', 'R3.citalopram-max-dose'],
    ['R4', 'qtc-above-500', 'value', 'R3.qtc'],
    ['R4', 'qtc-rise-above-60', 'value', 'R3.qtc-rise'],
    ['R4', 'resting-hr-rise-20', 'value', 'R4.hr-rise'],
    ['R5', 'hr-rise-20', 'value', 'R5.hr-rise'],
    ['R6', 'respiratory-rate-below-10', 'value', 'R6.respiratory-rate'],
    ['R7', 'home-sbp-mean-130', 'value', 'R7.systolic'],
    ['R7', 'home-dbp-mean-80', 'value', 'R7.diastolic'],
    ['R8', 'tbr-below-70-over-4', 'value', 'R8.tbr70'],
    ['R8', 'tbr-below-54-over-1', 'value', 'R8.tbr54'],
    ['R8', 'older-tbr-below-70-over-1', 'value', 'R8.tbr70-older'],
    ['R8', 'level2-hypoglycaemia-event', 'value', 'R8.level2-events'],
    ['R9', 'inr-above-4', 'value', 'R9.raise'],
    ['R9', 'inr-at-least-5', 'value', 'R9.critical'],
    ['R9', 'inr-below-1-5', 'value', 'R9.low'],
    // The note states a fall of 30 %; the trigger compares the change, so it reads ≤ -30 %.
    ['R10', 'steps-fall-30', 'value', 'R10.steps-fall', -1],
  ];
  it.each(triggerSources)("%s %s %s = the note's %s", (prefix, id, field, source, sign = 1) => {
    const found = trigger(prefix, id);
    expect(found?.[field]).toBe(sign * sensorThreshold(source).value);
  });

  /** The note's number in the field's unit: days for windows and day counts, hours for age, 0..1 for coverage. */
  const inUnit = (id: string, field: keyof SufficiencyThresholds): number => {
    const { value, unit } = sensorThreshold(id);
    if (field === 'maxAgeHours') return unit === 'd' ? value * 24 : (expect(unit).toBe('h'), value);
    if (field === 'minCoverage') return (expect(unit).toBe('%'), value / 100);
    return value;
  };
  type Sources = Partial<Record<keyof SufficiencyThresholds, string>>;
  const HOME_BP: Sources = {
    windowDays: 'home-bp.window',
    minReadings: 'home-bp.min-readings',
    minDays: 'home-bp.min-days',
    maxAgeHours: 'home-bp.max-age',
  };
  const CGM: Sources = {
    windowDays: 'cgm.window',
    minDays: 'cgm.min-days',
    minCoverage: 'cgm.coverage',
    maxAgeHours: 'cgm.max-age',
  };
  const sufficiencySources: readonly [SensorMetricId, Sources][] = [
    [
      'resting-heart-rate',
      { windowDays: 'resting-hr.window', minDays: 'resting-hr.min-days', maxAgeHours: 'resting-hr.max-age' },
    ],
    ['low-heart-rate-events', { windowDays: 'R1.low-hr-events-window' }],
    [
      'heart-rate-change',
      { windowDays: 'hr-change.window', minDays: 'hr-change.min-days', maxAgeHours: 'hr-change.max-age' },
    ],
    [
      'spo2-below-90-share',
      { windowDays: 'nocturnal.window', minDays: 'nocturnal.min-nights', maxAgeHours: 'nocturnal.max-age' },
    ],
    [
      'respiratory-rate',
      { windowDays: 'nocturnal.window', minDays: 'nocturnal.min-nights', maxAgeHours: 'nocturnal.max-age' },
    ],
    ['home-bp-systolic', HOME_BP],
    ['home-bp-diastolic', HOME_BP],
    // R7 "any reading ≥ 180/120": the home-BP window and age of §2.4, no count of readings or days.
    ['home-bp-systolic-highest', { windowDays: 'home-bp.window', maxAgeHours: 'home-bp.max-age' }],
    ['home-bp-diastolic-highest', { windowDays: 'home-bp.window', maxAgeHours: 'home-bp.max-age' }],
    ['cgm-time-below-70', CGM],
    ['cgm-time-below-54', CGM],
    ['cgm-level2-hypoglycaemia-events', { windowDays: 'cgm-event.window', maxAgeHours: 'cgm-event.max-age' }],
    ['qtc-latest', { windowDays: 'qtc.window', minReadings: 'qtc.min-values', maxAgeHours: 'qtc.max-age' }],
    [
      'qtc-change',
      { windowDays: 'qtc.window', minReadings: 'qtc.persistent-values', maxAgeHours: 'qtc.max-age' },
    ],
    [
      'steps-change',
      {
        windowDays: 'steps-sleep.window',
        minDays: 'steps-sleep.min-days',
        maxAgeHours: 'steps-sleep.max-age',
      },
    ],
    [
      'sleep-duration',
      {
        windowDays: 'steps-sleep.window',
        minDays: 'steps-sleep.min-days',
        maxAgeHours: 'steps-sleep.max-age',
      },
    ],
    // "last value ≤ 7 d old" (§2.2 R9): the window and the age limit are both 7 days.
    ['inr-latest', { windowDays: 'R9.max-age', maxAgeHours: 'R9.max-age' }],
  ];
  it.each(sufficiencySources)("sufficiency of %s = the note's numbers", (metric, sources) => {
    const entry = DEFAULT_THRESHOLDS.sufficiency[metric];
    expect(entry).toBeDefined();
    for (const [field, id] of Object.entries(sources) as [keyof SufficiencyThresholds, string][]) {
      expect([field, entry?.[field]]).toEqual([field, inUnit(id, field)]);
    }
  });

  it('every sufficiency entry of the file is checked against the note', () => {
    expect(Object.keys(DEFAULT_THRESHOLDS.sufficiency).sort()).toEqual(
      sufficiencySources.map(([m]) => m).sort(),
    );
  });
});

describe("sensorPolicyOf: the set's windows and limits are what the sensors module computes with", () => {
  const resting = (summary: SensorSummary) => summary.metrics.find((m) => m.metric === 'resting-heart-rate');
  /** The defaults with the resting-HR window changed to `days` (as an informaticist would edit the JSON). */
  const restingWindow = (days: number): ThresholdSet => {
    const json = structuredClone(DEFAULT_THRESHOLDS);
    const limits = json.sufficiency['resting-heart-rate'];
    if (limits) limits.windowDays = days;
    return parseThresholdSet({ ...json, version: `test-resting-window-${String(days)}` });
  };
  // Daily resting HR for 14 days: 55 /min this week, 65 /min the week before. Over 7 days the median is 55; over 14
  // days it is the median of seven 55s and seven 65s, (55 + 65) / 2 = 60.
  const twoWeeks = [
    ...dailyObservations('40443-4', '/min', range(0, 7), 55),
    ...dailyObservations('40443-4', '/min', range(7, 14), 65),
  ];

  it("projects the default set to the sensors module's default policy (same numbers for every listed metric)", () => {
    const projected = sensorPolicyOf(DEFAULT_THRESHOLDS);
    expect(Object.keys(projected).sort()).toEqual(Object.keys(DEFAULT_THRESHOLDS.sufficiency).sort());
    for (const [metric, policy] of Object.entries(projected)) {
      expect([metric, policy]).toEqual([metric, DEFAULT_SENSOR_POLICY[metric as SensorMetricId]]);
    }
    expect(summarizeSensors(twoWeeks, AT, { policy: projected })).toEqual(summarizeSensors(twoWeeks, AT));
  });

  it('lengthening a window changes the computed aggregate (resting HR over 7 vs 14 days)', () => {
    const seven = resting(summarizeSensors(twoWeeks, AT, { policy: sensorPolicyOf(DEFAULT_THRESHOLDS) }));
    const fourteen = resting(summarizeSensors(twoWeeks, AT, { policy: sensorPolicyOf(restingWindow(14)) }));
    expect(seven).toMatchObject({ value: 55, daysWithData: 7, status: 'sufficient' });
    expect(fourteen).toMatchObject({ value: 60, daysWithData: 14, status: 'sufficient' });
    const days = (m: typeof seven) =>
      m === undefined ? NaN : (Date.parse(m.window.end) - Date.parse(m.window.start)) / 86_400_000;
    expect([days(seven), days(fourteen)]).toEqual([7, 14]);
  });

  it('the engine acts on the aggregate of its own window, and never on one computed over another window', async () => {
    // R1 (metoprolol, CYP2D6 PM): a resting-HR median below 60 /min raises the card one step, below 50 two (§2.2 R1).
    expect(55).toBeLessThan(researchThreshold('R1.raise'));
    expect(55).not.toBeLessThan(researchThreshold('R1.critical'));
    expect(60).not.toBeLessThan(researchThreshold('R1.raise'));
    const metoprololPM = findingFor('metoprolol', [gene('CYP2D6', 'Poor Metabolizer', '0.0')]);
    const longer = restingWindow(14);
    const evaluate = async (set: ThresholdSet, sensors: SensorSummary) => {
      const [decision] = await createRuleEngine(set).evaluate([metoprololPM], { sensors });
      return decision;
    };
    const sevenDay = summarizeSensors(twoWeeks, AT, { policy: sensorPolicyOf(DEFAULT_THRESHOLDS) });
    const fourteenDay = summarizeSensors(twoWeeks, AT, { policy: sensorPolicyOf(longer) });
    const base = await evaluate(DEFAULT_THRESHOLDS, summarizeSensors([], AT));
    // Its own window: 7 days → 55 raises; 14 days → 60 does not.
    const raised = await evaluate(DEFAULT_THRESHOLDS, sevenDay);
    expect(raised?.modifiers.map((m) => m.effect)).toEqual(['raise']);
    const kept = await evaluate(longer, fourteenDay);
    expect(kept?.indicator).toBe(base?.indicator);
    expect(kept?.modifiers).toEqual([]);
    // The 14-day set reading a 7-day aggregate (a summary computed under another policy) only notes it.
    const other = await evaluate(longer, sevenDay);
    expect(other?.indicator).toBe(base?.indicator);
    expect(other?.modifiers).toEqual([
      expect.objectContaining({ effect: 'context', metric: 'resting-heart-rate', value: 55 }),
    ]);
    expect(other?.modifiers[0]?.note).toContain('window shorter than 80 % of 14 d');
    // And the 7-day set reading the 14-day aggregate.
    const wide = await evaluate(DEFAULT_THRESHOLDS, fourteenDay);
    expect(wide?.modifiers[0]?.note).toContain('window longer than 120 % of 7 d');
  });
});
