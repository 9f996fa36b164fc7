/**
 * The process: configuration, store, server, graceful shutdown.
 * SIGTERM/SIGINT: stop accepting connections, close idle keep-alive connections, answer in-flight calls with
 * `Connection: close`, let them finish, write the invocation records held in memory, close the store, exit 0.
 */
import { createServer } from 'node:http';
import { createApp } from './app';
import { createClientAuthenticator, loadTrustedIssuers } from './cds/auth';
import { createInvocationRecorder } from './cds/recorder';
import { createSharedJtiMemory } from './cds/replay';
import { loadServiceDefinitions } from './cds/discovery';
import { ConfigError, loadConfig } from './config';
import { loadDemoData } from './demo';
import type { DemoData } from './demo';
import { warmUp } from './demo/warm-up';
import type { CdsServiceDefinition } from './cds/types';
import { createGeneReadingCache, createHookHandlers, incompleteCheckLinksTo } from './hooks';
import type { HookServices } from './hooks';
import { userAuthenticatorFor } from './http/bearer';
import { loadDevSigningKey } from './http/dev-issuer';
import { createReadiness } from './http/ops';
import { createLogger, errorForLog } from './observability/logger';
import type { Logger } from './observability/logger';
import { createMetrics } from './observability/metrics';
import { KNOWLEDGE_VERSION } from './rules/cpic';
import { latestPublicationWatch, reportWatch } from './admin/watch';
import { createThresholdRegistry } from './rules/registry';
import { DEFAULT_THRESHOLDS } from './rules/thresholds';
import { openStore, sweepExpired } from './store';

/** How long in-flight calls get to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;
/** How long the invocation records held in memory get to reach the store at shutdown. */
const SHUTDOWN_DRAIN_MS = 5_000;
/**
 * How long a client may take to send a request's headers, and the whole request with its body (Node's defaults are
 * 60 s and 5 min). A CDS client or a browser on a hospital network sends a 5 MB body in well under a second; an
 * upload still unfinished after 30 s is stalled, and it holds its part of the body budget (`BODY_MEMORY_LIMIT`) until
 * it is cut: the server answers 408 and closes the connection. Checked every 5 s. A slow answer is not bounded here.
 * An idle keep-alive connection stays open `KEEP_ALIVE_SECONDS` (65 s), not Node's 5 s: a load balancer pools its
 * connections for 60 s (AWS ALB, nginx) and sends a call down one Node had just closed, which its client sees as a
 * 502. Node 20 times a request's headers from its first byte, so an idle connection outlives `HEADERS_TIMEOUT_MS`.
 */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const CONNECTIONS_CHECK_MS = 5_000;
/** How often records past their retention period (and expired shared rows) are removed; the first sweep soon after start. */
const HOUSEKEEPING_MS = 3_600_000;
const FIRST_HOUSEKEEPING_MS = 60_000;
/** How often the process asks the store whether it answers, so an outage is logged when it starts. */
const STORE_MONITOR_MS = 5_000;

/**
 * The order-sign hook on every demo patient before listening, without the store (`demo/warm-up.ts`), so the first
 * clinician's call is not the one that loads and compiles everything. `demo`: the demo data if the process loaded it
 * already (DEMO_FHIR=on), else the warm-up loads it. A failure is logged and the start goes on.
 */
