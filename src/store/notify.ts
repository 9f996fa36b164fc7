/**
 * Threshold publications across replicas (issue 11 item 4): on PostgreSQL, publish and rollback send
 * `NOTIFY threshold_sets` in their transaction (delivered at commit), and every replica LISTENs on a connection of its
 * own, so it reloads at once instead of at its next poll. SQLite (one process) keeps polling only.
 */
import { Client } from 'pg';
import type { Engine } from './connect';

/** The channel publish and rollback notify on. */
export const THRESHOLD_CHANNEL = 'threshold_sets';

/** Stops listening. */
export type StopListening = () => Promise<void>;

/**
 * Calls `onChange` whenever another (or this) process publishes or rolls back a threshold set. On SQLite, nothing to
 * listen to: resolves with a no-op. A lost listening connection is reported through `onError` (polling still
 * converges; the process does not reconnect by itself).
 */
export async function listenForThresholdChanges(
  engine: Engine,
  databaseUrl: string,
  onChange: () => void,
  onError: (err: Error) => void,
): Promise<StopListening> {
  if (engine !== 'postgres') return () => Promise.resolve();
  const client = new Client({ connectionString: databaseUrl });
  client.on('error', onError);
  client.on('notification', (msg) => {
    if (msg.channel === THRESHOLD_CHANNEL) onChange();
  });
  try {
    await client.connect();
    await client.query(`LISTEN ${THRESHOLD_CHANNEL}`);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return async () => {
    client.removeAllListeners('notification');
    await client.end().catch(() => undefined);
  };
}
