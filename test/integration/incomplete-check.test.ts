/**
 * Never silent when the PGx results came late (issue 9 item 5): when the pharmacogenomic results could not be read —
 * the FHIR server answered after the budget, failed, or the prefetch was missing and the fetch failed — order-sign
 * and order-select answer one "Pharmacogenomic check incomplete" card instead of `{"cards": []}`. The requests are
 * the CDS Hooks sandbox's own (test/fixtures/cds), the FHIR server a local mock; the guideline link comes from the
 * CPIC data (test/reference).
 */
import request from 'supertest';
import type { Card } from '../../src/cds/types';
import { loadServiceDefinitions } from '../../src/cds/discovery';
import { resolveTemplate } from '../../src/cds/prefetch';
import { DEFAULT_THRESHOLDS } from '../../src/rules/thresholds';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { expectClinicianReadable } from '../helpers/card-text';
import { cdsFixture, sandboxRequest } from '../helpers/cds';
import type { JsonObject } from '../helpers/cds';
import { closedPort } from '../helpers/http';
import { rendered } from '../helpers/markdown';
import { searchset, startMockFhirServer } from '../helpers/mock-fhir';
import type { MockFhirServer } from '../helpers/mock-fhir';
import { cpicDrug, guidelineUrl } from '../reference';

const SUMMARY = 'Pharmacogenomic check incomplete: results could not be retrieved in time';

/** The pgx query the service sends to the FHIR server (cds-services.json), decoded, as the mock server sees it. */
function pgxQuery(service: string, patientId: string): string {
  const template = loadServiceDefinitions().find((s) => s.id === service)?.prefetch?.pgx;
  if (template === undefined) throw new Error(`${service} has no pgx prefetch`);
  const query = resolveTemplate(template, { userId: 'Practitioner/1', patientId });
  if (query === undefined) throw new Error('pgx template does not resolve');
  return decodeURIComponent(query);
}

/** The sandbox's request without the pgx prefetch: the service must read the results from `fhirServer`. */
function withoutPgx(fixture: string, fhirServer: string | undefined): JsonObject {
  const { prefetch } = cdsFixture(fixture) as { prefetch: JsonObject };
  return sandboxRequest(fixture, fhirServer, { prefetch: { patient: prefetch.patient } });
}

async function cardsOf(t: TestApp, service: string, body: JsonObject): Promise<Card[]> {
  const res = await request(t.app).post(`/cds-services/${service}`).send(body);
  expect(res.status).toBe(200);
  expect(res.body).toBeSpecValid();
  const { cards } = res.body as { cards: Card[] };
  for (const card of cards) expectClinicianReadable(card);
  return cards;
}

const CLOPIDOGREL_GUIDELINE = guidelineUrl(cpicDrug('clopidogrel').guidelines[0]!);

describe('the "check incomplete" card with PATIENT_APP_LAUNCH_URL set', () => {
  const LAUNCH = 'https://pgx.example.org/app/launch';
  let fhir: MockFhirServer;
  let t: TestApp;

  beforeEach(async () => {
    fhir = await startMockFhirServer();
    t = await startTestApp({ env: { FHIR_TIMEOUT_MS: '300', PATIENT_APP_LAUNCH_URL: LAUNCH } });
  });
  afterEach(async () => {
    await t.close();
    await fhir.close();
  });

  it('carries a SMART link launching the patient app, which the EHR opens with its own context', async () => {
    fhir.on(/^Observation/, { status: 500, body: { resourceType: 'OperationOutcome', issue: [] } });
    fhir.on(/.*/, { body: searchset([]) });
    const fixture = 'sandbox-order-sign-clopidogrel.json';
    const [card, ...more] = await cardsOf(t, 'pgx-order-sign', withoutPgx(fixture, fhir.baseUrl));
    expect(more).toEqual([]);
    expect(card?.summary).toBe('Pharmacogenomic check incomplete: results could not be retrieved');
    expect(card?.links).toContainEqual({
      label: "Open the patient's pharmacogenomic results",
      url: LAUNCH,
      type: 'smart',
    });
    // Its signed "Full explanation" link opens (without an EHR login): the recorded card, no decision behind it.
    const explain = card?.links?.find((l) => l.label === 'Full explanation');
    const token = explain ? new URL(explain.url).searchParams.get('t') : null;
    expect(token).toEqual(expect.any(String));
    const res = await request(t.app)
      .get(`/api/links/explain/${card?.uuid ?? ''}`)
      .set('authorization', `Bearer ${token ?? ''}`)
      .expect(200);
    expect(res.body).toMatchObject({ card: { summary: card?.summary }, decisions: [] });
  });
});

