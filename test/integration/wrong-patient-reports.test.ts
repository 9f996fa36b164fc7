/**
 * "Wrong for this patient" reports reach the pharmacy (`/api/reports…`, src/admin), on both stores: a clinician
 * rates a card through the card's own signed rating link (the sandbox's order-sign call, the real rating API), and a
 * pharmacist lists the report with what they need to follow it up and records the follow-up (audited). Roles: only
 * pharmacists (and admins); a clinician or an informaticist is refused, nobody signed in gets 401. Users sign in with
 * bearer tokens of a local issuer, as in production.
 */
import request from 'supertest';
import type { ReportFollowUpResponse, ReportList } from '../../src/admin/schemas';
import type { Card } from '../../src/cds/types';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { cdsFixture, sandboxRequest } from '../helpers/cds';
import type { JsonObject } from '../helpers/cds';
import { startTestIssuer } from '../helpers/oidc';
import type { TestIssuer } from '../helpers/oidc';
import { createTestDatabase } from '../helpers/postgres';
import type { TestDatabase } from '../helpers/postgres';

const BASE = 'https://cds.example.org';
const SECRET = 'test-link-secret-with-at-least-32-characters';
const FIXTURE = 'sandbox-order-sign-clopidogrel.json';
const SANDBOX = cdsFixture(FIXTURE) as { context: JsonObject; prefetch: JsonObject };
/** The sandbox's clinician and patient. */
const USER_ID = SANDBOX.context.userId as string;
const PATIENT_ID = SANDBOX.context.patientId as string;
/** The clinician's Practitioner, as an EHR answers the discovery's `user` prefetch. */
const USER = {
  resourceType: 'Practitioner',
  id: USER_ID.replace(/^Practitioner\//, ''),
  name: [{ use: 'official', prefix: ['Dr'], given: ['Grace'], family: 'Hopper' }],
};
const COMMENT = 'This CYP2C19 result is not hers: she was never genotyped here.';
const NOTE = 'Sample mix-up confirmed with the laboratory; they are withdrawing the result.';

const stores = [
  {
    engine: 'sqlite',
    create: (): Promise<TestDatabase> => Promise.resolve({ url: ':memory:', drop: () => Promise.resolve() }),
  },
  { engine: 'postgres', create: createTestDatabase },
] as const;

describe.each(stores)('wrong-patient reports on $engine', ({ create }) => {
  let database: TestDatabase;
  let issuer: TestIssuer;
  let t: TestApp;
  let tokens: Record<'pharmacist' | 'informaticist' | 'clinician' | 'admin' | 'none', string>;
  /** The sandbox clinician's card, rated wrong for this patient through its link. */
  let reported: Card;
  let reportedLink: string;
  /** Dr B's card on the same order, rated not useful: no report. */
  let notUseful: Card;

  /** An order-sign call as the sandbox sends it, by `userId`, and the card it answered with. */
  async function orderSign(userId: string, prefetch: JsonObject = {}): Promise<Card> {
    const res = await request(t.app)
      .post('/cds-services/pgx-order-sign')
      .send(
        sandboxRequest(FIXTURE, undefined, {
          context: { ...SANDBOX.context, userId },
          prefetch: { ...SANDBOX.prefetch, ...prefetch },
        }),
      );
    expect(res.status).toBe(200);
    const card = (res.body as { cards: Card[] }).cards[0];
    if (!card?.uuid) throw new Error('no card');
    return card;
  }

  /** The card's "Rate this alert" token, as the clinician's browser sends it. */
  const rateToken = (card: Card) =>
    new URL(card.links?.find((l) => l.label === 'Rate this alert')?.url ?? '').searchParams.get('t') ?? '';

  const rate = (card: Card, rating: string, comment?: string) =>
    request(t.app)
      .put(`/api/links/rate/${card.uuid!}`)
      .set('Authorization', `Bearer ${rateToken(card)}`)
      .send({ rating, ...(comment !== undefined ? { comment } : {}) });

  beforeAll(async () => {
    database = await create();
    issuer = await startTestIssuer();
    t = await startTestApp({
      env: issuer.env({ PUBLIC_BASE_URL: BASE, LINK_SECRET: SECRET }),
      databaseUrl: database.url,
    });
    tokens = {
      pharmacist: await issuer.token('alice', { claims: { roles: ['pharmacist'] } }),
      informaticist: await issuer.token('ivan', { claims: { roles: ['informaticist'] } }),
      clinician: await issuer.token('carl', { claims: { roles: ['clinician'] } }),
      admin: await issuer.token('root', { claims: { roles: ['admin'] } }),
      none: await issuer.token('nobody', { claims: {} }),
    };
    reported = await orderSign(USER_ID, { user: USER });
    reportedLink = rateToken(reported);
    notUseful = await orderSign('Practitioner/dr-b');
    expect((await rate(reported, 'wrong-patient', COMMENT)).status).toBe(201);
    expect((await rate(notUseful, 'not-useful')).status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
    await issuer.close();
    await database.drop();
  });

  const get = (path: string, who: keyof typeof tokens = 'pharmacist') =>
    request(t.app).get(path).set('Authorization', `Bearer ${tokens[who]}`);
  const followUp = (uuid: string, body: unknown, who: keyof typeof tokens = 'pharmacist') =>
    request(t.app)
      .post(`/api/reports/${uuid}/follow-ups`)
      .set('Authorization', `Bearer ${tokens[who]}`)
      .send(body as object);
  const list = async (query = ''): Promise<ReportList> =>
    (await get(`/api/reports${query}`).expect(200)).body as ReportList;

  describe('roles', () => {
    it('answers 401 without a signed-in user', async () => {
      expect(await request(t.app).get('/api/reports')).toBeOutcome(401, 'AUTH_UNAUTHORIZED', 'login');
      expect(
        await request(t.app)
          .post(`/api/reports/${reported.uuid!}/follow-ups`)
          .send({ rater: USER_ID, outcome: 'result-confirmed' }),
      ).toBeOutcome(401, 'AUTH_UNAUTHORIZED', 'login');
    });

    it.each(['informaticist', 'clinician', 'none'] as const)(
      'refuses a user who is %s with 403',
      async (who) => {
        expect(await get('/api/reports', who)).toBeOutcome(403, 'AUTH_FORBIDDEN', 'forbidden');
        expect(
          await followUp(reported.uuid!, { rater: USER_ID, outcome: 'result-confirmed' }, who),
        ).toBeOutcome(403, 'AUTH_FORBIDDEN', 'forbidden');
        // The clinician's own rating link is no pass either.
        expect(
          await request(t.app).get('/api/reports').set('Authorization', `Bearer ${reportedLink}`),
        ).toBeOutcome(401, 'AUTH_UNAUTHORIZED', 'login');
      },
    );
  });

  it('lists the report, open, with what the pharmacist needs, never cached', async () => {
    const res = await get('/api/reports').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.body as ReportList;
    expect([body.state, body.total]).toEqual(['open', 1]);
    expect(body.reports).toHaveLength(1);
    const report = body.reports[0]!;
    expect(report).toMatchObject({
      cardUuid: reported.uuid,
      hook: 'order-sign',
      serviceId: 'pgx-order-sign',
      drug: 'clopidogrel',
      genes: ['CYP2C19'],
      card: { summary: reported.summary, indicator: reported.indicator, detail: reported.detail },
      patient: `Patient/${PATIENT_ID}`,
      rater: USER_ID,
      raterName: 'Dr Grace Hopper',
      comment: COMMENT,
      state: 'open',
      followUps: [],
    });
    // Shown before it was reported, both within this test's run.
    expect(Date.parse(report.shownAt)).toBeLessThanOrEqual(Date.parse(report.reportedAt));
    expect(Date.now() - Date.parse(report.reportedAt)).toBeLessThan(60_000);
    // Dr B's rating is "not useful": not a report. An admin passes the pharmacist's check.
    expect((await list('?state=all')).reports.map((r) => r.cardUuid)).toEqual([reported.uuid]);
    expect((await get('/api/reports', 'admin').expect(200)).body).toEqual(body);
  });

  it('refuses an unknown state or parameter with 400', async () => {
    for (const query of ['?state=closed', '?page=2']) {
      expect(await get(`/api/reports${query}`)).toBeOutcome(400, 'ADMIN_INVALID_REQUEST', 'invalid');
    }
  });

  it('refuses a bad follow-up with 400 and writes nothing', async () => {
    const bad: [unknown, RegExp][] = [
      [{ outcome: 'result-confirmed' }, /^rater: /],
      [{ rater: USER_ID, outcome: 'closed' }, /^outcome: /],
      [{ rater: USER_ID, outcome: 'result-wrong' }, /^note: is required/],
      [{ rater: USER_ID, outcome: 'advice-wrong', note: '   ' }, /^note: is required/],
      [{ rater: USER_ID, outcome: 'result-confirmed', note: 'x'.repeat(2001) }, /^note: /],
      [{ rater: USER_ID, outcome: 'result-confirmed', status: 'done' }, /status/],
    ];
    for (const [body, diagnostics] of bad) {
      const res = await followUp(reported.uuid!, body);
      expect(res).toBeOutcome(400, 'ADMIN_INVALID_REQUEST', 'invalid');
      expect((res.body as { issue: { diagnostics: string }[] }).issue[0]?.diagnostics).toMatch(diagnostics);
    }
    expect(await t.store.audit.list({ action: 'report.follow-up' })).toEqual([]);
    expect((await list()).reports[0]?.followUps).toEqual([]);
  });

  it('answers 404 for a card and rater without a wrong-patient report, and writes nothing', async () => {
    for (const [uuid, rater] of [
      [notUseful.uuid!, 'Practitioner/dr-b'], // rated, but not wrong-patient
      [reported.uuid!, 'Practitioner/dr-b'], // reported, but by someone else
      ['0b6f3c1e-0000-4000-8000-000000000000', USER_ID], // not a card of this service
    ] as const) {
      expect(await followUp(uuid, { rater, outcome: 'result-confirmed' })).toBeOutcome(
        404,
        'ADMIN_UNKNOWN_REPORT',
        'not-found',
      );
    }
    expect(await t.store.audit.list({ action: 'report.follow-up' })).toEqual([]);
  });

  it('records a follow-up (201, audited) and lists the report as followed up', async () => {
    const res = await followUp(reported.uuid!, {
      rater: USER_ID,
      outcome: 'result-wrong',
      note: ` ${NOTE} `,
    });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const answer = res.body as ReportFollowUpResponse;
    expect(answer.followUp).toMatchObject({ outcome: 'result-wrong', note: NOTE, by: 'alice' });
    expect(answer.report).toMatchObject({ state: 'followed-up', followUps: [answer.followUp] });
    expect(answer.followUp.reportedAt).toBe(answer.report?.reportedAt);

    const [event, ...others] = await t.store.audit.list({ target: `card:${reported.uuid!}` });
    expect(others).toEqual([]);
    expect(event).toMatchObject({
      actor: 'alice',
      role: 'pharmacist',
      action: 'report.follow-up',
      at: new Date(answer.followUp.at),
      details: { outcome: 'result-wrong', rater: USER_ID, withNote: true },
    });
    // The note may name the patient: it stays in its own table, out of the audit details.
    expect(JSON.stringify(event?.details)).not.toContain('laboratory');

    expect(await list()).toEqual({ state: 'open', total: 0, reports: [] });
    const followed = await list('?state=followed-up');
    expect([followed.total, followed.reports[0]?.followUps]).toEqual([1, [answer.followUp]]);
    expect((await list('?state=all')).total).toBe(1);
  });

  it('opens the report again when the clinician answers again through the link, and names no patient in logs', async () => {
    expect((await rate(reported, 'wrong-patient', `${COMMENT} Still shown at the next order.`)).status).toBe(
      200,
    );
    const open = await list();
    expect(open.reports.map((r) => [r.state, r.comment, r.followUps.length])).toEqual([
      ['open', `${COMMENT} Still shown at the next order.`, 1],
    ]);
    // A clinician who changes the answer withdraws the report: nothing left to follow up.
    expect((await rate(reported, 'useful')).status).toBe(200);
    expect((await list('?state=all')).total).toBe(0);
    expect(await followUp(reported.uuid!, { rater: USER_ID, outcome: 'result-confirmed' })).toBeOutcome(
      404,
      'ADMIN_UNKNOWN_REPORT',
      'not-found',
    );
    const logs = t.logs();
    expect(logs).toContain('/api/reports');
    expect(logs).not.toContain(PATIENT_ID);
    expect(logs).not.toContain('Sample mix-up');
    expect(logs).not.toContain('never genotyped');
  });
});
