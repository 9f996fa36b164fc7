/**
 * Prometheus metrics (prom-client), one registry per app so tests stay independent.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  /** CDS Hooks service calls by service id and HTTP status. */
  readonly requests: Counter<'service' | 'status'>;
  readonly requestSeconds: Histogram<'service'>;
  /** Cards returned, by service id and indicator. */
  readonly cards: Counter<'service' | 'indicator'>;
  /**
   * FHIR fallback queries by outcome: `ok`, `cached`, or the failure kind (`timeout`, `http`, `network`,
   * `invalid-response`, `foreign-link`, `too-large`, `token-expired`: not asked; `FhirFailure` in `src/cds/fhir.ts`).
   */
  readonly fhirCalls: Counter<'outcome'>;
  readonly fhirSeconds: Histogram<'outcome'>;
  /** Error responses by catalogue code. */
  readonly errors: Counter<'code'>;
  /** Feedback entries by outcome and whether they were new or repeats. */
  readonly feedback: Counter<'outcome' | 'result'>;
  /**
   * What the alert-volume policy did, per service, rule (`findingRuleId`) and outcome: `shown`, `demoted`,
   * `acknowledged` (a CPIC Strong avoid shown as already acknowledged), `suppressed`, `repeated` (order-select's same card).
   */
  readonly volumeCards: Counter<'service' | 'rule' | 'outcome'>;
  /**
   * Invocation records by what became of them: `stored` (written before the answer), `queued` (the store was slow
   * or down: kept in memory), `flushed` (written from the queue later), `dropped` (queue full), `failed` (refused by
   * the store, e.g. a duplicate card uuid).
   */
  readonly recordings: Counter<'result'>;
  /** Invocation records waiting in memory for the store (queued or still being written). */
  readonly recordingBacklog: Gauge;
  /** Bytes of request bodies reserved now, against `BODY_MEMORY_LIMIT` (`src/http/body.ts`). */
  readonly requestBodyBytes: Gauge;
  /**
   * 1 for each rule whose daily firing rate left its control limits since the latest threshold publication (7 days;
   * `src/admin/watch.ts`), as last computed (hourly, and whenever the editor asks).
   */
  readonly thresholdRuleFlagged: Gauge<'rule'>;
  /**
   * Stored threshold sets refused because they do not load (schema or rules-engine error), by where: `reload` (a
   * published set this process would not swap in; each refused text counted once), `publish`, `rollback`.
   */
  readonly thresholdSetsRefused: Counter<'at'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'cds_requests_total',
      help: 'CDS Hooks service calls',
      labelNames: ['service', 'status'],
      registers,
    }),
    requestSeconds: new Histogram({
      name: 'cds_request_duration_seconds',
      help: 'CDS Hooks service call latency',
      labelNames: ['service'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers,
    }),
    cards: new Counter({
      name: 'cds_cards_total',
      help: 'Cards returned',
      labelNames: ['service', 'indicator'],
      registers,
    }),
    fhirCalls: new Counter({
      name: 'cds_fhir_fallback_calls_total',
      help: 'FHIR fallback queries',
      labelNames: ['outcome'],
      registers,
    }),
    fhirSeconds: new Histogram({
      name: 'cds_fhir_fallback_duration_seconds',
      help: 'FHIR fallback query latency',
      labelNames: ['outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers,
    }),
    errors: new Counter({
      name: 'cds_errors_total',
      help: 'Error responses by catalogue code',
      labelNames: ['code'],
      registers,
    }),
    feedback: new Counter({
      name: 'cds_feedback_entries_total',
      help: 'Feedback entries',
      labelNames: ['outcome', 'result'],
      registers,
    }),
    volumeCards: new Counter({
      name: 'cds_volume_cards_total',
      help: 'Advice per alert-volume outcome (shown, demoted, acknowledged, suppressed, repeated), by rule',
      labelNames: ['service', 'rule', 'outcome'],
      registers,
    }),
    recordings: new Counter({
      name: 'cds_invocation_records_total',
      help: 'Invocation records by result: stored, queued, flushed, dropped, failed',
      labelNames: ['result'],
      registers,
    }),
    recordingBacklog: new Gauge({
      name: 'cds_invocation_record_backlog',
      help: 'Invocation records held in memory until the store takes them',
      registers,
    }),
    requestBodyBytes: new Gauge({
      name: 'cds_request_body_bytes',
      help: 'Bytes of request bodies being received or handled, against BODY_MEMORY_LIMIT',
      registers,
    }),
    thresholdRuleFlagged: new Gauge({
      name: 'cds_threshold_rule_flagged',
      help: 'Rules whose firing rate left its control limits since the latest threshold publication (1 = flagged)',
      labelNames: ['rule'],
      registers,
    }),
    thresholdSetsRefused: new Counter({
      name: 'cds_threshold_sets_refused_total',
      help: 'Stored threshold sets refused because they do not load (schema or rules-engine error), by reload, publish or rollback',
      labelNames: ['at'],
      registers,
    }),
  };
}
