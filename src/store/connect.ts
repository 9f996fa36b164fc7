/**
 * `DATABASE_URL` → a kysely dialect: PostgreSQL for `postgres://` / `postgresql://` URLs, otherwise a SQLite file
 * path (or `:memory:`). Every query has a deadline (`timeoutMs`), and a PostgreSQL connection that failed is thrown
 * away rather than reused, so the pool recovers by itself once the server answers again.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { PostgresDialect, SqliteDialect, sql } from 'kysely';
import type {
  Dialect,
  Kysely,
  PostgresPool,
  PostgresPoolClient,
  SqliteDatabase as SqliteDialectDatabase,
  Transaction,
} from 'kysely';
import { Pool } from 'pg';
import type { PoolClient } from 'pg';
import { checkpointInWorker } from './checkpoints';
import type { Checkpointer } from './checkpoints';
import { isStoreFault } from './faults';

export type Engine = 'sqlite' | 'postgres';

/** Default deadline of one query (and of opening a PostgreSQL connection), in milliseconds. */
export const DEFAULT_STORE_TIMEOUT_MS = 2000;
const POSTGRES_POOL_SIZE = 10;

export interface DialectOptions {
  /**
   * Deadline of one query, in milliseconds. PostgreSQL: `statement_timeout` (the server cancels), `query_timeout`
   * (the client gives up on a server or network that went silent), the connect timeout and
   * `idle_in_transaction_session_timeout`. SQLite: the busy timeout (how long a writer waits for another's lock; it
   * blocks the process meanwhile, so keep it short).
   */
  readonly timeoutMs?: number;
  /** Deadline of opening a PostgreSQL connection; default `timeoutMs`. */
  readonly connectTimeoutMs?: number;
}

/** Picks the engine from the URL; any other `scheme://` is refused rather than taken for a file name. */
export function engineOf(databaseUrl: string): Engine {
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) return 'postgres';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(databaseUrl)) {
    throw new Error(
      'DATABASE_URL: only postgres:// or postgresql:// URLs, or a SQLite file path, are supported',
    );
  }
  return 'sqlite';
}

/** Builds the dialect; for SQLite, creates the file's folder and opens the file with the durability pragmas. */
export function createDialect(engine: Engine, databaseUrl: string, options: DialectOptions = {}): Dialect {
  const timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  switch (engine) {
    case 'postgres':
      return new PostgresDialect({
        pool: resilientPool(databaseUrl, timeoutMs, options.connectTimeoutMs ?? timeoutMs),
      });
    case 'sqlite': {
      if (databaseUrl !== ':memory:') mkdirSync(path.dirname(path.resolve(databaseUrl)), { recursive: true });
      // `timeout` is better-sqlite3's busy timeout.
      const database = new SqliteDatabase(databaseUrl, { timeout: timeoutMs });
      database.pragma('journal_mode = WAL');
      // FULL: a commit returns only after the WAL is synced, so acknowledged feedback survives a power cut.
      database.pragma('synchronous = FULL');
      database.pragma('foreign_keys = ON');
      const dialect = new SqliteDialect({ database: withStatementCache(database) });
      return databaseUrl === ':memory:'
        ? dialect
        : withCheckpointer(dialect, checkpointInWorker(database, databaseUrl, { timeoutMs }));
    }
  }
}

/**
 * On PostgreSQL, a `FROM` item whose evaluation turns off the wait for the disk in the statement's own one-statement
 * transaction (`set_config(…, true)` lasts to its commit): `withoutSyncWait` for a single statement, without the three
 * round trips of BEGIN, SET LOCAL and COMMIT, which cost order-select about 0.7 ms of CPU a call and, on a row every
 * call updates, held its lock across them. 300 upserts with it made 1 WAL flush, without it 300.
 */
export const NO_SYNC_WAIT = sql<{
  set_config: string;
}>`(select set_config('synchronous_commit', 'off', true))`.as('no_sync_wait');

