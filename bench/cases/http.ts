/**
 * The service over HTTP, scenario by scenario, against an express baseline that parses the same body and answers a
 * constant card, in the same run. Each target runs in its own process pinned to core 0 (`taskset`); this process,
 * which generates the load with autocannon and plays the EHR's FHIR server, pins itself to core 1. Every scenario
 * runs at 1, 10 and 50 connections. Reports throughput, p50, p99, errors and the target's peak RSS, and writes
 * `bench/results/http-latest.json` and `.md` (the README shows the latest table).
 *
 * Figures are of warm processes. Each scenario starts both targets afresh and first loads them at 10 connections in
 * `WARMUP_ROUNDS` turns of `BENCH_WARMUP_SECONDS` (default 5) each, not counted but reported: the service, with far
 * more code for V8 to optimise, speeds up by about half over its first 3,000 calls (20 s at full load), the baseline
 * by about a fifth. Measuring from the first second (as up to stop 27) reported a replica's first
 * minute, not the speed it keeps.
 *
 * A virtual machine's speed drifts (here by up to half between one minute and the next), so the two targets run
 * side by side and take turns: `ROUNDS` slices of `BENCH_SECONDS` (default 2) each, baseline then service, after a 1 s
 * warm-up of each at the slice's connection count that is not counted. The ratio is the median of the rounds'
 * ratios, each from two adjacent slices; calls/s and latencies are the medians of the rounds.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import type { BenchCase } from '../run';
import { CORES, cpuMs, pin, startScript, startService, stopProcess } from '../http/service';
import type { ServiceProcess } from '../http/service';
import { realisticOrderSignRequest } from '../realistic-request';
import { median } from '../stats';
import { searchset, startMockFhirServer } from '../../test/helpers/mock-fhir';
import type { MockFhirServer } from '../../test/helpers/mock-fhir';

const CONNECTIONS = [1, 10, 50] as const;
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '2');
const ROUNDS = 3;
const WARMUP_SECONDS = Number(process.env['BENCH_WARMUP_SECONDS'] ?? '5');
const WARMUP_ROUNDS = 4;
const WARMUP_CONNECTIONS = 10;
/** What the EHR's FHIR server adds to every query in the no-prefetch scenario. */
const FHIR_DELAY_MS = 20;
const RESULTS = path.join(__dirname, '..', 'results');

type Kind = 'service' | 'baseline';

/** Each target's calls/s in the warm-up's successive slices, from the start of its process. */
interface WarmUp {
  readonly scenario: string;
  readonly service: number[];
  readonly baseline: number[];
}

interface Scenario {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** The body, or a function giving each request its own body. */
  readonly body?: string | (() => string);
  /** Prepares the service before measuring (e.g. records a card to send feedback on). */
  readonly prepare?: (serviceUrl: string) => Promise<void>;
}

/** One target's figures at one connection count: medians of its slices (errors summed). */
interface Run {
  scenario: string;
  connections: number;
  target: Kind;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  peakRssMb: number;
  /** CPU time of the target's process (all its threads) per call answered. */
  cpuMsPerCall: number;
  /** The service's throughput over the baseline's, median of the rounds (service runs only). */
  ratio?: number;
}

/** One slice of load on one target. */
interface Slice {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  cpuMsPerCall: number;
}

function summary(scenario: string, connections: number, target: Kind, slices: readonly Slice[]): Run {
  return {
    scenario,
    connections,
    target,
    rps: median(slices.map((x) => x.rps)),
    p50: median(slices.map((x) => x.p50)),
    p99: median(slices.map((x) => x.p99)),
    errors: slices.reduce((n, x) => n + x.errors, 0),
    non2xx: slices.reduce((n, x) => n + x.non2xx, 0),
    peakRssMb: NaN,
    cpuMsPerCall: median(slices.map((x) => x.cpuMsPerCall)),
  };
}

async function startTarget(kind: Kind): Promise<ServiceProcess> {
  return kind === 'service' ? startService({ core: 0 }) : startScript('target.ts', [kind], 0);
}

async function load(
  target: ServiceProcess,
  scenario: Scenario,
  connections: number,
  seconds: number,
): Promise<Slice> {
  const body = scenario.body;
  const cpuBefore = cpuMs(target.child.pid ?? 0);
  const r = await autocannon({
    url: `${target.url}${scenario.path}`,
    connections,
    duration: seconds,
    method: scenario.method,
    headers: { 'content-type': 'application/json' },
    ...(typeof body === 'string' ? { body } : {}),
    ...(typeof body === 'function'
      ? { requests: [{ method: scenario.method, setupRequest: (req) => ({ ...req, body: body() }) }] }
      : {}),
  });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    cpuMsPerCall: (cpuMs(target.child.pid ?? 0) - cpuBefore) / r.requests.total,
  };
}

