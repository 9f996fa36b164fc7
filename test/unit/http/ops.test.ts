/**
 * The readiness check behind `/readyz` (src/http/ops.ts): the store's answer within a deadline, the reason when
 * not ready, and one log line per change (loud when the store goes).
 */
import { Writable } from 'node:stream';
import { createReadiness } from '../../../src/http/ops';
import { createLogger } from '../../../src/observability/logger';
import { StoreUnavailableError } from '../../../src/store';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { logger: createLogger('info', stream), lines: () => text.split('\n').filter((l) => l !== '') };
}

describe('createReadiness', () => {
  it('reports ready with the engine and the backlog', async () => {
    const log = capture();
    const readiness = createReadiness({
      ping: () => Promise.resolve(),
      engine: 'postgres',
      recordingBacklog: () => 3,
      logger: log.logger,
    });
    expect(await readiness.check()).toEqual({ ready: true, store: 'postgres', recordingBacklog: 3 });
    expect(log.lines()).toEqual([]);
  });

  it('answers "not ready" by its deadline when the store never answers', async () => {
    const readiness = createReadiness({
      ping: () => new Promise<void>(() => undefined),
      engine: 'postgres',
      recordingBacklog: () => 0,
      logger: capture().logger,
      deadlineMs: 5,
    });
    expect(await readiness.check()).toMatchObject({ ready: false, problem: 'no answer within 5 ms' });
  });

  it('names the store’s own reason, never a driver message, and logs each change once', async () => {
    const log = capture();
    let fault: Error | undefined = new StoreUnavailableError('database file removed');
    const readiness = createReadiness({
      ping: () => (fault ? Promise.reject(fault) : Promise.resolve()),
      engine: 'sqlite',
      recordingBacklog: () => 0,
      logger: log.logger,
    });
    expect(await readiness.check()).toMatchObject({ ready: false, problem: 'database file removed' });
    expect(await readiness.check()).toMatchObject({ ready: false });
    fault = new Error('password authentication failed for user "cds"');
    expect(await readiness.check()).toMatchObject({ ready: false, problem: 'store error' });
    fault = undefined;
    expect(await readiness.check()).toMatchObject({ ready: true });
    const lines = log.lines();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/"level":50.*STORE UNAVAILABLE \(database file removed\)/);
    expect(lines[2]).toMatch(/store answers again/);
    expect(lines.join('\n')).not.toMatch(/password/);
  });
});
