/**
 * R2 siponimod (research §2.2 R2, the Mayzent label): the cards a clinician reads. CYP2C9 *3/*3 is contraindicated
 * ("avoid", critical, no sensor modulation); *1/*3 with a resting heart rate below the label threshold is a warning.
 * Without a CYP2C9 result, the test the label requires (CPIC's gene–drug pair, knowledge/cpic/pairs.json). Phenotypes
 * from the CPIC data (knowledge/cpic), the threshold from knowledge/sensor-thresholds.json.
 */
import { decisionCard } from '../../../src/cards';
import { readGeneResults } from '../../../src/rules/cpic';
import type { GeneConflict, GeneResult } from '../../../src/rules/cpic';
import { safetyRuleFindings } from '../../../src/rules/engine';
import { DEFAULT_THRESHOLDS } from '../../../src/rules/thresholds';
import { summarizeSensors } from '../../../src/sensors';
import {
  AT,
  dailyObservations,
  gene,
  genotyped,
  order,
  range,
  restingHeartRate,
} from '../../fixtures/rules/builders';
import { expectClinicianReadable } from '../../helpers/card-text';
import { decideFinding, noSensorFacts, shown, snapshotOf } from '../../helpers/decisions';
import { readFixture } from '../../helpers/fixtures';
import { rendered } from '../../helpers/markdown';
import { cpicCall, cpicPair, researchSays, researchThreshold } from '../../reference';

/** The one card a siponimod order gets with these results (fails the test when it gets none or several). */
async function onlyCard(
  results: readonly GeneResult[],
  conflicts: readonly GeneConflict[] = [],
  facts = noSensorFacts(),
) {
  const [finding, ...more] = safetyRuleFindings(
    [order('siponimod')],
    results,
    [],
    DEFAULT_THRESHOLDS,
    conflicts,
  );
  expect(more).toEqual([]);
  if (!finding) throw new Error('no finding');
  const decision = shown(await decideFinding(finding, undefined, facts));
  return decisionCard(decision, {
    patientId: 'p1',
    newUuid: () => 'card-1',
    snapshot: snapshotOf([decision], facts),
  }).card;
}

function siponimodCard(diplotype: string, restingHr?: number) {
  const facts =
    restingHr === undefined
      ? noSensorFacts()
      : { ...noSensorFacts(), sensors: restingHeartRate(restingHr, range(0, 7)) };
  return onlyCard([genotyped('CYP2C9', diplotype)], [], facts);
}