function scenarios(fhir: MockFhirServer): Scenario[] {
  const now = new Date();
  const orderSign = realisticOrderSignRequest(now);
  const prefetch = orderSign['prefetch'] as Record<string, unknown>;
  const context = orderSign['context'] as Record<string, unknown>;
  const draftOrders = context['draftOrders'] as { entry: unknown[] };
  const orderSelect = {
    ...orderSign,
    hook: 'order-select',
    hookInstance: 'bench-order-select',
    context: {
      ...context,
      selections: ['MedicationRequest/o1'],
      draftOrders: { ...draftOrders, entry: draftOrders.entry.slice(0, 1) },
    },
  };
  const patientView = {
    hook: 'patient-view',
    hookInstance: 'bench-patient-view',
    context: { userId: context['userId'], patientId: context['patientId'] },
    prefetch,
  };
  const withoutPrefetch = { ...orderSign, hookInstance: 'bench-order-sign-fhir', fhirServer: fhir.baseUrl };
  delete (withoutPrefetch as Record<string, unknown>)['prefetch'];

  let cardUuid = '';
  let sequence = 0;
  // Another patient on every call (their id in every resource and the context), so no reading is remembered.
  const orderSignParts = JSON.stringify(orderSign).split('bench-patient');
  let patient = 0;
  return [
    { name: 'discovery', method: 'GET', path: '/cds-services' },
    {
      name: 'order-select, one order',
      method: 'POST',
      path: '/cds-services/pgx-order-select',
      body: JSON.stringify(orderSelect),
    },
    {
      name: 'order-sign, realistic prefetch',
      method: 'POST',
      path: '/cds-services/pgx-order-sign',
      body: JSON.stringify(orderSign),
    },
    {
      name: 'order-sign, realistic prefetch, a new patient each call',
      method: 'POST',
      path: '/cds-services/pgx-order-sign',
      body: () => {
        patient += 1;
        return orderSignParts.join(`bench-patient-${String(patient)}`);
      },
    },
    {
      name: 'patient-view',
      method: 'POST',
      path: '/cds-services/pgx-patient-view',
      body: JSON.stringify(patientView),
    },
    {
      name: `order-sign, no prefetch (FHIR +${FHIR_DELAY_MS} ms/query)`,
      method: 'POST',
      path: '/cds-services/pgx-order-sign',
      body: JSON.stringify(withoutPrefetch),
    },
    {
      name: 'feedback (one override each)',
      method: 'POST',
      path: '/cds-services/pgx-order-sign/feedback',
      prepare: async (serviceUrl) => {
        const res = await fetch(`${serviceUrl}/cds-services/pgx-order-sign`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(orderSign),
        });
        const answer = (await res.json()) as { cards?: { uuid?: string }[] };
        cardUuid = answer.cards?.[0]?.uuid ?? 'no-card';
      },
      body: () => {
        sequence += 1;
        return JSON.stringify({
          feedback: [
            {
              card: cardUuid,
              outcome: 'overridden',
              overrideReason: { reason: { code: 'patient-tolerated', system: 'http://example.org/reasons' } },
              outcomeTimestamp: new Date(Date.UTC(2026, 0, 1) + sequence).toISOString(),
            },
          ],
        });
      },
    },
  ];
}

