/**
 * Cards: Decisions → spec-valid CDS Hooks cards (https://cds-hooks.hl7.org/2.0/#card-attributes).
 * The public surface the hooks use; see README.md for the design decisions.
 */
export type { CardProvenance } from './decision-card';
export { decisionCard, decisionSummary, CARD_TOPIC_SYSTEM, CPIC_GUIDELINES_URL } from './decision-card';
export { patientSummaryCard } from './patient-summary';
export type { IsActionablePhenotype } from './patient-summary';
export { OVERRIDE_REASON_SYSTEM, OVERRIDE_REASONS, PRE_TEST_OVERRIDE_REASONS } from './override-reasons';
export { incompleteCheckCard, INCOMPLETE_CHECK_SUMMARY } from './incomplete-check';
export type { CheckGap, IncompleteCheckContext } from './incomplete-check';
