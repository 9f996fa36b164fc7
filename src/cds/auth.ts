/**
 * CDS client authentication: verifies the JWT a CDS client sends as `Authorization: Bearer <jwt>` on discovery,
 * service and feedback calls, and decides which `fhirServer` a verified client may make us call back.
 *
 * Spec: https://cds-hooks.hl7.org/2.0/#trusting-cds-clients (header `alg`/`kid`/`typ`/`jku`, claims
 * `iss`/`aud`/`exp`/`iat`/`jti`/`tenant`) and the CDS Hooks best practices
 * (https://github.com/cds-hooks/docs/blob/master/docs/best-practices.md#jwt): allowlist `iss` and `jku`, check
 * `aud` against this endpoint, remember `jti`s for the token lifetime, answer failures with a bare 401.
 *
 * Trust comes from a JSON file of issuers (format in `docs/trust-profiles.md`). Reasons carried by
 * `ClientAuthError` are for logs: they never contain the token, and of its claims only `iss`, `kid` and `jti`.
 */
import { readFile } from 'node:fs/promises';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  type ProtectedHeaderParameters,
} from 'jose';
import { z } from 'zod';

/** One CDS client we trust, keyed by its `iss`. */
export interface TrustedIssuer {
  /** The `iss` claim, compared exactly. */
  readonly iss: string;
  /**
   * JWK Set URLs this issuer may name in the token's `jku` header; only these are ever fetched. When a token has
   * no `jku`, these are the out-of-band key locations, tried in order.
   */
  readonly jku: readonly string[];
  /** Public keys configured out of band; preferred over `jku` when they hold the token's `kid`. */
  readonly jwks?: JSONWebKeySet;
  /** FHIR base URL prefixes this issuer's requests may make us call back (see `isFhirServerAllowed`). */
  readonly fhirServers: readonly string[];
  /** When present, the token must carry a `tenant` claim from this list. */
  readonly tenants?: readonly string[];
}

/** A client whose JWT passed every check. */
export interface VerifiedClient {
  readonly iss: string;
  readonly kid: string;
  readonly jti: string;
  /** Epic sends its CDS Hooks client id here; the spec does not define `sub`. */
  readonly sub?: string;
  readonly tenant?: string;
  readonly issuer: TrustedIssuer;
}

/** Stable failure codes, for logs and metrics. Every one maps to a bare 401. */
export type ClientAuthFailure =
  | 'missing-authorization'
  | 'malformed-token'
  | 'alg-not-allowed'
  | 'typ-not-jwt'
  | 'kid-missing'
  | 'issuer-not-trusted'
  | 'jku-not-allowed'
  | 'unknown-kid'
  | 'jwks-unavailable'
  | 'bad-signature'
  | 'audience-mismatch'
  | 'claim-missing'
  | 'token-expired'
  | 'not-yet-valid'
  | 'issued-in-future'
  | 'lifetime-too-long'
  | 'tenant-not-allowed'
  | 'replayed-jti'
  | 'verification-failed';

/** Authentication failed. The HTTP layer answers 401 with no detail; `reason` is for the log only. */
export class ClientAuthError extends Error {
  override readonly name = 'ClientAuthError';
  /** Human-readable reason: the code plus, at most, the token's `iss`, `kid` and `jti`. */
  readonly reason: string;

  constructor(
    readonly code: ClientAuthFailure,
    detail?: string,
  ) {
    const reason = detail === undefined ? code : `${code}: ${detail}`;
    super(`client authentication failed (${reason})`);
    this.reason = reason;
  }
}

/** Verifies the `Authorization` header of one request against the expected audience. */
export interface ClientAuthenticator {
  /**
   * @param authorization the raw `Authorization` header value, if any
   * @param audience the exact URL of the endpoint called (`PUBLIC_BASE_URL` + path), compared exactly to `aud`
   * @throws ClientAuthError on any failure
   */
  authenticate(authorization: string | undefined, audience: string): Promise<VerifiedClient>;
}

