/**
 * Environment → typed, validated Config. `envSchema` is the list of variables: the README's configuration table
 * documents exactly these (a unit test compares both ways, and the fixed defaults). A bad value stops the process at
 * start with a message naming the variable.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

export type AuthMode = 'jwt' | 'none';

export interface Config {
  readonly nodeEnv: string;
  readonly port: number;
  /** Public base URL of this service, without trailing slash; JWT `aud` is built from it. */
  readonly publicBaseUrl: string;
  /** `postgres://…` for PostgreSQL, else a SQLite file path (default `./data/cds.sqlite`; `:memory:` in tests). */
  readonly databaseUrl: string;
  readonly auth: AuthMode;
  /** Path of the trusted-issuers JSON file (required with `CDS_AUTH=jwt`). */
  readonly trustedIssuersFile?: string;
  /**
   * Allowed browser origins; empty means no cross-origin access. `*` is refused in production. Default outside
   * production: the CDS Hooks sandboxes (`SANDBOX_ORIGINS`); in production: none.
   */
  readonly corsOrigins: readonly string[];
  /**
   * Origins of SMART authorization servers that are not on a trusted FHIR server's origin: the dashboard's browser
   * code posts to their token endpoint, so the pages' `connect-src` lists them. Default: none.
   */
  readonly smartAuthOrigins: readonly string[];
  /** Total budget per hook call for FHIR fallback queries, in milliseconds. */
  readonly fhirTimeoutMs: number;
  /** Bytes one FHIR fallback query (all its pages) reads at most (`src/cds/fhir.ts` `maxBytes`). */
  readonly fhirReadLimitBytes: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * Requests per minute per client address under `/cds-services`, counted before client authentication (cheap to
   * refuse a flood), and as many, counted apart, on the dashboard's `/app/api/launched` (each call reads an EHR's
   * FHIR server). The other mounts are not rate-limited.
   */
  readonly rateLimitPerMinute: number;
  /** Largest accepted JSON body, in bytes. */
  readonly bodyLimitBytes: number;
  /** Bytes of request bodies held at once by `/cds-services` and `/api` together (`src/http/body.ts` BodyBudget). */
  readonly bodyMemoryBytes: number;
  /**
   * Seconds an idle keep-alive connection stays open. Longer than a load balancer's own idle timeout, so that the
   * balancer, not this service, retires a pooled connection (README, Deployment).
   */
  readonly keepAliveSeconds: number;
  /** Seconds between reloads of the published threshold set (replicas converge within one); 0: only at start. */
  readonly thresholdsReloadSeconds: number;
  /** Serve the synthetic demo patients read-only at `/demo/fhir` (and trust that endpoint as a `fhirServer`). */
  readonly demoFhir: boolean;
  /**
   * HMAC key of the cards' signed page links (rating, explanation). Absent outside production when `LINK_SECRET` is
   * not set: the process then signs with a random key of its own (links die with the process; `main.ts` warns).
   */
  readonly linkSecret?: string;
  /** Days a card's signed page link stays valid. */
  readonly linkTtlDays: number;
  /**
   * The bearer credential of the metrics scraper (`METRICS_TOKEN`): `GET /metrics` answers a request carrying it, or a
   * signed-in user with the `admin` role. Absent: only such users.
   */
  readonly metricsToken?: string;
  /**
   * SMART launch URL of an app showing the patient's pharmacogenomic results; when set, the "check incomplete" card
   * carries a CDS `smart` link to it.
   */
  readonly patientAppLaunchUrl?: string;
  /**
   * OpenID Connect sign-in for the pages (authorization code + PKCE at `OIDC_ISSUER` as client `OIDC_CLIENT_ID`);
   * absent when either is not set (then only one-time sign-in links sign people in).
   */
  readonly pageSignIn?: {
    readonly issuer: string;
    readonly clientId: string;
    readonly clientSecret?: string;
    /** The ID token or userinfo claim holding the user's roles (an array of role names). */
    readonly rolesClaim: string;
  };
  /**
   * HMAC key of the page session cookie. Absent outside production when `SESSION_SECRET` is not set: the process
   * then uses a random key (sessions end with the process; `main.ts` warns).
   */
  readonly sessionSecret?: string;
  /** Hours a page session lasts. */
  readonly sessionHours: number;
  /**
   * Who issues the bearer tokens `/api` accepts (`src/http/bearer.ts`); absent: nobody can sign in (production
   * without `OIDC_ISSUER`).
   */
  readonly oidc?: OidcConfig;
  /** The development issuer's private signing key (JWK JSON; created when missing). Used only when `oidc.development`. */
  readonly oidcDevKeyFile: string;
  /**
   * Which proxies' `X-Forwarded-For` to believe for the client address (express `trust proxy`): `false` (none: the
   * socket's peer is the client), a hop count, or addresses/CIDRs/`loopback`/`linklocal`/`uniquelocal`.
   */
  readonly trustProxy: false | number | readonly string[];
  /** Days invocation and card records are kept (those feedback or ratings refer to are kept longer); 0: forever. */
  readonly retentionDays: number;
  /** Deadline of one store query in milliseconds (PostgreSQL statement/query/connect timeouts, SQLite busy timeout). */
  readonly storeTimeoutMs: number;
  /**
   * Deadline of a check replicas share on the hook path (the `jti` replay memory and the rate-limit counters on
   * PostgreSQL). A check that misses it lets the call through on this process's own memory and is counted.
   */
  readonly sharedCheckMs: number;
}

