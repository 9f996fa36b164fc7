/**
 * `createApp(deps)`: express wiring only, no logic (DESIGN.md). Everything the app needs is passed in, so tests
 * boot it with their own store, clock, handlers and authenticator.
 */
import cors from 'cors';
import express from 'express';
import type { Express } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import NodeCache from 'node-cache';
import type { ClientAuthenticator } from './cds/auth';
import { authenticateClient } from './cds/http';
import { createCdsRouter } from './cds/routes';
import type { HookHandlers, RunningVersions } from './cds/routes';
import type { CdsServiceDefinition } from './cds/types';
import type { Config } from './config';
import { createFeedbackRouter } from './feedback/routes';
import { parseJsonBody, requireJsonBody } from './http/body';
import { AppError } from './http/errors';
import { errorHandler, notFound } from './http/handler';
import type { Logger } from './observability/logger';
import type { Metrics } from './observability/metrics';
import { requestContext } from './observability/http';
import type { Store } from './store';

export interface AppDeps {
  readonly config: Config;
  readonly store: Store;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly services: readonly CdsServiceDefinition[];
  readonly handlers: HookHandlers;
  /** Present when `CDS_AUTH=jwt`. */
  readonly authenticator: ClientAuthenticator | undefined;
  /** The knowledge and threshold versions in force: shown in discovery, recorded on every invocation. */
  readonly versions: () => RunningVersions;
  readonly now?: () => Date;
}

/** Seconds a FHIR fallback result stays cached (per server, patient and query). */
const FHIR_CACHE_TTL_S = 30;

export function createApp(deps: AppDeps): Express {
  const { config, logger, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use(helmet());
  app.use(
    cors({
      origin: (origin, cb) => {
        cb(
          null,
          origin === undefined || config.corsOrigins.includes('*') || config.corsOrigins.includes(origin),
        );
      },
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'traceparent', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id'],
      maxAge: 600,
    }),
  );
  app.use(requestContext(logger));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await deps.store.ping();
      res.json({ status: 'ready' });
    } catch {
      throw new AppError('OPS_NOT_READY');
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.use(
    '/cds-services',
    rateLimit({
      windowMs: 60_000,
      limit: config.rateLimitPerMinute,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      handler: (_req, _res, next) => {
        next(new AppError('HTTP_RATE_LIMITED'));
      },
    }),
    authenticateClient(deps.authenticator, config.publicBaseUrl, logger, metrics),
    requireJsonBody,
    parseJsonBody(config.bodyLimit),
  );
  app.use(
    '/cds-services',
    createFeedbackRouter({
      serviceIds: new Set(deps.services.map((s) => s.id)),
      store: deps.store,
      metrics,
    }),
  );
  app.use(
    '/cds-services',
    createCdsRouter({
      services: deps.services,
      versions: deps.versions,
      handlers: deps.handlers,
      store: deps.store,
      metrics,
      logger,
      authMode: config.auth,
      fhirTimeoutMs: config.fhirTimeoutMs,
      fhirCache: new NodeCache({ stdTTL: FHIR_CACHE_TTL_S, useClones: false }),
      ...(deps.now ? { now: deps.now } : {}),
    }),
  );

  app.use(notFound);
  app.use(errorHandler(logger, metrics));
  return app;
}
