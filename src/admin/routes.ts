/**
 * The pharmacist's and informaticist's JSON APIs under `/api` (thin routes: parse with the schemas, call the store
 * and one mapping function, answer). Roles: override review and wrong-patient reports `pharmacist`; KPIs `pharmacist` or `informaticist`;
 * `admin` passes both (src/http/auth.ts). Every write is audited with who, the role they acted in, and when.
 */
import { once } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Router } from 'express';
import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { actingRole, requireRole, signedInUser } from '../http/auth';
import type { User } from '../http/auth';
import { requireJsonBody } from '../http/body';
import { AppError } from '../http/errors';
import type { Metrics } from '../observability/metrics';
import { KNOWLEDGE_VERSION } from '../rules/cpic';
import type { ThresholdRegistry } from '../rules/registry';
import type { OverrideFilter, Store } from '../store';
import { CSV_BOM } from './csv';
import { computeKpis, defaultKpiPeriod, kpiFacts, promisesMonitoring } from './kpis';
import {
  OVERRIDE_CSV_HEADER,
  overrideCsvRecord,
  LATER_CALLS,
  OFFERED_REASONS,
  followedWearablesOfCard,
  newReadings,
  sinceAlertCount,
  overrideDetail,
  overrideExportFileName,
  overrideListItem,
  judgementsOf,
  reviewView,
} from './overrides';
import {
  MAX_KPI_DAYS,
  kpiQuerySchema,
  overrideFilterSchema,
  overrideListQuerySchema,
  MAX_REPORTS,
  followUpRequestSchema,
  parseRequest,
  reportFollowUpRequestSchema,
  reportListQuerySchema,
  reviewRequestSchema,
} from './schemas';
import { reportFollowUpView, reportView } from './reports';
import { createReinterpreter, followedUp, reinterpretationCsv } from './reinterpret';
import { createThresholdApiRouter } from './thresholds-routes';
import type {
  FollowUpResponse,
  KpiReport,
  OverrideList,
  ReinterpretationReport,
  ReportFollowUpResponse,
  ReportList,
  ReviewResponse,
} from './schemas';

export interface AdminApiDeps {
  readonly store: Store;
  /** The threshold registry: `/api/thresholds` is served when present. */
  readonly thresholdRegistry?: ThresholdRegistry;
  readonly metrics?: Metrics;
  /** The app's JSON body parser (`parseJsonBody`: its size limit and the process's body budget). */
  readonly jsonBody: readonly RequestHandler[];
  readonly now?: () => Date;
}

/** Rows read per query while writing the CSV export. */
const CSV_BATCH = 500;
/** "Will monitor" overrides whose later calls the governance figures read at a time (about 20 ms on SQLite). */
const FOLLOW_THROUGH_BATCH = 20;

/**
 * Starts a CSV download named `fileName`: its headers, then the UTF-8 byte-order mark (`CSV_BOM`: a spreadsheet
 * reads the file as UTF-8). The attachment first: it sets the type from the file name, which would drop
 * `header=present` (RFC 4180 §3).
 */
function startCsvDownload(res: Response, fileName: string): void {
  res.attachment(fileName);
  res.type('text/csv; charset=utf-8; header=present');
  res.write(CSV_BOM);
}

