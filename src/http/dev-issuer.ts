/**
 * The development issuer: a local signing key (kept in `OIDC_DEV_KEY_FILE`, default `./data/dev-oidc-key.json`,
 * gitignored) whose public JWKS the app serves at `/dev/jwks.json` outside production, so tokens from
 * `npm run token` go through the same verification as a real issuer's (`bearer.ts`, issuer `PUBLIC_BASE_URL/dev`).
 * Never used in production: `loadConfig` configures it only when `NODE_ENV` is not `production` and `OIDC_ISSUER` is
 * not set.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import type { JWK, JSONWebKeySet } from 'jose';
import type { OidcConfig } from '../config';
import type { Role } from './auth';

const ALG = 'ES256';

export interface DevSigningKey {
  /** The public half, as `/dev/jwks.json` serves it. */
  readonly jwks: JSONWebKeySet;
  /** Signs an access token for `sub` with `roles` (in the configured roles claim), valid for `ttlSeconds`. */
  sign(
    claims: { sub: string; roles: readonly Role[]; ttlSeconds: number },
    oidc: OidcConfig,
  ): Promise<string>;
}

/** Reads the development key from `file`, creating it (and its folder, owner-only) when missing. */
export async function loadDevSigningKey(file: string): Promise<DevSigningKey> {
  let privateJwk: JWK;
  try {
    privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const { privateKey } = await generateKeyPair(ALG, { extractable: true });
    privateJwk = await exportJWK(privateKey);
    privateJwk.kid = await calculateJwkThumbprint(privateJwk);
    privateJwk.alg = ALG;
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(file, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  }
  const { d: _private, ...publicJwk } = privateJwk;
  const key = await importJWK(privateJwk, ALG);
  return {
    jwks: { keys: [{ ...publicJwk, use: 'sig', alg: ALG }] },
    sign: ({ sub, roles, ttlSeconds }, oidc) =>
      new SignJWT(withClaimAt(oidc.rolesClaim, [...roles]))
        .setProtectedHeader({ alg: ALG, typ: 'at+jwt', ...(privateJwk.kid ? { kid: privateJwk.kid } : {}) })
        .setIssuer(oidc.issuer)
        .setAudience(oidc.audience)
        .setSubject(sub)
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(key),
  };
}

/** `{ a: { b: value } }` for the dot path `a.b`. */
function withClaimAt(claimPath: string, value: unknown): Record<string, unknown> {
  return claimPath
    .split('.')
    .reverse()
    .reduce<unknown>((inner, part) => ({ [part]: inner }), value) as Record<string, unknown>;
}

/** `90`, `90s`, `30m`, `1h`, `2d` → seconds; undefined when it is none of these or not positive. */
export function parseTtl(text: string): number | undefined {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  const n =
    Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return n > 0 ? n : undefined;
}
