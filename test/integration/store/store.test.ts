/**
 * The store's contract, run against both engines: SQLite in a temp folder and a throwaway PostgreSQL database on the
 * server named by TEST_DATABASE_URL, else the embedded one jest's globalSetup starts (test/helpers/postgres.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openStore } from '../../../src/store';
import type { CardRecord, FeedbackRecord, InvocationRecord, Store } from '../../../src/store';
import { createTestDatabase } from '../../helpers/postgres';
import type { TestDatabase } from '../../helpers/postgres';

/** A SQLite file in a fresh temp folder, below a subfolder that does not exist yet. */
async function createSqliteDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cds-store-'));
  return { url: path.join(dir, 'not-yet-created', 'cds.sqlite'), drop: () => rm(dir, { recursive: true }) };
}

function card(overrides: Partial<CardRecord> = {}): CardRecord {
  return {
    uuid: randomUUID(),
    indicator: 'warning',
    summary: 'CYP2C19 poor metabolizer: consider an alternative to clopidogrel',
    drug: 'clopidogrel',
    decision: { action: 'avoid', gene: 'CYP2C19', phenotype: 'Poor Metabolizer', modifiers: [] },
    ruleIds: ['cpic-clopidogrel-cyp2c19'],
    thresholdVersion: 'thresholds-3',
    knowledgeVersion: 'cpic-2024-05',
    ...overrides,
  };
}

function invocation(
  cards: readonly CardRecord[],
  overrides: Partial<InvocationRecord> = {},
): InvocationRecord {
  return {
    hookInstance: randomUUID(),
    serviceId: 'pgx-order-sign',
    hook: 'order-sign',
    receivedAt: new Date('2025-03-04T10:11:12.345Z'),
    clientIssuer: 'https://ehr.example.org',
    patientRef: 'Patient/example-1',
    latencyMs: 42,
    cards,
    ...overrides,
  };
}

function overridden(cardUuid: string, overrides: Partial<FeedbackRecord> = {}): FeedbackRecord {
  return {
    serviceId: 'pgx-order-sign',
    cardUuid,
    outcome: 'overridden',
    acceptedSuggestions: [],
    overrideReason: {
      code: 'patient-tolerated',
      system: 'https://example.org/override-reasons',
      display: 'Tolerated',
    },
    userComment: 'On this dose for years',
    outcomeTimestamp: '2025-03-04T10:12:00Z',
    receivedAt: new Date('2025-03-04T10:12:01.000Z'),
    ...overrides,
  };
}

const engines = [
  { engine: 'sqlite', createDatabase: createSqliteDatabase },
  { engine: 'postgres', createDatabase: createTestDatabase },
] as const;

