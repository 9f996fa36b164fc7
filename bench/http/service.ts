/**
 * The service as `npm start` runs it (`node dist/main.js`, the compiled build; `npm run bench` builds it first), in
 * its own process, optionally pinned to one core: for the HTTP and replica benchmarks.
 */
import { fork, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../test/helpers/http';

/** Read when the module loads: once this process is pinned, `availableParallelism()` answers 1. */
export const CORES = os.availableParallelism();

export interface ServiceProcess {
  readonly url: string;
  readonly child: ChildProcess;
}

/** Pins a process to one core when `taskset` and that core exist; says whether it did. */
export function pin(pid: number, core: number): boolean {
  if (CORES < 2 || core >= CORES) return false;
  return spawnSync('taskset', ['-cp', String(core), String(pid)], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs a TypeScript script of this folder (`target.ts`, `shadow-target.ts`) under tsx in its own process, pinned to
 * `core`, with an IPC channel; resolves once it prints `READY <port>`.
 */
export async function startScript(
  file: string,
  args: readonly string[],
  core: number,
): Promise<ServiceProcess> {
  const child = fork(path.join(__dirname, file), args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'development' },
  });
  pin(child.pid ?? 0, core);
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    const m = /^READY (\d+)$/.exec(line);
    if (m) return { url: `http://127.0.0.1:${m[1] ?? ''}`, child };
  }
  throw new Error(`${file} exited before it listened`);
}

/**
 * Starts the service on `databaseUrl` (default: a SQLite file in a temp folder, removed when it exits), without
 * client-JWT checks (as the sandbox profile's tests run it) and with the rate limit out of the way; resolves once
 * `/healthz` answers.
 */
export async function startService(options: { readonly databaseUrl?: string; readonly core?: number } = {}) {
  const main = path.join(__dirname, '..', '..', 'dist', 'main.js');
  if (!existsSync(main)) throw new Error('dist/main.js is missing: run `npm run build:server` first');
  const port = await freePort();
  const dir =
    options.databaseUrl === undefined ? mkdtempSync(path.join(os.tmpdir(), 'pgx-bench-')) : undefined;
  const child = spawn(process.execPath, [main], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      DATABASE_URL: options.databaseUrl ?? path.join(dir as string, 'bench.sqlite'),
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '1000000',
      DEMO_FHIR: 'off',
      CDS_AUTH: 'none',
    },
  });
  child.once('exit', () => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  if (options.core !== undefined) pin(child.pid ?? 0, options.core);
  const url = `http://127.0.0.1:${String(port)}`;
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (child.exitCode !== null) break;
    const ready = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, child } satisfies ServiceProcess;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the service did not answer /healthz within 30 s');
}

/** Linux clock ticks per second (`getconf CLK_TCK`), the unit of `/proc/<pid>/stat` CPU times. */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/**
 * The fields of `/proc/<pid>/stat` after the command name (which is in parentheses and may hold spaces), so the 3rd
 * field (state) is at index 0: the parent pid at 1, utime and stime at 11 and 12. Empty when the process is gone.
 */
export function procStat(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  } catch {
    return [];
  }
}

/** CPU time (user + system, every thread) a process has used so far, in ms; NaN where unknown. */
export function cpuMs(pid: number): number {
  const fields = procStat(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** Stops the process and resolves with its peak resident set size (Linux `VmHWM`) in MiB, NaN where unknown. */
export async function stopProcess(child: ChildProcess): Promise<number> {
  const peak = peakRssMb(child.pid ?? 0);
  if (child.exitCode !== null) return peak;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return peak;
}

function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
