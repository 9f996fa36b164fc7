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

export interface Decision {
  readonly order: DrugOrder;
  readonly drug: string;
  readonly genes: readonly GeneResult[];
  readonly row?: CpicRow;
  readonly action: DecisionAction;
  readonly severity: Severity;
  readonly sensorModifiers: readonly string[];
  readonly ruleIds: readonly string[];
  readonly thresholdVersion: string;
  readonly knowledgeVersion: string;
  /**
   * Other CPIC rows that may apply when the population (e.g. clopidogrel indication) or the exact activity score
   * (phenotype-only result) cannot be known from the order; `label` says which case each row is for.
   */
  readonly alternatives?: readonly { readonly label: string; readonly row: CpicRow }[];
  /** genotype → phenotype → CPIC row → modifiers, one line each. */
  readonly explanation: readonly string[];
}
