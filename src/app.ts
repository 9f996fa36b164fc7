/**
 * `createApp(deps)`: express wiring only, no logic (DESIGN.md). Everything the app needs is passed in, so tests
 * boot it with their own store, clock, handlers and authenticators.
 *
 * One router per area, each with its own authentication:
 * - the probes (`/healthz`, `/readyz`): none; `/metrics`: the scraper's `METRICS_TOKEN` or a signed-in admin;
 * - cds (`/cds-services`: discovery, services, feedback): rate limit, then the CDS client JWT;
 * - link pages (`/rate/…`, `/explain/…`) and their JSON (`/api/links`): the link's signed token (`src/links/`);
 * - the clinician dashboard (`/app`): the demo patients' JSON open like `/demo/fhir`; after an EHR launch
 *   (`/app/api/launched`), rate limit, then the launch's SMART access token, accepted by a trusted FHIR server;
 * - api (`/api`) and admin (`/admin`): a signed-in user with a role (`src/http/auth.ts`); a change signed in by the
 *   page session cookie must come from the service's own origin (`src/http/origin.ts`);
 * - the web front end's assets (`/assets`): none (static, hashed, no data).
 * Unmatched paths and every error end in the app-wide handler (`src/http/handler.ts`).
 */
import cors from 'cors';
import express, { Router } from 'express';
import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { JSONWebKeySet } from 'jose';
import { trustedFhirServerPrefixes } from './cds/auth';
import type { ClientAuthenticator, TrustedIssuer } from './cds/auth';
import { SharedRateLimitStore } from './cds/rate-limit';
import { createInvocationRecorder } from './cds/recorder';
import type { InvocationRecorder } from './cds/recorder';
import { authenticateClient } from './cds/http';
import { createFhirCache } from './cds/prefetch';
import { createCdsRouter } from './cds/routes';
import type { HookHandlers, RunningVersions } from './cds/routes';
import type { CdsRequest, CdsServiceDefinition, Link } from './cds/types';
import { createAdminApiRouter } from './admin/routes';
import { withShadow } from './admin/shadow';
import type { Config } from './config';
import { LAUNCHED_BUDGET_FACTOR, createLaunchedRouter, launchedQueriesFrom } from './dashboard/launched';
import { createDashboardRouter } from './dashboard/routes';
import { DEMO_FHIR_PATH, createDemoFetcher, createDemoFhirRouter } from './demo';
import type { DemoData } from './demo';
import { createVolumeFlagsRouter } from './feedback/flags';
import { createFeedbackRouter } from './feedback/routes';
import { NO_SIGN_IN, ROLES, authenticateUser, requireRole, signedInUser } from './http/auth';
import type { UserAuthenticator } from './http/auth';
import { createBodyBudget, parseJsonBody, requireJsonBody } from './http/body';
import { AppError } from './http/errors';
import type { ErrorCode } from './http/errors';
import { errorHandler, notFound, noteErrorCode } from './http/handler';
import { createMetricsRouter, createOpsRouter, createReadiness } from './http/ops';
import type { Readiness } from './http/ops';
import { createOidcSignIn } from './http/oidc';
import { requireSameOriginWrites } from './http/origin';
import { createWebBundle } from './http/pages';
import type { WebBundle } from './http/pages';
import { createSessions, eitherUser } from './http/session';
import { createSignInRouter, safeReturnTo } from './http/sign-in';
import { createLinkApiRouter, createLinkPageRouter } from './links/routes';
import { createLinkSigner, randomLinkSecret } from './links/tokens';
import type { LinkSigner } from './links/tokens';
import type { Logger } from './observability/logger';
import type { Metrics } from './observability/metrics';
import { requestContext } from './observability/http';
import { createRuleEngine } from './rules/engine';
import type { RuleEngine } from './rules/engine';
import { DEFAULT_THRESHOLDS } from './rules/thresholds';
import type { ThresholdRegistry } from './rules/registry';
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
   * The trusted issuers (`CDS_TRUSTED_ISSUERS`, loaded in every `CDS_AUTH` mode when set): their `fhirServers` are the
   * servers the clinician dashboard reads after an EHR launch, and the pages' `connect-src` names their origins so
   * fhirclient can complete the launch. Absent: only the demo endpoint.
   */
  readonly trustedIssuers?: readonly TrustedIssuer[];
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
  /**
   * The threshold registry: the set and engine in force (volume flags, dashboard), and, when present, informaticists
   * edit, replay, publish and roll back at `/api/thresholds`. Absent: the defaults (`DEFAULT_THRESHOLDS`).
   */
  readonly thresholdRegistry?: ThresholdRegistry;
  readonly now?: () => Date;
  /** The demo patients, served at `/demo/fhir` when present (`DEMO_FHIR=on`; loaded by `main.ts`). */
  readonly demo?: DemoData;
  /** Signs and checks the cards' page links; default: from `config` (a random key when `LINK_SECRET` is unset). */
  readonly linkSigner?: LinkSigner;
  /** Folder of the built web front end; default `dist/web`. */
  readonly webRoot?: string;
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

