/**
 * The guard of per-call shared-store checks (src/cds/store-breaker.ts): the store's answer when it gives one; after
 * a failure, no asking for the cool-off (calls do not each wait for a store that is down), then asking again.
 */
import { Writable } from 'node:stream';
import { createStoreBreaker } from '../../../src/cds/store-breaker';
import { createLogger } from '../../../src/observability/logger';
import { createMetrics } from '../../../src/observability/metrics';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { logger: createLogger('warn', stream), text: () => text };
}

describe('createStoreBreaker', () => {
  it('answers with the store, leaves a failed store alone for the cool-off, then asks again', async () => {
    let clock = 1_000;
    const log = capture();
    const breaker = createStoreBreaker({
      code: 'STORE_TEST_LOCAL',
      message: 'answered alone',
      logger: log.logger,
      metrics: createMetrics(),
      coolOffMs: 5_000,
      now: () => clock,
    });
    expect(await breaker.run(() => Promise.resolve(7))).toBe(7);

    let asked = 0;
    const failing = (): Promise<number> => {
      asked += 1;
      return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    };
    expect(await breaker.run(failing)).toBeUndefined();
    expect(await breaker.run(failing)).toBeUndefined();
    expect(asked).toBe(1); // the second call did not ask
    expect(log.text().match(/answered alone/g)).toHaveLength(1);
    expect(log.text()).toMatch(/"code":"ECONNREFUSED"/);

    clock += 5_000;
    expect(await breaker.run(() => Promise.resolve(8))).toBe(8);
  });

  it('gives up on a store that does not answer within the deadline', async () => {
    const breaker = createStoreBreaker({
      code: 'STORE_TEST_LOCAL',
      message: 'answered alone',
      logger: capture().logger,
      metrics: createMetrics(),
      deadlineMs: 5,
    });
    expect(await breaker.run(() => new Promise<number>(() => undefined))).toBeUndefined();
  });
});
