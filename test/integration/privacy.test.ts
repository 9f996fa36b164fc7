/**
 * The logs of full calls carry correlation ids and never patient identifiers, names, genotypes or tokens
 * (DESIGN.md convention 6). Runs the real hook handlers at LOG_LEVEL=debug, so whatever they log is checked.
 */
import request from 'supertest';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { cdsFixture, fhirAuthorization } from '../helpers/cds';
import type { JsonObject } from '../helpers/cds';
import { searchset, startMockFhirServer } from '../helpers/mock-fhir';
import type { MockFhirServer } from '../helpers/mock-fhir';

/** Distinctive values, so any occurrence in the logs is a leak and not a coincidence. */
const PATIENT_ID = 'pt-privacy-7f3a91';
const GIVEN = 'Zebulon';
const FAMILY = 'Quackenbush-Privacy';
const GENOTYPE = 'CYP2C19*2/*17';
const DIPLOTYPE = '*2/*17';
const TOKEN = 'eyJprivacy-access-token-9c1d';
const FORBIDDEN = [PATIENT_ID, GIVEN, FAMILY, GENOTYPE, DIPLOTYPE, TOKEN];

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

/** A sandbox fixture rewritten to carry our distinctive patient id, name and genotype. */
function sensitive(fixture: string): JsonObject {
  const text = JSON.stringify(cdsFixture(fixture))
    .replaceAll('smart-1288992', PATIENT_ID)
    .replaceAll('"Daniel"', JSON.stringify(GIVEN))
    .replaceAll('"Adams"', JSON.stringify(FAMILY))
    .replaceAll('CYP2C19*2/*2', GENOTYPE)
    .replaceAll('"*2/*2"', JSON.stringify(DIPLOTYPE));
  return JSON.parse(text) as JsonObject;
}

function withFhir(body: JsonObject, fhirServer: string | undefined, changes: JsonObject = {}): JsonObject {
  const { fhirServer: _, ...rest } = body;
  const merged: JsonObject = { ...rest, ...(fhirServer ? { fhirServer } : {}), ...changes };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined));
}

