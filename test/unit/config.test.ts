import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, envSchema, loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it('serves on the embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBe('./data/cds.sqlite');
    expect(config.auth).toBe('none');
    expect(config.fhirTimeoutMs).toBe(2000);
    expect(config.publicBaseUrl).toBe('http://localhost:3000');
    expect(config.linkSecret).toBeUndefined();
    expect(config.linkTtlDays).toBe(14);
    expect(config.pageSignIn).toBeUndefined();
    expect(config.sessionHours).toBe(8);
    // The CDS Hooks sandboxes (public and local) may call from a browser without any setting.
    expect(config.corsOrigins).toEqual(['https://sandbox.cds-hooks.org', 'http://localhost:8080']);
    expect(config.demoFhir).toBe(true);
    expect(config.sharedCheckMs).toBe(250);
  });

  it('reads body sizes in body-parser units and keeps room for one largest body in the budget', () => {
    expect(loadConfig({}).bodyLimitBytes).toBe(5 * 1024 * 1024);
    expect(loadConfig({}).bodyMemoryBytes).toBe(64 * 1024 * 1024);
    expect(loadConfig({ BODY_LIMIT: '512kb', BODY_MEMORY_LIMIT: '512KB' })).toMatchObject({
      bodyLimitBytes: 512 * 1024,
      bodyMemoryBytes: 512 * 1024,
    });
    expect(() => loadConfig({ BODY_LIMIT: '8mb', BODY_MEMORY_LIMIT: '4mb' })).toThrow(
      'BODY_MEMORY_LIMIT: must be at least BODY_LIMIT',
    );
    expect(() => loadConfig({ BODY_MEMORY_LIMIT: '1gb' })).toThrow('BODY_MEMORY_LIMIT');
  });

  it('bounds what one FHIR fallback query reads: 16 MB unless told otherwise, in the same units', () => {
    expect(loadConfig({}).fhirReadLimitBytes).toBe(16 * 1024 * 1024);
    expect(loadConfig({ FHIR_READ_LIMIT: '64mb' }).fhirReadLimitBytes).toBe(64 * 1024 * 1024);
    expect(() => loadConfig({ FHIR_READ_LIMIT: '16' })).toThrow('FHIR_READ_LIMIT');
  });

  it('keeps idle connections longer than the common load balancers by default, within bounds', () => {
    expect(loadConfig({}).keepAliveSeconds).toBe(65);
    expect(loadConfig({ KEEP_ALIVE_SECONDS: '620' }).keepAliveSeconds).toBe(620);
    expect(() => loadConfig({ KEEP_ALIVE_SECONDS: '0' })).toThrow('KEEP_ALIVE_SECONDS');
    expect(() => loadConfig({ KEEP_ALIVE_SECONDS: '65s' })).toThrow('KEEP_ALIVE_SECONDS');
  });

  it('reads how long a hook call waits for the checks replicas share, within bounds', () => {
    expect(loadConfig({ STORE_SHARED_CHECK_MS: '2000' }).sharedCheckMs).toBe(2000);
    expect(() => loadConfig({ STORE_SHARED_CHECK_MS: '5' })).toThrow('STORE_SHARED_CHECK_MS');
    expect(() => loadConfig({ STORE_SHARED_CHECK_MS: 'soon' })).toThrow('STORE_SHARED_CHECK_MS');
  });

  it('allows no browser origin and serves no demo data in production unless told to', () => {
    const production = {
      NODE_ENV: 'production',
      PUBLIC_BASE_URL: 'https://cds.example.org',
      CDS_TRUSTED_ISSUERS: '/etc/cds/issuers.json',
      LINK_SECRET: 'l'.repeat(32),
      SESSION_SECRET: 's'.repeat(32),
    };
    expect(loadConfig(production).corsOrigins).toEqual([]);
    expect(loadConfig(production).demoFhir).toBe(false);
    expect(loadConfig({ ...production, DEMO_FHIR: 'on' }).demoFhir).toBe(true);
    expect(loadConfig({ DEMO_FHIR: 'off' }).demoFhir).toBe(false);
    expect(loadConfig({ CORS_ORIGINS: '' }).corsOrigins).toEqual([]);
    expect(() => loadConfig({ DEMO_FHIR: 'yes' })).toThrow('DEMO_FHIR');
  });

  it('reads the OpenID Connect sign-in settings together', () => {
    const config = loadConfig({
      OIDC_ISSUER: 'https://idp.example.org/realms/pgx',
      OIDC_CLIENT_ID: 'pgx-pages',
      OIDC_CLIENT_SECRET: 'client-secret',
    });
    expect(config.pageSignIn).toEqual({
      issuer: 'https://idp.example.org/realms/pgx',
      clientId: 'pgx-pages',
      clientSecret: 'client-secret',
      rolesClaim: 'roles',
    });
  });

  it('defaults to JWT client authentication in production', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PUBLIC_BASE_URL: 'https://cds.example.org/',
      CDS_TRUSTED_ISSUERS: '/etc/cds/issuers.json',
      LINK_SECRET: 'a-production-link-secret-of-32-chars-or-more',
      SESSION_SECRET: 'a-production-session-secret-of-32-chars-or-more',
    });
    expect(config.auth).toBe('jwt');
    expect(config.publicBaseUrl).toBe('https://cds.example.org');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ FHIR_TIMEOUT_MS: '-5' }, 'FHIR_TIMEOUT_MS'],
    [{ CDS_AUTH: 'basic' }, 'CDS_AUTH'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ PUBLIC_BASE_URL: 'cds.example.org' }, 'PUBLIC_BASE_URL'],
    [{ CDS_AUTH: 'jwt' }, 'CDS_TRUSTED_ISSUERS'],
    [{ CORS_ORIGINS: 'https://ok.example, not an origin' }, 'CORS_ORIGINS'],
    [{ OIDC_ISSUER: 'idp.example.org' }, 'OIDC_ISSUER'],
    [{ OIDC_JWKS_URL: 'https://idp.example.org/jwks' }, 'OIDC_JWKS_URL'],
    [{ OIDC_ROLES_CLAIM: 'my roles' }, 'OIDC_ROLES_CLAIM'],
    [{ OIDC_AUDIENCE: '' }, 'OIDC_AUDIENCE'],
    [
      { NODE_ENV: 'production', CORS_ORIGINS: '*', CDS_TRUSTED_ISSUERS: 'x', PUBLIC_BASE_URL: 'https://a.b' },
      'CORS_ORIGINS',
    ],
    [{ NODE_ENV: 'production', CDS_TRUSTED_ISSUERS: 'x', PUBLIC_BASE_URL: 'https://a.b' }, 'LINK_SECRET'],
    [{ NODE_ENV: 'production', CDS_TRUSTED_ISSUERS: 'x', PUBLIC_BASE_URL: 'https://a.b' }, 'SESSION_SECRET'],
    [{ OIDC_CLIENT_ID: 'pgx' }, 'OIDC_CLIENT_ID'],
    [{ OIDC_ISSUER: 'idp.example.org', OIDC_CLIENT_ID: 'pgx' }, 'OIDC_ISSUER'],
    [{ LINK_SECRET: 'too short' }, 'LINK_SECRET'],
    [{ LINK_TTL_DAYS: '0' }, 'LINK_TTL_DAYS'],
    [{ METRICS_TOKEN: 'too short' }, 'METRICS_TOKEN'],
    // A space or a quote cannot travel in `Authorization: Bearer …` (RFC 6750 token68).
    [{ METRICS_TOKEN: 'a metrics token with spaces, 32+ chars long' }, 'METRICS_TOKEN'],
    [{ SMART_AUTH_ORIGINS: 'https://login.example.org/oauth2' }, 'SMART_AUTH_ORIGINS'],
    [{ SMART_AUTH_ORIGINS: 'ftp://login.example.org' }, 'SMART_AUTH_ORIGINS'],
  ])('names the bad variable (%j)', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it("takes the metrics scraper's token when set, and none otherwise", () => {
    const token = 'Zr4k_1x-9vQ~p2.Lm/8n+Ht5sWcYbA3eD0f==';
    expect(loadConfig({ METRICS_TOKEN: token }).metricsToken).toBe(token);
    expect(loadConfig({}).metricsToken).toBeUndefined();
  });

  it('takes a configured OpenID Connect issuer, with discovery unless a JWKS URL is given', () => {
    const config = loadConfig({
      OIDC_ISSUER: 'https://idp.example.org/realms/hospital',
      OIDC_AUDIENCE: 'pgx-cds-api',
      OIDC_ROLES_CLAIM: 'realm_access.roles',
    });
    expect(config.oidc).toEqual({
      issuer: 'https://idp.example.org/realms/hospital',
      audience: 'pgx-cds-api',
      rolesClaim: 'realm_access.roles',
      development: false,
    });
    const withJwks = loadConfig({
      NODE_ENV: 'production',
      PUBLIC_BASE_URL: 'https://cds.example.org',
      CDS_TRUSTED_ISSUERS: '/etc/cds/issuers.json',
      LINK_SECRET: 'l'.repeat(32),
      SESSION_SECRET: 's'.repeat(32),
      OIDC_ISSUER: 'https://idp.example.org',
      OIDC_JWKS_URL: 'https://idp.example.org/keys',
    });
    expect(withJwks.oidc).toMatchObject({ jwksUrl: 'https://idp.example.org/keys', audience: 'pgx-cds' });
  });

  it('is its own development issuer outside production when none is configured', () => {
    expect(loadConfig({ PORT: '4000' }).oidc).toEqual({
      issuer: 'http://localhost:4000/dev',
      jwksUrl: 'http://localhost:4000/dev/jwks.json',
      audience: 'pgx-cds',
      rolesClaim: 'roles',
      development: true,
    });
  });

  it('splits and normalizes the CORS allowlist', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://sandbox.cds-hooks.org/, http://localhost:8080' });
    expect(config.corsOrigins).toEqual(['https://sandbox.cds-hooks.org', 'http://localhost:8080']);
  });

  it('reads the SMART authorization origins, none by default', () => {
    expect(loadConfig({}).smartAuthOrigins).toEqual([]);
    expect(
      loadConfig({ SMART_AUTH_ORIGINS: 'https://login.example.org/, http://127.0.0.1:9000' })
        .smartAuthOrigins,
    ).toEqual(['https://login.example.org', 'http://127.0.0.1:9000']);
  });
});

