/**
 * Throwaway PostgreSQL databases for integration tests. Each call creates `cds_test_<random>` on the local server
 * and `drop()` removes it. Without a reachable server this throws a loud error, so a missing PostgreSQL fails the
 * run instead of passing it silently; with `PGX_SKIP_POSTGRES=1` it prints a loud warning and returns undefined.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The server the tests use (trust authentication, as on the development and CI machines). */
export const TEST_POSTGRES_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** Connection URL of the new, empty database. */
  readonly url: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

async function withAdminClient<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database; undefined only when PostgreSQL does not answer and `PGX_SKIP_POSTGRES=1` is set.
 * @throws when PostgreSQL does not answer (and skipping was not asked for).
 */
export async function createTestDatabase(): Promise<TestDatabase | undefined> {
  const name = `cds_test_${randomBytes(6).toString('hex')}`;
  try {
    // The name is ours (hex only), so it is safe to splice into DDL, which takes no parameters.
    await withAdminClient((client) => client.query(`create database ${name}`));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (process.env.PGX_SKIP_POSTGRES === '1') {
      console.warn(
        `\n${'!'.repeat(100)}\n!! PGX_SKIP_POSTGRES=1: PostgreSQL at ${TEST_POSTGRES_ADMIN_URL} did not answer (${reason}).\n` +
          `!! The PostgreSQL half of these tests did NOT run. Do not ship on this result.\n${'!'.repeat(100)}\n`,
      );
      return undefined;
    }
    throw new Error(
      `PostgreSQL at ${TEST_POSTGRES_ADMIN_URL} did not answer (${reason}). The integration tests need it: ` +
        'start PostgreSQL (trust auth for user postgres), or set PGX_SKIP_POSTGRES=1 to skip the PostgreSQL tests ' +
        'with a warning.',
      { cause: err },
    );
  }
  const url = new URL(TEST_POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withAdminClient((client) => client.query(`drop database if exists ${name} with (force)`)).then(
        () => undefined,
      ),
  };
}
