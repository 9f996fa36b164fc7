/**
 * Override reasons offered on every decision card: a coded set of our own CodeSystem.
 * https://cds-hooks.hl7.org/2.0/#overridereason — each Coding needs `display` (invariant cds-resp-4); the sandbox
 * sends back `{code, system}` only, so codes are stable and meaningful on their own.
 */
import type { OverrideReasonCoding } from '../cds/types';

/** Our override-reason CodeSystem; named like `ERROR_CODE_SYSTEM` (`urn:pgx-cds-hooks:CodeSystem:error`). */
export const OVERRIDE_REASON_SYSTEM = 'urn:pgx-cds-hooks:CodeSystem:override-reason';

/** Code of the reason that only makes sense when the card used sensor data. */
const SENSOR_REASON = 'sensor-data-unreliable';

function reason(code: string, display: string): OverrideReasonCoding {
  return { system: OVERRIDE_REASON_SYSTEM, code, display };
}

/** All override reasons, in the order a clinician sees them. */
export const OVERRIDE_REASONS: readonly OverrideReasonCoding[] = [
  reason('tolerated-before', 'Patient has tolerated this drug before'),
  reason('benefit-outweighs-risk', 'Clinical benefit outweighs the pharmacogenomic risk'),
  reason('will-monitor', 'Will monitor the patient closely'),
  reason('result-questioned', 'Genotype or phenotype result is doubted'),
  reason(SENSOR_REASON, 'Sensor data unreliable or not representative'),
  reason('other', 'Other reason'),
];

/** The reasons for a card: the sensor reason only when the card rests on sensor data. */
export function overrideReasonsFor(usesSensorData: boolean): readonly OverrideReasonCoding[] {
  return usesSensorData ? OVERRIDE_REASONS : OVERRIDE_REASONS.filter((r) => r.code !== SENSOR_REASON);
}
