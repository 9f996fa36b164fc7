/**
 * Shadow comparisons (issue 11 item 3, migration 0090): what a candidate threshold set would have shown on live
 * calls, beside the set in force. Written after the call's answer, never read by a hook.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { withoutSyncWait } from './connect';
import type { Engine } from './connect';
import type { Database } from './schema';

export interface ShadowComparisonRecord {
  readonly shadowVersion: string;
  readonly liveVersion: string;
  readonly hook: string;
  readonly recordedAt: Date;
  /** The compared decisions (JSON-serialisable; `src/admin/thresholds.ts` ComparedDecision[]). */
  readonly comparison: unknown;
}

export interface ShadowRepository {
  /** Writes the comparisons in one statement, without waiting for the disk (diagnostics a replay can recompute). */
  recordMany(recs: readonly ShadowComparisonRecord[]): Promise<void>;
  /** The comparisons recorded for `shadowVersion`, newest first, at most `limit` (≤ 10,000). */
  list(shadowVersion: string, limit: number): Promise<ShadowComparisonRecord[]>;
}

export function createShadowRepository(db: Kysely<Database>, engine: Engine): ShadowRepository {
  return {
    recordMany: async (recs) => {
      if (recs.length === 0) return;
      await withoutSyncWait(db, engine, async (trx) => {
        await trx
          .insertInto('shadow_comparisons')
          .values(
            recs.map((rec) => ({
              id: randomUUID(),
              shadow_version: rec.shadowVersion,
              live_version: rec.liveVersion,
              hook: rec.hook,
              recorded_at: rec.recordedAt.toISOString(),
              comparison: JSON.stringify(rec.comparison),
            })),
          )
          .execute();
      });
    },
    list: async (shadowVersion, limit) => {
      const rows = await db
        .selectFrom('shadow_comparisons')
        .selectAll()
        .where('shadow_version', '=', shadowVersion)
        .orderBy('recorded_at', 'desc')
        .limit(Math.min(Math.max(1, limit), 10_000))
        .execute();
      return rows.map((r) => ({
        shadowVersion: r.shadow_version,
        liveVersion: r.live_version,
        hook: r.hook,
        recordedAt: new Date(r.recorded_at),
        comparison: JSON.parse(r.comparison) as unknown,
      }));
    },
  };
}
