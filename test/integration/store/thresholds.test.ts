/**
 * Versioned threshold sets in the store, on both engines: drafts, publication (one at a time, audited), rollback,
 * and loading the published set through the rules module. PostgreSQL is the one named by TEST_DATABASE_URL, else the
 * embedded one jest's globalSetup starts (test/helpers/postgres.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../../src/store';
import type { Store } from '../../../src/store';
import {
  DEFAULT_THRESHOLDS,
  loadPublishedThresholds,
  serializeThresholdSet,
} from '../../../src/rules/thresholds';
import { createTestDatabase } from '../../helpers/postgres';
import type { TestDatabase } from '../../helpers/postgres';

async function createSqliteDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cds-thresholds-'));
  return { url: path.join(dir, 'cds.sqlite'), drop: () => rm(dir, { recursive: true }) };
}

const engines = [
  { engine: 'sqlite', createDatabase: createSqliteDatabase },
  { engine: 'postgres', createDatabase: createTestDatabase },
] as const;

/** A valid set that differs from the defaults in its version and one threshold value. */
function variant(version: string, restingHrCutOff: number): string {
  const set = structuredClone(DEFAULT_THRESHOLDS);
  const trigger = set.sensorRules[0]?.triggers[0];
  if (trigger) trigger.value = restingHrCutOff;
  return serializeThresholdSet({ ...set, version });
}

describe.each(engines)('threshold sets on $engine', ({ createDatabase }) => {
  let database: TestDatabase | undefined;
  let store: Store | undefined;

  // Each test gets a fresh database: publication state is global to a database.
  beforeEach(async () => {
    database = await createDatabase();
    store = await openStore(database.url);
  });

  afterEach(async () => {
    await store?.close();
    await database?.drop();
    store = undefined;
  });

  function storeTest(name: string, body: (s: Store) => Promise<void>): void {
    test(name, async () => {
      if (!store) throw new Error('the store did not open (see beforeEach)');
      await body(store);
    });
  }

  storeTest('nothing published: the rules module falls back to the defaults', async (s) => {
    expect(await s.publishedThresholds()).toBeUndefined();
    expect(await loadPublishedThresholds(s)).toBe(DEFAULT_THRESHOLDS);
  });

  storeTest('a draft is stored but not used until published; publishing is audited', async (s) => {
    const json = variant('site-1', 55);
    await s.saveThresholdDraft({
      version: 'site-1',
      json,
      createdBy: 'informaticist-a',
      note: 'lower R1 cut-off',
      createdAt: new Date('2026-11-01T10:00:00.000Z'),
    });
    expect(await s.publishedThresholds()).toBeUndefined();
    await s.publishThresholds('site-1', 'informaticist-b', new Date('2026-11-02T10:00:00.000Z'));
    expect(await s.publishedThresholds()).toEqual({ version: 'site-1', json });
    const loaded = await loadPublishedThresholds(s);
    expect(loaded.version).toBe('site-1');
    expect(loaded.sensorRules[0]?.triggers[0]?.value).toBe(55);
    expect(await s.listThresholdSets()).toEqual([
      {
        version: 'site-1',
        json,
        status: 'published',
        createdAt: new Date('2026-11-01T10:00:00.000Z'),
        createdBy: 'informaticist-a',
        publishedAt: new Date('2026-11-02T10:00:00.000Z'),
        publishedBy: 'informaticist-b',
        note: 'lower R1 cut-off',
      },
    ]);
  });

  storeTest('a draft may be saved again; a published version is immutable', async (s) => {
    await s.saveThresholdDraft({ version: 'v1', json: variant('v1', 58), createdBy: 'a' });
    await s.saveThresholdDraft({
      version: 'v1',
      json: variant('v1', 57),
      createdBy: 'a',
      note: 'second try',
    });
    const [saved] = await s.listThresholdSets();
    expect(saved).toMatchObject({ json: variant('v1', 57), note: 'second try', status: 'draft' });
    await s.publishThresholds('v1', 'b');
    await expect(
      s.saveThresholdDraft({ version: 'v1', json: variant('v1', 50), createdBy: 'a' }),
    ).rejects.toThrow(/immutable/);
    expect(await s.publishedThresholds()).toEqual({ version: 'v1', json: variant('v1', 57) });
  });

  storeTest(
    'one published at a time: publishing retires the previous; rollback republishes it',
    async (s) => {
      await s.saveThresholdDraft({ version: 'v1', json: variant('v1', 58), createdBy: 'a' });
      await s.saveThresholdDraft({ version: 'v2', json: variant('v2', 56), createdBy: 'a' });
      await s.publishThresholds('v1', 'b');
      await s.publishThresholds('v2', 'c');
      const status = async (): Promise<Record<string, string>> =>
        Object.fromEntries((await s.listThresholdSets()).map((r) => [r.version, r.status]));
      expect(await status()).toEqual({ v1: 'retired', v2: 'published' });
      await s.publishThresholds('v1', 'd'); // rollback
      expect(await status()).toEqual({ v1: 'published', v2: 'retired' });
      expect((await s.publishedThresholds())?.version).toBe('v1');
      const v1 = (await s.listThresholdSets()).find((r) => r.version === 'v1');
      expect(v1?.publishedBy).toBe('d');
    },
  );

  storeTest('publishing an unknown version fails and changes nothing', async (s) => {
    await s.saveThresholdDraft({ version: 'v1', json: variant('v1', 58), createdBy: 'a' });
    await s.publishThresholds('v1', 'b');
    await expect(s.publishThresholds('nope', 'b')).rejects.toThrow(/does not exist/);
    expect((await s.publishedThresholds())?.version).toBe('v1');
  });

  storeTest('the database itself refuses a second published row', async (s) => {
    await s.saveThresholdDraft({ version: 'v1', json: variant('v1', 58), createdBy: 'a' });
    await s.saveThresholdDraft({ version: 'v2', json: variant('v2', 56), createdBy: 'a' });
    await s.publishThresholds('v1', 'b');
    // Not `.rejects.toThrow()`: better-sqlite3 builds its errors with the SqliteError class of the first jest module
    // registry that loaded it (`addon.isInitialized`), which is not an Error of a later test file's realm.
    await expect(
      s.db.updateTable('threshold_sets').set({ status: 'published' }).where('version', '=', 'v2').execute(),
    ).rejects.toHaveProperty('message', expect.stringMatching(/unique|duplicate/i));
  });

  storeTest('a published set whose JSON is invalid fails loudly instead of falling back', async (s) => {
    const broken = JSON.parse(variant('bad', 58)) as { sensorRules: { triggers: { value: unknown }[] }[] };
    const first = broken.sensorRules[0]?.triggers[0];
    if (first) first.value = 'sixty';
    await s.saveThresholdDraft({ version: 'bad', json: JSON.stringify(broken), createdBy: 'a' });
    await s.publishThresholds('bad', 'b');
    await expect(loadPublishedThresholds(s)).rejects.toThrow('sensorRules.0.triggers.0.value');
  });
});
