/**
 * The pharmacist's override review API (`/api/overrides…`, src/admin): roles, the filtered and paged list, the detail
 * with its evidence, review marks (audited, superseding, history kept) and the CSV export, on both stores. The
 * recorded set is built through the store with real decision snapshots (test/helpers/review-data.ts), so the test
 * knows every answer. Users are signed in with bearer tokens of a local issuer, as in production.
 */
import request from 'supertest';
import { createApp } from '../../src/app';
import type { OverrideDetail, OverrideList, ReviewResponse } from '../../src/admin/schemas';
import type { CardRecord } from '../../src/store';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { startTestIssuer } from '../helpers/oidc';
import type { TestIssuer } from '../helpers/oidc';
import { createTestDatabase } from '../helpers/postgres';
import type { TestDatabase } from '../helpers/postgres';
import { AT } from '../fixtures/rules/builders';
import { sandboxRequest } from '../helpers/cds';
import {
  LOW_RESTING_HR,
  accepted,
  labResult,
  laterHeartRateCall,
  override,
  recordCard,
} from '../helpers/review-data';

const CYP2C19_PM = labResult('CYP2C19', 'Poor Metabolizer', '*2/*2', '2025-11-03');
const CYP2D6_PM = labResult('CYP2D6', 'Poor Metabolizer', '*4/*4', '2024-02-20', '0.0');
const NOW = new Date('2026-05-20T12:00:00.000Z');

const stores = [
  {
    engine: 'sqlite',
    create: (): Promise<TestDatabase> => Promise.resolve({ url: ':memory:', drop: () => Promise.resolve() }),
  },
  { engine: 'postgres', create: createTestDatabase },
] as const;

