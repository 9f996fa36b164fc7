import { ConfigError, loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it('serves on the embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBe('./data/cds.sqlite');
    expect(config.auth).toBe('none');
    expect(config.fhirTimeoutMs).toBe(2000);
    expect(config.publicBaseUrl).toBe('http://localhost:3000');
    expect(config.corsOrigins).toEqual([]);
  });

  it('defaults to JWT client authentication in production', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PUBLIC_BASE_URL: 'https://cds.example.org/',
      CDS_TRUSTED_ISSUERS: '/etc/cds/issuers.json',
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
    [
      { NODE_ENV: 'production', CORS_ORIGINS: '*', CDS_TRUSTED_ISSUERS: 'x', PUBLIC_BASE_URL: 'https://a.b' },
      'CORS_ORIGINS',
    ],
  ])('names the bad variable (%j)', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('splits and normalizes the CORS allowlist', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://sandbox.cds-hooks.org/, http://localhost:8080' });
    expect(config.corsOrigins).toEqual(['https://sandbox.cds-hooks.org', 'http://localhost:8080']);
  });
});
