/**
 * jest `globalSetup` of the integration project: when `TEST_DATABASE_URL` is unset, starts an embedded PostgreSQL
 * (see postgres-server.ts) and hands its URL to every test file through `TEST_DATABASE_URL` (workers inherit the
 * environment). A server named by `TEST_DATABASE_URL` is used as it is.
 */
import { startEmbeddedPostgres } from './postgres-server';
import type { EmbeddedPostgresServer } from './postgres-server';

/** Read by postgres-global-teardown.ts (globalSetup and globalTeardown run in the same process). */
export interface EmbeddedPostgresGlobal {
  __pgxEmbeddedPostgres?: EmbeddedPostgresServer;
}

export default async function startTestPostgres(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) return;
  const server = await startEmbeddedPostgres();
  (globalThis as EmbeddedPostgresGlobal).__pgxEmbeddedPostgres = server;
  process.env.TEST_DATABASE_URL = server.url;
  if (process.env.PGX_POSTGRES_TIMING === '1') {
    process.stderr.write(`\nembedded PostgreSQL started in ${server.startMs} ms\n`);
  }
}
