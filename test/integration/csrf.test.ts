/**
 * Cross-site request forgery on writes signed in by the page session cookie (src/http/origin.ts): a write a browser
 * says comes from another site, or whose Origin names another origin, is refused (403 `AUTH_CROSS_ORIGIN`) and
 * nothing is written; the pages' own writes, bearer-token clients and `/cds-services` are unaffected.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import request from 'supertest';
import { createApp } from '../../src/app';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { cardIssuingHandler, sandboxRequest } from '../helpers/cds';
import { hs256Bearer } from '../helpers/users';

const KEY = new TextEncoder().encode('bearer-test-key-of-at-least-32-characters');
const bearer = hs256Bearer(KEY);
const OWN_ORIGIN = 'http://127.0.0.1:3000';

function token(sub: string, roles: readonly string[]): Promise<string> {
  return new SignJWT({ roles: [...roles] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setJti(randomUUID())
    .setExpirationTime('5m')
    .sign(KEY);
}

describe('writes signed in by the page session cookie', () => {
  let t: TestApp;
  let app: TestApp['app'];
  const stub = cardIssuingHandler();

  beforeAll(async () => {
    t = await startTestApp({
      env: { PUBLIC_BASE_URL: OWN_ORIGIN, SESSION_SECRET: 'session-secret-of-at-least-32-characters' },
      handlers: { 'order-sign': stub.handler },
    });
    app = createApp({ ...t.deps, userAuthenticator: bearer });
  });
  afterAll(async () => {
    await t.close();
  });

  async function sessionCookie(sub: string): Promise<string> {
    const res = await request(app).get(`/auth/sign-in-link?token=${await token(sub, ['informaticist'])}`);
    expect(res.status).toBe(303);
    const header = ([] as string[])
      .concat(res.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('pgx_session='));
    return (header ?? '').split(';')[0] ?? '';
  }

  async function draftVersions(): Promise<string[]> {
    return (await t.store.thresholds.list()).map((s) => s.version);
  }

  it.each([
    ['a foreign Origin', { Origin: 'https://evil.example' }],
    ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site', Origin: 'null' }],
    ['Sec-Fetch-Site: cross-site without Origin', { 'Sec-Fetch-Site': 'cross-site' }],
    ['the own host on another port', { Origin: 'http://127.0.0.1:3001' }],
  ])('refuses a cookie write with %s (403) and writes nothing', async (_name, headers) => {
    const cookie = await sessionCookie('mallory-victim');
    const version = `csrf-${randomUUID().slice(0, 8)}`;
    const res = await request(app)
      .post('/api/thresholds/drafts')
      .set('Cookie', cookie)
      .set(headers)
      .send({ version });
    expect(res).toBeOutcome(403, 'AUTH_CROSS_ORIGIN');
    expect(await draftVersions()).not.toContain(version);
    expect(await t.store.audit.list({ actor: 'mallory-victim', action: 'thresholds.draft.create' })).toEqual(
      [],
    );
    // Reading is not a change: the same cookie from the same site still reads.
    expect((await request(app).get('/api/thresholds').set('Cookie', cookie)).status).toBe(200);
  });

  it.each([
    ['the own Origin', { Origin: OWN_ORIGIN, 'Sec-Fetch-Site': 'same-origin' }],
    ['Origin: null from the pages (no-referrer)', { Origin: 'null', 'Sec-Fetch-Site': 'same-origin' }],
    ['neither header (not a browser)', {}],
  ])('takes a cookie write with %s', async (_name, headers) => {
    const cookie = await sessionCookie('alice');
    const version = `own-${randomUUID().slice(0, 8)}`;
    await request(app)
      .post('/api/thresholds/drafts')
      .set('Cookie', cookie)
      .set(headers)
      .send({ version })
      .expect(201);
    expect(await draftVersions()).toContain(version);
  });

  it('takes a bearer-token write whatever its Origin, and one without Origin', async () => {
    const auth = { Authorization: `Bearer ${await token('tool', ['informaticist'])}` };
    const first = `bearer-${randomUUID().slice(0, 8)}`;
    await request(app).post('/api/thresholds/drafts').set(auth).send({ version: first }).expect(201);
    const second = `bearer-${randomUUID().slice(0, 8)}`;
    await request(app)
      .post('/api/thresholds/drafts')
      .set(auth)
      .set('Origin', 'https://tool.example')
      .send({ version: second })
      .expect(201);
    expect(await draftVersions()).toEqual(expect.arrayContaining([first, second]));
  });

  it('leaves /cds-services alone: a hook call and its feedback from an allowed browser origin', async () => {
    const origin = 'https://sandbox.cds-hooks.org';
    const call = await request(app)
      .post('/cds-services/pgx-order-sign')
      .set('Origin', origin)
      .set('Sec-Fetch-Site', 'cross-site')
      .send(sandboxRequest('sandbox-order-sign-clopidogrel.json', undefined))
      .expect(200);
    const [card] = (call.body as { cards: { uuid: string }[] }).cards;
    await request(app)
      .post('/cds-services/pgx-order-sign/feedback')
      .set('Origin', origin)
      .set('Sec-Fetch-Site', 'cross-site')
      .send({
        feedback: [{ card: card?.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-22T10:14:00Z' }],
      })
      .expect(200);
    expect(await t.store.feedback.listForCard(card?.uuid ?? '')).toHaveLength(1);
  });
});
