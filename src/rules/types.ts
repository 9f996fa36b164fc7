/**
 * The decision currency (DESIGN.md "The currency between modules"): the knowledge layer's `Finding` (rules/cpic)
 * with the published thresholds and sensor rules applied by the engine. One Decision per finding; `indicator` `none`
 * means no card.
 */
import { findingRuleId, rowOf } from './cpic/types';
import type { Finding, GeneConflict, GeneResult } from './cpic/types';
import type { SensorSummary } from '../sensors';

export type { CpicRow, DecisionAction, Finding } from './cpic/types';

/** A CDS Hooks card indicator (https://cds-hooks.hl7.org/2.0/#card-attributes). */
export type Severity = 'info' | 'warning' | 'critical';

/** A card indicator, or `none`: the thresholds give this finding no card. */
export type Indicator = Severity | 'none';

/** What a sensor rule did to a decision, with the evidence a card must show (wearables research §2.1 principle 5). */
export interface SensorModifier {
  /** Rule id, e.g. `R1-metoprolol-resting-hr:resting-hr-below-60`. */
  readonly ruleId: string;
  /** `raise` / `lower` moved the indicator; `context` only informs (stale, insufficient, or display-only). */
  readonly effect: 'raise' | 'lower' | 'context';
  /**
   * The readings were used and met the trigger, whatever that did to the indicator (a raise on a card already
   * critical is `context`, yet met). Absent when they were not used, and on records made before the field: there a
   * `raise` is the only sign of it.
   */
  readonly met?: true;
  /** The aggregate the rule read (SensorAggregate.metric). */
  readonly metric: string;
  readonly value?: number;
  readonly unit?: string;
  readonly window?: { readonly start: string; readonly end: string };
  readonly status: 'sufficient' | 'insufficient' | 'stale' | 'absent';
  readonly devices: readonly string[];
  readonly newestSample?: string;
  /** When the one reading the value is was taken (`SensorAggregate.valueAt`: the highest home blood pressure). */
  readonly valueAt?: string;
  /** That reading's day on the patient's clock (`SensorAggregate.valueDay`); snapshots recorded before it lack it. */
  readonly valueDay?: string;
  /** Days of the window with data (the aggregate's), for the card's "6 of 7 days with data". */
  readonly daysWithData?: number;
  /**
   * The value rests on night-time hours read on UTC because the readings do not say the patient's local time
   * (`SensorAggregate.localTimeUnknown`): it may raise the alert, never lower it.
   */
  readonly localTimeUnknown?: true;
  /** Why data that are there were not used (insufficient or stale), in the sensors module's words. */
  readonly reasons?: readonly string[];
  /** The threshold compared against, as a phrase (e.g. `median < 60 /min`). */
  readonly threshold?: string;
  /** One sentence for the card: what was seen and what it means. */
  readonly note: string;
  /** What the rule rests on; `consensus` and `design` rules say so on the card. */
  readonly evidence: 'guideline' | 'label' | 'consensus' | 'design';
  /** The cited source of the threshold. */
  readonly source: string;
}

/** A finding with the thresholds applied: how loudly it is shown, which sensor rules moved it, and why. */
export interface Decision {
  readonly finding: Finding;
  readonly indicator: Indicator;
  /** What each sensor rule that applied did (raise, lower, or context only). */
  readonly modifiers: readonly SensorModifier[];
  /** Version of the threshold set that decided. */
  readonly thresholdVersion: string;
  /** Threshold choices that explain the indicator (actionability filter, per-drug override), one sentence each. */
  readonly notes: readonly string[];
  /**
   * The indicator the thresholds decided, when the alert-volume policy shows the card at another one (`indicator`,
   * one step lower after an override): what the sensor rules did is said of this one.
   */
  readonly decidedIndicator?: Indicator;
}

/** A decision that gives a card. */
export type ShownDecision = Decision & { readonly indicator: Severity };

export function isShown(decision: Decision): decision is ShownDecision {
  return decision.indicator !== 'none';
}

/** The finding's rule id and the sensor rules that applied, each once (recorded per card; grouped by review). */
export function decisionRuleIds(decision: Decision): string[] {
  return [...new Set([findingRuleId(decision.finding), ...decision.modifiers.map((m) => m.ruleId)])];
}