export function createApp(appDeps: AppDeps): Express {
  const baseRecorder =
    appDeps.recorder ??
    createInvocationRecorder({ store: appDeps.store, metrics: appDeps.metrics, logger: appDeps.logger });
  // Shadow mode (issue 11): a candidate threshold set compared on live calls after they are answered.
  const recorder = appDeps.thresholdRegistry
    ? withShadow(baseRecorder, {
        registry: appDeps.thresholdRegistry,
        store: appDeps.store,
        logger: appDeps.logger,
      })
    : baseRecorder;
  const deps: AppDeps & { recorder: InvocationRecorder } = { ...appDeps, recorder };
  /** The engine (and with it the threshold set) in force: the registry's, else one over the defaults. */
  const registry = appDeps.thresholdRegistry;
  const defaultEngine = registry ? undefined : createRuleEngine(DEFAULT_THRESHOLDS);
  const liveEngine = (): RuleEngine => (registry ? registry.live() : (defaultEngine as RuleEngine));
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
  // One budget of request-body bytes for the mounts that take large bodies, all behind authentication: the hooks and
  // the APIs (src/http/body.ts). The pages' 16 KB bodies are read before anyone is authenticated and stay out of it.
  const bodies = createBodyBudget(config.bodyMemoryBytes, (held) => {
    metrics.requestBodyBytes.set(held);
  });
  const jsonBody = parseJsonBody(config.bodyLimitBytes, bodies);
  const smallJsonBody = parseJsonBody(16 * 1024);
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
  // The EHR launch's FHIR servers: the browser reaches their SMART configuration and token endpoint (fhirclient), the
  // service reads the record from them with the launch's token (src/dashboard/launched.ts).
  const launchFhirServers = trustedFhirServerPrefixes(deps.trustedIssuers ?? []);
  const connectSrc = [
    "'self'",
    ...new Set([...launchFhirServers.map((prefix) => new URL(prefix).origin), ...config.smartAuthOrigins]),
  ];
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
  // The pages load nothing from elsewhere: every source is this origin (no inline script, no CDN, no web font). Only
  // connections may go to the trusted FHIR servers and the SMART authorization servers (the dashboard's EHR launch).
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
          connectSrc,
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
    }),
  );
  // The hashed assets: cached for a year, immutable (their names change with their content).
  app.use('/assets', web.assets);
  // No cache keeps any other answer: hooks, APIs and pages carry patient data, or a link token in their URL.
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  // Before the CORS of /cds-services: the demo FHIR endpoint answers any origin (read-only synthetic data). No request log
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
  if (deps.demo) {
    // The clinician dashboard over the demo patients (src/dashboard/): its JSON and its pages, open like the demo
    // endpoint and, like it, before the request log (the paths and queries carry patient ids).
    app.use(
      '/app/api',
      createDashboardRouter({
        demo: deps.demo,
        engine: liveEngine,
        knowledgeVersion: () => deps.versions().knowledgeVersion,
        now: deps.now ?? (() => new Date()),
        sandbox: { discoveryUrl: `${config.publicBaseUrl}/cds-services`, fhirServer: demoBaseUrl(config) },
      }),
    );
  }
  // Someone opening the service's address in a browser lands on the dashboard (the demo picker, or how to open it
  // from the EHR when there are no demo patients); the hooks live under /cds-services.
  app.get('/', (_req, res) => {
    res.redirect(302, '/app');
  });
  // The dashboard's pages: the demo picker and patients, and the EHR launch, which works in every mode (its data come
  // from the record's FHIR server through POST /app/api/launched).
  app.get(
    ['/app', '/app/', '/app/launch', '/app/launched', '/app/patient/{*page}', '/app/launched/{*page}'],
    (_req, res) => {
      web.sendPage(res);
    },
  );
  // Only the hooks are called from other origins (the CDS Hooks sandbox, an EHR's browser client); every other path
  // is called by this service's own pages, so no other origin is let in.
  app.use(
    '/cds-services',
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
  app.use(createOpsRouter({ readiness }));
  const launchedQueries = launchedQueriesFrom(deps.services.find((s) => s.hook === 'patient-view')?.prefetch);
  if (launchedQueries) {
    // After the request log: the path carries no patient id, and the log never has the body or the token.
    app.use(
      '/app/api/launched',
      rateLimited(deps, 'app:'),
      requireJsonBody,
      smallJsonBody,
      createLaunchedRouter({
        fhirServers: launchFhirServers,
        inProcess: deps.demo
          ? [{ baseUrl: demoBaseUrl(config), fetcher: createDemoFetcher(deps.demo, demoBaseUrl(config)) }]
          : [],
        queries: launchedQueries,
        budgetMs: config.fhirTimeoutMs * LAUNCHED_BUDGET_FACTOR,
        readLimitBytes: config.fhirReadLimitBytes,
        engine: liveEngine,
        knowledgeVersion: () => deps.versions().knowledgeVersion,
        now: deps.now ?? (() => new Date()),
        logger,
      }),
    );
  }
  const { devJwks } = deps;
  if (devJwks && config.nodeEnv !== 'production') {
    // The development issuer's keys (src/http/dev-issuer.ts), fetched by the same bearer verification as a real JWKS.
    app.get('/dev/jwks.json', (_req, res) => {
      res.json(devJwks);
    });
  }
  app.use('/cds-services', cdsArea(deps, signer, jsonBody));
  const people = eitherUser(users, sessions.authenticator);
  // Writes signed in by the page session cookie come from the pages' own origin (CSRF defence, src/http/origin.ts).
  const sameOriginWrites = requireSameOriginWrites({
    origin: new URL(config.publicBaseUrl).origin,
    signedInBySession: (req) => sessions.signedInBySession(req),
  });
  app.use(
    createMetricsRouter({ metrics, people, ...(config.metricsToken ? { token: config.metricsToken } : {}) }),
  );
  app.use(
    '/api/volume',
    authenticateUser(people),
    sameOriginWrites,
    requireRole('informaticist'),
    createVolumeFlagsRouter({
      store: deps.store,
      thresholds: () => liveEngine().thresholds,
    }),
  );
  const links = {
    signer,
    store: deps.store,
    volume: () => liveEngine().thresholds.volume,
    ...(deps.now ? { now: deps.now } : {}),
  };
  app.use(createLinkPageRouter({ ...links, web }));
  app.use('/api/links', smallJsonBody, createLinkApiRouter(links));
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
    sameOriginWrites,
    requireRole(...ROLES),
    createAdminApiRouter({
      store: deps.store,
      ...(deps.thresholdRegistry ? { thresholdRegistry: deps.thresholdRegistry } : {}),
      metrics,
      jsonBody,
      ...(deps.now ? { now: deps.now } : {}),
    }),
  );
  app.use(
    '/admin',
    authenticateUser(people),
    sameOriginWrites,
    signInFirst(oidc !== undefined),
    requireRole('pharmacist', 'informaticist'),
    Router().get(['/', '/{*page}'], (_req, res) => {
      web.sendPage(res);
    }),
    // Without an identity provider (one-time sign-in links), a browser without a session gets the page, which says
    // how to sign in, rather than the API's JSON.
    pageForRefusal(web, metrics, ['AUTH_FORBIDDEN', 'AUTH_UNAUTHORIZED']),
  );

  app.use(notFound);
  app.use(errorHandler(logger, metrics));
  return app;
}