describe.each(engines)('store on $engine', ({ engine, createDatabase }) => {
  let database: TestDatabase | undefined;
  let opened: Store | undefined;

  beforeAll(async () => {
    database = await createDatabase();
    opened = await openStore(database.url);
  });

  afterAll(async () => {
    await opened?.close();
    await database?.drop();
  });

  /** A test needing the store; a failed `beforeAll` (no store) fails every test here. */
  function storeTest(name: string, body: (store: Store, url: string) => Promise<void>): void {
    test(name, async () => {
      if (!opened || !database) throw new Error('the store did not open (see beforeAll)');
      await body(opened, database.url);
    });
  }

  storeTest('opens on the engine its URL names', (store) => {
    expect(store.engine).toBe(engine);
    return Promise.resolve();
  });

  storeTest('migrates a new database once; re-opening does not migrate again', async (store, url) => {
    const again = await openStore(url);
    await again.close();
    const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      store.db,
    );
    expect(rows.map((r) => r.name)).toEqual([
      '0001_invocations_cards_feedback',
      '0002_threshold_sets',
      '0003_invocation_versions',
    ]);
  });

  storeTest('ping answers while open', async (store) => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  storeTest('records an invocation and finds its cards by uuid', async (store) => {
    const cards = [card(), card({ indicator: 'info', drug: 'sertraline' })];
    const rec = invocation(cards);
    await store.recordInvocation(rec);

    const found = await store.findCards(cards.map((c) => c.uuid));
    expect(found.size).toBe(2);
    for (const c of cards) {
      expect(found.get(c.uuid)).toEqual({
        uuid: c.uuid,
        serviceId: rec.serviceId,
        hookInstance: rec.hookInstance,
        indicator: c.indicator,
        createdAt: rec.receivedAt,
      });
    }
  });

  storeTest('keeps what produced each card: decision, rule ids, versions', async (store) => {
    const c = card({ ruleIds: ['rule-a', 'rule-b'] });
    await store.recordInvocation(invocation([c]));
    const row = await store.db
      .selectFrom('cards')
      .selectAll()
      .where('uuid', '=', c.uuid)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.decision)).toEqual(c.decision);
    expect(JSON.parse(row.rule_ids)).toEqual(['rule-a', 'rule-b']);
    expect(row).toMatchObject({
      summary: c.summary,
      drug: c.drug,
      threshold_version: c.thresholdVersion,
      knowledge_version: c.knowledgeVersion,
    });
  });

  storeTest('keeps the client, patient and latency of an invocation; absent ones as null', async (store) => {
    const withAll = invocation([card()], { latencyMs: 87 });
    const { clientIssuer: _issuer, patientRef: _patient, ...withoutOptional } = invocation([]);
    await store.recordInvocation(withAll);
    await store.recordInvocation(withoutOptional);

    const rows = await store.db
      .selectFrom('invocations')
      .select([
        'hook_instance',
        'service_id',
        'hook',
        'received_at',
        'client_issuer',
        'patient_ref',
        'latency_ms',
      ])
      .where('hook_instance', 'in', [withAll.hookInstance, withoutOptional.hookInstance])
      .execute();
    const byInstance = new Map(rows.map((r) => [r.hook_instance, r]));
    expect(byInstance.get(withAll.hookInstance)).toEqual({
      hook_instance: withAll.hookInstance,
      service_id: 'pgx-order-sign',
      hook: 'order-sign',
      received_at: '2025-03-04T10:11:12.345Z',
      client_issuer: 'https://ehr.example.org',
      patient_ref: 'Patient/example-1',
      latency_ms: 87,
    });
    expect(byInstance.get(withoutOptional.hookInstance)).toMatchObject({
      client_issuer: null,
      patient_ref: null,
    });
  });

  storeTest(
    'an invocation reusing a recorded card uuid is rejected and leaves nothing behind',
    async (store) => {
      const c = card();
      await store.recordInvocation(invocation([c]));
      const retry = invocation([card(), c]);
      await expect(store.recordInvocation(retry)).rejects.toHaveProperty('message');

      const leftover = await store.db
        .selectFrom('invocations')
        .select('id')
        .where('hook_instance', '=', retry.hookInstance)
        .execute();
      expect(leftover).toEqual([]);
      expect((await store.findCards(retry.cards.map((x) => x.uuid))).size).toBe(1);
    },
  );

  storeTest('findCards answers only for recorded cards', async (store) => {
    const c = card();
    await store.recordInvocation(invocation([c]));
    const found = await store.findCards([randomUUID(), c.uuid, c.uuid]);
    expect([...found.keys()]).toEqual([c.uuid]);
    expect((await store.findCards([])).size).toBe(0);
  });

  storeTest('stores a feedback entry once and reports its repeat as a duplicate', async (store) => {
    const c = card();
    await store.recordInvocation(invocation([c]));
    const entry = overridden(c.uuid);

    await expect(store.recordFeedback([entry])).resolves.toEqual({ stored: 1, duplicates: 0 });
    const retry = { ...entry, receivedAt: new Date('2025-03-04T10:15:00.000Z') };
    await expect(store.recordFeedback([retry])).resolves.toEqual({ stored: 0, duplicates: 1 });

    const rows = await store.db.selectFrom('feedback').selectAll().where('card_uuid', '=', c.uuid).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      service_id: 'pgx-order-sign',
      outcome: 'overridden',
      override_code: 'patient-tolerated',
      override_system: 'https://example.org/override-reasons',
      override_display: 'Tolerated',
      user_comment: 'On this dose for years',
      outcome_timestamp: '2025-03-04T10:12:00Z',
      // the first receipt is kept
      received_at: '2025-03-04T10:12:01.000Z',
      client_issuer: null,
    });
    expect(JSON.parse(rows[0]!.accepted_suggestions)).toEqual([]);
  });

  storeTest('an entry repeated within one batch is stored once', async (store) => {
    const c = card();
    await store.recordInvocation(invocation([c]));
    const entry = overridden(c.uuid);
    await expect(store.recordFeedback([entry, entry])).resolves.toEqual({ stored: 1, duplicates: 1 });
  });

  storeTest('entries differing in what happened are distinct; display text alone is not', async (store) => {
    const c = card();
    await store.recordInvocation(invocation([c]));
    const base = overridden(c.uuid);
    await store.recordFeedback([base]);

    const distinct: FeedbackRecord[] = [
      { ...base, outcomeTimestamp: '2025-03-04T11:00:00Z' },
      { ...base, userComment: 'Different comment' },
      { ...base, overrideReason: { code: 'other', system: 'https://example.org/override-reasons' } },
      { ...base, overrideReason: { code: 'patient-tolerated', system: 'https://other.example.org/reasons' } },
    ];
    await expect(store.recordFeedback(distinct)).resolves.toEqual({ stored: 4, duplicates: 0 });

    const sameReasonOtherDisplay = {
      ...base,
      overrideReason: { ...base.overrideReason, display: 'Patient has tolerated this drug' },
    };
    await expect(store.recordFeedback([sameReasonOtherDisplay])).resolves.toEqual({
      stored: 0,
      duplicates: 1,
    });
  });

  storeTest('accepted suggestions are a set: their order does not make a new entry', async (store) => {
    const c = card();
    await store.recordInvocation(invocation([c]));
    const accepted: FeedbackRecord = {
      serviceId: 'pgx-order-sign',
      cardUuid: c.uuid,
      outcome: 'accepted',
      acceptedSuggestions: ['suggestion-1', 'suggestion-2'],
      outcomeTimestamp: '2025-03-04T10:12:00Z',
      receivedAt: new Date('2025-03-04T10:12:01.000Z'),
      clientIssuer: 'https://ehr.example.org',
    };
    await expect(store.recordFeedback([accepted])).resolves.toEqual({ stored: 1, duplicates: 0 });
    const reordered = { ...accepted, acceptedSuggestions: ['suggestion-2', 'suggestion-1'] };
    await expect(store.recordFeedback([reordered])).resolves.toEqual({ stored: 0, duplicates: 1 });
    const fewer = { ...accepted, acceptedSuggestions: ['suggestion-1'] };
    await expect(store.recordFeedback([fewer])).resolves.toEqual({ stored: 1, duplicates: 0 });
  });

  storeTest('feedback on an unrecorded card rejects the whole batch', async (store) => {
    const c = card();
    await store.recordInvocation(invocation([c]));
    const batch = [overridden(c.uuid), overridden(randomUUID())];
    await expect(store.recordFeedback(batch)).rejects.toHaveProperty('message');
    const rows = await store.db
      .selectFrom('feedback')
      .select('entry_key')
      .where('card_uuid', '=', c.uuid)
      .execute();
    expect(rows).toEqual([]);
  });

  storeTest('concurrent deliveries of the same entry store it once', async (store) => {
    const c = card();
    await store.recordInvocation(invocation([c]));
    const entry = overridden(c.uuid);
    const results = await Promise.all([1, 2, 3, 4].map(() => store.recordFeedback([entry])));
    expect(results.reduce((sum, r) => sum + r.stored, 0)).toBe(1);
    expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(3);
  });

  storeTest('acknowledged feedback is visible to a new connection', async (store, url) => {
    const c = card();
    await store.recordInvocation(invocation([c]));
    await store.recordFeedback([overridden(c.uuid)]);

    const other = await openStore(url);
    try {
      const rows = await other.db
        .selectFrom('feedback')
        .select('card_uuid')
        .where('card_uuid', '=', c.uuid)
        .execute();
      expect(rows).toEqual([{ card_uuid: c.uuid }]);
    } finally {
      await other.close();
    }
  });
});

