/**
 * The ThresholdSet model: defaults as issue 5 and the research doc state them, validation that names the bad field,
 * canonical serialization, the published-or-default loader, and CPIC EHR priority as the actionability default.
 */
import {
  DEFAULT_THRESHOLDS,
  isActionablePhenotype,
  loadPublishedThresholds,
  ORDER_DOSE,
  parseThresholdSet,
  serializeThresholdSet,
} from '../../../src/rules/thresholds';
import type { ThresholdSet } from '../../../src/rules/thresholds';
import { SENSOR_METRIC_IDS, summarizeSensors } from '../../../src/sensors';
import { RESEARCH, readSharedJson } from '../../fixtures/rules/builders';

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
    const r1 = /7-day median < (\d+) \/min → \+1; < (\d+) \/min or ≥ (\d+) low-HR events/.exec(RESEARCH);
    expect(trigger('R1', 'resting-hr-below-60')?.value).toBe(Number(r1?.[1]));
    expect(trigger('R1', 'resting-hr-below-50')?.value).toBe(Number(r1?.[2]));
    expect(trigger('R1', 'low-hr-events')?.value).toBe(Number(r1?.[3]));
    const resting =
      /\| Resting HR \| (\d+) d \| ≥ (\d+) of 7 days .*newest ≤ (\d+) h \| design choice \|/.exec(RESEARCH);
    expect(DEFAULT_THRESHOLDS.sufficiency['resting-heart-rate']).toMatchObject({
      windowDays: Number(resting?.[1]),
      minDays: Number(resting?.[2]),
      maxAgeHours: Number(resting?.[3]),
      evidence: 'design',
    });
  });

  it('takes QTc, home BP, CGM and INR values from the research doc', () => {
    expect(RESEARCH).toMatch(/QTc > 500 ms or Δ > 60 ms vs baseline → `critical`/);
    expect(trigger('R3', 'qtc-above-500')).toMatchObject({ value: 500, steps: 2, evidence: 'label' });
    expect(trigger('R3', 'qtc-rise-above-60')?.value).toBe(60);
    const bp = /7-day mean ≥ (\d+)\/(\d+) mm\[Hg\] → \+1/.exec(RESEARCH);
    expect(trigger('R7', 'home-sbp-mean-130')?.value).toBe(Number(bp?.[1]));
    expect(trigger('R7', 'home-dbp-mean-80')?.value).toBe(Number(bp?.[2]));
    const homeBp = /\| Home BP \| 7 d \| ≥ (\d+) readings over ≥ (\d+) days/.exec(RESEARCH);
    expect(DEFAULT_THRESHOLDS.sufficiency['home-bp-systolic']).toMatchObject({
      minReadings: Number(homeBp?.[1]),
      minDays: Number(homeBp?.[2]),
    });
    const tbr = /TBR < 70 mg\/dL > (\d+) % or < 54 mg\/dL > (\d+) % → \+1/.exec(RESEARCH);
    expect(trigger('R8', 'tbr-below-70-over-4')?.value).toBe(Number(tbr?.[1]));
    expect(trigger('R8', 'tbr-below-54-over-1')?.value).toBe(Number(tbr?.[2]));
    expect(RESEARCH).toMatch(/≥ 70 % sensor active/);
    expect(DEFAULT_THRESHOLDS.sufficiency['cgm-time-below-70']).toMatchObject({
      minDays: 14,
      minCoverage: 0.7,
    });
    const inr = /INR > (\d+) in last 7 d → \+1; ≥ (\d+) → `critical`/.exec(RESEARCH);
    expect(trigger('R9', 'inr-above-4')?.value).toBe(Number(inr?.[1]));
    expect(trigger('R9', 'inr-at-least-5')).toMatchObject({ value: Number(inr?.[2]), steps: 2 });
  });

  it('labels the sulfonylurea rule a safety rule and the exploratory rules context-only', () => {
    expect(RESEARCH).toMatch(/\*\*Not a CPIC\/DPWG-actionable pair\*\* — state as "safety rule"/);
    expect(rule('R8').safetyRule).toBe(true);
    for (const prefix of ['R10', 'R12']) {
      expect(rule(prefix).triggers.every((t) => t.effect === 'context')).toBe(true);
    }
  });
});

describe('actionable phenotypes: CPIC EHR priority notation (shared/cpic/genes.json)', () => {
  const genes = (
    readSharedJson('cpic/genes.json') as { genes: Record<string, { ehrPriority: Record<string, string> }> }
  ).genes;
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
    await expect(
      loadPublishedThresholds({ publishedThresholds: () => Promise.resolve(undefined) }),
    ).resolves.toBe(DEFAULT_THRESHOLDS);
  });

  it('refuses a stored version whose JSON names another version', async () => {
    const store = {
      publishedThresholds: () =>
        Promise.resolve({ version: 'v9', json: serializeThresholdSet(DEFAULT_THRESHOLDS) }),
    };
    await expect(loadPublishedThresholds(store)).rejects.toThrow('v9');
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
