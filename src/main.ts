/**
 * The process: configuration, store, server, graceful shutdown.
 * SIGTERM/SIGINT: stop accepting connections, let in-flight calls finish, close the store, exit.
 */
import type { Server } from 'node:http';
import { createApp } from './app';
import { createClientAuthenticator, loadTrustedIssuers } from './cds/auth';
import { loadServiceDefinitions } from './cds/discovery';
import { ConfigError, loadConfig } from './config';
import { loadDemoData } from './demo';
import { createHookHandlers } from './hooks';
import { userAuthenticatorFor } from './http/bearer';
import { loadDevSigningKey } from './http/dev-issuer';
import { createLogger } from './observability/logger';
import { createMetrics } from './observability/metrics';
import { KNOWLEDGE_VERSION } from './rules/cpic';
import { createThresholdRegistry } from './rules/registry';
import { DEFAULT_THRESHOLDS } from './rules/thresholds';
import { openStore } from './store';

/** How long in-flight calls get to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

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
  const authenticator =
    config.auth === 'jwt' && config.trustedIssuersFile
      ? createClientAuthenticator({ issuers: await loadTrustedIssuers(config.trustedIssuersFile) })
      : undefined;

  if (!config.oidc) {
    logger.warn('OIDC_ISSUER is not set: nobody can sign in to /api and /admin');
  } else if (config.oidc.development) {
    logger.warn(
      `development sign-in: tokens from "npm run token" (issuer ${config.oidc.issuer}); set OIDC_ISSUER for a real one`,
    );
  }
  const devKey = config.oidc?.development ? await loadDevSigningKey(config.oidcDevKeyFile) : undefined;

  const store = await openStore(config.databaseUrl);
  // The published threshold set (defaults until an informaticist publishes one); recorded on every invocation. The
  // registry swaps the engine when another version is published; a corrupt published set stops the start (loudly).
  const thresholds = createThresholdRegistry({ repository: store.thresholds, fallback: DEFAULT_THRESHOLDS });
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
  // The demo patients, dates moved to today (DEMO_FHIR=on; default outside production).
  const demo = config.demoFhir ? loadDemoData(new Date()) : undefined;
  const app = createApp({
    config,
    ...(demo ? { demo } : {}),
    store,
    logger,
    metrics: createMetrics(),
    services: loadServiceDefinitions(),
    handlers: createHookHandlers({
      ruleEngine: () => thresholds.live(),
      knowledgeVersion: KNOWLEDGE_VERSION,
      volume: store.volume,
    }),
    liveThresholds: () => thresholds.live().thresholds,
    authenticator,
    userAuthenticator: userAuthenticatorFor(config.oidc),
    ...(devKey ? { devJwks: devKey.jwks } : {}),
    versions: () => ({
      knowledgeVersion: KNOWLEDGE_VERSION,
      thresholdVersion: thresholds.live().thresholdVersion,
    }),
  });

  const server: Server = app.listen(config.port, () => {
    logger.info(
      { port: config.port, store: store.engine, auth: config.auth },
      `serving ${config.publicBaseUrl}/cds-services`,
    );
    if (demo) {
      logger.info(
        { patients: demo.index.patients.length },
        `demo FHIR server (synthetic patients, read-only): ${config.publicBaseUrl}/demo/fhir`,
      );
    }
  });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    stopReloading();
    logger.info({ signal }, 'shutting down: finishing in-flight calls');
    const force = setTimeout(() => {
      logger.error('in-flight calls did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      store
        .close()
        .then(() => {
          logger.info('stopped');
          process.exit(0);
        })
        .catch(() => process.exit(1));
    });
    server.closeIdleConnections();
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
