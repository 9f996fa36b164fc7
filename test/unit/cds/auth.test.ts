import { readFileSync } from 'node:fs';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importPKCS8, SignJWT, type JWK, type KeyLike } from 'jose';
import {
  ClientAuthError,
  createClientAuthenticator,
  isFhirServerAllowed,
  loadTrustedIssuers,
  parseTrustedIssuers,
  type ClientAuthFailure,
  type TrustedIssuer,
} from '../../../src/cds/auth';

const NOW_MS = Date.UTC(2025, 0, 15, 12, 0, 0);
const NOW = NOW_MS / 1000;
const AUDIENCE = 'https://cds.example.org/cds-services/pgx-order-select';
const EHR_ISS = 'https://ehr.example.org';
/** Epic's `iss` is the organization's FHIR endpoint (conformance notes §4). */
const EPIC_ISS = 'https://fhir.hospital.example.org/interconnect-fhir-oauth/api/FHIR/R4';
const REMOTE_ISS = 'https://remote.example.org';
const TENANT_ISS = 'https://tenanted.example.org';

interface KeyPair {
  readonly privateKey: KeyLike;
  readonly publicJwk: JWK;
}

async function keyPair(alg: string, kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

let ehrKey: KeyPair;
let epicKey: KeyPair;
let remoteKey: KeyPair;
let attackerKey: KeyPair;
let es256Key: KeyPair;

/** Local JWK Set server on 127.0.0.1 that counts the requests each path gets. */
let server: Server;
let baseUrl: string;
const hits = new Map<string, number>();

beforeAll(async () => {
  [ehrKey, epicKey, remoteKey, attackerKey, es256Key] = await Promise.all([
    keyPair('ES384', 'ehr-1'),
    keyPair('RS384', 'epic-1'),
    keyPair('ES384', 'remote-1'),
    keyPair('ES384', 'attacker-1'),
    keyPair('ES256', 'es256-1'),
  ]);
  server = createServer((req, res) => {
    const path = req.url ?? '';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/slow/jwks.json') return; // never answers
    const keys = path === '/jwks.json' ? [remoteKey.publicJwk] : [attackerKey.publicJwk];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  hits.clear();
});

function issuers(): TrustedIssuer[] {
  return [
    {
      iss: EHR_ISS,
      jku: [],
      jwks: { keys: [ehrKey.publicJwk] },
      fhirServers: ['https://fhir.example.org/r4'],
    },
    { iss: EPIC_ISS, jku: [], jwks: { keys: [epicKey.publicJwk] }, fhirServers: [EPIC_ISS] },
    { iss: REMOTE_ISS, jku: [`${baseUrl}/jwks.json`], fhirServers: [] },
    {
      iss: TENANT_ISS,
      jku: [],
      jwks: { keys: [ehrKey.publicJwk] },
      fhirServers: [],
      tenants: ['hospital-a'],
    },
  ];
}

function authenticator(opts: { maxLifetimeSec?: number; jwksTimeoutMs?: number } = {}) {
  return createClientAuthenticator({ issuers: issuers(), now: () => NOW_MS, ...opts });
}

let jtiCounter = 0;

/** Signs a token like the sandbox does (conformance notes §2.1), with overrides; `undefined` drops a member. */
async function token(
  opts: {
    key?: KeyPair;
    header?: Record<string, unknown>;
    claims?: Record<string, unknown>;
  } = {},
): Promise<string> {
  const key = opts.key ?? ehrKey;
  const header = { alg: key.publicJwk.alg, typ: 'JWT', kid: key.publicJwk.kid, ...opts.header };
  const claims = {
    iss: EHR_ISS,
    aud: AUDIENCE,
    iat: NOW,
    exp: NOW + 300,
    jti: `jti-${++jtiCounter}`,
    ...opts.claims,
  };
  const jwt = new SignJWT(dropUndefined(claims)).setProtectedHeader(dropUndefined(header) as { alg: string });
  return jwt.sign(key.privateKey);
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Asserts a refusal with `code`, and that the log reason leaks neither the token nor other claim values. */
async function expectRefused(
  attempt: Promise<unknown>,
  code: ClientAuthFailure,
  jwt?: string,
): Promise<ClientAuthError> {
  const err: unknown = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClientAuthError);
  const authErr = err as ClientAuthError;
  expect(authErr.code).toBe(code);
  expect(authErr.reason.startsWith(code)).toBe(true);
  for (const text of [authErr.reason, authErr.message]) {
    expect(text).not.toContain(AUDIENCE);
    if (jwt !== undefined) {
      for (const part of jwt.split('.')) expect(text).not.toContain(part);
    }
  }
  return authErr;
}

describe('createClientAuthenticator', () => {
  it('accepts a good ES384 token shaped like the sandbox sends', async () => {
    const jwt = await token({ claims: { jti: 'good-es384' } });
    const client = await authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE);
    expect(client).toEqual({ iss: EHR_ISS, kid: 'ehr-1', jti: 'good-es384', issuer: issuers()[0] });
  });

  it('accepts a good RS384 token shaped like Epic sends (sub, nbf = iat − 5 min, 15 min lifetime)', async () => {
    const jwt = await token({
      key: epicKey,
      claims: { iss: EPIC_ISS, sub: 'epic-client-id', iat: NOW, nbf: NOW - 300, exp: NOW + 900 },
    });
    const client = await authenticator({ maxLifetimeSec: 900 }).authenticate(`Bearer ${jwt}`, AUDIENCE);
    expect(client.iss).toBe(EPIC_ISS);
    expect(client.kid).toBe('epic-1');
    expect(client.sub).toBe('epic-client-id');
  });

  it('accepts the Bearer scheme in any case and a lowercase typ', async () => {
    const jwt = await token({ header: { typ: 'jwt' } });
    await expect(authenticator().authenticate(`bearer ${jwt}`, AUDIENCE)).resolves.toMatchObject({
      iss: EHR_ISS,
    });
  });

  it('refuses a token for another endpoint', async () => {
    const jwt = await token({ claims: { aud: 'https://cds.example.org/cds-services' } });
    await expectRefused(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE), 'audience-mismatch', jwt);
  });

  it('accepts aud as an array that contains the endpoint URL', async () => {
    const jwt = await token({ claims: { aud: ['https://other.example.org/', AUDIENCE] } });
    await expect(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE)).resolves.toMatchObject({
      iss: EHR_ISS,
    });
  });

  it('refuses an expired token', async () => {
    const jwt = await token({ claims: { iat: NOW - 600, exp: NOW - 120 } });
    await expectRefused(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE), 'token-expired', jwt);
  });

  it('tolerates clock skew within the default 60 s', async () => {
    const jwt = await token({ claims: { iat: NOW - 330, exp: NOW - 30 } });
    await expect(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE)).resolves.toMatchObject({
      iss: EHR_ISS,
    });
  });

  it('refuses a token whose nbf is in the future', async () => {
    const jwt = await token({ claims: { nbf: NOW + 300, exp: NOW + 600 } });
    await expectRefused(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE), 'not-yet-valid', jwt);
  });

  it('refuses a token issued in the future', async () => {
    const jwt = await token({ claims: { iat: NOW + 300, exp: NOW + 600 } });
    await expectRefused(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE), 'issued-in-future', jwt);
  });

  it('refuses a token whose lifetime exceeds the maximum (default one hour)', async () => {
    const jwt = await token({ claims: { iat: NOW, exp: NOW + 3601 } });
    await expectRefused(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE), 'lifetime-too-long', jwt);
  });

  it('refuses a replayed jti from the same issuer, and scopes jtis per issuer', async () => {
    const auth = authenticator();
    const jwt = await token({ claims: { jti: 'once' } });
    await auth.authenticate(`Bearer ${jwt}`, AUDIENCE);
    const err = await expectRefused(auth.authenticate(`Bearer ${jwt}`, AUDIENCE), 'replayed-jti', jwt);
    expect(err.reason).toContain('"once"');

    const sameJtiOtherIssuer = await token({ key: epicKey, claims: { iss: EPIC_ISS, jti: 'once' } });
    await expect(auth.authenticate(`Bearer ${sameJtiOtherIssuer}`, AUDIENCE)).resolves.toMatchObject({
      iss: EPIC_ISS,
    });
  });

  it.each(['jti', 'exp', 'iat'])('refuses a token without %s', async (claim) => {
    const jwt = await token({ claims: { [claim]: undefined } });
    const err = await expectRefused(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE), 'claim-missing');
    expect(err.reason).toContain(claim);
  });

  it('refuses a kid the issuer does not have', async () => {
    const jwt = await token({ header: { kid: 'rotated-away' } });
    await expectRefused(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE), 'unknown-kid', jwt);
  });

  it('refuses a token signed by another key under a trusted kid', async () => {
    const jwt = await token({ key: attackerKey, header: { kid: 'ehr-1' } });
    await expectRefused(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE), 'bad-signature', jwt);
  });

  it('refuses alg none', async () => {
    const header = base64url({ alg: 'none', typ: 'JWT', kid: 'ehr-1' });
    const payload = base64url({ iss: EHR_ISS, aud: AUDIENCE, iat: NOW, exp: NOW + 300, jti: 'none' });
    // A compact JWS needs a non-empty third part to pass the syntax check; alg none must fail on its own.
    const jwt = `${header}.${payload}.AAAA`;
    await expectRefused(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE), 'alg-not-allowed', jwt);
    await expectRefused(
      authenticator().authenticate(`Bearer ${header}.${payload}.`, AUDIENCE),
      'malformed-token',
    );
  });

  it('refuses HS256 signed with a shared secret', async () => {
    const jwt = await new SignJWT({ iss: EHR_ISS, aud: AUDIENCE, iat: NOW, exp: NOW + 300, jti: 'hs' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: 'ehr-1' })
      .sign(new TextEncoder().encode('a shared secret that is long enough for HS256'));
    await expectRefused(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE), 'alg-not-allowed', jwt);
  });

  it('refuses ES256 (not in the allowed set) even with a trusted key', async () => {
    const issuersWithEs256: TrustedIssuer[] = [
      { iss: EHR_ISS, jku: [], jwks: { keys: [es256Key.publicJwk] }, fhirServers: [] },
    ];
    const auth = createClientAuthenticator({ issuers: issuersWithEs256, now: () => NOW_MS });
    const jwt = await token({ key: es256Key });
    await expectRefused(auth.authenticate(`Bearer ${jwt}`, AUDIENCE), 'alg-not-allowed', jwt);
  });

  it('refuses an issuer that is not allowlisted', async () => {
    const jwt = await token({ claims: { iss: 'https://ehr.example.org.evil.com' } });
    await expectRefused(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE), 'issuer-not-trusted', jwt);
  });

  it('refuses a jku outside the issuer allowlist without fetching it', async () => {
    const jwt = await token({
      key: attackerKey,
      claims: { iss: REMOTE_ISS },
      header: { jku: `${baseUrl}/evil/jwks.json` },
    });
    await expectRefused(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE), 'jku-not-allowed', jwt);
    expect(hits.get('/evil/jwks.json')).toBeUndefined();
  });

  it('fetches keys from an allowlisted jku and caches them', async () => {
    const auth = authenticator();
    for (const jti of ['remote-a', 'remote-b']) {
      const jwt = await token({
        key: remoteKey,
        claims: { iss: REMOTE_ISS, jti },
        header: { jku: `${baseUrl}/jwks.json` },
      });
      await expect(auth.authenticate(`Bearer ${jwt}`, AUDIENCE)).resolves.toMatchObject({
        iss: REMOTE_ISS,
        kid: 'remote-1',
        jti,
      });
    }
    expect(hits.get('/jwks.json')).toBe(1);
  });

  it('uses the issuer’s configured jku when the token names none', async () => {
    const jwt = await token({ key: remoteKey, claims: { iss: REMOTE_ISS } });
    await expect(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE)).resolves.toMatchObject({
      iss: REMOTE_ISS,
    });
    expect(hits.get('/jwks.json')).toBe(1);
  });

  it('refuses when the JWK Set does not answer in time', async () => {
    const slowUrl = `${baseUrl}/slow/jwks.json`;
    const auth = createClientAuthenticator({
      issuers: [{ iss: REMOTE_ISS, jku: [slowUrl], fhirServers: [] }],
      jwksTimeoutMs: 100,
      now: () => NOW_MS,
    });
    const jwt = await token({ key: remoteKey, claims: { iss: REMOTE_ISS }, header: { jku: slowUrl } });
    await expectRefused(auth.authenticate(`Bearer ${jwt}`, AUDIENCE), 'jwks-unavailable', jwt);
  });

  it.each<[string | undefined, ClientAuthFailure]>([
    [undefined, 'missing-authorization'],
    ['', 'missing-authorization'],
    ['Basic dXNlcjpwYXNz', 'missing-authorization'],
    ['Bearer', 'missing-authorization'],
    ['Bearer not-a-jwt', 'malformed-token'],
    ['Bearer a.b.c', 'malformed-token'],
    ['Bearer x y', 'missing-authorization'],
  ])('refuses the Authorization header %p', async (authorization, code) => {
    await expectRefused(authenticator().authenticate(authorization, AUDIENCE), code);
  });

  it('refuses a token whose payload is not JSON', async () => {
    const header = base64url({ alg: 'ES384', typ: 'JWT', kid: 'ehr-1' });
    const jwt = `${header}.${Buffer.from('not json').toString('base64url')}.AAAA`;
    await expectRefused(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE), 'malformed-token', jwt);
  });

  it.each([['at+jwt'], [undefined]])('refuses typ %p', async (typ) => {
    const jwt = await token({ header: { typ } });
    await expectRefused(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE), 'typ-not-jwt', jwt);
  });

  it('refuses a token without kid', async () => {
    const jwt = await token({ header: { kid: undefined } });
    await expectRefused(authenticator().authenticate(`Bearer ${jwt}`, AUDIENCE), 'kid-missing', jwt);
  });

  it('applies the issuer’s tenant allowlist', async () => {
    const auth = authenticator();
    const good = await token({ claims: { iss: TENANT_ISS, tenant: 'hospital-a' } });
    await expect(auth.authenticate(`Bearer ${good}`, AUDIENCE)).resolves.toMatchObject({
      tenant: 'hospital-a',
    });
    const otherTenant = await token({ claims: { iss: TENANT_ISS, tenant: 'hospital-b' } });
    const err = await expectRefused(
      auth.authenticate(`Bearer ${otherTenant}`, AUDIENCE),
      'tenant-not-allowed',
    );
    expect(err.reason).not.toContain('hospital-b');
    const noTenant = await token({ claims: { iss: TENANT_ISS } });
    await expectRefused(auth.authenticate(`Bearer ${noTenant}`, AUDIENCE), 'tenant-not-allowed');
  });
});

