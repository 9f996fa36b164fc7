/**
 * Bearer access tokens on `/api` and `/admin` (src/http/bearer.ts): verified against the configured issuer's JWKS
 * (found through discovery or configured), for the configured audience, with roles from a configurable claim. Every
 * refusal is an OperationOutcome: 401 with the challenge when the token does not hold, 403 when the role is missing.
 * The development issuer (`npm run token`) goes through the same verification, its keys served at `/dev/jwks.json`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { loadDevSigningKey, parseTtl } from '../../src/http/dev-issuer';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { freePort } from '../helpers/http';
import { startTestIssuer } from '../helpers/oidc';
import type { TestIssuer } from '../helpers/oidc';

/** Past the `/admin` guard: the page shell of the web front end (the pages themselves are tested in a browser). */
function expectAdminPage(res: { status: number; headers: Record<string, string> }): void {
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
}

describe('bearer tokens of an issuer found through discovery', () => {
  let issuer: TestIssuer;
  let t: TestApp;
  beforeAll(async () => {
    issuer = await startTestIssuer();
    t = await startTestApp({ env: issuer.env() });
  });
  afterAll(async () => {
    await t.close();
    await issuer.close();
  });

  const get = (p: string, token?: string) => {
    const req = request(t.app).get(p);
    return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
  };
  const expectUnauthorized = (res: request.Response) => {
    expect(res).toBeOutcome(401, 'AUTH_UNAUTHORIZED', 'login');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="pgx-cds"');
  };

  it('lets a pharmacist through the guard (404: the path serves nothing), reading the keys through discovery', async () => {
    const token = await issuer.token('alice', { claims: { roles: ['pharmacist'] } });
    expectAdminPage(await get('/admin/x', token));
    expect(issuer.requests).toEqual(
      expect.arrayContaining(['/.well-known/openid-configuration', '/jwks.json']),
    );
  });

  it('refuses no token, a malformed one and another scheme with 401', async () => {
    expectUnauthorized(await get('/api/x'));
    expectUnauthorized(await get('/api/x', 'not.a.jwt'));
    const basic = await request(t.app).get('/api/x').set('Authorization', 'Basic YWxpY2U6c2VjcmV0');
    expectUnauthorized(basic);
  });

  it.each([
    ['expired', { expiresIn: -120 }],
    ['from another issuer', { issuer: 'https://idp.elsewhere.example' }],
    ['for another audience', { audience: 'some-other-api' }],
    ['signed with a key the issuer does not publish', { foreignKey: true }],
  ])('refuses a token %s with 401', async (_name, options) => {
    const token = await issuer.token('alice', { ...options, claims: { roles: ['pharmacist'] } });
    expectUnauthorized(await get('/admin/x', token));
  });

  it('tolerates 30 s of clock skew on expiry, no more', async () => {
    const justExpired = await issuer.token('alice', { expiresIn: -10, claims: { roles: ['pharmacist'] } });
    expectAdminPage(await get('/admin/x', justExpired));
  });

  it('refuses a valid token without a required role with 403', async () => {
    for (const claims of [{}, { roles: [] }, { roles: ['clinician'] }, { roles: ['superuser'] }]) {
      const token = await issuer.token('bob', { claims });
      const res = await get('/admin/x', token);
      expect(res).toBeOutcome(403, 'AUTH_FORBIDDEN', 'forbidden');
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
  });

  it('reads roles given as a space-separated string', async () => {
    const token = await issuer.token('carol', { claims: { roles: 'informaticist offline_access' } });
    expectAdminPage(await get('/admin/x', token));
  });

  it('lets admin through every guard', async () => {
    const token = await issuer.token('root', { claims: { roles: ['admin'] } });
    expectAdminPage(await get('/admin/x', token));
    expect(await get('/api/x', token)).toBeOutcome(404, 'HTTP_NOT_FOUND', 'not-found');
  });

  it('never writes the token to the log', async () => {
    const token = await issuer.token('alice', { claims: { roles: ['pharmacist'] } });
    await get('/admin/x', token);
    await get('/admin/x', `${token}x`);
    expect(t.logs()).not.toContain(token.split('.')[2]);
  });
});

describe('bearer tokens with a configured JWKS and roles claim', () => {
  let issuer: TestIssuer;
  let t: TestApp;
  beforeAll(async () => {
    issuer = await startTestIssuer();
    t = await startTestApp({
      env: issuer.env({ OIDC_JWKS_URL: issuer.jwksUrl, OIDC_ROLES_CLAIM: 'realm_access.roles' }),
    });
  });
  afterAll(async () => {
    await t.close();
    await issuer.close();
  });

  it('reads the roles from the nested claim and the keys from OIDC_JWKS_URL, without discovery', async () => {
    const nested = await issuer.token('dora', { claims: { realm_access: { roles: ['pharmacist'] } } });
    const flat = await issuer.token('dora', { claims: { roles: ['pharmacist'] } });
    const auth = (token: string) => request(t.app).get('/admin/x').set('Authorization', `Bearer ${token}`);
    expectAdminPage(await auth(nested));
    expect(await auth(flat)).toBeOutcome(403, 'AUTH_FORBIDDEN', 'forbidden');
    expect(issuer.requests).toEqual(['/jwks.json']);
  });
});

describe('an issuer that cannot be reached', () => {
  it('answers 503 AUTH_ISSUER_UNAVAILABLE (the token may be fine), and 401 without a token', async () => {
    const issuer = await startTestIssuer();
    const token = await issuer.token('alice', { claims: { roles: ['pharmacist'] } });
    const env = issuer.env();
    await issuer.close();
    const t = await startTestApp({ env });
    try {
      const res = await request(t.app).get('/admin/x').set('Authorization', `Bearer ${token}`);
      expect(res).toBeOutcome(503, 'AUTH_ISSUER_UNAVAILABLE', 'transient');
      expect(await request(t.app).get('/admin/x')).toBeOutcome(401, 'AUTH_UNAUTHORIZED', 'login');
    } finally {
      await t.close();
    }
  });
});

describe('the development issuer (npm run token)', () => {
  let dir: string;
  let t: TestApp;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'dev-issuer-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = { PUBLIC_BASE_URL: base, OIDC_DEV_KEY_FILE: path.join(dir, 'nested', 'key.json') };
    t = await startTestApp({ env });
    const key = await loadDevSigningKey(t.deps.config.oidcDevKeyFile);
    const app = createApp({ ...t.deps, devJwks: key.jwks });
    server = app.listen(port, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    expect((server.address() as AddressInfo).port).toBe(port);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is the issuer outside production when OIDC_ISSUER is not set, and nobody in production', () => {
    expect(t.deps.config.oidc).toEqual({
      issuer: `${base}/dev`,
      jwksUrl: `${base}/dev/jwks.json`,
      audience: 'pgx-cds',
      rolesClaim: 'roles',
      development: true,
    });
    const production = loadConfig({
      NODE_ENV: 'production',
      PUBLIC_BASE_URL: 'https://cds.example.org',
      CDS_TRUSTED_ISSUERS: '/etc/cds/issuers.json',
      LINK_SECRET: 'l'.repeat(32),
      SESSION_SECRET: 's'.repeat(32),
    });
    expect(production.oidc).toBeUndefined();
  });

  it('serves only the public key, and a token it signs passes the same verification', async () => {
    const jwks = await request(server).get('/dev/jwks.json').expect(200);
    const keys = (jwks.body as { keys: Record<string, unknown>[] }).keys;
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(keys[0]).not.toHaveProperty('d');

    // The key file now exists: a second load (the script's) reads the same key.
    const key = await loadDevSigningKey(t.deps.config.oidcDevKeyFile);
    const token = await key.sign(
      { sub: 'alice', roles: ['pharmacist'], ttlSeconds: 3600 },
      t.deps.config.oidc!,
    );
    expect(decodeJwt(token)).toMatchObject({ sub: 'alice', roles: ['pharmacist'], iss: `${base}/dev` });
    const ok = await request(server).get('/admin/x').set('Authorization', `Bearer ${token}`);
    expectAdminPage(ok);

    const clinician = await key.sign(
      { sub: 'bob', roles: ['clinician'], ttlSeconds: 60 },
      t.deps.config.oidc!,
    );
    const refused = await request(server).get('/admin/x').set('Authorization', `Bearer ${clinician}`);
    expect(refused).toBeOutcome(403, 'AUTH_FORBIDDEN', 'forbidden');
  });

  it('is never served in production', async () => {
    const key = await loadDevSigningKey(t.deps.config.oidcDevKeyFile);
    const app = createApp({
      ...t.deps,
      devJwks: key.jwks,
      config: { ...t.deps.config, nodeEnv: 'production' },
    });
    expect(await request(app).get('/dev/jwks.json')).toBeOutcome(404, 'HTTP_NOT_FOUND', 'not-found');
  });

  it.each([
    ['90', 90],
    ['45s', 45],
    ['30m', 1800],
    ['1h', 3600],
    ['2d', 172_800],
    ['0', undefined],
    ['1w', undefined],
    ['-1h', undefined],
  ])('reads --ttl %s', (text, seconds) => {
    expect(parseTtl(text)).toBe(seconds);
  });
});
