/**
 * The threshold registry (DESIGN.md "A threshold registry owns the live rule engine"): it holds the live rule engine
 * built from the published ThresholdSet (or the defaults while none is published) and an optional shadow engine, and
 * swaps the live engine when another version is published, without a restart. Hooks ask it for the engine per call
 * (`ruleEngine: () => registry.live()`), never keep one.
 *
 * A reload that cannot read or validate the published set keeps the running engine and says why; so does a
 * publication whose set is not valid (it is refused before the store publishes it). The registry knows the store only
 * structurally (`ThresholdRepositoryPort`), so `src/rules` does not import `src/store`.
 */
import { createRuleEngine } from './engine';
import type { RuleEngine } from './engine';
import { parseStoredThresholdSet, serializeThresholdSet } from './thresholds';
import type { StoredThresholdSet, ThresholdSet } from './thresholds';

/** Who publishes or rolls back, why, and when (the store's audit row). */
export interface ThresholdChangeRequest {
  readonly by: string;
  readonly comment?: string;
  /** Defaults to now. */
  readonly at?: Date;
  /** Set by the registry: the shipped defaults' version when they are what the publication replaces. */
  readonly replacing?: string;
}

/** What the registry needs of the store's threshold repository (`store.thresholds`). */
export interface ThresholdRepositoryPort {
  /** The published set, or undefined when none is published. */
  published(): Promise<StoredThresholdSet | undefined>;
  /** Every stored version with its JSON text and status (a publication is validated from it first). */
  list(): Promise<readonly (StoredThresholdSet & { readonly status: string })[]>;
  /** Publishes a draft or retired version, retiring the published one (audited). */
  publish(version: string, change: ThresholdChangeRequest): Promise<void>;
  /** Publishes a retired version again (audited as a rollback). */
  rollback(version: string, change: ThresholdChangeRequest): Promise<void>;
  /** Stores the shipped defaults as a retired version, unless stored already (so they can be rolled back to). */
  recordShipped(set: StoredThresholdSet): Promise<void>;
}

export interface ThresholdRegistryOptions {
  readonly repository: ThresholdRepositoryPort;
  /** The set in force while nothing is published (`DEFAULT_THRESHOLDS`). */
  readonly fallback: ThresholdSet;
  /**
   * Hears of every stored set refused because it does not load (`loadStoredThresholdSet`): once per refused text
   * on reload (an unchanged bad set is not reported again), and on every refused publication or rollback. `main.ts`
   * counts them in `/metrics` (`cds_threshold_sets_refused_total`).
   */
  readonly onRefused?: (at: 'reload' | 'publish' | 'rollback', reason: string) => void;
}

/**
 * Loads a stored set exactly as the registry does before it runs one: the text is JSON, the JSON a valid ThresholdSet
 * of the stored version (`parseStoredThresholdSet`), and json-rules-engine accepts every rule built from it
 * (`createRuleEngine`). The dry run before publish (`src/admin/dry-run.ts`) loads a draft through the same function.
 * @throws Error saying why (every bad field, or what the rules engine refused).
 */
export function loadStoredThresholdSet(stored: StoredThresholdSet): RuleEngine {
  const set = parseStoredThresholdSet(stored);
  try {
    return createRuleEngine(set);
  } catch (err) {
    throw new Error(`the rules engine refused threshold set ${stored.version}: ${messageOf(err)}`);
  }
}

/**
 * What a reload (or a publication) did. `rejected` keeps the running engine: `version` is the version still in
 * force, `rejected` the version that was refused (absent when the store could not be read), `reason` why.
 */
export type ReloadOutcome =
  | { readonly status: 'unchanged'; readonly version: string }
  | { readonly status: 'swapped'; readonly version: string; readonly previous: string }
  | {
      readonly status: 'rejected';
      readonly version: string;
      readonly rejected?: string;
      readonly reason: string;
    };

export interface ThresholdRegistry {
  /** The set the service ships with (`DEFAULT_THRESHOLDS`), in force while nothing is published. */
  readonly shipped: ThresholdSet;
  /** The engine in force now. Cheap: call it once per request and do not keep the result across requests. */
  live(): RuleEngine;
  /** The shadow engine (a candidate set evaluated beside the live one, never shown), if one is set. */
  shadow(): RuleEngine | undefined;
  /** Sets (or with `undefined` clears) the shadow engine's ThresholdSet. */
  setShadow(set: ThresholdSet | undefined): void;
  /**
   * Reads the published set and, when it differs from the running one, validates it and swaps the live engine (the
   * fallback when nothing is published). Never rejects: a failure keeps the running engine and is reported. Reloads
   * run one at a time, in the order asked.
   */
  reload(): Promise<ReloadOutcome>;
  /**
   * Publishes a stored version through the repository and reloads, so the next call uses it. A version whose JSON is
   * not a valid set of that version is refused before the store publishes it (`rejected`, nothing changes).
   * @throws what the repository throws (an unknown version, a database failure).
   */
  publish(version: string, change: ThresholdChangeRequest): Promise<ReloadOutcome>;
  /** As `publish`, for a version published before (the store audits it as a rollback). */
  rollback(version: string, change: ThresholdChangeRequest): Promise<ReloadOutcome>;
  /**
   * Reloads every `intervalMs` (several replicas converge on the published set within one interval) until the
   * returned function is called. `report` hears of every swap and of every rejection whose reason differs from the
   * one reported before (a bad published set is reported once, not every interval). The timer does not keep the
   * process alive.
   */
  reloadEvery(intervalMs: number, report: (outcome: ReloadOutcome) => void): () => void;
}