describe('the CDS Hooks sandbox trust profile', () => {
  it('verifies a token signed with the sandbox’s published key, as the sandbox builds it', async () => {
    const pem = readFileSync(join(__dirname, '../../fixtures/auth/sandbox-ecprivkey.pem'), 'utf8');
    const privateKey = await importPKCS8(pem.slice(pem.indexOf('-----BEGIN')), 'ES384');
    // Header and payload as in cds-hooks/sandbox src/retrieve-data-helpers/jwt-generator.js.
    const jwt = await new SignJWT({
      iss: 'https://sandbox.cds-hooks.org',
      aud: AUDIENCE,
      exp: NOW + 300,
      iat: NOW,
      jti: '6f0b6a1e-8d8e-4a39-9b7c-0c7b0b8f2f51',
    })
      .setProtectedHeader({
        alg: 'ES384',
        typ: 'JWT',
        kid: '44823f3d-0b01-4a6c-a80e-b9d3e8a7226f',
        jku: 'https://sandbox.cds-hooks.org/.well-known/jwks.json',
      })
      .sign(privateKey);

    const profile = await loadTrustedIssuers(join(__dirname, '../../../config/trust/cds-hooks-sandbox.json'));
    const auth = createClientAuthenticator({ issuers: profile, now: () => NOW_MS });
    const client = await auth.authenticate(`Bearer ${jwt}`, AUDIENCE);

    expect(client.iss).toBe('https://sandbox.cds-hooks.org');
    expect(client.kid).toBe('44823f3d-0b01-4a6c-a80e-b9d3e8a7226f');
    // The static key served: the public jku was never needed (the test runs offline).
    expect(isFhirServerAllowed(client.issuer, 'https://launch.smarthealthit.org/v/r4/fhir')).toBe(true);
    expect(isFhirServerAllowed(client.issuer, 'https://fhir.hospital.example.org/r4')).toBe(false);
  });
});