describe('logs of full calls', () => {
  let t: TestApp;
  let fhir: MockFhirServer;
  const hookInstances: string[] = [];
  const requestIds: string[] = [];

  beforeAll(async () => {
    fhir = await startMockFhirServer();
    const patientView = sensitive('sandbox-patient-view.json');
    const prefetch = patientView.prefetch as JsonObject;
    // The fallback server answers with the same sensitive data the prefetch holds.
    fhir.on(new RegExp(`^Patient/${PATIENT_ID}$`), { body: prefetch.patient });
    fhir.on(/^Observation\?.*84413-4/, { body: prefetch.pgx });
    fhir.on(/.*/, { body: searchset([]) });
    t = await startTestApp({ env: { LOG_LEVEL: 'debug' } });

    const calls: [string, JsonObject, number][] = [
      [
        'pgx-patient-view',
        withFhir(patientView, fhir.baseUrl, { fhirAuthorization: fhirAuthorization(TOKEN) }),
        200,
      ],
      [
        'pgx-order-sign',
        withFhir(sensitive('sandbox-order-sign-clopidogrel.json'), fhir.baseUrl, {
          fhirAuthorization: fhirAuthorization(TOKEN),
        }),
        200,
      ],
      // FHIR fallback: nothing prefetched, everything read with the token.
      [
        'pgx-patient-view',
        withFhir(patientView, fhir.baseUrl, {
          prefetch: undefined,
          fhirAuthorization: fhirAuthorization(TOKEN),
        }),
        200,
      ],
      // 400: an invalid request that still carries the patient id, the prefetch and the token.
      [
        'pgx-order-sign',
        withFhir(sensitive('sandbox-order-sign-clopidogrel.json'), fhir.baseUrl, {
          context: { patientId: PATIENT_ID, draftOrders: { resourceType: 'Bundle' } },
          fhirAuthorization: fhirAuthorization(TOKEN),
        }),
        400,
      ],
      // 412: nothing prefetched and no fhirServer.
      ['pgx-patient-view', withFhir(patientView, undefined, { prefetch: undefined }), 412],
    ];
    for (const [service, body, status] of calls) {
      const hookInstance = `privacy-${hookInstances.length + 1}-${Date.now()}`;
      hookInstances.push(hookInstance);
      const res = await request(t.app)
        .post(`/cds-services/${service}`)
        .set('traceparent', TRACEPARENT)
        .send({ ...body, hookInstance });
      expect(res.status).toBe(status);
      requestIds.push(String(res.headers['x-request-id']));
    }
    // The fallback really ran with the token (else the test would prove little).
    expect(fhir.requests.some((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });
  afterAll(async () => {
    await t.close();
    await fhir.close();
  });

  it.each(FORBIDDEN)('never contain %s', (value) => {
    expect(t.logs().length).toBeGreaterThan(0);
    expect(t.logs()).not.toContain(value);
  });

  it('never contain the patient reference or the request body', () => {
    expect(t.logs()).not.toContain(`Patient/${PATIENT_ID}`);
    expect(t.logs()).not.toMatch(/"prefetch"\s*:\s*\{/);
    expect(t.logs()).not.toMatch(/"draftOrders"/);
  });

  it('carry the trace id from traceparent on every request line', () => {
    const lines = t
      .logs()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JsonObject);
    const requestLines = lines.filter((l) => l.msg === 'request');
    expect(requestLines).toHaveLength(5);
    for (const line of requestLines) expect(line.traceId).toBe(TRACE_ID);
  });

  it('carry the catalogue code of an error answer on its request line, never its diagnostics', () => {
    const lines = t
      .logs()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JsonObject)
      .filter((l) => l.msg === 'request');
    expect(lines.filter((l) => l.status === 400).map((l) => l.code)).toEqual(['CDS_INVALID_REQUEST']);
    expect(lines.filter((l) => l.status === 200).every((l) => l.code === undefined)).toBe(true);
    expect(t.logs()).not.toContain('Invalid input');
  });

  it('carry each request id', () => {
    for (const id of requestIds) expect(t.logs()).toContain(`"requestId":"${id}"`);
  });

  it('carry the hookInstance of every call that passed validation', () => {
    // The 400 never got a valid hookInstance into the context; every other call did.
    for (const [i, hookInstance] of hookInstances.entries()) {
      if (i === 3) continue;
      expect(t.logs()).toContain(`"hookInstance":"${hookInstance}"`);
    }
  });
});

describe('logs of an unexpected error', () => {
  it('carry its type and stack frames, never its message, even when the message holds the patient id', async () => {
    const t = await startTestApp({
      handlers: {
        'patient-view': () => Promise.reject(new TypeError(`no PGx for Patient/${PATIENT_ID} (${GENOTYPE})`)),
      },
    });
    try {
      const res = await request(t.app)
        .post('/cds-services/pgx-patient-view')
        .send({ ...sensitive('sandbox-patient-view.json'), fhirServer: undefined });
      expect(res.status).toBe(500);
      const line = t
        .logs()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as JsonObject)
        .find((l) => l.msg === 'unhandled error');
      expect(line?.err).toMatchObject({
        type: 'TypeError',
        stack: expect.stringMatching(/^\s+at /) as unknown,
      });
      for (const value of FORBIDDEN) expect(t.logs()).not.toContain(value);
    } finally {
      await t.close();
    }
  });
});

describe('a fixture check', () => {
  it('the sensitive fixtures really carry the sensitive values', () => {
    const text = JSON.stringify(sensitive('sandbox-order-sign-clopidogrel.json'));
    for (const value of [PATIENT_ID, GIVEN, FAMILY, GENOTYPE, DIPLOTYPE]) expect(text).toContain(value);
  });
});