/** The running engine and the stored text it was built from (undefined: the fallback). */
interface Running {
  readonly engine: RuleEngine;
  readonly stored?: StoredThresholdSet;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export function createThresholdRegistry(options: ThresholdRegistryOptions): ThresholdRegistry {
  const { repository, fallback, onRefused } = options;
  const fallbackEngine = createRuleEngine(fallback);
  let running: Running = { engine: fallbackEngine };
  let shadowEngine: RuleEngine | undefined;
  /** The last stored text refused, and why (so an unchanged bad set is not parsed again every interval). */
  let refused: { readonly stored: StoredThresholdSet; readonly reason: string } | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const same = (a: StoredThresholdSet | undefined, b: StoredThresholdSet | undefined): boolean =>
    a?.version === b?.version && a?.json === b?.json;

  function swapTo(next: Running): ReloadOutcome {
    const previous = running.engine.thresholdVersion;
    running = next;
    refused = undefined;
    return { status: 'swapped', version: next.engine.thresholdVersion, previous };
  }

  function reject(reason: string, version?: string): ReloadOutcome {
    return {
      status: 'rejected',
      version: running.engine.thresholdVersion,
      ...(version === undefined ? {} : { rejected: version }),
      reason,
    };
  }

  async function load(): Promise<ReloadOutcome> {
    let stored: StoredThresholdSet | undefined;
    try {
      stored = await repository.published();
    } catch (err) {
      return reject(`could not read the published threshold set: ${messageOf(err)}`);
    }
    if (stored === undefined) {
      return running.stored === undefined
        ? { status: 'unchanged', version: running.engine.thresholdVersion }
        : swapTo({ engine: fallbackEngine });
    }
    if (same(stored, running.stored))
      return { status: 'unchanged', version: running.engine.thresholdVersion };
    if (refused && same(stored, refused.stored)) return reject(refused.reason, stored.version);
    try {
      const engine = loadStoredThresholdSet(stored);
      return swapTo({ engine, stored: { version: stored.version, json: stored.json } });
    } catch (err) {
      const reason = `published threshold set ${stored.version} not used: ${messageOf(err)}`;
      refused = { stored: { version: stored.version, json: stored.json }, reason };
      onRefused?.('reload', reason);
      return reject(reason, stored.version);
    }
  }

  function reload(): Promise<ReloadOutcome> {
    const run = queue.then(load, load);
    queue = run;
    return run;
  }

  async function change(
    action: 'publish' | 'rollback',
    version: string,
    request: ThresholdChangeRequest,
  ): Promise<ReloadOutcome> {
    const shipped = { version: fallback.version, json: serializeThresholdSet(fallback) };
    // The shipped defaults are a version like any other: stored (retired) when first replaced, so the version list
    // names them as what was in force first and a rollback can return to them.
    const replacingShipped = running.stored === undefined;
    if (replacingShipped || version === fallback.version) await repository.recordShipped(shipped);
    const candidate = (await repository.list()).find((s) => s.version === version);
    if (candidate) {
      try {
        loadStoredThresholdSet(candidate);
      } catch (err) {
        const done = action === 'publish' ? 'published' : 'rolled back to';
        const reason = `threshold set ${version} not ${done}: ${messageOf(err)}`;
        onRefused?.(action, reason);
        return reject(reason, version);
      }
    }
    // An unknown version is the repository's to refuse (it throws).
    const withReplaced = replacingShipped ? { ...request, replacing: fallback.version } : request;
    await (action === 'publish'
      ? repository.publish(version, withReplaced)
      : repository.rollback(version, withReplaced));
    return reload();
  }

  return {
    shipped: fallback,
    live: () => running.engine,
    shadow: () => shadowEngine,
    setShadow(set) {
      shadowEngine = set === undefined ? undefined : createRuleEngine(set);
    },
    reload,
    publish: (version, request) => change('publish', version, request),
    rollback: (version, request) => change('rollback', version, request),
    reloadEvery(intervalMs, report) {
      let lastReason: string | undefined;
      const timer = setInterval(() => {
        reload()
          .then((outcome) => {
            if (outcome.status === 'rejected') {
              const repeated = outcome.reason === lastReason;
              lastReason = outcome.reason;
              if (!repeated) report(outcome);
              return;
            }
            lastReason = undefined;
            if (outcome.status === 'swapped') report(outcome);
          })
          // A reporter that throws must neither stop the reloads nor crash the process.
          .catch(() => undefined);
      }, intervalMs);
      timer.unref();
      return () => {
        clearInterval(timer);
      };
    },
  };
}