/** The algorithms the spec recommends; `none`, HS* and everything else are refused. */
const ALLOWED_ALGORITHMS = ['ES384', 'RS384'] as const;
const DEFAULT_CLOCK_TOLERANCE_SEC = 60;
/** Best practice: keep seen `jti`s for the maximum token life, "no more than an hour". */
const DEFAULT_MAX_LIFETIME_SEC = 3600;
const DEFAULT_JWKS_TIMEOUT_MS = 2000;
/** Remote JWK Sets are cached for 10 minutes; an unknown `kid` refetches at most every 30 s (key rotation). */
const JWKS_CACHE_MAX_AGE_MS = 600_000;
const JWKS_COOLDOWN_MS = 30_000;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Quotes an untrusted value for a log line: JSON-escaped (no control characters) and length-capped. */
function quote(value: string): string {
  return JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value);
}

/**
 * Creates the verifier used by the HTTP layer. Checks, in order: Bearer syntax; header `alg` ∈ {ES384, RS384},
 * `typ` = JWT (case-insensitive), `kid`; `iss` allowlisted; `jku` (if any) allowlisted for that issuer; signature;
 * `aud`; `exp`, `nbf` and `iat` with clock tolerance; lifetime `exp − iat` ≤ `maxLifetimeSec`; `tenant` when the
 * issuer lists tenants; `jti` not seen before from the same issuer.
 *
 * `jti`s are remembered in process and, given `sharedJtis` (the store's, `createSharedJtiMemory` in replay.ts), in the
 * store every replica shares, so a token replayed to another instance is refused too.
 */
export function createClientAuthenticator(opts: {
  issuers: readonly TrustedIssuer[];
  clockToleranceSec?: number;
  maxLifetimeSec?: number;
  jwksTimeoutMs?: number;
  /** Current time in milliseconds; for tests. */
  now?: () => number;
  /**
   * Where replicas share the `jti`s they have seen (replay.ts); asked after the in-process memory. Resolves false
   * for a replay. Absent: in-process memory only.
   */
  sharedJtis?: SharedJtiMemory;
}): ClientAuthenticator {
  const clockToleranceSec = opts.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
  const maxLifetimeSec = opts.maxLifetimeSec ?? DEFAULT_MAX_LIFETIME_SEC;
  const jwksTimeoutMs = opts.jwksTimeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS;
  const now = opts.now ?? Date.now;

  const issuersByIss = new Map(opts.issuers.map((issuer) => [issuer.iss, issuer]));
  const staticKeySets = new Map<string, JWTVerifyGetKey>();
  for (const issuer of opts.issuers) {
    if (issuer.jwks) staticKeySets.set(issuer.iss, createLocalJWKSet(issuer.jwks));
  }
  const remoteKeySets = new Map<string, JWTVerifyGetKey>();
  const seenJtis = new ReplayMemory();

  function remoteKeySet(url: string): JWTVerifyGetKey {
    let keySet = remoteKeySets.get(url);
    if (!keySet) {
      keySet = createRemoteJWKSet(new URL(url), {
        timeoutDuration: jwksTimeoutMs,
        cooldownDuration: JWKS_COOLDOWN_MS,
        cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
      });
      remoteKeySets.set(url, keySet);
    }
    return keySet;
  }

  /** Key lookup for one token: the static JWKS if it holds the `kid`, else the allowlisted JWK Set URLs. */
  function keyLookup(issuer: TrustedIssuer, jku: string | undefined, kidForLog: string): JWTVerifyGetKey {
    return async (header, token) => {
      const staticSet = staticKeySets.get(issuer.iss);
      if (staticSet && issuer.jwks?.keys.some((key) => key.kid === header.kid)) {
        return staticSet(header, token);
      }
      for (const url of jku === undefined ? issuer.jku : [jku]) {
        try {
          return await remoteKeySet(url)(header, token);
        } catch (err) {
          if (err instanceof errors.JWKSNoMatchingKey) continue;
          throw new ClientAuthError('jwks-unavailable', `iss ${quote(issuer.iss)}, kid ${kidForLog}`);
        }
      }
      throw new ClientAuthError('unknown-kid', `iss ${quote(issuer.iss)}, kid ${kidForLog}`);
    };
  }

  return {
    async authenticate(authorization, audience) {
      const token = bearerToken(authorization);
      const header = checkedHeader(token);
      const kid = quote(header.kid);

      const unverified = unverifiedClaims(token, kid);
      if (typeof unverified.iss !== 'string') throw new ClientAuthError('claim-missing', `iss (kid ${kid})`);
      const issuer = issuersByIss.get(unverified.iss);
      const who = `iss ${quote(unverified.iss)}, kid ${kid}`;
      if (!issuer) throw new ClientAuthError('issuer-not-trusted', who);
      if (header.jku !== undefined && !issuer.jku.includes(header.jku)) {
        // Never fetched: an attacker-chosen jku would otherwise let any key in.
        throw new ClientAuthError('jku-not-allowed', who);
      }

      const nowMs = now();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keyLookup(issuer, header.jku, kid), {
          algorithms: [...ALLOWED_ALGORITHMS],
          issuer: issuer.iss,
          audience,
          clockTolerance: clockToleranceSec,
          requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
          currentDate: new Date(nowMs),
        }));
      } catch (err) {
        throw asClientAuthError(err, who);
      }

      const jti = payload.jti;
      if (typeof jti !== 'string' || jti.length === 0) {
        throw new ClientAuthError('claim-missing', `jti (${who})`);
      }
      const withJti = `${who}, jti ${quote(jti)}`;
      // jwtVerify has checked that exp and iat are numbers.
      const exp = payload.exp ?? 0;
      const iat = payload.iat ?? 0;
      const nowSec = nowMs / 1000;
      if (iat > nowSec + clockToleranceSec) throw new ClientAuthError('issued-in-future', withJti);
      if (exp - iat > maxLifetimeSec) throw new ClientAuthError('lifetime-too-long', withJti);

      const tenant = payload['tenant'];
      if (tenant !== undefined && typeof tenant !== 'string') {
        throw new ClientAuthError('malformed-token', `tenant is not a string (${withJti})`);
      }
      if (issuer.tenants && (tenant === undefined || !issuer.tenants.includes(tenant))) {
        throw new ClientAuthError('tenant-not-allowed', withJti);
      }

      // Last, so that only correctly signed, otherwise valid tokens take up replay memory.
      const expiresAtMs = (exp + clockToleranceSec) * 1000;
      if (!seenJtis.remember(`${issuer.iss}\u0000${jti}`, expiresAtMs, nowMs)) {
        throw new ClientAuthError('replayed-jti', withJti);
      }
      if (opts.sharedJtis && !(await opts.sharedJtis.remember(issuer.iss, jti, expiresAtMs, nowMs))) {
        throw new ClientAuthError('replayed-jti', `${withJti} (seen by another instance)`);
      }

      const sub = payload.sub;
      return {
        iss: issuer.iss,
        kid: header.kid,
        jti,
        ...(typeof sub === 'string' ? { sub } : {}),
        ...(tenant !== undefined ? { tenant } : {}),
        issuer,
      };
    },
  };
}

