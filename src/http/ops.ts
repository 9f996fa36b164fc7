/**
 * Operations endpoints. The probes are open, as a load balancer or orchestrator calls them without credentials, and
 * say nothing about patients or use: `/healthz` (the process is up), `/readyz` (the store answers within
 * `READY_DEADLINE_MS`; `OPS_NOT_READY` otherwise, saying why). `/metrics` (Prometheus text: calls, cards and errors
 * by service and code, which rules fire) requires a role like every other page and API: the scraper's own bearer
 * credential (`METRICS_TOKEN`) or a signed-in user with the `admin` role.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { RequestHandler } from 'express';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { authenticateUser, requireRole } from './auth';
import type { UserAuthenticator } from './auth';
import { bearerToken } from './bearer';
import { AppError } from './errors';

/** `/readyz` answers within this (a load balancer's probe usually gives up after 1 s). */
export const READY_DEADLINE_MS = 900;

export interface OpsRouterDeps {
  readonly readiness: Readiness;
}

export interface MetricsRouterDeps {
  readonly metrics: Metrics;
  /** The scraper's bearer credential (`METRICS_TOKEN`); absent: only signed-in admins. */
  readonly token?: string;
  /** Who the people signing in are (the `/api` mount's authenticator). */
  readonly people: UserAuthenticator;
}

export interface ReadinessReport {
  readonly ready: boolean;
  /** The store engine (`sqlite`, `postgres`). */
  readonly store: string;
  /** Why the store is not ready (no data values), when it is not. */
  readonly problem?: string;
  /** Invocation records held in memory until the store takes them. */
  readonly recordingBacklog: number;
}

export interface Readiness {
  /** Asks the store, within `READY_DEADLINE_MS`; logs each change between ready and not ready (loudly when down). */
  check(): Promise<ReadinessReport>;
}

/**
 * The one readiness check, shared by `/readyz` and the process's periodic monitor (main.ts), so an outage is logged
 * when it starts even if nobody probes.
 */
export function createReadiness(deps: {
  /** Resolves when the store answers; rejects with a reason (`StoreUnavailableError.reason`) otherwise. */
  readonly ping: () => Promise<void>;
  readonly engine: string;
  readonly recordingBacklog: () => number;
  readonly logger: Logger;
  readonly deadlineMs?: number;
}): Readiness {
  const deadlineMs = deps.deadlineMs ?? READY_DEADLINE_MS;
  let lastProblem: string | undefined;
  return {
    async check() {
      let timer: NodeJS.Timeout | undefined;
      const problem = await Promise.race([
        deps.ping().then(
          () => undefined,
          (err: unknown) => reasonOf(err),
        ),
        new Promise<string>((resolve) => {
          timer = setTimeout(() => {
            resolve(`no answer within ${deadlineMs} ms`);
          }, deadlineMs);
        }),
      ]);
      clearTimeout(timer);
      if (problem !== lastProblem) {
        if (problem === undefined) deps.logger.info({ store: deps.engine }, 'store answers again: ready');
        else
          deps.logger.error(
            { store: deps.engine, problem },
            `!!! STORE UNAVAILABLE (${problem}): not ready; feedback is refused (503) and invocation records are held in memory !!!`,
          );
        lastProblem = problem;
      }
      return {
        ready: problem === undefined,
        store: deps.engine,
        ...(problem === undefined ? {} : { problem }),
        recordingBacklog: deps.recordingBacklog(),
      };
    },
  };
}

/** The store's own reason (`StoreUnavailableError.reason`), else a generic one: never a driver message. */
function reasonOf(err: unknown): string {
  const reason = typeof err === 'object' && err !== null ? (err as { reason?: unknown }).reason : undefined;
  return typeof reason === 'string' ? reason : 'store error';
}

export function createOpsRouter(deps: OpsRouterDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const report = await deps.readiness.check();
    if (!report.ready) throw new AppError('OPS_NOT_READY', [`store (${report.store}): ${report.problem}`]);
    res.json({ status: 'ready', store: report.store, recordingBacklog: report.recordingBacklog });
  });
  return router;
}

/** `GET /metrics` for the scraper (its `METRICS_TOKEN`) or a signed-in admin; 401 / 403 otherwise. */
export function createMetricsRouter(deps: MetricsRouterDeps): Router {
  const router = Router();
  const send: RequestHandler = async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  };
  // The scraper's request is answered by the first route; anyone else's goes on to the second, which asks who it is.
  router.get('/metrics', scraperOnly(deps.token), send);
  router.get('/metrics', authenticateUser(deps.people), requireRole('admin'), send);
  return router;
}

/** Passes a request bearing `token` to the next handler, and any other to the next route. */
function scraperOnly(token: string | undefined): RequestHandler {
  // Compared as digests, in constant time whatever the length of what was sent.
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  const expected = token === undefined ? undefined : digest(token);
  return (req, _res, next) => {
    const given = bearerToken(req);
    next(
      expected !== undefined && given !== undefined && timingSafeEqual(digest(given), expected)
        ? undefined
        : 'route',
    );
  };
}
