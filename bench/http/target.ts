/**
 * A benchmark target in its own process (started by `bench/cases/http.ts`, pinned to one core with `taskset`):
 * `service` boots the real app the way the tests do, on a SQLite file in a temp folder; `baseline` is a bare
 * express server that parses the same JSON body and answers a constant card. Prints `READY <port>` when listening.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { startTestApp } from '../../test/helpers/app';

const BODY_LIMIT = '5mb';

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      resolve(server);
    });
  });
}

function baseline(): express.Express {
  const app = express();
  app.use(express.json({ limit: BODY_LIMIT }));
  const card = {
    cards: [{ uuid: 'c', summary: 'Baseline card', indicator: 'info', source: { label: 'baseline' } }],
  };
  const discovery = { services: [{ id: 'baseline', hook: 'order-sign', description: 'baseline' }] };
  app.get('/cds-services', (_req, res) => {
    res.json(discovery);
  });
  app.post('/cds-services/:id', (_req, res) => {
    res.json(card);
  });
  app.post('/cds-services/:id/feedback', (_req, res) => {
    res.json({});
  });
  return app;
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  let server: Server;
  let cleanup = (): Promise<void> => Promise.resolve();
  if (kind === 'baseline') {
    server = await listen(baseline());
  } else if (kind === 'service') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cds-bench-'));
    const t = await startTestApp({
      env: { LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000' },
      databaseUrl: path.join(dir, 'bench.sqlite'),
    });
    server = await listen(t.app);
    cleanup = async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    };
  } else {
    throw new Error('usage: target.ts service|baseline');
  }
  const stop = (): void => {
    server.closeAllConnections();
    server.close(() => {
      void cleanup().finally(() => process.exit(0));
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
