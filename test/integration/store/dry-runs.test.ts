/**
 * Dry runs of threshold-set drafts in the store (`store.dryRuns`, migration 0120), on both engines: a run is kept
 * with the content hash it ran on; "passed" is per version and content, so an edit needs a new run. PostgreSQL is the
 * one named by TEST_DATABASE_URL, else the embedded one jest's globalSetup starts (test/helpers/postgres.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../../src/store';
import type { Store } from '../../../src/store';
import { createTestDatabase } from '../../helpers/postgres';
import type { TestDatabase } from '../../helpers/postgres';

async function createSqliteDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cds-dry-runs-'));
  return { url: path.join(dir, 'cds.sqlite'), drop: () => rm(dir, { recursive: true }) };
}

const engines = [
  { engine: 'sqlite', createDatabase: createSqliteDatabase },
  { engine: 'postgres', createDatabase: createTestDatabase },
] as const;

describe.each(engines)('threshold dry runs on $engine', ({ createDatabase }) => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await createDatabase();
    store = await openStore(database.url);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('keeps each run with its content hash, outcome, who and when; the newest is the latest', async () => {
    expect(await store.dryRuns.latest('v1')).toBeUndefined();
    await store.dryRuns.record({
      version: 'v1',
      contentHash: 'aaa',
      passed: false,
      ranAt: new Date('2026-11-29T10:00:00Z'),
      ranBy: 'ivan',
      report: { rules: [{ id: 'R1-x', failed: 1 }] },
    });
    await store.dryRuns.record({
      version: 'v1',
      contentHash: 'bbb',
      passed: true,
      ranAt: new Date('2026-11-29T11:00:00Z'),
      ranBy: 'iris',
      report: { rules: [] },
    });
    expect(await store.dryRuns.latest('v1')).toEqual({
      version: 'v1',
      contentHash: 'bbb',
      passed: true,
      ranAt: new Date('2026-11-29T11:00:00Z'),
      ranBy: 'iris',
      report: { rules: [] },
    });
  });

  it('answers whether this version passed on exactly this content', async () => {
    expect(await store.dryRuns.hasPassed('v1', 'bbb')).toBe(true);
    // A failed run of that content, an unknown content, another version with the same content.
    expect(await store.dryRuns.hasPassed('v1', 'aaa')).toBe(false);
    expect(await store.dryRuns.hasPassed('v1', 'ccc')).toBe(false);
    expect(await store.dryRuns.hasPassed('v2', 'bbb')).toBe(false);
  });
});
