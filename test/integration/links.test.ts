/**
 * The cards' signed page links (issue 9 "full explanation", issue 10 item 1 "Rate this alert") over HTTP, on both
 * store engines: every card carries both links, absolute and spec-valid; the rating JSON shows the card as it was
 * shown and takes one changeable answer per clinician (audited); the explanation lists every CPIC row that may apply
 * (expected rows from the in-repo CPIC data, not from the code); expired, forged, wrong-purpose and wrong-card links
 * are refused with 403.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { DEFAULT_THRESHOLDS } from '../../src/rules/thresholds';
import type { Card } from '../../src/cds/types';
import type { ExplanationView, RatePageView, RatingSaved } from '../../src/links/contract';
import { createLinkSigner } from '../../src/links/tokens';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { cdsFixture, sandboxRequest } from '../helpers/cds';
import { createTestDatabase } from '../helpers/postgres';
import type { TestDatabase } from '../helpers/postgres';
import { cpicCall, cpicRows } from '../reference';

const BASE = 'https://cds.example.org';
const SECRET = 'test-link-secret-with-at-least-32-characters';
const FIXTURE = 'sandbox-order-sign-clopidogrel.json';
/** The clinician the sandbox names in `context.userId`. */
const USER_ID = (cdsFixture(FIXTURE).context as { userId: string }).userId;

