/**
 * Governance figures (`GET /api/kpis`, src/admin/kpis.ts) on a recorded set whose answers this test knows, built
 * through the store: order-sign calls with and without cards, an order-select card, outcomes, override reasons,
 * ratings and reviews, and cards just outside the period. Both stores; users signed in with bearer tokens.
 */
import request from 'supertest';
import { createApp } from '../../src/app';
import type { KpiGroup, KpiReport } from '../../src/admin/schemas';
import type { CardRecord } from '../../src/store';
import { AT } from '../fixtures/rules/builders';
import { textProblems } from '../helpers/card-text';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { startTestIssuer } from '../helpers/oidc';
import type { TestIssuer } from '../helpers/oidc';
import { createTestDatabase } from '../helpers/postgres';
import type { TestDatabase } from '../helpers/postgres';
import {
  LOW_RESTING_HR,
  accepted,
  labResult,
  laterHeartRateCall,
  override,
  recordCard,
  recordQuietCall,
} from '../helpers/review-data';

const CYP2C19_PM = labResult('CYP2C19', 'Poor Metabolizer', '*2/*2', '2025-11-03');
const CYP2D6_PM = labResult('CYP2D6', 'Poor Metabolizer', '*4/*4', '2024-02-20', '0.0');
const NOW = new Date('2026-05-20T12:00:00.000Z');
const DAY_MS = 86_400_000;
/** Days from a result's effective date (UTC midnight) to when a card was shown. */
const ageDays = (shown: string, resultDate: string) =>
  (Date.parse(shown) - Date.parse(`${resultDate}T00:00:00Z`)) / DAY_MS;

const stores = [
  {
    engine: 'sqlite',
    create: (): Promise<TestDatabase> => Promise.resolve({ url: ':memory:', drop: () => Promise.resolve() }),
  },
  { engine: 'postgres', create: createTestDatabase },
] as const;

