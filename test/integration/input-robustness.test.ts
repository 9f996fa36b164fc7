/**
 * No 5xx from input (issue 13 item 2): each class of junk that once gave a 500 is a clear 4xx with an
 * OperationOutcome, or a degraded 200, on both stores. The fast-check suites (fuzz.test.ts) go wider.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { MedicationRequest } from 'fhir/r4';
import request from 'supertest';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { cardIssuingHandler, cdsFixture, sandboxRequest } from '../helpers/cds';
import type { JsonObject } from '../helpers/cds';
import { searchset, startMockFhirServer } from '../helpers/mock-fhir';
import type { MockFhirServer } from '../helpers/mock-fhir';
import { createTestDatabase } from '../helpers/postgres';
import type { TestDatabase } from '../helpers/postgres';
import { oximetryNights } from '../helpers/sensors';

const ORDER_SIGN = '/cds-services/pgx-order-sign';
const PREFETCH_KEYS = ['patient', 'pgx', 'wearables', 'consent', 'medications'] as const;
const OPTIONAL_KEYS = ['wearables', 'consent', 'medications'] as const;

/** Junk a client (or a broken EHR export) has put where a searchset Bundle belongs. */
const JUNK_BUNDLES: readonly [string, JsonObject][] = [
  ['entry not an array', { resourceType: 'Bundle', type: 'searchset', entry: 5 }],
  ['entry items not objects', { resourceType: 'Bundle', type: 'searchset', entry: [null, 3, 'x'] }],
  ['entry resource not an object', { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: 7 }] }],
  ['link not an array', { resourceType: 'Bundle', type: 'searchset', link: 'next', entry: [] }],
  ['link items not objects', { resourceType: 'Bundle', type: 'searchset', link: [null, 1], entry: [] }],
];

function orderSign(changes: JsonObject = {}, fhirServer?: string): JsonObject {
  return sandboxRequest('sandbox-order-sign-clopidogrel.json', fhirServer, changes);
}

function withPrefetch(key: string, value: unknown, fhirServer?: string): JsonObject {
  const base = orderSign({}, fhirServer);
  return { ...base, prefetch: { ...(base.prefetch as JsonObject), [key]: value } };
}

/** Sends raw bytes with the given headers (supertest would re-encode a Buffer). */
function sendRaw(
  server: Server,
  path: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown; headers: Record<string, unknown> }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { ...headers, 'content-length': body.length },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const engines: [string, () => Promise<TestDatabase | undefined>][] = [
  ['SQLite', () => Promise.resolve(undefined)],
  ['PostgreSQL', createTestDatabase],
];

