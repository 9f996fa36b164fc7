/**
 * Boots `createApp()` the way `main.ts` does, on an in-memory SQLite store (or a given URL), with captured logs.
 */
import { Writable } from 'node:stream';
import type { Express } from 'express';
import { createApp } from '../../src/app';
import type { AppDeps } from '../../src/app';
import type { ClientAuthenticator } from '../../src/cds/auth';
import { loadServiceDefinitions } from '../../src/cds/discovery';
import type { HookHandlers } from '../../src/cds/routes';
import { loadConfig } from '../../src/config';
import { createHookHandlers } from '../../src/hooks';
import { KNOWLEDGE_VERSION } from '../../src/rules/cpic';
import { createRuleEngine } from '../../src/rules/engine';
import { loadPublishedThresholds } from '../../src/rules/thresholds';
import { createLogger } from '../../src/observability/logger';
import { createMetrics } from '../../src/observability/metrics';
import { openStore } from '../../src/store';
import type { Store } from '../../src/store';

export interface TestApp {
  readonly app: Express;
  readonly store: Store;
  readonly deps: AppDeps;
  /** Every log line written so far, as raw JSON text. */
  logs(): string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly handlers?: Partial<HookHandlers>;
  readonly authenticator?: ClientAuthenticator;
  readonly databaseUrl?: string;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({ LOG_LEVEL: 'debug', ...options.env });
  let captured = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      captured += chunk.toString('utf8');
      done();
    },
  });
  const store = await openStore(options.databaseUrl ?? ':memory:');
  const ruleEngine = createRuleEngine(await loadPublishedThresholds(store.thresholds));
  const deps: AppDeps = {
    config,
    store,
    logger: createLogger(config.logLevel, sink),
    metrics: createMetrics(),
    services: loadServiceDefinitions(),
    handlers: {
      ...createHookHandlers({ ruleEngine: () => ruleEngine, knowledgeVersion: KNOWLEDGE_VERSION }),
      ...options.handlers,
    },
    authenticator: options.authenticator,
    versions: () => ({ knowledgeVersion: KNOWLEDGE_VERSION, thresholdVersion: ruleEngine.thresholdVersion }),
  };
  return {
    app: createApp(deps),
    store,
    deps,
    logs: () => captured,
    close: () => store.close(),
  };
}
