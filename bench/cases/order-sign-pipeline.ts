/**
 * The whole order-sign pipeline over HTTP (validate → gather → know → decide → speak → record) with a realistic
 * prefetch (20 gene results, two weeks of wearable data, three draft orders), against a baseline endpoint that
 * parses the same body and returns a constant card, in the same run on the same machine.
 * Reports p50/p99 latency of sequential calls and throughput at a fixed concurrency.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { BenchCase } from '../run';
import { realisticOrderSignRequest } from '../realistic-request';
import { startTestApp } from '../../test/helpers/app';

const SEQUENTIAL_CALLS = 200;
const CONCURRENCY = 8;
const CONCURRENT_CALLS = 400;

function listen(app: express.Express): Promise<{ url: string; server: Server }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server });
    });
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function measure(
  url: string,
  body: string,
): Promise<{ p50: number; p99: number; rps: number; cards: number }> {
  const call = async (): Promise<number> => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const json = (await res.json()) as { cards?: unknown[] };
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    return json.cards?.length ?? 0;
  };
  let cards = 0;
  for (let i = 0; i < 20; i++) cards = await call(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < SEQUENTIAL_CALLS; i++) {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CONCURRENT_CALLS) {
        next += 1;
        await call();
      }
    }),
  );
  const rps = CONCURRENT_CALLS / ((performance.now() - started) / 1000);
  return { p50: percentile(times, 50), p99: percentile(times, 99), rps, cards };
}

const bench: BenchCase = {
  name: 'order-sign pipeline (HTTP, realistic prefetch)',
  async run() {
    const now = new Date();
    const request = realisticOrderSignRequest(now);
    const body = JSON.stringify(request);

    const t = await startTestApp({ env: { LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000' } });
    const service = await listen(t.app);
    const baselineApp = express();
    baselineApp.use(express.json({ limit: '5mb' }));
    const constant = {
      cards: [{ uuid: 'c', summary: 'Baseline card', indicator: 'info', source: { label: 'baseline' } }],
    };
    baselineApp.post('/cds-services/baseline', (_req, res) => {
      res.json(constant);
    });
    const baseline = await listen(baselineApp);
    try {
      const b = await measure(`${baseline.url}/cds-services/baseline`, body);
      const s = await measure(`${service.url}/cds-services/pgx-order-sign`, body);
      return {
        'request body': `${(body.length / 1024).toFixed(0)} KiB`,
        'cards per call (service)': s.cards,
        'service p50': `${s.p50.toFixed(2)} ms`,
        'service p99': `${s.p99.toFixed(2)} ms`,
        [`service throughput (c=${CONCURRENCY})`]: `${s.rps.toFixed(0)} calls/s`,
        'baseline p50': `${b.p50.toFixed(2)} ms`,
        'baseline p99': `${b.p99.toFixed(2)} ms`,
        [`baseline throughput (c=${CONCURRENCY})`]: `${b.rps.toFixed(0)} calls/s`,
        'p50 ratio service/baseline': `${(s.p50 / b.p50).toFixed(1)}x`,
        'throughput ratio baseline/service': `${(b.rps / s.rps).toFixed(1)}x`,
      };
    } finally {
      service.server.close();
      baseline.server.close();
      await t.close();
    }
  },
};

export default bench;
