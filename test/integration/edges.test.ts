/**
 * The edges of the app: CORS allowlist with preflight on every endpoint, helmet headers, rate limit, health and
 * readiness, and the Prometheus series.
 */
import request from 'supertest';
import { createClientAuthenticator } from '../../src/cds/auth';
import { SCRAPER, startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { cardIssuingHandler, sandboxRequest } from '../helpers/cds';
import { searchset, startMockFhirServer } from '../helpers/mock-fhir';

const ALLOWED = 'https://ehr.example.org';
const REFUSED = 'https://attacker.example.net';
const ENDPOINTS = ['/cds-services', '/cds-services/pgx-order-sign', '/cds-services/pgx-order-sign/feedback'];

describe('CORS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { CORS_ORIGINS: `${ALLOWED},https://other-ehr.example.org` } });
  });
  afterAll(async () => {
    await t.close();
  });

  function preflight(app: TestApp['app'], path: string, origin: string) {
    return request(app)
      .options(path)
      .set('Origin', origin)
      .set('Access-Control-Request-Method', path === '/cds-services' ? 'GET' : 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
  }

  it.each(ENDPOINTS)('answers a preflight on %s from an allowed origin', async (path) => {
    const res = await preflight(t.app, path, ALLOWED);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    const methods = String(res.headers['access-control-allow-methods']).split(',');
    expect(methods).toEqual(expect.arrayContaining(['GET', 'POST']));
    const headers = String(res.headers['access-control-allow-headers']).toLowerCase().split(',');
    expect(headers).toEqual(expect.arrayContaining(['authorization', 'content-type']));
  });

  it.each(ENDPOINTS)('gives no Access-Control-Allow-Origin on %s to a refused origin', async (path) => {
    const res = await preflight(t.app, path, REFUSED);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('marks a real cross-origin call from an allowed origin, not from a refused one', async () => {
    const allowed = await request(t.app).get('/cds-services').set('Origin', ALLOWED).expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
    const refused = await request(t.app).get('/cds-services').set('Origin', REFUSED);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it.each([
    '/api/overrides',
    '/api/kpis',
    '/api/links/rate/0b6c6f38-2f8e-4f6a-9d0e-3c1a5b7d9e21',
    '/auth/me',
  ])('lets no other origin into %s, even one allowed to call the hooks', async (path) => {
    const res = await request(t.app)
      .options(path)
      .set('Origin', ALLOWED)
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const get = await request(t.app).get(path).set('Origin', ALLOWED);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('gives no cross-origin access when CORS_ORIGINS is empty', async () => {
    const closed = await startTestApp({ env: { CORS_ORIGINS: '' } });
    try {
      const res = await preflight(closed.app, '/cds-services', ALLOWED);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await closed.close();
    }
  });

  it('answers preflights without a token when CDS_AUTH=jwt (browsers send none)', async () => {
    const secured = await startTestApp({
      env: { CDS_AUTH: 'jwt', CDS_TRUSTED_ISSUERS: '/unused.json', CORS_ORIGINS: ALLOWED },
      authenticator: createClientAuthenticator({ issuers: [] }),
    });
    try {
      for (const path of ENDPOINTS) {
        const res = await preflight(secured.app, path, ALLOWED);
        expect(res.status).toBe(204);
        expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
      }
      expect((await request(secured.app).get('/cds-services')).status).toBe(401);
    } finally {
      await secured.close();
    }
  });
});

describe('security headers', () => {
  it('sets helmet’s headers and hides the framework', async () => {
    const t = await startTestApp();
    try {
      const res = await request(t.app).get('/cds-services').expect(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['x-powered-by']).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('lets no cache keep an answer: hooks, APIs, refusals and pages all say no-store', async () => {
    const t = await startTestApp({ demo: true });
    try {
      const answers = [
        await request(t.app).get('/cds-services'),
        await request(t.app)
          .post('/cds-services/pgx-order-sign')
          .send(sandboxRequest('sandbox-order-sign-clopidogrel.json', undefined)),
        await request(t.app).get('/api/overrides'),
        await request(t.app).get('/app/api/patients'),
        await request(t.app).get('/healthz'),
      ];
      expect(answers.map((r) => [r.status, r.headers['cache-control']])).toEqual([
        [200, 'no-store'],
        [200, 'no-store'],
        [401, 'no-store'],
        [200, 'no-store'],
        [200, 'no-store'],
      ]);
    } finally {
      await t.close();
    }
  });
});

describe('rate limit', () => {
  it('answers the 4th call in a minute with 429 and an OperationOutcome when RATE_LIMIT_PER_MINUTE=3', async () => {
    const t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      for (let i = 0; i < 3; i += 1) await request(t.app).get('/cds-services').expect(200);
      const res = await request(t.app).get('/cds-services');
      expect(res.status).toBe(429);
      expect(res.body).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [{ code: 'throttled', details: { coding: [{ code: 'HTTP_RATE_LIMITED' }] } }],
      });
      // Health checks are not CDS calls: never throttled.
      await request(t.app).get('/healthz').expect(200);
    } finally {
      await t.close();
    }
  });
});

describe('health and readiness', () => {
  it('/healthz answers 200', async () => {
    const t = await startTestApp();
    try {
      const res = await request(t.app).get('/healthz').expect(200);
      expect(res.body).toEqual({ status: 'ok' });
    } finally {
      await t.close();
    }
  });

  it('/readyz answers 200 while the store answers, 503 with an OperationOutcome once it is closed', async () => {
    const t = await startTestApp();
    await request(t.app).get('/readyz').expect(200);
    await t.close();
    const res = await request(t.app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'transient', details: { coding: [{ code: 'OPS_NOT_READY' }] } }],
    });
  });
});

describe('/metrics', () => {
  it('exposes the request, latency, cards, FHIR fallback and error series after some calls', async () => {
    const fhir = await startMockFhirServer();
    fhir.on(/^Patient\//, { body: { resourceType: 'Patient', id: 'smart-1288992' } });
    fhir.on(/.*/, { body: searchset([]) });
    const stub = cardIssuingHandler();
    const t = await startTestApp({ handlers: { 'order-sign': stub.handler } });
    try {
      // A call answering one (warning) card.
      await request(t.app)
        .post('/cds-services/pgx-order-sign')
        .send(sandboxRequest('sandbox-order-sign-clopidogrel.json', undefined))
        .expect(200);
      // A call answered from the FHIR fallback (the real patient-view hook).
      await request(t.app)
        .post('/cds-services/pgx-patient-view')
        .send(sandboxRequest('sandbox-patient-view.json', fhir.baseUrl, { prefetch: undefined }))
        .expect(200);
      // Errors: an unknown service and an invalid request.
      await request(t.app).post('/cds-services/nope').send({}).expect(404);
      await request(t.app).post('/cds-services/pgx-order-sign').send({ hook: 'order-sign' }).expect(400);

      const res = await request(t.app).get('/metrics').set(SCRAPER).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      const text = res.text;
      expect(text).toMatch(/^cds_requests_total\{service="pgx-order-sign",status="200"\} 1$/m);
      expect(text).toMatch(/^cds_requests_total\{service="pgx-order-sign",status="400"\} 1$/m);
      expect(text).toMatch(/^cds_requests_total\{service="pgx-patient-view",status="200"\} 1$/m);
      expect(text).toMatch(/^cds_request_duration_seconds_count\{service="pgx-order-sign"\} 2$/m);
      expect(text).toMatch(
        /^cds_request_duration_seconds_bucket\{le="\+Inf",service="pgx-patient-view"\} 1$/m,
      );
      expect(text).toMatch(/^cds_cards_total\{service="pgx-order-sign",indicator="warning"\} 1$/m);
      expect(text).toMatch(/^cds_fhir_fallback_calls_total\{outcome="ok"\} [1-9]\d*$/m);
      expect(text).toMatch(/^cds_fhir_fallback_duration_seconds_count\{outcome="ok"\} [1-9]\d*$/m);
      expect(text).toMatch(/^cds_errors_total\{code="CDS_UNKNOWN_SERVICE"\} 1$/m);
      expect(text).toMatch(/^cds_errors_total\{code="CDS_INVALID_REQUEST"\} 1$/m);
    } finally {
      await t.close();
      await fhir.close();
    }
  });
});
