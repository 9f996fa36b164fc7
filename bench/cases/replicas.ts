/**
 * Replicas (issue 13 item 4; target: two replicas give at least 1.8× one replica's throughput, each on its own core):
 * the realistic order-sign call at 10 connections against one service process, then against two on the same
 * PostgreSQL database (an embedded server this case starts, or `BENCH_DATABASE_URL`), the load spread over both as a
 * load balancer would. Replica i is pinned to core i and the load generator to the core after them; on a machine
 * with fewer than three cores they share, and the figure says so rather than pass for the target's condition.
 */
import autocannon from 'autocannon';
import type { BenchCase } from '../run';
import { readdirSync } from 'node:fs';
import { CORES, cpuMs, pin, procStat, startService, stopProcess } from '../http/service';
import type { ServiceProcess } from '../http/service';
import { realisticOrderSignRequest } from '../realistic-request';
import { startEmbeddedPostgres } from '../../test/helpers/postgres-server';
import { createTestDatabase } from '../../test/helpers/postgres';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '5');
const CONNECTIONS = 10;
const PATH = '/cds-services/pgx-order-sign';

/** Seconds of load a replica gets alone before it is measured: a new process runs about half as fast at first. */
const WARM_UP_SECONDS = Number(process.env['BENCH_WARM_UP_SECONDS'] ?? '15');

interface Measured {
  readonly rps: number;
  readonly errors: number;
  /** CPU time per call of the replicas together, and of PostgreSQL (the postmaster and its backends). */
  readonly replicaCpuMs: number;
  readonly postgresCpuMs: number;
}

/** CPU milliseconds of `pid` and of its children alive now (PostgreSQL's backends are the postmaster's children). */
function treeCpuMs(pid: number): number {
  let total = cpuMs(pid);
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry) && Number(procStat(Number(entry))[1]) === pid) total += cpuMs(Number(entry));
  }
  return total;
}

function load(replicas: readonly ServiceProcess[], body: string, seconds: number) {
  return autocannon({
    // autocannon spreads the connections over several URLs (lib/run.js); its types admit one only.
    url: replicas.map((r) => `${r.url}${PATH}`) as unknown as string,
    connections: CONNECTIONS,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    duration: seconds,
  });
}

async function measure(
  replicas: readonly ServiceProcess[],
  body: string,
  postgresPid: number | undefined,
): Promise<Measured> {
  const replicaCpu = (): number => replicas.reduce((sum, r) => sum + cpuMs(r.child.pid ?? 0), 0);
  const postgresCpu = (): number => (postgresPid === undefined ? NaN : treeCpuMs(postgresPid));
  const [replicasBefore, postgresBefore] = [replicaCpu(), postgresCpu()];
  const result = await load(replicas, body, SECONDS);
  const calls = Math.max(1, result.requests.total);
  return {
    rps: result.requests.average,
    errors: result.errors + result.non2xx,
    replicaCpuMs: (replicaCpu() - replicasBefore) / calls,
    postgresCpuMs: (postgresCpu() - postgresBefore) / calls,
  };
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
      // One at a time: the first migrates the database, the second finds it migrated. Each is warmed alone first, so
      // neither figure is a new process's first minute.
      started.push(await startService({ databaseUrl: database.url, core: 0 }));
      await load(started, body, WARM_UP_SECONDS);
      const one = await measure(started, body, server?.pid);
      const second = await startService({ databaseUrl: database.url, core: 1 });
      started.push(second);
      await load([second], body, WARM_UP_SECONDS);
      const two = await measure(started, body, server?.pid);
      const scaling = two.rps / one.rps;
      return {
        'one replica (calls/s)': one.rps.toFixed(1),
        'two replicas (calls/s)': two.rps.toFixed(1),
        'two / one (target >= 1.8)': scaling.toFixed(2),
        'errors + non-2xx': one.errors + two.errors,
        // What two replicas cost each other through the shared store: CPU per call that grows with the second replica.
        // Equal figures mean a replica on a core of its own would run as fast as one alone.
        'replicas CPU ms per call, one / two': `${one.replicaCpuMs.toFixed(2)} / ${two.replicaCpuMs.toFixed(2)}`,
        'PostgreSQL CPU ms per call, one / two': `${one.postgresCpuMs.toFixed(2)} / ${two.postgresCpuMs.toFixed(2)}`,
        'two / one with a core each, from the replicas CPU per call': (
          (2 * one.replicaCpuMs) /
          two.replicaCpuMs
        ).toFixed(2),
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
