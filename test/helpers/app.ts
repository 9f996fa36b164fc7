/**
 * Boots `createApp()` the way `main.ts` does, on an in-memory SQLite store (or a given URL), with captured logs.
 */
import { Writable } from 'node:stream';
import type { Express } from 'express';
import { createApp } from '../../src/app';
import type { AppDeps } from '../../src/app';
import type { ClientAuthenticator, TrustedIssuer } from '../../src/cds/auth';
import { loadServiceDefinitions } from '../../src/cds/discovery';
import type { HookHandlers } from '../../src/cds/routes';
import { loadConfig } from '../../src/config';
import { createGeneReadingCache, createHookHandlers, incompleteCheckLinksTo } from '../../src/hooks';
import type { UserAuthenticator } from '../../src/http/auth';
import { userAuthenticatorFor } from '../../src/http/bearer';
import { KNOWLEDGE_VERSION } from '../../src/rules/cpic';
import { createThresholdRegistry } from '../../src/rules/registry';
import type { ThresholdRegistry } from '../../src/rules/registry';
import { DEFAULT_THRESHOLDS } from '../../src/rules/thresholds';
import { createLogger } from '../../src/observability/logger';
import { createMetrics } from '../../src/observability/metrics';
import { openStore } from '../../src/store';
import { loadDemoData } from '../../src/demo';
import type { DemoData } from '../../src/demo';
import type { Store } from '../../src/store';

export interface TestApp {
  readonly app: Express;
  readonly store: Store;
  readonly deps: AppDeps;
  /** The threshold registry the hooks ask for their engine (publish / reload through it as an informaticist would). */
  readonly thresholds: ThresholdRegistry;
  /** Every log line written so far, as raw JSON text. */
  logs(): string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly handlers?: Partial<HookHandlers>;
  readonly authenticator?: ClientAuthenticator;
  /** The trust profiles' issuers, as `main.ts` loads them from `CDS_TRUSTED_ISSUERS` (the dashboard's FHIR servers). */
  readonly trustedIssuers?: readonly TrustedIssuer[];
  /** Default: bearer tokens of the configured issuer (`env.OIDC_ISSUER`, see `test/helpers/oidc.ts`), as in main.ts. */
  readonly userAuthenticator?: UserAuthenticator;
  readonly databaseUrl?: string;
  /** Serve the demo patients at `/demo/fhir` (dates moved to today), as `main.ts` does with `DEMO_FHIR=on`. */
  readonly demo?: boolean;
  /** Folder of the built web front end the app serves (browser tests build one); default `dist/web`. */
  readonly webRoot?: string;
}

/** The metrics scraper's credential in every test app (`METRICS_TOKEN`), unless a test's `env` sets its own. */
export const TEST_METRICS_TOKEN = 'test-metrics-scraper-0123456789abcdef';

/** The `Authorization` header of the metrics scraper in a test app. */
export const SCRAPER = { Authorization: `Bearer ${TEST_METRICS_TOKEN}` } as const;

let demoData: { readonly day: string; readonly data: DemoData } | undefined;

/** The demo data as of today, loaded once per test file and day. */
function demoAsOfToday(): DemoData {
  const day = new Date().toISOString().slice(0, 10);
  if (demoData?.day !== day) demoData = { day, data: loadDemoData(new Date()) };
  return demoData.data;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({ LOG_LEVEL: 'debug', METRICS_TOKEN: TEST_METRICS_TOKEN, ...options.env });
  let captured = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      captured += chunk.toString('utf8');
      done();
    },
  });
  const store = await openStore(options.databaseUrl ?? ':memory:', { timeoutMs: config.storeTimeoutMs });
  const metrics = createMetrics();
  // As main.ts: refused threshold sets are counted in /metrics.
  const thresholds = createThresholdRegistry({
    repository: store.thresholds,
    fallback: DEFAULT_THRESHOLDS,
    onRefused: (at) => {
      metrics.thresholdSetsRefused.inc({ at });
    },
  });
  const loaded = await thresholds.reload();
  if (loaded.status === 'rejected') throw new Error(loaded.reason);
  const deps: AppDeps = {
    config,
    store,
    logger: createLogger(config.logLevel, sink),
    metrics,
    services: loadServiceDefinitions(),
    handlers: {
      ...createHookHandlers({
        ruleEngine: () => thresholds.live(),
        knowledgeVersion: KNOWLEDGE_VERSION,
        readGenes: createGeneReadingCache(),
        volume: store.volume,
        ...incompleteCheckLinksTo(config.patientAppLaunchUrl),
      }),
      ...options.handlers,
    },
    authenticator: options.authenticator,
    ...(options.trustedIssuers ? { trustedIssuers: options.trustedIssuers } : {}),
    ...(options.demo ? { demo: demoAsOfToday() } : {}),
    thresholdRegistry: thresholds,
    userAuthenticator: options.userAuthenticator ?? userAuthenticatorFor(config.oidc),
    versions: () => ({
      knowledgeVersion: KNOWLEDGE_VERSION,
      thresholdVersion: thresholds.live().thresholdVersion,
    }),
    ...(options.webRoot ? { webRoot: options.webRoot } : {}),
  };
  return {
    app: createApp(deps),
    store,
    deps,
    thresholds,
    logs: () => captured,
    close: () => store.close(),
  };
}
