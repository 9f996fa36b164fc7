/**
 * `createApp(deps)`: express wiring only, no logic (DESIGN.md). Everything the app needs is passed in, so tests
 * boot it with their own store, clock, handlers and authenticators.
 *
 * One router per area, each with its own authentication:
 * - ops (`/healthz`, `/readyz`, `/metrics`): none;
 * - cds (`/cds-services`: discovery, services, feedback): rate limit, then the CDS client JWT;
 * - api (`/api`) and admin (`/admin`): a signed-in user with a role (`src/http/auth.ts`).
 * Unmatched paths and every error end in the app-wide handler (`src/http/handler.ts`).
 */
import cors from 'cors';
import express, { Router } from 'express';
import type { Express } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import NodeCache from 'node-cache';
import type { ClientAuthenticator } from './cds/auth';
import { SharedRateLimitStore } from './cds/rate-limit';
import { createInvocationRecorder } from './cds/recorder';
import type { InvocationRecorder } from './cds/recorder';
import { authenticateClient } from './cds/http';
import { createCdsRouter } from './cds/routes';
import type { HookHandlers, RunningVersions } from './cds/routes';
import type { CdsServiceDefinition } from './cds/types';
import type { Config } from './config';
import { createFeedbackRouter } from './feedback/routes';
import { NO_SIGN_IN, ROLES, authenticateUser, requireRole } from './http/auth';
import type { UserAuthenticator } from './http/auth';
import { parseJsonBody, requireJsonBody } from './http/body';
import { AppError } from './http/errors';
import { errorHandler, notFound } from './http/handler';
import { createOpsRouter, createReadiness } from './http/ops';
import type { Readiness } from './http/ops';
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
  /** The `/cds-services` mount's client authenticator: present when `CDS_AUTH=jwt`. */
  readonly authenticator: ClientAuthenticator | undefined;
  /** The `/api` and `/admin` mounts' user authenticator; default `NO_SIGN_IN` (sign-in is not built yet). */
  readonly userAuthenticator?: UserAuthenticator;
  /** The knowledge and threshold versions in force: shown in discovery, recorded on every invocation. */
  readonly versions: () => RunningVersions;
  readonly now?: () => Date;
  /**
   * Writes invocation records, holding them in memory while the store is slow or down (`src/cds/recorder.ts`);
   * made from `store` when absent. The process passes its own so that shutdown can drain it.
   */
  readonly recorder?: InvocationRecorder;
  /** The readiness check behind `/readyz`; made from `store` and the recorder when absent. */
  readonly readiness?: Readiness;
  /**
   * True once the process is shutting down: every answer then carries `Connection: close`, so keep-alive clients
   * open their next connection elsewhere instead of reusing one this process is about to close.
   */
  readonly draining?: () => boolean;
}

/** Seconds a FHIR fallback result stays cached (per server, patient and query). */
const FHIR_CACHE_TTL_S = 30;

export function createApp(appDeps: AppDeps): Express {
  const recorder =
    appDeps.recorder ??
    createInvocationRecorder({ store: appDeps.store, metrics: appDeps.metrics, logger: appDeps.logger });
  const deps: AppDeps & { recorder: InvocationRecorder } = { ...appDeps, recorder };
  const { config, logger, metrics } = deps;
  const users = deps.userAuthenticator ?? NO_SIGN_IN;
  const app = express();
  app.disable('x-powered-by');
  // X-Forwarded-For only from the proxies TRUST_PROXY names (none by default): otherwise any client could pick the
  // address the rate limit counts it under.
  app.set('trust proxy', config.trustProxy);

  const draining = deps.draining;
  if (draining) {
    // Checked when the headers are written, not when the request arrived: a call in flight at SIGTERM gets it too.
    app.use((_req, res, next) => {
      const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => typeof res;
      res.writeHead = ((...args: unknown[]) => {
        if (draining() && !res.headersSent) res.setHeader('Connection', 'close');
        return writeHead(...args);
      }) as typeof res.writeHead;
      next();
    });
  }
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

  const readiness =
    deps.readiness ??
    createReadiness({
      ping: () => deps.store.ping(),
      engine: deps.store.engine,
      recordingBacklog: () => recorder.backlog(),
      logger,
    });
  app.use(createOpsRouter({ readiness, metrics }));
  app.use('/cds-services', cdsArea(deps));
  // The JSON APIs and admin pages arrive with their features; until then only the mount guards answer (401/403,
  // then 404 for a user who passes).
  app.use('/api', authenticateUser(users), requireRole(...ROLES));
  app.use('/admin', authenticateUser(users), requireRole('pharmacist', 'informaticist'));

  app.use(notFound);
  app.use(errorHandler(logger, metrics));
  return app;
}

/** `/cds-services`: rate limit (before authentication, so a flood is refused cheaply), client JWT, JSON bodies. */
function cdsArea(deps: AppDeps & { recorder: InvocationRecorder }): Router {
  const { config, logger, metrics } = deps;
  return Router().use(
    rateLimit({
      windowMs: 60_000,
      limit: config.rateLimitPerMinute,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      // On PostgreSQL, counted in the store every replica shares (src/cds/rate-limit.ts). A SQLite store serves one
      // instance, so its counters stay in memory (no fsync'd write per call).
      ...(deps.store.engine === 'postgres'
        ? { store: new SharedRateLimitStore({ counters: deps.store.rateLimits, logger, metrics }) }
        : {}),
      // TRUST_PROXY decides whose X-Forwarded-For counts; a header from an untrusted peer is expected, not an error.
      validate: { xForwardedForHeader: false },
      handler: (_req, _res, next) => {
        next(new AppError('HTTP_RATE_LIMITED'));
      },
    }),
    authenticateClient(deps.authenticator, config.publicBaseUrl, logger, metrics),
    requireJsonBody,
    parseJsonBody(config.bodyLimit),
    createFeedbackRouter({
      serviceIds: new Set(deps.services.map((s) => s.id)),
      store: deps.store,
      metrics,
      isPending: (uuid) => deps.recorder.isPending(uuid),
    }),
    createCdsRouter({
      services: deps.services,
      versions: deps.versions,
      handlers: deps.handlers,
      recorder: deps.recorder,
      metrics,
      logger,
      authMode: config.auth,
      fhirTimeoutMs: config.fhirTimeoutMs,
      fhirCache: new NodeCache({ stdTTL: FHIR_CACHE_TTL_S, useClones: false }),
      ...(deps.now ? { now: deps.now } : {}),
    }),
  );
}
