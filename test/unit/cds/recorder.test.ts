/**
 * The invocation recorder (src/cds/recorder.ts) against a store double the test controls: a write that succeeds,
 * fails for a store fault, fails for a refusal, or hangs until released. No wall-clock assertions: waits are short
 * recorder deadlines (`waitMs: 5`) and conditions.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createInvocationRecorder } from '../../../src/cds/recorder';
import { createLogger } from '../../../src/observability/logger';
import { createMetrics } from '../../../src/observability/metrics';
import type { InvocationRecord, InvocationRepository } from '../../../src/store';
import { StoreUnavailableError } from '../../../src/store';

function rec(): InvocationRecord {
  return {
    hookInstance: randomUUID(),
    serviceId: 'pgx-order-sign',
    hook: 'order-sign',
    receivedAt: new Date('2026-11-29T12:00:00.000Z'),
    latencyMs: 10,
    cards: [
      {
        uuid: randomUUID(),
        indicator: 'warning',
        summary: 'Avoid clopidogrel',
        decision: {},
        ruleIds: [],
        thresholdVersion: 't',
        knowledgeVersion: 'k',
      },
    ],
  };
}

type Mode = 'ok' | 'down' | 'refuse' | 'hang';

/** A store whose `record` behaves per `mode`; `hang` holds writes until `release()`. */
function storeDouble() {
  const written: InvocationRecord[] = [];
  const held: (() => void)[] = [];
  let mode: Mode = 'ok';
  const invocations: Pick<InvocationRepository, 'record'> = {
    record: (r) => {
      switch (mode) {
        case 'ok':
          written.push(r);
          return Promise.resolve();
        case 'down':
          return Promise.reject(new StoreUnavailableError('connection lost'));
        case 'refuse':
          return Promise.reject(
            Object.assign(new Error('duplicate key'), { code: '23505', severity: 'ERROR' }),
          );
        case 'hang':
          return new Promise<void>((_resolve, reject) => {
            held.push(() => {
              reject(new StoreUnavailableError('query timed out'));
            });
          });
      }
    },
  };
  return {
    store: { invocations: invocations as InvocationRepository },
    written,
    set: (m: Mode) => {
      mode = m;
    },
    releaseHeld: () => {
      for (const h of held.splice(0)) h();
    },
  };
}

const silent = createLogger(
  'silent',
  new Writable({
    write: (_c, _e, done) => {
      done();
    },
  }),
);

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('createInvocationRecorder', () => {
  it('writes before answering when the store answers', async () => {
    const s = storeDouble();
    const recorder = createInvocationRecorder({ store: s.store, metrics: createMetrics(), logger: silent });
    const r = rec();
    expect(await recorder.record(r)).toBe('stored');
    expect(s.written).toEqual([r]);
    expect(recorder.isPending(r.cards[0]!.uuid)).toBe(false);
  });

  it('holds records while the store is down and writes them in order once it answers', async () => {
    const s = storeDouble();
    const metrics = createMetrics();
    const recorder = createInvocationRecorder({ store: s.store, metrics, logger: silent, waitMs: 5 });
    s.set('down');
    const first = rec();
    const second = rec();
    expect(await recorder.record(first)).toBe('queued');
    expect(await recorder.record(second)).toBe('queued');
    expect(recorder.isPending(first.cards[0]!.uuid)).toBe(true);
    expect(recorder.backlog()).toBe(2);
    s.set('ok');
    expect(await recorder.drain(60_000)).toBe(0);
    expect(s.written).toEqual([first, second]);
    expect(recorder.isPending(first.cards[0]!.uuid)).toBe(false);
    expect((await metrics.recordings.get()).values.find((v) => v.labels.result === 'flushed')?.value).toBe(2);
  });

  it('answers without waiting for a write that hangs, and queues it when it then fails', async () => {
    const s = storeDouble();
    const recorder = createInvocationRecorder({
      store: s.store,
      metrics: createMetrics(),
      logger: silent,
      waitMs: 5,
    });
    s.set('hang');
    const r = rec();
    expect(await recorder.record(r)).toBe('queued');
    expect(recorder.isPending(r.cards[0]!.uuid)).toBe(true);
    s.releaseHeld();
    s.set('ok');
    await until(() => s.written.length === 1);
    expect(recorder.backlog()).toBe(0);
  });

  it('drops (and counts) records beyond the bound', async () => {
    const s = storeDouble();
    const metrics = createMetrics();
    const recorder = createInvocationRecorder({
      store: s.store,
      metrics,
      logger: silent,
      maxBacklog: 2,
      waitMs: 5,
    });
    s.set('down');
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await recorder.record(rec()));
    expect(results).toEqual(['queued', 'queued', 'dropped', 'dropped']);
    expect(recorder.backlog()).toBe(2);
    expect((await metrics.recordings.get()).values.find((v) => v.labels.result === 'dropped')?.value).toBe(2);
    await recorder.drain(0);
  });

  it('does not retry a record the store refuses (a constraint), and does not leave it pending', async () => {
    const s = storeDouble();
    const recorder = createInvocationRecorder({ store: s.store, metrics: createMetrics(), logger: silent });
    s.set('refuse');
    const r = rec();
    expect(await recorder.record(r)).toBe('failed');
    expect(recorder.isPending(r.cards[0]!.uuid)).toBe(false);
    expect(recorder.backlog()).toBe(0);
  });
});
