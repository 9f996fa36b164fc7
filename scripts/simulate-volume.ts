/**
 * `npm run simulate:volume [-- --seed 1 --episodes 3000 --json]`: a generated month of prescribing replayed through
 * the real service (`createApp`, the real hook handlers, a real SQLite store in a temporary file, over HTTP on a
 * loopback port) with and without the alert-volume policy, at the low and the high end of the published override
 * rates. Reports interruptive (`warning`/`critical`) cards per 100 calls and how many CPIC Strong avoid /
 * contraindicated cards the policy hid or lowered (must be 0). Deterministic for a seed.
 *
 * The population is built from the clinical panel's real-shaped fixtures (`test/fixtures/hooks/`: Genomics
 * Reporting PGx Observations, RxNorm-coded draft MedicationRequests). Every behavioural rate is in `RATES` with its
 * source; where no source gives a number the choice is called an assumption.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../src/app';
import { loadServiceDefinitions } from '../src/cds/discovery';
import type { Card } from '../src/cds/types';
import { loadConfig } from '../src/config';
import { createHookHandlers } from '../src/hooks';
import { createLogger } from '../src/observability/logger';
import { createMetrics } from '../src/observability/metrics';
import { KNOWLEDGE_VERSION } from '../src/rules/cpic';
import { createThresholdRegistry } from '../src/rules/registry';
import { DEFAULT_THRESHOLDS } from '../src/rules/thresholds';
import type { ThresholdSet } from '../src/rules/thresholds';
import { RATINGS, openStore } from '../src/store';
import type { Rating } from '../src/store';

// ---------------------------------------------------------------------------------------------------------------
// Rates and their sources (knowledge/research/next-capabilities.md)
// ---------------------------------------------------------------------------------------------------------------

/** Every behavioural rate of the simulated clinicians, with where it comes from. */
export const RATES = {
  overrideLow: {
    value: 0.462,
    source:
      'Low end of the override rates of 23 studies, 46.2-96.2 % (Appropriateness of Overridden Alerts in CPOE, JMIR Med Inform 2020;8(7):e15653, PMID 32706721; next-capabilities.md §2.1)',
  },
  overrideHigh: {
    value: 0.962,
    source:
      'High end of the same range, 96.2 % (JMIR Med Inform 2020, PMID 32706721; next-capabilities.md §2.1)',
  },
  rating: {
    value: 2639 / 623_270,
    source:
      'Ratings per override: 2,639 Likert ratings against 623,270 override comments in 30 months at two sites (Real-Time User Feedback to Support CDS System Improvement, Appl Clin Inform 2022, DOI 10.1055/s-0042-1757923; next-capabilities.md §1.2)',
  },
  reasons: {
    value: { 'will-monitor': 0.49, 'tolerated-before': 0.21, 'benefit-outweighs-risk': 0.15, other: 0.15 },
    source:
      '"Will monitor" 49 % and "already tolerated" 21 % of drug-drug override reasons (Shah et al., JAMIA 2006;13:5, Table 4; next-capabilities.md §2.1); the remaining 30 % split evenly between "benefit outweighs risk" and "other" (assumption: no source splits it)',
  },
  ratingAnswers: {
    value: 1 / RATINGS.length,
    source: 'Each of the four answers equally likely (assumption: no published split of in-alert ratings)',
  },
  accept: {
    value: 'the rest',
    source:
      'An interruptive order-sign card not overridden is accepted when it offers a suggestion (the first one) and the drug is not re-ordered for that patient afterwards; otherwise the clinician acts on it outside the card (no feedback). Info cards get no feedback (non-interruptive). Assumption.',
  },
  edits: {
    value: '1-4, uniform',
    source:
      'order-select fires on every field change of the draft order (CDS Hooks sandbox behaviour, research/cds-hooks-conformance.md); the number of edits per order is an assumption',
  },
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------------------------

/** A number in [0, 1) from the seed and the keys: the same event draws the same number in every run. */
function draw(seed: number, ...keys: readonly (string | number)[]): number {
  const digest = createHash('sha256')
    .update(JSON.stringify([seed, ...keys]))
    .digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

function pick<T>(items: readonly T[], u: number): T {
  return items[Math.min(items.length - 1, Math.floor(u * items.length))] as T;
}

// ---------------------------------------------------------------------------------------------------------------
// Population
// ---------------------------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

const FIXTURES = path.resolve(__dirname, '..', 'test', 'fixtures', 'hooks');
const readFixture = (name: string): unknown => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));

