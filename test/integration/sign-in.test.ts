/**
 * Page sign-in (issue 10 item 5, the page half) without an identity provider: a one-time sign-in link exchanges a
 * bearer token the `/api` authenticator accepts for a page session (once per token `jti`); the session cookie is
 * HttpOnly, SameSite=Lax, signed, Secure outside development; `/admin` pages need the session and a role; sign-out
 * ends it on the server. Both store engines. The OpenID Connect flow runs in a browser in browser/sign-in.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import request from 'supertest';
import { createApp } from '../../src/app';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { createTestDatabase } from '../helpers/postgres';
import type { TestDatabase } from '../helpers/postgres';
import { hs256Bearer } from '../helpers/users';

const KEY = new TextEncoder().encode('bearer-test-key-of-at-least-32-characters');

/** Bearer tokens of the test's own issuer (HS256): the sign-in link carries one. */
const bearer = hs256Bearer(KEY);

function token(sub: string, roles: readonly string[], jti: string | null = randomUUID()): Promise<string> {
  const jwt = new SignJWT({ roles: [...roles] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('5m');
  return (jti ? jwt.setJti(jti) : jwt).sign(KEY);
}

function fakeWebRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'web-'));
  mkdirSync(path.join(root, 'assets'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>pages</title>');
  return root;
}

/** The `name=value` of the session cookie a response sets, and its attributes. */
function sessionCookie(res: request.Response): { pair: string; attributes: string } {
  const header = ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith('pgx_session='));
  const [pair = '', ...attributes] = (header ?? '').split(';').map((p) => p.trim());
  return { pair, attributes: attributes.join('; ') };
}

const engines: [string, () => Promise<TestDatabase | undefined>][] = [
  ['SQLite', () => Promise.resolve(undefined)],
  ['PostgreSQL', createTestDatabase],
];

