/**
 * Store faults survived (issue 13 item 1): PostgreSQL behind a TCP proxy the test controls (connections reset,
 * backends terminated, the network stalled) and a SQLite file removed under the running service. The process
 * survives (an unhandled `'error'` event would end this jest worker), hook calls answer, `/readyz` says what is
 * wrong, feedback is refused (503) rather than acknowledged when it cannot be written, and everything acknowledged
 * is in the store afterwards. No wall-clock assertions: every wait ends on a condition (jest's timeout bounds it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { SCRAPER, startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { cardIssuingHandler, cdsFixture, sandboxRequest } from '../helpers/cds';
import type { JsonObject } from '../helpers/cds';
import { createTestDatabase, testServerUrl } from '../helpers/postgres';
import type { TestDatabase } from '../helpers/postgres';
import { startTcpProxy } from '../helpers/tcp-proxy';
import type { TcpProxy } from '../helpers/tcp-proxy';

jest.setTimeout(60_000);

const SERVICE = 'pgx-order-sign';

interface Issued {
  readonly uuid: string;
  readonly suggestionId: string;
}

/** What the test has seen acknowledged (200) and must find in the store at the end. */
interface Acknowledged {
  readonly card: string;
  readonly outcomeTimestamp: string;
}

function until(condition: () => Promise<boolean>): Promise<void> {
  return (async () => {
    while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 50));
  })();
}

function feedbackEntry(card: Issued, n: number): JsonObject {
  const [entry] = cdsFixture('sandbox-feedback-accepted.json').feedback as JsonObject[];
  return {
    ...entry,
    card: card.uuid,
    acceptedSuggestions: [{ id: card.suggestionId }],
    outcomeTimestamp: new Date(Date.UTC(2026, 10, 29, 12, 0, n)).toISOString(),
  };
}

function outcomeCode(body: unknown): string {
  return (body as { issue: { details: { coding: { code: string }[] } }[] }).issue[0]!.details.coding[0]!.code;
}

function harness(t: () => TestApp) {
  const acknowledged: Acknowledged[] = [];
  let n = 0;
  return {
    acknowledged,
    async issue(): Promise<Issued> {
      const res = await request(t().app)
        .post(`/cds-services/${SERVICE}`)
        .send(sandboxRequest('sandbox-order-sign-clopidogrel.json', undefined));
      expect(res.status).toBe(200);
      const [card] = (res.body as { cards: { uuid: string; suggestions: { uuid: string }[] }[] }).cards;
      return { uuid: card!.uuid, suggestionId: card!.suggestions[0]!.uuid };
    },
    /** Sends one feedback entry; records it when acknowledged. Returns the response. */
    async feedback(card: Issued) {
      n += 1;
      const entry = feedbackEntry(card, n);
      const res = await request(t().app)
        .post(`/cds-services/${SERVICE}/feedback`)
        .send({ feedback: [entry] });
      if (res.status === 200) {
        acknowledged.push({ card: card.uuid, outcomeTimestamp: entry.outcomeTimestamp as string });
      } else {
        const code = outcomeCode(res.body);
        expect(['FEEDBACK_CARD_PENDING', 'HTTP_STORE_UNAVAILABLE']).toContain(code);
        expect(res).toBeOutcome(503, code, 'transient');
        expect(res.headers['retry-after']).toMatch(/^\d+$/);
      }
      return res;
    },
    /** Sends the same feedback until it is acknowledged (as a client honouring Retry-After would). */
    async feedbackUntilStored(card: Issued): Promise<void> {
      await until(async () => (await this.feedback(card)).status === 200);
    },
    async backlog(): Promise<number> {
      return (await t().deps.metrics.recordingBacklog.get()).values[0]?.value ?? 0;
    },
    async ready(): Promise<boolean> {
      return (await request(t().app).get('/readyz')).status === 200;
    },
    /** Every acknowledged entry is in the store. */
    async expectAllAcknowledgedStored(): Promise<void> {
      for (const ack of acknowledged) {
        const rows = await t().store.feedback.listForCard(ack.card);
        expect(rows.map((r) => r.outcomeTimestamp)).toContain(ack.outcomeTimestamp);
      }
    },
  };
}

