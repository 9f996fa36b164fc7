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
  /** Allowed browser origins; empty means no cross-origin access. `*` is refused in production. */
  readonly corsOrigins: readonly string[];
  /** Total budget per hook call for FHIR fallback queries, in milliseconds. */
  readonly fhirTimeoutMs: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * Requests per minute per client address under `/cds-services`, counted before client authentication (cheap to
   * refuse a flood). The other mounts are not rate-limited.
   */
  readonly rateLimitPerMinute: number;
  /** Largest accepted JSON body. */
  readonly bodyLimit: string;
  /** Seconds between reloads of the published threshold set (replicas converge within one); 0: only at start. */
  readonly thresholdsReloadSeconds: number;
  /**
   * Which proxies' `X-Forwarded-For` to believe for the client address (express `trust proxy`): `false` (none: the
   * socket's peer is the client), a hop count, or addresses/CIDRs/`loopback`/`linklocal`/`uniquelocal`.
   */
  readonly trustProxy: false | number | readonly string[];
  /** Days invocation and card records are kept (those feedback or ratings refer to are kept longer); 0: forever. */
  readonly retentionDays: number;
  /** Deadline of one store query in milliseconds (PostgreSQL statement/query/connect timeouts, SQLite busy timeout). */
  readonly storeTimeoutMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function intIn(min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

const url = z.url('must be an absolute URL').refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');

/** The environment variables this service reads, with their checks and fixed defaults. */
export const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: intIn(0, 65535).default(3000),
  PUBLIC_BASE_URL: url.optional(),
  DATABASE_URL: z.string().min(1).optional(),
  CDS_AUTH: z.enum(['jwt', 'none']).optional(),
  CDS_TRUSTED_ISSUERS: z.string().min(1).optional(),
  CORS_ORIGINS: z.string().optional(),
  FHIR_TIMEOUT_MS: intIn(50, 60_000).default(2000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  RATE_LIMIT_PER_MINUTE: intIn(1, 1_000_000).default(600),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(kb|mb)$/i, 'must look like 512kb or 5mb')
    .default('5mb'),
  THRESHOLDS_RELOAD_SECONDS: intIn(0, 86_400).default(30),
  STORE_TIMEOUT_MS: intIn(100, 60_000).default(2000),
  TRUST_PROXY: z.string().default('false'),
  RETENTION_DAYS: intIn(0, 36_500).default(400),
});

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
 * across variables (`CDS_AUTH=jwt` needs `CDS_TRUSTED_ISSUERS`, production needs `PUBLIC_BASE_URL` and refuses
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
  const corsOrigins = (e.CORS_ORIGINS ?? '')
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
  const trustProxy = parseTrustProxy(e.TRUST_PROXY);
  if (typeof trustProxy === 'object' && 'problem' in trustProxy) problems.push(trustProxy.problem);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);

  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL ?? './data/cds.sqlite',
    auth,
    ...(e.CDS_TRUSTED_ISSUERS ? { trustedIssuersFile: e.CDS_TRUSTED_ISSUERS } : {}),
    corsOrigins,
    fhirTimeoutMs: e.FHIR_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    bodyLimit: e.BODY_LIMIT,
    thresholdsReloadSeconds: e.THRESHOLDS_RELOAD_SECONDS,
    storeTimeoutMs: e.STORE_TIMEOUT_MS,
    trustProxy: trustProxy as false | number | string[],
    retentionDays: e.RETENTION_DAYS,
  };
}
