/**
 * The `/cds-services` rate limit's counters in the shared store (issue 13 item 4), as an express-rate-limit `Store`,
 * so N replicas behind a load balancer enforce one limit per client, not N. Fixed windows of `windowMs` aligned on
 * the clock (every replica agrees on the window without talking), one atomic upsert per hit.
 *
 * The store is asked through a `StoreBreaker` (deadline `STORE_SHARED_CHECK_MS`, 250 ms by default; left alone for
 * 5 s after a failure); when it cannot answer, this instance counts in memory instead (a per-process limit, as
 * before) and logs the lapse: a store outage must not refuse or delay advice (item 1).
 * Chosen over a Redis store: the service already runs on one shared database, and one more server to operate for a
 * counter of ~600 hits a minute per client is not worth it; the cost is one small write per call.
 */
import { MemoryStore } from 'express-rate-limit';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { RateLimitRepository } from '../store';
import { createStoreBreaker } from './store-breaker';
import type { StoreBreaker } from './store-breaker';

/** Past windows removed per purge (housekeeping runs it). */
const PURGE_BATCH = 1000;

export class SharedRateLimitStore implements Store {
  /** Counts are shared across processes: express-rate-limit must not assume one store per limiter is local. */
  readonly localKeys = false;
  private windowMs = 60_000;
  private readonly fallback = new MemoryStore();
  private readonly breaker: StoreBreaker;

  constructor(
    private readonly deps: {
      readonly counters: RateLimitRepository;
      readonly logger: Logger;
      readonly metrics: Metrics;
      readonly now?: () => number;
      readonly deadlineMs?: number;
    },
  ) {
    this.breaker = createStoreBreaker({
      code: 'STORE_RATE_LIMIT_LOCAL',
      message: 'rate limit counted in this process: the store did not answer',
      logger: deps.logger,
      metrics: deps.metrics,
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.deadlineMs === undefined ? {} : { deadlineMs: deps.deadlineMs }),
    });
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
    this.fallback.init(options);
  }

  private window(): { start: Date; end: Date } {
    const nowMs = (this.deps.now ?? Date.now)();
    const startMs = Math.floor(nowMs / this.windowMs) * this.windowMs;
    return { start: new Date(startMs), end: new Date(startMs + this.windowMs) };
  }

  private shared<T>(run: () => Promise<T>): Promise<T | undefined> {
    return this.breaker.run(run);
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const { start, end } = this.window();
    const hits = await this.shared(() => this.deps.counters.hit(key, start, end));
    if (hits === undefined) return this.fallback.increment(key);
    return { totalHits: hits, resetTime: end };
  }

  async decrement(key: string): Promise<void> {
    const { start } = this.window();
    await this.shared(() => this.deps.counters.unhit(key, start));
  }

  async resetKey(key: string): Promise<void> {
    await this.shared(() => this.deps.counters.reset(key));
    await this.fallback.resetKey(key);
  }

  /** Removes counters of windows that have ended (housekeeping). */
  purge(): Promise<number> {
    return this.deps.counters.purgeExpired(new Date((this.deps.now ?? Date.now)()), PURGE_BATCH);
  }

  shutdown(): void {
    this.fallback.shutdown();
  }
}
