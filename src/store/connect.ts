/**
 * `DATABASE_URL` → a kysely dialect: PostgreSQL for `postgres://` / `postgresql://` URLs, otherwise a SQLite file
 * path (or `:memory:`).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { PostgresDialect, SqliteDialect } from 'kysely';
import type { Dialect } from 'kysely';
import { Pool } from 'pg';

export type Engine = 'sqlite' | 'postgres';

/** How long a SQLite writer waits for another writer's lock before failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;
/** How long opening a PostgreSQL connection may take before the query (or `/readyz` ping) fails. */
const POSTGRES_CONNECT_TIMEOUT_MS = 5000;
const POSTGRES_POOL_SIZE = 10;

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
export function createDialect(engine: Engine, databaseUrl: string): Dialect {
  switch (engine) {
    case 'postgres': {
      const pool = new Pool({
        connectionString: databaseUrl,
        max: POSTGRES_POOL_SIZE,
        connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
      });
      // An idle client that loses its server emits 'error' on the pool; unhandled, that would end the process.
      // pg drops that client from the pool; the next query reconnects or fails, and `ping()` reports it.
      pool.on('error', () => undefined);
      return new PostgresDialect({ pool });
    }
    case 'sqlite': {
      if (databaseUrl !== ':memory:') mkdirSync(path.dirname(path.resolve(databaseUrl)), { recursive: true });
      // `timeout` is better-sqlite3's busy timeout.
      const database = new SqliteDatabase(databaseUrl, { timeout: SQLITE_BUSY_TIMEOUT_MS });
      database.pragma('journal_mode = WAL');
      // FULL: a commit returns only after the WAL is synced, so acknowledged feedback survives a power cut.
      database.pragma('synchronous = FULL');
      database.pragma('foreign_keys = ON');
      return new SqliteDialect({ database });
    }
  }
}
