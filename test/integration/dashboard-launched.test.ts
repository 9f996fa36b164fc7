/**
 * The clinician dashboard after an EHR launch (issue 12 item 4): `POST /app/api/launched` reads the launched patient's
 * record from a trusted FHIR server with the launch's SMART access token and answers the dashboard. The FHIR server is
 * a mock EHR holding the demo patients (test/helpers/mock-ehr.ts) that accepts only its own token. Expected values come
 * from the demo index (what each demo patient shows) and the CPIC data set.
 */
import request from 'supertest';
import type { OperationOutcome } from 'fhir/r4';
import { parseTrustedIssuers } from '../../src/cds/auth';
import type { TrustedIssuer } from '../../src/cds/auth';
import type { DashboardView, PatientExplanationView } from '../../src/dashboard/contract';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { closedPort } from '../helpers/http';
import { searchset, startMockFhirServer } from '../helpers/mock-fhir';
import { createFhirFetcher } from '../../src/cds/fhir';
import { LAUNCHED_MAX_PAGES } from '../../src/dashboard/launched';
import { startMockEhr } from '../helpers/mock-ehr';
import type { MockEhr } from '../helpers/mock-ehr';
import { cpicGene, cpicRows } from '../reference';

const TOKEN = 'launch-token-7f3a9c1e5b';
const PATIENT = 'demo-cyp2c19-pm';

/** A trust profile naming `fhirServers` (as a deployment's `config/trust/*.json` would). */
function trustProfile(fhirServers: string[]): TrustedIssuer[] {
  return parseTrustedIssuers({
    issuers: [{ iss: 'https://ehr.example.org', jku: ['https://ehr.example.org/jwks.json'], fhirServers }],
  });
}

function codeOf(body: unknown): string | undefined {
  return (body as OperationOutcome).issue[0]?.details?.coding?.[0]?.code;
}

