/**
 * Authentication per mount: `/api` and `/admin` need a signed-in user with a role (401 with a challenge when there
 * is none, 403 when the role is missing, both OperationOutcomes); `/cds-services` keeps the CDS client JWT, the
 * probes stay open, and `/metrics` takes the scraper's token or an admin. Roles and the admin rule are those of DESIGN.md ("Pharmacist ──▶ admin/ override
 * review", "Informaticist ──▶ admin/ thresholds"). Bearer tokens come from an injected authenticator here; page
 * sessions are tested in sign-in.test.ts.
 */
import type { Request } from 'express';
import request from 'supertest';
import { createApp } from '../../src/app';
import { firstSignedIn } from '../../src/http/auth';
import type { User, UserAuthenticator } from '../../src/http/auth';
import { TEST_METRICS_TOKEN, startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';

/** Past the `/admin` guard: the page shell of the web front end (the pages themselves are tested in a browser). */
function expectAdminPage(res: { status: number; headers: Record<string, string> }): void {
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
}

/** Bearer tokens the test authenticator accepts, and the users they stand for. */
const USERS: Record<string, User> = {
  'token-pharmacist': { id: 'u-pharm', roles: ['pharmacist'] },
  'token-informaticist': { id: 'u-info', roles: ['informaticist'] },
  'token-clinician': { id: 'u-clin', roles: ['clinician'] },
  'token-no-role': { id: 'u-none', roles: [] },
  'token-admin': { id: 'u-admin', roles: ['admin'] },
};
const CHALLENGE = 'Bearer realm="test-sign-in"';

const testAuthenticator: UserAuthenticator = {
  challenge: CHALLENGE,
  authenticate: (req: Request) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    return Promise.resolve(token === undefined ? undefined : USERS[token]);
  },
};

describe('the default user authenticator (development issuer; a token it cannot read)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(['/api/anything', '/admin/anything', '/admin'])(
    'answers %s with 401 and a challenge',
    async (path) => {
      const res = await request(t.app).get(path).set('Authorization', 'Bearer token-pharmacist');
      expect(res).toBeOutcome(401, 'AUTH_UNAUTHORIZED', 'login');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
    },
  );

  it('leaves the CDS and operations endpoints to their own rules', async () => {
    await request(t.app).get('/cds-services').expect(200);
    await request(t.app).get('/healthz').expect(200);
    await request(t.app).get('/readyz').expect(200);
  });
});

describe('/metrics without METRICS_TOKEN', () => {
  it('answers no bearer token as the scraper: only a signed-in admin may read it', async () => {
    const t = await startTestApp({ env: { METRICS_TOKEN: undefined } });
    try {
      const app = createApp({ ...t.deps, userAuthenticator: testAuthenticator });
      for (const token of [TEST_METRICS_TOKEN, 'undefined', '']) {
        const res = await request(app).get('/metrics').set('Authorization', `Bearer ${token}`);
        expect(res).toBeOutcome(401, 'AUTH_UNAUTHORIZED', 'login');
      }
      await request(app).get('/metrics').set('Authorization', 'Bearer token-admin').expect(200);
    } finally {
      await t.close();
    }
  });
});

