/**
 * "Results used" says what was read (genotype, haplotype, presence result, laboratory phenotype; free text) and lists
 * each source once (issue 14 item 3), by kind, producer and date, never by its resource id. Results are read from real-shaped fixtures; the drugs' rows come
 * from the CPIC data the cards quote.
 */
import { readGeneResults } from '../../../src/rules/cpic';
import { recommendationCardDetail } from '../../helpers/decisions';
import { readFixture } from '../../helpers/fixtures';

/** The "Results used" lines of the first card the drug gets from these resources. */
async function resultsUsed(drug: string, resources: readonly unknown[]): Promise<string[]> {
  const detail = await recommendationCardDetail(drug, resources);
  const section = detail.split('**Results used:**')[1]?.split('\n\n')[1] ?? '';
  return section.split('\n').filter((line) => line.startsWith('- '));
}

const hlaShapes = (
  readFixture('pgx', 'hla-shapes.json') as { cases: Record<string, { resources: unknown[] }> }
).cases;

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

describe('Results used', () => {
  it('an HLA genotype (GL String): says genotype and its date, never "phenotype reported" nor its resource id', async () => {
    const lines = await resultsUsed('abacavir', hlaShapes['gl-versioned']?.resources ?? []);
    expect(lines).toHaveLength(1);
    const [line = ''] = lines;
    expect(line).toContain('from a genotype (12 Jun 2025)');
    expect(line).not.toContain('phenotype reported');
    expect(line).not.toContain('Observation/');
    expect(line).not.toContain('2025-06-12');
  });

  it('allele-specific presence results: two sources alike are counted once, as presence results', async () => {
    const [line = ''] = await resultsUsed('abacavir', hlaShapes['presence-snomed']?.resources ?? []);
    expect(line).toMatch(/^- HLA-B .*; from 2 presence results \(12 Jun 2025\)$/);
    expect(occurrences(line, 'presence result')).toBe(1);
    expect(line).not.toContain('Observation/');
  });

  it('a free-text HLA report: says so', async () => {
    const [line = ''] = await resultsUsed('allopurinol', hlaShapes['text-report']?.resources ?? []);
    expect(line).toContain('from a presence result in free text (12 Jun 2025)');
  });

  it('a laboratory phenotype alone: the phenotype once, then its source, never a repeat of what the laboratory said', async () => {
    const [line = ''] = await resultsUsed('codeine', [
      {
        resourceType: 'Observation',
        id: 'ph-cyp2d6',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '53040-2' }], text: 'CYP2D6 phenotype' },
        subject: { reference: 'Patient/p1' },
        effectiveDateTime: '2018-05-14',
        valueString: 'Poor metabolizer',
      },
    ]);
    expect(line).toMatch(
      /^- CYP2D6 Poor Metabolizer .*; from a laboratory phenotype in free text \(14 May 2018\)$/,
    );
    expect(occurrences(line.toLowerCase(), 'poor metabolizer')).toBe(1);
  });

  it('a genotype written with the phenotype the laboratory gave it: said once when current CPIC agrees', async () => {
    const [observation] = readFixture('pgx', 'genotype-text-with-phenotype.json') as Record<
      string,
      unknown
    >[];
    const [line = ''] = await resultsUsed('codeine', [
      { ...observation, valueString: '*4/*4 (Poor Metabolizer)' },
    ]);
    expect(line).toMatch(
      /^- CYP2D6 \\\*4\/\\\*4 → Poor Metabolizer .*; from a genotype in free text \(14 May 2018\)$/,
    );
    expect(occurrences(line.toLowerCase(), 'poor metabolizer')).toBe(1);
  });

  it('a genotype with the laboratory phenotype of the same report: each source once, by kind and laboratory', async () => {
    const resources = readFixture('pgx', 'reinterpretation.json') as unknown[];
    const [gene] = readGeneResults(resources).results;
    // CYP2C19 *1/*17 (Rapid Metabolizer): voriconazole, whose CPIC row for it asks for another drug. Clopidogrel's rows
    // for it are a Strong "use at standard dose" and "No recommendation", which give no card.
    const drug = gene?.gene === 'CYP2C19' ? 'voriconazole' : undefined;
    if (!drug) throw new Error(`unexpected gene ${gene?.gene ?? 'none'}`);
    const [line = ''] = await resultsUsed(drug, resources);
    expect(line).toContain(
      'from a genotype in free text (Mayo Clinic Laboratories, 1 Feb 2015) and a laboratory phenotype ' +
        '(Mayo Clinic Laboratories, 1 Feb 2015)',
    );
    expect(line).not.toContain('Observation/');
  });

  it('says what the call assumed: a variant reported alone, read with any partner', async () => {
    const lone = {
      resourceType: 'Observation',
      id: 'ryr1',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '84413-4', display: 'Genotype display name' }] },
      component: [
        {
          code: { coding: [{ system: 'http://loinc.org', code: '48018-6' }] },
          valueCodeableConcept: {
            coding: [{ system: 'http://www.genenames.org', code: 'HGNC:10483', display: 'RYR1' }],
          },
        },
      ],
      effectiveDateTime: '2025-10-06',
      valueCodeableConcept: { text: 'c.7300G>A' },
    };
    const [line = ''] = await resultsUsed('succinylcholine', [lone]);
    expect(line).toMatch(
      /^- RYR1 c\.7300G\\>A → .*; the other allele not reported: CPIC's call is the same whatever it is$/,
    );
    // A diplotype with both alleles assumes nothing.
    const both = { ...lone, valueCodeableConcept: { text: 'c.7300G>A/Reference' } };
    const [full = ''] = await resultsUsed('succinylcholine', [both]);
    expect(full).not.toContain('not reported');
  });
});