describe('the PGx results could not be read: one "check incomplete" card, never silence', () => {
  let fhir: MockFhirServer;
  let t: TestApp;

  beforeEach(async () => {
    fhir = await startMockFhirServer();
    t = await startTestApp({ env: { FHIR_TIMEOUT_MS: '300' } });
  });
  afterEach(async () => {
    await t.close();
    await fhir.close();
  });

  const cases = [
    ['order-sign', 'pgx-order-sign', 'sandbox-order-sign-clopidogrel.json', /Signing again/],
    [
      'order-select',
      'pgx-order-select',
      'sandbox-order-select-clopidogrel.json',
      /Selecting the order again/,
    ],
  ] as const;

  it.each(cases)('%s: the FHIR server answers after the budget', async (_hook, service, fixture, retry) => {
    const patientId = (cdsFixture(fixture).context as { patientId: string }).patientId;
    // Far beyond the budget and jest's timeout: a call that waited for it would fail the test.
    fhir.on(pgxQuery(service, patientId), { body: searchset([]), delayMs: 30_000 });
    fhir.on(/.*/, { body: searchset([]) });
    const cards = await cardsOf(t, service, withoutPgx(fixture, fhir.baseUrl));
    expect(cards).toHaveLength(1);
    const [card] = cards;
    expect(card?.summary).toBe(SUMMARY);
    expect(card?.indicator).toBe(DEFAULT_THRESHOLDS.incompleteCheck.indicator);
    const detail = rendered(card?.detail ?? '');
    expect(detail).toMatch(
      /^\*\*Review the patient's pharmacogenomic results before prescribing clopidogrel\./,
    );
    expect(detail).toMatch(retry);
    expect(card?.links).toContainEqual(
      expect.objectContaining({ url: CLOPIDOGREL_GUIDELINE, type: 'absolute' }),
    );
    expect(card?.suggestions ?? []).toEqual([]);
    expect(t.logs()).toMatch(/pgx: not prefetched; the FHIR server did not answer in time/);
  });

  it.each(cases)(
    '%s: the prefetch is missing and the FHIR server fails (500): says so, not "in time"',
    async (_hook, service, fixture, retry) => {
      fhir.on(/^Observation/, {
        status: 500,
        body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] },
      });
      const cards = await cardsOf(t, service, withoutPgx(fixture, fhir.baseUrl));
      expect(cards.map((c) => c.summary)).toEqual([
        'Pharmacogenomic check incomplete: results could not be retrieved',
      ]);
      const detail = rendered(cards[0]?.detail ?? '');
      expect(detail).toMatch(/The EHR's FHIR server did not return the results/);
      expect(detail).not.toMatch(/in time/);
      // A server error may pass: asking again is worth it.
      expect(detail).toMatch(retry);
    },
  );

  it('the results read in time: the usual advice, no "check incomplete" card', async () => {
    const cards = await cardsOf(
      t,
      'pgx-order-sign',
      sandboxRequest('sandbox-order-sign-clopidogrel.json', fhir.baseUrl),
    );
    expect(cards.map((c) => c.summary)).not.toContain(SUMMARY);
  });

  it('patient-view: the FHIR server answers after the budget: says "check incomplete" too', async () => {
    const fixture = 'sandbox-patient-view.json';
    const patientId = (cdsFixture(fixture).context as { patientId: string }).patientId;
    fhir.on(pgxQuery('pgx-patient-view', patientId), { body: searchset([]), delayMs: 30_000 });
    fhir.on(/.*/, { body: searchset([]) });
    const cards = await cardsOf(t, 'pgx-patient-view', withoutPgx(fixture, fhir.baseUrl));
    const card = cards.find((c) => c.summary === SUMMARY);
    expect(card?.indicator).toBe(DEFAULT_THRESHOLDS.incompleteCheck.indicator);
    const detail = rendered(card?.detail ?? '');
    expect(detail).toMatch(/^\*\*Review the patient's pharmacogenomic results before prescribing/);
    expect(detail).toMatch(/Opening the chart again in a minute repeats the check\./);
  });

  it('no fhirServer to ask at all: still a 412 (the client must send the data or a server)', async () => {
    const res = await request(t.app)
      .post('/cds-services/pgx-order-sign')
      .send(withoutPgx('sandbox-order-sign-clopidogrel.json', undefined));
    expect(res).toBeOutcome(412, 'CDS_PREFETCH_UNAVAILABLE');
  });

  it('an unreachable fhirServer for the patient as well: a 412, as before', async () => {
    const unreachable = `http://127.0.0.1:${await closedPort()}/fhir`;
    const res = await request(t.app)
      .post('/cds-services/pgx-order-sign')
      .send(sandboxRequest('sandbox-order-sign-clopidogrel.json', unreachable, { prefetch: undefined }));
    expect(res).toBeOutcome(412, 'CDS_PREFETCH_UNAVAILABLE');
  });
});

