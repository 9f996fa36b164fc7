/**
 * CFTR genotypes in every form the CPIC data set names (its allele labels, legacy protein names, complex alleles),
 * plus HGVS protein names and narrative text, → CPIC's phenotype (diplotype table) and ivacaftor's CPIC row.
 * Expected phenotypes and rows come from the CPIC data set (`test/reference`).
 */
import { findingsForOrder, readGeneResults, rowOf } from '../../../../src/rules/cpic';
import type { GeneResult } from '../../../../src/rules/cpic';
import { readFixture } from '../../../helpers/fixtures';
import { cpicCall, cpicGene, cpicRow } from '../../../reference';

const shapes = (readFixture('pgx', 'cftr-shapes.json') as { cases: Record<string, { resources: unknown[] }> })
  .cases;

function cftr(name: string): GeneResult {
  const resources = shapes[name]?.resources;
  if (!resources) throw new Error(`no CFTR fixture case ${name}`);
  const { results } = readGeneResults(resources);
  expect(results).toHaveLength(1);
  return results[0]!;
}

/** CPIC's label for every sequence without a listed ivacaftor-responsive variant (genes.json CFTR alleles). */
const NON_RESPONSIVE = Object.keys(cpicGene('CFTR').alleles).find((a) => /non-responsive/.test(a))!;

function ivacaftorRow(result: GeneResult): string | undefined {
  const findings = findingsForOrder(
    {
      orderRef: 'MedicationRequest/iva',
      orderIndex: 0,
      ingredients: [{ name: 'ivacaftor' }],
      resolvedBy: 'text',
    },
    [result],
  );
  expect(findings).toHaveLength(1);
  return findings[0] ? rowOf(findings[0])?.recommendation : undefined;
}

describe('CFTR genotypes as labs write them', () => {
  it('reads two copies of the CPIC label "ivacaftor non-responsive CFTR sequence"', () => {
    const r = cftr('cpic-label-twice');
    const expected = cpicCall('CFTR', `${NON_RESPONSIVE}/${NON_RESPONSIVE}`);
    expect(r.phenotype).toBe(expected.phenotype);
    expect(ivacaftorRow(r)).toBe(cpicRow('ivacaftor', { CFTR: expected.lookupKey }).row.recommendation);
  });

  it('reads legacy names: a listed variant with F508del (not listed) is the listed variant with the label', () => {
    const r = cftr('legacy-names');
    const expected = cpicCall('CFTR', `G551D/${NON_RESPONSIVE}`);
    expect(r.phenotype).toBe(expected.phenotype);
    expect(r.notes.join(' ')).toMatch(/F508del is not among the ivacaftor-responsive variants CPIC lists/);
    expect(ivacaftorRow(r)).toBe(cpicRow('ivacaftor', { CFTR: expected.lookupKey }).row.recommendation);
  });

  it('reads HGVS protein names as their legacy names', () => {
    const r = cftr('hgvs-protein');
    expect(r.phenotype).toBe(cpicCall('CFTR', `G551D/${NON_RESPONSIVE}`).phenotype);
    expect(r.notes.join(' ')).toMatch(/p\.\(Gly551Asp\) read as CPIC variant G551D/);
  });

  it('reads "Homozygous for F508del" as two non-responsive sequences: ivacaftor gets its CPIC card', () => {
    const r = cftr('homozygous-text');
    const expected = cpicCall('CFTR', `${NON_RESPONSIVE}/${NON_RESPONSIVE}`);
    expect(r.phenotype).toBe(expected.phenotype);
    expect(r.readings?.[0]).toMatchObject({ source: 'Observation/cftr-4', kind: 'genotype', text: true });
    expect(ivacaftorRow(r)).toBe(cpicRow('ivacaftor', { CFTR: expected.lookupKey }).row.recommendation);
  });

  it('reads a ClinVar-coded single variant when CPIC gives it one phenotype with any partner', () => {
    const r = cftr('clinvar-variant');
    const withAny = new Set(
      Object.keys(cpicGene('CFTR').alleles).map((other) => cpicCall('CFTR', `G551D/${other}`).phenotype),
    );
    expect(withAny.size).toBe(1);
    expect(r.phenotype).toBe([...withAny][0]);
  });

  it('reads a CPIC complex allele (comma) and an intronic legacy name', () => {
    expect(cftr('complex-allele').phenotype).toBe(cpicCall('CFTR', 'F508C,S1251N/3849+10kbC->T').phenotype);
  });

  it('does not read cDNA-only names (never guessed as non-responsive), and says why', () => {
    const r = cftr('cdna-only');
    expect(r.phenotype).toBe('Indeterminate');
    expect(r.notes.join(' ')).toMatch(/c\.1521_1523delCTT is not a variant CPIC lists/);
  });
});

describe('CFTR haplotype Observations', () => {
  it('pairs two variant haplotypes (HGVS protein and legacy) into the CPIC diplotype', () => {
    const haplotype = (id: string, value: string): unknown => ({
      resourceType: 'Observation',
      id,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '84414-2', display: 'Haplotype name' }] },
      effectiveDateTime: '2025-09-03',
      valueCodeableConcept: { text: value },
      derivedFrom: [{ reference: 'Observation/cftr-parent' }],
      component: [
        {
          code: { coding: [{ system: 'http://loinc.org', code: '48018-6' }] },
          valueCodeableConcept: {
            coding: [{ system: 'http://www.genenames.org/geneId', code: 'HGNC:1884', display: 'CFTR' }],
          },
        },
      ],
    });
    const { results } = readGeneResults([haplotype('h1', 'p.Gly551Asp'), haplotype('h2', 'F508del')]);
    expect(results[0]?.phenotype).toBe(cpicCall('CFTR', `G551D/${NON_RESPONSIVE}`).phenotype);
    expect(results[0]?.readings?.map((r) => r.kind)).toEqual(['haplotype', 'haplotype']);
  });
});
