/**
 * Who may make the service fetch (issue 12 items 2 and 3): with the stock CDS Hooks sandbox trust profile
 * (`config/trust/cds-hooks-sandbox.json`, unedited) and tokens signed with the sandbox's published key, the service's
 * own demo endpoint is trusted as a `fhirServer`; any other `fhirServer` outside the allowlist is refused only when
 * the service actually has to fetch, and the refusal says why (OperationOutcome diagnostics and a log line without
 * patient data).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SignJWT, importPKCS8 } from 'jose';
import type { KeyLike } from 'jose';
import request from 'supertest';
import { createClientAuthenticator, loadTrustedIssuers } from '../../src/cds/auth';
import type { Card } from '../../src/cds/types';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import type { JsonObject } from '../helpers/cds';
import { searchset, startMockFhirServer } from '../helpers/mock-fhir';
import type { MockFhirServer } from '../helpers/mock-fhir';

const BASE = 'http://localhost:3000';
const DEMO_FHIR = `${BASE}/demo/fhir`;
const SANDBOX_ISS = 'https://sandbox.cds-hooks.org';
const SANDBOX_KID = '44823f3d-0b01-4a6c-a80e-b9d3e8a7226f';
const PATIENT = 'demo-cyp2c19-pm';
const CLOPIDOGREL = {
  resourceType: 'MedicationRequest',
  id: 'draft-1',
  status: 'draft',
  intent: 'order',
  subject: { reference: `Patient/${PATIENT}` },
  medicationCodeableConcept: {
    coding: [
      {
        system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
        code: '309362',
        display: 'clopidogrel 75 MG Oral Tablet',
      },
    ],
  },
};

let sandboxKey: KeyLike;

/** A token as the sandbox signs one (cds-hooks/sandbox src/retrieve-data-helpers/jwt-generator.js). */
function sandboxToken(aud: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: SANDBOX_ISS, aud, iat: now, exp: now + 300, jti: randomUUID() })
    .setProtectedHeader({
      alg: 'ES384',
      typ: 'JWT',
      kid: SANDBOX_KID,
      jku: `${SANDBOX_ISS}/.well-known/jwks.json`,
    })
    .sign(sandboxKey);
}

function orderSign(fhirServer: string, prefetch?: JsonObject): JsonObject {
  return {
    hookInstance: randomUUID(),
    hook: 'order-sign',
    fhirServer,
    context: {
      userId: 'Practitioner/COREPRACTITIONER1',
      patientId: PATIENT,
      draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: CLOPIDOGREL }] },
    },
    ...(prefetch ? { prefetch } : {}),
  };
}

describe('fhirServer trust with the stock sandbox profile (CDS_AUTH=jwt)', () => {
  let t: TestApp;
  let foreign: MockFhirServer;
  beforeAll(async () => {
    const pem = readFileSync(path.join(__dirname, '..', 'fixtures', 'auth', 'sandbox-ecprivkey.pem'), 'utf8');
    sandboxKey = await importPKCS8(pem.slice(pem.indexOf('-----BEGIN')), 'ES384');
    const profile = path.join(__dirname, '..', '..', 'config', 'trust', 'cds-hooks-sandbox.json');
    t = await startTestApp({
      demo: true,
      env: { CDS_AUTH: 'jwt', CDS_TRUSTED_ISSUERS: profile },
      authenticator: createClientAuthenticator({ issuers: await loadTrustedIssuers(profile) }),
    });
    foreign = await startMockFhirServer();
    foreign.on(/.*/, { body: searchset([]) });
  });
  afterAll(async () => {
    await t.close();
    await foreign.close();
  });

  const call = async (body: JsonObject): Promise<request.Response> =>
    request(t.app)
      .post('/cds-services/pgx-order-sign')
      .set('Authorization', `Bearer ${await sandboxToken(`${BASE}/cds-services/pgx-order-sign`)}`)
      .send(body);

  it('fetches from its own demo endpoint without any allowlist entry, and answers with the card', async () => {
    const res = await call(orderSign(DEMO_FHIR));
    expect(res.status).toBe(200);
    expect(res.body).toBeSpecValid();
    expect((res.body as { cards: Card[] }).cards.map((c) => c.summary)).toEqual([
      expect.stringContaining('clopidogrel') as unknown,
    ]);
    // A trailing slash names the same server.
    expect((await call(orderSign(`${DEMO_FHIR}/`))).status).toBe(200);
  });

  it('answers from a complete prefetch without contacting a fhirServer outside the allowlist', async () => {
    const patient = await request(t.app).get(`/demo/fhir/Patient/${PATIENT}`);
    const before = foreign.requests.length;
    const res = await call(
      orderSign(foreign.baseUrl, {
        patient: patient.body as JsonObject,
        pgx: searchset([]),
        wearables: searchset([]),
        consent: searchset([]),
        medications: searchset([]),
      }),
    );
    expect(res.status).toBe(200);
    expect(foreign.requests.length).toBe(before);
  });

  it('refuses with the reason, in the OperationOutcome and the log, only when it has to fetch', async () => {
    const before = foreign.requests.length;
    const res = await call(orderSign(foreign.baseUrl));
    expect(res).toBeOutcome(403, 'CDS_FHIR_SERVER_NOT_ALLOWED');
    const diagnostics = JSON.stringify(res.body);
    expect(diagnostics).toContain(foreign.baseUrl);
    expect(diagnostics).toContain(SANDBOX_ISS);
    expect(diagnostics).toContain('not allowlisted');
    expect(foreign.requests.length).toBe(before); // never contacted
    const line = t
      .logs()
      .split('\n')
      .find((l) => l.includes('fhirServerRefused'));
    expect(line).toBeDefined();
    expect(line).toContain(SANDBOX_ISS);
    expect(line).not.toContain(PATIENT);
  });
});