describe.each(engines)('junk input on %s', (_engine, createDatabase) => {
  let database: TestDatabase | undefined;
  let t: TestApp;
  let fhir: MockFhirServer;
  let server: Server;

  beforeAll(async () => {
    database = await createDatabase();
    t = await startTestApp(database ? { databaseUrl: database.url } : {});
    fhir = await startMockFhirServer();
    fhir.on(/^Observation\?/, { body: searchset([]) });
    fhir.on(/^(Consent|MedicationRequest)\?/, { body: searchset([]) });
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await fhir.close();
    await t.close();
    await database?.drop();
  });

  describe.each(JUNK_BUNDLES)('a prefetch Bundle with %s', (_name, junk) => {
    it.each(OPTIONAL_KEYS)(
      'in optional key %s: taken for absent, the advice still given (200)',
      async (key) => {
        const res = await request(t.app).post(ORDER_SIGN).send(withPrefetch(key, junk));
        expect(res.status).toBe(200);
        const summaries = (res.body as { cards: { summary: string }[] }).cards.map((c) => c.summary);
        expect(summaries.some((s) => /clopidogrel/i.test(s))).toBe(true);
      },
    );

    it.each(PREFETCH_KEYS)('in key %s with a fhirServer: fetched from it instead (200)', async (key) => {
      const before = fhir.requests.length;
      const body = withPrefetch(key, junk, fhir.baseUrl);
      // A patient of its own, so the service's FHIR cache (per patient and query) cannot answer for the server.
      body.context = { ...(body.context as JsonObject), patientId: `junk-${randomUUID()}` };
      const res = await request(t.app).post(ORDER_SIGN).send(body);
      expect([200, 412]).toContain(res.status);
      if (res.status === 412) expect(res).toBeOutcome(412, 'CDS_PREFETCH_UNAVAILABLE');
      const asked = fhir.requests.slice(before).map((r) => decodeURIComponent(r.url));
      const resource =
        key === 'patient' ? 'Patient/' : key === 'pgx' || key === 'wearables' ? 'Observation?' : '';
      expect(asked.some((url) => url.includes(resource))).toBe(true);
    });

    it('in required key pgx without a fhirServer: 412 naming the key, not a 500', async () => {
      const res = await request(t.app).post(ORDER_SIGN).send(withPrefetch('pgx', junk));
      expect(res).toBeOutcome(412, 'CDS_PREFETCH_UNAVAILABLE');
      expect(JSON.stringify(res.body)).toMatch(/pgx/);
    });
  });

  it('a lone surrogate in patientId: 400', async () => {
    const base = orderSign();
    const text = JSON.stringify({
      ...base,
      context: { ...(base.context as JsonObject), patientId: 'PLACEHOLDER' },
    });
    const res = await request(t.app)
      .post(ORDER_SIGN)
      .set('content-type', 'application/json')
      .send(text.replace('PLACEHOLDER', '\\ud800x'));
    expect(res).toBeOutcome(400, 'HTTP_INVALID_BODY');
  });

  it('UTF-8 bytes of a surrogate (CESU-8) in patientId: read as U+FFFD, not refused as a lone surrogate', async () => {
    const base = orderSign();
    const text = JSON.stringify({
      ...base,
      context: { ...(base.context as JsonObject), patientId: 'PLACEHOLDER' },
    });
    const [before, after] = text.split('PLACEHOLDER') as [string, string];
    const bytes = Buffer.concat([
      Buffer.from(`${before}p`),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from(after),
    ]);
    const server = t.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${String(port)}${ORDER_SIGN}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: bytes,
      });
      expect(res.status).toBe(200);
    } finally {
      server.close();
    }
  });

  it('U+0000 in patientId: 400 (refused, never stored under another identifier)', async () => {
    const base = orderSign();
    const res = await request(t.app)
      .post(ORDER_SIGN)
      .send({ ...base, context: { ...(base.context as JsonObject), patientId: 'smart-\u00001288992' } });
    expect(res).toBeOutcome(400, 'HTTP_INVALID_BODY');
    expect(JSON.stringify(res.body)).toMatch(/U\+0000/);
  });

  it('a 10,000-level nested hook: 400', async () => {
    const res = await request(t.app)
      .post(ORDER_SIGN)
      .set('content-type', 'application/json')
      .send(`{"hook":${'['.repeat(10_000)}1${']'.repeat(10_000)}}`);
    expect(res).toBeOutcome(400, 'HTTP_INVALID_BODY');
  });

  it('a fhirServer longer than any server address: 400 naming it, never handed to the FHIR client', async () => {
    // 40,000 slashes once took the FHIR client's base-URL clean-up 6 s of CPU (its pattern is quadratic).
    const { prefetch: _prefetch, ...withoutPrefetch } = orderSign();
    const res = await request(t.app)
      .post(ORDER_SIGN)
      .send({ ...withoutPrefetch, fhirServer: `https://ehr.example.org/${'/'.repeat(40_000)}fhir` });
    expect(res).toBeOutcome(400, 'CDS_INVALID_REQUEST');
    expect(JSON.stringify(res.body)).toContain('fhirServer');
  });

  it('more draft orders than any order set holds: 400 naming them, not an answer of hundreds of cards', async () => {
    const base = orderSign();
    const context = base.context as JsonObject;
    const [draft] = (context.draftOrders as { entry: JsonObject[] }).entry;
    const entry = Array.from({ length: 201 }, (_, i) => ({
      resource: { ...(draft!.resource as JsonObject), id: `draft-${String(i)}` },
    }));
    const res = await request(t.app)
      .post(ORDER_SIGN)
      .send({
        ...base,
        context: { ...context, draftOrders: { resourceType: 'Bundle', type: 'collection', entry } },
      });
    expect(res).toBeOutcome(400, 'CDS_INVALID_REQUEST');
    expect(JSON.stringify(res.body)).toContain('draftOrders');
  });

  it('a draft-order entry without its resource: 400 naming the entry, not an answer that skipped the order', async () => {
    const base = orderSign();
    const context = base.context as JsonObject;
    const { entry } = context.draftOrders as { entry: JsonObject[] };
    const res = await request(t.app)
      .post(ORDER_SIGN)
      .send({
        ...base,
        context: {
          ...context,
          draftOrders: { resourceType: 'Bundle', entry: [...entry, { fullUrl: 'urn:uuid:x' }] },
        },
      });
    expect(res).toBeOutcome(400, 'CDS_INVALID_REQUEST');
    expect(JSON.stringify(res.body)).toContain('draftOrders.entry.1.resource: required');
  });

  it('a draft order whose medication coding is one object, not an array: read, and the order is checked', async () => {
    const base = orderSign();
    const context = base.context as JsonObject;
    const [draft] = (context.draftOrders as { entry: { resource: MedicationRequest }[] }).entry;
    const [coding] = draft!.resource.medicationCodeableConcept!.coding!;
    const lone = {
      ...draft!.resource,
      medicationCodeableConcept: { coding: { system: coding!.system, code: coding!.code } },
    };
    const res = await request(t.app)
      .post(ORDER_SIGN)
      .send({
        ...base,
        context: { ...context, draftOrders: { resourceType: 'Bundle', entry: [{ resource: lone }] } },
      });
    expect(res.status).toBe(200);
    const cards = (res.body as { cards: { summary: string }[] }).cards;
    expect(cards.map((c) => c.summary).join(' ')).toMatch(/clopidogrel/i);
  });

  it('a patientId longer than any identifier: 400 naming it', async () => {
    const base = orderSign();
    const res = await request(t.app)
      .post(ORDER_SIGN)
      .send({ ...base, context: { ...(base.context as JsonObject), patientId: 'x'.repeat(1025) } });
    expect(res).toBeOutcome(400, 'CDS_INVALID_REQUEST');
    expect(JSON.stringify(res.body)).toContain('patientId');
  });

  it.each(['/cds-services/%ZZ', '/cds-services/%ZZ/feedback', '/cds-services/pgx-order-sign%E0%A4%A'])(
    'POST %s: 400, not a 500',
    async (path) => {
      const res = await request(t.app).post(path).send(orderSign());
      expect(res).toBeOutcome(400, 'HTTP_INVALID_PATH');
    },
  );

  it('a body declared gzip that is not: 400', async () => {
    const res = await sendRaw(server, ORDER_SIGN, Buffer.from(JSON.stringify(orderSign())), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/HTTP_INVALID_BODY/);
  });

  it('a body that is gzip, declared so: served', async () => {
    const res = await sendRaw(server, ORDER_SIGN, gzipSync(JSON.stringify(orderSign())), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(200);
  });

  it('a body shorter than its Content-Length, then closed: no 500 logged', async () => {
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        path: ORDER_SIGN,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': 5000 },
      });
      req.on('error', () => {
        resolve();
      });
      req.on('response', () => {
        resolve();
      });
      req.write('{"hook":');
      setImmediate(() => req.destroy());
    });
    // The next call is served, and nothing was logged as an unexpected error.
    await request(t.app).post(ORDER_SIGN).send(orderSign()).expect(200);
    expect(t.logs()).not.toMatch(/"msg":"unhandled error"/);
  });

  it('__proto__ keys anywhere (a component, the context, a prefetch resource): dropped, advice given', async () => {
    const base = orderSign();
    const text = JSON.stringify(base)
      .replace('"context":{', '"context":{"__proto__":{"patientId":"other"},')
      .replace(
        '"resourceType":"MedicationRequest"',
        '"__proto__":{"resourceType":"x"},"resourceType":"MedicationRequest"',
      )
      .replace(
        '"resourceType":"Observation"',
        '"component":[{"__proto__":{"code":1}}],"resourceType":"Observation"',
      );
    const res = await request(t.app).post(ORDER_SIGN).set('content-type', 'application/json').send(text);
    expect(res.status).toBe(200);
    expect((res.body as { cards: unknown[] }).cards.length).toBeGreaterThan(0);
  });

  it('a Patient whose birthDate and gender are not strings: age and sex unknown, advice given', async () => {
    const base = orderSign();
    const patient = (base.prefetch as JsonObject)['patient'] as JsonObject;
    const res = await request(t.app)
      .post(ORDER_SIGN)
      .send(withPrefetch('patient', { ...patient, birthDate: 1000, gender: { text: 'male' } }));
    expect(res.status).toBe(200);
    expect((res.body as { cards: { summary: string }[] }).cards.map((c) => c.summary)).toEqual(
      expect.arrayContaining([expect.stringMatching(/clopidogrel/i)]),
    );
  });

  /** Overrides a card just issued with the sandbox's feedback entry, its comment replaced; what is then stored. */
  async function overrideWithComment(userComment: string) {
    const stub = cardIssuingHandler();
    const local = await startTestApp({
      handlers: { 'order-sign': stub.handler },
      ...(database ? { databaseUrl: database.url } : {}),
    });
    try {
      const issued = await request(local.app).post(ORDER_SIGN).send(orderSign()).expect(200);
      const card = (issued.body as { cards: { uuid: string }[] }).cards[0]!.uuid;
      const [entry] = cdsFixture('sandbox-feedback-overridden.json').feedback as JsonObject[];
      const overrideReason = { ...(entry!.overrideReason as JsonObject), userComment };
      const res = await request(local.app)
        .post(`${ORDER_SIGN}/feedback`)
        .send({ feedback: [{ ...entry, card, overrideReason }] });
      return { res, stored: await local.store.feedback.listForCard(card) };
    } finally {
      await local.close();
    }
  }

  it('U+0000 in a feedback comment: 400, nothing stored', async () => {
    const { res, stored } = await overrideWithComment('patient\u0000 declined');
    expect(res).toBeOutcome(400, 'HTTP_INVALID_BODY');
    expect(stored).toEqual([]);
  });

  it('a feedback comment longer than any a clinician writes: 400 naming it, nothing stored', async () => {
    const { res, stored } = await overrideWithComment('x'.repeat(10_001));
    expect(res).toBeOutcome(400, 'CDS_INVALID_REQUEST');
    expect(JSON.stringify(res.body)).toContain('userComment');
    expect(stored).toEqual([]);
  });

  it('a 20,000-entry feedback batch: refused (400) before any entry is looked at', async () => {
    const [entry] = cdsFixture('sandbox-feedback-accepted.json').feedback as JsonObject[];
    const res = await request(t.app)
      .post(`${ORDER_SIGN}/feedback`)
      .send({ feedback: Array.from({ length: 20_000 }, () => entry) });
    expect(res).toBeOutcome(400, 'CDS_INVALID_REQUEST');
    expect(JSON.stringify(res.body)).toMatch(/at most 100 entries/);
  });
});

