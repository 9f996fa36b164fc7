/**
 * Re-interpretation after a CPIC knowledge update (`npm run reinterpret`; target: 10,000 stored patients' genotypes
 * in under 60 s): 10,000 patients recorded in a SQLite file with their assessment inputs (the realistic 20-gene
 * panel and the realistic request's three draft orders; one patient in ten with a CYP2D6 *1/*3 called Normal
 * Metabolizer, as before the 2019–2020 consensus) and the cards the default thresholds give those orders, then
 * the report over the store: each genotype called again and each card's advice found again. Baseline: the same store
 * read through the same visitor with no genotype called again (what reading costs alone). Then the report asked for
 * again, as the admin home does: with nothing new, and after 100 patients were called again (only their calls read).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BenchCase } from '../run';
import { genotypeObservations } from '../realistic-request';
import { realisticOrderSignRequest } from '../realistic-request';
import { createReinterpreter } from '../../src/admin/reinterpret';
import { createRuleEngine } from '../../src/rules/engine';
import { decisionSnapshot, readPatientData, replay } from '../../src/rules/assess';
import type { AssessmentInputs } from '../../src/rules/assess';
import { KNOWLEDGE_VERSION, resolveDrugOrders } from '../../src/rules/cpic';
import { DECISION_SNAPSHOT_SCHEMA, decisionRuleIds, isShown } from '../../src/rules/types';
import { DEFAULT_THRESHOLDS } from '../../src/rules/thresholds';
import { summarizeSensors } from '../../src/sensors';
import { openStore } from '../../src/store';
import type { CardRecord } from '../../src/store';

const PATIENTS = 10_000;
const NOW = new Date('2026-05-15T09:00:00Z');

function inputsOf(stale: boolean): AssessmentInputs {
  const data = readPatientData(
    { pgx: genotypeObservations() as never[], pgxComplete: true, sensorResources: [], medications: [] },
    NOW,
    DEFAULT_THRESHOLDS,
  );
  const pgx = data.pgx.map((g) =>
    stale && g.gene === 'CYP2D6'
      ? {
          ...g,
          diplotype: '*1/*3',
          alleles: ['*1', '*3'],
          phenotype: 'Normal Metabolizer',
          lookupKey: '1.0',
          activityScore: '1.0',
        }
      : g,
  );
  return {
    schema: DECISION_SNAPSHOT_SCHEMA,
    data: { ...data, pgx, sensors: { kind: 'summary', summary: summarizeSensors([], NOW.toISOString()) } },
    orders: ORDERS,
    now: NOW.toISOString(),
    preTest: 'allow',
  };
}

/** The realistic request's three draft orders. */
const ORDERS = resolveDrugOrders(
  (realisticOrderSignRequest(NOW).context as { draftOrders: unknown }).draftOrders,
);

const ENGINE = createRuleEngine(DEFAULT_THRESHOLDS);

/** The cards the default thresholds give the recorded inputs, as the hooks record them (one decision each). */
async function cardsOf(inputs: AssessmentInputs, call: number): Promise<CardRecord[]> {
  const assessment = await replay(inputs, ENGINE);
  return assessment.decisions.filter(isShown).map((decision, i) => ({
    uuid: `bench-${String(call)}-${String(i)}`,
    indicator: decision.indicator,
    summary: decision.finding.drug,
    drug: decision.finding.drug,
    decision: decisionSnapshot([decision], assessment.facts, ENGINE),
    ruleIds: decisionRuleIds(decision),
    thresholdVersion: decision.thresholdVersion,
    knowledgeVersion: decision.finding.knowledgeVersion,
  }));
}

const bench: BenchCase = {
  name: 'reinterpret: 10,000 stored patients after a knowledge update',
  async run() {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-reinterpret-'));
    const store = await openStore(path.join(dir, 'cds.sqlite'));
    try {
      const [current, stale] = [inputsOf(false), inputsOf(true)];
      const recordStart = performance.now();
      let cards = 0;
      for (let i = 0; i < PATIENTS; i += 1) {
        const inputs = i % 10 === 0 ? stale : current;
        const given = await cardsOf(inputs, i);
        cards += given.length;
        await store.invocations.record({
          hookInstance: `bench-${String(i)}`,
          serviceId: 'pgx-order-sign',
          hook: 'order-sign',
          receivedAt: new Date(NOW.getTime() - i * 60_000),
          patientRef: `Patient/bench-${String(i)}`,
          latencyMs: 10,
          knowledgeVersion: i % 10 === 0 ? 'cpic-2019-01-12' : KNOWLEDGE_VERSION,
          inputs,
          cards: given,
        });
      }
      const recordMs = performance.now() - recordStart;

      const reinterpreter = createReinterpreter(store);
      const started = performance.now();
      const report = await reinterpreter.report();
      const reportMs = performance.now() - started;

      // As the admin home asks for it again: with nothing new, then after 100 patients (1 %) were called again.
      const againStart = performance.now();
      await reinterpreter.report();
      const againMs = performance.now() - againStart;
      for (let i = 0; i < PATIENTS; i += 100) {
        await store.invocations.record({
          hookInstance: `bench-again-${String(i)}`,
          serviceId: 'pgx-order-sign',
          hook: 'order-sign',
          receivedAt: new Date(NOW.getTime() + 60_000 + i),
          patientRef: `Patient/bench-${String(i)}`,
          latencyMs: 10,
          knowledgeVersion: KNOWLEDGE_VERSION,
          inputs: current,
          cards: await cardsOf(current, PATIENTS + i),
        });
      }
      const newerStart = performance.now();
      const newer = await reinterpreter.report();
      const newerMs = performance.now() - newerStart;

      const baselineStart = performance.now();
      let genes = 0;
      await store.invocations.eachPatientLatestInputs((p) => {
        genes += (p.inputs as AssessmentInputs).data.pgx.length;
      });
      const baselineMs = performance.now() - baselineStart;

      return {
        'patients read': report.patientsRead,
        'gene results read': genes,
        'cards read': cards,
        'patients listed (1 in 10 recorded before the update)': report.patients.length,
        'recording 10,000 patients (setup)': `${(recordMs / 1000).toFixed(1)} s`,
        'report (target < 60 s)': `${(reportMs / 1000).toFixed(2)} s`,
        'the same report asked for again, nothing new': `${(againMs / 1000).toFixed(2)} s`,
        'again after 100 patients were called since (their newest call read)': `${(newerMs / 1000).toFixed(2)} s`,
        'patients listed then (the 100 called again were all listed before)': newer.patients.length,
        'baseline: reading the same inputs alone': `${(baselineMs / 1000).toFixed(2)} s`,
        'report / baseline': (reportMs / baselineMs).toFixed(2),
      };
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
