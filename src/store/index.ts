/**
 * The store: every hook invocation with its cards, every feedback entry on those cards, and the versioned threshold
 * sets with their audit trail, in SQLite (default) or PostgreSQL through kysely. One repository per feature; the
 * kysely handle never leaves this folder. Migrations run when the store opens. See README.md for the decisions.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, sql } from 'kysely';
import type { MigrationResultSet } from 'kysely';
import { DEFAULT_STORE_TIMEOUT_MS, createDialect, engineOf } from './connect';
import type { DialectOptions, Engine } from './connect';
import { StoreUnavailableError, guardRepository } from './faults';
import { createAuditRepository } from './audit';
import type { AuditRepository } from './audit';
import { createFeedbackRepository } from './feedback';
import type { FeedbackRepository } from './feedback';
import { createFollowUpRepository } from './follow-ups';
import type { FollowUpRepository } from './follow-ups';
import { createInvocationRepository } from './invocations';
import { createShadowRepository } from './shadow';
import { createThresholdDryRunRepository } from './dry-runs';
import type { ThresholdDryRunRepository } from './dry-runs';
import type { ShadowRepository } from './shadow';
import type { InvocationRepository } from './invocations';
import { createKpiRepository } from './kpis';
import type { KpiRepository } from './kpis';
import { migrationProvider } from './migrations';
import { createOverrideRepository } from './overrides';
import type { OverrideRepository } from './overrides';
import { createRatingRepository } from './ratings';
import { createReportRepository } from './reports';
import type { ReportRepository } from './reports';
import type { RatingRepository } from './ratings';
import type { Database } from './schema';
import { createSessionRepository } from './sessions';
import type { SessionRepository } from './sessions';
import { createJtiRepository, createRateLimitRepository } from './replicas';
import type { JtiRepository, RateLimitRepository } from './replicas';
import { createRetentionRepository } from './retention';
import type { RetentionRepository } from './retention';
import { createThresholdRepository } from './thresholds';
import { listenForThresholdChanges } from './notify';
import type { StopListening } from './notify';
import type { ThresholdRepository } from './thresholds';
import { createVolumeRepository } from './volume';
import type { VolumeRepository } from './volume';

export type { AuditEvent, AuditFilter, AuditRepository, StoredAuditEvent } from './audit';
export type { Engine } from './connect';
export type { KpiCard, KpiRecords, KpiRepository } from './kpis';
export { REVIEW_STATUSES, currentJudgements, judgementsDiffer } from './overrides';
export type {
  NewReview,
  OverrideFilter,
  OverrideRepository,
  OverrideRow,
  ReviewStatus,
  StoredReview,
} from './overrides';
export { DEFAULT_STORE_TIMEOUT_MS } from './connect';
export { StoreUnavailableError, isStoreFault } from './faults';
export type { FeedbackRecord, FeedbackRepository } from './feedback';
export { RATINGS } from './ratings';
export type { JtiRepository, RateLimitRepository } from './replicas';
export { CARD_REFERENCES, RETENTION_BATCH, sweepExpired } from './retention';
export type { RetentionRepository, SweepResult } from './retention';
export type { Rating, RatingRecord, RatingRepository, StoredRating } from './ratings';
export { REPORT_OUTCOMES } from './reports';
export type {
  NewReportFollowUp,
  ReportFollowUp,
  ReportOutcome,
  ReportRepository,
  ReportState,
  WrongPatientReport,
} from './reports';
export type { PageSession, SessionRepository, SignInAudit } from './sessions';
export type { FollowUp, FollowUpRepository } from './follow-ups';
export type {
  CardRecord,
  InputsSelection,
  InvocationRecord,
  InvocationRepository,
  PatientInputs,
  RecordedInputs,
  RecordedInvocation,
  StoredCard,
} from './invocations';
export { MAX_REPLAY_INPUTS } from './invocations';
export type { ShadowComparisonRecord, ShadowRepository } from './shadow';
export type { ThresholdDryRunRecord, ThresholdDryRunRepository } from './dry-runs';
export { ThresholdDraftConflictError } from './thresholds';
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
  /** Client JWT ids already used, shared by replicas (replicas.ts). */
  readonly jtis: JtiRepository;
  /** Rate-limit counters, shared by replicas (replicas.ts). */
  readonly rateLimits: RateLimitRepository;
  /** Removing invocation and card records past the retention period (retention.ts, docs/retention.md). */
  readonly retention: RetentionRepository;
  /**
   * Listens for threshold publications and rollbacks by any process on this store (PostgreSQL LISTEN/NOTIFY; on
   * SQLite a no-op), so a replica reloads at once. Resolves with a function that stops listening.
   */
  readonly thresholdChanges: (onChange: () => void, onError: (err: Error) => void) => Promise<StopListening>;
  /** Shadow-mode comparisons (a candidate threshold set beside the set in force, migration 0090). */
  readonly shadow: ShadowRepository;
  /** Dry runs of threshold-set drafts, by version and content hash (migration 0120). */
  readonly dryRuns: ThresholdDryRunRepository;
  /** Pharmacists' follow-ups of patients on the re-interpretation list (migration 0190). */
  readonly followUps: FollowUpRepository;
  /** "Wrong for this patient" reports (current `wrong-patient` ratings) and the pharmacy's follow-ups (migration 0220). */
  readonly reports: ReportRepository;
  /**
   * Resolves when the database answers a query; rejects otherwise (for `/readyz`), with `StoreUnavailableError`
   * naming the reason (e.g. `database file removed`).
   */
  ping(): Promise<void>;
  /** Closes the connection(s); the store cannot be used afterwards. */
  close(): Promise<void>;
}