describe('POST /app/api/launched', () => {
  let ehr: MockEhr;
  let t: TestApp;
  beforeAll(async () => {
    ehr = await startMockEhr({ accessToken: TOKEN, patient: PATIENT });
    t = await startTestApp({ trustedIssuers: trustProfile([ehr.fhirBaseUrl]) });
  });
  afterAll(async () => {
    await t.close();
    await ehr.close();
  });
  beforeEach(() => {
    ehr.requests.length = 0;
  });

  /** `token` null: no Authorization header. */
  function launched(body: unknown, token: string | null = TOKEN): request.Test {
    const call = request(t.app).post('/app/api/launched').set('Content-Type', 'application/json');
    return (token === null ? call : call.set('Authorization', `Bearer ${token}`)).send(JSON.stringify(body));
  }

  it('shows the launched patient with genotype and medication findings, read with the launch token', async () => {
    const res = await launched({ serverUrl: ehr.fhirBaseUrl, patient: PATIENT }).expect(200);
    const view = res.body as DashboardView;
    expect(view.patient).toMatchObject({ id: PATIENT, name: 'Alma Reyes' });
    expect(view.results).toContainEqual(
      expect.objectContaining({
        gene: 'CYP2C19',
        diplotype: '*2/*2',
        phenotype: 'Poor Metabolizer',
        priority: cpicGene('CYP2C19').ehrPriority?.['Poor Metabolizer'],
      }),
    );
    const clopidogrel = view.medications.find((m) => /clopidogrel/i.test(m.display));
    expect(clopidogrel?.status).toBe('draft');
    expect(clopidogrel?.findings[0]).toMatchObject({ drug: 'clopidogrel', action: 'avoid' });
    const texts = cpicRows('clopidogrel', { CYP2C19: 'Poor Metabolizer' }).map((r) => r.row.recommendation);
    expect(texts).toContain(clopidogrel?.findings[0]?.recommendation);
    expect(view.sensors.length).toBeGreaterThan(0);
    // Every read went to the trusted server with the token; the patient, results, medications, wearables, consent.
    expect(ehr.requests.length).toBeGreaterThanOrEqual(5);
    expect(ehr.requests.every((r) => r.withToken)).toBe(true);
    expect(ehr.requests.map((r) => r.url)).toEqual(
      expect.arrayContaining([
        `/fhir/Patient/${PATIENT}`,
        expect.stringMatching(
          /^\/fhir\/MedicationRequest\?patient=demo-cyp2c19-pm&status=active(,|%2C)draft/,
        ),
        expect.stringMatching(/^\/fhir\/Consent\?patient=demo-cyp2c19-pm/),
      ]),
    );
  });

  it('gives the same view as the demo patient’s own, from the same assessment', async () => {
    const demoApp = await startTestApp({ demo: true });
    try {
      const own = (await request(demoApp.app).get(`/app/api/patients/${PATIENT}`).expect(200))
        .body as DashboardView;
      const viaEhr = (await launched({ serverUrl: ehr.fhirBaseUrl, patient: PATIENT }).expect(200))
        .body as DashboardView;
      expect(viaEhr.results).toEqual(own.results);
      expect(viaEhr.medications).toEqual(own.medications);
      expect(viaEhr.sensors.map((s) => s.id)).toEqual(own.sensors.map((s) => s.id));
    } finally {
      await demoApp.close();
    }
  });

  it('gives the patient explanation of a launched patient’s medicine', async () => {
    const res = await request(t.app)
      .post('/app/api/launched/explanations/clopidogrel')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({ serverUrl: ehr.fhirBaseUrl, patient: PATIENT })
      .expect(200);
    const body = res.body as PatientExplanationView;
    expect(body.patient.name).toBe('Alma Reyes');
    expect(body.explanation.title).toMatch(/CYP2C19.*clopidogrel/);
  });

  it('answers 404 for a medicine the launched patient has no CPIC recommendation for', async () => {
    const res = await request(t.app)
      .post('/app/api/launched/explanations/warfarin')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({ serverUrl: ehr.fhirBaseUrl, patient: PATIENT })
      .expect(404);
    expect(codeOf(res.body)).toBe('DASHBOARD_NO_EXPLANATION');
    // With the reason the page shows: the launched patient has no warfarin order at all.
    expect(JSON.stringify(res.body)).toContain('No CPIC guideline advice about warfarin applies');
  });

  it('refuses a FHIR server no trust profile names, says why, and never contacts it', async () => {
    const other = await startMockEhr({ accessToken: TOKEN, patient: PATIENT });
    try {
      const res = await launched({ serverUrl: other.fhirBaseUrl, patient: PATIENT }).expect(403);
      expect(codeOf(res.body)).toBe('DASHBOARD_FHIR_SERVER_NOT_TRUSTED');
      expect(JSON.stringify(res.body)).toContain(
        `The FHIR server ${other.fhirBaseUrl} is not trusted by this service`,
      );
      expect(other.requests).toEqual([]);
      // A path beside the trusted prefix is not under it.
      const beside = await launched({ serverUrl: `${ehr.fhirBaseUrl}evil`, patient: PATIENT }).expect(403);
      expect(codeOf(beside.body)).toBe('DASHBOARD_FHIR_SERVER_NOT_TRUSTED');
      expect(ehr.requests).toEqual([]);
      expect(t.logs()).toContain('dashboard launch refused: the FHIR server is not trusted');
    } finally {
      await other.close();
    }
  });

  it('answers 401 when the FHIR server refuses the token', async () => {
    const res = await launched(
      { serverUrl: ehr.fhirBaseUrl, patient: PATIENT },
      'not-the-launch-token',
    ).expect(401);
    expect(codeOf(res.body)).toBe('DASHBOARD_TOKEN_REFUSED');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((res.body as OperationOutcome).issue[0]?.details?.text).toBe(
      'The record’s FHIR server refused the launch token. Open the dashboard again from the record.',
    );
  });

  it('answers 403 when the FHIR server refuses the token access to the patient', async () => {
    const strict = await startMockEhr({ accessToken: TOKEN, patient: PATIENT, fhirStatus: 403 });
    const app = await startTestApp({ trustedIssuers: trustProfile([strict.fhirBaseUrl]) });
    try {
      const res = await request(app.app)
        .post('/app/api/launched')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send({ serverUrl: strict.fhirBaseUrl, patient: PATIENT })
        .expect(403);
      expect(codeOf(res.body)).toBe('DASHBOARD_ACCESS_REFUSED');
    } finally {
      await app.close();
      await strict.close();
    }
  });

  it('answers 401 without a token, before any read', async () => {
    const res = await launched({ serverUrl: ehr.fhirBaseUrl, patient: PATIENT }, null).expect(401);
    expect(codeOf(res.body)).toBe('DASHBOARD_TOKEN_MISSING');
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(ehr.requests).toEqual([]);
  });

  it('answers 400 with the field for a body that is not a launch', async () => {
    const res = await launched({ serverUrl: 'ftp://x', patient: '../Patient/x', extra: 1 }).expect(400);
    expect(codeOf(res.body)).toBe('DASHBOARD_INVALID_LAUNCH');
    const said = JSON.stringify(res.body);
    expect(said).toContain('serverUrl');
    expect(said).toContain('patient');
    expect(ehr.requests).toEqual([]);
  });

  it('answers 404 for a patient the FHIR server does not hold', async () => {
    const res = await launched({ serverUrl: ehr.fhirBaseUrl, patient: 'no-such-patient' }).expect(404);
    expect(codeOf(res.body)).toBe('DASHBOARD_PATIENT_NOT_FOUND');
  });

  it('answers 502 when the FHIR server cannot be reached', async () => {
    const down = `http://127.0.0.1:${await closedPort()}/fhir`;
    const app = await startTestApp({ trustedIssuers: trustProfile([down]) });
    try {
      const res = await request(app.app)
        .post('/app/api/launched')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send({ serverUrl: down, patient: PATIENT })
        .expect(502);
      expect(codeOf(res.body)).toBe('DASHBOARD_FHIR_SERVER_FAILED');
    } finally {
      await app.close();
    }
  });

  it('answers 504 when the FHIR server does not answer within the budget', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = await startMockEhr({ accessToken: TOKEN, patient: PATIENT, fhirUntil: gate });
    // FHIR_TIMEOUT_MS 60 → a budget of 300 ms for the record.
    const app = await startTestApp({
      trustedIssuers: trustProfile([slow.fhirBaseUrl]),
      env: { FHIR_TIMEOUT_MS: '60' },
    });
    try {
      const res = await request(app.app)
        .post('/app/api/launched')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send({ serverUrl: slow.fhirBaseUrl, patient: PATIENT })
        .expect(504);
      expect(codeOf(res.body)).toBe('DASHBOARD_FHIR_SERVER_TIMEOUT');
    } finally {
      release();
      await app.close();
      await slow.close();
    }
  });

  it('never logs the token or the patient id', async () => {
    await launched({ serverUrl: ehr.fhirBaseUrl, patient: PATIENT }).expect(200);
    await launched({ serverUrl: ehr.fhirBaseUrl, patient: PATIENT }, `${TOKEN}-wrong`).expect(401);
    await launched({ serverUrl: 'https://elsewhere.example/fhir', patient: PATIENT }).expect(403);
    const logs = t.logs();
    expect(logs).toContain('/app/api/launched');
    expect(logs).not.toContain(TOKEN);
    expect(logs).not.toContain(PATIENT);
  });

  it('lets the pages connect to the trusted FHIR servers’ origins and the SMART authorization origins only', async () => {
    const app = await startTestApp({
      trustedIssuers: trustProfile([ehr.fhirBaseUrl, 'https://fhir.hospital.example/r4']),
      env: { SMART_AUTH_ORIGINS: 'https://login.hospital.example' },
    });
    try {
      const res = await request(app.app).get('/healthz');
      const connect = /connect-src ([^;]*)/.exec(res.headers['content-security-policy'] ?? '')?.[1];
      expect(connect?.split(' ').sort()).toEqual(
        ["'self'", ehr.origin, 'https://fhir.hospital.example', 'https://login.hospital.example'].sort(),
      );
    } finally {
      await app.close();
    }
    const plain = await request(t.app).get('/healthz');
    expect(plain.headers['content-security-policy']).toContain(`connect-src 'self' ${ehr.origin};`);
  });
});

