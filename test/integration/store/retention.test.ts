/**
 * Retention (issue 13 item 5, docs/retention.md) on both engines: invocations and cards past the period are removed
 * in batches; those feedback or a rating refers to stay, with the feedback and ratings themselves; recent ones stay.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openStore, sweepExpired } from '../../../src/store';
import type { CardRecord, InvocationRecord, Store } from '../../../src/store';
import { createTestDatabase } from '../../helpers/postgres';
import type { TestDatabase } from '../../helpers/postgres';

const NOW = new Date('2026-11-29T12:00:00.000Z');
const DAY = 86_400_000;

function daysAgo(days: number): Date {
  return new Date(NOW.getTime() - days * DAY);
}

function card(): CardRecord {
  return {
    uuid: randomUUID(),
    indicator: 'warning',
    summary: 'Avoid clopidogrel: CYP2C19 Poor Metabolizer (CPIC Strong)',
    drug: 'clopidogrel',
    decision: { action: 'avoid' },
    ruleIds: ['cpic-clopidogrel-cyp2c19'],
    thresholdVersion: 'thresholds-1',
    knowledgeVersion: 'cpic-2024-05',
  };
}

function invocation(receivedAt: Date, cards: readonly CardRecord[]): InvocationRecord {
  return {
    hookInstance: randomUUID(),
    serviceId: 'pgx-order-sign',
    hook: 'order-sign',
    receivedAt,
    patientRef: 'Patient/example-1',
    latencyMs: 40,
    inputs: { version: 1 },
    cards,
  };
}

async function sqliteDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cds-retention-'));
  return { url: path.join(dir, 'cds.sqlite'), drop: () => rm(dir, { recursive: true }) };
}

describe.each([
  ['SQLite', sqliteDatabase],
  ['PostgreSQL', createTestDatabase],
] as const)('retention on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await createDatabase();
    store = await openStore(database.url);
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  async function record(receivedAt: Date, cards = 2): Promise<InvocationRecord> {
    const rec = invocation(
      receivedAt,
      Array.from({ length: cards }, () => card()),
    );
    await store.invocations.record(rec);
    return rec;
  }

  async function present(rec: InvocationRecord): Promise<boolean> {
    return (await store.invocations.listByHookInstance(rec.hookInstance)).length === 1;
  }

  it('removes old records in batches, keeps what feedback and ratings refer to, and recent ones', async () => {
    const old = await Promise.all(Array.from({ length: 5 }, (_, i) => record(daysAgo(401 + i))));
    const withFeedback = await record(daysAgo(500));
    const rated = await record(daysAgo(450));
    const recent = await record(daysAgo(399));
    const [feedbackCard, otherCard] = withFeedback.cards;
    await store.feedback.record([
      {
        serviceId: 'pgx-order-sign',
        cardUuid: feedbackCard!.uuid,
        outcome: 'overridden',
        acceptedSuggestions: [],
        overrideReason: { code: 'patient-tolerated', system: 'https://example.org/override-reasons' },
        outcomeTimestamp: daysAgo(500).toISOString(),
        receivedAt: daysAgo(500),
      },
    ]);
    await store.ratings.upsert({
      cardUuid: rated.cards[1]!.uuid,
      rater: 'Practitioner/123',
      rating: 'too-often',
      ratedAt: daysAgo(450),
    });

    const removed = await sweepExpired(store, { now: NOW, retentionDays: 400, batchSize: 2 });
    expect(removed).toMatchObject({ invocations: 5, cards: 10 });

    for (const rec of old) expect(await present(rec)).toBe(false);
    expect((await store.invocations.findCards(old.flatMap((r) => r.cards.map((c) => c.uuid)))).size).toBe(0);
    // Kept whole: the invocation and every card of it, so the feedback can still be read with its card.
    expect(await present(withFeedback)).toBe(true);
    expect((await store.invocations.findCards([feedbackCard!.uuid, otherCard!.uuid])).size).toBe(2);
    expect(await store.feedback.listForCard(feedbackCard!.uuid)).toHaveLength(1);
    expect(await present(rated)).toBe(true);
    expect(await store.ratings.listForCard(rated.cards[1]!.uuid)).toHaveLength(1);
    expect(await present(recent)).toBe(true);

    expect(await sweepExpired(store, { now: NOW, retentionDays: 400 })).toMatchObject({
      invocations: 0,
      cards: 0,
    });
  });

  it('removes a call with what the alert-volume policy did on it, as every hook call is recorded', async () => {
    // Each advice of an order-select or order-sign call has a volume outcome referring to the call: the sweep's
    // batch once failed on that reference (FOREIGN KEY constraint), so no hook call was ever removed.
    const shown = card();
    const rec: InvocationRecord = {
      ...invocation(daysAgo(401), [shown]),
      volume: [
        {
          patientKey: 'patient-hash',
          adviceHash: 'advice-hash',
          drug: 'clopidogrel',
          ruleId: 'cpic-clopidogrel-cyp2c19',
          outcome: 'shown',
          decidedIndicator: 'warning',
          shownIndicator: 'warning',
          cardUuid: shown.uuid,
          firstShowing: true,
          basis: { indicator: 'warning', results: ['CYP2C19|*2/*2'], raisedBy: [], strongAvoid: false },
        },
      ],
    };
    await store.invocations.record(rec);
    expect(await store.volume.listOutcomes(rec.hookInstance)).toHaveLength(1);
    expect(await sweepExpired(store, { now: NOW, retentionDays: 400 })).toMatchObject({
      invocations: 1,
      cards: 1,
    });
    expect(await present(rec)).toBe(false);
    expect(await store.volume.listOutcomes(rec.hookInstance)).toEqual([]);
  });

  it('removes order-select cards once they have expired, and only those', async () => {
    const entry = (cacheKey: string, expiresAt: Date) => ({
      cacheKey,
      cardUuid: randomUUID(),
      card: { summary: 'Avoid clopidogrel' },
      orderHash: 'order-hash',
      indicator: 'critical' as const,
      expiresAt,
    });
    await store.volume.claimOrderSelectCard(entry('expired', daysAgo(1)), daysAgo(2));
    await store.volume.claimOrderSelectCard(entry('live', new Date(NOW.getTime() + 3_600_000)), NOW);
    expect(await sweepExpired(store, { now: NOW, retentionDays: 400 })).toMatchObject({
      orderSelectCards: 1,
    });
    expect(await store.volume.orderSelectCard('live', NOW)).toBeDefined();
    expect(await store.volume.orderSelectCard('expired', daysAgo(2))).toBeUndefined();
  });

  it('removes shadow comparisons recorded before the period, and only those', async () => {
    const comparison = (recordedAt: Date) => ({
      shadowVersion: 'thresholds-2',
      liveVersion: 'thresholds-1',
      hook: 'order-sign',
      recordedAt,
      comparison: [{ drug: 'clopidogrel', live: 'warning', shadow: 'critical' }],
    });
    await store.shadow.recordMany([comparison(daysAgo(401)), comparison(daysAgo(399))]);
    expect(await sweepExpired(store, { now: NOW, retentionDays: 0 })).toMatchObject({ shadowComparisons: 0 });
    expect(await sweepExpired(store, { now: NOW, retentionDays: 400 })).toMatchObject({
      shadowComparisons: 1,
    });
    expect((await store.shadow.list('thresholds-2', 10)).map((c) => c.recordedAt)).toEqual([daysAgo(399)]);
  });

  it('keeps everything with RETENTION_DAYS=0', async () => {
    const ancient = await record(daysAgo(5000));
    expect(await sweepExpired(store, { now: NOW, retentionDays: 0 })).toMatchObject({ invocations: 0 });
    expect(await present(ancient)).toBe(true);
  });
});
