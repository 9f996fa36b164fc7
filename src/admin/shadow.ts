/**
 * Shadow mode (issue 11 item 3): while the registry holds a shadow set (`registry.setShadow`), every recorded live
 * invocation with assessment inputs is assessed again under the set in force and under the shadow set, after the
 * call has been answered, and the comparison is stored (`store.shadow`, migration 0090). The shadow set never shows a
 * card: nothing here is on the answer's path or visible to a hook. A failure is counted in the log, never raised.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { InvocationRecorder } from '../cds/recorder';
import type { Logger } from '../observability/logger';
import type { RuleEngine } from '../rules/engine';
import type { ThresholdRegistry } from '../rules/registry';
import type { ThresholdSet } from '../rules/thresholds';
import type { ShadowComparisonRecord, Store } from '../store';
import { compareRecorded, tallyComparisons } from './thresholds';
import type { ComparedDecision, ReplayReport } from './thresholds';
import type { ShadowReply, ShadowRequest } from './shadow-thread';

/** Compares one recorded invocation's inputs under the set in force and the shadow set. */
export type ShadowComparer = (
  inputs: unknown,
  live: RuleEngine,
  shadow: RuleEngine,
) => Promise<ComparedDecision[] | undefined>;

/** Comparisons waiting for the worker thread at most; past this a comparison is skipped and counted in the log. */
const MAX_WAITING = 1000;

/**
 * A comparer that assesses on a worker thread (`shadow-thread.ts`), so on a machine with a second core the
 * comparison takes no CPU from live calls (`npm run bench shadow`). The thread starts with the first comparison and
 * does not keep the process alive; if it fails, waiting comparisons are rejected and the next one starts a new thread.
 */
export function createWorkerComparer(logger: Logger): ShadowComparer {
  let worker: Worker | undefined;
  let nextRequest = 1;
  let nextSet = 1;
  const waiting = new Map<
    number,
    { resolve: (c: ComparedDecision[] | undefined) => void; reject: (e: Error) => void }
  >();
  /** A number per threshold set object, and those whose engines the current thread holds. */
  const setKeys = new WeakMap<ThresholdSet, number>();
  let held = new Set<number>();
  let skipped = 0;
  const keyOf = (set: ThresholdSet): number => {
    let key = setKeys.get(set);
    if (key === undefined) {
      key = nextSet++;
      setKeys.set(set, key);
    }
    return key;
  };
  const fail = (err: Error): void => {
    for (const pending of waiting.values()) pending.reject(err);
    waiting.clear();
    worker = undefined;
    held = new Set();
  };
  const start = (): Worker => {
    // The build runs the compiled .js; under ts-jest or tsx the thread registers tsx (a dev dependency) to load the
    // TypeScript sibling, since a worker does not inherit the parent's loader.
    const file = path.join(__dirname, `shadow-thread${path.extname(__filename)}`);
    const thread = file.endsWith('.ts')
      ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true })
      : new Worker(file);
    thread.on('message', (reply: ShadowReply) => {
      const pending = waiting.get(reply.id);
      if (!pending) return;
      waiting.delete(reply.id);
      if ('error' in reply) pending.reject(new Error(reply.error));
      else pending.resolve(reply.comparison as ComparedDecision[] | undefined);
    });
    thread.on('error', (err) => {
      logger.warn({ err: err.message }, 'shadow thread failed; the next comparison starts a new one');
      fail(err);
    });
    thread.on('exit', () => {
      if (worker === thread) fail(new Error('shadow thread exited'));
    });
    // After the listeners: adding a 'message' listener refs the thread again.
    thread.unref();
    return thread;
  };
  return (inputs, live, shadow) => {
    if (waiting.size >= MAX_WAITING) {
      skipped += 1;
      if (skipped === 1 || skipped % 1000 === 0) {
        logger.warn({ skipped }, 'shadow comparisons skipped: the shadow thread is behind');
      }
      return Promise.resolve(undefined);
    }
    worker ??= start();
    const thread = worker;
    const liveKey = keyOf(live.thresholds);
    const shadowKey = keyOf(shadow.thresholds);
    const sets: (readonly [number, ThresholdSet])[] = [];
    if (!held.has(liveKey)) sets.push([liveKey, live.thresholds]);
    if (shadowKey !== liveKey && !held.has(shadowKey)) sets.push([shadowKey, shadow.thresholds]);
    // The thread keeps the engines of these two sets only (shadow-thread.ts), so this is what it holds next.
    held = new Set([liveKey, shadowKey]);
    const id = nextRequest++;
    const request: ShadowRequest = { id, sets, live: liveKey, shadow: shadowKey, inputs };
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      thread.postMessage(request);
    });
  };
}

