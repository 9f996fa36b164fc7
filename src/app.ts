/**
 * `createApp(deps)`: express wiring only, no logic (DESIGN.md). Everything the app needs is passed in, so tests
 * boot it with their own store, clock, handlers and authenticators.
 *
 * One router per area, each with its own authentication:
 * - ops (`/healthz`, `/readyz`, `/metrics`): none;
 * - cds (`/cds-services`: discovery, services, feedback): rate limit, then the CDS client JWT;
 * - link pages (`/rate/…`, `/explain/…`) and their JSON (`/api/links`): the link's signed token (`src/links/`);
 * - api (`/api`) and admin (`/admin`): a signed-in user with a role (`src/http/auth.ts`);
 * - the web front end's assets (`/assets`): none (static, hashed, no data).
 * Unmatched paths and every error end in the app-wide handler (`src/http/handler.ts`).
 */
import cors from 'cors';
import express, { Router } from 'express';
import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
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
import { DEMO_FHIR_PATH, createDemoFetcher, createDemoFhirRouter } from './demo';
import type { DemoData } from './demo';
import { createVolumeFlagsRouter } from './feedback/flags';
import { createFeedbackRouter } from './feedback/routes';
import { NO_SIGN_IN, ROLES, authenticateUser, requireRole, signedInUser } from './http/auth';
import type { UserAuthenticator } from './http/auth';
import { parseJsonBody, requireJsonBody } from './http/body';
import { AppError } from './http/errors';
import type { ErrorCode } from './http/errors';
import { errorHandler, notFound } from './http/handler';
import { createOpsRouter } from './http/ops';
import { createOidcSignIn } from './http/oidc';
import { createWebBundle } from './http/pages';
import type { WebBundle } from './http/pages';
import { createSessions, eitherUser } from './http/session';
import { createSignInRouter } from './http/sign-in';
import { createLinkApiRouter, createLinkPageRouter } from './links/routes';
import { createLinkSigner, randomLinkSecret } from './links/tokens';
import type { LinkSigner } from './links/tokens';
import type { Logger } from './observability/logger';
import type { Metrics } from './observability/metrics';
import { requestContext } from './observability/http';
import { DEFAULT_THRESHOLDS } from './rules/thresholds';
import type { ThresholdSet } from './rules/thresholds';
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
   * The `/api` mount's bearer-token authenticator (`userAuthenticatorFor(config.oidc)`: access tokens of the
   * configured issuer), also the judge of one-time sign-in links; default `NO_SIGN_IN`. Page sessions (OpenID Connect
   * or a sign-in link) authenticate `/admin`, and `/api` too.
   */
  readonly userAuthenticator?: UserAuthenticator;
  /** The development issuer's public keys, served at `/dev/jwks.json`; only ever given outside production. */
  readonly devJwks?: JSONWebKeySet;
  /** The knowledge and threshold versions in force: shown in discovery, recorded on every invocation. */
  readonly versions: () => RunningVersions;
  /** The threshold set in force (the registry's live set); default `DEFAULT_THRESHOLDS`. */
  readonly liveThresholds?: () => ThresholdSet;
  readonly now?: () => Date;
  /** The demo patients, served at `/demo/fhir` when present (`DEMO_FHIR=on`; loaded by `main.ts`). */
  readonly demo?: DemoData;
  /** Signs and checks the cards' page links; default: from `config` (a random key when `LINK_SECRET` is unset). */
  readonly linkSigner?: LinkSigner;
  /** Folder of the built web front end; default `dist/web`. */
  readonly webRoot?: string;
}

/** Seconds a FHIR fallback result stays cached (per server, patient and query). */
const FHIR_CACHE_TTL_S = 30;

