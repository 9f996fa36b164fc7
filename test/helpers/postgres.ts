/**
 * Throwaway PostgreSQL databases for integration tests. Each call creates `cds_test_<random>` on the server named by
 * `TEST_DATABASE_URL` and `drop()` removes it. When that variable is unset, the integration project's jest
 * `globalSetup` starts an embedded PostgreSQL and sets it (postgres-global-setup.ts), so no PostgreSQL test is ever
 * skipped: a server that does not answer fails the test.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface TestDatabase {
  /** Connection URL of the new, empty database. */
  readonly url: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

/**
 * The server URL from `TEST_DATABASE_URL`: a role allowed to create databases, on a database it can connect to
 * (e.g. `postgres://postgres@127.0.0.1:5432/postgres`).
 * @throws when it is unset (the test runs outside jest's integration project, whose globalSetup sets it).
 */
export function testServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      'TEST_DATABASE_URL is unset: run the integration tests through jest (`npm run test:integration`), whose ' +
        'globalSetup starts an embedded PostgreSQL, or set TEST_DATABASE_URL to a PostgreSQL server URL.',
    );
  }
  return url;
}

/** The URL without its password, for error messages. */
function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

async function withServerClient<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: testServerUrl(), connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database on the test server.
 * @throws when PostgreSQL does not answer.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `cds_test_${randomBytes(6).toString('hex')}`;
  try {
    // The name is ours (hex only), so it is safe to splice into DDL, which takes no parameters.
    await withServerClient((client) => client.query(`create database ${name}`));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `PostgreSQL at ${redacted(testServerUrl())} did not create a test database (${reason}).`,
      {
        cause: err,
      },
    );
  }
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withServerClient((client) => client.query(`drop database if exists ${name} with (force)`)).then(
        () => undefined,
      ),
  };
}
