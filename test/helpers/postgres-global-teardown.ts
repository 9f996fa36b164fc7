/** jest `globalTeardown` of the integration project: stops the embedded PostgreSQL that globalSetup started. */
import type { EmbeddedPostgresGlobal } from './postgres-global-setup';

export default async function stopTestPostgres(): Promise<void> {
  const holder = globalThis as EmbeddedPostgresGlobal;
  const server = holder.__pgxEmbeddedPostgres;
  if (!server) return;
  delete holder.__pgxEmbeddedPostgres;
  delete process.env.TEST_DATABASE_URL;
  await server.stop();
}
