/**
 * The benchmark's baseline in its own process (started by `bench/cases/http.ts`, pinned to one core with `taskset`):
 * a bare express server that parses the same JSON body and answers a constant card. Prints `READY <port>` when
 * listening. (The service itself runs as `npm start` runs it, `node dist/main.js`.)
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

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
  if (process.argv[2] !== 'baseline') throw new Error('usage: target.ts baseline');
  const server = await listen(baseline());
  const stop = (): void => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