/** Extracts the compact JWS from `Bearer <jwt>` (scheme case-insensitive, RFC 6750 §2.1). */
function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw new ClientAuthError('missing-authorization');
  }
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
  const token = match?.[1];
  if (token === undefined) throw new ClientAuthError('missing-authorization', 'not a Bearer credential');
  if (!COMPACT_JWS.test(token)) throw new ClientAuthError('malformed-token', 'not a compact JWS');
  return token;
}

/** The payload before verification, only to pick the issuer's keys. */
function unverifiedClaims(token: string, kidForLog: string): JWTPayload {
  try {
    return decodeJwt(token);
  } catch {
    throw new ClientAuthError('malformed-token', `payload is not base64url JSON (kid ${kidForLog})`);
  }
}

interface CheckedHeader {
  readonly kid: string;
  readonly jku?: string;
}

/** Header checks that need no key: `alg`, `typ`, `kid`, and `jku`'s type. */
function checkedHeader(token: string): CheckedHeader {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new ClientAuthError('malformed-token', 'header is not base64url JSON');
  }
  if (!(ALLOWED_ALGORITHMS as readonly unknown[]).includes(header.alg)) {
    throw new ClientAuthError(
      'alg-not-allowed',
      typeof header.alg === 'string' ? quote(header.alg) : undefined,
    );
  }
  // RFC 7515 §4.1.9 recommends comparing typ case-insensitively; the spec requires "JWT".
  if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== 'jwt') {
    throw new ClientAuthError('typ-not-jwt');
  }
  if (typeof header.kid !== 'string' || header.kid === '') throw new ClientAuthError('kid-missing');
  if (header.jku !== undefined && typeof header.jku !== 'string') {
    throw new ClientAuthError('malformed-token', `jku is not a string (kid ${quote(header.kid)})`);
  }
  return header.jku === undefined ? { kid: header.kid } : { kid: header.kid, jku: header.jku };
}

