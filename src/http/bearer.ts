/**
 * Bearer access tokens for the JSON APIs (RFC 6750): a JWT signed by the configured OpenID Connect issuer, verified
 * with `jose` against the issuer's JWKS (from `OIDC_JWKS_URL` or the issuer's discovery document), for the configured
 * audience. The user is the token's `sub`; the roles come from a configurable claim (default `roles`).
 *
 * A token that does not hold (expired, not yet valid, wrong issuer or audience, unknown key, bad signature, no `sub`)
 * signs in nobody: the guard answers 401. An issuer whose keys cannot be fetched is `AUTH_ISSUER_UNAVAILABLE` (503):
 * the caller's token may be fine, so a 401 would send them to sign in again for nothing. Nothing here logs a token.
 */
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import type { Request } from 'express';
import { TOKEN68 } from '../config';
import type { OidcConfig } from '../config';
import { NO_SIGN_IN, ROLES } from './auth';
import type { Role, User, UserAuthenticator } from './auth';
import { AppError } from './errors';

/** Deadline for the discovery document and for each JWKS fetch. */
const ISSUER_TIMEOUT_MS = 3000;
/** jose refetches the JWKS at most this often when a token names an unknown `kid` (key rotation). */
const JWKS_COOLDOWN_MS = 30_000;
/** Clock skew tolerated on `exp` / `nbf` / `iat`, in seconds. */
const CLOCK_TOLERANCE_S = 30;
/** Asymmetric algorithms only: an HMAC token could be forged by anyone who knows a shared secret. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export const BEARER_CHALLENGE = 'Bearer realm="pgx-cds"';

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/** The user authenticator `main.ts` (and the test app) mounts on `/api` and `/admin` for a configuration. */
export function userAuthenticatorFor(oidc: OidcConfig | undefined): UserAuthenticator {
  return oidc ? createBearerAuthenticator(oidc) : NO_SIGN_IN;
}

/** Verifies `Authorization: Bearer <JWT>` against the issuer; see the module comment for the rules. */
export function createBearerAuthenticator(oidc: OidcConfig): UserAuthenticator {
  let keySet: Promise<KeySet> | undefined;
  const keys = (): Promise<KeySet> => {
    keySet ??= jwksUrlOf(oidc).then((url) =>
      createRemoteJWKSet(new URL(url), {
        timeoutDuration: ISSUER_TIMEOUT_MS,
        cooldownDuration: JWKS_COOLDOWN_MS,
      }),
    );
    // A failed discovery is retried on the next request rather than remembered.
    keySet.catch(() => {
      keySet = undefined;
    });
    return keySet;
  };

  return {
    challenge: BEARER_CHALLENGE,
    authenticate: async (req: Request) => {
      const token = bearerToken(req);
      if (token === undefined) return undefined;
      let jwks: KeySet;
      try {
        jwks = await keys();
      } catch {
        throw new AppError('AUTH_ISSUER_UNAVAILABLE', ['the discovery document could not be read']);
      }
      try {
        const { payload } = await jwtVerify(token, jwks, {
          issuer: oidc.issuer,
          audience: oidc.audience,
          algorithms: ALGORITHMS,
          clockTolerance: CLOCK_TOLERANCE_S,
          requiredClaims: ['sub', 'exp'],
        });
        return userOf(payload, oidc.rolesClaim);
      } catch (err) {
        if (issuerUnreachable(err)) {
          throw new AppError('AUTH_ISSUER_UNAVAILABLE', ['the signing keys could not be fetched']);
        }
        return undefined;
      }
    },
  };
}

const BEARER = new RegExp(`^Bearer +(${TOKEN68.source}) *$`, 'i');

/** The token of an `Authorization: Bearer …` header (scheme case-insensitive, RFC 9110 §11.1), if any. */
export function bearerToken(req: Request): string | undefined {
  return BEARER.exec(req.headers.authorization ?? '')?.[1];
}

/**
 * Failures that say nothing about the token: the JWKS timed out, answered other than 200, was not a key set, or the
 * connection failed (jose rethrows the network error as is).
 */
function issuerUnreachable(err: unknown): boolean {
  if (!(err instanceof errors.JOSEError)) return true;
  return (
    err instanceof errors.JWKSTimeout ||
    err instanceof errors.JWKSInvalid ||
    (err.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/.test(err.message))
  );
}

/** `sub` and the known roles of the roles claim (an array of strings or a space-separated string). */
function userOf(payload: JWTPayload, rolesClaim: string): User | undefined {
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) return undefined;
  let value: unknown = payload;
  for (const part of rolesClaim.split('.')) {
    value =
      typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  }
  const claimed =
    typeof value === 'string'
      ? value.split(/\s+/)
      : Array.isArray(value)
        ? value.filter((v): v is string => typeof v === 'string')
        : [];
  const roles = ROLES.filter((role: Role) => claimed.includes(role));
  return { id: payload.sub, roles };
}

/** The JWKS URL: configured, or the `jwks_uri` of the issuer's discovery document (OpenID Connect Discovery 1.0 §4). */
async function jwksUrlOf(oidc: OidcConfig): Promise<string> {
  if (oidc.jwksUrl) return oidc.jwksUrl;
  const res = await fetch(`${oidc.issuer.replace(/(?<!\/)\/+$/, '')}/.well-known/openid-configuration`, {
    signal: AbortSignal.timeout(ISSUER_TIMEOUT_MS),
    headers: { accept: 'application/json' },
  });
  if (!res.ok) throw new Error(`discovery answered ${res.status}`);
  const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
  // §4.3: the document's issuer must be the one configured, or its keys are not this issuer's.
  if (doc.issuer !== oidc.issuer) throw new Error('discovery names another issuer');
  if (typeof doc.jwks_uri !== 'string') throw new Error('discovery has no jwks_uri');
  return doc.jwks_uri;
}
