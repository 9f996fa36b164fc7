/**
 * Two current results of one gene that disagree (same day): the card says so in its summary and detail, as finished
 * text (issue 9 card text): no empty summary after the colon, no resource ids, no ISO dates; and what CPIC advises
 * if each result is the right one, so the prescriber sees what hangs on the laboratory's answer.
 */
import { decisionCard } from '../../../src/cards';
import type { Card } from '../../../src/cds/types';
import { findingsForOrder, readGeneResults } from '../../../src/rules/cpic';
import { expectClinicianReadable } from '../../helpers/card-text';
import { decideFinding, drugOrder, noSensorFacts, shown, snapshotOf } from '../../helpers/decisions';
import { readFixture } from '../../helpers/fixtures';
import { cpicCall, cpicGene, cpicRow } from '../../reference';

/** conflict.json: a CYP2C19 genotype of *1/*1 (Observation c-1) and one of *2/*2 (c-2), of the same day. */
function conflictResources(c1 = '*1/*1', c2 = '*2/*2'): unknown[] {
  const [first, second] = readFixture('pgx', 'conflict.json') as Record<string, unknown>[];
  return [
    { ...first, valueCodeableConcept: { text: c1 } },
    { ...second, valueCodeableConcept: { text: c2 } },
  ];
}

async function clopidogrelCard(resources: readonly unknown[]): Promise<Card> {
  const { results, conflicts } = readGeneResults(resources);
  const [finding] = findingsForOrder(drugOrder('clopidogrel'), results, {}, conflicts);
  expect(finding?.kind).toBe('conflict');
  const decision = shown(await decideFinding(finding!));
  return decisionCard(decision, {
    patientId: 'p1',
    newUuid: () => 'card-1',
    snapshot: snapshotOf([decision], noSensorFacts()),
  }).card;
}

/** The card's lines that say what CPIC advises with one of the results taken as right. */
function ifRightLines(card: Card): string[] {
  return (card.detail ?? '').split('\n').filter((l) => /^- If .+ is right, CPIC/.test(l));
}

describe('the conflicting-results card', () => {
  it('dates, in its provenance line, the allele functions each disagreeing genotype would be called with', async () => {
    const card = await clopidogrelCard(conflictResources());
    const last = (card.detail ?? '').split('\n').at(-1) ?? '';
    // Both results are CYP2C19 genotypes, called with the same allele functions: named once.
    expect(cpicGene('CYP2C19').dataVersion).toMatch(/^2025-11-05/);
    expect(last).toMatch(/^CPIC data of .* \(CYP2C19 allele functions of 5 Nov 2025\)\.$/);
  });

  it('names the conflict in the summary and the results without their resource ids', async () => {
    const resources = conflictResources();
    const [conflict] = readGeneResults(resources).conflicts;
    expect(conflict?.gene).toBe('CYP2C19');
    const card = await clopidogrelCard(resources);
    // The action first: the laboratory has to say which result is right before the drug is dosed by it.
    expect(card.summary).toBe('Confirm CYP2C19 result before clopidogrel: results disagree');
    for (const { value } of conflict?.results ?? [])
      expect(card.detail).toContain(value.replace(/\*/g, '\\*'));
    expectClinicianReadable(card);
  });

  it('says what CPIC advises if each result is right, the more serious first, in CPIC’s words', async () => {
    const card = await clopidogrelCard(conflictResources('*1/*1', '*2/*2'));
    // The record does not say the indication: the rows quoted are the ones the card shows first (ACS and/or PCI).
    const pm = cpicRow('clopidogrel', { CYP2C19: cpicCall('CYP2C19', '*2/*2').phenotype }, 'CVI ACS PCI').row;
    const nm = cpicRow('clopidogrel', { CYP2C19: cpicCall('CYP2C19', '*1/*1').phenotype }, 'CVI ACS PCI').row;
    const lines = ifRightLines(card);
    expect(lines).toHaveLength(2);
    const [ifPm = '', ifNm = ''] = lines;
    expect(ifPm).toMatch(
      new RegExp(
        `^- If \\\\\\*2/\\\\\\*2 Poor Metabolizer is right, CPIC \\(${pm.strength ?? ''}; ACS and/or PCI\\): "`,
      ),
    );
    expect(ifNm).toMatch(
      new RegExp(
        `^- If \\\\\\*1/\\\\\\*1 Normal Metabolizer is right, CPIC \\(${nm.strength ?? ''}; ACS and/or PCI\\): "`,
      ),
    );
    // Each quote is CPIC's text for that result, and they differ: the answer changes what to prescribe.
    const quoted = (line: string): string => /"(.+)"$/.exec(line)?.[1] ?? '';
    expect(pm.recommendation.startsWith(quoted(ifPm))).toBe(true);
    expect(nm.recommendation.startsWith(quoted(ifNm))).toBe(true);
    expect(quoted(ifPm)).toMatch(/^Avoid clopidogrel/);
    expectClinicianReadable(card);
  });

  it('says it once when either result gives the same advice', async () => {
    // Two genotypes of the same phenotype still disagree (the laboratory must say which), but CPIC's advice is one.
    expect(cpicCall('CYP2C19', '*2/*3').phenotype).toBe(cpicCall('CYP2C19', '*2/*2').phenotype);
    const card = await clopidogrelCard(conflictResources('*2/*3', '*2/*2'));
    expect(ifRightLines(card)).toEqual([]);
    const lines = (card.detail ?? '').split('\n').filter((l) => l.startsWith('- Whichever result is right'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^- Whichever result is right, CPIC \(Strong; ACS and\/or PCI\): "Avoid clopidogrel/,
    );
  });
});