describe('isFhirServerAllowed', () => {
  const issuer: TrustedIssuer = {
    iss: EHR_ISS,
    jku: [],
    fhirServers: ['https://fhir.example.org/r4', 'http://localhost:8080/fhir/', 'https://open.example.org/'],
  };

  it.each([
    ['https://fhir.example.org/r4', true],
    ['https://fhir.example.org/r4/', true],
    ['https://fhir.example.org/r4/tenant-a', true],
    ['https://FHIR.example.org/r4', true],
    ['https://fhir.example.org:443/r4', true],
    ['https://fhir.example.org/r4evil', false],
    ['https://fhir.example.org/R4', false],
    ['https://fhir.example.org/', false],
    ['https://fhir.example.org/r4/../admin', false],
    ['https://fhir.example.org.evil.com/r4', false],
    ['https://evil.com/fhir.example.org/r4', false],
    ['https://fhir.example.org:8443/r4', false],
    ['https://user:secret@fhir.example.org/r4', false],
    ['https://user@fhir.example.org/r4', false],
    ['http://fhir.example.org/r4', false],
    ['https://fhir.example.org/r4?_format=json', false],
    ['https://fhir.example.org/r4#x', false],
    ['ftp://fhir.example.org/r4', false],
    ['not a url', false],
    ['http://localhost:8080/fhir', true],
    ['https://localhost:8080/fhir', true],
    ['http://localhost:8081/fhir', false],
    ['http://localhost/fhir', false],
    ['https://open.example.org/anything/r4', true],
  ])('%s → %p', (fhirServer, allowed) => {
    expect(isFhirServerAllowed(issuer, fhirServer)).toBe(allowed);
  });
});