/** genotype → phenotype → CPIC row → threshold notes → sensor modifiers, one line each. */
export function decisionExplanation(decision: Decision): string[] {
  return [
    ...decision.finding.explanation,
    ...decision.notes,
    ...decision.modifiers.map((m) => `Sensor ${m.ruleId} (${m.evidence}): ${m.note}`),
  ];
}

/**
 * The one identity of "the same advice" (DESIGN.md "The core"): the drug, the action and what the advice rests on
 * (the CPIC text, the genes to test, the safety rule). Independent of the order, the patient, the indicator and the
 * threshold version, so card de-duplication, repeat suppression and feedback statistics agree on it. Two guidelines
 * giving the same text for the same drug are the same advice.
 */
export function adviceKey(decision: Pick<Decision, 'finding'>): string {
  const f = decision.finding;
  const basis = ((): string => {
    switch (f.kind) {
      case 'recommendation':
      case 'warfarin-figure':
        return rowOf(f)?.recommendation ?? '';
      case 'pre-test':
        return `test ${f.untested
          .map((u) => u.gene)
          .sort()
          .join('+')}`;
      case 'no-row':
      case 'conflict':
        return `${findingRuleId(f)} ${f.genes
          .map((g) => `${g.gene}=${g.lookupKey}`)
          .sort()
          .join('+')}`;
      case 'safety-rule':
        return findingRuleId(f);
    }
  })();
  return `${f.drug}|${f.action}|${basis}`;
}

/** What the rules read besides the finding (no patient identifiers): enough to re-decide a finding. */
export interface DecisionFacts {
  readonly sensors: SensorSummary;
  readonly ageYears?: number;
  /**
   * Lower-case drug names the record shows the patient has taken for > 4 weeks (stable therapy: an active order whose
   * start, `DrugOrder.startedOn`, is at least 28 days before the assessment; an order without a start date does not
   * count). Only reassuring-data rules read it (research §2.3 R1: "already on stable metoprolol for > 4 weeks"; a new
   * order keeps its baseline). Absent: no drug counts as continuing.
   */
  readonly continuingDrugs?: readonly string[];
}

/** Version of the stored decision snapshot; bump it (and keep a reader for the old one) when the shape changes. */
export const DECISION_SNAPSHOT_SCHEMA = 1;

/**
 * What every recorded card keeps: enough to re-render the card (its decisions: one for a decision card, several for
 * the patient summary) and to re-decide them under another threshold set (their findings and the facts the rules
 * read, the sensor aggregates cut to the metrics those rules use).
 */
export interface DecisionSnapshot {
  readonly schema: typeof DECISION_SNAPSHOT_SCHEMA;
  readonly decisions: readonly Decision[];
  readonly facts: DecisionFacts;
  /**
   * The patient summary card's own listing, which no decision holds: the results it lists, the results that disagree
   * and the genes it says are not interpreted, so the pages behind it show what it rests on. Absent on decision cards
   * and on summaries recorded before it was kept (optional: older snapshots read as they were).
   */
  readonly listed?: SummaryListing;
}

/** What a patient summary card lists besides its medications (`DecisionSnapshot.listed`). */
export interface SummaryListing {
  readonly genes: readonly GeneResult[];
  readonly conflicts: readonly GeneConflict[];
  readonly uninterpreted: readonly string[];
}

/** A stored snapshot read back: the snapshot, or why it cannot be used (an unknown schema version, not a snapshot). */
export function readDecisionSnapshot(
  value: unknown,
): { ok: true; snapshot: DecisionSnapshot } | { ok: false; reason: string } {
  if (typeof value !== 'object' || value === null) return { ok: false, reason: 'not a decision snapshot' };
  const schema = (value as { schema?: unknown }).schema;
  if (schema !== DECISION_SNAPSHOT_SCHEMA)
    return {
      ok: false,
      reason: `decision snapshot schema ${String(schema)} is not ${DECISION_SNAPSHOT_SCHEMA}`,
    };
  return { ok: true, snapshot: value as DecisionSnapshot };
}