/** The OpenID Connect issuer whose access tokens the APIs accept. */
export interface OidcConfig {
  /** Expected `iss` of access tokens. */
  readonly issuer: string;
  /** Where its signing keys are; absent: from the issuer's discovery document (`jwks_uri`). */
  readonly jwksUrl?: string;
  /** Expected `aud` of access tokens. */
  readonly audience: string;
  /** Claim holding the roles, a dot path for nested claims (e.g. `realm_access.roles`). */
  readonly rolesClaim: string;
  /**
   * True for the development issuer (`PUBLIC_BASE_URL/dev`, keys at `/dev/jwks.json`, tokens from `npm run token`):
   * used when `OIDC_ISSUER` is not set outside production.
   */
  readonly development: boolean;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Browser origins allowed outside production when `CORS_ORIGINS` is not set: the public CDS Hooks sandbox and one run
 * locally (cds-hooks/sandbox `npm run dev` serves on port 8080), so trying the service from a sandbox needs no edit.
 */
export const SANDBOX_ORIGINS = ['https://sandbox.cds-hooks.org', 'http://localhost:8080'] as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function intIn(min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/** A size as `512kb` or `5mb` (body-parser's units: 1 kb = 1,024 bytes); `bytesOf` reads it. */
const byteSize = z.string().regex(/^\d+(kb|mb)$/i, 'must look like 512kb or 5mb');

function bytesOf(size: string): number {
  return Number.parseInt(size, 10) * (/mb$/i.test(size) ? 1024 * 1024 : 1024);
}

const url = z.url('must be an absolute URL').refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');

/** The environment variables this service reads, with their checks and fixed defaults. */
/** An RFC 6750 bearer token (`b64token`, RFC 9110's token68): letters, digits, `- . _ ~ + /`, then `=` padding. */
export const TOKEN68 = /[\w.~+/-]+=*/;

export const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: intIn(0, 65535).default(3000),
  PUBLIC_BASE_URL: url.optional(),
  DATABASE_URL: z.string().min(1).optional(),
  CDS_AUTH: z.enum(['jwt', 'none']).optional(),
  CDS_TRUSTED_ISSUERS: z.string().min(1).optional(),
  CORS_ORIGINS: z.string().optional(),
  SMART_AUTH_ORIGINS: z.string().optional(),
  FHIR_TIMEOUT_MS: intIn(50, 60_000).default(2000),
  FHIR_READ_LIMIT: byteSize.default('16mb'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  RATE_LIMIT_PER_MINUTE: intIn(1, 1_000_000).default(600),
  BODY_LIMIT: byteSize.default('5mb'),
  BODY_MEMORY_LIMIT: byteSize.default('64mb'),
  KEEP_ALIVE_SECONDS: intIn(1, 3600).default(65),
  THRESHOLDS_RELOAD_SECONDS: intIn(0, 86_400).default(30),
  DEMO_FHIR: z.enum(['on', 'off']).optional(),
  LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  LINK_TTL_DAYS: intIn(1, 365).default(14),
  // A bearer token `Authorization: Bearer …` can carry (`bearerToken` in src/http/bearer.ts reads the same pattern).
  METRICS_TOKEN: z
    .string()
    .min(32, 'must be at least 32 characters')
    .regex(
      new RegExp(`^${TOKEN68.source}$`),
      'may hold only letters, digits and - . _ ~ + / (then = at the end)',
    )
    .optional(),
  PATIENT_APP_LAUNCH_URL: url.optional(),
  OIDC_ISSUER: url.optional(),
  OIDC_JWKS_URL: url.optional(),
  OIDC_AUDIENCE: z.string().min(1).default('pgx-cds'),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_ROLES_CLAIM: z
    .string()
    .regex(/^[A-Za-z0-9_:/.-]+$/, 'must be a claim name or a dot path such as realm_access.roles')
    .default('roles'),
  OIDC_DEV_KEY_FILE: z.string().min(1).default('./data/dev-oidc-key.json'),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_HOURS: intIn(1, 168).default(8),
  STORE_TIMEOUT_MS: intIn(100, 60_000).default(2000),
  STORE_SHARED_CHECK_MS: intIn(20, 10_000).default(250),
  TRUST_PROXY: z.string().default('false'),
  RETENTION_DAYS: intIn(0, 36_500).default(400),
});

/** An http(s) origin exactly as a browser writes it (`https://ehr.example.org:8443`: no path, user or trailing slash). */
function isOrigin(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === text;
}

/** express's named address ranges for `trust proxy`. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** `TRUST_PROXY` → express `trust proxy`, or a problem. */
function parseTrustProxy(text: string): false | number | string[] | { problem: string } {
  const value = text.trim();
  if (value === 'false' || value === '') return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops >= 1 && hops <= 10 ? hops : { problem: 'TRUST_PROXY: a hop count must be 1 to 10' };
  }
  const parts = value.split(',').map((p) => p.trim());
  const bad = parts.filter((p) => {
    if (PROXY_RANGES.includes(p)) return false;
    const [address = '', bits, ...rest] = p.split('/');
    if (rest.length > 0 || isIP(address) === 0) return true;
    return bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= (isIP(address) === 4 ? 32 : 128));
  });
  return bad.length === 0
    ? parts
    : {
        problem: `TRUST_PROXY: "${bad.join('", "')}" is not an address, CIDR, hop count, loopback, linklocal or uniquelocal`,
      };
}

