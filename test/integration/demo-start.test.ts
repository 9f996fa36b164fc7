/**
 * `npm start` with nothing configured (SQLite default, a fresh data folder) serves the demo patients at `/demo/fhir`
 * (issue 12 item 3), after warming the hooks up on them without recording anything. Spawns the real process (`tsx
 * src/main.ts`, what `npm start` runs once built); every wait is bounded by jest's timeout, never by wall-clock
 * assertions.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { Bundle } from 'fhir/r4';
import { freePort } from '../helpers/http';

// Starting the TypeScript process takes seconds on a busy machine.
jest.setTimeout(60_000);

const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

it('serves /demo/fhir with every demo patient on a default start', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'demo-start-'));
  const port = await freePort();
  // Only what the service needs: no NODE_ENV, no DEMO_FHIR, no CORS_ORIGINS: the defaults.
  const child = spawn(TSX, ['src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      DATABASE_URL: path.join(dir, 'cds.sqlite'),
    },
  });
  let out = '';
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      resolve();
    }),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const check = (chunk: Buffer): void => {
        out += chunk.toString('utf8');
        if (out.includes('demo FHIR server')) resolve();
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      child.on('exit', () => {
        reject(new Error(`the service ended: ${out}`));
      });
    });
    const base = `http://localhost:${port}/demo/fhir`;
    const metadata = (await (await fetch(`${base}/metadata`)).json()) as { fhirVersion?: string };
    expect(metadata.fhirVersion).toBe('4.0.1');
    const patients = (await (await fetch(`${base}/Patient?_count=100`)).json()) as Bundle;
    expect(patients.total).toBeGreaterThanOrEqual(12);
    expect(patients.entry?.every((e) => e.resource?.id?.startsWith('demo-'))).toBe(true);
    // The sandbox's origin may call the CDS services without any setting.
    const discovery = await fetch(`http://localhost:${port}/cds-services`, {
      headers: { Origin: 'https://sandbox.cds-hooks.org' },
    });
    expect(discovery.headers.get('access-control-allow-origin')).toBe('https://sandbox.cds-hooks.org');
    // The hooks ran on the demo patients before the service listened, and left nothing in the store.
    expect(out).toContain('hooks warmed up on the demo patients');
    const db = new SqliteDatabase(path.join(dir, 'cds.sqlite'), { readonly: true });
    try {
      for (const table of ['invocations', 'cards', 'volume_outcomes']) {
        expect(db.prepare(`select count(*) as n from ${table}`).get()).toEqual({ n: 0 });
      }
    } finally {
      db.close();
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
});
