/**
 * SQLite WAL checkpoints off the event loop. By default SQLite checkpoints inside the commit that takes the WAL past
 * 1,000 pages: that commit copies the pages into the database file and waits for the disk twice, and the process
 * serves nothing meanwhile. A hook call writes about 20 pages, so every 45th call paid it: on average 0.4 of the 0.8
 * ms a recording commit took, profiled under `npm run bench` (docs/speed.md). Here the serving connection never
 * checkpoints; a worker thread with its own connection runs a passive checkpoint every `everyMs`. A passive checkpoint
 * never blocks the writer: it copies what no reader still needs, and once everything is copied the next commit starts
 * the WAL again from its beginning. If the worker stops for any reason, the serving connection checkpoints itself
 * again, as SQLite does by default.
 */
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';

/** How often the worker checkpoints. */
export const CHECKPOINT_EVERY_MS = 1000;
/** SQLite's own default, restored when the worker is gone. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

/**
 * The worker, as CommonJS source (no separate file: it runs the same from `dist/` and under the test runner). It loads
 * better-sqlite3 from where the service loaded it.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: workerData.timeoutMs });
db.pragma('synchronous = FULL');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // The file is busy or gone: the next round tries again; the store's own checks report a removed file.
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Checkpoints once more and stops the worker; resolves once it has closed its connection and exited. */
  stop(): Promise<void>;
}

/** Moves the WAL checkpoints of `database` (open on `file`, in WAL mode) to a worker thread. */
export function checkpointInWorker(
  database: SqliteDatabase.Database,
  file: string,
  options: { readonly timeoutMs: number; readonly everyMs?: number },
): Checkpointer {
  database.pragma('wal_autocheckpoint = 0');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: require.resolve('better-sqlite3'),
      file,
      timeoutMs: options.timeoutMs,
      everyMs: options.everyMs ?? CHECKPOINT_EVERY_MS,
    },
  });
  worker.unref();
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => {
      if (database.open) database.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
      resolve();
    });
  });
  // A worker that failed to start or threw exits: the serving connection checkpoints itself again (above).
  worker.on('error', () => undefined);
  return {
    stop: async () => {
      // Held by the worker from here: a process that is shutting down waits for the last checkpoint.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