/**
 * A card's link to the clinician dashboard. For a patient of the demo endpoint (the call's `fhirServer`), the demo
 * dashboard of that patient, an `absolute` link: the demo endpoint is an open server with no SMART authorisation, and
 * the CDS Hooks sandbox launches `smart` links only when it was itself SMART-launched, so a `smart` link could not
 * open there. Otherwise the dashboard's SMART launch URL (a `smart` link: the EHR launches it with its own `iss` and
 * `launch`, so the patient comes from the launch context).
 */
function dashboardLink(config: Config, demo: DemoData, request: CdsRequest): Link {
  const label = 'Open the pharmacogenomic dashboard';
  const { patientId } = request.context;
  const onDemo = request.fhirServer?.replace(/(?<!\/)\/+$/, '') === demoBaseUrl(config);
  return onDemo && demo.byTypeAndId('Patient', patientId)
    ? { label, url: `${config.publicBaseUrl}/app?patient=${encodeURIComponent(patientId)}`, type: 'absolute' }
    : { label, url: `${config.publicBaseUrl}/app/launch`, type: 'smart' };
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
      res.redirect(303, `/auth/sign-in?returnTo=${encodeURIComponent(safeReturnTo(req.originalUrl))}`);
      return;
    }
    next();
  };
}

/**
 * A person in a browser gets the page with the refusal's status, which says what happened in words, instead of an
 * OperationOutcome: no session, a signed-in user without the role, a sign-in link that cannot be used, a failed
 * sign-in. API clients still get the OperationOutcome from the app-wide handler.
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
      noteErrorCode(res, err.code);
      web.sendPage(res, err.status);
      return;
    }
    next(err);
  };
}

/**
 * `RATE_LIMIT_PER_MINUTE` per client address. `keyPrefix` keeps another mount's counts apart from `/cds-services`'
 * (which has none) in the shared counters.
 */
