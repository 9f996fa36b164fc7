/**
 * Five edge cases of reading PGx results, each as a laboratory or EHR sends it (`test/fixtures/pgx/reading-edge-cases.json`):
 * a preliminary or registered result, a lab phenotype CPIC's table translates otherwise, a CYP2D6 activity score sent
 * without a genotype, a therapeutic implication without a gene component, and results of different dates. Expected
 * phenotypes and keys come from the CPIC data set (`test/reference`).
 */
import { findingsForOrder, readGeneResults } from '../../../../src/rules/cpic';
import type { DrugOrder, GeneResult } from '../../../../src/rules/cpic';
import { readFixture } from '../../../helpers/fixtures';
import { cpicCall, cpicGene } from '../../../reference';

type Cases = Record<string, { resources: unknown[] }>;
const CASES = (readFixture('pgx', 'reading-edge-cases.json') as { cases: Cases }).cases;

function shape(name: string): unknown[] {
  const found = CASES[name];
  if (!found) throw new Error(`no fixture case ${name}`);
  return found.resources;
}

function order(drug: string): DrugOrder {
  return {
    orderRef: `MedicationRequest/${drug}`,
    orderIndex: 0,
    ingredients: [{ name: drug }],
    resolvedBy: 'text',
  };
}

describe('a preliminary or registered result', () => {
  it('is not used for advice, but is kept as pending with its status and date', () => {
    const reading = readGeneResults(shape('preliminary-cyp2c19'));
    expect(reading.results).toEqual([]);
    expect(reading.pending).toEqual([
      {
        gene: 'CYP2C19',
        source: 'Observation/gt-prelim',
        status: 'preliminary',
        date: '2026-11-28T14:32:00-05:00',
      },
    ]);
  });

  it('a registered result without a value is pending too (its gene from the gene component)', () => {
    const reading = readGeneResults(shape('registered-cyp2c19'));
    expect(reading.pending.map((p) => [p.gene, p.status])).toEqual([['CYP2C19', 'registered']]);
  });

  it('the pre-test finding says the result is preliminary, dated, and asks for no test', () => {
    const reading = readGeneResults(shape('preliminary-cyp2c19'));
    const [finding, ...more] = findingsForOrder(order('clopidogrel'), reading.results, {
      pendingResults: reading.pending,
    });
    expect(more).toEqual([]);
    expect(finding?.kind).toBe('pre-test');
    if (finding?.kind !== 'pre-test') return;
    expect(finding.untested.map((u) => u.pending)).toEqual([
      { status: 'preliminary', date: '2026-11-28T14:32:00-05:00' },
    ]);
    expect(finding.explanation.join(' ')).not.toMatch(/no CYP2C19 .*result on file/i);
    expect(finding.explanation.join(' ')).toContain('CYP2C19 result preliminary (28 Nov 2026)');
    expect(finding.explanation.join(' ')).not.toContain('2026-11-28');
  });

  it('a final result of the gene makes the pending one irrelevant', () => {
    const final = shape('lab-phenotype-differs');
    const reading = readGeneResults([...final, ...shape('preliminary-cyp2c19')]);
    expect(reading.pending).toEqual([]);
  });
});

describe('a lab phenotype that differs from CPIC’s translation of the genotype', () => {
  it('is kept as reportedPhenotype and sets reinterpreted', () => {
    const [r] = readGeneResults(shape('lab-phenotype-differs')).results;
    expect(r?.phenotype).toBe(cpicCall('CYP2C19', '*1/*2').phenotype);
    expect(r?.reportedPhenotype).toBe('Poor Metabolizer');
    expect(r?.reinterpreted).toBe(true);
  });
});

