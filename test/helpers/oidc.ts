/**
 * A local OpenID Connect issuer for the API tests: a discovery document and a JWKS on 127.0.0.1, and tokens signed
 * with its key (or, to test refusals, with another key), as an identity provider issues access tokens.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { JWTPayload, KeyLike } from 'jose';

export const TEST_AUDIENCE = 'pgx-cds-test';

export interface TokenOptions {
  /** Claims besides `sub` (e.g. `roles`); `undefined` values are left out. */
  readonly claims?: JWTPayload;
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds from now; negative for an expired token. Default 300. */
  readonly expiresIn?: number;
  /** Sign with a key the issuer does not publish. */
  readonly foreignKey?: boolean;
}

export interface TestIssuer {
  /** The issuer identifier (`iss`), also its base URL. */
  readonly issuer: string;
  readonly jwksUrl: string;
  /** Requests received, by path (to see whether discovery was used). */
  readonly requests: string[];
  /** A signed access token for `sub`. */
  token(sub: string, options?: TokenOptions): Promise<string>;
  /** The environment that points the app at this issuer. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const own = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const publicJwk = { ...(await exportJWK(own.publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const requests: string[] = [];
  let base = '';
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') {
      res.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/jwks.json` }));
    } else if (req.url === '/jwks.json') {
      res.end(JSON.stringify({ keys: [publicJwk] }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (key: KeyLike, sub: string, o: TokenOptions) =>
    new SignJWT(o.claims ?? {})
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1', typ: 'at+jwt' })
      .setIssuer(o.issuer ?? base)
      .setAudience(o.audience ?? TEST_AUDIENCE)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (o.expiresIn ?? 300))
      .sign(key);
  return {
    issuer: base,
    jwksUrl: `${base}/jwks.json`,
    requests,
    token: (sub, options = {}) =>
      sign(options.foreignKey ? foreign.privateKey : own.privateKey, sub, options),
    env: (extra = {}) => ({ OIDC_ISSUER: base, OIDC_AUDIENCE: TEST_AUDIENCE, ...extra }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
