/**
 * Shadow mode's cost on live calls (issue 11 item 3; target: under 2 ms added to p99 of a realistic order-sign call):
 * the real app on a SQLite file, the realistic order-sign request (20 gene results, two weeks of wearable data,
 * three draft orders) sent one at a time over HTTP keep-alive, in alternating blocks with and without a shadow set
 * (the default set with a CPIC cell and the R1 threshold changed), so drift of the machine falls on both alike. The
 * comparisons run on a worker thread, as main.ts runs them; `BENCH_SHADOW_THREAD=main` runs them on the main thread
 * after each answer instead (the default of `createApp`), for comparison.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { BenchCase } from '../run';
import { realisticOrderSignRequest } from '../realistic-request';
import { parseThresholdSet, DEFAULT_THRESHOLDS } from '../../src/rules/thresholds';
import { startTestApp } from '../../test/helpers/app';
import { createWorkerComparer } from '../../src/admin/shadow';
import { createLogger } from '../../src/observability/logger';

const silentLogger = createLogger('silent');
const ON_MAIN_THREAD = process.env['BENCH_SHADOW_THREAD'] === 'main';

const BLOCKS = 6;
const CALLS_PER_BLOCK = 250;
const WARM_UP = 100;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const bench: BenchCase = {
  name: 'shadow: p99 of a realistic order-sign call with and without a shadow set',
  async run() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pgx-shadow-bench-'));
    const t = await startTestApp({
      databaseUrl: path.join(dir, 'bench.sqlite'),
      env: { LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000' },
      ...(ON_MAIN_THREAD ? {} : { shadowComparer: createWorkerComparer(silentLogger) }),
    });
    const server = await new Promise<Server>((resolve) => {
      const s = t.app.listen(0, '127.0.0.1', () => {
        resolve(s);
      });
    });
    const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/cds-services/pgx-order-sign`;
    const body = JSON.stringify(realisticOrderSignRequest(new Date()));
    const shadowSet = parseThresholdSet({
      ...DEFAULT_THRESHOLDS,
      version: 'bench-shadow',
      interruption: {
        ...DEFAULT_THRESHOLDS.interruption,
        Strong: { ...DEFAULT_THRESHOLDS.interruption.Strong, avoid: 'warning' },
      },
      sensorRules: DEFAULT_THRESHOLDS.sensorRules.map((r) =>
        r.id.startsWith('R1-')
          ? { ...r, triggers: r.triggers.map((tr, i) => (i === 0 ? { ...tr, value: 65 } : tr)) }
          : r,
      ),
    });
    const call = async (): Promise<number> => {
      const started = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`order-sign answered ${String(res.status)}`);
      return performance.now() - started;
    };
    try {
      for (let i = 0; i < WARM_UP; i += 1) await call();
      const off: number[] = [];
      const on: number[] = [];
      for (let b = 0; b < BLOCKS; b += 1) {
        const shadowOn = b % 2 === 1;
        t.thresholds.setShadow(shadowOn ? shadowSet : undefined);
        for (let i = 0; i < CALLS_PER_BLOCK; i += 1) (shadowOn ? on : off).push(await call());
      }
      t.thresholds.setShadow(undefined);
      // Let the last comparisons finish before counting them.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const compared = (await t.store.shadow.list('bench-shadow', 10_000)).length;
      off.sort((a, b) => a - b);
      on.sort((a, b) => a - b);
      const p99Off = percentile(off, 99);
      const p99On = percentile(on, 99);
      return {
        'comparisons made on': ON_MAIN_THREAD ? 'the main thread' : 'a worker thread',
        'calls per mode': off.length,
        'shadow comparisons stored': compared,
        'p50 without / with shadow (ms)': `${percentile(off, 50).toFixed(2)} / ${percentile(on, 50).toFixed(2)}`,
        'p99 without / with shadow (ms)': `${p99Off.toFixed(2)} / ${p99On.toFixed(2)}`,
        'p99 added by shadow mode (target < 2 ms)': `${(p99On - p99Off).toFixed(2)} ms`,
      };
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