/** The rows of the README's "Configuration" table: | `VARIABLE` | default | meaning |. */
function documentedVariables(): Map<string, { readonly defaultCell: string; readonly meaning: string }> {
  const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = (readme.split(/^## Configuration$/m)[1] ?? '').split(/^## /m)[0] ?? '';
  const rows = new Map<string, { readonly defaultCell: string; readonly meaning: string }>();
  for (const line of section.split('\n')) {
    const match = /^\| `([A-Z][A-Z0-9_]*)` \| (.+?) \| (.+) \|$/.exec(line.trim());
    if (!match) continue;
    const [, name, defaultCell, meaning] = match;
    expect(rows.has(name!)).toBe(false); // documented once
    rows.set(name!, { defaultCell: defaultCell!.trim(), meaning: meaning!.trim() });
  }
  return rows;
}

describe('the README configuration table', () => {
  const documented = documentedVariables();
  const variables = Object.keys(envSchema.shape);

  it('lists every variable the config schema reads', () => {
    expect(variables.length).toBeGreaterThan(0);
    expect(variables.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('lists nothing the config schema does not read', () => {
    expect([...documented.keys()].filter((name) => !variables.includes(name))).toEqual([]);
  });

  it('says what each variable means', () => {
    for (const { meaning } of documented.values()) expect(meaning.length).toBeGreaterThan(5);
  });

  it('gives the schema’s fixed defaults', () => {
    const defaults = envSchema.parse({}) as Record<string, unknown>;
    const fixed = Object.entries(defaults).filter(([, value]) => value !== undefined);
    expect(fixed.length).toBeGreaterThan(0);
    for (const [name, value] of fixed) {
      expect([name, documented.get(name)?.defaultCell]).toEqual([name, `\`${String(value)}\``]);
    }
  });
});
