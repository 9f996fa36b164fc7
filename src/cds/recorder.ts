/**
 * Recording hook invocations without letting the store hold up the advice. A call's record is written before the
 * answer when the store answers within `waitMs`; otherwise the answer goes out and the record waits in a bounded
 * in-memory backlog, written in order once the store answers again. Feedback on a card still in the backlog is
 * told to retry (`isPending`), never that the card is unknown.
 *
 * Limits, by design: the backlog lives in this process (a crash or a replica's feedback does not see it), and it
 * holds at most `maxBacklog` records; beyond that new records are dropped and counted.
 */
import type { Logger } from '../observability/logger';
import { errorForLog } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { Decision } from '../rules/types';
import type { InvocationRecord, Store } from '../store';
import { isStoreFault } from '../store';

/** How long a hook call waits for its record to be written before answering anyway. */
export const RECORD_WAIT_MS = 500;
/**
 * Records held in memory at most while the store is down. A realistic order-sign call's record is about 23 KB as JSON
 * (its replay inputs and two cards with their decisions; docs/retention.md), so some tens of megabytes at most.
 */
export const DEFAULT_MAX_BACKLOG = 1000;
/** First and longest pause between attempts to write the backlog. */
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5000;

export interface InvocationRecorder {
  /**
   * Records the invocation: resolves `stored` once written, or `queued` when the store did not answer in time or
   * failed (the record is written later), or `dropped` when the backlog is full. Never rejects. `decisions`, the
   * decisions `rec.inputs` gave under the set in force, are not stored: shadow mode compares with them (`withShadow`).
   */
  record(
    rec: InvocationRecord,
    decisions?: readonly Decision[],
  ): Promise<'stored' | 'queued' | 'dropped' | 'failed'>;
  /** Whether the card is in a record not yet written (feedback on it should be retried). */
  isPending(cardUuid: string): boolean;
  /** Records held in memory (queued, or still being written). */
  backlog(): number;
  /**
   * Writes what is held, trying until `deadlineMs` has passed; resolves with the number of records still not
   * written (for shutdown). Stops the retry timer.
   */
  drain(deadlineMs: number): Promise<number>;
}

export function createInvocationRecorder(deps: {
  readonly store: Pick<Store, 'invocations'>;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly waitMs?: number;
  readonly maxBacklog?: number;
}): InvocationRecorder {
  const waitMs = deps.waitMs ?? RECORD_WAIT_MS;
  const maxBacklog = deps.maxBacklog ?? DEFAULT_MAX_BACKLOG;
  const { metrics, logger } = deps;
  /** Records whose first write is still running. */
  const writing = new Set<InvocationRecord>();
  /** Records waiting for the store, oldest first. */
  const queue: InvocationRecord[] = [];
  /** Card uuid → how many held records carry it. */
  const pendingCards = new Map<string, number>();
  /** First writes still running after their call was answered: the store is slow, later calls need not wait. */
  let lateWrites = 0;
  let retryMs = RETRY_FIRST_MS;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let stopped = false;

  const held = (): number => writing.size + queue.length;
  const gauge = (): void => {
    metrics.recordingBacklog.set(held());
  };
  const hold = (rec: InvocationRecord): void => {
    for (const c of rec.cards) pendingCards.set(c.uuid, (pendingCards.get(c.uuid) ?? 0) + 1);
  };
  const release = (rec: InvocationRecord): void => {
    for (const c of rec.cards) {
      const n = (pendingCards.get(c.uuid) ?? 1) - 1;
      if (n <= 0) pendingCards.delete(c.uuid);
      else pendingCards.set(c.uuid, n);
    }
  };

  /** A write that failed: queue it when the store was at fault, otherwise it will never succeed. */
  const failed = (rec: InvocationRecord, err: unknown, counted: boolean): 'queued' | 'failed' => {
    if (isStoreFault(err)) {
      queue.push(rec);
      if (!counted) metrics.recordings.inc({ result: 'queued' });
      schedule();
      return 'queued';
    }
    release(rec);
    metrics.recordings.inc({ result: 'failed' });
    logger.error({ err: errorForLog(err) }, 'invocation not recorded: the store refused it');
    return 'failed';
  };

  function schedule(): void {
    if (timer !== undefined || stopped || queue.length === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, retryMs);
    timer.unref();
  }

  /** Writes the queue in order until it is empty or the store fails again. */
  function flush(): Promise<void> {
    flushing ??= (async () => {
      try {
        while (queue.length > 0) {
          const rec = queue[0] as InvocationRecord;
          try {
            await deps.store.invocations.record(rec);
            metrics.recordings.inc({ result: 'flushed' });
          } catch (err) {
            if (isStoreFault(err)) {
              retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
              return;
            }
            metrics.recordings.inc({ result: 'failed' });
            logger.error({ err: errorForLog(err) }, 'queued invocation not recorded: the store refused it');
          }
          queue.shift();
          release(rec);
          gauge();
        }
        retryMs = RETRY_FIRST_MS;
        logger.info('invocation backlog written');
      } finally {
        flushing = undefined;
        gauge();
        schedule();
      }
    })();
    return flushing;
  }

  return {
    async record(rec) {
      if (held() >= maxBacklog) {
        metrics.recordings.inc({ result: 'dropped' });
        logger.error({ backlog: held() }, 'invocation not recorded: the backlog is full');
        return 'dropped';
      }
      hold(rec);
      if (queue.length > 0 || lateWrites > 0) {
        // The store is known to be failing or slow: do not make this call wait for it too.
        queue.push(rec);
        metrics.recordings.inc({ result: 'queued' });
        gauge();
        schedule();
        return 'queued';
      }
      writing.add(rec);
      gauge();
      let answered = false;
      const write = deps.store.invocations.record(rec).then(
        () => {
          writing.delete(rec);
          if (answered) lateWrites -= 1;
          release(rec);
          gauge();
          metrics.recordings.inc({ result: answered ? 'flushed' : 'stored' });
          return 'stored' as const;
        },
        (err: unknown) => {
          writing.delete(rec);
          if (answered) lateWrites -= 1;
          const result = failed(rec, err, answered);
          gauge();
          return result;
        },
      );
      let timeout: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timeout = setTimeout(() => {
          resolve('late');
        }, waitMs);
      });
      const first = await Promise.race([write, late]);
      clearTimeout(timeout);
      if (first === 'late') {
        // The write goes on (and queues itself if it fails); the answer does not wait for it.
        answered = true;
        lateWrites += 1;
        metrics.recordings.inc({ result: 'queued' });
        return 'queued';
      }
      return first;
    },
    isPending: (cardUuid) => pendingCards.has(cardUuid),
    backlog: held,
    async drain(deadlineMs) {
      const deadline = Date.now() + deadlineMs;
      while (held() > 0 && Date.now() < deadline) {
        if (queue.length > 0) await flush();
        if (held() === 0) break;
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(100, Math.max(0, deadline - Date.now()))),
        );
      }
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      return held();
    },
  };
}
