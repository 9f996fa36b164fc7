/**
 * Replicas (issue 13 item 4; target: two replicas give at least 1.8× one replica's throughput, each on its own core):
 * the realistic order-sign call at 10 connections against one service process, then against two on the same
 * PostgreSQL database (an embedded server this case starts, or `BENCH_DATABASE_URL`), the load spread over both as a
 * load balancer would. Replica i is pinned to core i and the load generator to the core after them; on a machine
 * with fewer than three cores they share, and the figure says so rather than pass for the target's condition.
 */
import autocannon from 'autocannon';
import type { BenchCase } from '../run';
import { CORES, pin, startService, stopProcess } from '../http/service';
import type { ServiceProcess } from '../http/service';
import { realisticOrderSignRequest } from '../realistic-request';
import { startEmbeddedPostgres } from '../../test/helpers/postgres-server';
import { createTestDatabase } from '../../test/helpers/postgres';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '5');
const CONNECTIONS = 10;
const PATH = '/cds-services/pgx-order-sign';

async function throughput(
  replicas: readonly ServiceProcess[],
  body: string,
): Promise<{ rps: number; errors: number }> {
  const options = {
    // autocannon spreads the connections over several URLs (lib/run.js); its types admit one only.
    url: replicas.map((r) => `${r.url}${PATH}`) as unknown as string,
    connections: CONNECTIONS,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body,
  };
  await autocannon({ ...options, duration: 1 });
  const result = await autocannon({ ...options, duration: SECONDS });
  return { rps: result.requests.average, errors: result.errors + result.non2xx };
}

const bench: BenchCase = {
  name: 'replicas: realistic order-sign throughput with one and two replicas on one PostgreSQL',
  async run() {
    const server = process.env['BENCH_DATABASE_URL'] ? undefined : await startEmbeddedPostgres();
    if (server) process.env['TEST_DATABASE_URL'] = server.url;
    const database = process.env['BENCH_DATABASE_URL']
      ? { url: process.env['BENCH_DATABASE_URL'], drop: () => Promise.resolve() }
      : await createTestDatabase();
    const generatorPinned = pin(process.pid, 2);
    const body = JSON.stringify(realisticOrderSignRequest(new Date()));
    const started: ServiceProcess[] = [];
    try {
      // One at a time: the first migrates the database, the second finds it migrated.
      started.push(await startService({ databaseUrl: database.url, core: 0 }));
      const one = await throughput(started, body);
      started.push(await startService({ databaseUrl: database.url, core: 1 }));
      const two = await throughput(started, body);
      const scaling = two.rps / one.rps;
      return {
        'one replica (calls/s)': one.rps.toFixed(1),
        'two replicas (calls/s)': two.rps.toFixed(1),
        'two / one (target >= 1.8)': scaling.toFixed(2),
        'errors + non-2xx': one.errors + two.errors,
        conditions:
          CORES >= 3 && generatorPinned
            ? `each replica on its own core, load generator on a third (${CORES} cores)`
            : `NOT the target's condition: ${CORES} cores, so the load generator and PostgreSQL share the replicas' cores`,
      };
    } finally {
      for (const replica of started) await stopProcess(replica.child);
      await database.drop();
      await server?.stop();
    }
  },
};

export default bench;
