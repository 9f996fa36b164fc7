/**
 * `knowledge/SOURCES.md` is the record of where each reference file came from: its SHA-256 column must match the
 * files, so a silent edit of the knowledge (or of the record) fails here.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { knowledgePath, sensorThresholds } from '../../reference';

/** Every file under `knowledge/` except the record itself, as a path relative to `knowledge/`. */
function knowledgeFiles(dir = knowledgePath()): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return knowledgeFiles(full);
    const relative = path.relative(knowledgePath(), full).split(path.sep).join('/');
    return relative === 'SOURCES.md' ? [] : [relative];
  });
}

/** The files table of SOURCES.md: `| \`file\` | … | \`sha256\` |` rows. */
function recorded(): Map<string, string> {
  const text = readFileSync(knowledgePath('SOURCES.md'), 'utf8');
  const rows = [...text.matchAll(/^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$/gm)];
  return new Map(rows.map((m) => [m[1] ?? '', m[2] ?? '']));
}

const sha256 = (file: string): string =>
  createHash('sha256')
    .update(readFileSync(knowledgePath(file)))
    .digest('hex');

describe('knowledge/SOURCES.md', () => {
  const table = recorded();

  it('records every file of knowledge/ and no other', () => {
    expect(knowledgeFiles().length).toBeGreaterThan(20);
    expect([...table.keys()].sort()).toEqual(knowledgeFiles().sort());
  });

  it.each([...table.entries()])('%s has the recorded SHA-256', (file, hash) => {
    expect(sha256(file)).toBe(hash);
  });
});

describe('knowledge/sensor-thresholds.json', () => {
  /** Line wrapping is not part of the text: runs of whitespace compare as one space. */
  const words = (text: string): string => text.replace(/\s+/g, ' ');
  const note = words(readFileSync(knowledgePath('research', 'wearables-in-fhir.md'), 'utf8'));
  const entries = sensorThresholds();

  it('has an entry per number', () => {
    expect(entries.length).toBeGreaterThan(40);
  });

  it.each(entries.map((e) => [e.id, e] as const))(
    '%s: quote and citation are text of the research note, and the quote states the number',
    (_id, entry) => {
      expect(note).toContain(words(entry.quote));
      expect(note).toContain(words(entry.citation));
      expect(entry.quote).toContain(String(entry.value));
      // The section exists in the note (e.g. "§2.2 R1": heading "### 2.2", row "| R1 |" or note "**R1 ").
      const [heading] = entry.section.replace('§', '').split(' ');
      expect(note).toContain(`### ${heading ?? ''} `);
    },
  );
});
