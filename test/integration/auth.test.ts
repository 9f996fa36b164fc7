/**
 * Client authentication at the HTTP level (https://cds-hooks.hl7.org/2.0/#trusting-cds-clients): discovery,
 * service and feedback calls each need a JWT whose `aud` is the exact endpoint URL; failures are a bare 401.
 * The JWT matrix in depth is in test/unit/cds/auth.test.ts; this covers it briefly through the app. Then the
 * outbound rule: a verified issuer's request may only make us call a fhirServer allowlisted for it.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { JWK, KeyLike } from 'jose';
import request from 'supertest';
import { createClientAuthenticator } from '../../src/cds/auth';
import type { TrustedIssuer } from '../../src/cds/auth';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { cardIssuingHandler, gatheringHandler, sandboxRequest } from '../helpers/cds';
import type { JsonObject } from '../helpers/cds';
import { searchset, startMockFhirServer } from '../helpers/mock-fhir';
import type { MockFhirServer } from '../helpers/mock-fhir';

const BASE = 'https://cds.example.org';
const EHR_ISS = 'https://ehr.example.org';
const RSA_ISS = 'https://rsa-ehr.example.org';
const DISCOVERY = `${BASE}/cds-services`;
const ORDER_SIGN = `${BASE}/cds-services/pgx-order-sign`;
const PATIENT_VIEW = `${BASE}/cds-services/pgx-patient-view`;
const FEEDBACK = `${BASE}/cds-services/pgx-order-sign/feedback`;

interface SigningKey {
  readonly privateKey: KeyLike;
  readonly publicJwk: JWK;
  readonly alg: string;
  readonly kid: string;
}

async function signingKey(alg: 'ES384' | 'RS384', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg }, alg, kid };
}

let ecKey: SigningKey;
let rsaKey: SigningKey;
let strangerKey: SigningKey;
let fhir: MockFhirServer;
let foreignFhir: MockFhirServer;

function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

/** A token as the sandbox signs one (conformance notes §2.1), with changes; `undefined` drops a claim. */
function token(
  aud: string,
  opts: { key?: SigningKey; kid?: string; claims?: Record<string, unknown> } = {},
): Promise<string> {
  const key = opts.key ?? ecKey;
  const wanted: Record<string, unknown> = {
    iss: EHR_ISS,
    aud,
    iat: nowSec(),
    exp: nowSec() + 300,
    jti: randomUUID(),
    ...opts.claims,
  };
  const claims = Object.fromEntries(Object.entries(wanted).filter(([, v]) => v !== undefined));
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: 'JWT', kid: opts.kid ?? key.kid })
    .sign(key.privateKey);
}

function base64url(json: unknown): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

function bearer(jwt: string): string {
  return `Bearer ${jwt}`;
}

function expectBare401(res: request.Response): void {
  expect(res.status).toBe(401);
  expect(res.text).toBe('');
  expect(res.headers['www-authenticate']).toBe('Bearer');
}

