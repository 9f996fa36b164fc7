/**
 * Which gene results a patient-view summary lists as "Actionable results" (issue 14 item 1). Listed: a phenotype whose
 * CPIC EHR priority notation is one the threshold set counts as actionable (default `Abnormal/Priority/High Risk`) or
 * that the set names; for a gene the data set gives no EHR priority for (MT-RNR1, NAT2, VKORC1, CFTR, whose keys do
 * not match its phenotypes, IFNL3; `knowledge/cpic/README.md`), a phenotype that keys a graded CPIC row asking for
 * more than standard use (avoid, adjust the dose, monitor). HLA risk alleles present or possible, re-interpreted
 * results and results a sensor rule made relevant are listed by the caller; a gene the knowledge cannot interpret
 * (CYP4F2) never is. Unlike `isActionablePhenotype` (the engine's filter, which lets an unknown notation through so
 * it never hides CPIC advice), a phenotype without any CPIC sign of being actionable is not listed: "Indeterminate"
 * or a normal result is a non-finding.
 */
import { ehrPriorityOf, rowActionsKeyedOn } from './cpic';
import type { ThresholdSet } from './thresholds';

export function isNotablePhenotype(thresholds: ThresholdSet, gene: string, phenotype: string): boolean {
  if (thresholds.actionablePhenotypes.additional[gene]?.includes(phenotype)) return true;
  const notation = ehrPriorityOf(gene, phenotype);
  if (notation !== undefined) return thresholds.actionablePhenotypes.ehrPriorityNotations.includes(notation);
  return rowActionsKeyedOn(gene, phenotype).some(
    (row) => row.action !== 'standard' && row.strength !== null && row.strength !== 'No recommendation',
  );
}
