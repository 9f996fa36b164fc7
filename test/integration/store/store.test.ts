/**
 * The store's contract, run against both engines: SQLite in a temp folder and a throwaway PostgreSQL database on the
 * server named by TEST_DATABASE_URL, else the embedded one jest's globalSetup starts (test/helpers/postgres.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, sql } from 'kysely';
import { openStore } from '../../../src/store';
import type { CardRecord, FeedbackRecord, InvocationRecord, Store } from '../../../src/store';
import { createDialect, engineOf } from '../../../src/store/connect';
import { createInvocationRepository } from '../../../src/store/invocations';
import { migrationProvider } from '../../../src/store/migrations';
import type { Database } from '../../../src/store/schema';
import { createTestDatabase } from '../../helpers/postgres';
import type { TestDatabase } from '../../helpers/postgres';

/** A SQLite file in a fresh temp folder, below a subfolder that does not exist yet. */
async function createSqliteDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cds-store-'));
  return { url: path.join(dir, 'not-yet-created', 'cds.sqlite'), drop: () => rm(dir, { recursive: true }) };
}

/**
 * A second connection of the test's own to the store's database, for what the store API deliberately does not offer
 * (its migration table, SQLite pragmas): the Store has no raw database handle.
 */
async function withConnection<T>(url: string, run: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const db = new Kysely<Database>({ dialect: createDialect(engineOf(url), url) });
  try {
    return await run(db);
  } finally {
    await db.destroy();
  }
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
    await store.ping();
    const again = await openStore(url);
    await again.close();
    const { rows } = await withConnection(url, (db) =>
      sql<{ name: string }>`select name from kysely_migration order by name`.execute(db),
    );
    expect(rows.map((r) => r.name)).toEqual([
      '0001_invocations_cards_feedback',
      '0002_threshold_sets',
      '0003_invocation_versions',
      '0004_threshold_set_events',
      '0005_invocation_inputs',
      '0006_ratings',
      '0010_client_jtis',
      '0011_rate_limit_hits',
      '0020_card_as_shown',
      '0021_rating_events',
      '0022_page_sessions',
      '0030_audit_events',
      '0031_invocation_user_card_detail',
      '0032_override_reviews',
      '0060_volume',
      '0090_shadow_comparisons',
      '0110_drop_card_detail',
      '0120_threshold_dry_runs',
      '0130_ratings_by_rating',
      '0140_invocation_user_name',
      '0150_feedback_newest_by_card',
      '0160_overridden_cards',
      '0170_shadow_comparisons_by_time',
      '0180_volume_acknowledged',
      '0190_reinterpretation_follow_ups',
      '0200_invocations_by_patient',
      '0210_threshold_draft_base',
      '0220_wrong_patient_follow_ups',
      '0230_clinician_name_folded',
    ]);
  });

  storeTest('ping answers while open', async (store) => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  storeTest(
    'keeps who was prescribing (0031) and the card as shown, its detail once (0110)',
    async (store) => {
      const sent = { summary: 'Avoid clopidogrel', indicator: 'warning', detail: 'Clopidogrel: **avoid**.' };
      const shown = card({ shown: sent });
      const bare = card();
      await store.invocations.record(invocation([shown, bare], { userId: 'Practitioner/dr-lee' }));
      const back = await store.invocations.findByCard(shown.uuid);
      expect(back?.userId).toBe('Practitioner/dr-lee');
      expect(back?.cards.find((c) => c.uuid === shown.uuid)?.shown).toEqual(sent);
      expect(back?.cards.find((c) => c.uuid === bare.uuid)).not.toHaveProperty('shown');
      expect(back?.cards.find((c) => c.uuid === shown.uuid)).not.toHaveProperty('detail');
    },
  );

  storeTest('appends audit events and lists them newest first, by target, actor or action', async (store) => {
    const target = `card:${randomUUID()}`;
    const at = new Date('2026-11-02T08:00:00.000Z');
    await store.audit.record({ actor: 'alice', role: 'pharmacist', action: 'override.review', target, at });
    await store.audit.record({
      actor: 'root',
      role: 'admin',
      action: 'override.review',
      target,
      at, // same time: write order decides
      details: { status: 'follow-up' },
    });
    await store.audit.record({
      actor: 'alice',
      role: 'pharmacist',
      action: 'overrides.export',
      target: 'overrides',
      at,
    });
    const events = await store.audit.list({ target });
    expect(events.map((e) => [e.actor, e.role, e.details])).toEqual([
      ['root', 'admin', { status: 'follow-up' }],
      ['alice', 'pharmacist', {}],
    ]);
    expect(events[0]!.id).toBeGreaterThan(events[1]!.id);
    expect(events[0]!.at).toEqual(at);
    expect(
      (await store.audit.list({ actor: 'alice', action: 'overrides.export' })).map((e) => e.target),
    ).toEqual(['overrides']);
  });

  storeTest(
    'keeps the latest follow-up of a patient per knowledge version, each write audited with it',
    async (store) => {
      const patientRef = `Patient/${randomUUID()}`;
      const first = new Date('2026-06-01T09:00:00.000Z');
      const later = new Date('2026-06-02T09:00:00.000Z');
      await store.followUps.record({
        patientRef,
        knowledgeVersion: 'cpic-2026-04-30',
        by: 'alice',
        role: 'pharmacist',
        at: first,
        note: 'Called the prescriber',
      });
      await store.followUps.record({
        patientRef,
        knowledgeVersion: 'cpic-2026-04-30',
        by: 'bea',
        role: 'pharmacist',
        at: later,
      });
      await store.followUps.record({
        patientRef,
        knowledgeVersion: 'cpic-2027-01-15',
        by: 'alice',
        role: 'admin',
        at: later,
      });
      // The second replaced the first: no note now. Another version is another follow-up.
      expect((await store.followUps.under('cpic-2026-04-30')).get(patientRef)).toEqual({
        patientRef,
        knowledgeVersion: 'cpic-2026-04-30',
        by: 'bea',
        at: later,
      });
      expect((await store.followUps.under('cpic-2027-01-15')).get(patientRef)?.by).toBe('alice');
      expect((await store.followUps.under('cpic-2019-01-12')).has(patientRef)).toBe(false);
      const audited = await store.audit.list({ target: patientRef });
      expect(audited.map((e) => [e.actor, e.role, e.action, e.details])).toEqual([
        [
          'alice',
          'admin',
          'reinterpretation.follow-up',
          { knowledgeVersion: 'cpic-2027-01-15', withNote: false },
        ],
        [
          'bea',
          'pharmacist',
          'reinterpretation.follow-up',
          { knowledgeVersion: 'cpic-2026-04-30', withNote: false },
        ],
        [
          'alice',
          'pharmacist',
          'reinterpretation.follow-up',
          { knowledgeVersion: 'cpic-2026-04-30', withNote: true },
        ],
      ]);
    },
  );

  storeTest('records an invocation and finds its cards by uuid', async (store) => {
    const cards = [card(), card({ indicator: 'info', drug: 'sertraline' })];
    const rec = invocation(cards);
    await store.invocations.record(rec);

    const found = await store.invocations.findCards(cards.map((c) => c.uuid));
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
    const { drug: _drug, ...withoutDrug } = card();
    const rec = invocation([c, withoutDrug]);
    await store.invocations.record(rec);
    const recorded = await store.invocations.findByCard(c.uuid);
    const kept = recorded?.cards.find((x) => x.uuid === c.uuid);
    expect(kept?.decision).toEqual({
      action: 'avoid',
      gene: 'CYP2C19',
      phenotype: 'Poor Metabolizer',
      modifiers: [],
    });
    expect(kept?.ruleIds).toEqual(['rule-a', 'rule-b']);
    expect(kept).toEqual({
      uuid: c.uuid,
      indicator: 'warning',
      summary: 'CYP2C19 poor metabolizer: consider an alternative to clopidogrel',
      drug: 'clopidogrel',
      decision: c.decision,
      ruleIds: ['rule-a', 'rule-b'],
      thresholdVersion: 'thresholds-3',
      knowledgeVersion: 'cpic-2024-05',
    });
    // A card recorded without a drug reads back without one; the invocation holds both cards.
    expect(recorded?.cards.find((x) => x.uuid === withoutDrug.uuid)).not.toHaveProperty('drug');
    expect(recorded?.cards.map((x) => x.uuid).sort()).toEqual([c.uuid, withoutDrug.uuid].sort());
    expect(await store.invocations.findByCard(randomUUID())).toBeUndefined();
  });

  storeTest(
    'keeps the client, patient, latency, versions and inputs of an invocation; absent ones stay absent',
    async (store) => {
      const inputs = { version: 1, genes: [{ gene: 'CYP2C19', phenotype: 'Poor Metabolizer' }] };
      const withAll = invocation([card()], {
        latencyMs: 87,
        thresholdVersion: 'thresholds-3',
        knowledgeVersion: 'cpic-2024-05',
        inputs,
      });
      const { clientIssuer: _issuer, patientRef: _patient, ...withoutOptional } = invocation([]);
      await store.invocations.record(withAll);
      await store.invocations.record(withoutOptional);

      const [all] = await store.invocations.listByHookInstance(withAll.hookInstance);
      const { cards: _cards, ...rest } = all!;
      expect(rest).toEqual({
        id: expect.any(String) as unknown,
        hookInstance: withAll.hookInstance,
        serviceId: 'pgx-order-sign',
        hook: 'order-sign',
        receivedAt: new Date('2025-03-04T10:11:12.345Z'),
        clientIssuer: 'https://ehr.example.org',
        patientRef: 'Patient/example-1',
        latencyMs: 87,
        thresholdVersion: 'thresholds-3',
        knowledgeVersion: 'cpic-2024-05',
        inputs: { version: 1, genes: [{ gene: 'CYP2C19', phenotype: 'Poor Metabolizer' }] },
      });
      const [without] = await store.invocations.listByHookInstance(withoutOptional.hookInstance);
      expect(without).not.toHaveProperty('clientIssuer');
      expect(without).not.toHaveProperty('patientRef');
      expect(without).not.toHaveProperty('inputs');
      expect(without?.cards).toEqual([]);
    },
  );

  storeTest('a repeated hookInstance (a client retry) is a second invocation of its own', async (store) => {
    const first = invocation([card()], { receivedAt: new Date('2025-03-04T10:00:00.000Z') });
    const retry = invocation([card()], {
      hookInstance: first.hookInstance,
      receivedAt: new Date('2025-03-04T10:00:05.000Z'),
    });
    await store.invocations.record(retry);
    await store.invocations.record(first);
    const both = await store.invocations.listByHookInstance(first.hookInstance);
    expect(both.map((i) => i.receivedAt)).toEqual([first.receivedAt, retry.receivedAt]);
    expect(both.map((i) => i.cards[0]?.uuid)).toEqual([first.cards[0]?.uuid, retry.cards[0]?.uuid]);
    expect(new Set(both.map((i) => i.id)).size).toBe(2);
    expect(await store.invocations.listByHookInstance(randomUUID())).toEqual([]);
  });

  storeTest(
    'an invocation reusing a recorded card uuid is rejected and leaves nothing behind',
    async (store) => {
      const c = card();
      await store.invocations.record(invocation([c]));
      const retry = invocation([card(), c]);
      await expect(store.invocations.record(retry)).rejects.toHaveProperty('message');

      expect(await store.invocations.listByHookInstance(retry.hookInstance)).toEqual([]);
      expect((await store.invocations.findCards(retry.cards.map((x) => x.uuid))).size).toBe(1);
    },
  );

  storeTest(
    'reads recorded inputs newest first across its pages, each once, ties included',
    async (store) => {
      // 1,100 calls in a month no other test uses, four to a millisecond: more than two of listInputs's pages.
      const at = (i: number) => new Date(Date.UTC(2031, 0, 1) + Math.floor(i / 4));
      for (let i = 0; i < 1100; i += 1) {
        await store.invocations.record(invocation([], { receivedAt: at(i), inputs: { call: i } }));
      }
      const period = { from: new Date('2031-01-01T00:00:00Z'), to: new Date('2031-02-01T00:00:00Z') };
      const all = await store.invocations.listInputs(period);
      const calls = all.map((r) => (r.inputs as { call: number }).call);
      expect(new Set(calls).size).toBe(1100);
      // Newest first: each millisecond's four calls before the millisecond before it.
      expect(all.map((r) => r.receivedAt.getTime())).toEqual(
        Array.from({ length: 1100 }, (_, k) => at(1099 - k).getTime()),
      );
      // The newest 1,050: every call from millisecond 13 on (calls 52 to 1,099), and two of millisecond 12's four.
      const newest = await store.invocations.listInputs({ ...period, limit: 1050 });
      const taken = new Set(newest.map((r) => (r.inputs as { call: number }).call));
      expect(taken.size).toBe(1050);
      expect(Array.from({ length: 1048 }, (_, k) => 52 + k).every((i) => taken.has(i))).toBe(true);
      expect([48, 49, 50, 51].filter((i) => taken.has(i))).toHaveLength(2);
    },
  );

  storeTest(
    "visits each patient's newest recorded inputs once, with that call's cards, across the pages, skipping calls that kept none",
    async (store) => {
      // 1,100 calls of 7 patients of this test's own, in turn, at one millisecond apart: more than two pages. A call
      // whose number divides by 3 answered with a card, an even one with a card, by 6 with both.
      const run = randomUUID();
      const patientOf = (i: number) => `Patient/${run}-${String(i % 7)}`;
      const at = (i: number) => new Date(Date.UTC(2033, 0, 1) + i);
      const cardsOf = (i: number) =>
        [
          ...(i % 3 === 0 ? [{ call: i, card: 'first' }] : []),
          ...(i % 2 === 0 ? [{ call: i, card: 'second' }] : []),
        ].map((decision) => card({ decision }));
      for (let i = 0; i < 1100; i += 1) {
        await store.invocations.record(
          invocation(cardsOf(i), { receivedAt: at(i), patientRef: patientOf(i), inputs: { call: i } }),
        );
      }
      // The first patient's newest call kept no inputs: its call before is its newest with inputs.
      await store.invocations.record(
        invocation([card({ decision: { call: 1100 } })], { receivedAt: at(1100), patientRef: patientOf(0) }),
      );
      const visited: { patientRef: string; call: number; cards: unknown[] }[] = [];
      const invocationOf = new Map<string, string>();
      const count = await store.invocations.eachPatientLatestInputs((p) => {
        invocationOf.set(p.patientRef, p.invocationId);
        if (p.patientRef.startsWith(`Patient/${run}-`))
          visited.push({
            patientRef: p.patientRef,
            call: (p.inputs as { call: number }).call,
            cards: [...p.cardDecisions].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
          });
      });
      // Each patient's last call of the 1,100 (calls 1,093 to 1,099), newest first, with its own cards' decisions.
      expect(visited).toEqual(
        [1099, 1098, 1097, 1096, 1095, 1094, 1093].map((call) => ({
          patientRef: patientOf(call),
          call,
          cards: cardsOf(call).map((c) => c.decision),
        })),
      );
      // Not merely empty: 1,098 answered with two cards, 1,096, 1,095 and 1,094 with one, the others with none.
      expect(visited.map((v) => v.cards.length)).toEqual([0, 2, 0, 1, 1, 1, 0]);
      expect(count).toBeGreaterThanOrEqual(7);

      // Read again by a caller that knows what three of these calls gave: those are neither read nor visited.
      const knownCalls = new Set([1099, 1097, 1093].map((call) => invocationOf.get(patientOf(call))));
      const again: number[] = [];
      const countAgain = await store.invocations.eachPatientLatestInputs(
        (p) => {
          if (p.patientRef.startsWith(`Patient/${run}-`)) again.push((p.inputs as { call: number }).call);
        },
        (_patientRef, invocationId) => knownCalls.has(invocationId),
      );
      expect(again).toEqual([1098, 1096, 1095, 1094]);
      expect(countAgain).toBe(count);
    },
  );

  storeTest(
    'reads the cards of a period oldest first across its pages, each once, keeping only their digest',
    async (store) => {
      // 1,100 cards in a month no other test uses, four to a millisecond: more than two of the KPI reader's pages.
      const at = (i: number) => new Date(Date.UTC(2032, 0, 1) + Math.floor(i / 4));
      for (let i = 0; i < 1100; i += 1) {
        await store.invocations.record(invocation([card({ decision: { call: i } })], { receivedAt: at(i) }));
      }
      const period = [new Date('2032-01-01T00:00:00Z'), new Date('2032-02-01T00:00:00Z')] as const;
      const { cards } = await store.kpis.recordsBetween(
        ...period,
        (decision) => (decision as { call: number }).call,
      );
      expect(new Set(cards.map((c) => c.facts)).size).toBe(1100);
      expect(cards.map((c) => c.shownAt.getTime())).toEqual(
        Array.from({ length: 1100 }, (_, i) => at(i).getTime()),
      );
      // Without a digest: the same cards, no facts.
      const bare = await store.kpis.recordsBetween(...period);
      expect(bare.cards.map((c) => c.uuid)).toEqual(cards.map((c) => c.uuid));
      expect(new Set(bare.cards.map((c) => c.facts))).toEqual(new Set([undefined]));
      expect(bare.cards.map((c) => c.ruleIds)).toEqual(cards.map((c) => c.ruleIds));
    },
  );

  storeTest('findCards answers only for recorded cards', async (store) => {
    const c = card();
    await store.invocations.record(invocation([c]));
    const found = await store.invocations.findCards([randomUUID(), c.uuid, c.uuid]);
    expect([...found.keys()]).toEqual([c.uuid]);
    expect((await store.invocations.findCards([])).size).toBe(0);
  });

  storeTest('stores a feedback entry once and reports its repeat as a duplicate', async (store) => {
    const c = card();
    await store.invocations.record(invocation([c]));
    const entry = overridden(c.uuid);

    await expect(store.feedback.record([entry])).resolves.toEqual({ stored: 1, duplicates: 0 });
    const retry = { ...entry, receivedAt: new Date('2025-03-04T10:15:00.000Z') };
    await expect(store.feedback.record([retry])).resolves.toEqual({ stored: 0, duplicates: 1 });

    const rows = await store.feedback.listForCard(c.uuid);
    expect(rows).toEqual([
      {
        serviceId: 'pgx-order-sign',
        cardUuid: c.uuid,
        outcome: 'overridden',
        acceptedSuggestions: [],
        overrideReason: {
          code: 'patient-tolerated',
          system: 'https://example.org/override-reasons',
          display: 'Tolerated',
        },
        userComment: 'On this dose for years',
        outcomeTimestamp: '2025-03-04T10:12:00Z',
        // the first receipt is kept
        receivedAt: new Date('2025-03-04T10:12:01.000Z'),
        // no clientIssuer: none was given
      },
    ]);
  });

  storeTest('an entry repeated within one batch is stored once', async (store) => {
    const c = card();
    await store.invocations.record(invocation([c]));
    const entry = overridden(c.uuid);
    await expect(store.feedback.record([entry, entry])).resolves.toEqual({ stored: 1, duplicates: 1 });
  });

  storeTest('entries differing in what happened are distinct; display text alone is not', async (store) => {
    const c = card();
    await store.invocations.record(invocation([c]));
    const base = overridden(c.uuid);
    await store.feedback.record([base]);

    const distinct: FeedbackRecord[] = [
      { ...base, outcomeTimestamp: '2025-03-04T11:00:00Z' },
      { ...base, userComment: 'Different comment' },
      { ...base, overrideReason: { code: 'other', system: 'https://example.org/override-reasons' } },
      { ...base, overrideReason: { code: 'patient-tolerated', system: 'https://other.example.org/reasons' } },
    ];
    await expect(store.feedback.record(distinct)).resolves.toEqual({ stored: 4, duplicates: 0 });

    const sameReasonOtherDisplay = {
      ...base,
      overrideReason: { ...base.overrideReason, display: 'Patient has tolerated this drug' },
    };
    await expect(store.feedback.record([sameReasonOtherDisplay])).resolves.toEqual({
      stored: 0,
      duplicates: 1,
    });
  });

  storeTest('accepted suggestions are a set: their order does not make a new entry', async (store) => {
    const c = card();
    await store.invocations.record(invocation([c]));
    const accepted: FeedbackRecord = {
      serviceId: 'pgx-order-sign',
      cardUuid: c.uuid,
      outcome: 'accepted',
      acceptedSuggestions: ['suggestion-1', 'suggestion-2'],
      outcomeTimestamp: '2025-03-04T10:12:00Z',
      receivedAt: new Date('2025-03-04T10:12:01.000Z'),
      clientIssuer: 'https://ehr.example.org',
    };
    await expect(store.feedback.record([accepted])).resolves.toEqual({ stored: 1, duplicates: 0 });
    const reordered = { ...accepted, acceptedSuggestions: ['suggestion-2', 'suggestion-1'] };
    await expect(store.feedback.record([reordered])).resolves.toEqual({ stored: 0, duplicates: 1 });
    const fewer = { ...accepted, acceptedSuggestions: ['suggestion-1'] };
    await expect(store.feedback.record([fewer])).resolves.toEqual({ stored: 1, duplicates: 0 });
    // Read back as sent (no override reason, the issuer kept): the first and the one with fewer suggestions.
    const stored = await store.feedback.listForCard(c.uuid);
    expect(stored).toHaveLength(2);
    expect(stored).toContainEqual(accepted);
    expect(stored).toContainEqual(fewer);
  });

  storeTest(
    'lists an overridden card once, by its newest override, whichever arrives first',
    async (store) => {
      const drug = `drug-${randomUUID()}`;
      const c = card({ drug, decision: { action: 'avoid', facts: { results: [{ gene: 'CYP2D6' }] } } });
      await store.invocations.record(
        invocation([c], { userId: 'Practitioner/rx-1', userName: 'Dr Ana Ölz' }),
      );
      const later = overridden(c.uuid, {
        overrideReason: { code: 'later', system: 'https://example.org/override-reasons' },
        outcomeTimestamp: '2025-03-04T10:20:00Z',
        receivedAt: new Date('2025-03-04T10:20:01.000Z'),
      });
      const earlier = overridden(c.uuid, {
        overrideReason: { code: 'earlier', system: 'https://example.org/override-reasons' },
        outcomeTimestamp: '2025-03-04T10:15:00Z',
        receivedAt: new Date('2025-03-04T10:15:01.000Z'),
      });
      // The later override is delivered first; the earlier one, delivered after, does not replace it.
      await store.feedback.record([later]);
      await store.feedback.record([earlier]);
      const page = { offset: 0, limit: 10 };
      const listed = await store.overrides.list({ drug }, page);
      expect(listed.total).toBe(1);
      expect(listed.rows.map((r) => [r.cardUuid, r.reason?.code, r.overriddenAt])).toEqual([
        [c.uuid, 'later', new Date('2025-03-04T10:20:01.000Z')],
      ]);
      const count = async (filter: object) => (await store.overrides.list({ drug, ...filter }, page)).total;
      expect(await count({ reason: 'earlier' })).toBe(0);
      expect(await count({ reason: 'later' })).toBe(1);
      expect(await count({ gene: 'CYP2D6' })).toBe(1);
      expect(await count({ gene: 'CYP2C19' })).toBe(0);
      expect(await count({ gene: 'CYP2' })).toBe(0);
      expect(await count({ clinician: 'Practitioner/rx-1' })).toBe(1);
      // The name in any case, letters beyond ASCII included; part of it finds it too (the pharmacist's search).
      expect(await count({ clinician: 'DR ANA ÖLZ' })).toBe(1);
      expect(await count({ clinician: 'Dr Ana' })).toBe(1);
      expect(await count({ clinician: 'Dr Anna' })).toBe(0);
      // Typed without the accent (a UK keyboard, a hurried search), it finds the name all the same.
      expect(await count({ clinician: 'ana olz' })).toBe(1);
    },
  );

  storeTest(
    'overrides of the same cards sent at once in opposite orders are all stored, the newest listed',
    async (store) => {
      const drug = `drug-${randomUUID()}`;
      const cards = Array.from({ length: 6 }, () => card({ drug }));
      await store.invocations.record(invocation(cards));
      const entry = (c: CardRecord, minute: number) =>
        overridden(c.uuid, {
          overrideReason: { code: `minute-${String(minute)}` },
          outcomeTimestamp: `2025-03-04T10:${String(minute).padStart(2, '0')}:00Z`,
          receivedAt: new Date(`2025-03-04T10:${String(minute).padStart(2, '0')}:01.000Z`),
        });
      // Two EHR connections each sending a batch on every card, one in card order and one in reverse, ten times.
      const batches = Array.from({ length: 10 }, (_, round) => [
        cards.map((c) => entry(c, 2 * round)),
        [...cards].reverse().map((c) => entry(c, 2 * round + 1)),
      ]).flat();
      const stored = await Promise.all(batches.map((batch) => store.feedback.record(batch)));
      expect(stored.reduce((sum, r) => sum + r.stored, 0)).toBe(120);
      const listed = await store.overrides.list({ drug }, { offset: 0, limit: 10 });
      expect(listed.total).toBe(6);
      expect(new Set(listed.rows.map((r) => r.reason?.code))).toEqual(new Set(['minute-19']));
    },
  );

  storeTest(
    'fills the override list from the overrides a store held before it kept one (migration 0160)',
    async (store, url) => {
      const drug = `drug-${randomUUID()}`;
      const [first, second, accepted] = [card({ drug }), card({ drug }), card({ drug })];
      await store.invocations.record(invocation([first, second, accepted], { userId: 'Practitioner/rx-2' }));
      await store.feedback.record([
        overridden(first.uuid),
        overridden(first.uuid, {
          overrideReason: { code: 'newest' },
          outcomeTimestamp: '2025-03-05T09:00:00Z',
          receivedAt: new Date('2025-03-05T09:00:01.000Z'),
        }),
        overridden(second.uuid, { receivedAt: new Date('2025-03-04T11:00:00.000Z') }),
        {
          serviceId: 'pgx-order-sign',
          cardUuid: accepted.uuid,
          outcome: 'accepted',
          acceptedSuggestions: [],
          outcomeTimestamp: '2025-03-04T10:12:00Z',
          receivedAt: new Date('2025-03-04T10:12:01.000Z'),
        },
      ]);
      const before = await store.overrides.list({ drug }, { offset: 0, limit: 10 });
      // The store as it was before migration 0160: the migrations from it on undone (the data in the other tables kept).
      await withConnection(url, async (db) => {
        const migrator = new Migrator({ db, provider: migrationProvider(engine) });
        const { error } = await migrator.migrateTo('0150_feedback_newest_by_card');
        expect(error).toBeUndefined();
      });
      const reopened = await openStore(url);
      try {
        const after = await reopened.overrides.list({ drug }, { offset: 0, limit: 10 });
        expect(after.rows.map((r) => [r.cardUuid, r.reason?.code])).toEqual([
          [first.uuid, 'newest'],
          [second.uuid, 'patient-tolerated'],
        ]);
        expect(after).toEqual(before);
        expect(
          (await reopened.overrides.list({ drug, gene: 'CYP2C19' }, { offset: 0, limit: 10 })).total,
        ).toBe(2);
      } finally {
        await reopened.close();
      }
    },
  );

  storeTest(
    'migration 0230 folds the prescriber names stored before it, so a search without accents finds them',
    async (store, url) => {
      const drug = `drug-${randomUUID()}`;
      const c = card({ drug });
      await store.invocations.record(
        invocation([c], { userId: 'Practitioner/rx-9', userName: 'Róisín Ní Bhriain' }),
      );
      await store.feedback.record([overridden(c.uuid)]);
      // The row as stored before 0230: the name lower-cased only.
      await withConnection(url, async (db) => {
        const migrator = new Migrator({ db, provider: migrationProvider(engine) });
        expect((await migrator.migrateTo('0220_wrong_patient_follow_ups')).error).toBeUndefined();
        await db
          .updateTable('overridden_cards')
          .set({ clinician_name: 'róisín ní bhriain' })
          .where('card_uuid', '=', c.uuid)
          .execute();
      });
      const reopened = await openStore(url);
      try {
        const found = await reopened.overrides.list(
          { drug, clinician: 'roisin ni' },
          { offset: 0, limit: 10 },
        );
        expect(found.rows.map((r) => r.cardUuid)).toEqual([c.uuid]);
        expect(found.rows[0]?.clinicianName).toBe('Róisín Ní Bhriain');
      } finally {
        await reopened.close();
      }
    },
  );

  storeTest(
    'a start that fails while migration 0160 fills the override list leaves nothing half done; the next one fills it',
    async (store, url) => {
      const drug = `drug-${randomUUID()}`;
      const [good, bad] = [card({ drug }), card({ drug })];
      await store.invocations.record(invocation([good, bad]));
      await store.feedback.record([overridden(good.uuid), overridden(bad.uuid)]);
      // Back to before 0160, with one card's decision no longer JSON: filling the table fails part-way.
      await withConnection(url, async (db) => {
        const migrator = new Migrator({ db, provider: migrationProvider(engine) });
        expect((await migrator.migrateTo('0150_feedback_newest_by_card')).error).toBeUndefined();
        await db.updateTable('cards').set({ decision: '{"action":' }).where('uuid', '=', bad.uuid).execute();
      });
      await expect(openStore(url)).rejects.toThrow('store migration 0160_overridden_cards failed');
      const tables = await withConnection(url, async (db) =>
        (await db.introspection.getTables()).map((t) => t.name),
      );
      expect(tables).not.toContain('overridden_cards');
      await withConnection(url, (db) =>
        db
          .updateTable('cards')
          .set({ decision: '{"action":"avoid"}' })
          .where('uuid', '=', bad.uuid)
          .execute(),
      );
      const reopened = await openStore(url);
      try {
        const listed = await reopened.overrides.list({ drug }, { offset: 0, limit: 10 });
        expect(listed.rows.map((r) => r.cardUuid).sort()).toEqual([good.uuid, bad.uuid].sort());
      } finally {
        await reopened.close();
      }
    },
  );

  storeTest(
    'a start stopped between a migration and its record leaves it undone; the next start runs it',
    async (_store, url) => {
      // Back to before 0160; then the migration table refuses 0160's record, as a crash just after the migration would
      // leave it unrecorded.
      await withConnection(url, async (db) => {
        const migrator = new Migrator({ db, provider: migrationProvider(engine) });
        expect((await migrator.migrateTo('0150_feedback_newest_by_card')).error).toBeUndefined();
        if (engine === 'postgres') {
          await sql`create function refuse_0160() returns trigger language plpgsql as $$
            begin
              if new.name = '0160_overridden_cards' then raise exception 'stopped'; end if;
              return new;
            end $$`.execute(db);
          await sql`create trigger refuse_0160 before insert on kysely_migration
            for each row execute function refuse_0160()`.execute(db);
        } else {
          await sql`create trigger refuse_0160 before insert on kysely_migration
            when new.name = '0160_overridden_cards' begin select raise(abort, 'stopped'); end`.execute(db);
        }
      });
      await expect(openStore(url)).rejects.toThrow('store migration 0160_overridden_cards failed');
      const after = await withConnection(url, async (db) => ({
        tables: (await db.introspection.getTables()).map((t) => t.name),
        recorded: (await sql<{ name: string }>`select name from kysely_migration`.execute(db)).rows.map(
          (r) => r.name,
        ),
      }));
      expect(after.recorded).toContain('0150_feedback_newest_by_card');
      expect(after.recorded).not.toContain('0160_overridden_cards');
      expect(after.tables).not.toContain('overridden_cards');
      await withConnection(url, async (db) => {
        await sql`drop trigger refuse_0160${sql.raw(engine === 'postgres' ? ' on kysely_migration' : '')}`.execute(
          db,
        );
        if (engine === 'postgres') await sql`drop function refuse_0160()`.execute(db);
      });
      const reopened = await openStore(url);
      await reopened.close();
      const recorded = await withConnection(url, (db) =>
        sql<{ name: string }>`select name from kysely_migration`.execute(db),
      );
      expect(recorded.rows.map((r) => r.name)).toEqual(
        expect.arrayContaining(['0160_overridden_cards', '0170_shadow_comparisons_by_time']),
      );
    },
  );

  storeTest(
    'acknowledgements: an override and a "too often" rating, found again after migration 0180 marks them',
    async (store, url) => {
      const patientKey = randomUUID();
      const adviceHash = randomUUID();
      const basis = { indicator: 'critical' as const, results: [], raisedBy: [], strongAvoid: false };
      const [over, rated, plain] = [card(), card(), card()];
      await store.invocations.record(
        invocation([over, rated, plain], {
          volume: [over, rated, plain].map((c) => ({
            patientKey,
            adviceHash,
            drug: 'clopidogrel',
            ruleId: 'cpic-clopidogrel-cyp2c19',
            outcome: 'shown' as const,
            decidedIndicator: 'critical' as const,
            shownIndicator: 'critical' as const,
            cardUuid: c.uuid,
            firstShowing: true,
            basis,
          })),
        }),
      );
      await store.feedback.record([overridden(over.uuid)]);
      await store.ratings.upsert({
        cardUuid: rated.uuid,
        rater: 'Practitioner/dr-lee',
        rating: 'too-often',
        ratedAt: new Date('2025-03-04T10:13:00.000Z'),
      });
      const since = new Date('2025-01-01T00:00:00.000Z');
      const found = async (s: Store) =>
        (await s.volume.acknowledgements(patientKey, [adviceHash], since)).map((a) => [a.kind, a.cardUuid]);
      const expected = [
        ['overridden', over.uuid],
        ['too-often', rated.uuid],
      ];
      expect(await found(store)).toEqual(expected);
      // Back to before 0180 (no mark on any row), then a start: the migration marks what was acknowledged before it.
      await withConnection(url, async (db) => {
        const migrator = new Migrator({ db, provider: migrationProvider(engine) });
        expect((await migrator.migrateTo('0170_shadow_comparisons_by_time')).error).toBeUndefined();
      });
      const reopened = await openStore(url);
      try {
        expect(await found(reopened)).toEqual(expected);
      } finally {
        await reopened.close();
      }
    },
  );

  storeTest('rate-limit hits are counted per client and window', async (store) => {
    const client = `client-${randomUUID()}`;
    const w1 = new Date('2026-11-29T12:00:00.000Z');
    const w2 = new Date('2026-11-29T12:01:00.000Z');
    const w3 = new Date('2026-11-29T12:02:00.000Z');
    expect(await store.rateLimits.hit(client, w1, w2)).toBe(1);
    expect(await store.rateLimits.hit(client, w1, w2)).toBe(2);
    expect(await store.rateLimits.hit(`${client}-other`, w1, w2)).toBe(1);
    expect(await store.rateLimits.hit(client, w2, w3)).toBe(1);
  });

  storeTest('feedback on an unrecorded card rejects the whole batch', async (store) => {
    const c = card();
    await store.invocations.record(invocation([c]));
    const batch = [overridden(c.uuid), overridden(randomUUID())];
    await expect(store.feedback.record(batch)).rejects.toHaveProperty('message');
    expect(await store.feedback.listForCard(c.uuid)).toEqual([]);
  });

  storeTest('concurrent deliveries of the same entry store it once', async (store) => {
    const c = card();
    await store.invocations.record(invocation([c]));
    const entry = overridden(c.uuid);
    const results = await Promise.all([1, 2, 3, 4].map(() => store.feedback.record([entry])));
    expect(results.reduce((sum, r) => sum + r.stored, 0)).toBe(1);
    expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(3);
  });

  storeTest(
    'a rating is one answer per card and rater; a second answer replaces the first',
    async (store) => {
      const c = card();
      await store.invocations.record(invocation([c]));
      const first = new Date('2025-03-04T10:13:00.000Z');
      const later = new Date('2025-03-05T08:00:00.000Z');

      expect(
        await store.ratings.upsert({
          cardUuid: c.uuid,
          rater: 'Practitioner/1',
          rating: 'useful',
          ratedAt: first,
        }),
      ).toEqual({ created: true });
      await store.ratings.upsert({
        cardUuid: c.uuid,
        rater: 'Practitioner/2',
        rating: 'too-often',
        ratedAt: first,
      });
      expect(
        await store.ratings.upsert({
          cardUuid: c.uuid,
          rater: 'Practitioner/1',
          rating: 'wrong-patient',
          comment: 'Genotype belongs to the sibling',
          ratedAt: later,
        }),
      ).toEqual({ created: false });

      expect(await store.ratings.find(c.uuid, 'Practitioner/1')).toEqual({
        cardUuid: c.uuid,
        rater: 'Practitioner/1',
        rating: 'wrong-patient',
        comment: 'Genotype belongs to the sibling',
        ratedAt: later,
        firstRatedAt: first,
      });
      expect((await store.ratings.listForCard(c.uuid)).map((r) => [r.rater, r.rating])).toEqual([
        ['Practitioner/1', 'wrong-patient'],
        ['Practitioner/2', 'too-often'],
      ]);
      expect(await store.ratings.find(c.uuid, 'Practitioner/3')).toBeUndefined();
      // The audit trail keeps the replaced answer too: who answered what, when.
      expect(
        (await store.ratings.historyForCard(c.uuid)).map((r) => [r.rater, r.rating, r.ratedAt.toISOString()]),
      ).toEqual([
        ['Practitioner/1', 'useful', first.toISOString()],
        ['Practitioner/2', 'too-often', first.toISOString()],
        ['Practitioner/1', 'wrong-patient', later.toISOString()],
      ]);
    },
  );

  storeTest('a card keeps the JSON it was shown as', async (store) => {
    const c = card();
    const shown = {
      uuid: c.uuid,
      summary: 'Avoid codeine',
      indicator: 'critical',
      source: { label: 'CPIC' },
    };
    await store.invocations.record(invocation([{ ...c, shown }]));
    const found = await store.invocations.findByCard(c.uuid);
    expect(found?.cards[0]?.shown).toEqual(shown);
  });

  storeTest('a rating of an unrecorded card is refused', async (store) => {
    await expect(
      store.ratings.upsert({
        cardUuid: randomUUID(),
        rater: 'Practitioner/1',
        rating: 'useful',
        ratedAt: new Date(),
      }),
    ).rejects.toHaveProperty('message');
  });

  storeTest('acknowledged feedback is visible to a new connection', async (store, url) => {
    const c = card();
    await store.invocations.record(invocation([c]));
    await store.feedback.record([overridden(c.uuid)]);

    const other = await openStore(url);
    try {
      const rows = await other.feedback.listForCard(c.uuid);
      expect(rows.map((r) => r.cardUuid)).toEqual([c.uuid]);
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
    await store.ping();
    // A connection made the way the store makes its own (createDialect): the pragmas but WAL are per connection.
    const values = await withConnection(database.url, async (db) => {
      const pragma = async (name: string): Promise<unknown> => {
        const { rows } = await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(db);
        return Object.values(rows[0] ?? {})[0];
      };
      return {
        journalMode: await pragma('journal_mode'),
        synchronous: await pragma('synchronous'),
        foreignKeys: await pragma('foreign_keys'),
        busyTimeout: await pragma('busy_timeout'),
      };
    });
    expect(values.journalMode).toBe('wal');
    // https://www.sqlite.org/pragma.html#pragma_synchronous: 2 = FULL
    expect(values.synchronous).toBe(2);
    expect(values.foreignKeys).toBe(1);
    expect(values.busyTimeout).toBeGreaterThan(0);
  });

  test('recording an invocation (committed without waiting for the disk) leaves the connection at FULL for the next write', async () => {
    await store.invocations.record(invocation([card()]));
    // The same connection the repository used: it must be back at FULL, so feedback written next waits for the sync.
    const synchronous = await withConnection(database.url, async (db) => {
      await createInvocationRepository(db, 'sqlite').record(invocation([card()]));
      const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
      return rows[0]?.synchronous;
    });
    expect(synchronous).toBe(2);
  });

  test('checkpoints the WAL outside the commits that serve calls, and nothing written is lost', async () => {
    const sizeOf = async (file: string) => (await stat(file)).size;
    await store.ping();
    // A full checkpoint first (a plain connection, not one made as the store makes its own), so the database file
    // holds the schema and the WAL is empty.
    const plain = new SqliteDatabase(database.url);
    plain.pragma('wal_checkpoint(TRUNCATE)');
    plain.close();
    const before = await sizeOf(database.url);
    // About 2 MB of records: half of what SQLite's default would wait for before it checkpointed inside a commit.
    const records = Array.from({ length: 50 }, () =>
      invocation([card()], { inputs: { readings: 'x'.repeat(40_000) } }),
    );
    for (const r of records) await store.invocations.record(r);
    // The pages reach the database file within seconds all the same, copied by the checkpoint worker.
    let size = before;
    for (let i = 0; i < 50 && size <= before + 1_500_000; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      size = await sizeOf(database.url);
    }
    expect(size).toBeGreaterThan(before + 1_500_000);
    const reopened = await openStore(database.url);
    try {
      for (const r of [records[0], records[49]]) {
        expect(await reopened.invocations.listByHookInstance(r?.hookInstance ?? '')).toHaveLength(1);
      }
    } finally {
      await reopened.close();
    }
    // A connection made as the store makes its own never checkpoints inside a commit.
    const autocheckpoint = await withConnection(database.url, async (db) => {
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
      return rows[0]?.wal_autocheckpoint;
    });
    expect(autocheckpoint).toBe(0);
  });

  test('close resolves once every connection has let go of the files: the WAL is folded in and removed', async () => {
    const other = await createSqliteDatabase();
    const closing = await openStore(other.url);
    const recorded = invocation([card()]);
    await closing.invocations.record(recorded);
    // Time for the checkpoint worker to have opened its own connection (its start is not awaited).
    await new Promise((resolve) => setTimeout(resolve, 500));
    await closing.close();
    expect(await readdir(path.dirname(other.url))).toEqual(['cds.sqlite']);
    const reopened = await openStore(other.url);
    try {
      expect(await reopened.invocations.listByHookInstance(recorded.hookInstance)).toHaveLength(1);
    } finally {
      await reopened.close();
      await other.drop();
    }
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
