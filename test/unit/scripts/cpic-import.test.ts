/**
 * `npm run cpic:import` is the only way `src/rules/cpic/data/` is made: importing the repository's copy of the
 * sources (`knowledge/cpic`, `knowledge/rxnorm`) into a temporary folder must give the committed files byte for byte.
 * A difference means the data was edited by hand, or `knowledge/` changed without a re-import.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DATA_DIR,
  KNOWLEDGE_CPIC,
  KNOWLEDGE_RXNORM,
  importKnowledge,
  writeKnowledge,
} from '../../../scripts/cpic-import';
import { cpicPair, knowledgePath } from '../../reference';

describe('npm run cpic:import', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(path.join(os.tmpdir(), 'cpic-import-'));
  });
  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  it('reads the in-repository copy of the sources by default', () => {
    expect(KNOWLEDGE_CPIC).toBe(knowledgePath('cpic'));
    expect(KNOWLEDGE_RXNORM).toBe(knowledgePath('rxnorm'));
  });

  it('reproduces src/rules/cpic/data exactly from knowledge/', () => {
    const written = writeKnowledge(KNOWLEDGE_CPIC, KNOWLEDGE_RXNORM, out).map((f) => path.basename(f));
    expect(written.sort()).toEqual(readdirSync(DATA_DIR).sort());
    for (const name of written) {
      // Compared as text, not with toEqual on parsed JSON: the committed bytes must be what the importer writes.
      const same =
        readFileSync(path.join(out, name), 'utf8') === readFileSync(path.join(DATA_DIR, name), 'utf8');
      expect({ file: name, same }).toEqual({ file: name, same: true });
    }
  });

  it('keeps the genes an FDA label requires testing for, for drugs without a CPIC guideline only', () => {
    const labelTesting = JSON.parse(
      importKnowledge(KNOWLEDGE_CPIC, KNOWLEDGE_RXNORM)['label-testing.json'] ?? '{}',
    ) as Record<string, unknown>;
    const siponimod = cpicPair('CYP2C9', 'siponimod');
    expect(siponimod.guidelineUrl).toBeNull();
    expect(labelTesting['siponimod']).toEqual([
      { gene: 'CYP2C9', level: siponimod.cpicLevel, levelStatus: siponimod.cpicLevelStatus },
    ]);
    // Abacavir's label requires HLA-B testing too, but its CPIC guideline decides what to do.
    expect(cpicPair('HLA-B', 'abacavir').fdaLabel).toBe('Testing required');
    expect(labelTesting).not.toHaveProperty('abacavir');
  });
});
