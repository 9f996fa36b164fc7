/**
 * Override reasons offered on decision cards: coded sets of our own CodeSystem, one for drug-gene cards and one for
 * pre-test cards (a clinician declining a gene test has other reasons than one overriding a recommendation).
 * https://cds-hooks.hl7.org/2.0/#overridereason — each Coding needs `display` (invariant cds-resp-4); the sandbox
 * sends back `{code, system}` only, so codes are stable and meaningful on their own.
 */
import type { OverrideReasonCoding } from '../cds/types';

/** Our override-reason CodeSystem; named like `ERROR_CODE_SYSTEM` (`urn:pgx-cds-hooks:CodeSystem:error`). */
export const OVERRIDE_REASON_SYSTEM = 'urn:pgx-cds-hooks:CodeSystem:override-reason';

/** Code of the reason that promises monitoring: the review checks whether data followed (`src/admin/overrides.ts`). */
export const WILL_MONITOR = 'will-monitor';

/** Code of the reason that only makes sense when the card used sensor data. */
const SENSOR_REASON = 'sensor-data-unreliable';

function reason(code: string, display: string): OverrideReasonCoding {
  return { system: OVERRIDE_REASON_SYSTEM, code, display };
}

/** Reasons for overriding a drug-gene card, in the order a clinician sees them. */
export const OVERRIDE_REASONS: readonly OverrideReasonCoding[] = [
  reason('tolerated-before', 'Patient has tolerated this drug before'),
  reason('benefit-outweighs-risk', 'Clinical benefit outweighs the pharmacogenomic risk'),
  reason(WILL_MONITOR, 'Will monitor the patient closely'),
  reason('result-questioned', 'Genotype or phenotype result is doubted'),
  reason(SENSOR_REASON, 'Sensor data unreliable or not representative'),
  reason('other', 'Other reason'),
];

/** Reasons for not ordering the gene test a pre-test card suggests, in the order a clinician sees them. */
export const PRE_TEST_OVERRIDE_REASONS: readonly OverrideReasonCoding[] = [
  reason('test-already-ordered', 'Test already ordered or result pending'),
  reason('result-elsewhere', 'Result on file elsewhere or in outside records'),
  reason('cannot-wait-for-result', 'Treatment cannot wait for the result (urgent)'),
  reason('patient-declined-test', 'Patient declined testing'),
  reason(SENSOR_REASON, 'Sensor data unreliable or not representative'),
  reason('other', 'Other reason'),
];

/** Every reason's words by its code (both sets; the shared codes say the same in each). */
export const OVERRIDE_REASON_DISPLAYS: ReadonlyMap<string, string> = new Map(
  [...OVERRIDE_REASONS, ...PRE_TEST_OVERRIDE_REASONS].map((r) => [r.code, r.display]),
);

/** The reasons for a card: its kind's set, with the sensor reason only when the card rests on sensor data. */
export function overrideReasonsFor(card: {
  readonly preTest: boolean;
  readonly usesSensorData: boolean;
}): readonly OverrideReasonCoding[] {
  const reasons = card.preTest ? PRE_TEST_OVERRIDE_REASONS : OVERRIDE_REASONS;
  return card.usesSensorData ? reasons : reasons.filter((r) => r.code !== SENSOR_REASON);
}