describe('parseTrustedIssuers', () => {
  const key = { kty: 'EC', crv: 'P-384', kid: 'k1', x: 'x', y: 'y' };

  it('reads a valid file, defaulting jku to none', () => {
    const parsed = parseTrustedIssuers({
      issuers: [
        { iss: 'https://a.example.org', jwks: { keys: [key] }, fhirServers: ['https://fhir.a.example.org/'] },
        {
          iss: 'https://b.example.org',
          jku: ['https://b.example.org/jwks.json'],
          fhirServers: [],
          tenants: ['t1'],
        },
      ],
    });
    expect(parsed).toEqual([
      {
        iss: 'https://a.example.org',
        jku: [],
        jwks: { keys: [key] },
        fhirServers: ['https://fhir.a.example.org/'],
      },
      {
        iss: 'https://b.example.org',
        jku: ['https://b.example.org/jwks.json'],
        fhirServers: [],
        tenants: ['t1'],
      },
    ]);
  });

  it.each<[string, unknown, string[]]>([
    ['no issuers list', {}, ['issuers']],
    ['an empty issuers list', { issuers: [] }, ['at least one issuer']],
    [
      'an http jku off loopback',
      { issuers: [{ iss: 'https://a', jku: ['http://a.example.org/jwks.json'], fhirServers: [] }] },
      ['issuers[0] ("https://a").jku[0]', 'https'],
    ],
    [
      'a private key',
      { issuers: [{ iss: 'https://a', jwks: { keys: [{ ...key, d: 'secret' }] }, fhirServers: [] }] },
      ['issuers[0] ("https://a").jwks.keys[0]', 'private key members (d)'],
    ],
    [
      'a symmetric key',
      {
        issuers: [
          { iss: 'https://a', jwks: { keys: [{ kty: 'oct', kid: 's', k: 'c2VjcmV0' }] }, fhirServers: [] },
        ],
      },
      ['issuers[0] ("https://a").jwks.keys[0].kty'],
    ],
    [
      'a P-256 key',
      { issuers: [{ iss: 'https://a', jwks: { keys: [{ ...key, crv: 'P-256' }] }, fhirServers: [] }] },
      ['P-384'],
    ],
    [
      'a key without kid',
      { issuers: [{ iss: 'https://a', jwks: { keys: [{ kty: 'EC', crv: 'P-384' }] }, fhirServers: [] }] },
      ['issuers[0] ("https://a").jwks.keys[0].kid'],
    ],
    [
      'no key source',
      { issuers: [{ iss: 'https://a', fhirServers: [] }] },
      ['issuers[0] ("https://a")', 'key source'],
    ],
    [
      'a duplicate iss',
      {
        issuers: [
          { iss: 'https://a', jku: ['https://a/jwks.json'], fhirServers: [] },
          { iss: 'https://a', jku: ['https://a/other.json'], fhirServers: [] },
        ],
      },
      ['issuers[1] ("https://a").iss', 'duplicate'],
    ],
    [
      'a misspelt member',
      { issuers: [{ iss: 'https://a', jwks_uri: 'https://a/jwks.json', fhirServers: [] }] },
      ['issuers[0] ("https://a")', 'jwks_uri'],
    ],
    [
      'a fhirServer with userinfo',
      { issuers: [{ iss: 'https://a', jku: ['https://a/jwks.json'], fhirServers: ['https://u:p@fhir.a/'] }] },
      ['issuers[0] ("https://a").fhirServers[0]'],
    ],
    [
      'a missing fhirServers list',
      { issuers: [{ iss: 'https://a', jku: ['https://a/jwks.json'] }] },
      ['issuers[0] ("https://a").fhirServers'],
    ],
  ])('names the bad entry for %s', (_label, json, fragments) => {
    let message = '';
    try {
      parseTrustedIssuers(json);
    } catch (err) {
      message = (err as Error).message;
    }
    for (const fragment of fragments) expect(message).toContain(fragment);
  });
});

describe('loadTrustedIssuers', () => {
  it('names the file when it is missing or not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trust-'));
    const missing = join(dir, 'missing.json');
    await expect(loadTrustedIssuers(missing)).rejects.toThrow(missing);
    const garbled = join(dir, 'garbled.json');
    await writeFile(garbled, '{ "issuers": [');
    await expect(loadTrustedIssuers(garbled)).rejects.toThrow(garbled);
  });

  it('names the file and the entry when the content is invalid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trust-'));
    const file = join(dir, 'issuers.json');
    await writeFile(file, JSON.stringify({ issuers: [{ iss: 'https://a', fhirServers: [] }] }));
    await expect(loadTrustedIssuers(file)).rejects.toThrow(
      `${file}: Invalid trusted issuers: issuers[0] ("https://a")`,
    );
  });
});