/** Results per gene a simulated patient may have (fixture labels); genes read together are listed together. */
const GENE_OPTIONS: readonly (readonly string[][])[] = [
  [['CYP2C19 *2/*2'], ['CYP2C19 *1/*1']],
  [['CYP2D6 *1/*1x2'], ['CYP2D6 *5/*5']],
  [['SLCO1B1 *1/*5']],
  [['CYP2C9 *1/*3', 'VKORC1 rs9923231 C/T']],
  [['TPMT *1/*3A', 'NUDT15 *1/*1']],
  [['DPYD c.1905+1G>A heterozygous']],
  [['HLA-B*57:01 positive']],
];
const DRUGS = [
  'clopidogrel',
  'codeine',
  'metoprolol',
  'simvastatin',
  'warfarin',
  'mercaptopurine',
  'capecitabine',
  'abacavir/lamivudine',
  'famotidine',
] as const;

interface Patient {
  readonly id: string;
  readonly results: readonly string[];
  readonly drugs: readonly string[];
  readonly clinician: string;
}

interface Episode {
  readonly index: number;
  readonly at: Date;
  readonly patient: Patient;
  readonly drug: string;
  readonly clinician: string;
  readonly edits: number;
}

export interface SimulationOptions {
  readonly seed: number;
  /** Prescribing episodes (each: 1-4 order-select calls, then one order-sign call). */
  readonly episodes: number;
  readonly patients: number;
  readonly clinicians: number;
  readonly days: number;
  readonly start: Date;
}

export const DEFAULT_OPTIONS: SimulationOptions = {
  seed: 20261129,
  episodes: 3300,
  patients: 600,
  clinicians: 40,
  days: 30,
  start: new Date('2026-11-01T00:00:00.000Z'),
};

function population(o: SimulationOptions): { patients: Patient[]; episodes: Episode[] } {
  const patients = Array.from({ length: o.patients }, (_, i): Patient => {
    const results = GENE_OPTIONS.flatMap((options, g) =>
      draw(o.seed, 'has-gene', i, g) < 0.5 ? pick(options, draw(o.seed, 'gene-result', i, g)) : [],
    );
    const first = pick(DRUGS, draw(o.seed, 'drug-1', i));
    const second = pick(DRUGS, draw(o.seed, 'drug-2', i));
    return {
      id: `sim-patient-${i}`,
      results,
      drugs: [...new Set([first, second])],
      clinician: `Practitioner/sim-${Math.floor(draw(o.seed, 'clinician', i) * o.clinicians)}`,
    };
  });
  // Some patients are seen much more often than others (a Zipf-like weight 1 / rank^0.8): repeat orders.
  const weights = patients.map((_, i) => 1 / (i + 1) ** 0.8);
  const total = weights.reduce((a, b) => a + b, 0);
  let sum = 0;
  const cumulative = weights.map((w) => (sum += w / total));
  const episodes = Array.from({ length: o.episodes }, (_, index): Episode => {
    const u = draw(o.seed, 'episode-patient', index);
    const at = cumulative.findIndex((c) => u < c);
    const patient = patients[at === -1 ? patients.length - 1 : at];
    if (!patient) throw new Error('the population has no patients');
    return {
      index,
      at: new Date(o.start.getTime() + draw(o.seed, 'episode-time', index) * o.days * 86_400_000),
      patient,
      drug: pick(patient.drugs, draw(o.seed, 'episode-drug', index)),
      clinician:
        draw(o.seed, 'episode-clinician', index) < 0.7
          ? patient.clinician
          : `Practitioner/sim-${Math.floor(draw(o.seed, 'episode-other', index) * o.clinicians)}`,
      edits: 1 + Math.floor(draw(o.seed, 'edits', index) * 4),
    };
  });
  episodes.sort((a, b) => a.at.getTime() - b.at.getTime() || a.index - b.index);
  return { patients, episodes };
}