describe('data larger than a spread may pass', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ demo: true });
  });
  afterAll(async () => {
    await t.close();
  });

  it('six nights of 1 Hz oximetry (172,800 SpO2 readings) beside codeine: advice, not a 500', async () => {
    // demo-cyp2d6-um: CYP2D6 Ultrarapid Metabolizer, whose draft codeine order the opioid SpO2 rule watches; the
    // PGx results come from the demo FHIR server, the oximetry from the prefetch.
    const patientId = 'demo-cyp2d6-um';
    const draft = t.deps
      .demo!.ofType('MedicationRequest')
      .find(
        (r): r is MedicationRequest =>
          r.resourceType === 'MedicationRequest' &&
          r.status === 'draft' &&
          r.subject.reference === `Patient/${patientId}`,
      );
    const nights = oximetryNights(Date.now(), 6, (night, s) => (night === 2 && s < 3600 ? 86 : 96));
    const res = await request(t.app)
      .post(ORDER_SIGN)
      .send({
        hook: 'order-sign',
        hookInstance: randomUUID(),
        fhirServer: 'http://localhost:3000/demo/fhir',
        context: {
          userId: 'Practitioner/COREPRACTITIONER1',
          patientId,
          draftOrders: { resourceType: 'Bundle', entry: [{ resource: draft }] },
        },
        prefetch: {
          wearables: {
            resourceType: 'Bundle',
            type: 'searchset',
            entry: nights.map((resource) => ({ resource })),
          },
        },
      });
    expect(res.status).toBe(200);
    const cards = (res.body as { cards: { summary: string; detail?: string }[] }).cards;
    expect(cards.map((c) => c.summary)).toEqual([expect.stringMatching(/^Avoid codeine/)]);
  });
});
