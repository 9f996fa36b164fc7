/**
 * Shadow mode's cost on live calls (issue 11 item 3; target: under 2 ms added to p99 of a realistic order-sign call):
 * the real app on a SQLite file, the realistic order-sign request (20 gene results, two weeks of wearable data,
 * three draft orders) sent one at a time over HTTP keep-alive, in short blocks that take turns: without a shadow set
 * (A), with one (the default set with a CPIC cell and the R1 threshold changed), without (B), with, and so on, so
 * drift of the machine falls on both modes alike. The p99 of A against B, two samples of the same mode, is the noise
 * floor of the figure: an added p99 within it is not a measurable cost.
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

/** Blocks of each of the four turns (A, shadow, B, shadow), and calls per block: 1,500 calls per mode. */
const ROUNDS = 15;
const CALLS_PER_BLOCK = 50;
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
      const offA: number[] = [];
      const offB: number[] = [];
      const on: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        for (const turn of [offA, on, offB, on]) {
          t.thresholds.setShadow(turn === on ? shadowSet : undefined);
          for (let i = 0; i < CALLS_PER_BLOCK; i += 1) turn.push(await call());
        }
      }
      t.thresholds.setShadow(undefined);
      // Let the last comparisons finish before counting them.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const compared = (await t.store.shadow.list('bench-shadow', 10_000)).length;
      const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
      const off = sorted([...offA, ...offB]);
      const sortedOn = sorted(on);
      const p99Off = percentile(off, 99);
      const p99On = percentile(sortedOn, 99);
      const floor = percentile(sorted(offB), 99) - percentile(sorted(offA), 99);
      return {
        'calls per mode': off.length,
        'shadow comparisons stored': compared,
        'p50 without / with shadow (ms)': `${percentile(off, 50).toFixed(2)} / ${percentile(sortedOn, 50).toFixed(2)}`,
        'p99 without / with shadow (ms)': `${p99Off.toFixed(2)} / ${p99On.toFixed(2)}`,
        'p99 added by shadow mode (target < 2 ms)': `${(p99On - p99Off).toFixed(2)} ms`,
        'noise floor: p99 of B minus A, both without': `${floor.toFixed(2)} ms`,
      };
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