beforeAll(async () => {
  [ecKey, rsaKey, strangerKey] = await Promise.all([
    signingKey('ES384', 'ehr-es384'),
    signingKey('RS384', 'ehr-rs384'),
    signingKey('ES384', 'not-in-any-jwks'),
  ]);
  fhir = await startMockFhirServer();
  foreignFhir = await startMockFhirServer();
  for (const server of [fhir, foreignFhir]) {
    server.on(/^Patient\//, { body: { resourceType: 'Patient', id: 'smart-1288992' } });
    server.on(/.*/, { body: searchset([]) });
  }
});
afterAll(async () => {
  await fhir.close();
  await foreignFhir.close();
});

describe('CDS_AUTH=jwt', () => {
  let t: TestApp;
  const stub = cardIssuingHandler();
  const capture = gatheringHandler<'patient-view'>();

  beforeAll(async () => {
    const issuers: TrustedIssuer[] = [
      { iss: EHR_ISS, jku: [], jwks: { keys: [ecKey.publicJwk] }, fhirServers: [fhir.baseUrl] },
      { iss: RSA_ISS, jku: [], jwks: { keys: [rsaKey.publicJwk] }, fhirServers: [] },
    ];
    t = await startTestApp({
      env: {
        CDS_AUTH: 'jwt',
        // Required by the configuration; the test passes its authenticator directly, so the file is not read.
        CDS_TRUSTED_ISSUERS: '/unused/trusted-issuers.json',
        PUBLIC_BASE_URL: BASE,
      },
      authenticator: createClientAuthenticator({ issuers }),
      handlers: { 'order-sign': stub.handler, 'patient-view': capture.handler },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  function orderSign(): JsonObject {
    return sandboxRequest('sandbox-order-sign-clopidogrel.json', undefined);
  }

  describe('each endpoint needs a token for its own URL', () => {
    it('discovery: 200 with aud = …/cds-services; bare 401 without a token', async () => {
      const res = await request(t.app)
        .get('/cds-services')
        .set('Authorization', bearer(await token(DISCOVERY)));
      expect(res.status).toBe(200);
      expect((res.body as { services: unknown[] }).services.length).toBeGreaterThan(0);
      expectBare401(await request(t.app).get('/cds-services'));
    });

    it('service: 200 with aud = …/cds-services/{id}; 401 with the discovery URL as aud', async () => {
      await request(t.app)
        .post('/cds-services/pgx-order-sign')
        .set('Authorization', bearer(await token(ORDER_SIGN)))
        .send(orderSign())
        .expect(200);
      expectBare401(
        await request(t.app)
          .post('/cds-services/pgx-order-sign')
          .set('Authorization', bearer(await token(DISCOVERY)))
          .send(orderSign()),
      );
    });

    it('service: 401 with another service’s URL as aud', async () => {
      expectBare401(
        await request(t.app)
          .post('/cds-services/pgx-order-sign')
          .set('Authorization', bearer(await token(PATIENT_VIEW)))
          .send(orderSign()),
      );
    });

    it('feedback: 200 with aud = …/{id}/feedback; 401 with the service URL as aud', async () => {
      const issued = await request(t.app)
        .post('/cds-services/pgx-order-sign')
        .set('Authorization', bearer(await token(ORDER_SIGN)))
        .send(orderSign())
        .expect(200);
      const [card] = (issued.body as { cards: { uuid: string }[] }).cards;
      const feedback = {
        feedback: [{ card: card!.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-22T10:15:00.000Z' }],
      };
      expectBare401(
        await request(t.app)
          .post('/cds-services/pgx-order-sign/feedback')
          .set('Authorization', bearer(await token(ORDER_SIGN)))
          .send(feedback),
      );
      await request(t.app)
        .post('/cds-services/pgx-order-sign/feedback')
        .set('Authorization', bearer(await token(FEEDBACK)))
        .send(feedback)
        .expect(200);
      const [row] = await t.store.feedback.listForCard(card!.uuid);
      expect(row?.clientIssuer).toBe(EHR_ISS);
    });

    it('records the verified issuer with the invocation', async () => {
      const body = orderSign();
      await request(t.app)
        .post('/cds-services/pgx-order-sign')
        .set('Authorization', bearer(await token(ORDER_SIGN)))
        .send(body)
        .expect(200);
      const [row] = await t.store.invocations.listByHookInstance(body.hookInstance as string);
      expect(row?.clientIssuer).toBe(EHR_ISS);
    });
  });

  describe('the JWT matrix, on a service call', () => {
    async function call(authorization: string): Promise<request.Response> {
      return request(t.app)
        .post('/cds-services/pgx-order-sign')
        .set('Authorization', authorization)
        .send(orderSign());
    }

    it('accepts a good ES384 token', async () => {
      expect((await call(bearer(await token(ORDER_SIGN)))).status).toBe(200);
    });

    it('accepts a good RS384 token', async () => {
      const jwt = await token(ORDER_SIGN, { key: rsaKey, claims: { iss: RSA_ISS } });
      expect((await call(bearer(jwt))).status).toBe(200);
    });

    const refused: [string, () => Promise<string>][] = [
      ['a wrong aud', () => token('https://other.example.org/cds-services/pgx-order-sign')],
      ['an expired token', () => token(ORDER_SIGN, { claims: { iat: nowSec() - 900, exp: nowSec() - 600 } })],
      ['a future nbf', () => token(ORDER_SIGN, { claims: { nbf: nowSec() + 600 } })],
      ['an unknown kid', () => token(ORDER_SIGN, { key: strangerKey })],
      [
        'a known kid with another key’s signature',
        () => token(ORDER_SIGN, { key: strangerKey, kid: ecKey.kid }),
      ],
      ['an issuer not allowed', () => token(ORDER_SIGN, { claims: { iss: 'https://stranger.example.org' } })],
      [
        'alg none',
        () =>
          Promise.resolve(
            `${base64url({ alg: 'none', typ: 'JWT', kid: ecKey.kid })}.${base64url({
              iss: EHR_ISS,
              aud: ORDER_SIGN,
              iat: nowSec(),
              exp: nowSec() + 300,
              jti: randomUUID(),
            })}.AAAA`,
          ),
      ],
      [
        'HS256 (a shared secret)',
        () =>
          new SignJWT({
            iss: EHR_ISS,
            aud: ORDER_SIGN,
            iat: nowSec(),
            exp: nowSec() + 300,
            jti: randomUUID(),
          })
            .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: ecKey.kid })
            .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!')),
      ],
      ['no jti', () => token(ORDER_SIGN, { claims: { jti: undefined } })],
      ['garbage', () => Promise.resolve('not.a.jwt')],
    ];

    it.each(refused)('refuses %s with a bare 401', async (_name, make) => {
      expectBare401(await call(bearer(await make())));
    });

    it('refuses a non-Bearer Authorization with a bare 401', async () => {
      expectBare401(await call(`Basic ${Buffer.from('user:pass').toString('base64')}`));
    });

    it('refuses a replayed jti with a bare 401', async () => {
      const jwt = await token(ORDER_SIGN);
      expect((await call(bearer(jwt))).status).toBe(200);
      expectBare401(await call(bearer(jwt)));
    });

    it('logs why, never the token', async () => {
      const jwt = await token('https://other.example.org/cds-services/pgx-order-sign');
      expectBare401(await call(bearer(jwt)));
      expect(t.logs()).toMatch(/audience-mismatch/);
      expect(t.logs()).not.toContain(jwt.split('.')[2]);
    });
  });

  describe('fhirServer allowlist', () => {
    function patientViewWithoutPrefetch(fhirServer: string): JsonObject {
      return sandboxRequest('sandbox-patient-view.json', fhirServer, { prefetch: undefined });
    }

    it('refuses a fhirServer outside the issuer’s allowlist with 403 and never contacts it', async () => {
      const before = foreignFhir.requests.length;
      const res = await request(t.app)
        .post('/cds-services/pgx-patient-view')
        .set('Authorization', bearer(await token(PATIENT_VIEW)))
        .send(patientViewWithoutPrefetch(foreignFhir.baseUrl));
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [{ code: 'security', details: { coding: [{ code: 'CDS_FHIR_SERVER_NOT_ALLOWED' }] } }],
      });
      expect(foreignFhir.requests.length).toBe(before);
    });

    it('refuses a fhirServer that only shares a prefix string with the allowlisted one', async () => {
      const res = await request(t.app)
        .post('/cds-services/pgx-patient-view')
        .set('Authorization', bearer(await token(PATIENT_VIEW)))
        .send(patientViewWithoutPrefetch(`${fhir.baseUrl}-evil`));
      expect(res.status).toBe(403);
    });

    it('refuses any fhirServer for an issuer with an empty allowlist', async () => {
      const res = await request(t.app)
        .post('/cds-services/pgx-patient-view')
        .set('Authorization', bearer(await token(PATIENT_VIEW, { key: rsaKey, claims: { iss: RSA_ISS } })))
        .send(patientViewWithoutPrefetch(fhir.baseUrl));
      expect(res.status).toBe(403);
    });

    it('uses a fhirServer inside the issuer’s allowlist', async () => {
      const before = fhir.requests.length;
      await request(t.app)
        .post('/cds-services/pgx-patient-view')
        .set('Authorization', bearer(await token(PATIENT_VIEW)))
        .send(patientViewWithoutPrefetch(fhir.baseUrl))
        .expect(200);
      expect(fhir.requests.length).toBeGreaterThan(before);
      expect(capture.last()?.patient?.source).toBe('fhir');
    });
  });
});

describe('CDS_AUTH=none', () => {
  it('needs no token and uses any fhirServer, plain http on loopback included', async () => {
    const capture = gatheringHandler<'patient-view'>();
    const t = await startTestApp({
      env: { CDS_AUTH: 'none' },
      handlers: { 'patient-view': capture.handler },
    });
    try {
      const before = foreignFhir.requests.length;
      await request(t.app).get('/cds-services').expect(200);
      await request(t.app)
        .post('/cds-services/pgx-patient-view')
        .send(sandboxRequest('sandbox-patient-view.json', foreignFhir.baseUrl, { prefetch: undefined }))
        .expect(200);
      expect(foreignFhir.requests.length).toBeGreaterThan(before);
      expect(capture.last()?.patient?.source).toBe('fhir');
      expect(t.logs()).toMatch(/CDS_AUTH=none/);
    } finally {
      await t.close();
    }
  });
});