describe('the PGx results were too large to read, or read only in part: the card says which', () => {
  const service = 'pgx-order-sign';
  const fixture = 'sandbox-order-sign-clopidogrel.json';
  const patientId = (cdsFixture(fixture).context as { patientId: string }).patientId;
  /** `n` Observations as a lab's search page carries them (about 80 bytes each), linking `next` if given. */
  const page = (from: number, n: number, next?: string): JsonObject =>
    searchset(
      Array.from({ length: n }, (_, i) => ({
        resourceType: 'Observation',
        id: `pgx-${from + i}`,
        status: 'final',
        code: { text: 'Genetic variant assessment' },
      })),
      next,
    );
  let fhir: MockFhirServer;
  let t: TestApp;

  beforeEach(async () => {
    fhir = await startMockFhirServer();
    t = await startTestApp({ env: { FHIR_READ_LIMIT: '8kb' } });
  });
  afterEach(async () => {
    await t.close();
    await fhir.close();
  });

  it('a first page over FHIR_READ_LIMIT: "could not be read", and no retry that would fail the same way', async () => {
    const huge = page(0, 200);
    expect(Buffer.byteLength(JSON.stringify(huge))).toBeGreaterThan(8 * 1024);
    fhir.on(pgxQuery(service, patientId), { body: huge });
    fhir.on(/.*/, { body: searchset([]) });
    const cards = await cardsOf(t, service, withoutPgx(fixture, fhir.baseUrl));
    expect(cards.map((c) => c.summary)).toEqual([
      'Pharmacogenomic check incomplete: results could not be read',
    ]);
    const detail = rendered(cards[0]?.detail ?? '');
    expect(detail).toMatch(
      /^\*\*Review the patient's pharmacogenomic results before prescribing clopidogrel\./,
    );
    expect(detail).not.toMatch(/in time|Signing again/);
  });

  it('pages past FHIR_READ_LIMIT left unread: "only part of the results", with the retry', async () => {
    fhir.on(pgxQuery(service, patientId), { body: page(0, 3, `${fhir.baseUrl}/Observation?page=2`) });
    fhir.on('Observation?page=2', { body: page(3, 200) });
    fhir.on(/.*/, { body: searchset([]) });
    const cards = await cardsOf(t, service, withoutPgx(fixture, fhir.baseUrl));
    expect(cards.map((c) => c.summary)).toEqual([
      'Pharmacogenomic check incomplete: only part of the results could be read',
    ]);
    expect(rendered(cards[0]?.detail ?? '')).toMatch(/Signing again in a minute repeats the check\./);
  });
});