describe('PostgreSQL behind a proxy that resets, terminates and stalls', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;
  const stub = cardIssuingHandler();
  const h = harness(() => t);

  beforeAll(async () => {
    database = await createTestDatabase();
    const target = new URL(database.url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    t = await startTestApp({
      databaseUrl: proxy.via(database.url),
      env: { STORE_TIMEOUT_MS: '1000' },
      handlers: { 'order-sign': stub.handler },
    });
  });
  afterAll(async () => {
    await t.close();
    await proxy.close();
    await database.drop();
  });

  afterEach(async () => {
    proxy.resume();
    proxy.accept();
    await until(async () => (await h.backlog()) === 0 && (await h.ready()));
    await h.expectAllAcknowledgedStored();
  });

  it('survives connections reset under a running query, and writes the held record afterwards', async () => {
    const before = await h.issue(); // the pool now holds a connection
    proxy.stall();
    const call = request(t.app)
      .post(`/cds-services/${SERVICE}`)
      .send(sandboxRequest('sandbox-order-sign-clopidogrel.json', undefined));
    const answered = call.then((res) => res);
    // The record's write has a connection checked out, its query held by the proxy.
    await until(async () => (await h.backlog()) > 0);
    proxy.reset();
    proxy.resume();
    const res = await answered;
    expect(res.status).toBe(200);
    const [card] = (res.body as { cards: { uuid: string; suggestions: { uuid: string }[] }[] }).cards;
    const during = { uuid: card!.uuid, suggestionId: card!.suggestions[0]!.uuid };

    // The pool heals: the held record reaches the store, then feedback on it links.
    await until(async () => (await h.backlog()) === 0);
    await h.feedbackUntilStored(during);
    await h.feedbackUntilStored(before);
    expect(await t.store.invocations.findByCard(during.uuid)).toBeDefined();
  });

  it('survives its backends being terminated (a failover or restart)', async () => {
    const card = await h.issue();
    const admin = new Client({ connectionString: testServerUrl() });
    await admin.connect();
    try {
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [new URL(database.url).pathname.slice(1)],
      );
    } finally {
      await admin.end();
    }
    // Whatever the race with the termination: calls answer, feedback is acknowledged only once stored.
    const after = await h.issue();
    await h.feedbackUntilStored(card);
    await h.feedbackUntilStored(after);
  });

  it('acknowledges only what it stored when connections are cut during a burst of feedback', async () => {
    const cards = await Promise.all(Array.from({ length: 4 }, () => h.issue()));
    const burst = Promise.all(Array.from({ length: 24 }, (_, i) => h.feedback(cards[i % cards.length]!)));
    proxy.reset();
    const answers = await burst;
    for (const res of answers) expect([200, 503]).toContain(res.status);
    // afterEach: every acknowledged entry is in the store once it answers again.
  });

  it('while stalled: hook calls answer, /readyz says not ready, feedback is refused; afterwards all is written', async () => {
    const before = await h.issue();
    proxy.stall();

    const ready = await request(t.app).get('/readyz');
    expect(ready).toBeOutcome(503, 'OPS_NOT_READY', 'transient');

    const during = await h.issue(); // answered though its record cannot be written
    const pending = await h.feedback(during);
    expect(pending).toBeOutcome(503, 'FEEDBACK_CARD_PENDING', 'transient');
    const refused = await h.feedback(before);
    expect(refused).toBeOutcome(503, 'HTTP_STORE_UNAVAILABLE', 'transient');

    // New connections are refused too, for a while: still no crash, still answers.
    proxy.refuse();
    proxy.reset();
    const refusedToo = await h.issue();
    proxy.accept();
    proxy.resume();

    await until(async () => (await h.backlog()) === 0 && (await h.ready()));
    for (const card of [before, during, refusedToo]) await h.feedbackUntilStored(card);
    const metrics = await request(t.app).get('/metrics').set(SCRAPER);
    expect(metrics.text).toMatch(/cds_invocation_records_total\{result="queued"\} [1-9]/);
    expect(metrics.text).toMatch(/cds_invocation_records_total\{result="flushed"\} [1-9]/);
    expect(t.logs()).toMatch(/STORE UNAVAILABLE/);
  });
});

describe('SQLite file removed under the running service', () => {
  let dir: string;
  let t: TestApp;
  const stub = cardIssuingHandler();
  const h = harness(() => t);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cds-faults-'));
    t = await startTestApp({
      databaseUrl: path.join(dir, 'cds.sqlite'),
      handlers: { 'order-sign': stub.handler },
    });
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is noticed: /readyz 503 and a loud log, feedback refused, hook calls still answered', async () => {
    const card = await h.issue();
    await h.feedbackUntilStored(card);
    const stored = await t.store.feedback.listForCard(card.uuid);
    expect(stored).toHaveLength(1);

    for (const suffix of ['', '-wal', '-shm'])
      await rm(path.join(dir, `cds.sqlite${suffix}`), { force: true });

    const ready = await request(t.app).get('/readyz');
    expect(ready).toBeOutcome(503, 'OPS_NOT_READY', 'transient');
    // "removed", or "replaced" when an empty file was made at the path before the check (seen once in CI, not
    // reproduced: which connection makes it is not known): either way not the file the store opened.
    expect(JSON.stringify(ready.body)).toMatch(/database file (removed|replaced)/);
    expect(t.logs()).toMatch(/STORE UNAVAILABLE \(database file (removed|replaced)\)/);

    const refused = await h.feedback(card);
    expect(refused).toBeOutcome(503, 'HTTP_STORE_UNAVAILABLE', 'transient');
    const during = await h.issue(); // answered; its record is held
    expect(await h.backlog()).toBeGreaterThan(0);
    expect(await h.feedback(during)).toBeOutcome(503, 'FEEDBACK_CARD_PENDING', 'transient');
  });
});