function rateLimited(deps: AppDeps, keyPrefix?: string): RequestHandler {
  const { config, logger, metrics } = deps;
  return rateLimit({
    windowMs: 60_000,
    limit: config.rateLimitPerMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // On PostgreSQL, counted in the store every replica shares (src/cds/rate-limit.ts). A SQLite store serves one
    // instance, so its counters stay in memory (no fsync'd write per call).
    ...(deps.store.engine === 'postgres'
      ? {
          store: new SharedRateLimitStore({
            counters: deps.store.rateLimits,
            logger,
            metrics,
            deadlineMs: config.sharedCheckMs,
          }),
        }
      : {}),
    ...(keyPrefix === undefined
      ? {}
      : { keyGenerator: (req) => `${keyPrefix}${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? '')}` }),
    // TRUST_PROXY decides whose X-Forwarded-For counts; a header from an untrusted peer is expected, not an error.
    validate: { xForwardedForHeader: false },
    handler: (_req, _res, next) => {
      next(new AppError('HTTP_RATE_LIMITED'));
    },
  });
}

/** `/cds-services`: rate limit (before authentication, so a flood is refused cheaply), client JWT, JSON bodies. */
function cdsArea(
  deps: AppDeps & { recorder: InvocationRecorder },
  signer: LinkSigner,
  jsonBody: readonly RequestHandler[],
): Router {
  const { config, logger, metrics } = deps;
  return Router().use(
    rateLimited(deps),
    authenticateClient(deps.authenticator, config.publicBaseUrl, logger, metrics),
    requireJsonBody,
    ...jsonBody,
    createFeedbackRouter({
      serviceIds: new Set(deps.services.map((s) => s.id)),
      store: deps.store,
      metrics,
      ...(deps.now ? { now: deps.now } : {}),
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
      fhirReadLimitBytes: config.fhirReadLimitBytes,
      fhirCache: createFhirCache(),
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.demo
        ? {
            trustedFhirServers: [
              { baseUrl: demoBaseUrl(config), fetcher: createDemoFetcher(deps.demo, demoBaseUrl(config)) },
            ],
          }
        : {}),
      cardLinks: async (cardUuid, request) => [
        ...(await signer.linksFor(cardUuid, request.context.userId)),
        ...(deps.demo ? [dashboardLink(config, deps.demo, request)] : []),
      ],
    }),
  );
}