describe.each(engines)('page sign-in on %s', (_engine, createDatabase) => {
  let database: TestDatabase | undefined;
  let t: TestApp;
  let app: TestApp['app'];

  beforeAll(async () => {
    database = await createDatabase();
    t = await startTestApp({
      env: {
        PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
        SESSION_SECRET: 'session-secret-of-at-least-32-characters',
      },
      webRoot: fakeWebRoot(),
      ...(database ? { databaseUrl: database.url } : {}),
    });
    app = createApp({ ...t.deps, userAuthenticator: bearer });
  });
  afterAll(async () => {
    await t.close();
    await database?.drop();
  });

  async function signIn(sub: string, roles: readonly string[]): Promise<string> {
    const res = await request(app).get(`/auth/sign-in-link?token=${await token(sub, roles)}`);
    expect(res.status).toBe(303);
    return sessionCookie(res).pair;
  }

  it('exchanges a sign-in link for a session cookie: HttpOnly, SameSite=Lax, not Secure in development', async () => {
    const res = await request(app).get(`/auth/sign-in-link?token=${await token('alice', ['pharmacist'])}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin');
    const { pair, attributes } = sessionCookie(res);
    expect(pair).toMatch(/^pgx_session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(attributes).toContain('HttpOnly');
    expect(attributes).toContain('SameSite=Lax');
    expect(attributes).toContain('Path=/');
    expect(attributes).not.toContain('Secure');
  });

  it('opens the pages for a signed-in pharmacist and says who is signed in', async () => {
    const cookie = await signIn('alice', ['pharmacist']);
    const page = await request(app).get('/admin').set('Cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const me = await request(app).get('/auth/me').set('Cookie', cookie);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: 'alice', roles: ['pharmacist'], method: 'sign-in-link' });
    // The session also authenticates the JSON APIs the pages call (404: the path exists on no API).
    expect(await request(app).get('/api/x').set('Cookie', cookie)).toBeOutcome(404, 'HTTP_NOT_FOUND');
  });

  it('refuses a sign-in link used twice, without a jti, or with a token the service does not accept', async () => {
    const once = await token('bob', ['informaticist']);
    expect((await request(app).get(`/auth/sign-in-link?token=${once}`)).status).toBe(303);
    // A browser gets the page, which says so in words, with the same status.
    const page = await request(app).get(`/auth/sign-in-link?token=${once}`).set('Accept', 'text/html');
    expect(page.status).toBe(403);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    for (const t2 of [once, await token('bob', ['informaticist'], null), 'not-a-token', '']) {
      expect(await request(app).get(`/auth/sign-in-link?token=${t2}`)).toBeOutcome(
        403,
        'AUTH_SIGN_IN_REFUSED',
      );
    }
  });

  it('refuses the pages to a clinician (403) and to a forged or absent cookie (401)', async () => {
    const clinician = await signIn('carol', ['clinician']);
    expect(await request(app).get('/admin').set('Cookie', clinician)).toBeOutcome(403, 'AUTH_FORBIDDEN');
    // A browser gets the page, which says so in words, with the same status.
    const page = await request(app).get('/admin').set('Cookie', clinician).set('Accept', 'text/html');
    expect(page.status).toBe(403);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const pharmacist = await signIn('alice', ['pharmacist']);
    const forged = `${pharmacist.slice(0, -3)}abc`;
    expect(await request(app).get('/admin').set('Cookie', forged)).toBeOutcome(401, 'AUTH_UNAUTHORIZED');
    expect(await request(app).get('/admin/overrides')).toBeOutcome(401, 'AUTH_UNAUTHORIZED');
  });

  it('signs out on the server: the old cookie opens nothing afterwards', async () => {
    const cookie = await signIn('alice', ['pharmacist']);
    const out = await request(app)
      .post('/auth/sign-out')
      .set('Cookie', cookie)
      .set('Origin', 'http://127.0.0.1:3000');
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/signed-out');
    expect(sessionCookie(out).pair).toBe('pgx_session=');
    expect(await request(app).get('/admin').set('Cookie', cookie)).toBeOutcome(401, 'AUTH_UNAUTHORIZED');
    expect(await request(app).get('/auth/me').set('Cookie', cookie)).toBeOutcome(401, 'AUTH_UNAUTHORIZED');
  });

  it('refuses a sign-out posted from another site', async () => {
    const cookie = await signIn('alice', ['pharmacist']);
    const crossSite = await request(app)
      .post('/auth/sign-out')
      .set('Cookie', cookie)
      .set('Origin', 'null')
      .set('Sec-Fetch-Site', 'cross-site');
    expect(crossSite).toBeOutcome(403, 'AUTH_SIGN_IN_REFUSED');
    const res = await request(app)
      .post('/auth/sign-out')
      .set('Cookie', cookie)
      .set('Origin', 'https://evil.example');
    expect(res).toBeOutcome(403, 'AUTH_SIGN_IN_REFUSED');
    expect((await request(app).get('/admin').set('Cookie', cookie)).status).toBe(200);
  });

  it('records sign-in and sign-out in the audit trail: who, roles, when, how; no token', async () => {
    const signed = await new SignJWT({ roles: ['pharmacist', 'informaticist'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('dora')
      .setIssuer('http://127.0.0.1:3000/dev')
      .setJti(randomUUID())
      .setExpirationTime('5m')
      .sign(KEY);
    const res = await request(app).get(`/auth/sign-in-link?token=${signed}`);
    expect(res.status).toBe(303);
    const cookie = sessionCookie(res).pair;
    const signIns = await t.store.audit.list({ actor: 'dora', action: 'session.sign-in' });
    expect(signIns).toHaveLength(1);
    expect(signIns[0]).toMatchObject({
      actor: 'dora',
      role: 'pharmacist informaticist',
      target: 'user:dora',
      details: {
        method: 'sign-in-link',
        roles: ['pharmacist', 'informaticist'],
        issuer: 'http://127.0.0.1:3000/dev',
      },
    });
    expect(Math.abs(signIns[0]!.at.getTime() - Date.now())).toBeLessThan(60_000);
    await request(app)
      .post('/auth/sign-out')
      .set('Cookie', cookie)
      .set('Origin', 'http://127.0.0.1:3000')
      .expect(303);
    // A second sign-out with the same cookie ends nothing and records nothing.
    await request(app)
      .post('/auth/sign-out')
      .set('Cookie', cookie)
      .set('Origin', 'http://127.0.0.1:3000')
      .expect(303);
    const signOuts = await t.store.audit.list({ actor: 'dora', action: 'session.sign-out' });
    expect(signOuts).toHaveLength(1);
    expect(signOuts[0]).toMatchObject({
      role: 'pharmacist informaticist',
      target: 'user:dora',
      details: { method: 'sign-in-link', signedInAt: signIns[0]!.at.toISOString() },
    });
    const recorded = JSON.stringify(await t.store.audit.list({ actor: 'dora' }));
    expect(recorded).not.toContain(signed);
    expect(recorded).not.toContain(cookie.split('=')[1]!.split('.')[0]!);
  });

  it('records no sign-in for a refused sign-in link', async () => {
    const once = await token('erin', ['pharmacist']);
    await request(app).get(`/auth/sign-in-link?token=${once}`).expect(303);
    await request(app).get(`/auth/sign-in-link?token=${once}`).expect(403);
    expect(await t.store.audit.list({ actor: 'erin', action: 'session.sign-in' })).toHaveLength(1);
  });

  it('says sign-in with a provider is not configured when OIDC_ISSUER is unset', async () => {
    expect(await request(app).get('/auth/sign-in')).toBeOutcome(404, 'AUTH_SIGN_IN_UNAVAILABLE');
  });
});

describe('the session cookie outside development', () => {
  it('is Secure', async () => {
    const t = await startTestApp({ env: { NODE_ENV: 'staging' } });
    const app = createApp({ ...t.deps, userAuthenticator: bearer });
    const res = await request(app).get(`/auth/sign-in-link?token=${await token('alice', ['pharmacist'])}`);
    expect(sessionCookie(res).attributes).toContain('Secure');
    await t.close();
  });
});
