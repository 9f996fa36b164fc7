import request from 'supertest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { KNOWLEDGE_VERSION } from '../../src/rules/cpic';
import { DEFAULT_THRESHOLDS } from '../../src/rules/thresholds';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { searchset, startMockFhirServer } from '../helpers/mock-fhir';
import type { MockFhirServer } from '../helpers/mock-fhir';

let fhir: MockFhirServer;

/** A sandbox-shaped request, its fhirServer pointed at the local mock (tests never leave this machine). */
function fixture(name: string): Record<string, unknown> {
  const file = path.join(__dirname, '..', 'fixtures', 'cds', name);
  const body = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  return body.fhirServer === undefined ? body : { ...body, fhirServer: fhir.baseUrl };
}

interface Outcome {
  resourceType: string;
  issue: { severity: string; code: string; details: { coding: { code: string }[] }; diagnostics?: string }[];
}

describe('POST /cds-services/{id}', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    fhir = await startMockFhirServer();
    fhir.on(/.*/, { body: searchset([]) });
  });
  afterAll(async () => {
    await t.close();
    await fhir.close();
  });

  it('answers the sandbox’s initial empty order with {"cards": []} without fetching anything', async () => {
    const res = await request(t.app)
      .post('/cds-services/pgx-order-select')
      .send(fixture('sandbox-order-select-empty.json'))
      .expect(200);
    expect(res.body).toEqual({ cards: [] });
    expect(fhir.requests).toHaveLength(0);
  });

  it('accepts sandbox defects and unknown fields: no intent, category as an object, no Bundle.type, extensions', async () => {
    const body = {
      ...fixture('sandbox-order-sign-clopidogrel.json'),
      unknownField: 1,
      extension: { 'com.example.x': true },
    };
    const res = await request(t.app).post('/cds-services/pgx-order-sign').send(body).expect(200);
    expect(Array.isArray((res.body as { cards: unknown[] }).cards)).toBe(true);
  });

  it('records each invocation with its service, hook, patient reference and versions', async () => {
    const body = { ...fixture('sandbox-patient-view.json'), hookInstance: 'record-me-1' };
    await request(t.app).post('/cds-services/pgx-patient-view').send(body).expect(200);
    const [row] = await t.store.invocations.listByHookInstance('record-me-1');
    expect(row?.serviceId).toBe('pgx-patient-view');
    expect(row?.hook).toBe('patient-view');
    expect(row?.patientRef).toBe('Patient/smart-1288992');
    // Versions are recorded on every invocation, also one that answered without a card.
    expect(row?.knowledgeVersion).toBe(KNOWLEDGE_VERSION);
    expect(row?.thresholdVersion).toBe(DEFAULT_THRESHOLDS.version);
  });

  it('answers 404 with an OperationOutcome for an unknown service', async () => {
    const res = await request(t.app)
      .post('/cds-services/no-such-service')
      .send(fixture('sandbox-patient-view.json'));
    expect(res).toBeOutcome(404, 'CDS_UNKNOWN_SERVICE');
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await request(t.app)
      .post('/cds-services/pgx-patient-view')
      .set('Content-Type', 'application/json')
      .send('{"hook": "patient-view",');
    expect(res).toBeOutcome(400, 'HTTP_INVALID_JSON');
  });

  it('answers 415 for a body that is not JSON by type', async () => {
    const res = await request(t.app)
      .post('/cds-services/pgx-patient-view')
      .set('Content-Type', 'text/plain')
      .send('hi');
    expect(res).toBeOutcome(415, 'HTTP_UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 400 when the hook does not match the service', async () => {
    const res = await request(t.app)
      .post('/cds-services/pgx-order-sign')
      .send(fixture('sandbox-patient-view.json'));
    expect(res).toBeOutcome(400, 'CDS_HOOK_MISMATCH');
    expect(JSON.stringify(res.body)).toContain(
      'service \\"pgx-order-sign\\" serves hook \\"order-sign\\", not \\"patient-view\\"',
    );
    // Without a hook at all, the message says it is required (not "not a undefined").
    const { hook: _, ...noHook } = fixture('sandbox-patient-view.json');
    const missing = await request(t.app).post('/cds-services/pgx-patient-view').send(noHook);
    expect(missing).toBeOutcome(400, 'CDS_HOOK_MISMATCH');
    expect(JSON.stringify(missing.body)).toContain(
      'hook: required; service \\"pgx-patient-view\\" serves hook',
    );
    expect(JSON.stringify(missing.body)).not.toContain('undefined');
  });

  const invalid: [string, string, (b: Record<string, unknown>) => unknown][] = [
    ['no hookInstance', 'pgx-patient-view', ({ hookInstance: _, ...rest }) => rest],
    ['no context', 'pgx-patient-view', ({ context: _, ...rest }) => rest],
    ['no patientId', 'pgx-patient-view', (b) => ({ ...b, context: { userId: 'Practitioner/1' } })],
    ['no userId', 'pgx-patient-view', (b) => ({ ...b, context: { patientId: '1' } })],
    [
      'no draftOrders in order-sign',
      'pgx-order-sign',
      (b) => ({ ...b, context: { userId: 'Practitioner/1', patientId: '1' } }),
    ],
    [
      'no selections in order-select',
      'pgx-order-select',
      (b) => ({ ...b, context: { ...(b.context as object), selections: undefined } }),
    ],
    [
      'draftOrders that is not a Bundle',
      'pgx-order-sign',
      (b) => ({
        ...b,
        context: { ...(b.context as object), draftOrders: [{ resourceType: 'MedicationRequest' }] },
      }),
    ],
    [
      'fhirAuthorization without fhirServer',
      'pgx-patient-view',
      ({ fhirServer: _, ...rest }) => ({
        ...rest,
        fhirAuthorization: {
          access_token: 'x',
          token_type: 'Bearer',
          expires_in: 300,
          scope: 'patient/*.read',
          subject: 'c',
        },
      }),
    ],
    ['a fhirServer that is not a URL', 'pgx-patient-view', (b) => ({ ...b, fhirServer: 'not a url' })],
    ['prefetch that is not an object', 'pgx-patient-view', (b) => ({ ...b, prefetch: ['x'] })],
    ['an array body', 'pgx-patient-view', () => []],
  ];
  const fixtureFor: Record<string, string> = {
    'pgx-patient-view': 'sandbox-patient-view.json',
    'pgx-order-sign': 'sandbox-order-sign-clopidogrel.json',
    'pgx-order-select': 'sandbox-order-select-clopidogrel.json',
  };

  it.each(invalid)('answers 400 with the problem for %s', async (_name, service, mutate) => {
    const res = await request(t.app)
      .post(`/cds-services/${service}`)
      .send(mutate(fixture(fixtureFor[service]!)) as object);
    const code = (res.body as Outcome).issue[0]?.details.coding[0]?.code ?? 'none';
    expect(['CDS_INVALID_REQUEST', 'CDS_HOOK_MISMATCH']).toContain(code);
    expect(res).toBeOutcome(400, code);
  });

  it('answers 412 when required data is neither prefetched nor obtainable (no fhirServer)', async () => {
    const { fhirServer: _, prefetch: __, ...body } = fixture('sandbox-patient-view.json');
    const res = await request(t.app).post('/cds-services/pgx-patient-view').send(body);
    expect(res).toBeOutcome(412, 'CDS_PREFETCH_UNAVAILABLE');
    expect((res.body as Outcome).issue.map((i) => i.diagnostics).join(' ')).toMatch(/pgx/);
  });

  it('answers 413 for a body over the limit', async () => {
    const big = { ...fixture('sandbox-patient-view.json'), padding: 'x'.repeat(6 * 1024 * 1024) };
    const res = await request(t.app).post('/cds-services/pgx-patient-view').send(big);
    expect(res).toBeOutcome(413, 'HTTP_PAYLOAD_TOO_LARGE');
  });

  it('answers 404 with an OperationOutcome for an unknown path, never HTML', async () => {
    const res = await request(t.app).get('/nowhere');
    expect(res.headers['content-type']).toMatch(/json/);
    expect(res).toBeOutcome(404, 'HTTP_NOT_FOUND');
  });

  it('answers 500 with a bare OperationOutcome, never a stack trace, when a handler throws', async () => {
    const failing = await startTestApp({
      handlers: {
        'patient-view': () => Promise.reject(new Error('boom at /work/main/src/secret.ts:12')),
      },
    });
    try {
      const res = await request(failing.app)
        .post('/cds-services/pgx-patient-view')
        .send(fixture('sandbox-patient-view.json'));
      expect(res).toBeOutcome(500, 'HTTP_INTERNAL');
      expect(JSON.stringify(res.body)).not.toContain('boom');
    } finally {
      await failing.close();
    }
  });
});
