/**
 * Shadow mode (issue 11 item 3): while the registry holds a shadow set (`registry.setShadow`), every recorded live
 * invocation with an assessment is assessed again under the shadow set, after the call has been answered, from the
 * inputs it recorded (as what-if replay does), and the decisions are compared with those the call made under the set
 * in force; the comparison is stored (`store.shadow`, migration 0090). The shadow set never shows a card: nothing
 * here is on the answer's path or visible to a hook. A failure is counted in the log, never raised.
 */
import type { InvocationRecorder } from '../cds/recorder';
import type { Logger } from '../observability/logger';
import type { RuleEngine } from '../rules/engine';
import type { ThresholdRegistry } from '../rules/registry';
import type { ShadowComparisonRecord, Store } from '../store';
import { compareWithLive, setAsideUnpredictable, tallyComparisons } from './thresholds';
import type { ComparedDecision, ReplayReport } from './thresholds';

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
  },
): InvocationRecorder {
  const { registry, store, logger } = deps;
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
    record(rec, decisions) {
      const answer = recorder.record(rec, decisions);
      const shadow = registry.shadow();
      if (shadow && rec.inputs !== undefined && decisions !== undefined) {
        const liveVersion = rec.thresholdVersion ?? registry.live().thresholdVersion;
        // After the answer: the comparison costs CPU, never the caller's wait.
        setImmediate(() => {
          compareWithLive(rec.inputs, decisions, shadow)
            .then((comparison) => {
              if (comparison === undefined) return;
              hold({
                shadowVersion: shadow.thresholdVersion,
                liveVersion,
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

/**
 * The stored shadow comparisons of one version, tallied as a replay report. The comparisons are made from the
 * recorded inputs, as a replay's are: level changes a changed window or days of data would make are set aside
 * (`setAsideUnpredictable`, against the set in force `live`).
 */
export async function shadowReport(
  store: Pick<Store, 'shadow'>,
  shadow: RuleEngine,
  live: RuleEngine,
  limit: number,
): Promise<ReplayReport> {
  const shadowVersion = shadow.thresholdVersion;
  const rows = await store.shadow.list(shadowVersion, limit);
  const { predicted, notPredicted } = setAsideUnpredictable(
    rows.flatMap((r) => r.comparison as ComparedDecision[]),
    live.thresholds,
    shadow.thresholds,
  );
  const newest = rows[0];
  const oldest = rows[rows.length - 1];
  return {
    published: newest?.liveVersion ?? '',
    draft: shadowVersion,
    invocations: rows.length,
    replayed: rows.length,
    ...tallyComparisons(predicted),
    ...(notPredicted ? { notPredicted } : {}),
    elapsedMs: 0,
    ...(newest && oldest
      ? { period: { from: oldest.recordedAt.toISOString(), to: newest.recordedAt.toISOString() } }
      : {}),
  };
}
