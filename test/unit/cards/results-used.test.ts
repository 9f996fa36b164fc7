/**
 * "Results used" says what was read (genotype, haplotype, presence result, laboratory phenotype; free text) and lists
 * each source once (issue 14 item 3), by kind, producer and date, never by its resource id. Results are read from real-shaped fixtures; the drugs' rows come
 * from the CPIC data the cards quote.
 */
import { decisionCard } from '../../../src/cards';
import { readGeneResults } from '../../../src/rules/cpic';
import {
  DEFAULT_ENGINE,
  decideOrder,
  drugOrder,
  noSensorFacts,
  shown,
  snapshotOf,
} from '../../helpers/decisions';
import { readFixture } from '../../helpers/fixtures';

/** The "Results used" lines of the first card the drug gets from these resources. */
async function resultsUsed(drug: string, resources: readonly unknown[]): Promise<string[]> {
  const genes = readGeneResults(resources).results;
  const decisions = await decideOrder(drugOrder(drug), genes, { birthDate: '1970-01-01' }, DEFAULT_ENGINE);
  const decision = shown(decisions.find((d) => d.finding.kind === 'recommendation'));
  const { card } = decisionCard(decision, {
    patientId: 'p1',
    newUuid: () => 'card-1',
    snapshot: snapshotOf([decision], noSensorFacts()),
  });
  const section = (card.detail ?? '').split('**Results used:**')[1]?.split('\n\n')[1] ?? '';
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
    expect(line).toContain('from 2 presence results (12 Jun 2025)');
    expect(occurrences(line, 'presence result')).toBe(2); // the reading kind, then the sources
    expect(line).not.toContain('Observation/');
  });

  it('a free-text HLA report: says so', async () => {
    const [line = ''] = await resultsUsed('allopurinol', hlaShapes['text-report']?.resources ?? []);
    expect(line).toContain('from a presence result (free text, 12 Jun 2025)');
  });

  it('a genotype with the laboratory phenotype of the same report: each source once, by kind and laboratory', async () => {
    const resources = readFixture('pgx', 'reinterpretation.json') as unknown[];
    const [gene] = readGeneResults(resources).results;
    const drug = gene?.gene === 'CYP2C19' ? 'clopidogrel' : undefined;
    if (!drug) throw new Error(`unexpected gene ${gene?.gene ?? 'none'}`);
    const [line = ''] = await resultsUsed(drug, resources);
    expect(line).toContain(
      'from a genotype (free text, Mayo Clinic Laboratories, 1 Feb 2015) and a laboratory phenotype ' +
        '(Mayo Clinic Laboratories, 1 Feb 2015)',
    );
    expect(line).not.toContain('Observation/');
  });
});
