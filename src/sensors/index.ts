/**
 * Wearable sensors: FHIR Observations in any real-world shape → normalised samples → windowed aggregates with
 * sufficiency and freshness. See README.md in this folder.
 */
export { metricUnit, summarizeSensors } from './summarize';
export {
  SENSOR_CATALOGUE,
  sensorCodeTokens,
  type SensorCode,
  type SensorConcept,
  type SensorConceptId,
  type SensorConceptKind,
} from './catalogue';
export { SENSOR_METRIC_IDS } from './types';
export { DEFAULT_SENSOR_POLICY, RESTING_HR_FROM_SAMPLES } from './policy';
export type {
  MetricPolicy,
  SensorAggregate,
  SensorDataQualityNote,
  SensorMetricId,
  SensorPolicy,
  SensorSummary,
  SensorWindow,
  SufficiencyStatus,
  SummarizeOptions,
} from './types';