/**
 * Reads and validates the environment. Throws `ConfigError` naming every variable that fails its own check; the rules
 * across variables (`CDS_AUTH=jwt` needs `CDS_TRUSTED_ISSUERS`, `BODY_MEMORY_LIMIT` holds one `BODY_LIMIT`, production needs `PUBLIC_BASE_URL`, `LINK_SECRET` and `SESSION_SECRET` and refuses
 * `CORS_ORIGINS=*`, origins must be origins) are checked, all together, once every variable passed its own.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const auth: AuthMode = e.CDS_AUTH ?? (production ? 'jwt' : 'none');
  const problems: string[] = [];
  if (auth === 'jwt' && !e.CDS_TRUSTED_ISSUERS) {
    problems.push('CDS_TRUSTED_ISSUERS: required when CDS_AUTH=jwt (a JSON file of trusted issuers)');
  }
  if (production && !e.PUBLIC_BASE_URL) {
    problems.push('PUBLIC_BASE_URL: required when NODE_ENV=production (JWT audience is built from it)');
  }
  if (production && !e.LINK_SECRET) {
    problems.push("LINK_SECRET: required when NODE_ENV=production (it signs the cards' page links)");
  }
  if (e.OIDC_CLIENT_ID && !e.OIDC_ISSUER) {
    problems.push('OIDC_CLIENT_ID: only used with OIDC_ISSUER (the issuer people sign in at)');
  }
  if (production && !e.SESSION_SECRET) {
    problems.push('SESSION_SECRET: required when NODE_ENV=production (it signs the page session cookie)');
  }
  const corsOrigins = (e.CORS_ORIGINS ?? (production ? '' : SANDBOX_ORIGINS.join(',')))
    .split(',')
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter((o) => o.length > 0);
  for (const origin of corsOrigins) {
    if (origin === '*') {
      if (production) problems.push('CORS_ORIGINS: "*" is not allowed when NODE_ENV=production');
    } else if (!/^https?:\/\/[^/]+$/.test(origin)) {
      problems.push(`CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port])`);
    }
  }
  const smartAuthOrigins = (e.SMART_AUTH_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter((o) => o.length > 0);
  for (const origin of smartAuthOrigins) {
    if (!isOrigin(origin)) {
      problems.push(
        `SMART_AUTH_ORIGINS: "${origin}" is not an origin (http(s)://host[:port], nothing after)`,
      );
    }
  }
  if (e.OIDC_JWKS_URL && !e.OIDC_ISSUER) {
    problems.push('OIDC_JWKS_URL: only used with OIDC_ISSUER (the issuer whose keys it holds)');
  }
  if (bytesOf(e.BODY_MEMORY_LIMIT) < bytesOf(e.BODY_LIMIT)) {
    problems.push('BODY_MEMORY_LIMIT: must be at least BODY_LIMIT (one largest body must fit)');
  }
  const trustProxy = parseTrustProxy(e.TRUST_PROXY);
  if (typeof trustProxy === 'object' && 'problem' in trustProxy) problems.push(trustProxy.problem);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);

  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/(?<!\/)\/+$/, '');
  const oidc: OidcConfig | undefined = e.OIDC_ISSUER
    ? {
        issuer: e.OIDC_ISSUER,
        ...(e.OIDC_JWKS_URL ? { jwksUrl: e.OIDC_JWKS_URL } : {}),
        audience: e.OIDC_AUDIENCE,
        rolesClaim: e.OIDC_ROLES_CLAIM,
        development: false,
      }
    : production
      ? undefined
      : {
          issuer: `${publicBaseUrl}/dev`,
          jwksUrl: `${publicBaseUrl}/dev/jwks.json`,
          audience: e.OIDC_AUDIENCE,
          rolesClaim: e.OIDC_ROLES_CLAIM,
          development: true,
        };

  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    publicBaseUrl,
    databaseUrl: e.DATABASE_URL ?? './data/cds.sqlite',
    auth,
    ...(e.CDS_TRUSTED_ISSUERS ? { trustedIssuersFile: e.CDS_TRUSTED_ISSUERS } : {}),
    corsOrigins,
    smartAuthOrigins,
    fhirTimeoutMs: e.FHIR_TIMEOUT_MS,
    fhirReadLimitBytes: bytesOf(e.FHIR_READ_LIMIT),
    logLevel: e.LOG_LEVEL,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    bodyLimitBytes: bytesOf(e.BODY_LIMIT),
    bodyMemoryBytes: bytesOf(e.BODY_MEMORY_LIMIT),
    keepAliveSeconds: e.KEEP_ALIVE_SECONDS,
    thresholdsReloadSeconds: e.THRESHOLDS_RELOAD_SECONDS,
    demoFhir: (e.DEMO_FHIR ?? (production ? 'off' : 'on')) === 'on',
    ...(e.LINK_SECRET ? { linkSecret: e.LINK_SECRET } : {}),
    linkTtlDays: e.LINK_TTL_DAYS,
    ...(e.METRICS_TOKEN ? { metricsToken: e.METRICS_TOKEN } : {}),
    ...(e.PATIENT_APP_LAUNCH_URL ? { patientAppLaunchUrl: e.PATIENT_APP_LAUNCH_URL } : {}),
    ...(e.OIDC_ISSUER && e.OIDC_CLIENT_ID
      ? {
          pageSignIn: {
            issuer: e.OIDC_ISSUER,
            clientId: e.OIDC_CLIENT_ID,
            ...(e.OIDC_CLIENT_SECRET ? { clientSecret: e.OIDC_CLIENT_SECRET } : {}),
            rolesClaim: e.OIDC_ROLES_CLAIM,
          },
        }
      : {}),
    ...(e.SESSION_SECRET ? { sessionSecret: e.SESSION_SECRET } : {}),
    sessionHours: e.SESSION_HOURS,
    ...(oidc ? { oidc } : {}),
    oidcDevKeyFile: e.OIDC_DEV_KEY_FILE,
    storeTimeoutMs: e.STORE_TIMEOUT_MS,
    sharedCheckMs: e.STORE_SHARED_CHECK_MS,
    trustProxy: trustProxy as false | number | string[],
    retentionDays: e.RETENTION_DAYS,
  };
}