describe('store on sqlite: files and durability settings', () => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await createSqliteDatabase();
    store = await openStore(database.url);
  });

  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  test('creates the missing folder and the database file', async () => {
    expect((await stat(database.url)).isFile()).toBe(true);
  });

  test('uses WAL, synchronous=FULL, foreign keys and a busy timeout', async () => {
    const pragma = async (name: string): Promise<unknown> => {
      const { rows } = await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(store.db);
      return Object.values(rows[0] ?? {})[0];
    };
    expect(await pragma('journal_mode')).toBe('wal');
    // https://www.sqlite.org/pragma.html#pragma_synchronous: 2 = FULL
    expect(await pragma('synchronous')).toBe(2);
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBeGreaterThan(0);
  });
});

describe('openStore', () => {
  test('opens an in-memory SQLite database', async () => {
    const store = await openStore(':memory:');
    try {
      expect(store.engine).toBe('sqlite');
      await expect(store.ping()).resolves.toBeUndefined();
    } finally {
      await store.close();
    }
  });

  test('refuses a URL scheme it does not support instead of creating a file named after it', async () => {
    await expect(openStore('mysql://root@localhost/cds')).rejects.toThrow(/DATABASE_URL/);
  });

  test('rejects when PostgreSQL does not answer', async () => {
    // Port 1 (tcpmux) is not a PostgreSQL server: the connection is refused.
    await expect(openStore('postgres://postgres@127.0.0.1:1/cds')).rejects.toThrow();
  });

  test('ping rejects once the store is closed', async () => {
    const store = await openStore(':memory:');
    await store.close();
    await expect(store.ping()).rejects.toHaveProperty('message');
  });
});