function serveFhir(fhir: MockFhirServer): void {
  const orderSign = realisticOrderSignRequest(new Date());
  const prefetch = orderSign['prefetch'] as Record<string, { entry?: { resource: unknown }[] }>;
  const resources = (key: string): unknown[] => (prefetch[key]?.entry ?? []).map((e) => e.resource);
  const delayMs = FHIR_DELAY_MS;
  fhir.on(/^Patient\//, { body: prefetch['patient'], delayMs });
  fhir.on(/^Observation\?.*84413-4/, { body: searchset(resources('pgx')), delayMs });
  fhir.on(/^Observation\?/, { body: searchset(resources('wearables')), delayMs });
  fhir.on(/^(Consent|MedicationRequest)\?/, { body: searchset([]), delayMs });
}

function markdown(runs: readonly Run[], warmUps: readonly WarmUp[], machine: string): string {
  const rows = new Map<string, { service?: Run; baseline?: Run }>();
  for (const r of runs) {
    const key = `${r.scenario}|${r.connections}`;
    rows.set(key, { ...rows.get(key), [r.target]: r });
  }
  const f = (n: number | undefined, d = 0): string =>
    n === undefined || Number.isNaN(n) ? '—' : n.toFixed(d);
  const lines = [
    `Machine: ${machine}. Service and baseline each in their own process pinned to one core; load generator on another.`,
    '',
    '| scenario | conn | service calls/s | baseline calls/s | ratio | service p50 / p99 ms | baseline p50 / p99 ms | CPU ms per call, service / baseline | errors + non-2xx | service peak RSS MiB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [key, { service: s, baseline: b }] of rows) {
    const [scenario, conn] = key.split('|');
    const ratio = s?.ratio ?? NaN;
    lines.push(
      `| ${scenario} | ${conn} | ${f(s?.rps)} | ${f(b?.rps)} | ${f(ratio, 2)} | ${f(s?.p50)} / ${f(s?.p99)} | ${f(b?.p50)} / ${f(b?.p99)} | ${f(s?.cpuMsPerCall, 2)} / ${f(b?.cpuMsPerCall, 2)} | ${s ? s.errors + s.non2xx : '—'} | ${f(s?.peakRssMb)} |`,
    );
  }
  lines.push(
    '',
    `Warm-up, not counted above: calls/s at ${WARMUP_CONNECTIONS} connections in successive ${WARMUP_SECONDS}-s slices from the start of each process (the two take turns).`,
    '',
    '| scenario | service | baseline |',
    '| --- | --- | --- |',
    ...warmUps.map(
      (w) =>
        `| ${w.scenario} | ${w.service.map((x) => f(x)).join(', ')} | ${w.baseline.map((x) => f(x)).join(', ')} |`,
    ),
  );
  return `${lines.join('\n')}\n`;
}

const bench: BenchCase = {
  name: 'HTTP scenarios: service vs express baseline (autocannon)',
  async run() {
    const pinned = pin(process.pid, 1);
    const fhir = await startMockFhirServer();
    serveFhir(fhir);
    const runs: Run[] = [];
    const warmUps: WarmUp[] = [];
    try {
      for (const scenario of scenarios(fhir)) {
        const baseline = await startTarget('baseline');
        const service = await startTarget('service').catch(async (err: unknown) => {
          await stopProcess(baseline.child);
          throw err;
        });
        const scenarioRuns: Run[] = [];
        try {
          await scenario.prepare?.(service.url);
          const warmUp: WarmUp = { scenario: scenario.name, service: [], baseline: [] };
          for (let round = 0; round < WARMUP_ROUNDS; round += 1) {
            warmUp.baseline.push((await load(baseline, scenario, WARMUP_CONNECTIONS, WARMUP_SECONDS)).rps);
            warmUp.service.push((await load(service, scenario, WARMUP_CONNECTIONS, WARMUP_SECONDS)).rps);
          }
          warmUps.push(warmUp);
          for (const connections of CONNECTIONS) {
            const slices: Record<Kind, Slice[]> = { baseline: [], service: [] };
            for (const target of [baseline, service]) await load(target, scenario, connections, 1); // warm-up
            for (let round = 0; round < ROUNDS; round += 1) {
              slices.baseline.push(await load(baseline, scenario, connections, SECONDS));
              slices.service.push(await load(service, scenario, connections, SECONDS));
            }
            const ratios = slices.service.map((x, i) => x.rps / (slices.baseline[i]?.rps ?? NaN));
            scenarioRuns.push(summary(scenario.name, connections, 'baseline', slices.baseline), {
              ...summary(scenario.name, connections, 'service', slices.service),
              ratio: median(ratios),
            });
          }
        } finally {
          const peaks = {
            baseline: await stopProcess(baseline.child),
            service: await stopProcess(service.child),
          };
          for (const r of scenarioRuns) r.peakRssMb = peaks[r.target];
          runs.push(...scenarioRuns);
        }
      }
    } finally {
      await fhir.close();
    }
    const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${CORES} cores, Node ${process.version}${pinned ? '' : ' (not pinned: taskset or a second core missing)'}`;
    mkdirSync(RESULTS, { recursive: true });
    const table = markdown(runs, warmUps, machine);
    writeFileSync(
      path.join(RESULTS, 'http-latest.json'),
      `${JSON.stringify({ at: new Date().toISOString(), machine, seconds: SECONDS, rounds: ROUNDS, warmUpSeconds: WARMUP_SECONDS, warmUps, runs }, null, 2)}\n`,
    );
    writeFileSync(path.join(RESULTS, 'http-latest.md'), table);
    console.log(`\n${table}`);
    const figure = (scenario: string, c: number): string => {
      const s = runs.find(
        (r) => r.scenario.startsWith(scenario) && r.connections === c && r.target === 'service',
      );
      const b = runs.find(
        (r) => r.scenario.startsWith(scenario) && r.connections === c && r.target === 'baseline',
      );
      return s && b
        ? `${(s.ratio ?? NaN).toFixed(2)} (p50 ${(s.p50 / b.p50).toFixed(1)}x; CPU ${s.cpuMsPerCall.toFixed(1)} against ${b.cpuMsPerCall.toFixed(1)} ms a call)`
        : '—';
    };
    return {
      'realistic order-sign throughput ratio, c=10 (target >= 0.5)': figure('order-sign, realistic', 10),
      'realistic order-sign, c=1': figure('order-sign, realistic', 1),
      'results written': 'bench/results/http-latest.{json,md}',
    };
  },
};

export default bench;
