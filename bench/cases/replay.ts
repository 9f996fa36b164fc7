/**
 * What-if replay (issue 11 item 2; target: 10,000 recorded invocations in under 10 s on one core): 10,000
 * invocations recorded in an in-memory SQLite store with their assessment inputs (four shapes of order-sign call on
 * the realistic patient: 20 gene results, two weeks of wearable aggregates), then read back with
 * `store.invocations.listInputs` and replayed by `replayAgainstDraft` under the default set and a draft that changes
 * a CPIC matrix cell and the R1 heart-rate threshold. Baseline: the same inputs replayed once, under the default set
 * only (half the work the comparison does).
 */
import type { BenchCase } from '../run';
import { genotypeObservations, realisticOrderSignRequest } from '../realistic-request';
import { replayAgainstDraft } from '../../src/admin/thresholds';
import { assess, readPatientData, replay } from '../../src/rules/assess';
import type { AssessmentInputs } from '../../src/rules/assess';
import { resolveDrugOrders } from '../../src/rules/cpic';
import { createRuleEngine } from '../../src/rules/engine';
import { DEFAULT_THRESHOLDS, parseThresholdSet } from '../../src/rules/thresholds';
import { openStore } from '../../src/store';

const INVOCATIONS = 10_000;
const NOW = new Date('2026-05-15T09:00:00Z');
const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';

interface Entry {
  readonly resource: unknown;
}

function orders(codes: readonly string[]): unknown {
  return {
    resourceType: 'Bundle',
    entry: codes.map((code, i) => ({
      resource: {
        resourceType: 'MedicationRequest',
        id: `o${String(i)}`,
        status: 'draft',
        intent: 'order',
        medicationCodeableConcept: { coding: [{ system: RX, code }] },
      },
    })),
  };
}

/** Four recorded shapes: the realistic call, two with other CPIC drugs, one with no CPIC drug. */
async function recordedShapes(): Promise<AssessmentInputs[]> {
  const request = realisticOrderSignRequest(NOW) as {
    context: { draftOrders: unknown };
    prefetch: { patient: never; wearables: { entry: Entry[] } };
  };
  const record = {
    patient: request.prefetch.patient,
    pgx: genotypeObservations() as never[],
    pgxComplete: true,
    sensorResources: request.prefetch.wearables.entry.map((e) => e.resource),
    medications: [],
  };
  const engine = createRuleEngine(DEFAULT_THRESHOLDS);
  const data = readPatientData(record, NOW, DEFAULT_THRESHOLDS);
  const drafts = [
    request.context.draftOrders,
    // codeine, simvastatin; warfarin, abacavir (ingredient codes of knowledge/cpic recommendations.json)
    orders(['2670', '36567']),
    orders(['11289', '190521']),
    // lisinopril, metformin: no CPIC guideline
    orders(['29046', '6809']),
  ];
  const shapes: AssessmentInputs[] = [];
  for (const draft of drafts) {
    const assessed = await assess(data, resolveDrugOrders(draft), { now: NOW, preTest: 'allow' }, engine);
    shapes.push(assessed.inputs);
  }
  return shapes;
}

const bench: BenchCase = {
  name: 'replay: 10,000 recorded invocations, default set vs a draft',
  async run() {
    const shapes = await recordedShapes();
    const store = await openStore(':memory:');
    try {
      const recordStart = performance.now();
      for (let i = 0; i < INVOCATIONS; i += 1) {
        await store.invocations.record({
          hookInstance: `bench-${String(i)}`,
          serviceId: 'pgx-order-sign',
          hook: 'order-sign',
          receivedAt: new Date(NOW.getTime() - i * 60_000),
          latencyMs: 10,
          thresholdVersion: DEFAULT_THRESHOLDS.version,
          inputs: shapes[i % shapes.length],
          cards: [],
        });
      }
      const recordMs = performance.now() - recordStart;
      const draft = parseThresholdSet({
        ...DEFAULT_THRESHOLDS,
        version: 'bench-draft',
        interruption: {
          ...DEFAULT_THRESHOLDS.interruption,
          Moderate: { ...DEFAULT_THRESHOLDS.interruption.Moderate, 'adjust-dose': 'info' },
        },
        sensorRules: DEFAULT_THRESHOLDS.sensorRules.map((r) =>
          r.id.startsWith('R1-')
            ? { ...r, triggers: r.triggers.map((t, i) => (i === 0 ? { ...t, value: 65 } : t)) }
            : r,
        ),
      });
      const published = createRuleEngine(DEFAULT_THRESHOLDS);

      const started = performance.now();
      const recorded = await store.invocations.listInputs({ last: INVOCATIONS });
      const readMs = performance.now() - started;
      const report = await replayAgainstDraft(
        recorded.map((r) => r.inputs),
        published,
        draft,
      );
      const totalMs = performance.now() - started;

      const baselineStart = performance.now();
      for (const r of recorded) await replay(r.inputs as AssessmentInputs, published);
      const baselineMs = performance.now() - baselineStart;

      return {
        'invocations replayed': report.replayed,
        'draft orders per invocation (4 shapes)': shapes.map((s) => s.orders.length).join(' / '),
        'recording 10,000 invocations (setup)': `${(recordMs / 1000).toFixed(1)} s`,
        'reading the inputs back': `${(readMs / 1000).toFixed(2)} s`,
        'read + replay under both sets (target < 10 s)': `${(totalMs / 1000).toFixed(2)} s`,
        'ms per invocation (both sets)': ((totalMs - readMs) / report.replayed).toFixed(3),
        'baseline: replay under the default set only': `${(baselineMs / 1000).toFixed(2)} s`,
        'cards appear / disappear / change / same': `${String(report.totals.appear)} / ${String(report.totals.disappear)} / ${String(report.totals.change)} / ${String(report.totals.same)}`,
      };
    } finally {
      await store.close();
    }
  },
};

export default bench;
