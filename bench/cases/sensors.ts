/**
 * Sensors: 14 days of 5-minute CGM readings plus 7 days of minute heart rate (14,112 Observations, generated here)
 * normalised and summarised by `summarizeSensors`. Baseline: `structuredClone` of the same input, a lower bound for
 * any code that touches every Observation once.
 */
import type { BenchCase } from '../run';
import { summarizeSensors } from '../../src/sensors';

const AT = Date.parse('2026-05-15T09:00:00Z');
const MINUTE = 60_000;

function observation(id: string, code: string, time: number, value: number, unit: string): unknown {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code }] },
    subject: { reference: 'Patient/bench' },
    effectiveDateTime: new Date(time).toISOString(),
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
    device: { reference: 'Device/watch' },
  };
}

function generate(): unknown[] {
  const resources: unknown[] = [
    { resourceType: 'Device', id: 'watch', deviceName: [{ name: 'Bench Watch' }] },
  ];
  for (let i = 0; i < 14 * 288; i += 1) {
    const time = AT - 14 * 1440 * MINUTE + i * 5 * MINUTE;
    resources.push(observation(`cgm-${i}`, '99504-3', time, 60 + ((i * 37) % 200), 'mg/dL'));
  }
  for (let i = 0; i < 7 * 1440; i += 1) {
    // HealthKit-style unit code, so every heart-rate Observation goes through the repair table.
    resources.push(
      observation(
        `hr-${i}`,
        '8867-4',
        AT - 7 * 1440 * MINUTE + i * MINUTE,
        50 + ((i * 13) % 60),
        'count/min',
      ),
    );
  }
  return resources;
}

function time(run: () => unknown): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

const bench: BenchCase = {
  name: 'sensors: summarizeSensors over 14 d CGM + 7 d minute heart rate',
  run() {
    const resources = generate();
    const cold = time(() => summarizeSensors(resources, new Date(AT)));
    const warm = Array.from({ length: 5 }, () => time(() => summarizeSensors(resources, new Date(AT)))).sort(
      (a, b) => a - b,
    );
    const median = warm[2] ?? NaN;
    const clone = time(() => structuredClone(resources));
    const summary = summarizeSensors(resources, new Date(AT));
    const tir = summary.metrics.find((m) => m.metric === 'cgm-time-in-range');
    return Promise.resolve({
      observations: resources.length - 1,
      'first run (ms)': cold.toFixed(1),
      'median of 5 runs (ms)': median.toFixed(1),
      'per observation (µs)': ((1000 * median) / (resources.length - 1)).toFixed(2),
      'baseline structuredClone (ms)': clone.toFixed(1),
      'cgm-time-in-range status': tir?.status ?? 'missing',
    });
  },
};

export default bench;