export type StoreOptions = DialectOptions;

/** Deadline of each migration statement on PostgreSQL (an index on a large table can take minutes). */
const MIGRATION_TIMEOUT_MS = 30 * 60_000;

/**
 * Opens the store named by `databaseUrl` (`postgres://…`/`postgresql://…`, a SQLite file path created with its
 * folder when missing, or `:memory:`) and brings its schema up to date. Every repository call fails with
 * `StoreUnavailableError` when the database cannot answer (unreachable, timed out, SQLite file removed).
 */
export async function openStore(databaseUrl: string, options: StoreOptions = {}): Promise<Store> {
  const engine = engineOf(databaseUrl);
  const db = new Kysely<Database>({ dialect: createDialect(engine, databaseUrl, options) });
  try {
    if (engine === 'postgres') {
      // Migrations on their own short-lived connection without the query deadline: building an index on a big
      // table may take minutes, which STORE_TIMEOUT_MS (meant for calls) would cancel.
      const migrating = new Kysely<Database>({
        dialect: createDialect(engine, databaseUrl, {
          timeoutMs: MIGRATION_TIMEOUT_MS,
          connectTimeoutMs: options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS,
        }),
      });
      try {
        await migrateToLatest(migrating, engine);
      } finally {
        await migrating.destroy();
      }
    } else {
      // SQLite: the same connection (`:memory:` is a database per connection); the busy timeout is the only deadline.
      await migrateToLatest(db, engine);
    }
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const check = engine === 'sqlite' ? sqliteFileCheck(databaseUrl) : () => undefined;
  const guard = <T extends object>(repo: T): T => guardRepository(repo, check);
  const ping = guard({
    ping: async () => {
      await sql`select 1`.execute(db);
    },
  });
  return {
    engine,
    invocations: guard(createInvocationRepository(db, engine)),
    feedback: guard(createFeedbackRepository(db)),
    thresholds: guard(createThresholdRepository(db, engine === 'postgres')),
    thresholdChanges: (onChange, onError) =>
      listenForThresholdChanges(engine, databaseUrl, onChange, onError),
    ratings: guard(createRatingRepository(db)),
    volume: guard(createVolumeRepository(db, engine)),
    sessions: guard(createSessionRepository(db)),
    audit: guard(createAuditRepository(db)),
    overrides: guard(createOverrideRepository(db)),
    kpis: guard(createKpiRepository(db)),
    jtis: guard(createJtiRepository(db)),
    rateLimits: guard(createRateLimitRepository(db, engine)),
    retention: guard(createRetentionRepository(db)),
    shadow: guard(createShadowRepository(db, engine)),
    dryRuns: guard(createThresholdDryRunRepository(db)),
    followUps: guard(createFollowUpRepository(db)),
    reports: guard(createReportRepository(db)),
    ping: ping.ping,
    close: () => db.destroy(),
  };
}

/**
 * For a SQLite file: a check that the file the store opened is still the one at its path. A removed (or replaced)
 * file stays open and writable through its descriptor, so without this check writes would be acknowledged into a
 * file nobody will ever read again. `:memory:` needs no check.
 */
function sqliteFileCheck(databaseUrl: string): () => void {
  if (databaseUrl === ':memory:' || databaseUrl === '') return () => undefined;
  const file = path.resolve(databaseUrl);
  const opened = statSync(file);
  return () => {
    let now;
    try {
      now = statSync(file);
    } catch {
      throw new StoreUnavailableError('database file removed');
    }
    if (now.ino !== opened.ino || now.dev !== opened.dev) {
      throw new StoreUnavailableError('database file replaced');
    }
  };
}

/**
 * Runs the migrations not yet run, and records each, in one transaction on either engine: a start stopped anywhere
 * (a failing migration, a restart during one that fills a table, a crash between a migration and its record) leaves
 * the schema as it was, never a migration done but not recorded, which every later start would run again and fail on.
 * Kysely does so itself on PostgreSQL; it takes SQLite's DDL for non-transactional, though SQLite's is transactional,
 * so on SQLite the transaction is opened here, on the one connection (which `:memory:` needs anyway). No migration
 * sets a PRAGMA, which a transaction would ignore.
 */
async function migrateToLatest(db: Kysely<Database>, engine: Engine): Promise<void> {
  const migrate = (on: Kysely<Database>): Promise<MigrationResultSet> =>
    new Migrator({ db: on, provider: migrationProvider(engine) }).migrateToLatest();
  const { error, results } =
    engine === 'postgres'
      ? await migrate(db)
      : await db.connection().execute(async (conn) => {
          await sql`begin immediate`.execute(conn);
          let outcome: MigrationResultSet;
          try {
            outcome = await migrate(conn);
          } catch (err) {
            await sql`rollback`.execute(conn);
            throw err;
          }
          await (outcome.error === undefined ? sql`commit` : sql`rollback`).execute(conn);
          return outcome;
        });
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`store migration ${failed} failed`, { cause: error });
  }
}
