/**
 * The hook calls' reading cache (`src/hooks/gene-readings.ts`): the same results as sent read once, what changes a
 * reading makes another, and shared readings cannot be changed by a call.
 */
import { createGeneReadingCache } from '../../../src/hooks/gene-readings';
import { readGeneResults } from '../../../src/rules/cpic';
import { readFixture } from '../../helpers/fixtures';

const g6pd = readFixture('pgx', 'g6pd.json') as Record<string, unknown>[];
const clopidogrel = readFixture('pgx', 'newest-wins.json') as Record<string, unknown>[];

describe('createGeneReadingCache', () => {
  it('reads what readGeneResults reads, once for the same results sent again', () => {
    const read = createGeneReadingCache();
    const first = read(clopidogrel, {});
    expect(first).toEqual(readGeneResults(clopidogrel, {}));
    // The next call's prefetch is parsed anew: equal content, other objects.
    expect(read(structuredClone(clopidogrel), {})).toBe(first);
  });

  it('reads again when a result changes, or the patient’s sex does', () => {
    const read = createGeneReadingCache();
    const female = read(g6pd, { sex: 'female' });
    const male = read(g6pd, { sex: 'male' });
    expect(male).not.toBe(female);
    expect(female.results[0]?.phenotype).toBe('Variable');
    expect(male).toEqual(readGeneResults(g6pd, { sex: 'male' }));
    const amended = structuredClone(g6pd);
    (amended[0] as { valueCodeableConcept: { text: string } }).valueCodeableConcept.text =
      'B (reference)/B (reference)';
    const reread = read(amended, { sex: 'female' });
    expect(reread).not.toBe(female);
    expect(reread.results[0]?.phenotype).not.toBe('Variable');
  });

  it('reads results of more than a megabyte afresh each time, keeping none of them', () => {
    const read = createGeneReadingCache();
    // A laboratory's narrative beside the result: 1.1 MB of text.
    const large = clopidogrel.map((r) => ({
      ...r,
      note: [{ text: 'Methods and limitations. '.repeat(44_000) }],
    }));
    const first = read(large, {});
    expect(first).toEqual(readGeneResults(clopidogrel, {}));
    expect(read(large, {})).not.toBe(first);
    // A small reading is still kept.
    expect(read(clopidogrel, {})).toBe(read(clopidogrel, {}));
  });

  it('gives readings no call can change', () => {
    const reading = createGeneReadingCache()(clopidogrel, {});
    expect(() => (reading.results as unknown[]).push({})).toThrow(TypeError);
    const [result] = reading.results;
    expect(result).toBeDefined();
    expect(() => {
      (result as { phenotype: string }).phenotype = 'Normal Metabolizer';
    }).toThrow(TypeError);
    expect(() => (result?.sources as unknown[]).pop()).toThrow(TypeError);
  });
});