describe('POST /app/api/launched against the demo endpoint', () => {
  it('reads the demo patient in process: the demo endpoint is trusted without a trust profile', async () => {
    const t = await startTestApp({ demo: true });
    try {
      const res = await request(t.app)
        .post('/app/api/launched')
        .set('Authorization', 'Bearer any')
        .send({ serverUrl: `${t.deps.config.publicBaseUrl}/demo/fhir/`, patient: PATIENT })
        .expect(200);
      expect((res.body as DashboardView).patient.name).toBe('Alma Reyes');
    } finally {
      await t.close();
    }
  });

  it('refuses every other server when no trust profile is set', async () => {
    const t = await startTestApp({ demo: true });
    try {
      const res = await request(t.app)
        .post('/app/api/launched')
        .set('Authorization', 'Bearer any')
        .send({ serverUrl: 'https://launch.smarthealthit.org/v/r4/fhir', patient: PATIENT })
        .expect(403);
      expect(codeOf(res.body)).toBe('DASHBOARD_FHIR_SERVER_NOT_TRUSTED');
    } finally {
      await t.close();
    }
  });
});

describe('POST /app/api/launched rate limit', () => {
  it('refuses more than RATE_LIMIT_PER_MINUTE calls a minute from one address with 429, before any read', async () => {
    const t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      const call = () =>
        request(t.app)
          .post('/app/api/launched')
          .set('Authorization', 'Bearer any')
          .send({ serverUrl: 'https://elsewhere.example/fhir', patient: PATIENT });
      expect((await call()).status).toBe(403);
      expect((await call()).status).toBe(403);
      const third = await call();
      expect(third.status).toBe(429);
      expect(codeOf(third.body)).toBe('HTTP_RATE_LIMITED');
      // Counted apart from /cds-services: discovery still answers.
      expect((await request(t.app).get('/cds-services')).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('the record’s searches are bounded', () => {
  it('reads at most LAUNCHED_MAX_PAGES pages of a search and says the rest was left unread', async () => {
    const fhir = await startMockFhirServer();
    try {
      const pages = LAUNCHED_MAX_PAGES + 2;
      for (let i = 1; i <= pages; i += 1) {
        const next = i < pages ? `${fhir.baseUrl}/Observation?page=${i + 1}` : undefined;
        fhir.on(i === 1 ? 'Observation?patient=p' : `Observation?page=${i}`, {
          body: searchset([{ resourceType: 'Observation', id: `o${i}` }], next),
        });
      }
      const fetcher = createFhirFetcher(fhir.baseUrl, 'token', { maxPages: LAUNCHED_MAX_PAGES });
      const result = await fetcher.read('Observation?patient=p', AbortSignal.timeout(5000));
      expect(result.resources).toHaveLength(LAUNCHED_MAX_PAGES);
      expect(result.complete).toBe(false);
      expect(fhir.requests).toHaveLength(LAUNCHED_MAX_PAGES);
    } finally {
      await fhir.close();
    }
  });
});
