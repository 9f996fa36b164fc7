/**
 * Store faults: the database cannot be reached, answers too late, or its file is gone. Repository calls turn such
 * driver errors into `StoreUnavailableError` (see `guardRepository`), so callers tell "retry later" (503) from a
 * refusal on the data (a constraint) without knowing the driver. Nothing here logs: messages carry no data.
 */

/** The store could not do what was asked (unreachable, timed out, file removed); nothing is known to be written. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(
    /** Why, for operators (no data values): e.g. `database file removed`, `query timed out`. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`store unavailable: ${reason}`, options);
  }
}

/** SQLite result codes that mean the database, not the statement, is at fault (better-sqlite3 `SqliteError.code`). */
const SQLITE_FAULT = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|READONLY|CORRUPT|NOTADB|FULL|PROTOCOL|NOMEM|PERM)/;
/**
 * PostgreSQL SQLSTATE classes of a server or connection fault: 08 connection exception, 53 insufficient resources,
 * 57 operator intervention (57014 = statement_timeout, 57P01 = terminated by pg_terminate_backend or shutdown),
 * 58 system error, XX internal (https://www.postgresql.org/docs/current/errcodes-appendix.html).
 */
const POSTGRES_FAULT = /^(08|53|57|58|XX)/;
/** node-postgres' own errors when a connection is lost, refused or too slow (no SQLSTATE). */
const PG_CLIENT_FAULT =
  /Connection terminated|Query read timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable|Client was closed/i;

/** A one-line reason for an operator, from a driver error (no data values). */
export function faultReason(err: unknown): string | undefined {
  if (err instanceof StoreUnavailableError) return err.reason;
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, message, severity } = err as { code?: unknown; message?: unknown; severity?: unknown };
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_')) return SQLITE_FAULT.test(code) ? `sqlite ${code}` : undefined;
    if (typeof severity === 'string') {
      if (!POSTGRES_FAULT.test(code)) return undefined;
      return code === '57014' ? 'query timed out' : `postgres ${code}`;
    }
    // Node.js socket errors: ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, …
    if (/^E[A-Z]+$/.test(code)) return `connection ${code}`;
  }
  if (typeof message === 'string' && PG_CLIENT_FAULT.test(message)) {
    return /timeout/i.test(message) ? 'query timed out' : 'connection lost';
  }
  return undefined;
}

/** Whether `err` is a store fault (retry later) rather than a refusal of the data or a bug. */
export function isStoreFault(err: unknown): boolean {
  return faultReason(err) !== undefined;
}

/**
 * Wraps every method of a repository: `check()` runs first (the SQLite file still there?), and a driver fault
 * becomes `StoreUnavailableError`. Other errors (constraints, the repository's own refusals) pass unchanged.
 */
export function guardRepository<T extends object>(repo: T, check: () => void): T {
  const guarded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(repo)) {
    guarded[name] =
      typeof value === 'function'
        ? async (...args: unknown[]): Promise<unknown> => {
            check();
            try {
              return await (value as (...a: unknown[]) => Promise<unknown>).apply(repo, args);
            } catch (err) {
              const reason = faultReason(err);
              if (reason === undefined || err instanceof StoreUnavailableError) throw err;
              throw new StoreUnavailableError(reason, { cause: err });
            }
          }
        : value;
  }
  return guarded as T;
}
