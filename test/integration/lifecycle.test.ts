/**
 * The real process (`tsx src/main.ts`): graceful shutdown on SIGTERM with a call in flight, and a clear refusal
 * of a bad environment. Spawns child processes; every wait is bounded by jest's timeout, never by wall-clock
 * assertions.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sandboxRequest } from '../helpers/cds';
import { freePort } from '../helpers/http';
import { searchset, startMockFhirServer } from '../helpers/mock-fhir';
import type { MockFhirServer } from '../helpers/mock-fhir';

// Starting the TypeScript process takes seconds on a busy machine.
jest.setTimeout(60_000);

const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface Spawned {
  readonly child: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** Resolves once the output contains `text`; rejects if the process ends first. */
  waitFor(text: string): Promise<void>;
}

function startService(env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(TSX, ['src/main.ts'], {
    cwd: ROOT,
    // Only what the service needs: the test's own environment (NODE_ENV=test, …) stays out.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  let out = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    for (const l of listeners) l();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return {
    child,
    output: () => out,
    exited,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (out.includes(text)) {
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        check();
        void exited.then(() => {
          if (!out.includes(text)) reject(new Error(`process ended before "${text}":\n${out}`));
        });
      }),
  };
}

/** Whether a TCP connection to the port is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('the service process', () => {
  let dir: string;
  let fhir: MockFhirServer;
  let service: Spawned | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cds-lifecycle-'));
    fhir = await startMockFhirServer();
  });
  afterEach(async () => {
    if (service && service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGKILL');
      await service.exited;
    }
    service = undefined;
    await fhir.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('finishes an in-flight call on SIGTERM, then stops accepting, closes the store and exits 0', async () => {
    // The FHIR server answers slowly: the call is still waiting for it when SIGTERM arrives.
    fhir.on(/^Patient\//, { body: { resourceType: 'Patient', id: 'smart-1288992' }, delayMs: 1500 });
    fhir.on(/.*/, { body: searchset([]), delayMs: 1500 });
    const port = await freePort();
    const databaseFile = path.join(dir, 'not-yet-created', 'cds.sqlite');
    service = startService({
      PORT: String(port),
      DATABASE_URL: databaseFile,
      // The development issuer's key goes to the test's folder, not the repository's ./data.
      OIDC_DEV_KEY_FILE: path.join(dir, 'dev-oidc-key.json'),
      CDS_AUTH: 'none',
      FHIR_TIMEOUT_MS: '20000',
      LOG_LEVEL: 'info',
    });
    await service.waitFor('serving');

    const body = sandboxRequest('sandbox-patient-view.json', fhir.baseUrl, { prefetch: undefined });
    const inFlight = fetch(`http://127.0.0.1:${port}/cds-services/pgx-patient-view`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await until(() => fhir.requests.length > 0); // the call is inside the FHIR fallback now
    service.child.kill('SIGTERM');
    await service.waitFor('shutting down');
    expect(await accepts(port)).toBe(false);

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ cards: [] });
    expect(await service.exited).toBe(0);
    expect(service.output()).toMatch(/"msg":"stopped"/);
    expect(existsSync(databaseFile)).toBe(true);
  });

  it('refuses to start with a bad PORT, naming the variable, and exits non-zero', async () => {
    service = startService({ PORT: 'x', DATABASE_URL: path.join(dir, 'cds.sqlite') });
    const code = await service.exited;
    expect(code).not.toBe(0);
    expect(typeof code).toBe('number');
    expect(service.output()).toMatch(/\bPORT\b/);
    expect(service.output()).not.toMatch(/\bat .*\.(ts|js):\d+/); // a message, not a stack trace
  });
});
