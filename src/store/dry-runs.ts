/**
 * Dry runs of threshold-set drafts (issue 11 item 6, migration 0120): each run is kept with the SHA-256 of the draft
 * text it ran on, so "this content passed" survives a restart and an edit is seen as new content.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database, ThresholdDryRunTable } from './schema';

export interface ThresholdDryRunRecord {
  readonly version: string;
  /** SHA-256 (hex) of the stored draft text the run loaded. */
  readonly contentHash: string;
  readonly passed: boolean;
  readonly ranAt: Date;
  readonly ranBy: string;
  /** The report (JSON-serialisable; `src/admin/thresholds-contract.ts` DryRunReport). */
  readonly report: unknown;
}

export interface ThresholdDryRunRepository {
  record(run: ThresholdDryRunRecord): Promise<void>;
  /** The newest run of a version, if any. */
  latest(version: string): Promise<ThresholdDryRunRecord | undefined>;
  /** Whether some run of this version on exactly this content passed. */
  hasPassed(version: string, contentHash: string): Promise<boolean>;
}

export function createThresholdDryRunRepository(db: Kysely<Database>): ThresholdDryRunRepository {
  return {
    record: async (run) => {
      await db
        .insertInto('threshold_dry_runs')
        .values({
          id: randomUUID(),
          version: run.version,
          content_hash: run.contentHash,
          passed: run.passed ? 1 : 0,
          ran_at: run.ranAt.toISOString(),
          ran_by: run.ranBy,
          report: JSON.stringify(run.report),
        })
        .execute();
    },
    latest: async (version) => {
      const row = await db
        .selectFrom('threshold_dry_runs')
        .selectAll()
        .where('version', '=', version)
        .orderBy('ran_at', 'desc')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },
    hasPassed: async (version, contentHash) => {
      const row = await db
        .selectFrom('threshold_dry_runs')
        .select('id')
        .where('version', '=', version)
        .where('content_hash', '=', contentHash)
        .where('passed', '=', 1)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

function toRecord(row: Selectable<ThresholdDryRunTable>): ThresholdDryRunRecord {
  return {
    version: row.version,
    contentHash: row.content_hash,
    passed: row.passed === 1,
    ranAt: new Date(row.ran_at),
    ranBy: row.ran_by,
    report: JSON.parse(row.report) as unknown,
  };
}