/**
 * Runs `write` in one transaction committed without waiting for the disk: SQLite `synchronous = NORMAL` for this
 * transaction only (on the one connection, held for the whole callback so no other transaction runs under it, then
 * FULL again), PostgreSQL `SET LOCAL synchronous_commit = off`; resolves with what `write` resolves with. For records
 * nobody is told were stored (invocations, shadow comparisons, the order-select card cache): they survive a crash of
 * this process (the WAL of either engine); a power cut or an operating-system crash may lose the last few, never
 * corrupt the store, and the next commit that waits (feedback, reviews, audit) makes every record before it durable
 * too.
 */
export async function withoutSyncWait<DB, T = void>(
  db: Kysely<DB>,
  engine: Engine,
  write: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  if (engine === 'postgres') {
    return db.transaction().execute(async (trx) => {
      await sql`set local synchronous_commit = off`.execute(trx);
      return write(trx);
    });
  }
  return db.connection().execute(async (conn) => {
    await sql`pragma synchronous = NORMAL`.execute(conn);
    try {
      return await conn.transaction().execute(write);
    } finally {
      await sql`pragma synchronous = FULL`.execute(conn);
    }
  });
}

/**
 * The dialect whose `destroy` (the store's `close`) resolves once the checkpoint worker has run its last checkpoint
 * and closed its connection: the database files are then complete and no longer open, and may be copied or removed.
 */
function withCheckpointer(dialect: SqliteDialect, checkpoints: Checkpointer): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => {
      const driver = dialect.createDriver();
      const destroy = driver.destroy.bind(driver);
      driver.destroy = async () => {
        await destroy();
        await checkpoints.stop();
      };
      return driver;
    },
  };
}

/** Prepared statements kept per SQL text; past this many distinct texts the cache starts again. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The database as kysely sees it, preparing each distinct SQL text once: kysely's SQLite driver prepares every query
 * it runs, and parsing the same INSERT on every hook call cost about 2 % of a call's CPU (profiled under
 * `npm run bench`; docs/speed.md). Safe because better-sqlite3 runs a statement to completion synchronously
 * (`all`/`run`); the store never streams (`iterate`), the one use during which a statement is busy.
 */
function withStatementCache(database: SqliteDatabase.Database): SqliteDialectDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      database.close();
    },
    prepare: (sql: string) => {
      let statement = statements.get(sql);
      if (statement === undefined) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statement = database.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

/**
 * A pg pool that survives its server going away:
 * - every client gets an `'error'` listener for its whole life. pg emits `'error'` on a client whose connection
 *   breaks, idle or checked out; the pool listens only while the client is idle, so a reset or
 *   `pg_terminate_backend` during a query used to be an unhandled `'error'` event that ended the process.
 * - a client whose query failed for a connection reason (reset, terminated, timed out) is destroyed on release
 *   instead of going back to the pool: after a `query_timeout` pg keeps the connection, with the late query still on
 *   it. The next checkout opens a fresh connection, so the pool heals once the server answers.
 */
function resilientPool(databaseUrl: string, timeoutMs: number, connectTimeoutMs: number): PostgresPool {
  const pool = new Pool({
    connectionString: databaseUrl,
    max: POSTGRES_POOL_SIZE,
    connectionTimeoutMillis: connectTimeoutMs,
    query_timeout: timeoutMs,
    statement_timeout: timeoutMs,
    idle_in_transaction_session_timeout: timeoutMs * 5,
    keepAlive: true,
  });
  // Idle client lost: pg removes it from the pool; the next query reconnects or fails, and `ping()` reports it.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return {
    connect: async () => wrapClient(await pool.connect()),
    end: () => pool.end(),
  };
}

function wrapClient(client: PoolClient): PostgresPoolClient {
  let broken = false;
  const query = ((...args: Parameters<PoolClient['query']>) =>
    (client.query as (...a: unknown[]) => Promise<unknown>)(...args).catch((err: unknown) => {
      if (isStoreFault(err)) broken = true;
      throw err;
    })) as unknown as PostgresPoolClient['query'];
  return {
    query,
    release: () => {
      client.release(broken ? true : undefined);
    },
  };
}
