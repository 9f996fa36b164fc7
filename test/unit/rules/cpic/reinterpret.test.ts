/**
 * A recorded result read again under the knowledge in force (src/rules/cpic/reinterpret.ts): a genotype whose call
 * CPIC changed is reported with what it was and what it is; every genotype current CPIC calls as it did is not. The
 * change used is the CYP2D6 2019–2020 consensus (Caudle et al., Clin Transl Sci 2020;13:116): the 2016 table called
 * activity scores 1.0–2.0 Normal Metabolizer, current CPIC calls *1/*3 (activity score 1.0) Intermediate.
 */
import { loadDemoData } from '../../../../src/demo';
import { callAgain, readGeneResults, reinterpretResult } from '../../../../src/rules/cpic';
import type { GeneResult } from '../../../../src/rules/cpic';
import { genotypeObservations } from '../../../../bench/realistic-request';
import { genotyped } from '../../../fixtures/rules/builders';
import { cpicCall, cpicGene } from '../../../reference';

describe('reinterpretResult', () => {
  it('reports a genotype CPIC now calls differently: CYP2D6 *1/*3, Normal under the 2016 table, now Intermediate', () => {
    const now = cpicCall('CYP2D6', '*1/*3');
    expect(now).toMatchObject({ phenotype: 'Intermediate Metabolizer', activityScore: '1.0' });
    // As a result recorded before the consensus was stored: the same genotype and score, the old phenotype.
    const recorded: GeneResult = {
      ...genotyped('CYP2D6', '*1/*3'),
      phenotype: 'Normal Metabolizer',
      activityScore: '1.0',
    };
    expect(reinterpretResult(recorded)).toEqual({
      gene: 'CYP2D6',
      genotype: '*1/*3',
      was: { phenotype: 'Normal Metabolizer', lookupKey: now.lookupKey, activityScore: '1.0' },
      // Made with the data set's allele functions; the record was stored without its own.
      now: {
        phenotype: now.phenotype,
        lookupKey: now.lookupKey,
        activityScore: '1.0',
        alleleFunctions: cpicGene('CYP2D6').dataVersion,
      },
    });
  });

  it('gives the recorded result as current CPIC calls it, and an unchanged result as it was recorded', () => {
    const recorded: GeneResult = {
      ...genotyped('CYP2D6', '*1/*3'),
      phenotype: 'Normal Metabolizer',
      activityScore: '1.0',
      date: '2018-04-02',
      sources: ['Observation/cyp2d6-2018'],
      // Called with the allele functions of its day.
      alleleFunctions: '2016-06-01',
    };
    const now = cpicCall('CYP2D6', '*1/*3');
    // The call changes, and with it the allele functions it was made with (the data set's); the genotype, its date and
    // its source stay the record's.
    expect(callAgain(recorded).result).toEqual({
      ...recorded,
      phenotype: now.phenotype,
      lookupKey: now.lookupKey,
      activityScore: now.activityScore,
      alleleFunctions: cpicGene('CYP2D6').dataVersion,
    });
    const unchanged = genotyped('CYP2C19', '*2/*2');
    expect(callAgain(unchanged)).toEqual({ result: unchanged });
    expect(callAgain(unchanged).result).toBe(unchanged);
  });

  it('reports a lookup key that changed, and a genotype current CPIC can no longer read', () => {
    // An activity score recorded under other allele values: CPIC's rows are looked up by the score.
    const rescored: GeneResult = { ...genotyped('CYP2D6', '*1/*3'), lookupKey: '1.5', activityScore: '1.5' };
    expect(reinterpretResult(rescored)?.now.lookupKey).toBe(cpicCall('CYP2D6', '*1/*3').lookupKey);
    // An allele name the data set does not define (as when CPIC retires one): Indeterminate now.
    const retired: GeneResult = {
      ...genotyped('CYP2C19', '*1/*1'),
      diplotype: '*1/*99',
      alleles: ['*1', '*99'],
    };
    expect(reinterpretResult(retired)?.now.phenotype).toBe('Indeterminate');
  });

  it('reports nothing for every genotype current CPIC calls as recorded: the demo patients and a 20-gene panel', () => {
    const demo = loadDemoData(undefined);
    const bySubject = new Map<string, unknown[]>();
    for (const r of demo.resources) {
      if (r.resourceType !== 'Observation') continue;
      const subject = r.subject?.reference ?? '';
      bySubject.set(subject, [...(bySubject.get(subject) ?? []), r]);
    }
    const panels = [...bySubject.values(), genotypeObservations()];
    const results = panels.flatMap((resources) => readGeneResults(resources).results);
    // Genotypes, haplotype pairs, HLA typings, CFTR variants, G6PD and MT-RNR1 among them.
    expect(new Set(results.map((r) => r.gene)).size).toBeGreaterThanOrEqual(20);
    expect(results.map((r) => reinterpretResult(r)).filter((c) => c !== undefined)).toEqual([]);
  });

  it('leaves a phenotype the laboratory reported, and an HLA allele status, to the laboratory', () => {
    const phenotypeOnly: GeneResult = {
      gene: 'CYP2C19',
      phenotype: 'Poor Metabolizer',
      lookupKey: 'Poor Metabolizer',
      sources: ['Observation/p1'],
      reinterpreted: false,
      notes: [],
    };
    expect(reinterpretResult(phenotypeOnly)).toBeUndefined();
    const hla: GeneResult = {
      ...phenotypeOnly,
      gene: 'HLA-B',
      alleles: ['*57:01', '*08:01'],
      alleleStatus: { '*57:01': 'positive' },
    };
    expect(reinterpretResult(hla)).toBeUndefined();
  });
});