describe.each(stores)('override review on $engine', ({ create }) => {
  let database: TestDatabase;
  let issuer: TestIssuer;
  let t: TestApp;
  let app: TestApp['app'];
  let tokens: Record<'pharmacist' | 'carol' | 'informaticist' | 'clinician' | 'admin' | 'none', string>;
  /** clopidogrel, dr-a (named), overridden 10 May (reason with display, comment with CSV specials). */
  let clopidogrel: CardRecord;
  /** metoprolol with low resting HR evidence, dr-b, overridden 15 May without a reason. */
  let metoprolol: CardRecord;
  /** clopidogrel, dr-b, overridden twice (12 May, then 13 May with another reason): listed once, newest reason. */
  let twice: CardRecord;
  /** clopidogrel, accepted: not an override. */
  let acceptedCard: CardRecord;

  beforeAll(async () => {
    database = await create();
    issuer = await startTestIssuer();
    t = await startTestApp({ env: issuer.env(), databaseUrl: database.url });
    app = createApp({ ...t.deps, now: () => NOW });
    tokens = {
      pharmacist: await issuer.token('alice', { claims: { roles: ['pharmacist'] } }),
      carol: await issuer.token('carol', { claims: { roles: ['pharmacist'] } }),
      informaticist: await issuer.token('ivan', { claims: { roles: ['informaticist'] } }),
      clinician: await issuer.token('carl', { claims: { roles: ['clinician'] } }),
      admin: await issuer.token('root', { claims: { roles: ['admin'] } }),
      none: await issuer.token('nobody', { claims: {} }),
    };
    const { store } = t;
    clopidogrel = await recordCard(store, {
      drug: 'clopidogrel',
      genes: [CYP2C19_PM],
      shownAt: '2026-05-10T09:59:00.000Z',
      clinician: 'Practitioner/dr-a',
      clinicianName: 'Ada Lovelace, MD',
      detail: 'Clopidogrel: **avoid**; prefer prasugrel or ticagrelor if no contraindication.',
    });
    metoprolol = await recordCard(store, {
      drug: 'metoprolol',
      genes: [CYP2D6_PM],
      shownAt: AT,
      clinician: 'Practitioner/dr-b',
      facts: LOW_RESTING_HR,
    });
    twice = await recordCard(store, {
      drug: 'clopidogrel',
      genes: [CYP2C19_PM],
      shownAt: '2026-05-12T08:00:00.000Z',
      clinician: 'Practitioner/dr-b',
    });
    acceptedCard = await recordCard(store, {
      drug: 'clopidogrel',
      genes: [CYP2C19_PM],
      shownAt: '2026-05-11T08:00:00.000Z',
      clinician: 'Practitioner/dr-a',
    });
    await store.feedback.record([
      override(
        clopidogrel,
        '2026-05-10T10:00:00.000Z',
        { code: 'patient-tolerated', display: 'Patient tolerated it before' },
        '=HYPERLINK("x"), "quoted"\nsecond line',
      ),
      override(metoprolol, '2026-05-15T09:05:00.000Z'),
      override(twice, '2026-05-12T08:01:00.000Z', { code: 'no-alternative' }),
      override(twice, '2026-05-13T08:01:00.000Z', { code: 'benefit-outweighs-risk' }),
      accepted(acceptedCard, '2026-05-11T08:01:00.000Z'),
    ]);
  });
  afterAll(async () => {
    await t.close();
    await issuer.close();
    await database.drop();
  });

  const get = (path: string, who: keyof typeof tokens = 'pharmacist') =>
    request(app).get(path).set('Authorization', `Bearer ${tokens[who]}`);
  const review = (uuid: string, body: unknown, who: keyof typeof tokens = 'pharmacist') =>
    request(app)
      .post(`/api/overrides/${uuid}/review`)
      .set('Authorization', `Bearer ${tokens[who]}`)
      .send(body as object);
  const list = async (query = ''): Promise<OverrideList> => {
    const res = await get(`/api/overrides${query}`).expect(200);
    return res.body as OverrideList;
  };
  const uuids = (l: OverrideList) => l.items.map((i) => i.cardUuid);

  describe('roles', () => {
    it.each(['/api/overrides', '/api/overrides.csv', '/api/overrides/x'])(
      '%s: 401 without a token',
      async (path) => {
        expect(await request(app).get(path)).toBeOutcome(401, 'AUTH_UNAUTHORIZED', 'login');
      },
    );

    it.each(['informaticist', 'clinician', 'none'] as const)(
      'refuses a user who is %s with 403',
      async (who) => {
        for (const path of ['/api/overrides', '/api/overrides.csv', `/api/overrides/${clopidogrel.uuid}`]) {
          expect(await get(path, who)).toBeOutcome(403, 'AUTH_FORBIDDEN', 'forbidden');
        }
        expect(await review(clopidogrel.uuid, { status: 'appropriate' }, who)).toBeOutcome(
          403,
          'AUTH_FORBIDDEN',
          'forbidden',
        );
      },
    );

    it('lets a pharmacist and an admin read', async () => {
      await get('/api/overrides', 'pharmacist').expect(200);
      await get('/api/overrides', 'admin').expect(200);
    });
  });

  describe('the list', () => {
    it('shows each overridden card once, newest override first, with the newest entry’s reason', async () => {
      const l = await list();
      expect(l).toMatchObject({ total: 3, page: 1, pageSize: 25 });
      expect(uuids(l)).toEqual([metoprolol.uuid, twice.uuid, clopidogrel.uuid]);
      expect(l.items[1]).toMatchObject({
        overriddenAt: '2026-05-13T08:01:00.000Z',
        reason: { code: 'benefit-outweighs-risk' },
        clinician: 'Practitioner/dr-b',
        drug: 'clopidogrel',
        genes: ['CYP2C19'],
        hook: 'order-sign',
      });
      expect(l.items[0]).not.toHaveProperty('reason');
      expect(l.items[0]!.genes).toEqual(['CYP2D6']);
      expect(l.items.every((i) => i.review === undefined)).toBe(true);
    });

    it("offers the cards' override reasons for the filter, each once, in words, the catch-all last", async () => {
      const { reasons } = await list();
      expect(reasons).toContainEqual({ code: 'will-monitor', display: 'Will monitor the patient closely' });
      expect(reasons).toContainEqual({ code: 'patient-declined-test', display: 'Patient declined testing' });
      const codes = reasons.map((r) => r.code);
      expect(new Set(codes).size).toBe(codes.length);
      expect(codes.at(-1)).toBe('other');
    });

    it.each([
      ['?drug=Clopidogrel', () => [twice, clopidogrel]],
      ['?gene=cyp2d6', () => [metoprolol]],
      ['?gene=HLA-B', () => []],
      ['?reason=patient-tolerated', () => [clopidogrel]],
      ['?reason=no-alternative', () => []], // only the newest entry of a card counts
      ['?clinician=Practitioner/dr-b', () => [metoprolol, twice]],
      ['?from=2026-05-12&to=2026-05-13', () => [twice]],
      ['?from=2026-05-13T09:00:00Z', () => [metoprolol]],
      ['?to=2026-05-10T10:00:00.000Z', () => []], // `to` is exclusive for a date-time
      ['?drug=clopidogrel&clinician=Practitioner/dr-a', () => [clopidogrel]],
    ])('filters %s', async (query, expected) => {
      const l = await list(query);
      expect(uuids(l)).toEqual(expected().map((c) => c.uuid));
      expect(l.total).toBe(expected().length);
    });

    it('filters by indicator', async () => {
      const all = await list();
      for (const indicator of ['info', 'warning', 'critical'] as const) {
        const want = all.items.filter((i) => i.indicator === indicator).map((i) => i.cardUuid);
        expect(uuids(await list(`?indicator=${indicator}`))).toEqual(want);
      }
    });

    it('pages with the total of all matches', async () => {
      const second = await list('?page=2&pageSize=1');
      expect(second).toMatchObject({ total: 3, page: 2, pageSize: 1 });
      expect(uuids(second)).toEqual([twice.uuid]);
      expect((await list('?page=4&pageSize=1')).items).toEqual([]);
    });

    it.each([
      '?pageSize=101',
      '?pageSize=0',
      '?page=-1',
      '?from=yesterday',
      '?from=2026-02-30',
      '?to=2026-05-01&from=2026-05-02',
      '?reviewed=maybe',
      '?indicator=hard-stop',
      '?gene=CYP2C19%25',
      '?sort=asc',
      '?drug=a&drug=b',
    ])('refuses %s with 400 naming the field', async (query) => {
      const res = await get(`/api/overrides${query}`);
      expect(res).toBeOutcome(400, 'ADMIN_INVALID_REQUEST', 'invalid');
    });
  });

  describe('the detail', () => {
    it('shows the card as shown, its genotype evidence, the reason and comment, and the patient', async () => {
      const res = await get(`/api/overrides/${clopidogrel.uuid}`).expect(200);
      const d = res.body as OverrideDetail;
      expect(d.card).toMatchObject({
        uuid: clopidogrel.uuid,
        summary: clopidogrel.summary,
        indicator: clopidogrel.indicator,
        detail: (clopidogrel.shown as { detail?: string }).detail,
        drug: 'clopidogrel',
        shownAt: '2026-05-10T09:59:00.000Z',
        ruleIds: clopidogrel.ruleIds,
      });
      expect(d).toMatchObject({ patient: 'Patient/review-example', clinician: 'Practitioner/dr-a' });
      expect(d.evidenceFrom).toBe('decision-snapshot');
      expect(d.genes).toEqual([
        {
          gene: 'CYP2C19',
          diplotype: '*2/*2',
          phenotype: 'Poor Metabolizer',
          reinterpreted: false,
          date: '2025-11-03',
          sources: ['Observation/pgx-cyp2c19'],
          notes: [],
        },
      ]);
      expect(d.decisions).toHaveLength(1);
      expect(d.decisions[0]?.drug).toBe('clopidogrel');
      expect(d.decisions[0]?.guideline).toContain('CYP2C19');
      expect(d.decisions[0]!.recommendation).toEqual(expect.any(String));
      expect(d.overrides).toEqual([
        {
          receivedAt: '2026-05-10T10:00:00.000Z',
          outcomeTimestamp: '2026-05-10T10:00:00.000Z',
          reason: {
            code: 'patient-tolerated',
            system: 'https://example.org/override-reasons',
            display: 'Patient tolerated it before',
          },
          comment: '=HYPERLINK("x"), "quoted"\nsecond line',
        },
      ]);
      expect(d.history).toEqual([]);
    });

    it('shows the wearable evidence behind a sensor-modified card', async () => {
      const d = (await get(`/api/overrides/${metoprolol.uuid}`).expect(200)).body as OverrideDetail;
      const hr = d.sensors.find((s) => s.metric === 'resting-heart-rate');
      expect(hr).toMatchObject({ value: 52, unit: '/min', status: 'sufficient', devices: ['Test watch'] });
      expect(hr?.newestSample).toBe('2026-05-15T08:00:00.000Z');
      expect(d.card).not.toHaveProperty('detail');
    });

    it("shows the alert's wearable measures as the patient's later calls read them, newest first", async () => {
      const sinceAlert = async (card: CardRecord) =>
        ((await get(`/api/overrides/${card.uuid}`).expect(200)).body as OverrideDetail).sinceAlert;
      // The list's column: only the card whose rules read a wearable measure has one.
      const listed = async () => new Map((await list()).items.map((i) => [i.cardUuid, i.sinceAlert]));
      // No later call yet (the other cards' calls kept no inputs).
      expect(await sinceAlert(metoprolol)).toEqual({
        calls: 0,
        more: false,
        measures: ['resting heart rate'],
        sensors: [],
      });
      expect(await listed()).toEqual(
        new Map([
          [metoprolol.uuid, { calls: 0, more: false, newReadings: 0 }],
          [twice.uuid, undefined],
          [clopidogrel.uuid, undefined],
        ]),
      );
      // The patient's resting heart rate one and three days after the alert, as later calls summarised it (daily
      // readings up to each call); a call five minutes after the alert read only the alert's readings. A call for
      // another patient and one before the alert are not read.
      for (const call of [
        laterHeartRateCall('Patient/review-example', 0, 52, 5),
        laterHeartRateCall('Patient/review-example', 1, 50),
        laterHeartRateCall('Patient/review-example', 3, 47),
        laterHeartRateCall('Patient/someone-else', 2, 90),
        laterHeartRateCall('Patient/review-example', -1, 70),
      ]) {
        await t.store.invocations.record(call);
      }
      const since = await sinceAlert(metoprolol);
      expect(since?.calls).toBe(3);
      expect(since?.sensors.map((s) => [s.metric, s.valueText, s.status])).toEqual([
        ['resting-heart-rate', '47/min', 'sufficient'],
        ['resting-heart-rate', '50/min', 'sufficient'],
      ]);
      expect((await listed()).get(metoprolol.uuid)).toEqual({ calls: 3, more: false, newReadings: 2 });
      // A card whose rules read no measure has none to follow.
      expect(await sinceAlert(clopidogrel)).toBeUndefined();
    });

    it('answers 404 for an unknown card and for a card that was never overridden', async () => {
      for (const uuid of ['no-such-card', acceptedCard.uuid]) {
        expect(await get(`/api/overrides/${uuid}`)).toBeOutcome(404, 'ADMIN_UNKNOWN_OVERRIDE', 'not-found');
      }
    });
  });

  describe('the prescriber by name', () => {
    it('lists the name with the reference, and finds the overrides by either, in any case', async () => {
      const named = (await list('?clinician=ada%20LOVELACE,%20md')).items;
      expect(named.map((i) => [i.cardUuid, i.clinician, i.clinicianName])).toEqual([
        [clopidogrel.uuid, 'Practitioner/dr-a', 'Ada Lovelace, MD'],
      ]);
      expect(uuids(await list('?clinician=Practitioner%2Fdr-a'))).toEqual([clopidogrel.uuid]);
      // No name recorded: the reference only.
      const unnamed = (await list('?clinician=Practitioner%2Fdr-b')).items;
      expect(unnamed.map((i) => i.clinicianName)).toEqual([undefined, undefined]);
      const detail = (await get(`/api/overrides/${clopidogrel.uuid}`).expect(200)).body as OverrideDetail;
      expect([detail.clinician, detail.clinicianName]).toEqual(['Practitioner/dr-a', 'Ada Lovelace, MD']);
    });
  });

  describe('what a hook call records for the review', () => {
    it("records the prescriber's name from the user prefetch, and none without it", async () => {
      // The sandbox's user, prefetched as the discovery's `Practitioner/{{userPractitionerId}}` asks.
      const practitioner = {
        resourceType: 'Practitioner',
        id: 'COREPRACTITIONER1',
        name: [{ use: 'official', family: 'Careful', given: ['Adam'], prefix: ['Dr.'] }],
      };
      const base = sandboxRequest('sandbox-order-sign-clopidogrel.json', undefined);
      const withUser = {
        ...base,
        hookInstance: `${String(base['hookInstance'])}-user`,
        prefetch: { ...(base['prefetch'] as object), user: practitioner },
      };
      await request(app).post('/cds-services/pgx-order-sign').send(withUser).expect(200);
      const [named] = await t.store.invocations.listByHookInstance(withUser.hookInstance);
      expect([named?.userId, named?.userName]).toEqual([
        'Practitioner/COREPRACTITIONER1',
        'Dr. Adam Careful',
      ]);

      const without = { ...base, hookInstance: `${String(base['hookInstance'])}-no-user` };
      await request(app).post('/cds-services/pgx-order-sign').send(without).expect(200);
      const [unnamed] = await t.store.invocations.listByHookInstance(without.hookInstance);
      expect(unnamed?.userId).toBe('Practitioner/COREPRACTITIONER1');
      expect(unnamed?.userName).toBeUndefined();
    });

    it('keeps the prescriber (context.userId) and each card’s detail as the client received it', async () => {
      const body = sandboxRequest('sandbox-order-sign-clopidogrel.json', undefined);
      const res = await request(app).post('/cds-services/pgx-order-sign').send(body).expect(200);
      const cards = (res.body as { cards: { uuid: string; detail?: string }[] }).cards;
      expect(cards.length).toBeGreaterThan(0);
      const [recorded] = await t.store.invocations.listByHookInstance(body['hookInstance'] as string);
      expect(recorded?.userId).toBe('Practitioner/COREPRACTITIONER1');
      for (const card of cards) {
        const shown = recorded?.cards.find((c) => c.uuid === card.uuid)?.shown as
          { detail?: string } | undefined;
        expect(shown?.detail).toBe(card.detail);
      }
    });
  });

  describe('review marks', () => {
    it('records a review with who and when, audited; a later one supersedes it and the history keeps both', async () => {
      const first = await review(twice.uuid, { status: 'follow-up', note: 'Ask about bleeding risk' }).expect(
        201,
      );
      expect((first.body as ReviewResponse).review).toEqual({
        status: 'follow-up',
        note: 'Ask about bleeding risk',
        reviewer: 'alice',
        reviewedAt: NOW.toISOString(),
      });
      expect(uuids(await list('?reviewed=follow-up'))).toEqual([twice.uuid]);

      const second = await review(twice.uuid, { status: 'appropriate' }, 'admin').expect(201);
      const body = second.body as ReviewResponse;
      expect(body.review).toEqual({ status: 'appropriate', reviewer: 'root', reviewedAt: NOW.toISOString() });
      expect(body.history.map((h) => [h.status, h.reviewer])).toEqual([
        ['appropriate', 'root'],
        ['follow-up', 'alice'],
      ]);

      const d = (await get(`/api/overrides/${twice.uuid}`).expect(200)).body as OverrideDetail;
      expect(d.review?.status).toBe('appropriate');
      expect(d.history).toHaveLength(2);

      const audit = await t.store.audit.list({ target: `card:${twice.uuid}` });
      expect(audit.map((e) => [e.actor, e.role, e.action, e.details['status'], e.at.toISOString()])).toEqual([
        ['root', 'admin', 'override.review', 'appropriate', NOW.toISOString()],
        ['alice', 'pharmacist', 'override.review', 'follow-up', NOW.toISOString()],
      ]);
      expect(JSON.stringify(audit)).not.toContain('Patient/');
      expect(JSON.stringify(audit)).not.toContain('bleeding');
    });

    it('filters by review state: concluded, never reviewed, follow-up', async () => {
      await review(metoprolol.uuid, { status: 'not-appropriate', note: 'Dose not reduced' }).expect(201);
      expect(uuids(await list('?reviewed=true'))).toEqual([metoprolol.uuid, twice.uuid]);
      expect(uuids(await list('?reviewed=false'))).toEqual([clopidogrel.uuid]);
      expect(uuids(await list('?reviewed=follow-up'))).toEqual([]);
      const listed = (await list('?reviewed=true')).items[0];
      expect(listed?.review).toMatchObject({
        status: 'not-appropriate',
        note: 'Dose not reduced',
        reviewer: 'alice',
      });
    });

    it("shows, filters and exports an override whose pharmacists' current judgements differ", async () => {
      // alice judged metoprolol not appropriate (above); carol, later, appropriate: the current review says
      // appropriate, but alice's judgement stands against it.
      const saved = (await review(metoprolol.uuid, { status: 'appropriate' }, 'carol').expect(201))
        .body as ReviewResponse;
      expect(saved.judgementsDiffer).toBe(true);
      expect(saved.judgements.map((j) => [j.status, j.reviewer])).toEqual([
        ['appropriate', 'carol'],
        ['not-appropriate', 'alice'],
      ]);
      const [listed] = (await list('?reviewed=differ')).items;
      expect(listed?.cardUuid).toBe(metoprolol.uuid);
      expect(listed).toMatchObject({
        review: { status: 'appropriate', reviewer: 'carol' },
        judgementsDiffer: true,
      });
      expect(listed?.judgements.map((j) => [j.status, j.reviewer])).toEqual([
        ['appropriate', 'carol'],
        ['not-appropriate', 'alice'],
      ]);
      // Not among the concluded ones: nothing is settled.
      expect(uuids(await list('?reviewed=true'))).toEqual([twice.uuid]);
      const d = (await get(`/api/overrides/${metoprolol.uuid}`).expect(200)).body as OverrideDetail;
      expect([d.judgementsDiffer, d.judgements.length]).toEqual([true, 2]);
      // The CSV says so, with both judgements and who gave them.
      const csv = (await get('/api/overrides.csv?reviewed=differ').expect(200)).text.replace(/^\uFEFF/, '');
      const [header, row] = csv.split('\r\n');
      expect(header?.split(',').slice(-2)).toEqual(['review_state', 'judgements']);
      expect(row).toContain(metoprolol.uuid);
      expect(row?.endsWith(',judgements-differ,appropriate by carol; not-appropriate by alice')).toBe(true);

      // Each pharmacist's current judgement is their latest: alice comes round, and the override is settled.
      const settled = (await review(metoprolol.uuid, { status: 'appropriate' }).expect(201))
        .body as ReviewResponse;
      expect(settled.judgementsDiffer).toBe(false);
      expect(uuids(await list('?reviewed=differ'))).toEqual([]);
      expect(uuids(await list('?reviewed=true'))).toEqual([metoprolol.uuid, twice.uuid]);
      // A follow-up flag is not a judgement, and is the current review: the override waits for follow-up.
      await review(metoprolol.uuid, { status: 'follow-up' }, 'carol').expect(201);
      expect(uuids(await list('?reviewed=follow-up'))).toEqual([metoprolol.uuid]);
      expect((await list('?reviewed=follow-up')).items[0]?.judgements.map((j) => j.reviewer)).toEqual([
        'alice',
      ]);
    });

    it('refuses a bad body with 400 or 415, and an unknown or never-overridden card with 404, writing nothing', async () => {
      const before = (await t.store.audit.list({ action: 'override.review' })).length;
      expect(await review(clopidogrel.uuid, { status: 'fine' })).toBeOutcome(
        400,
        'ADMIN_INVALID_REQUEST',
        'invalid',
      );
      expect(await review(clopidogrel.uuid, {})).toBeOutcome(400, 'ADMIN_INVALID_REQUEST', 'invalid');
      expect(await review(clopidogrel.uuid, { status: 'appropriate', extra: 1 })).toBeOutcome(
        400,
        'ADMIN_INVALID_REQUEST',
        'invalid',
      );
      const text = await request(app)
        .post(`/api/overrides/${clopidogrel.uuid}/review`)
        .set('Authorization', `Bearer ${tokens.pharmacist}`)
        .set('Content-Type', 'text/plain')
        .send('appropriate');
      expect(text).toBeOutcome(415, 'HTTP_UNSUPPORTED_MEDIA_TYPE', 'not-supported');
      for (const uuid of ['no-such-card', acceptedCard.uuid]) {
        expect(await review(uuid, { status: 'appropriate' })).toBeOutcome(
          404,
          'ADMIN_UNKNOWN_OVERRIDE',
          'not-found',
        );
      }
      expect((await t.store.audit.list({ action: 'override.review' })).length).toBe(before);
      expect((await get(`/api/overrides/${clopidogrel.uuid}`).expect(200)).body).toMatchObject({
        history: [],
      });
    });
  });

  describe('the CSV export', () => {
    it('exports the filtered list as RFC 4180 CSV, formula-safe, and audits the export', async () => {
      const res = await get('/api/overrides.csv?drug=clopidogrel').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
      expect(res.headers['content-disposition']).toBe(
        'attachment; filename=overrides-clopidogrel-2026-05-20.csv',
      );
      // UTF-8 with its byte-order mark: a spreadsheet shows "Dr Róisín", not "Dr RÃ³isÃ­n".
      expect(res.text.startsWith('\uFEFF')).toBe(true);
      const text = res.text.slice(1);
      expect(text.endsWith('\r\n')).toBe(true);
      const lines = text.split('\r\n');
      expect(lines[0]).toBe(
        'overridden_at_utc,shown_at_utc,card_uuid,service,hook,drug,genes,indicator,summary,reason_code,' +
          'reason_display,comment,clinician,clinician_name,review_status,reviewed_by,reviewed_at_utc,review_note,' +
          'review_state,judgements',
      );
      expect(lines[1]).toContain(twice.uuid);
      expect(lines[1]).toContain(',benefit-outweighs-risk,,,Practitioner/dr-b,,appropriate,root,');
      // The comment: formula start neutralised, then quoted (comma, quotes doubled, a line break inside the field).
      expect(lines[2]).toContain(
        ',"\'=HYPERLINK(""x""), ""quoted""\nsecond line",Practitioner/dr-a,"Ada Lovelace, MD",,,,',
      );
      expect(lines).toHaveLength(4); // header, two records, the empty string after the last CRLF
      expect(text).not.toContain('Patient/');

      const [event] = await t.store.audit.list({ action: 'overrides.export' });
      expect(event).toMatchObject({ actor: 'alice', role: 'pharmacist', target: 'overrides' });
      expect(event?.details).toEqual({ filters: { drug: 'clopidogrel' }, rows: 2 });
    });

    it.each([
      ['?from=2026-05-01&to=2026-05-31', 'overrides-2026-05-01-to-2026-05-31.csv'],
      ['?from=2026-05-12T00:00:00Z', 'overrides-2026-05-12-to-2026-05-20.csv'],
      ['?to=2026-05-13', 'overrides-until-2026-05-13.csv'],
      [
        '?drug=Clopidogrel&gene=cyp2c19&reviewed=false&clinician=Dr%20Ró%2Fisín&from=2026-05-01',
        'overrides-clopidogrel-CYP2C19-Dr-Ro-isin-not-reviewed-2026-05-01-to-2026-05-20.csv',
      ],
      [
        '?indicator=critical&reason=will-monitor&reviewed=differ',
        'overrides-critical-will-monitor-judgements-differ-2026-05-20.csv',
      ],
    ])('names the export of %s after its filters and period', async (query, name) => {
      const res = await get(`/api/overrides.csv${query}`).expect(200);
      expect(res.headers['content-disposition']).toBe(`attachment; filename=${name}`);
    });

    it('refuses bad filters with 400 before writing anything', async () => {
      expect(await get('/api/overrides.csv?page=2')).toBeOutcome(400, 'ADMIN_INVALID_REQUEST', 'invalid');
    });
  });
  describe('the prescriber filter', () => {
    it('finds part of the name or reference in any case, accents and apostrophes as typed, wildcards as text', async () => {
      const obrien = await recordCard(t.store, {
        drug: 'clopidogrel',
        genes: [CYP2C19_PM],
        shownAt: '2026-05-16T08:00:00.000Z',
        clinician: 'Practitioner/SOB_1',
        clinicianName: "Dr Siobhán O'Brien",
      });
      await t.store.feedback.record([override(obrien, '2026-05-16T08:05:00.000Z')]);
      for (const query of ["o'brien", 'SIOBHÁN', 'siobhán o', 'practitioner/sob', 'sob_1']) {
        expect(uuids(await list(`?clinician=${encodeURIComponent(query)}`))).toEqual([obrien.uuid]);
      }
      expect(uuids(await list('?clinician=lovelace'))).toEqual([clopidogrel.uuid]);
      expect(uuids(await list('?clinician=dr-'))).toEqual([metoprolol.uuid, twice.uuid, clopidogrel.uuid]);
      // LIKE's wildcards are matched as themselves: "_" is not any character, "%" not any text.
      for (const query of ['%', 'sob%1', 'dr_a', 'o_brien']) {
        expect(uuids(await list(`?clinician=${encodeURIComponent(query)}`))).toEqual([]);
      }
    });
  });
});
