/**
 * Versioned threshold sets in the store (`store.thresholds`), on both engines: drafts, publication (one at a time),
 * rollback, the audit trail (`threshold_set_events`), and loading the published set through the rules module. PostgreSQL is the one named by TEST_DATABASE_URL, else the
 * embedded one jest's globalSetup starts (test/helpers/postgres.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Kysely } from 'kysely';
import { openStore } from '../../../src/store';
import type { Store, ThresholdRepository } from '../../../src/store';
import { createDialect, engineOf } from '../../../src/store/connect';
import type { Database } from '../../../src/store/schema';
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

  function storeTest(name: string, body: (s: ThresholdRepository, url: string) => Promise<void>): void {
    test(name, async () => {
      if (!store || !database) throw new Error('the store did not open (see beforeEach)');
      await body(store.thresholds, database.url);
    });
  }

  storeTest('nothing published: the rules module falls back to the defaults', async (s) => {
    expect(await s.published()).toBeUndefined();
    expect(await loadPublishedThresholds(s)).toBe(DEFAULT_THRESHOLDS);
    expect(await s.listEvents()).toEqual([]);
  });

  storeTest('a save from a stale revision is refused; the base and who saved last are kept', async (s) => {
    await s.saveDraft({ version: 'd', json: variant('d', 55), createdBy: 'alice', basedOn: 'v1' });
    expect(
      await s.saveDraft({ version: 'd', json: variant('d', 56), createdBy: 'bob', expectedRevision: 1 }),
    ).toEqual({ revision: 2 });
    await expect(
      s.saveDraft({ version: 'd', json: variant('d', 57), createdBy: 'alice', expectedRevision: 1 }),
    ).rejects.toMatchObject({ name: 'ThresholdDraftConflictError', current: { revision: 2, by: 'bob' } });
    const [stored] = await s.list();
    expect(stored).toMatchObject({ basedOn: 'v1', revision: 2, createdBy: 'alice', updatedBy: 'bob' });
    expect(stored?.json).toBe(variant('d', 56));
    await s.saveDraft({ version: 'd', json: variant('d', 57), createdBy: 'alice', basedOn: 'v2' });
    expect((await s.list())[0]).toMatchObject({ basedOn: 'v2', revision: 3 });
  });

  storeTest(
    'the shipped set is stored once, retired, and named as what the first publication replaced',
    async (s) => {
      const shipped = {
        version: DEFAULT_THRESHOLDS.version,
        json: serializeThresholdSet(DEFAULT_THRESHOLDS),
      };
      await s.recordShipped(shipped);
      await s.recordShipped(shipped);
      await s.saveDraft({ version: 'site-2', json: variant('site-2', 55), createdBy: 'a' });
      await s.publish('site-2', { by: 'a', replacing: shipped.version });
      expect((await s.list()).map((r) => [r.version, r.status])).toEqual([
        ['site-2', 'published'],
        [shipped.version, 'retired'],
      ]);
      expect((await s.listEvents())[0]).toMatchObject({ action: 'publish', fromVersion: shipped.version });
      await s.rollback(shipped.version, { by: 'a' });
      expect(await s.published()).toEqual(shipped);
    },
  );

  storeTest('a draft is stored but not used until published; publishing is audited', async (s) => {
    const json = variant('site-1', 55);
    await s.saveDraft({
      version: 'site-1',
      json,
      createdBy: 'informaticist-a',
      note: 'lower R1 cut-off',
      createdAt: new Date('2026-11-01T10:00:00.000Z'),
    });
    expect(await s.published()).toBeUndefined();
    await s.publish('site-1', {
      by: 'informaticist-b',
      comment: 'approved by P&T',
      at: new Date('2026-11-02T10:00:00.000Z'),
    });
    expect(await s.published()).toEqual({ version: 'site-1', json });
    const loaded = await loadPublishedThresholds(s);
    expect(loaded.version).toBe('site-1');
    expect(loaded.sensorRules[0]?.triggers[0]?.value).toBe(55);
    expect(await s.list()).toEqual([
      {
        version: 'site-1',
        json,
        status: 'published',
        createdAt: new Date('2026-11-01T10:00:00.000Z'),
        createdBy: 'informaticist-a',
        publishedAt: new Date('2026-11-02T10:00:00.000Z'),
        publishedBy: 'informaticist-b',
        note: 'lower R1 cut-off',
        revision: 1,
        updatedAt: new Date('2026-11-01T10:00:00.000Z'),
        updatedBy: 'informaticist-a',
      },
    ]);
    const events = await s.listEvents();
    expect(events.map(({ id: _id, ...event }) => event)).toEqual([
      {
        version: 'site-1',
        action: 'publish',
        toVersion: 'site-1',
        by: 'informaticist-b',
        at: new Date('2026-11-02T10:00:00.000Z'),
        comment: 'approved by P&T',
      },
      {
        version: 'site-1',
        action: 'save-draft',
        by: 'informaticist-a',
        at: new Date('2026-11-01T10:00:00.000Z'),
        comment: 'lower R1 cut-off',
      },
    ]);
    expect(events[0]!.id).toBeGreaterThan(events[1]!.id);
  });

  storeTest('a draft may be saved again; a published version is immutable', async (s) => {
    await s.saveDraft({ version: 'v1', json: variant('v1', 58), createdBy: 'a' });
    await s.saveDraft({
      version: 'v1',
      json: variant('v1', 57),
      createdBy: 'a',
      note: 'second try',
    });
    const [saved] = await s.list();
    expect(saved).toMatchObject({ json: variant('v1', 57), note: 'second try', status: 'draft' });
    await s.publish('v1', { by: 'b' });
    await expect(s.saveDraft({ version: 'v1', json: variant('v1', 50), createdBy: 'a' })).rejects.toThrow(
      /immutable/,
    );
    expect(await s.published()).toEqual({ version: 'v1', json: variant('v1', 57) });
    // Two saves and one publish; the refused save left no event.
    expect((await s.listEvents()).map((e) => e.action)).toEqual(['publish', 'save-draft', 'save-draft']);
  });

  storeTest(
    'one published at a time: publishing retires the previous; rollback republishes it and is audited as one',
    async (s) => {
      await s.saveDraft({ version: 'v1', json: variant('v1', 58), createdBy: 'a' });
      await s.saveDraft({ version: 'v2', json: variant('v2', 56), createdBy: 'a' });
      await s.publish('v1', { by: 'b', at: new Date('2026-11-03T09:00:00.000Z') });
      await s.publish('v2', { by: 'c', at: new Date('2026-11-04T09:00:00.000Z') });
      const status = async (): Promise<Record<string, string>> =>
        Object.fromEntries((await s.list()).map((r) => [r.version, r.status]));
      expect(await status()).toEqual({ v1: 'retired', v2: 'published' });
      await s.rollback('v1', {
        by: 'd',
        comment: 'v2 raised too many alerts',
        at: new Date('2026-11-05T09:00:00.000Z'),
      });
      expect(await status()).toEqual({ v1: 'published', v2: 'retired' });
      expect((await s.published())?.version).toBe('v1');
      const v1 = (await s.list()).find((r) => r.version === 'v1');
      expect(v1?.publishedBy).toBe('d');
      const changes = (await s.listEvents()).filter((e) => e.action !== 'save-draft');
      expect(changes.map(({ id: _id, ...event }) => event)).toEqual([
        {
          version: 'v1',
          action: 'rollback',
          fromVersion: 'v2',
          toVersion: 'v1',
          by: 'd',
          at: new Date('2026-11-05T09:00:00.000Z'),
          comment: 'v2 raised too many alerts',
        },
        {
          version: 'v2',
          action: 'publish',
          fromVersion: 'v1',
          toVersion: 'v2',
          by: 'c',
          at: new Date('2026-11-04T09:00:00.000Z'),
        },
        {
          version: 'v1',
          action: 'publish',
          toVersion: 'v1',
          by: 'b',
          at: new Date('2026-11-03T09:00:00.000Z'),
        },
      ]);
    },
  );

  storeTest('publishing a retired version is the rollback it is, and is recorded as one', async (s) => {
    await s.saveDraft({ version: 'v1', json: variant('v1', 58), createdBy: 'a' });
    await s.saveDraft({ version: 'v2', json: variant('v2', 56), createdBy: 'a' });
    await s.publish('v1', { by: 'b' });
    await s.publish('v2', { by: 'b' });
    await s.publish('v1', { by: 'b' });
    const [latest] = await s.listEvents();
    expect(latest).toMatchObject({ version: 'v1', action: 'rollback', fromVersion: 'v2', toVersion: 'v1' });
  });

  storeTest(
    'rollback refuses a draft and an unknown version; to the published one it changes nothing',
    async (s) => {
      await s.saveDraft({ version: 'v1', json: variant('v1', 58), createdBy: 'a' });
      await s.saveDraft({ version: 'v2', json: variant('v2', 56), createdBy: 'a' });
      await s.publish('v1', { by: 'b' });
      const before = await s.listEvents();
      await expect(s.rollback('v2', { by: 'c' })).rejects.toThrow(/never published/);
      await expect(s.rollback('nope', { by: 'c' })).rejects.toThrow(/does not exist/);
      await s.rollback('v1', { by: 'c' });
      await s.publish('v1', { by: 'c' });
      expect((await s.published())?.version).toBe('v1');
      expect(await s.listEvents()).toEqual(before);
    },
  );

  storeTest('publishing an unknown version fails and changes nothing', async (s) => {
    await s.saveDraft({ version: 'v1', json: variant('v1', 58), createdBy: 'a' });
    await s.publish('v1', { by: 'b' });
    const events = await s.listEvents();
    await expect(s.publish('nope', { by: 'b' })).rejects.toThrow(/does not exist/);
    expect((await s.published())?.version).toBe('v1');
    expect(await s.listEvents()).toEqual(events);
  });

  storeTest('publish and rollback default their time to now', async (s) => {
    await s.saveDraft({ version: 'v1', json: variant('v1', 58), createdBy: 'a' });
    const before = Date.now();
    await s.publish('v1', { by: 'b' });
    const [event] = await s.listEvents();
    expect(event?.at.getTime()).toBeGreaterThanOrEqual(before);
    expect(event?.at.getTime()).toBeLessThanOrEqual(Date.now());
    expect((await s.list())[0]?.publishedAt).toEqual(event?.at);
  });

  storeTest('the database itself refuses a second published row', async (s, url) => {
    await s.saveDraft({ version: 'v1', json: variant('v1', 58), createdBy: 'a' });
    await s.saveDraft({ version: 'v2', json: variant('v2', 56), createdBy: 'a' });
    await s.publish('v1', { by: 'b' });
    // The store offers no way to do this, so the test opens a connection of its own.
    const db = new Kysely<Database>({ dialect: createDialect(engineOf(url), url) });
    try {
      // Not `.rejects.toThrow()`: better-sqlite3 builds its errors with the SqliteError class of the first jest
      // module registry that loaded it (`addon.isInitialized`), which is not an Error of a later test file's realm.
      await expect(
        db.updateTable('threshold_sets').set({ status: 'published' }).where('version', '=', 'v2').execute(),
      ).rejects.toHaveProperty('message', expect.stringMatching(/unique|duplicate/i));
    } finally {
      await db.destroy();
    }
  });

  storeTest('a published set whose JSON is invalid fails loudly instead of falling back', async (s) => {
    const broken = JSON.parse(variant('bad', 58)) as { sensorRules: { triggers: { value: unknown }[] }[] };
    const first = broken.sensorRules[0]?.triggers[0];
    if (first) first.value = 'sixty';
    await s.saveDraft({ version: 'bad', json: JSON.stringify(broken), createdBy: 'a' });
    await s.publish('bad', { by: 'b' });
    await expect(loadPublishedThresholds(s)).rejects.toThrow('sensorRules.0.triggers.0.value');
  });
});
