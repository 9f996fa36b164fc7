/**
 * PGx knowledge per hook call: read 20 gene results from FHIR, resolve 5 draft orders, decide each order.
 * Reported as microseconds per call; the baseline is the same call with 5 non-CPIC orders (the fast exit).
 */
import type { BenchCase } from '../run';
import { genotypeObservations } from '../realistic-request';
import { findingsForOrder, readGeneResults, resolveDrugOrders } from '../../src/rules/cpic';

const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';

const observations = genotypeObservations();

function bundle(codes: readonly string[]): unknown {
  return {
    resourceType: 'Bundle',
    entry: codes.map((code, i) => ({
      resource: {
        resourceType: 'MedicationRequest',
        id: `o${i}`,
        medicationCodeableConcept: { coding: [{ system: RX, code }] },
      },
    })),
  };
}

// clopidogrel, codeine, simvastatin, warfarin, abacavir ingredient codes (knowledge/cpic recommendations.json rxnorm).
const cpicOrders = bundle(['32968', '2670', '36567', '11289', '190521']);
// lisinopril, metformin, amlodipine, atorvastatin-free: codes not in the CPIC table.
const otherOrders = bundle(['29046', '6809', '17767', '1000000', '1000001']);

function oneCall(draftOrders: unknown): number {
  const { results } = readGeneResults(observations, { sex: 'female' });
  let decisions = 0;
  for (const order of resolveDrugOrders(draftOrders))
    decisions += findingsForOrder(order, results, {}).length;
  return decisions;
}

function microsecondsPerCall(draftOrders: unknown, calls: number): number {
  for (let i = 0; i < 50; i += 1) oneCall(draftOrders);
  const started = performance.now();
  for (let i = 0; i < calls; i += 1) oneCall(draftOrders);
  return ((performance.now() - started) * 1000) / calls;
}

const pgx: BenchCase = {
  name: 'pgx: 20 gene results × 5 orders per call',
  run() {
    const decisions = oneCall(cpicOrders);
    const cpic = microsecondsPerCall(cpicOrders, 2000);
    const baseline = microsecondsPerCall(otherOrders, 2000);
    return Promise.resolve({
      'gene results per call': observations.length,
      'decisions per call (5 CPIC orders)': decisions,
      'µs per call, 5 CPIC orders': cpic.toFixed(1),
      'µs per call, 5 non-CPIC orders (baseline)': baseline.toFixed(1),
    });
  },
};

export default pgx;
