/**
 * The threshold editor's values as an informaticist reads them (src/admin/thresholds.ts `describeThresholdSet`): for
 * both shipped sets (config/thresholds/*.json) every entry has a source in finished text (no "verify" mark, no file
 * path, no section number of a note, nothing empty), a value that is the service's own choice says so, and the editor
 * shows every citation of a source, not only the first a card names.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describeThresholdSet } from '../../../src/admin/thresholds';
import { readThresholdSetFile } from '../../../src/rules/thresholds';
import type { ThresholdSet } from '../../../src/rules/thresholds';
import { textProblems } from '../../helpers/card-text';

const SETS_DIR = path.resolve(__dirname, '../../../config/thresholds');
const SHIPPED = readdirSync(SETS_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => readThresholdSetFile(path.join(SETS_DIR, f)));

/** The `evidence` label next to the value at an entry's path (`sensorRules.0.triggers.1.value` → `…triggers.1.evidence`). */
function evidenceAt(set: ThresholdSet, entryPath: string): unknown {
  let node: unknown = set;
  for (const key of [...entryPath.split('.').slice(0, -1), 'evidence']) {
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

it('ships two sets', () => {
  expect(SHIPPED.map((s) => s.version).sort()).toEqual([
    'default-2026-11-22',
    'default-2026-11-29',
    'default-2026-12-03',
  ]);
});

describe.each(SHIPPED.map((set) => [set.version, set] as const))('the entries of %s', (_version, set) => {
  const entries = describeThresholdSet(set);

  it('have sources in finished text', () => {
    expect(entries.length).toBeGreaterThan(40);
    const problems = entries.flatMap((e) => [
      ...(e.source.trim().length < 10 ? [`${e.path}: source is empty`] : []),
      ...textProblems(e.source).map((p) => `${e.path}: source ${p}`),
      ...(/verify|\.(?:md|json|ts)\b|§|knowledge\/|research\//i.test(e.source)
        ? [`${e.path}: source "${e.source}"`]
        : []),
      ...textProblems(e.meaning).map((p) => `${e.path}: meaning ${p}`),
    ]);
    expect(problems).toEqual([]);
  });

  it('say what each CPIC row advises in words', () => {
    const meaning = (p: string) => entries.find((e) => e.path === p)?.meaning;
    expect(meaning('interruption.Strong.standard')).toBe(
      'Card for a CPIC Strong row that advises standard dosing',
    );
    expect(meaning('interruption.Moderate.adjust-dose')).toBe(
      'Card for a CPIC Moderate row that advises adjust dose',
    );
    expect(meaning('interruption.unstated.avoid')).toBe(
      'Card for a CPIC row without a strength that advises avoid',
    );
  });

  it("say when a value is the service's own choice, not a guideline's", () => {
    const own = entries.filter((e) => evidenceAt(set, e.path) === 'design' || !e.path.startsWith('s'));
    expect(own.length).toBeGreaterThan(10);
    for (const e of own)
      expect(`${e.path}: ${e.source}`).toMatch(/design choice|no guideline|service policy/i);
  });

  it('show every citation of a source', () => {
    const lowHr = entries.find(
      (e) => /^sensorRules\.\d+\.triggers\.\d+\.value$/.test(e.path) && e.value === 50,
    );
    expect(lowHr?.source).toMatch(/^CPIC 2024 β-blocker guideline .*; DPWG metoprolol .*; bradycardia < 50/);
  });
});
