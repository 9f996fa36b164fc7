/**
 * Results that disagree are shown at the set's conflict indicator, or, when higher, at what the interruption table
 * gives the gravest CPIC row that would apply if one of them were right: "results disagree and one of them forbids the
 * drug" is critical until the laboratory resolves it. The finding stays a conflict and the card still asks to confirm
 * the result first, naming both. Expected rows and strengths are read from the CPIC data (`test/reference`).
 */
import { decisionCard } from '../../../src/cards';
import type { Card } from '../../../src/cds/types';
import { findingsForOrder, readGeneResults } from '../../../src/rules/cpic';
import type { Finding } from '../../../src/rules/cpic';
import { createRuleEngine } from '../../../src/rules/engine';
import { DEFAULT_THRESHOLDS } from '../../../src/rules/thresholds';
import { readDecisionSnapshot } from '../../../src/rules/types';
import { expectClinicianReadable } from '../../helpers/card-text';
import { decideFinding, drugOrder, noSensorFacts, shown, snapshotOf } from '../../helpers/decisions';
import { readFixture } from '../../helpers/fixtures';
import { cpicCall, cpicRow } from '../../reference';

const shapes = (readFixture('pgx', 'hla-shapes.json') as { cases: Record<string, { resources: unknown[] }> })
  .cases;

/** An HLA-B typing with *57:01 beside a same-day *57:01 presence test reported "Not detected". */
function hlaConflict(): unknown[] {
  const typing = shapes['gl-versioned']?.resources ?? [];
  const negative = structuredClone(shapes['presence-snomed']?.resources[0]) as {
    valueCodeableConcept: unknown;
  };
  negative.valueCodeableConcept = { text: 'Not detected' };
  return [...typing, negative];
}

/** conflict.json: two same-day CYP2C19 genotypes. */
function cyp2c19Conflict(c1: string, c2: string): unknown[] {
  const [first, second] = readFixture('pgx', 'conflict.json') as Record<string, unknown>[];
  return [
    { ...first, valueCodeableConcept: { text: c1 } },
    { ...second, valueCodeableConcept: { text: c2 } },
  ];
}

function conflictOf(drug: string, resources: readonly unknown[]): Extract<Finding, { kind: 'conflict' }> {
  const { results, conflicts } = readGeneResults(resources);
  const [finding] = findingsForOrder(drugOrder(drug), results, {}, conflicts);
  if (finding?.kind !== 'conflict') throw new Error(`expected a conflict for ${drug}, got ${finding?.kind}`);
  return finding;
}

async function cardOf(finding: Finding): Promise<Card> {
  const decision = shown(await decideFinding(finding));
  return decisionCard(decision, {
    patientId: 'p1',
    newUuid: () => 'card-1',
    snapshot: snapshotOf([decision], noSensorFacts()),
  }).card;
}

describe('a conflict is as loud as the gravest row one of its results would bring', () => {
  it('HLA-B*57:01 positive beside negative, abacavir: critical, still "Confirm HLA-B result before abacavir"', async () => {
    // CPIC's row for the positive result: Strong, an avoid; the default thresholds make a Strong avoid critical.
    const positive = cpicRow('abacavir', { 'HLA-B': '*57:01 positive' }).row;
    expect(positive.strength).toBe('Strong');
    expect(DEFAULT_THRESHOLDS.interruption.Strong.avoid).toBe('critical');
    expect(DEFAULT_THRESHOLDS.conflictIndicator).toBe('warning');

    const finding = conflictOf('abacavir', hlaConflict());
    expect(finding.ifRight).toContainEqual({ strength: 'Strong', action: 'avoid' });
    const card = await cardOf(finding);
    expect(card.indicator).toBe('critical');
    expect(card.summary).toBe('Confirm HLA-B result before abacavir: results disagree');
    // Both results named, and what CPIC says if the positive one is right.
    const detail = (card.detail ?? '').replace(/\\/g, '');
    expect(detail).toMatch(/\*57:01 positive/);
    expect(detail).toMatch(/\*57:01 negative/);
    expect(detail).toMatch(/If .*positive.* is right, CPIC \(Strong[^)]*\)/);
    expectClinicianReadable(card);
  });

  it('CYP2C19 *1/*1 beside *2/*2, clopidogrel: critical (CPIC Strong avoid if *2/*2 is right)', async () => {
    const pm = cpicCall('CYP2C19', '*2/*2').phenotype;
    expect(cpicRow('clopidogrel', { CYP2C19: pm }, 'CVI ACS PCI').row.strength).toBe('Strong');
    const finding = conflictOf('clopidogrel', cyp2c19Conflict('*1/*1', '*2/*2'));
    const card = await cardOf(finding);
    expect(card.indicator).toBe('critical');
    expect(card.summary).toBe('Confirm CYP2C19 result before clopidogrel: results disagree');
  });

  it('stays at the conflict indicator when no result would bring more (a recorded finding without the rows too)', async () => {
    const finding = conflictOf('clopidogrel', cyp2c19Conflict('*1/*1', '*2/*2'));
    const { ifRight: _rows, ...recorded } = finding;
    expect((await decideFinding(recorded)).indicator).toBe(DEFAULT_THRESHOLDS.conflictIndicator);
    // A set whose interruption table never goes above info: the conflict indicator is the floor.
    const quiet = createRuleEngine({
      ...DEFAULT_THRESHOLDS,
      version: 'quiet-test',
      interruption: Object.fromEntries(
        Object.entries(DEFAULT_THRESHOLDS.interruption).map(([strength, row]) => [
          strength,
          Object.fromEntries(Object.keys(row).map((action) => [action, 'info'])),
        ]),
      ) as typeof DEFAULT_THRESHOLDS.interruption,
    });
    expect((await decideFinding(finding, quiet)).indicator).toBe('warning');
  });

  it('the rows are kept in the decision snapshot, so a recorded card re-decides as it was shown', async () => {
    const decision = shown(await decideFinding(conflictOf('abacavir', hlaConflict())));
    const stored = readDecisionSnapshot(JSON.parse(JSON.stringify(snapshotOf([decision], noSensorFacts()))));
    if (!stored.ok) throw new Error(stored.reason);
    const [again] = stored.snapshot.decisions;
    expect((await decideFinding(again!.finding)).indicator).toBe('critical');
  });
});
