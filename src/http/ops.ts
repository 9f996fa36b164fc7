/**
 * Operations endpoints, unauthenticated (expose `/metrics` on an internal network only): `/healthz` (the process is
 * up), `/readyz` (the store answers; `OPS_NOT_READY` otherwise) and `/metrics` (Prometheus text).
 */
import { Router } from 'express';
import type { Metrics } from '../observability/metrics';
import { AppError } from './errors';

export interface OpsRouterDeps {
  /** Resolves when the store answers. */
  readonly ping: () => Promise<void>;
  readonly metrics: Metrics;
}

export function createOpsRouter(deps: OpsRouterDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await deps.ping();
    } catch {
      throw new AppError('OPS_NOT_READY');
    }
    res.json({ status: 'ready' });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