/** A stand-in for the built front end: the page routes only need its `index.html`. */
function fakeWebRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'web-'));
  mkdirSync(path.join(root, 'assets'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>pages</title><div id="app"></div>');
  writeFileSync(path.join(root, 'assets', 'app-abc123.js'), 'console.log(1)');
  return root;
}

/**
 * The token with the first character of its signature changed. Not the last ones: the last base64url character of
 * a 32-byte signature carries two padding bits, so changing it can leave the decoded signature as it was (which
 * made this test fail about once in a thousand runs).
 */
function forged(token: string): string {
  const dot = token.lastIndexOf('.');
  return `${token.slice(0, dot + 1)}${token[dot + 1] === 'A' ? 'B' : 'A'}${token.slice(dot + 2)}`;
}

function tokenOf(url: string): string {
  return new URL(url).searchParams.get('t') ?? '';
}

const engines: [string, () => Promise<TestDatabase | undefined>][] = [
  ['SQLite', () => Promise.resolve(undefined)],
  ['PostgreSQL', createTestDatabase],
];

describe.each(engines)('card page links on %s', (_engine, createDatabase) => {
  let database: TestDatabase | undefined;
  let t: TestApp;
  let card: Card;
  let rateUrl: string;
  let explainUrl: string;

  beforeAll(async () => {
    database = await createDatabase();
    t = await startTestApp({
      env: { PUBLIC_BASE_URL: BASE, LINK_SECRET: SECRET, LINK_TTL_DAYS: '14' },
      webRoot: fakeWebRoot(),
      ...(database ? { databaseUrl: database.url } : {}),
    });
    const res = await request(t.app)
      .post('/cds-services/pgx-order-sign')
      .send(sandboxRequest(FIXTURE, undefined));
    expect(res.status).toBe(200);
    expect(res.body).toBeSpecValid();
    card = (res.body as { cards: Card[] }).cards[0]!;
    rateUrl = card.links?.find((l) => l.label === 'Rate this alert')?.url ?? '';
    explainUrl = card.links?.find((l) => l.label === 'Full explanation')?.url ?? '';
  });
  afterAll(async () => {
    await t.close();
    await database?.drop();
  });

  it('gives every card an absolute rating link and an absolute explanation link on PUBLIC_BASE_URL', () => {
    expect(card.uuid).toBeDefined();
    const ours = card.links?.filter((l) => l.url.startsWith(BASE)) ?? [];
    expect(ours.map((l) => [l.label, l.type])).toEqual([
      ['Rate this alert', 'absolute'],
      ['Full explanation', 'absolute'],
    ]);
    expect(rateUrl.split('?')[0]).toBe(`${BASE}/rate/${card.uuid!}`);
    expect(explainUrl.split('?')[0]).toBe(`${BASE}/explain/${card.uuid!}`);
    expect(tokenOf(rateUrl)).not.toBe(tokenOf(explainUrl));
  });

  it('opens the pages with a valid link, never cached, and refuses the other page’s token with 403', async () => {
    const page = await request(t.app).get(`/rate/${card.uuid!}?t=${tokenOf(rateUrl)}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await request(t.app).get(`/explain/${card.uuid!}?t=${tokenOf(explainUrl)}`)).status).toBe(200);
    expect((await request(t.app).get(`/explain/${card.uuid!}?t=${tokenOf(rateUrl)}`)).status).toBe(403);
    expect((await request(t.app).get(`/rate/${card.uuid!}`)).status).toBe(403);
  });

  it('serves the front end’s hashed assets with a one-year immutable cache', async () => {
    const res = await request(t.app).get('/assets/app-abc123.js');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('shows the card as it was shown, without its own page links', async () => {
    const res = await request(t.app)
      .get(`/api/links/rate/${card.uuid!}`)
      .set('Authorization', `Bearer ${tokenOf(rateUrl)}`);
    expect(res.status).toBe(200);
    const view = res.body as RatePageView;
    const { links, ...rest } = card;
    expect(view.card).toEqual({ ...rest, links: links?.filter((l) => !l.url.startsWith(BASE)) });
    expect(view.answer).toBeUndefined();
    expect(new Date(view.linkExpiresAt).getTime() - Date.now()).toBeGreaterThan(13.9 * 86_400_000);
    // What each answer does, with the policy's numbers in force (the default set: 30 days, one step, 30 % of 50).
    expect(DEFAULT_THRESHOLDS.volume).toMatchObject({ acknowledgedDays: 30, orderSignSteps: 1 });
    expect(view.effects?.['too-often']).toMatch(
      /^For 30 days, for this patient, .* shown one step lower at signing/,
    );
    expect(view.effects?.['too-often']).toContain('A CPIC Strong "avoid" is never lowered.');
    expect(view.effects?.['not-useful']).toContain("30 % of a rule's last 50 alerts are rated not useful");
    // Reported to the pharmacy, which follows it up (`/api/reports`); the alert itself is unchanged.
    expect(view.effects?.['wrong-patient']).toBe(
      'It does not change the alert. The pharmacy sees your report and follows it up: say in the comment what does not fit.',
    );
    expect(view.effects?.useful).toBeUndefined();
  });

  it('takes one answer per card and clinician, changeable, and keeps every answer in the audit trail', async () => {
    const auth = `Bearer ${tokenOf(rateUrl)}`;
    const first = await request(t.app)
      .put(`/api/links/rate/${card.uuid!}`)
      .set('Authorization', auth)
      .send({ rating: 'useful' });
    expect(first.status).toBe(201);
    expect((first.body as RatingSaved).created).toBe(true);

    const second = await request(t.app)
      .put(`/api/links/rate/${card.uuid!}`)
      .set('Authorization', auth)
      .send({ rating: 'too-often', comment: '  Seen it twice today.  ' });
    expect(second.status).toBe(200);
    expect((second.body as RatingSaved).answer).toMatchObject({
      rating: 'too-often',
      comment: 'Seen it twice today.',
    });

    const view = (await request(t.app).get(`/api/links/rate/${card.uuid!}`).set('Authorization', auth))
      .body as RatePageView;
    expect(view.answer?.rating).toBe('too-often');
    expect(await t.store.ratings.listForCard(card.uuid!)).toEqual([
      expect.objectContaining({ rater: USER_ID, rating: 'too-often', comment: 'Seen it twice today.' }),
    ]);
    expect((await t.store.ratings.historyForCard(card.uuid!)).map((r) => [r.rater, r.rating])).toEqual([
      [USER_ID, 'useful'],
      [USER_ID, 'too-often'],
    ]);
  });

  it('refuses an answer the page does not offer with 400 and stores nothing', async () => {
    const before = await t.store.ratings.historyForCard(card.uuid!);
    for (const body of [
      { rating: 'meh' },
      { rating: 'useful', comment: 'x'.repeat(2001) },
      {},
      { rating: 'useful', extra: 1 },
    ]) {
      const res = await request(t.app)
        .put(`/api/links/rate/${card.uuid!}`)
        .set('Authorization', `Bearer ${tokenOf(rateUrl)}`)
        .send(body);
      expect(res).toBeOutcome(400, 'LINK_INVALID_RATING');
    }
    expect(await t.store.ratings.historyForCard(card.uuid!)).toEqual(before);
  });

  it('explains the card with every CPIC row that may apply, from the recorded decision', async () => {
    const res = await request(t.app)
      .get(`/api/links/explain/${card.uuid!}`)
      .set('Authorization', `Bearer ${tokenOf(explainUrl)}`);
    expect(res.status).toBe(200);
    const view = res.body as ExplanationView;
    expect(view.card).toEqual({ summary: card.summary, indicator: card.indicator });
    const [decision] = view.decisions;
    const { phenotype } = cpicCall('CYP2C19', '*2/*2');
    expect(decision?.drug).toBe('clopidogrel');
    expect(decision?.genes.map((g) => [g.gene, g.diplotype, g.phenotype])).toEqual([
      ['CYP2C19', '*2/*2', phenotype],
    ]);
    expect(decision?.genes[0]?.sources).toEqual(['Observation/pgx-cyp2c19']);
    // Every row CPIC writes for this phenotype (one per population), the applied one first.
    const expected = cpicRows('clopidogrel', { CYP2C19: phenotype }).map(({ row }) => row.recommendation);
    expect(decision?.rows.map((r) => r.recommendation).sort()).toEqual([...expected].sort());
    expect(decision?.rows[0]?.applied).toBe(true);
    expect(decision?.rows.filter((r) => r.applied)).toHaveLength(1);
    expect(view.versions.knowledge).toEqual(expect.any(String));
    expect(view.versions.threshold).toEqual(expect.any(String));
    expect(JSON.stringify(view)).not.toContain('ruleId');
  });

  it('refuses a missing, forged, wrong-purpose, wrong-card or expired token with 403', async () => {
    const url = `/api/links/explain/${card.uuid!}`;
    const other = createLinkSigner({
      secret: 'another-secret-of-at-least-32-characters!',
      ttlDays: 14,
      publicBaseUrl: BASE,
    });
    const lapsed = createLinkSigner({
      secret: SECRET,
      ttlDays: 14,
      publicBaseUrl: BASE,
      now: () => new Date(Date.now() - 15 * 86_400_000),
    });
    const same = createLinkSigner({ secret: SECRET, ttlDays: 14, publicBaseUrl: BASE });
    const tokens = [
      '',
      await other.sign(card.uuid!, 'explain', USER_ID),
      tokenOf(rateUrl),
      await same.sign(randomUUID(), 'explain', USER_ID),
      await lapsed.sign(card.uuid!, 'explain', USER_ID),
      forged(tokenOf(explainUrl)),
    ];
    for (const token of tokens) {
      expect(await request(t.app).get(url).set('Authorization', `Bearer ${token}`)).toBeOutcome(
        403,
        'LINK_INVALID',
      );
    }
    const expiredPage = await request(t.app).get(
      `/explain/${card.uuid!}?t=${await lapsed.sign(card.uuid!, 'explain', USER_ID)}`,
    );
    expect(expiredPage.status).toBe(403);
  });

  it('answers a valid link to an unrecorded card with 404', async () => {
    const uuid = randomUUID();
    const token = await createLinkSigner({ secret: SECRET, ttlDays: 14, publicBaseUrl: BASE }).sign(
      uuid,
      'rate',
    );
    const res = await request(t.app).get(`/api/links/rate/${uuid}`).set('Authorization', `Bearer ${token}`);
    expect(res).toBeOutcome(404, 'LINK_UNKNOWN_CARD');
  });
});