export function createApp(deps: AppDeps): Express {
  const { config, logger, metrics } = deps;
  const users = deps.userAuthenticator ?? NO_SIGN_IN;
  const signer =
    deps.linkSigner ??
    createLinkSigner({
      secret: config.linkSecret ?? randomLinkSecret(),
      ttlDays: config.linkTtlDays,
      publicBaseUrl: config.publicBaseUrl,
      ...(deps.now ? { now: deps.now } : {}),
    });
  const web = createWebBundle(deps.webRoot);
  const secure = !['development', 'test'].includes(config.nodeEnv);
  const sessionSecret = config.sessionSecret ?? randomLinkSecret();
  const sessions = createSessions({
    sessions: deps.store.sessions,
    secret: sessionSecret,
    hours: config.sessionHours,
    secure,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const oidc = config.pageSignIn
    ? createOidcSignIn(config.pageSignIn, config.publicBaseUrl, config.nodeEnv === 'production')
    : undefined;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  // The pages load nothing from elsewhere: every source is this origin (no inline script, no CDN, no web font).
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
    }),
  );
  // Before the app-wide CORS: the demo FHIR endpoint answers any origin (read-only synthetic data). No request log
  // there: its paths carry patient ids (synthetic, but logs never carry patient identifiers).
  if (deps.demo) {
    app.use(
      DEMO_FHIR_PATH,
      createDemoFhirRouter({
        data: deps.demo,
        baseUrl: demoBaseUrl(config),
        now: deps.now ?? (() => new Date()),
      }),
    );
  }
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
  app.use('/cds-services', cdsArea(deps, signer));
  const people = eitherUser(users, sessions.authenticator);
  app.use(
    '/api/volume',
    authenticateUser(people),
    requireRole('informaticist'),
    createVolumeFlagsRouter({
      store: deps.store,
      thresholds: deps.liveThresholds ?? (() => DEFAULT_THRESHOLDS),
    }),
  );
  app.use('/assets', web.assets);
  const links = { signer, store: deps.store, ...(deps.now ? { now: deps.now } : {}) };
  app.use(createLinkPageRouter({ ...links, web }));
  app.use('/api/links', parseJsonBody('16kb'), createLinkApiRouter(links));
  app.use(
    '/auth',
    createSignInRouter({
      sessions,
      store: deps.store.sessions,
      bearer: users,
      ...(oidc ? { oidc } : {}),
      publicBaseUrl: config.publicBaseUrl,
      secret: sessionSecret,
      secure,
      ...(deps.now ? { now: deps.now } : {}),
    }),
    pageForRefusal(web, metrics, ['AUTH_SIGN_IN_REFUSED', 'AUTH_SIGN_IN_UNAVAILABLE']),
  );
  app.get('/signed-out', (_req, res) => {
    web.sendPage(res);
  });
  // The JSON APIs (each route guards its own roles).
  app.use(
    '/api',
    authenticateUser(people),
    requireRole(...ROLES),
    createAdminApiRouter({
      store: deps.store,
      bodyLimit: config.bodyLimit,
      ...(deps.now ? { now: deps.now } : {}),
    }),
  );
  app.use(
    '/admin',
    authenticateUser(people),
    signInFirst(oidc !== undefined),
    requireRole('pharmacist', 'informaticist'),
    Router().get(['/', '/{*page}'], (_req, res) => {
      web.sendPage(res);
    }),
    pageForRefusal(web, metrics, ['AUTH_FORBIDDEN']),
  );

  app.use(notFound);
  app.use(errorHandler(logger, metrics));
  return app;
}

/** The demo FHIR endpoint's absolute base URL. */
function demoBaseUrl(config: Config): string {
  return `${config.publicBaseUrl}${DEMO_FHIR_PATH}`;
}

/**
 * A browser asking for a page without a session is sent to sign in (and back) when an identity provider is
 * configured; API clients and everyone else get the 401 of `requireRole`.
 */
function signInFirst(oidcConfigured: boolean): RequestHandler {
  return (req, res, next) => {
    if (
      oidcConfigured &&
      !signedInUser(res) &&
      req.method === 'GET' &&
      req.accepts(['json', 'html']) === 'html'
    ) {
      res.redirect(
        303,
        `/auth/sign-in?returnTo=${encodeURIComponent(req.originalUrl.split('?')[0] ?? '/admin')}`,
      );
      return;
    }
    next();
  };
}

/**
 * A person in a browser gets the page with the refusal's status, which says what happened in words, instead of an
 * OperationOutcome: a signed-in user without the role, a sign-in link that cannot be used, a failed sign-in. API
 * clients still get the OperationOutcome from the app-wide handler.
 */
function pageForRefusal(web: WebBundle, metrics: Metrics, codes: readonly ErrorCode[]): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (
      err instanceof AppError &&
      codes.includes(err.code) &&
      req.method === 'GET' &&
      req.accepts(['json', 'html']) === 'html'
    ) {
      metrics.errors.inc({ code: err.code });
      web.sendPage(res, 403);
      return;
    }
    next(err);
  };
}

/** `/cds-services`: rate limit (before authentication, so a flood is refused cheaply), client JWT, JSON bodies. */
function cdsArea(deps: AppDeps, signer: LinkSigner): Router {
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
      ...(deps.now ? { now: deps.now } : {}),
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
      ...(deps.demo
        ? {
            trustedFhirServers: [
              { baseUrl: demoBaseUrl(config), fetcher: createDemoFetcher(deps.demo, demoBaseUrl(config)) },
            ],
          }
        : {}),
      cardLinks: (cardUuid, userId) => signer.linksFor(cardUuid, userId),
    }),
  );
}
