/**
 * Shadow mode's cost on live calls (issue 11 item 3; target: under 2 ms added to p99 of a realistic order-sign call):
 * the real app on a SQLite file, the realistic order-sign request (20 gene results, two weeks of wearable data,
 * three draft orders) sent one at a time over HTTP keep-alive, in short blocks that take turns: without a shadow set
 * (A), with one (the default set with a CPIC cell and the R1 threshold changed), without (B), with, and so on, so
 * drift of the machine falls on both modes alike. The p99 of A against B, two samples of the same mode, is the noise
 * floor of the figure: an added p99 within it is not a measurable cost. The app runs in its own process pinned to
 * one core (`bench/http/shadow-target.ts`), this process sends the calls from another.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchCase } from '../run';
import { realisticOrderSignRequest } from '../realistic-request';
import { pin, startScript, stopProcess } from '../http/service';
import { percentile } from '../stats';

/** Blocks of each of the four turns (A, shadow, B, shadow), and calls per block: 1,500 calls per mode. */
const ROUNDS = 15;
const CALLS_PER_BLOCK = 50;
const WARM_UP = 100;

/** Sends `message` to the target and resolves with its answer. */
function ask(child: ChildProcess, message: string): Promise<unknown> {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(message);
  });
}

const bench: BenchCase = {
  name: 'shadow: p99 of a realistic order-sign call with and without a shadow set',
  async run() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pgx-shadow-bench-'));
    const { child, url: base } = await startScript('shadow-target.ts', [path.join(dir, 'bench.sqlite')], 0);
    pin(process.pid, 1);
    const url = `${base}/cds-services/pgx-order-sign`;
    const body = JSON.stringify(realisticOrderSignRequest(new Date()));
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
          await ask(child, turn === on ? 'shadow-on' : 'shadow-off');
          for (let i = 0; i < CALLS_PER_BLOCK; i += 1) turn.push(await call());
        }
      }
      await ask(child, 'shadow-off');
      // Let the last comparisons be written before counting them.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const compared = Number(await ask(child, 'count'));
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
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
