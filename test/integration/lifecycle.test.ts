/**
 * The real process (`tsx src/main.ts`): graceful shutdown on SIGTERM under keep-alive and `Connection: close` load
 * (zero failed in-flight calls), a port in use, and a clear refusal of a bad environment. Spawns child processes.
 * No wall-clock waits or assertions: in-flight calls are held by a gate on the mock FHIR server that the test opens
 * after SIGTERM, and every wait ends on a condition (bounded by jest's timeout).
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sandboxRequest } from '../helpers/cds';
import { freePort } from '../helpers/http';
import { searchset, startMockFhirServer } from '../helpers/mock-fhir';
import type { MockFhirServer } from '../helpers/mock-fhir';
import { openStore } from '../../src/store';
import { KNOWLEDGE_VERSION } from '../../src/rules/cpic';
import { DEFAULT_THRESHOLDS } from '../../src/rules/thresholds';

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

/** Calls the service holds at once in the shutdown tests. */
const IN_FLIGHT = 8;

interface Answer {
  readonly status: number;
  /** The response's `Connection` header. */
  readonly connection: string | undefined;
  /** The response's `Keep-Alive` header. */
  readonly keepAlive: string | undefined;
  readonly hookInstance: string;
}

function send(
  port: number,
  agent: Agent,
  method: string,
  urlPath: string,
  body: Record<string, unknown> | undefined,
  close: boolean,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method,
        agent,
        headers: {
          ...(text === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }),
          ...(close ? { connection: 'close' } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            connection: res.headers.connection,
            keepAlive: [res.headers['keep-alive']].flat().join(', ') || undefined,
            hookInstance: typeof body?.hookInstance === 'string' ? body.hookInstance : '',
          });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

function get(port: number, agent: Agent, urlPath: string, close: boolean): Promise<Answer> {
  return send(port, agent, 'GET', urlPath, undefined, close);
}

function post(
  port: number,
  agent: Agent,
  urlPath: string,
  body: Record<string, unknown>,
  close: boolean,
): Promise<Answer> {
  return send(port, agent, 'POST', urlPath, body, close);
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

  /** Opens the FHIR server's gate: every held answer goes out. */
  function gatedFhir(): () => void {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    fhir.on(/^Patient\//, { body: { resourceType: 'Patient', id: 'held' }, until: gate });
    fhir.on(/.*/, { body: searchset([]), until: gate });
    return open;
  }

  async function startedService(): Promise<{ port: number; databaseFile: string }> {
    const port = await freePort();
    const databaseFile = path.join(dir, 'not-yet-created', 'cds.sqlite');
    service = startService({
      PORT: String(port),
      DATABASE_URL: databaseFile,
      // The development issuer's key goes to the test's folder, not the repository's ./data.
      OIDC_DEV_KEY_FILE: path.join(dir, 'dev-oidc-key.json'),
      CDS_AUTH: 'none',
      FHIR_TIMEOUT_MS: '60000',
      LOG_LEVEL: 'info',
    });
    await service.waitFor('serving');
    return { port, databaseFile };
  }

  /** A patient-view call without prefetch (so it waits on the FHIR server), for its own patient. */
  function heldCall(port: number, agent: Agent, patientId: string, close: boolean): Promise<Answer> {
    const body = sandboxRequest('sandbox-patient-view.json', fhir.baseUrl, { prefetch: undefined });
    body.context = { ...(body.context as Record<string, unknown>), patientId };
    return post(port, agent, '/cds-services/pgx-patient-view', body, close);
  }

  describe.each([
    ['keep-alive', true],
    ['Connection: close', false],
  ] as const)('on SIGTERM under %s load', (_name, keepAlive) => {
    it('stops accepting, closes idle connections, finishes every in-flight call, writes its records, exits 0', async () => {
      const open = gatedFhir();
      const { port, databaseFile } = await startedService();
      const agent = new Agent({ keepAlive, maxSockets: 20 });
      try {
        // Idle keep-alive connections: served once, then left open by the agent.
        const warmUp = await Promise.all(
          Array.from({ length: 4 }, () => get(port, agent, '/cds-services', !keepAlive)),
        );
        expect(warmUp.map((a) => a.status)).toEqual([200, 200, 200, 200]);
        // The start line says the knowledge and thresholds in force, so the log confirms an update went live.
        const serving = service!
          .output()
          .split('\n')
          .find((l) => l.includes('"msg":"serving'));
        expect(JSON.parse(serving ?? '{}')).toMatchObject({
          knowledge: KNOWLEDGE_VERSION,
          thresholds: DEFAULT_THRESHOLDS.version,
        });
        // Idle connections outlive a load balancer's 60 s pool (KEEP_ALIVE_SECONDS), not Node's 5 s.
        if (keepAlive) expect(warmUp.map((a) => a.keepAlive)).toEqual(warmUp.map(() => 'timeout=65'));

        const patients = Array.from({ length: IN_FLIGHT }, (_, i) => `held-${i}`);
        const calls = patients.map((id) => heldCall(port, agent, id, !keepAlive));
        // Every call is inside its FHIR fallback now (its Patient read has arrived and is held).
        await until(() => patients.every((id) => fhir.requests.some((r) => r.url.includes(`Patient/${id}`))));

        service!.child.kill('SIGTERM');
        await service!.waitFor('shutting down');
        expect(await accepts(port)).toBe(false);

        open();
        const answers = await Promise.all(calls).catch((err: unknown) => {
          throw new Error(`${String(err)}\n${service!.output()}`);
        });
        expect(answers.map((a) => a.status)).toEqual(patients.map(() => 200));
        expect(answers.map((a) => a.connection)).toEqual(patients.map(() => 'close'));
        expect(await service!.exited).toBe(0);
        expect(service!.output()).toMatch(/"msg":"stopped"/);
        expect(service!.output()).not.toMatch(/did not finish in time|not written/);

        const store = await openStore(databaseFile);
        try {
          const recorded = await Promise.all(
            answers.map((a) => store.invocations.listByHookInstance(a.hookInstance)),
          );
          expect(recorded.map((r) => r.length)).toEqual(patients.map(() => 1));
        } finally {
          await store.close();
        }
      } finally {
        agent.destroy();
      }
    });
  });

  it('exits non-zero with a clear message when its port is in use, never claiming to serve', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      service = startService({
        PORT: String(port),
        DATABASE_URL: path.join(dir, 'cds.sqlite'),
        CDS_AUTH: 'none',
      });
      const code = await service.exited;
      expect(code).not.toBe(0);
      expect(typeof code).toBe('number');
      expect(service.output()).toMatch(new RegExp(`port ${port} is already in use`));
      expect(service.output()).not.toMatch(/serving/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
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
