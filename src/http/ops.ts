/**
 * Operations endpoints, unauthenticated (expose `/metrics` on an internal network only): `/healthz` (the process is
 * up), `/readyz` (the store answers within `READY_DEADLINE_MS`; `OPS_NOT_READY` otherwise, saying why) and
 * `/metrics` (Prometheus text).
 */
import { Router } from 'express';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { AppError } from './errors';

/** `/readyz` answers within this (a load balancer's probe usually gives up after 1 s). */
export const READY_DEADLINE_MS = 900;

export interface OpsRouterDeps {
  readonly readiness: Readiness;
  readonly metrics: Metrics;
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
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