describe('a CYP2D6 activity score without a genotype', () => {
  // genes.json CYP2D6 activityScoreRules: "AS == 0" → Poor Metabolizer; CPIC keys CYP2D6 rows on "0.0".
  const rules = (
    cpicGene('CYP2D6') as unknown as { activityScoreRules: { phenotype: string; rule: string }[] }
  ).activityScoreRules;
  const rule = rules.find((r) => r.rule === 'AS == 0');

  it.each(['cyp2d6-score-text', 'cyp2d6-score-quantity'])(
    '%s: read into the phenotype and lookup key of CPIC’s score rules',
    (name) => {
      const { results, ignored } = readGeneResults(shape(name));
      expect(ignored).toEqual([]);
      const [r, ...more] = results;
      expect(more).toEqual([]);
      expect(r?.gene).toBe('CYP2D6');
      expect(r?.phenotype).toBe(rule?.phenotype);
      expect(r?.lookupKey).toBe('0.0');
      expect(r?.activityScore).toBe('0.0');
      expect(r?.diplotype).toBeUndefined();
      expect(r?.readings?.map((x) => x.kind)).toEqual(['activity-score']);
    },
  );

  it('a score CPIC keys no row on is a result that could not be read, never no result', () => {
    const [obs] = shape('cyp2d6-score-text') as Record<string, unknown>[];
    const { results } = readGeneResults([{ ...obs, valueString: 'Activity score 1.3' }]);
    expect(results[0]?.phenotype).toBe('Indeterminate');
    expect(results[0]?.unreadable).toMatch(/activity score 1\.3/);
  });

  it('a gene CPIC looks up by phenotype does not read a score', () => {
    const [obs] = shape('cyp2d6-score-text') as Record<string, unknown>[];
    const { results } = readGeneResults([
      { ...obs, code: { text: 'CYP2C19 activity score' }, component: [] },
    ]);
    expect(results.every((r: GeneResult) => r.activityScore === undefined)).toBe(true);
  });
});

describe('results of different dates', () => {
  it('an older genotype naming a variant allele the newer lacks is a conflict, each result dated', () => {
    const { results, conflicts } = readGeneResults(shape('across-dates-conflict'));
    expect(results).toEqual([]);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]?.acrossDates).toBe(true);
    expect(conflicts[0]?.results.map((r) => r.value)).toEqual([
      `*1/*1 ${cpicCall('CYP2C19', '*1/*1').phenotype} (20 Sep 2024)`,
      `*2/*2 ${cpicCall('CYP2C19', '*2/*2').phenotype} (12 Mar 2015)`,
    ]);
    // Each as it reads alone: what the guideline would look up if the laboratory confirms it.
    expect(conflicts[0]?.results.map((r) => r.alone?.diplotype)).toEqual(['*1/*1', '*2/*2']);
  });

  it('a newer genotype that only adds an allele the older panel did not test wins, the older not mentioned', () => {
    const { results, conflicts } = readGeneResults(shape('across-dates-broader-panel'));
    expect(conflicts).toEqual([]);
    expect(results.map((r) => [r.diplotype, r.sources])).toEqual([['*1/*17', ['Observation/gt-2024b']]]);
  });

  it('HLA-B*57:01 positive on one date and negative on another is a conflict', () => {
    const { results, conflicts } = readGeneResults(shape('across-dates-hla'));
    expect(results).toEqual([]);
    expect(conflicts.map((c) => [c.gene, c.acrossDates, c.results.map((r) => r.value)])).toEqual([
      ['HLA-B', true, ['*57:01 negative (14 Aug 2023)', '*57:01 positive (2 May 2016)']],
    ]);
  });

  it('CYP2D6: only a no-function allele the older names and the newer lacks is a conflict', () => {
    const genotype = (id: string, value: string, date: string): Record<string, unknown> => ({
      resourceType: 'Observation',
      id,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '84413-4' }], text: 'CYP2D6 genotype' },
      effectiveDateTime: date,
      valueString: value,
    });
    // *4 has no function in genes.json; *41 decreased; *2 normal.
    expect(cpicGene('CYP2D6').alleles['*4']?.function).toBe('No function');
    expect(cpicGene('CYP2D6').alleles['*41']?.function).not.toBe('No function');
    const lost = readGeneResults([
      genotype('a', '*1/*4', '2016-01-01'),
      genotype('b', '*1/*2', '2024-01-01'),
    ]);
    expect(lost.conflicts.map((c) => c.gene)).toEqual(['CYP2D6']);
    const decreased = readGeneResults([
      genotype('a', '*1/*41', '2016-01-01'),
      genotype('b', '*1/*2', '2024-01-01'),
    ]);
    expect(decreased.conflicts).toEqual([]);
    expect(decreased.results[0]?.diplotype).toBe('*1/*2');
  });
});