/** Maps a jose failure to a code; jose's own messages and the payload it carries are deliberately dropped. */
function asClientAuthError(err: unknown, who: string): ClientAuthError {
  if (err instanceof ClientAuthError) return err;
  if (err instanceof errors.JWTExpired) return new ClientAuthError('token-expired', who);
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return new ClientAuthError('claim-missing', `${err.claim} (${who})`);
    switch (err.claim) {
      case 'aud':
        return new ClientAuthError('audience-mismatch', who);
      case 'nbf':
        return new ClientAuthError('not-yet-valid', who);
      default:
        return new ClientAuthError('verification-failed', `claim ${err.claim} (${who})`);
    }
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return new ClientAuthError('bad-signature', who);
  if (err instanceof errors.JWKSNoMatchingKey) return new ClientAuthError('unknown-kid', who);
  if (err instanceof errors.JOSEAlgNotAllowed) return new ClientAuthError('alg-not-allowed', who);
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) {
    return new ClientAuthError('malformed-token', who);
  }
  return new ClientAuthError('verification-failed', who);
}

/** A `jti` memory shared by replicas: true the first time `(issuer, jti)` is seen, false for a replay. */
export interface SharedJtiMemory {
  remember(issuer: string, jti: string, expiresAtMs: number, nowMs: number): Promise<boolean>;
}

/** Seen `(iss, jti)` pairs, each kept until the token it came from can no longer be valid. */
class ReplayMemory {
  private readonly expiries = new Map<string, number>();
  private nextSweepMs = 0;

  /** Records the key; false if it was already recorded and has not expired. */
  remember(key: string, expiresAtMs: number, nowMs: number): boolean {
    if (nowMs >= this.nextSweepMs) {
      for (const [k, expiry] of this.expiries) if (expiry <= nowMs) this.expiries.delete(k);
      this.nextSweepMs = nowMs + 60_000;
    }
    const known = this.expiries.get(key);
    if (known !== undefined && known > nowMs) return false;
    this.expiries.set(key, expiresAtMs);
    return true;
  }
}

/**
 * Outbound safety: may a request from this verified issuer make us call back `fhirServer`? True when the URL
 * falls under one of the issuer's `fhirServers` prefixes: same scheme, host and port, and a path equal to the
 * prefix's or below it on a segment boundary (`/r4` allows `/r4/x`, never `/r4evil`). URLs with userinfo, a
 * query or a fragment are refused; `http:` is accepted only when the prefix itself is `http:`.
 */
export function isFhirServerAllowed(issuer: TrustedIssuer, fhirServer: string): boolean {
  return isUnderFhirServerPrefix(issuer.fhirServers, fhirServer);
}

/**
 * Whether `fhirServer` falls under one of `prefixes`, by the rules of `isFhirServerAllowed`. The clinician dashboard
 * asks it of every trusted issuer's prefixes together (`trustedFhirServerPrefixes`).
 */
export function isUnderFhirServerPrefix(prefixes: readonly string[], fhirServer: string): boolean {
  const target = parseBaseUrl(fhirServer);
  if (!target) return false;
  return prefixes.some((prefixText) => {
    const prefix = parseBaseUrl(prefixText);
    if (!prefix) return false;
    const schemeOk =
      target.protocol === 'https:' || (target.protocol === 'http:' && prefix.protocol === 'http:');
    if (!schemeOk || target.hostname !== prefix.hostname || target.port !== prefix.port) return false;
    const prefixPath = prefix.pathname.replace(/(?<!\/)\/+$/, '');
    return (
      prefixPath === '' || target.pathname === prefixPath || target.pathname.startsWith(`${prefixPath}/`)
    );
  });
}

/** Every FHIR server prefix of the trusted issuers, once each (the allowlist of the dashboard's EHR launch). */
export function trustedFhirServerPrefixes(issuers: readonly TrustedIssuer[]): string[] {
  return [...new Set(issuers.flatMap((issuer) => issuer.fhirServers))];
}

