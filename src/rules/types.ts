/**
 * The decision currency (DESIGN.md "The currency between modules"): one Decision per draft order problem.
 */
import type { DrugOrder, GeneResult } from './cpic/types';

export type DecisionAction = 'avoid' | 'adjust-dose' | 'monitor' | 'order-test' | 'standard';
export type Severity = 'info' | 'warning' | 'critical';

/** The CPIC recommendation row a decision rests on. */
export interface CpicRow {
  readonly guideline: { readonly name: string; readonly url: string; readonly id?: string };
  readonly lookupKey: Readonly<Record<string, string>>;
  readonly population?: string;
  readonly strength?: string;
  readonly recommendation: string;
  /** CPIC "other considerations" for the row, when given. */
  readonly otherConsiderations?: string;
  readonly implications: readonly string[];
  readonly pmids: readonly string[];
  /** Recommendation annotation id, when CPIC gives one. */
  readonly rowId?: string;
}

/** What a sensor rule did to a decision, with the evidence a card must show (wearables research §2.1 principle 5). */
export interface SensorModifier {
  /** Rule id, e.g. `R1-metoprolol-resting-hr`. */
  readonly ruleId: string;
  /** `raise` / `lower` moved the severity one step; `context` only informs (stale, insufficient, or display-only). */
  readonly effect: 'raise' | 'lower' | 'context';
  /** The aggregate the rule read (SensorAggregate.metric). */
  readonly metric: string;
  readonly value?: number;
  readonly unit?: string;
  readonly window?: { readonly start: string; readonly end: string };
  readonly status: 'sufficient' | 'insufficient' | 'stale' | 'absent';
  readonly devices: readonly string[];
  readonly newestSample?: string;
  /** The threshold compared against, as a phrase (e.g. `median < 60 /min`). */
  readonly threshold?: string;
  /** One sentence for the card: what was seen and what it means. */
  readonly note: string;
  /** What the rule rests on; `consensus` and `design` rules say so on the card. */
  readonly evidence: 'guideline' | 'label' | 'consensus' | 'design';
  /** The cited source of the threshold. */
  readonly source: string;
}

export interface Decision {
  readonly order: DrugOrder;
  readonly drug: string;
  readonly genes: readonly GeneResult[];
  readonly row?: CpicRow;
  readonly action: DecisionAction;
  readonly severity: Severity;
  readonly sensorModifiers: readonly SensorModifier[];
  /** Whether the published thresholds give this decision a card (false: e.g. standard dosing, non-actionable). */
  readonly shown?: boolean;
  readonly ruleIds: readonly string[];
  readonly thresholdVersion: string;
  readonly knowledgeVersion: string;
  /**
   * Other CPIC rows that may apply when the population (e.g. clopidogrel indication) or the exact activity score
   * (phenotype-only result) cannot be known from the order; `label` says which case each row is for.
   */
  readonly alternatives?: readonly { readonly label: string; readonly row: CpicRow }[];
  /** Pre-test (`order-test`) decisions: the genes with no result on file that the guideline needs, e.g. `['CYP2C19']`. */
  readonly untestedGenes?: readonly string[];
  /** The guideline a decision without a CPIC row rests on (pre-test decisions); with a row, see `row.guideline`. */
  readonly guideline?: CpicRow['guideline'];
  /** genotype → phenotype → CPIC row → modifiers, one line each. */
  readonly explanation: readonly string[];
}

/** Rule-id prefix of a safety-rule decision: a sensor rule for a pair CPIC does not grade (e.g. R8). */
export const SAFETY_RULE_ID_PREFIX = 'safety:';

/** Whether a decision rests on a safety rule rather than a CPIC recommendation. */
export function isSafetyRuleDecision(decision: Decision): boolean {
  return decision.ruleIds.some((id) => id.startsWith(SAFETY_RULE_ID_PREFIX));
}
