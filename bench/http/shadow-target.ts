/**
 * The app of the shadow-mode benchmark in its own process (started by `bench/cases/shadow.ts`, pinned to one core),
 * so the load generator's own work stays out of the service's event loop. Prints `READY <port>`; on the IPC message
 * `shadow-on` or `shadow-off` it sets or clears the shadow set and answers `ok`; on `count` it answers how many
 * comparisons were stored. The shadow set is the default set with a CPIC cell and the R1 threshold changed.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseThresholdSet, DEFAULT_THRESHOLDS } from '../../src/rules/thresholds';
import { startTestApp } from '../../test/helpers/app';

const SHADOW_VERSION = 'bench-shadow';

async function main(): Promise<void> {
  const databaseUrl = process.argv[2];
  if (databaseUrl === undefined || process.send === undefined) {
    throw new Error('usage: forked with an IPC channel, shadow-target.ts <sqlite file>');
  }
  const t = await startTestApp({
    databaseUrl,
    env: { LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000' },
  });
  const shadowSet = parseThresholdSet({
    ...DEFAULT_THRESHOLDS,
    version: SHADOW_VERSION,
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
  const server = await new Promise<Server>((resolve) => {
    const s = t.app.listen(0, '127.0.0.1', () => {
      resolve(s);
    });
  });
  const answer = (message: unknown): void => {
    process.send?.(message);
  };
  process.on('message', (message) => {
    if (message === 'shadow-on' || message === 'shadow-off') {
      t.thresholds.setShadow(message === 'shadow-on' ? shadowSet : undefined);
      answer('ok');
    } else if (message === 'count') {
      void t.store.shadow.list(SHADOW_VERSION, 10_000).then((rows) => {
        answer(rows.length);
      });
    }
  });
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => {
      void t.close().then(() => process.exit(0));
    });
  });
  process.stdout.write(`READY ${String((server.address() as AddressInfo).port)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
