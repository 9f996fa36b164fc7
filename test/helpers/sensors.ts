/**
 * Reading a sensor summary in tests.
 */
import type { SensorAggregate, SensorMetricId, SensorSummary } from '../../src/sensors';

/** The aggregate of `id` in the summary; fails the test when the summary has none. */
export function aggregateOf(summary: SensorSummary, id: SensorMetricId): SensorAggregate {
  const found = summary.metrics.find((m) => m.metric === id);
  if (!found) throw new Error(`no ${id}`);
  return found;
}