/** An absolute http(s) URL without userinfo, query or fragment, or undefined. */
function parseBaseUrl(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return undefined;
  // `new URL` drops an empty query or fragment marker; refuse those too, they are never part of a base URL.
  if (/[?#]/.test(text)) return undefined;
  return url;
}

// ---------------------------------------------------------------------------------------------------------
// Trusted-issuers file
// ---------------------------------------------------------------------------------------------------------

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A `jku`: https, or http on a loopback host (local test key servers). Compared to the header exactly. */
const jkuUrl = z.string().refine((text) => {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url || url.username !== '' || url.password !== '') return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}, 'must be an https URL (http only on 127.0.0.1, localhost or [::1])');

const fhirServerPrefix = z
  .string()
  .refine(
    (text) => parseBaseUrl(text) !== undefined,
    'must be an absolute http(s) URL without user, password, query or fragment',
  );

/** Private or symmetric JWK members: a trust file holds public keys only. */
const SECRET_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const publicJwk = z
  .looseObject({
    kty: z.enum(['EC', 'RSA'], 'kty must be "EC" (P-384, for ES384) or "RSA" (for RS384)'),
    kid: z.string().min(1, 'kid is required (tokens select their key by kid)'),
    crv: z.string().optional(),
    alg: z.enum(ALLOWED_ALGORITHMS, 'alg, if present, must be ES384 or RS384').optional(),
  })
  .superRefine((jwk, ctx) => {
    const secrets = SECRET_JWK_MEMBERS.filter((member) => member in jwk);
    if (secrets.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `contains private key members (${secrets.join(', ')}): put only the public key here`,
      });
    }
    if (jwk.kty === 'EC' && jwk.crv !== 'P-384') {
      ctx.addIssue({ code: 'custom', message: 'an EC key must be on curve P-384 (ES384)' });
    }
  });

const trustedIssuerSchema = z
  .strictObject({
    iss: z.string().min(1, 'iss is required'),
    /** Free text for people reading the file. */
    description: z.string().optional(),
    jku: z.array(jkuUrl).default([]),
    jwks: z.strictObject({ keys: z.array(publicJwk).min(1, 'jwks.keys must not be empty') }).optional(),
    fhirServers: z.array(fhirServerPrefix),
    tenants: z.array(z.string().min(1)).min(1, 'tenants, if present, must list at least one').optional(),
  })
  .refine((issuer) => issuer.jku.length > 0 || issuer.jwks !== undefined, {
    message: 'needs a key source: jku URLs, a static jwks, or both',
  });

const trustedIssuersFileSchema = z
  .strictObject({
    $comment: z.string().optional(),
    issuers: z.array(trustedIssuerSchema).min(1, 'issuers must list at least one issuer'),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.issuers.forEach((issuer, index) => {
      if (seen.has(issuer.iss)) {
        ctx.addIssue({ code: 'custom', path: ['issuers', index, 'iss'], message: 'duplicate iss' });
      }
      seen.add(issuer.iss);
    });
  });

/** Names the issuer entry an issue path points into: `issuers[1] ("https://x").jku[0]`. */
function entryName(json: unknown, path: readonly PropertyKey[]): string {
  const [top, index, ...rest] = path;
  if (top !== 'issuers' || typeof index !== 'number') return path.map(String).join('.') || '(file)';
  const entries: unknown[] = isRecord(json) && Array.isArray(json['issuers']) ? json['issuers'] : [];
  const entry = entries[index];
  const iss = isRecord(entry) && typeof entry['iss'] === 'string' ? ` (${JSON.stringify(entry['iss'])})` : '';
  const where = rest.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return `issuers[${index}]${iss}${where}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates the trusted-issuers JSON (format in `docs/trust-profiles.md`).
 * @throws Error listing every problem, each naming the bad entry, e.g. `issuers[0] ("https://x").jku[1]: …`
 */
export function parseTrustedIssuers(json: unknown): TrustedIssuer[] {
  const parsed = trustedIssuersFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${entryName(json, issue.path)}: ${issue.message}`);
    throw new Error(`Invalid trusted issuers: ${problems.join('; ')}`);
  }
  return parsed.data.issuers.map((entry) => ({
    iss: entry.iss,
    jku: entry.jku,
    // Checked above: EC P-384 or RSA public keys with a kid; jose validates the key material when it is used.
    ...(entry.jwks ? { jwks: entry.jwks as JSONWebKeySet } : {}),
    fhirServers: entry.fhirServers,
    ...(entry.tenants ? { tenants: entry.tenants } : {}),
  }));
}

/** Reads and validates the trusted-issuers file (`CDS_TRUSTED_ISSUERS`). Errors name the file. */
export async function loadTrustedIssuers(path: string): Promise<TrustedIssuer[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(
      `Cannot read trusted issuers file ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  try {
    return parseTrustedIssuers(json);
  } catch (err) {
    throw new Error(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
