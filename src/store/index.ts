/**
 * The store: every hook invocation with its cards, every feedback entry on those cards, and the versioned threshold
 * sets with their audit trail, in SQLite (default) or PostgreSQL through kysely. One repository per feature; the
 * kysely handle never leaves this folder. Migrations run when the store opens. See README.md for the decisions.
 */
import { Kysely, Migrator, sql } from 'kysely';
import { createDialect, engineOf } from './connect';
import type { Engine } from './connect';
import { createAuditRepository } from './audit';
import type { AuditRepository } from './audit';
import { createFeedbackRepository } from './feedback';
import type { FeedbackRepository } from './feedback';
import { createInvocationRepository } from './invocations';
import type { InvocationRepository } from './invocations';
import { createKpiRepository } from './kpis';
import type { KpiRepository } from './kpis';
import { migrationProvider } from './migrations';
import { createOverrideRepository } from './overrides';
import type { OverrideRepository } from './overrides';
import { createRatingRepository } from './ratings';
import type { RatingRepository } from './ratings';
import type { Database } from './schema';
import { createSessionRepository } from './sessions';
import type { SessionRepository } from './sessions';
import { createThresholdRepository } from './thresholds';
import type { ThresholdRepository } from './thresholds';
import { createVolumeRepository } from './volume';
import type { VolumeRepository } from './volume';

export type { AuditEvent, AuditFilter, AuditRepository, StoredAuditEvent } from './audit';
export type { Engine } from './connect';
export type { KpiCard, KpiRecords, KpiRepository } from './kpis';
export { REVIEW_STATUSES } from './overrides';
export type {
  NewReview,
  OverrideFilter,
  OverrideRepository,
  OverrideRow,
  ReviewStatus,
  StoredReview,
} from './overrides';
export type { FeedbackRecord, FeedbackRepository } from './feedback';
export { RATINGS } from './ratings';
export type { Rating, RatingRecord, RatingRepository, StoredRating } from './ratings';
export type { PageSession, SessionRepository } from './sessions';
export type {
  CardRecord,
  InvocationRecord,
  InvocationRepository,
  RecordedInvocation,
  StoredCard,
} from './invocations';
export type {
  ThresholdChange,
  ThresholdDraft,
  ThresholdRepository,
  ThresholdSetEvent,
  ThresholdSetRecord,
} from './thresholds';
export type {
  Acknowledgement,
  AdviceBasis,
  OrderSelectCard,
  RuleFirings,
  VolumeOutcomeRecord,
  VolumeRepository,
} from './volume';

export interface Store {
  readonly engine: Engine;
  /** Hook invocations and their cards (invocations.ts). */
  readonly invocations: InvocationRepository;
  /** Feedback entries on recorded cards (feedback.ts). */
  readonly feedback: FeedbackRepository;
  /** Versioned threshold sets and their audit trail (thresholds.ts). */
  readonly thresholds: ThresholdRepository;
  /** Clinicians' ratings of cards, one per card and rater (ratings.ts). */
  readonly ratings: RatingRepository;
  /** The alert-volume policy's shared state: outcomes, acknowledgements, order-select cards, rule firings (volume.ts). */
  readonly volume: VolumeRepository;
  /** Page sessions of signed-in users and one-time sign-in tokens (sessions.ts). */
  readonly sessions: SessionRepository;
  /** Writes by people (who, role, action, target, when, details), append-only (audit.ts). */
  readonly audit: AuditRepository;
  /** Overridden cards and pharmacists' reviews of them (overrides.ts). */
  readonly overrides: OverrideRepository;
  /** What the governance figures are computed from (kpis.ts). */
  readonly kpis: KpiRepository;
  /** Resolves when the database answers a query; rejects otherwise (for `/readyz`). */
  ping(): Promise<void>;
  /** Closes the connection(s); the store cannot be used afterwards. */
  close(): Promise<void>;
}

/**
 * Opens the store named by `databaseUrl` (`postgres://…`/`postgresql://…`, a SQLite file path created with its
 * folder when missing, or `:memory:`) and brings its schema up to date.
 */
export async function openStore(databaseUrl: string): Promise<Store> {
  const engine = engineOf(databaseUrl);
  const db = new Kysely<Database>({ dialect: createDialect(engine, databaseUrl) });
  try {
    await migrateToLatest(db, engine);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return {
    engine,
    invocations: createInvocationRepository(db),
    feedback: createFeedbackRepository(db),
    thresholds: createThresholdRepository(db),
    ratings: createRatingRepository(db),
    volume: createVolumeRepository(db),
    sessions: createSessionRepository(db),
    audit: createAuditRepository(db),
    overrides: createOverrideRepository(db),
    kpis: createKpiRepository(db),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

async function migrateToLatest(db: Kysely<Database>, engine: Engine): Promise<void> {
  const { error, results } = await new Migrator({
    db,
    provider: migrationProvider(engine),
  }).migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`store migration ${failed} failed`, { cause: error });
  }
}