describe('an injected user authenticator', () => {
  let t: TestApp;
  let app: TestApp['app'];
  beforeAll(async () => {
    t = await startTestApp();
    app = createApp({ ...t.deps, userAuthenticator: testAuthenticator });
  });
  afterAll(async () => {
    await t.close();
  });

  const get = (path: string, token?: string) => {
    const req = request(app).get(path);
    return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
  };

  it.each(['/api/x', '/admin/x'])('%s: 401 with the mount’s challenge without a user', async (path) => {
    for (const token of [undefined, 'token-unknown']) {
      const res = await get(path, token);
      expect(res).toBeOutcome(401, 'AUTH_UNAUTHORIZED', 'login');
      expect(res.headers['www-authenticate']).toBe(CHALLENGE);
    }
  });

  it('/admin: 403 for a clinician and for a user without roles', async () => {
    for (const token of ['token-clinician', 'token-no-role']) {
      const res = await get('/admin/x', token);
      expect(res).toBeOutcome(403, 'AUTH_FORBIDDEN', 'forbidden');
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
  });

  it('/admin: a pharmacist or an informaticist passes the guard to the pages', async () => {
    for (const token of ['token-pharmacist', 'token-informaticist']) {
      const res = await get('/admin/x', token);
      expect([401, 403]).not.toContain(res.status);
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('/api: any of the three roles passes the guard (404: no API exists yet); no role is 403', async () => {
    for (const token of ['token-pharmacist', 'token-informaticist', 'token-clinician']) {
      expect(await get('/api/x', token)).toBeOutcome(404, 'HTTP_NOT_FOUND', 'not-found');
    }
    expect(await get('/api/x', 'token-no-role')).toBeOutcome(403, 'AUTH_FORBIDDEN', 'forbidden');
  });

  it('does not authenticate /cds-services with the user authenticator', async () => {
    await get('/cds-services').expect(200);
  });

  it('/metrics: answers the scraper (METRICS_TOKEN) and an admin; 401 without either, 403 for the other roles', async () => {
    for (const token of [TEST_METRICS_TOKEN, 'token-admin']) {
      const res = await get('/metrics', token).expect(200);
      expect(res.text).toMatch(/^# TYPE cds_requests_total counter$/m);
    }
    for (const token of [undefined, 'token-unknown', `${TEST_METRICS_TOKEN}x`, TEST_METRICS_TOKEN.slice(1)]) {
      const res = await get('/metrics', token);
      expect(res).toBeOutcome(401, 'AUTH_UNAUTHORIZED', 'login');
      expect(res.headers['www-authenticate']).toBe(CHALLENGE);
      expect(res.text).not.toMatch(/cds_requests_total/);
    }
    for (const token of ['token-pharmacist', 'token-informaticist', 'token-clinician']) {
      expect(await get('/metrics', token)).toBeOutcome(403, 'AUTH_FORBIDDEN', 'forbidden');
    }
    // The scraper's token is its own: it signs nobody in elsewhere.
    expect(await get('/api/x', TEST_METRICS_TOKEN)).toBeOutcome(401, 'AUTH_UNAUTHORIZED', 'login');
  });

  it('counts the refusals by code', async () => {
    const before = await get('/metrics', TEST_METRICS_TOKEN);
    const count = (text: string, code: string) =>
      Number(new RegExp(`^cds_errors_total\\{code="${code}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    await get('/admin/x');
    await get('/admin/x', 'token-clinician');
    const after = await get('/metrics', TEST_METRICS_TOKEN);
    expect(count(after.text, 'AUTH_UNAUTHORIZED')).toBe(count(before.text, 'AUTH_UNAUTHORIZED') + 1);
    expect(count(after.text, 'AUTH_FORBIDDEN')).toBe(count(before.text, 'AUTH_FORBIDDEN') + 1);
  });
});

describe('several authenticators on one mount (firstSignedIn)', () => {
  let t: TestApp;
  let app: TestApp['app'];
  /** A page session: the cookie `session=s-pharmacist` stands for a pharmacist. */
  const sessions: UserAuthenticator = {
    challenge: 'Cookie realm="pages"',
    authenticate: (req: Request) =>
      Promise.resolve(
        /(?:^|; )session=s-pharmacist(?:;|$)/.test(req.headers.cookie ?? '')
          ? { id: 'u-session', roles: ['pharmacist'] }
          : undefined,
      ),
  };
  beforeAll(async () => {
    t = await startTestApp();
    app = createApp({ ...t.deps, userAuthenticator: firstSignedIn(sessions, testAuthenticator) });
  });
  afterAll(async () => {
    await t.close();
  });

  it('signs in with whichever credential holds', async () => {
    const bySession = await request(app).get('/admin/x').set('Cookie', 'session=s-pharmacist');
    expectAdminPage(bySession);
    const byToken = await request(app).get('/admin/x').set('Authorization', 'Bearer token-informaticist');
    expectAdminPage(byToken);
  });

  it('answers 401 with every challenge when none holds', async () => {
    const res = await request(app).get('/admin/x').set('Cookie', 'session=expired');
    expect(res).toBeOutcome(401, 'AUTH_UNAUTHORIZED', 'login');
    expect(res.headers['www-authenticate']).toBe(`Cookie realm="pages", ${CHALLENGE}`);
  });
});