async function warmUpHooks(
  services: readonly CdsServiceDefinition[],
  hookServices: HookServices,
  logger: Logger,
  demo: DemoData | undefined,
): Promise<void> {
  const orderSign = services.find((s) => s.hook === 'order-sign');
  if (!orderSign) return;
  const started = performance.now();
  try {
    const { calls } = await warmUp(createHookHandlers(hookServices)['order-sign'], orderSign, logger, demo);
    logger.info(
      { calls, ms: Math.round(performance.now() - started) },
      'hooks warmed up on the demo patients',
    );
  } catch (err) {
    logger.warn({ err: errorForLog(err) }, 'warm-up failed; the first calls will be slower');
  }
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  // Last resort, logged with the error's real type and frames (errorForLog), never its message. A rejection nobody
  // handled is a bug but leaves the process consistent: logged, serving on. An uncaught exception may have left
  // anything half-done: logged, then exit 1 for the supervisor to restart.
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: errorForLog(reason) }, 'unhandled promise rejection');
  });
  process.on('uncaughtException', (err) => {
    logger.fatal({ err: errorForLog(err) }, 'uncaught exception: exiting');
    process.exit(1);
  });
  if (config.auth === 'none') {
    logger.warn(
      '!!! CDS_AUTH=none: client JWTs are NOT verified and any fhirServer will be called. ' +
        'Use only for local development; set CDS_AUTH=jwt and CDS_TRUSTED_ISSUERS in any shared deployment. !!!',
    );
  }
  if (config.linkSecret === undefined) {
    logger.warn(
      'LINK_SECRET is not set: card links are signed with a random key of this process. They stop working when it ' +
        'restarts and other replicas refuse them. Set LINK_SECRET in any shared deployment.',
    );
  }
  if (config.sessionSecret === undefined) {
    logger.warn(
      'SESSION_SECRET is not set: page sessions are signed with a random key of this process and end when it ' +
        'restarts. Set SESSION_SECRET in any shared deployment.',
    );
  }
  const store = await openStore(config.databaseUrl, { timeoutMs: config.storeTimeoutMs });
  const metrics = createMetrics();
  // The trust profiles: the CDS clients' issuers (CDS_AUTH=jwt) and, in every mode, the FHIR servers the clinician
  // dashboard may read after an EHR launch.
  const trustedIssuers = config.trustedIssuersFile ? await loadTrustedIssuers(config.trustedIssuersFile) : [];
  const authenticator =
    config.auth === 'jwt' && config.trustedIssuersFile
      ? createClientAuthenticator({
          issuers: trustedIssuers,
          // Replicas on one PostgreSQL store refuse a token replayed to any of them. SQLite serves one instance,
          // whose in-process memory suffices.
          ...(store.engine === 'postgres'
            ? {
                sharedJtis: createSharedJtiMemory({
                  jtis: store.jtis,
                  logger,
                  metrics,
                  deadlineMs: config.sharedCheckMs,
                }),
              }
            : {}),
        })
      : undefined;

  if (!config.oidc) {
    logger.warn('OIDC_ISSUER is not set: nobody can sign in to /api and /admin');
  } else if (config.oidc.development) {
    logger.warn(
      `development sign-in: tokens from "npm run token" (issuer ${config.oidc.issuer}); set OIDC_ISSUER for a real one`,
    );
  }
  const devKey = config.oidc?.development ? await loadDevSigningKey(config.oidcDevKeyFile) : undefined;
  // The published threshold set (defaults until an informaticist publishes one); recorded on every invocation. The
  // registry swaps the engine when another version is published; a corrupt published set stops the start (loudly).
  const thresholds = createThresholdRegistry({
    repository: store.thresholds,
    fallback: DEFAULT_THRESHOLDS,
    onRefused: (at) => {
      metrics.thresholdSetsRefused.inc({ at });
    },
  });
  const loaded = await thresholds.reload();
  if (loaded.status === 'rejected') throw new Error(loaded.reason);
  const stopReloading =
    config.thresholdsReloadSeconds > 0
      ? thresholds.reloadEvery(config.thresholdsReloadSeconds * 1000, (outcome) => {
          if (outcome.status === 'rejected')
            logger.error({ thresholds: outcome }, 'threshold reload refused');
          else logger.info({ thresholds: outcome }, 'threshold set swapped');
        })
      : () => undefined;
  // Replicas on PostgreSQL hear a publish or rollback at once (LISTEN/NOTIFY) and reload; polling stays as the net.
  const stopListening = await store
    .thresholdChanges(
      () => {
        void thresholds.reload().then((outcome) => {
          if (outcome.status === 'rejected')
            logger.error({ thresholds: outcome }, 'threshold reload refused');
          else if (outcome.status === 'swapped')
            logger.info({ thresholds: outcome }, 'threshold set swapped');
        });
      },
      (err) => {
        logger.error({ err: errorForLog(err) }, 'threshold notifications lost; polling continues');
      },
    )
    .catch((err: unknown) => {
      // Without notifications the periodic reload still converges: start anyway.
      logger.error({ err: errorForLog(err) }, 'threshold notifications unavailable; polling only');
      return () => Promise.resolve();
    });
  // The demo patients, dates moved to today (DEMO_FHIR=on; default outside production).
  const demo = config.demoFhir ? loadDemoData(new Date()) : undefined;
  const recorder = createInvocationRecorder({ store, metrics, logger });
  const readiness = createReadiness({
    ping: () => store.ping(),
    engine: store.engine,
    recordingBacklog: () => recorder.backlog(),
    logger,
  });
  const monitor = setInterval(() => {
    void readiness.check();
  }, STORE_MONITOR_MS);
  monitor.unref();
  // Retention (docs/retention.md) and expired jti / rate-limit rows. Every replica sweeps; the deletes are idempotent.
  let sweeping = false;
  const housekeep = (): void => {
    // The watch after publish, for /metrics (the editor recomputes it when opened).
    latestPublicationWatch(store, new Date())
      .then((watch) => {
        reportWatch(metrics, watch);
      })
      .catch((err: unknown) => {
        logger.warn({ err: errorForLog(err) }, 'threshold watch not computed; the next one retries');
      });
    if (sweeping) return;
    sweeping = true;
    sweepExpired(store, { now: new Date(), retentionDays: config.retentionDays })
      .then((removed) => {
        if (Object.values(removed).some((n) => n > 0))
          logger.info({ removed }, 'housekeeping: expired records removed');
      })
      .catch((err: unknown) => {
        logger.warn({ err: errorForLog(err) }, 'housekeeping sweep failed; the next one retries');
      })
      .finally(() => {
        sweeping = false;
      });
  };
  const firstSweep = setTimeout(housekeep, FIRST_HOUSEKEEPING_MS);
  firstSweep.unref();
  const housekeeping = setInterval(housekeep, HOUSEKEEPING_MS);
  housekeeping.unref();
  let stopping = false;
  const services = loadServiceDefinitions();
  const hookServices = {
    ruleEngine: () => thresholds.live(),
    knowledgeVersion: KNOWLEDGE_VERSION,
    readGenes: createGeneReadingCache(),
    ...incompleteCheckLinksTo(config.patientAppLaunchUrl),
  };
  await warmUpHooks(services, hookServices, logger, demo);
  const app = createApp({
    config,
    ...(demo ? { demo } : {}),
    store,
    logger,
    metrics,
    recorder,
    readiness,
    draining: () => stopping,
    services,
    handlers: createHookHandlers({ ...hookServices, volume: store.volume }),
    thresholdRegistry: thresholds,
    authenticator,
    trustedIssuers,
    userAuthenticator: userAuthenticatorFor(config.oidc),
    ...(devKey ? { devJwks: devKey.jwks } : {}),
    versions: () => ({
      knowledgeVersion: KNOWLEDGE_VERSION,
      thresholdVersion: thresholds.live().thresholdVersion,
    }),
  });

  const server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: CONNECTIONS_CHECK_MS,
      keepAliveTimeout: config.keepAliveSeconds * 1000,
    },
    app,
  );
  server.listen(config.port);
  server.on('listening', () => {
    // The knowledge and thresholds in force, so the log confirms that an update went live.
    logger.info(
      {
        port: config.port,
        store: store.engine,
        auth: config.auth,
        knowledge: KNOWLEDGE_VERSION,
        thresholds: thresholds.live().thresholdVersion,
      },
      `serving ${config.publicBaseUrl}/cds-services`,
    );
    if (demo) {
      logger.info(
        { patients: demo.index.patients.length },
        `demo FHIR server (synthetic patients, read-only): ${config.publicBaseUrl}/demo/fhir`,
      );
    }
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    // Listening failed (EADDRINUSE, EACCES): a clear message and a non-zero exit, never a "serving" line.
    const reason =
      err.code === 'EADDRINUSE'
        ? `port ${config.port} is already in use`
        : err.code === 'EACCES'
          ? `no permission to listen on port ${config.port}`
          : `cannot listen on port ${config.port} (${err.code ?? err.name})`;
    logger.fatal({ err: errorForLog(err), port: config.port }, `failed to start: ${reason}`);
    clearInterval(monitor);
    stopReloading();
    void stopListening();
    void store.close().finally(() => process.exit(1));
  });

  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    stopReloading();
    void stopListening();
    clearInterval(monitor);
    clearTimeout(firstSweep);
    clearInterval(housekeeping);
    const force = setTimeout(() => {
      logger.error('in-flight calls did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    // Stops accepting; the callback runs once every connection has ended. Connections with a call in flight
    // end after its answer (sent with `Connection: close`, app.ts); idle keep-alive ones are closed now.
    server.close(() => {
      void finish();
    });
    server.closeIdleConnections();
    // Logged once the listener is closed, so whoever reads it knows new connections are refused.
    logger.info({ signal }, 'shutting down: finishing in-flight calls');
  };
  const finish = async (): Promise<void> => {
    let code = 0;
    try {
      const left = await recorder.drain(SHUTDOWN_DRAIN_MS);
      if (left > 0) {
        logger.error(
          { records: left },
          'invocation records not written: the store did not take them in time',
        );
      }
      await store.close();
      logger.info('stopped');
    } catch (err) {
      logger.error({ err: errorForLog(err) }, 'store did not close cleanly');
      code = 1;
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.on('SIGINT', () => {
    stop('SIGINT');
  });
}

main().catch((err: unknown) => {
  console.error('failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