describe('siponimod cards (safety rule from the drug label)', () => {
  it('CYP2C9 *3/*3: "Avoid siponimod", critical, citing the label contraindication', async () => {
    const card = await siponimodCard('*3/*3');
    expect(card.indicator).toBe('critical');
    expect(card.summary).toMatch(/^Avoid siponimod: CYP2C9 /);
    expect(card.summary).toContain('safety rule, not CPIC');
    expect(rendered(card.detail)).toMatch(/label contraindicates it for CYP2C9 \*3\/\*3/);
    expect(card.source.label).toMatch(/Drug label contraindication/);
    expectClinicianReadable(card);
  });

  it('CYP2C9 *1/*3 with resting HR below the label threshold: the label dose, a warning that says the heart rate', async () => {
    const threshold = researchThreshold('R2.resting-hr');
    const card = await siponimodCard('*1/*3', threshold - 4);
    expect(card.indicator).toBe('warning');
    expect(card.summary).toMatch(
      new RegExp(`^Adjust siponimod dose: CYP2C9 .*resting HR ${threshold - 4}/min`),
    );
    // The note's label summary: "maintenance 1 mg for *1/*3 and *2/*3 (label)".
    expect(researchSays('maintenance 1 mg for *1/*3 and *2/*3 (label)')).toBe(true);
    const detail = rendered(card.detail);
    // What to do: the label's dose for the genotype, then what the heart rate asks for (the note: "first-dose 6-h
    // monitoring recommended").
    expect(researchSays('"first-dose 6-h monitoring recommended"')).toBe(true);
    const whatToDo = detail.split('**Why:**')[0] ?? '';
    expect(whatToDo).toMatch(/^\*\*What to do\*\* \(safety rule, not a CPIC guideline\):/);
    expect(whatToDo.indexOf('Use a maintenance dose of 1 mg')).toBeGreaterThan(0);
    expect(whatToDo.indexOf('Observe the first dose for 6 hours')).toBeGreaterThan(
      whatToDo.indexOf('Use a maintenance dose of 1 mg'),
    );
    // The Why says what raised the alert, as a CPIC card's does: the result, the rule, the reading.
    expect(detail).toContain(
      `- CYP2C9 *1/*3 → ${cpicCall('CYP2C9', '*1/*3').phenotype} → siponimod safety rule → resting HR ${threshold - 4}/min: alert raised to warning; confirm clinically.`,
    );
    // Each said once, and the Why no longer says the drug is watched "with sensor data only".
    expect(detail.split('maintenance dose of 1 mg')).toHaveLength(2);
    expect(detail.split('Observe the first dose')).toHaveLength(2);
    expect(detail).not.toContain('sensor data only');
    expect(card.source.label).toBe(
      'Drug label dose + wearable sensor data (safety rule, not a CPIC guideline)',
    );
    expectClinicianReadable(card);
  });

  it('says the resting heart rate in whole beats, unless rounding would put it on the label threshold', async () => {
    const threshold = researchThreshold('R2.resting-hr');
    // A watch reports whole beats; the median of six days, 51 and 52 in turn, is 51.5.
    const watch = summarizeSensors(
      [
        ...dailyObservations('40443-4', '/min', [0, 2, 4], threshold - 4),
        ...dailyObservations('40443-4', '/min', [1, 3, 5], threshold - 3),
      ],
      AT,
    );
    const whole = await onlyCard([genotyped('CYP2C9', '*1/*3')], [], { ...noSensorFacts(), sensors: watch });
    expect(whole.summary).toContain(`resting HR ${threshold - 3}/min`);
    expect(rendered(whole.detail)).toContain(`- Resting heart rate ${threshold - 3}/min (`);
    // Just below the threshold: "55/min" beside "below 55/min" would contradict itself.
    const near = await siponimodCard('*1/*3', threshold - 0.4);
    expect(near.summary).toContain(`resting HR ${threshold - 0.4}/min`);
    expect(rendered(near.detail)).toContain(
      `- Resting heart rate ${threshold - 0.4}/min (7 days to 15 May, 7 of 7 days with data, Test watch): below ${threshold}/min`,
    );
  });

  it('CYP2C9 *2/*3 without sensor data: the label dose at the safety-rule baseline', async () => {
    const card = await siponimodCard('*2/*3');
    expect(card.indicator).toBe(DEFAULT_THRESHOLDS.safetyRuleBaseline);
    expect(card.summary).toMatch(/^Adjust siponimod dose: CYP2C9 /);
    expect(rendered(card.detail)).toContain('Use a maintenance dose of 1 mg');
    // The dose is the label's; no sensor reading moved the card.
    expect(card.source.label).toBe('Drug label dose (safety rule, not a CPIC guideline)');
    // No heart rate below the label's threshold: nothing about first-dose monitoring.
    expect(rendered(card.detail)).not.toContain('first dose');
  });

  it('CYP2C9 *2/*2, a phenotype the rule watches but the label gives no dose for: monitor, no dose', async () => {
    const { phenotype } = cpicCall('CYP2C9', '*2/*2');
    expect(DEFAULT_THRESHOLDS.sensorRules.find((r) => r.id.startsWith('R2'))?.phenotypes['CYP2C9']).toContain(
      phenotype,
    );
    const card = await siponimodCard('*2/*2');
    expect(card.summary).toMatch(/^Monitor siponimod: CYP2C9 /);
    expect(rendered(card.detail)).not.toContain('maintenance dose');
  });

  it('no CYP2C9 result: order the test the label requires, citing the label, not a CPIC guideline', async () => {
    const pair = cpicPair('CYP2C9', 'siponimod');
    expect(pair.fdaLabel).toBe('Testing required');
    // Another gene's result on file changes nothing.
    const card = await onlyCard([gene('CYP2C19', cpicCall('CYP2C19', '*2/*2').phenotype)]);
    expect(card.indicator).toBe(DEFAULT_THRESHOLDS.preTest.indicator);
    expect(card.summary).toBe('Order CYP2C9 test before siponimod: no result on file');
    const detail = rendered(card.detail);
    expect(detail).toContain('No CYP2C9 result on file for siponimod: its FDA label requires CYP2C9 testing');
    expect(detail).toContain(`level ${pair.cpicLevel ?? ''} ${(pair.cpicLevelStatus ?? '').toLowerCase()}`);
    // No CPIC guideline to point to: the source names the label and links nowhere it does not mean.
    expect(card.source.label).toMatch(/^FDA drug label: testing required/);
    expect(card.source.url).toBeUndefined();
    expect((card.links ?? []).map((l) => l.url).join(' ')).not.toContain('cpicpgx.org');
    const [suggestion] = card.suggestions ?? [];
    expect(suggestion?.label).toBe('Order CYP2C9 genotyping before siponimod');
    expect(JSON.stringify(suggestion?.actions)).toContain(
      'Pharmacogenomic testing before siponimod (FDA drug label)',
    );
    expectClinicianReadable(card);
  });

  it('a CYP2C9 result the rule does not watch (*1/*1, Normal Metabolizer): no card, the label test is done', () => {
    expect(
      safetyRuleFindings([order('siponimod')], [genotyped('CYP2C9', '*1/*1')], [], DEFAULT_THRESHOLDS),
    ).toEqual([]);
  });

  /** conflict.json's two genotype reports of one day, its gene CYP2C9 here, with these two values. */
  function disagreeing(a: string, b: string) {
    const [first, second] = (readFixture('pgx', 'conflict.json') as unknown[]).map(
      (r) => JSON.parse(JSON.stringify(r).replace(/CYP2C19/g, 'CYP2C9')) as Record<string, unknown>,
    );
    return readGeneResults([
      { ...first, valueCodeableConcept: { text: a } },
      { ...second, valueCodeableConcept: { text: b } },
    ]);
  }

  it('CYP2C9 results that disagree, one *3/*3: confirm the result first, and say the label contraindicates *3/*3', async () => {
    // Neither report may be used, and *3/*3 would forbid the drug: answering nothing, as for no result, would hide it.
    const { results, conflicts } = disagreeing('*1/*1', '*3/*3');
    expect(results).toEqual([]);
    const card = await onlyCard(results, conflicts);
    expect(card.indicator).toBe(DEFAULT_THRESHOLDS.conflictIndicator);
    expect(card.summary).toBe(
      'Confirm CYP2C9 result before siponimod: results disagree (safety rule, not CPIC)',
    );
    const nm = cpicCall('CYP2C9', '*1/*1').phenotype;
    const pm = cpicCall('CYP2C9', '*3/*3').phenotype;
    const detail = rendered(card.detail);
    const conflictLine =
      detail.split('\n').find((l) => l.includes('Conflicting current CYP2C9 results')) ?? '';
    expect(conflictLine).toContain(`*1/*1 ${nm}`);
    expect(conflictLine).toContain(`*3/*3 ${pm}`);
    expect(detail).toContain(`If *3/*3 ${pm} is right, the siponimod label contraindicates it`);
    // *1/*1 brings no rule in: nothing more is said of it.
    expect(detail).not.toContain('If *1/*1');
    // No sensor reading was used: the source does not say it was.
    expect(card.source.label).toMatch(/not a CPIC guideline/);
    expect(card.source.label).not.toMatch(/sensor/);
    expectClinicianReadable(card);
  });

  it('CYP2C9 results that disagree where neither would bring the rule in (two Normal Metabolizer genotypes): no card', () => {
    expect(cpicCall('CYP2C9', '*1/*9').phenotype).toBe('Normal Metabolizer');
    const { results, conflicts } = disagreeing('*1/*1', '*1/*9');
    expect(conflicts).toHaveLength(1);
    expect(safetyRuleFindings([order('siponimod')], results, [], DEFAULT_THRESHOLDS, conflicts)).toEqual([]);
  });
});