// ---------------------------------------------------------------------------------------------------------------
// One run
// ---------------------------------------------------------------------------------------------------------------

export interface RunFigures {
  readonly policy: boolean;
  readonly overrideRate: number;
  readonly calls: number;
  readonly orderSelectCalls: number;
  readonly orderSignCalls: number;
  readonly cards: number;
  readonly interruptive: number;
  readonly interruptivePer100Calls: number;
  readonly interruptivePer100OrderSign: number;
  readonly interruptivePer100OrderSelect: number;
  readonly overrides: number;
  readonly accepts: number;
  readonly ratings: number;
  /** Policy outcomes recorded (shown, demoted, acknowledged, suppressed, repeated). */
  readonly outcomes: Readonly<Record<string, number>>;
  /** CPIC Strong avoid / contraindicated advice the engine decided to show. */
  readonly strongAvoidDecided: number;
  /** Of those, suppressed or shown lower than decided by the policy: must be 0. */
  readonly strongAvoidHidden: number;
}

function bundle(resources: readonly unknown[]): Json {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    entry: resources.map((resource) => ({ resource })),
  };
}

const per100 = (n: number, of: number): number => (of === 0 ? 0 : Math.round((n / of) * 10_000) / 100);

/** Replays the episodes through a fresh service and store; `policy` false sets `acknowledgedDays` to 0. */
export async function runSimulation(
  o: SimulationOptions,
  policy: boolean,
  overrideRate: number,
): Promise<RunFigures> {
  const pgx = readFixture('pgx-results.json') as Record<string, Json[]>;
  const orders = readFixture('draft-orders.json') as Record<string, Json>;
  const patientResource = readFixture('patient.json') as Json;
  const { episodes } = population(o);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'simulate-volume-'));
  const store = await openStore(path.join(dir, 'cds.sqlite'));
  const thresholds: ThresholdSet = policy
    ? DEFAULT_THRESHOLDS
    : { ...DEFAULT_THRESHOLDS, volume: { ...DEFAULT_THRESHOLDS.volume, acknowledgedDays: 0 } };
  const registry = createThresholdRegistry({ repository: store.thresholds, fallback: thresholds });
  await registry.reload();
  let clock = o.start;
  const config = loadConfig({ LOG_LEVEL: 'silent', CDS_AUTH: 'none', RATE_LIMIT_PER_MINUTE: '1000000' });
  const app = createApp({
    config,
    store,
    logger: createLogger('silent'),
    metrics: createMetrics(),
    services: loadServiceDefinitions(),
    handlers: createHookHandlers({
      ruleEngine: () => registry.live(),
      knowledgeVersion: KNOWLEDGE_VERSION,
      volume: store.volume,
    }),
    authenticator: undefined,
    thresholdRegistry: registry,
    versions: () => ({
      knowledgeVersion: KNOWLEDGE_VERSION,
      thresholdVersion: registry.live().thresholdVersion,
    }),
    now: () => clock,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = async (url: string, body: unknown): Promise<Json> => {
    const res = await fetch(`${base}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Json;
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  };

  const switched = new Set<string>();
  const hookInstances: string[] = [];
  const counts = { select: 0, sign: 0, cards: 0, selectInterruptive: 0, signInterruptive: 0 };
  const acted = { overrides: 0, accepts: 0, ratings: 0 };
  const interruptive = (cards: readonly Card[]): number =>
    cards.filter((c) => c.indicator === 'warning' || c.indicator === 'critical').length;

  try {
    for (const e of episodes) {
      if (switched.has(`${e.patient.id}|${e.drug}`)) continue;
      const order = {
        ...(orders[e.drug] as Json),
        id: `sim-order-${e.index}`,
        subject: { reference: `Patient/${e.patient.id}` },
      };
      const prefetch = {
        patient: { ...patientResource, id: e.patient.id },
        pgx: bundle(e.patient.results.flatMap((label) => pgx[label] ?? [])),
      };
      const context = {
        userId: e.clinician,
        patientId: e.patient.id,
        draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: order }] },
      };
      for (let edit = 0; edit < e.edits; edit++) {
        clock = new Date(e.at.getTime() + edit * 15_000);
        const hookInstance = `sim-${e.index}-select-${edit}`;
        hookInstances.push(hookInstance);
        const answer = await post('/cds-services/pgx-order-select', {
          hookInstance,
          hook: 'order-select',
          context: { ...context, selections: [`MedicationRequest/${order.id}`] },
          prefetch,
        });
        const cards = answer.cards as Card[];
        counts.select += 1;
        counts.cards += cards.length;
        counts.selectInterruptive += interruptive(cards);
      }
      clock = new Date(e.at.getTime() + e.edits * 15_000 + 30_000);
      const hookInstance = `sim-${e.index}-sign`;
      hookInstances.push(hookInstance);
      const answer = await post('/cds-services/pgx-order-sign', {
        hookInstance,
        hook: 'order-sign',
        context,
        prefetch,
      });
      const cards = answer.cards as Card[];
      counts.sign += 1;
      counts.cards += cards.length;
      counts.signInterruptive += interruptive(cards);

      clock = new Date(clock.getTime() + 20_000);
      for (const [i, card] of cards.entries()) {
        if (card.indicator === 'info' || card.uuid === undefined) continue;
        const outcomeTimestamp = clock.toISOString();
        if (draw(o.seed, 'override', e.index, i) < overrideRate) {
          const reasons = Object.entries(RATES.reasons.value);
          const u = draw(o.seed, 'reason', e.index, i);
          let sum = 0;
          const code = reasons.find(([, p]) => u < (sum += p))?.[0] ?? 'other';
          await post('/cds-services/pgx-order-sign/feedback', {
            feedback: [
              {
                card: card.uuid,
                outcome: 'overridden',
                outcomeTimestamp,
                overrideReason: { reason: { code, system: 'urn:pgx-cds-hooks:CodeSystem:override-reason' } },
              },
            ],
          });
          acted.overrides += 1;
          if (draw(o.seed, 'rates', e.index, i) < RATES.rating.value) {
            const rating: Rating = pick(RATINGS, draw(o.seed, 'rating', e.index, i));
            await store.ratings.upsert({ cardUuid: card.uuid, rater: e.clinician, rating, ratedAt: clock });
            acted.ratings += 1;
          }
        } else if (card.suggestions?.[0]) {
          await post('/cds-services/pgx-order-sign/feedback', {
            feedback: [
              {
                card: card.uuid,
                outcome: 'accepted',
                outcomeTimestamp,
                acceptedSuggestions: [{ id: card.suggestions[0].uuid }],
              },
            ],
          });
          acted.accepts += 1;
          switched.add(`${e.patient.id}|${e.drug}`);
        }
      }
    }

    const outcomes: Record<string, number> = {};
    let strongAvoidDecided = 0;
    let strongAvoidHidden = 0;
    for (const hookInstance of hookInstances) {
      for (const outcome of await store.volume.listOutcomes(hookInstance)) {
        outcomes[outcome.outcome] = (outcomes[outcome.outcome] ?? 0) + 1;
        if (!outcome.basis.strongAvoid) continue;
        strongAvoidDecided += 1;
        if (outcome.shownIndicator !== outcome.decidedIndicator) strongAvoidHidden += 1;
      }
    }
    const calls = counts.select + counts.sign;
    return {
      policy,
      overrideRate,
      calls,
      orderSelectCalls: counts.select,
      orderSignCalls: counts.sign,
      cards: counts.cards,
      interruptive: counts.selectInterruptive + counts.signInterruptive,
      interruptivePer100Calls: per100(counts.selectInterruptive + counts.signInterruptive, calls),
      interruptivePer100OrderSign: per100(counts.signInterruptive, counts.sign),
      interruptivePer100OrderSelect: per100(counts.selectInterruptive, counts.select),
      ...acted,
      outcomes,
      strongAvoidDecided,
      strongAvoidHidden,
    };
  } finally {
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export interface SimulationReport {
  readonly options: SimulationOptions;
  readonly rates: typeof RATES;
  readonly scenarios: readonly {
    readonly overrideRate: number;
    readonly withoutPolicy: RunFigures;
    readonly withPolicy: RunFigures;
    /** Interruptive cards per 100 calls removed by the policy, as a share of those without it. */
    readonly reduction: number;
  }[];
}

/** Both override scenarios, each with and without the policy. */
export async function simulateVolume(o: SimulationOptions = DEFAULT_OPTIONS): Promise<SimulationReport> {
  const scenarios = [];
  for (const overrideRate of [RATES.overrideLow.value, RATES.overrideHigh.value]) {
    const withoutPolicy = await runSimulation(o, false, overrideRate);
    const withPolicy = await runSimulation(o, true, overrideRate);
    scenarios.push({
      overrideRate,
      withoutPolicy,
      withPolicy,
      reduction:
        withoutPolicy.interruptive === 0
          ? 0
          : Math.round(
              (1 - withPolicy.interruptivePer100Calls / withoutPolicy.interruptivePer100Calls) * 1000,
            ) / 1000,
    });
  }
  return { options: o, rates: RATES, scenarios };
}

function table(report: SimulationReport): string {
  const lines = [
    `Seed ${report.options.seed}; ${report.options.episodes} prescribing episodes, ${report.options.patients} patients, ${report.options.clinicians} clinicians, ${report.options.days} days from ${report.options.start.toISOString().slice(0, 10)}.`,
    '',
    '| override rate | policy | calls (select + sign) | interruptive / 100 calls | / 100 order-sign | / 100 order-select | overrides | accepts | ratings | Strong avoid decided | Strong avoid hidden |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of report.scenarios) {
    for (const r of [s.withoutPolicy, s.withPolicy]) {
      lines.push(
        `| ${Math.round(r.overrideRate * 1000) / 10} % | ${r.policy ? 'on' : 'off'} | ${r.calls} (${r.orderSelectCalls} + ${r.orderSignCalls}) | ${r.interruptivePer100Calls} | ${r.interruptivePer100OrderSign} | ${r.interruptivePer100OrderSelect} | ${r.overrides} | ${r.accepts} | ${r.ratings} | ${r.strongAvoidDecided} | ${r.strongAvoidHidden} |`,
      );
    }
    lines.push(
      `| ${Math.round(s.overrideRate * 1000) / 10} % | reduction | | ${Math.round(s.reduction * 1000) / 10} % | | | | | | | |`,
    );
  }
  lines.push(
    '',
    'Rates:',
    ...Object.entries(report.rates).map(([k, v]) => `- ${k}: ${JSON.stringify(v.value)} — ${v.source}`),
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      episodes: { type: 'string' },
      patients: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const options: SimulationOptions = {
    ...DEFAULT_OPTIONS,
    ...(values.seed ? { seed: Number(values.seed) } : {}),
    ...(values.episodes ? { episodes: Number(values.episodes) } : {}),
    ...(values.patients ? { patients: Number(values.patients) } : {}),
  };
  const report = await simulateVolume(options);
  process.stdout.write(`${values.json ? JSON.stringify(report, null, 2) : table(report)}\n`);
  if (report.scenarios.some((s) => s.withPolicy.strongAvoidHidden > 0)) {
    process.stderr.write('a CPIC Strong avoid card was hidden or lowered\n');
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