export function createAdminApiRouter(deps: AdminApiDeps): Router {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());
  const router = Router();
  /** The patient's calls after a card's, newest first, as the override review and the figures read them. */
  const laterCalls = (patientRef: string, after: Date) =>
    store.invocations.patientInputsAfter(patientRef, after, LATER_CALLS);

  if (deps.thresholdRegistry) {
    router.use(
      '/thresholds',
      createThresholdApiRouter({
        store,
        registry: deps.thresholdRegistry,
        jsonBody: deps.jsonBody,
        ...(deps.now ? { now: deps.now } : {}),
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
      }),
    );
  }

  const reinterpreter = createReinterpreter(store);
  // Re-interpretation after a knowledge update: shown on screen like the override list, so not audited (exports are).
  router.get('/reinterpretations', requireRole('pharmacist'), async (_req, res) => {
    const body: ReinterpretationReport = await reinterpreter.report();
    res.json(body);
  });

  // The list as CSV: patient-level data leaves the service, so the export is audited (as the override export is).
  router.get('/reinterpretations.csv', requireRole('pharmacist'), async (_req, res) => {
    const report = await reinterpreter.report();
    const user = userOf(res);
    const at = now();
    await store.audit.record({
      actor: user.id,
      role: actingRole(user, 'pharmacist'),
      action: 'reinterpretations.export',
      target: 'reinterpretations',
      at,
      details: { knowledgeVersion: report.knowledgeVersion, rows: report.patients.length },
    });
    startCsvDownload(res, `reinterpretations-${at.toISOString().slice(0, 10)}.csv`);
    res.end(reinterpretationCsv(report));
  });

  // A patient of the list followed up, under the knowledge in force (audited with the write).
  router.post(
    '/reinterpretations/follow-ups',
    requireRole('pharmacist'),
    requireJsonBody,
    ...deps.jsonBody,
    async (req, res) => {
      const body = parseRequest(followUpRequestSchema, req.body);
      const user = userOf(res);
      const note = body.note === undefined || body.note === '' ? undefined : body.note;
      const followUp = {
        patientRef: body.patient,
        knowledgeVersion: KNOWLEDGE_VERSION,
        by: user.id,
        at: now(),
        ...(note !== undefined ? { note } : {}),
      };
      await store.followUps.record({ ...followUp, role: actingRole(user, 'pharmacist') });
      const answer: FollowUpResponse = {
        patient: followUp.patientRef,
        knowledgeVersion: followUp.knowledgeVersion,
        followedUp: followedUp(followUp),
      };
      res.status(201).json(answer);
    },
  );

  router.get('/overrides', requireRole('pharmacist'), async (req, res) => {
    const q = parseRequest(overrideListQuerySchema, req.query);
    const { rows, total } = await store.overrides.list(storeFilter(q), {
      offset: (q.page - 1) * q.pageSize,
      limit: q.pageSize,
    });
    // The patient's later calls, for each card that follows wearable measures (a page is at most 100 rows).
    const items = await Promise.all(
      rows.map(async (row) => {
        const followed = followedWearablesOfCard(row.decision);
        if (!followed || row.patientRef === undefined) return overrideListItem(row);
        return overrideListItem(
          row,
          sinceAlertCount(followed, await laterCalls(row.patientRef, row.shownAt)),
        );
      }),
    );
    const body: OverrideList = {
      items,
      total,
      page: q.page,
      pageSize: q.pageSize,
      reasons: OFFERED_REASONS,
    };
    res.json(body);
  });

  router.get('/overrides.csv', requireRole('pharmacist'), async (req, res) => {
    const q = parseRequest(overrideFilterSchema, req.query);
    const filter = storeFilter(q);
    const user = userOf(res);
    const at = now();
    // The first page and the audit event before the first byte: a store failure is still a clean OperationOutcome.
    const { total } = await store.overrides.list(filter, { offset: 0, limit: 0 });
    let page = await store.overrides.pageAfter(filter, undefined, CSV_BATCH);
    // An export takes patient-level data out of the service: who did it, with which filters, is audited.
    await store.audit.record({
      actor: user.id,
      role: actingRole(user, 'pharmacist'),
      action: 'overrides.export',
      target: 'overrides',
      at,
      details: { filters: req.query, rows: total },
    });
    startCsvDownload(res, overrideExportFileName(req.query, at));
    res.write(OVERRIDE_CSV_HEADER);
    // Page after page, each starting after the last row written; between pages other requests go first, and a
    // client that reads slowly is waited for rather than buffered.
    for (;;) {
      let drained = true;
      for (const row of page) drained = res.write(overrideCsvRecord(overrideListItem(row)));
      const last = page[page.length - 1];
      if (last === undefined || page.length < CSV_BATCH || res.destroyed) break;
      if (!drained) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      else await nextTurn();
      page = await store.overrides.pageAfter(filter, last, CSV_BATCH);
    }
    res.end();
  });

  router.get('/overrides/:cardUuid', requireRole('pharmacist'), async (req, res) => {
    const cardUuid = cardUuidOf(req);
    const row = await store.overrides.find(cardUuid);
    const invocation = row ? await store.invocations.findByCard(cardUuid) : undefined;
    if (!row || !invocation)
      throw new AppError('ADMIN_UNKNOWN_OVERRIDE', [`no overridden card "${cardUuid}"`]);
    const [feedback, history, later] = await Promise.all([
      store.feedback.listForCard(cardUuid),
      store.overrides.history(cardUuid),
      invocation.patientRef === undefined ? [] : laterCalls(invocation.patientRef, invocation.receivedAt),
    ]);
    res.json(overrideDetail(row, invocation, feedback, history, later));
  });

  router.post(
    '/overrides/:cardUuid/review',
    requireRole('pharmacist'),
    requireJsonBody,
    ...deps.jsonBody,
    async (req, res) => {
      const cardUuid = cardUuidOf(req);
      const body = parseRequest(reviewRequestSchema, req.body);
      const user = userOf(res);
      const note = body.note === undefined || body.note === '' ? undefined : body.note;
      const review = await store.overrides.addReview({
        cardUuid,
        status: body.status,
        ...(note !== undefined ? { note } : {}),
        reviewer: user.id,
        reviewerRole: actingRole(user, 'pharmacist'),
        at: now(),
      });
      if (!review) throw new AppError('ADMIN_UNKNOWN_OVERRIDE', [`no overridden card "${cardUuid}"`]);
      const history = await store.overrides.history(cardUuid);
      const answer: ReviewResponse = {
        review: reviewView(review),
        history: history.map(reviewView),
        ...judgementsOf(history),
      };
      res.status(201).json(answer);
    },
  );

  // "Wrong for this patient" reports: the clinicians' ratings the pharmacy follows up. They name patients: pharmacists
  // only; reading is not audited (as the override list), each follow-up is.
  router.get('/reports', requireRole('pharmacist'), async (req, res) => {
    const q = parseRequest(reportListQuerySchema, req.query);
    const { reports, total } = await store.reports.list(
      q.state === 'all' ? {} : { state: q.state },
      MAX_REPORTS,
    );
    const body: ReportList = { state: q.state, total, reports: reports.map(reportView) };
    res.json(body);
  });

  router.post(
    '/reports/:cardUuid/follow-ups',
    requireRole('pharmacist'),
    requireJsonBody,
    ...deps.jsonBody,
    async (req, res) => {
      const cardUuid = cardUuidOf(req);
      const body = parseRequest(reportFollowUpRequestSchema, req.body);
      const user = userOf(res);
      const note = body.note === undefined || body.note === '' ? undefined : body.note;
      const followUp = await store.reports.addFollowUp({
        cardUuid,
        rater: body.rater,
        outcome: body.outcome,
        ...(note !== undefined ? { note } : {}),
        by: user.id,
        role: actingRole(user, 'pharmacist'),
        at: now(),
      });
      if (!followUp) {
        throw new AppError('ADMIN_UNKNOWN_REPORT', [
          `no report of card "${cardUuid}" by this rater as wrong for the patient`,
        ]);
      }
      // Read after the commit: absent only if the clinician changed the answer in between.
      const report = await store.reports.find(cardUuid, body.rater);
      const answer: ReportFollowUpResponse = {
        followUp: reportFollowUpView(followUp),
        ...(report ? { report: reportView(report) } : {}),
      };
      res.status(201).json(answer);
    },
  );

  router.get('/kpis', requireRole('pharmacist', 'informaticist'), async (req, res) => {
    const q = parseRequest(kpiQuerySchema, req.query);
    const period = defaultKpiPeriod(now(), q.from, q.to);
    if (period.to <= period.from) throw new AppError('ADMIN_INVALID_REQUEST', ['to: must be after from']);
    if (period.to.getTime() - period.from.getTime() > MAX_KPI_DAYS * 86_400_000) {
      throw new AppError('ADMIN_INVALID_REQUEST', [`the period may span at most ${MAX_KPI_DAYS} days`]);
    }
    const recorded = await store.kpis.recordsBetween(period.from, period.to, kpiFacts);
    // Each "will monitor" override of a card on wearable data: did the patient's later calls bring new readings? About
    // 0.9 ms each on SQLite (10 recorded inputs read): a batch at a time, other requests let through between batches.
    const monitored = new Set<string>();
    const promised = recorded.cards.filter(promisesMonitoring);
    for (let i = 0; i < promised.length; i += FOLLOW_THROUGH_BATCH) {
      await Promise.all(
        promised.slice(i, i + FOLLOW_THROUGH_BATCH).map(async (card) => {
          const { wearables } = card.facts;
          if (card.patientRef === undefined || wearables === undefined) return;
          const later = await laterCalls(card.patientRef, card.shownAt);
          if (newReadings(wearables, later).length > 0) monitored.add(card.uuid);
        }),
      );
      await nextTurn();
    }
    const report: KpiReport = computeKpis(recorded, period, q.groupBy, monitored);
    res.json(report);
  });

  return router;
}

function storeFilter(q: z.output<typeof overrideFilterSchema>): OverrideFilter {
  if (q.from && q.to && q.to <= q.from)
    throw new AppError('ADMIN_INVALID_REQUEST', ['to: must be after from']);
  return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined));
}

function cardUuidOf(req: Request): string {
  const { cardUuid } = req.params;
  if (typeof cardUuid !== 'string' || cardUuid.length === 0 || cardUuid.length > 200) {
    throw new AppError('ADMIN_INVALID_REQUEST', ['cardUuid: must be a card uuid']);
  }
  return cardUuid;
}

/** The signed-in user; the role guard before every route here guarantees one. */
function userOf(res: Response): User {
  const user = signedInUser(res);
  if (!user) throw new AppError('AUTH_UNAUTHORIZED');
  return user;
}