describe.each(stores)('KPIs on $engine', ({ create }) => {
  let database: TestDatabase;
  let issuer: TestIssuer;
  let t: TestApp;
  let app: TestApp['app'];
  let informaticist: string;
  /** 14 May: c1 accepted, c2 overridden (reason, reviewed appropriate), two order-sign calls without a card. */
  let c1: CardRecord;
  let c2: CardRecord;
  /** 15 May: c3 metoprolol with wearable evidence, overridden without a reason, flagged for follow-up. */
  let c3: CardRecord;

  beforeAll(async () => {
    database = await create();
    issuer = await startTestIssuer();
    t = await startTestApp({ env: issuer.env(), databaseUrl: database.url });
    app = createApp({ ...t.deps, now: () => NOW });
    informaticist = await issuer.token('ivan', { claims: { roles: ['informaticist'] } });
    const { store } = t;
    c1 = await recordCard(store, {
      drug: 'clopidogrel',
      genes: [CYP2C19_PM],
      shownAt: '2026-05-14T10:00:00.000Z',
    });
    c2 = await recordCard(store, {
      drug: 'clopidogrel',
      genes: [CYP2C19_PM],
      shownAt: '2026-05-14T11:00:00.000Z',
    });
    await recordQuietCall(store, '2026-05-14T12:00:00.000Z');
    await recordQuietCall(store, '2026-05-14T13:00:00.000Z');
    c3 = await recordCard(store, {
      drug: 'metoprolol',
      genes: [CYP2D6_PM],
      shownAt: AT,
      facts: LOW_RESTING_HR,
    });
    // An order-select card: shown, but not part of the order-sign burden.
    await recordCard(store, {
      drug: 'clopidogrel',
      genes: [CYP2C19_PM],
      shownAt: '2026-05-15T09:30:00.000Z',
      hook: 'order-select',
    });
    await recordQuietCall(store, '2026-05-15T10:00:00.000Z');
    // Just outside 14–15 May.
    await recordQuietCall(store, '2026-05-13T23:59:59.999Z');
    const late = await recordCard(store, {
      drug: 'clopidogrel',
      genes: [CYP2C19_PM],
      shownAt: '2026-05-16T00:00:00.000Z',
    });

    await store.feedback.record([
      accepted(c1, '2026-05-14T10:01:00.000Z'),
      override(c2, '2026-05-14T11:01:00.000Z', { code: 'patient-tolerated', display: 'Tolerated' }),
      override(c3, '2026-05-15T09:01:00.000Z'),
      override(late, '2026-05-16T00:01:00.000Z', { code: 'other' }),
    ]);
    await store.ratings.upsert({
      cardUuid: c1.uuid,
      rater: 'Practitioner/a',
      rating: 'useful',
      ratedAt: NOW,
    });
    await store.ratings.upsert({
      cardUuid: c2.uuid,
      rater: 'Practitioner/a',
      rating: 'too-often',
      ratedAt: NOW,
    });
    await store.ratings.upsert({
      cardUuid: c3.uuid,
      rater: 'Practitioner/b',
      rating: 'not-useful',
      ratedAt: NOW,
    });
    const reviewer = { reviewer: 'alice', reviewerRole: 'pharmacist', at: NOW };
    await store.overrides.addReview({ cardUuid: c2.uuid, status: 'follow-up', ...reviewer });
    // A second pharmacist judges c2 first (not appropriate); alice's judgement then stands as the current review.
    await store.overrides.addReview({
      cardUuid: c2.uuid,
      status: 'not-appropriate',
      ...reviewer,
      reviewer: 'bob',
    });
    await store.overrides.addReview({ cardUuid: c2.uuid, status: 'appropriate', ...reviewer }); // supersedes
    await store.overrides.addReview({ cardUuid: c3.uuid, status: 'follow-up', ...reviewer });
    await store.overrides.addReview({ cardUuid: late.uuid, status: 'not-appropriate', ...reviewer });
  });
  afterAll(async () => {
    await t.close();
    await issuer.close();
    await database.drop();
  });

  const kpis = async (query: string): Promise<KpiReport> => {
    const res = await request(app).get(`/api/kpis${query}`).set('Authorization', `Bearer ${informaticist}`);
    expect(res.status).toBe(200);
    return res.body as KpiReport;
  };

  it('gives the totals of the period', async () => {
    const r = await kpis('?from=2026-05-14&to=2026-05-15');
    expect(r).toMatchObject({
      from: '2026-05-14T00:00:00.000Z',
      to: '2026-05-16T00:00:00.000Z',
      groupBy: 'rule',
      orderSignCalls: 6,
    });
    expect(r.totals).toMatchObject({
      cards: 4,
      orderSignCards: 3,
      cardsPer100OrderSign: 50,
      withOutcome: 3,
      accepted: 1,
      overridden: 2,
      acceptanceRate: 0.3333,
      overrideRate: 0.6667,
      overrideReasons: [
        { code: '(none)', count: 1 },
        { code: 'patient-tolerated', display: 'Tolerated', count: 1 },
      ],
      ratings: { useful: 1, 'not-useful': 1, 'too-often': 1, 'wrong-patient': 0 },
      reviewedShare: 0.5,
      // c2's current review says appropriate, but bob's judgement (not appropriate) still stands against alice's:
      // concluded, not settled appropriate.
      appropriateShare: 0,
      judgementsDiffer: 1,
      followUp: 1,
      // c2, judged by bob then alice, who disagree: one pair; with one pair, chance agreement is 0.
      reviewerAgreement: { overrides: 1, agreed: 0, kappa: 0 },
      sensorAgeHours: { count: 1, median: 1, max: 1 },
    });
    // PGx results behind the four cards: CYP2C19 of 3 Nov 2025 (three clopidogrel cards), CYP2D6 of 20 Feb 2024.
    const ages = [
      ageDays('2026-05-14T10:00:00Z', '2025-11-03'),
      ageDays('2026-05-14T11:00:00Z', '2025-11-03'),
      ageDays('2026-05-15T09:30:00Z', '2025-11-03'),
      ageDays(AT, '2024-02-20'),
    ];
    expect(r.totals.pgxAgeDays.count).toBe(4);
    expect(r.totals.pgxAgeDays.median).toBeCloseTo((ages[1]! + ages[2]!) / 2, 3);
    expect(r.totals.pgxAgeDays.max).toBeCloseTo(ages[3]!, 3);
  });

  it('gives the figures per rule: the CPIC row behind the clopidogrel cards, and each rule behind the metoprolol card', async () => {
    const r = await kpis('?from=2026-05-14&to=2026-05-15&groupBy=rule');
    const byKey = new Map(r.groups.map((g) => [g.key, g]));
    const clopidogrelRule = c1.ruleIds[0]!;
    expect(c2.ruleIds).toEqual([clopidogrelRule]);
    expect(byKey.get(clopidogrelRule)).toMatchObject<Partial<KpiGroup>>({
      rule: clopidogrelRule,
      // Named by its drug and gene too, so the page need not show a bare rule id.
      drug: 'clopidogrel',
      gene: 'CYP2C19',
      cards: 3,
      orderSignCards: 2,
      cardsPer100OrderSign: 33.3333,
      withOutcome: 2,
      acceptanceRate: 0.5,
      overrideRate: 0.5,
      ratings: { useful: 1, 'not-useful': 0, 'too-often': 1, 'wrong-patient': 0 },
      reviewedShare: 1,
      appropriateShare: 0,
      judgementsDiffer: 1,
      followUp: 0,
      sensorAgeHours: { count: 0, median: null, max: null },
    });
    expect(c3.ruleIds.length).toBeGreaterThan(0);
    for (const rule of c3.ruleIds) {
      expect(byKey.get(rule)).toMatchObject<Partial<KpiGroup>>({
        cards: 1,
        orderSignCards: 1,
        cardsPer100OrderSign: 16.6667,
        acceptanceRate: 0,
        overrideRate: 1,
        overrideReasons: [{ code: '(none)', count: 1 }],
        reviewedShare: 0,
        appropriateShare: null,
        followUp: 1,
        sensorAgeHours: { count: 1, median: 1, max: 1 },
      });
    }
    expect(r.groups).toHaveLength(1 + c3.ruleIds.length);
    // The page names each rule in words, never by its id.
    expect(byKey.get(clopidogrelRule)?.label).toMatch(/^CPIC recommendation for CYP2C19 \S/);
    for (const g of r.groups) {
      expect(g.label).toMatch(/^(CPIC recommendation for |Sensor rule: )/);
      expect(textProblems(g.label ?? '')).toEqual([]);
    }
  });

  it('gives the figures per drug–gene pair', async () => {
    const r = await kpis('?from=2026-05-14&to=2026-05-15&groupBy=pair');
    expect(r.groups.map((g) => [g.key, g.drug, g.gene, g.cards, g.overridden])).toEqual([
      ['clopidogrel|CYP2C19', 'clopidogrel', 'CYP2C19', 3, 1],
      ['metoprolol|CYP2D6', 'metoprolol', 'CYP2D6', 1, 1],
    ]);
  });

  it('gives a daily series for the charts', async () => {
    const r = await kpis('?from=2026-05-14&to=2026-05-15');
    expect(r.daily).toEqual([
      {
        day: '2026-05-14',
        orderSignCalls: 4,
        orderSignCards: 2,
        cardsPer100OrderSign: 50,
        accepted: 1,
        overridden: 1,
      },
      {
        day: '2026-05-15',
        orderSignCalls: 2,
        orderSignCards: 1,
        cardsPer100OrderSign: 50,
        accepted: 0,
        overridden: 1,
      },
    ]);
  });

  it('defaults to the 30 days before now', async () => {
    const r = await kpis('');
    expect(r).toMatchObject({ from: '2026-04-20T12:00:00.000Z', to: NOW.toISOString(), orderSignCalls: 8 });
    expect(r.totals).toMatchObject({ cards: 5, overridden: 3 });
    expect(r.daily).toHaveLength(31);
    expect(r.daily.filter((d) => d.cardsPer100OrderSign === null)).toHaveLength(27);
  });

  it('is open to pharmacists and informaticists, not to clinicians', async () => {
    const pharmacist = await issuer.token('alice', { claims: { roles: ['pharmacist'] } });
    const clinician = await issuer.token('carl', { claims: { roles: ['clinician'] } });
    await request(app).get('/api/kpis').set('Authorization', `Bearer ${pharmacist}`).expect(200);
    const refused = await request(app).get('/api/kpis').set('Authorization', `Bearer ${clinician}`);
    expect(refused).toBeOutcome(403, 'AUTH_FORBIDDEN', 'forbidden');
    expect(await request(app).get('/api/kpis')).toBeOutcome(401, 'AUTH_UNAUTHORIZED', 'login');
  });

  it('counts the "will monitor" overrides of alerts on wearable data, and those followed by new readings', async () => {
    // In June, away from the other tests' periods: two metoprolol alerts on a low resting heart rate overridden with
    // "will monitor", one patient's later call bringing new readings, the other patient never called again; and a
    // clopidogrel alert (no wearable rule) overridden the same way, which promises nothing the data could show.
    const followed = await recordCard(t.store, {
      drug: 'metoprolol',
      genes: [CYP2D6_PM],
      shownAt: '2026-06-02T09:00:00.000Z',
      facts: LOW_RESTING_HR,
    });
    const notFollowed = await recordCard(t.store, {
      drug: 'metoprolol',
      genes: [CYP2D6_PM],
      shownAt: '2026-06-02T10:00:00.000Z',
      facts: LOW_RESTING_HR,
      patientRef: 'Patient/not-seen-again',
    });
    const noWearables = await recordCard(t.store, {
      drug: 'clopidogrel',
      genes: [CYP2C19_PM],
      shownAt: '2026-06-02T11:00:00.000Z',
    });
    const willMonitor = { code: 'will-monitor' };
    await t.store.feedback.record([
      override(followed, '2026-06-02T09:01:00.000Z', willMonitor),
      override(notFollowed, '2026-06-02T10:01:00.000Z', willMonitor),
      override(noWearables, '2026-06-02T11:01:00.000Z', willMonitor),
    ]);
    const june = async () => (await kpis('?from=2026-06-01&to=2026-06-10&groupBy=pair')).totals;
    expect((await june()).monitoringPromised).toEqual({ overrides: 2, withNewReadings: 0 });
    // A call three days after the first alert, for its patient, with daily readings up to that day: 50/min.
    await t.store.invocations.record(laterHeartRateCall('Patient/review-example', 21, 50));
    expect((await june()).monitoringPromised).toEqual({ overrides: 2, withNewReadings: 1 });
  });

  it.each([
    '?groupBy=drug',
    '?from=2026-05-15&to=2026-05-14',
    '?from=2025-01-01&to=2026-05-01',
    '?from=soon',
  ])('refuses %s with 400', async (query) => {
    const res = await request(app).get(`/api/kpis${query}`).set('Authorization', `Bearer ${informaticist}`);
    expect(res).toBeOutcome(400, 'ADMIN_INVALID_REQUEST', 'invalid');
  });
});
