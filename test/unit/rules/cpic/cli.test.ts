import { pgxCommand } from '../../../../scripts/pgx';
import { cpicGene, cpicRow } from '../../../reference';

describe('npm run pgx', () => {
  it('prints phenotype, lookup key, recommendation, strength and source', () => {
    const { output, exitCode } = pgxCommand([
      '--genotype',
      'CYP2C19=*2/*2',
      '--drug',
      'clopidogrel',
      '--age',
      '50',
    ]);
    const { row } = cpicRow('clopidogrel', { CYP2C19: 'Poor Metabolizer' }, 'CVI ACS PCI');
    expect(exitCode).toBe(0);
    expect(output).toContain('CYP2C19 *2/*2 → Poor Metabolizer');
    // The allele functions the genotype was called with, dated as the CPIC data set dates CYP2C19's (2025-11-05).
    expect(cpicGene('CYP2C19').dataVersion).toMatch(/^2025-11-05/);
    expect(output).toContain('called with CPIC allele functions of 5 Nov 2025');
    expect(output).toContain('lookup key:     CYP2C19=Poor Metabolizer');
    expect(output).toContain(row.recommendation);
    expect(output).toContain(`strength:       ${row.strength ?? ''}`);
    expect(output).toMatch(/cpicpgx\.org/);
  });

  it('prints JSON for machines', () => {
    const { output } = pgxCommand(['--genotype', 'CYP2C19=*2/*2', '--drug', 'clopidogrel', '--json']);
    const parsed = JSON.parse(output) as { findings: { action: string }[]; knowledgeVersion: string };
    expect(parsed.findings[0]?.action).toBe('avoid');
    expect(parsed.knowledgeVersion).toMatch(/^cpic-/);
  });

  it('says when a drug has no CPIC guideline, and fails on bad arguments', () => {
    expect(pgxCommand(['--drug', 'lisinopril']).output).toContain('lisinopril: no CPIC guideline');
    expect(pgxCommand(['--genotype', 'CYP2C19']).exitCode).toBe(2);
  });
});
