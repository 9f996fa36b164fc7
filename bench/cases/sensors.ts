/**
 * Sensors: 14 days of 5-minute CGM readings plus 7 days of minute heart rate (14,112 Observations, generated here)
 * normalised and summarised by `summarizeSensors`. Baseline: `structuredClone` of the same input, a lower bound for
 * any code that touches every Observation once.
 */
import type { BenchCase } from '../run';
import { summarizeSensors } from '../../src/sensors';

const AT = Date.parse('2026-05-15T09:00:00Z');
const MINUTE = 60_000;
const WARM_UP = 20;
const RUNS = 21;

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
    // Parsed from JSON text, as the service receives them: strings from JSON.parse are not the interned literals of
    // the generator, and looking them up costs what it costs in a hook call.
    const resources = JSON.parse(JSON.stringify(generate())) as unknown[];
    const cold = time(() => summarizeSensors(resources, new Date(AT)));
    // A service summarises on every call: measured once the code is optimised, as it runs after its first calls.
    for (let i = 0; i < WARM_UP; i += 1) summarizeSensors(resources, new Date(AT));
    const warm = Array.from({ length: RUNS }, () =>
      time(() => summarizeSensors(resources, new Date(AT))),
    ).sort((a, b) => a - b);
    const median = warm[RUNS >> 1] ?? NaN;
    const clone = time(() => structuredClone(resources));
    const summary = summarizeSensors(resources, new Date(AT));
    const tir = summary.metrics.find((m) => m.metric === 'cgm-time-in-range');
    return Promise.resolve({
      observations: resources.length - 1,
      'first run (ms)': cold.toFixed(1),
      [`median of ${RUNS} runs after ${WARM_UP} (ms)`]: median.toFixed(1),
      'per observation (µs)': ((1000 * median) / (resources.length - 1)).toFixed(2),
      'baseline structuredClone (ms)': clone.toFixed(1),
      'cgm-time-in-range status': tir?.status ?? 'missing',
    });
  },
};

export default bench;
