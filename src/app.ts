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
import type { JSONWebKeySet } from 'jose';
import NodeCache from 'node-cache';
import type { ClientAuthenticator } from './cds/auth';
import { authenticateClient } from './cds/http';
import { createCdsRouter } from './cds/routes';
import type { HookHandlers, RunningVersions } from './cds/routes';
import type { CdsServiceDefinition } from './cds/types';
import { createAdminApiRouter } from './admin/routes';
import type { Config } from './config';
import { createFeedbackRouter } from './feedback/routes';
import { NO_SIGN_IN, ROLES, authenticateUser, requireRole } from './http/auth';
import type { UserAuthenticator } from './http/auth';
import { parseJsonBody, requireJsonBody } from './http/body';
import { AppError } from './http/errors';
import { errorHandler, notFound } from './http/handler';
import { createOpsRouter } from './http/ops';
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
  /**
   * The `/api` and `/admin` mounts' user authenticator (`userAuthenticatorFor(config.oidc)`: bearer tokens of the
   * configured issuer); default `NO_SIGN_IN`.
   */
  readonly userAuthenticator?: UserAuthenticator;
  /** The development issuer's public keys, served at `/dev/jwks.json`; only ever given outside production. */
  readonly devJwks?: JSONWebKeySet;
  /** The knowledge and threshold versions in force: shown in discovery, recorded on every invocation. */
  readonly versions: () => RunningVersions;
  readonly now?: () => Date;
}

/** Seconds a FHIR fallback result stays cached (per server, patient and query). */
const FHIR_CACHE_TTL_S = 30;

export function createApp(deps: AppDeps): Express {
  const { config, logger, metrics } = deps;
  const users = deps.userAuthenticator ?? NO_SIGN_IN;
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

  app.use(createOpsRouter({ ping: () => deps.store.ping(), metrics }));
  const { devJwks } = deps;
  if (devJwks && config.nodeEnv !== 'production') {
    // The development issuer's keys (src/http/dev-issuer.ts), fetched by the same bearer verification as a real JWKS.
    app.get('/dev/jwks.json', (_req, res) => {
      res.json(devJwks);
    });
  }
  app.use('/cds-services', cdsArea(deps));
  // The JSON APIs (each route guards its own roles); the admin pages arrive with the web front end: until then only
  // the mount guard answers there (401/403, then 404 for a user who passes).
  app.use(
    '/api',
    authenticateUser(users),
    requireRole(...ROLES),
    createAdminApiRouter({
      store: deps.store,
      bodyLimit: config.bodyLimit,
      ...(deps.now ? { now: deps.now } : {}),
    }),
  );
  app.use('/admin', authenticateUser(users), requireRole('pharmacist', 'informaticist'));

  app.use(notFound);
  app.use(errorHandler(logger, metrics));
  return app;
}

/** `/cds-services`: rate limit (before authentication, so a flood is refused cheaply), client JWT, JSON bodies. */
function cdsArea(deps: AppDeps): Router {
  const { config, logger, metrics } = deps;
  return Router().use(
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
    createFeedbackRouter({
      serviceIds: new Set(deps.services.map((s) => s.id)),
      store: deps.store,
      metrics,
    }),
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
}
