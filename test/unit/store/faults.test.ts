/**
 * Store faults (src/store/faults.ts): which driver errors mean "the database, not the data" (retry later), and the
 * repository guard that turns them into `StoreUnavailableError` without touching other errors.
 */
import { StoreUnavailableError, faultReason, guardRepository, isStoreFault } from '../../../src/store/faults';

const pg = (code: string, message = 'x'): Error =>
  Object.assign(new Error(message), { code, severity: 'ERROR' });

describe('faultReason', () => {
  it.each([
    ['terminated by pg_terminate_backend', pg('57P01'), 'postgres 57P01'],
    ['statement_timeout', pg('57014'), 'query timed out'],
    ['connection failure', pg('08006'), 'postgres 08006'],
    ['too many connections', pg('53300'), 'postgres 53300'],
    [
      'a reset socket',
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      'connection ECONNRESET',
    ],
    ['pg: connection lost', new Error('Connection terminated unexpectedly'), 'connection lost'],
    ['pg: query_timeout', new Error('Query read timeout'), 'query timed out'],
    ['pg-pool: connect timeout', new Error('timeout exceeded when trying to connect'), 'query timed out'],
    [
      'SQLite busy',
      Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
      'sqlite SQLITE_BUSY',
    ],
    [
      'SQLite I/O',
      Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' }),
      'sqlite SQLITE_IOERR_WRITE',
    ],
  ])('%s is a fault', (_name, err, reason) => {
    expect(faultReason(err)).toBe(reason);
    expect(isStoreFault(err)).toBe(true);
  });

  it.each([
    ['a unique violation', pg('23505')],
    ['a foreign key violation', pg('23503')],
    ['a syntax error', pg('42601')],
    ['a SQLite constraint', Object.assign(new Error('UNIQUE'), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' })],
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['a thrown string', 'boom'],
  ])('%s is not a fault', (_name, err) => {
    expect(isStoreFault(err)).toBe(false);
  });
});

describe('guardRepository', () => {
  it('turns faults into StoreUnavailableError, passes other errors and results unchanged, checks first', async () => {
    let checked = 0;
    const repo = guardRepository(
      {
        ok: (n: number) => Promise.resolve(n + 1),
        down: () => Promise.reject(pg('57P01')),
        refused: () => Promise.reject(pg('23505')),
      },
      () => {
        checked += 1;
      },
    );
    await expect(repo.ok(1)).resolves.toBe(2);
    await expect(repo.down()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(repo.down()).rejects.toMatchObject({ reason: 'postgres 57P01' });
    await expect(repo.refused()).rejects.toMatchObject({ code: '23505' });
    expect(checked).toBe(4);
  });

  it('fails every call while the check fails (the SQLite file is gone)', async () => {
    const repo = guardRepository({ read: () => Promise.resolve('row') }, () => {
      throw new StoreUnavailableError('database file removed');
    });
    await expect(repo.read()).rejects.toMatchObject({ reason: 'database file removed' });
  });
});