/** Comparisons written at once, and the longest a comparison waits to be written. */
export const SHADOW_BATCH = 100;
export const SHADOW_FLUSH_MS = 250;

/**
 * Wraps `recorder` so that each recorded invocation is also compared under the shadow set, when one is set. The
 * comparisons are written in batches (at most `SHADOW_BATCH` rows, at least every `SHADOW_FLUSH_MS`): one write per
 * call would cost every call a transaction.
 */
export function withShadow(
  recorder: InvocationRecorder,
  deps: {
    readonly registry: ThresholdRegistry;
    readonly store: Pick<Store, 'shadow'>;
    readonly logger: Logger;
    /** How comparisons are made: on this thread (the default) or on a worker thread (`createWorkerComparer`). */
    readonly compare?: ShadowComparer;
  },
): InvocationRecorder {
  const { registry, store, logger } = deps;
  const compare = deps.compare ?? compareRecorded;
  let pending: ShadowComparisonRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    return store.shadow.recordMany(batch).catch((err: unknown) => {
      logger.warn(
        { err: err instanceof Error ? err.message : String(err), rows: batch.length },
        'shadow comparisons not recorded',
      );
    });
  };
  const hold = (rec: ShadowComparisonRecord) => {
    pending.push(rec);
    if (pending.length >= SHADOW_BATCH) void flush();
    else if (!timer) {
      timer = setTimeout(() => void flush(), SHADOW_FLUSH_MS);
      timer.unref();
    }
  };
  return {
    ...recorder,
    record(rec) {
      const answer = recorder.record(rec);
      const shadow = registry.shadow();
      if (shadow && rec.inputs !== undefined) {
        const live = registry.live();
        // After the answer: the comparison costs CPU, never the caller's wait.
        setImmediate(() => {
          compare(rec.inputs, live, shadow)
            .then((comparison) => {
              if (comparison === undefined) return;
              hold({
                shadowVersion: shadow.thresholdVersion,
                liveVersion: live.thresholdVersion,
                hook: rec.hook,
                recordedAt: rec.receivedAt,
                comparison,
              });
            })
            .catch((err: unknown) => {
              logger.warn(
                { err: err instanceof Error ? err.message : String(err) },
                'shadow comparison failed',
              );
            });
        });
      }
      return answer;
    },
    async drain(deadlineMs) {
      await flush();
      return recorder.drain(deadlineMs);
    },
  };
}

/** The stored shadow comparisons of one version, tallied as a replay report. */
export async function shadowReport(
  store: Pick<Store, 'shadow'>,
  shadowVersion: string,
  limit: number,
): Promise<ReplayReport> {
  const rows = await store.shadow.list(shadowVersion, limit);
  const compared = rows.flatMap((r) => r.comparison as ComparedDecision[]);
  const newest = rows[0];
  const oldest = rows[rows.length - 1];
  return {
    published: newest?.liveVersion ?? '',
    draft: shadowVersion,
    invocations: rows.length,
    replayed: rows.length,
    ...tallyComparisons(compared),
    elapsedMs: 0,
    ...(newest && oldest
      ? { period: { from: oldest.recordedAt.toISOString(), to: newest.recordedAt.toISOString() } }
      : {}),
  };
}
