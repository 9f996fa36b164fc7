/**
 * CPIC knowledge: the public surface the hooks, the rules engine, the CLI and the bench use.
 * Pure functions over the committed data in `./data/`; nothing here does I/O beyond reading that data once.
 */
import { knowledgeVersion } from './knowledge';

export type {
  AlternativeAdvice,
  ConflictFinding,
  ConflictingResult,
  CpicRow,
  DecisionAction,
  DrugOrder,
  Finding,
  FindingKind,
  GeneConflict,
  GeneResult,
  GuidelineRef,
  NamedAlternative,
  NoRowFinding,
  PreTestFinding,
  RecommendationFinding,
  ResultReading,
  RowAction,
  SafetyRuleFinding,
  WarfarinFigureFinding,
} from './types';
export { conflictsOf, findingRuleId, guidelineOf, rowOf, testsToOrder, unreadableGenes } from './types';
export type {
  GeneResultsReading,
  IgnoredResource,
  PendingResult,
  ReadOptions,
  UnassignedResult,
} from './fhir-results';
export type { PatientContext } from './recommendations';
export type { PhenotypeCall, CallOptions } from './phenotype';
export type { DrugVocabulary, ResolveOptions } from './drugs';

export { readGeneResults } from './fhir-results';
export { PGX_OBSERVATION_CODES } from './observation-text';
export {
  resolveDrugOrders,
  doseUnitWords,
  resolveMedicationRequest,
  cpicDrugsInText,
  resolveDrugOrdersIn,
  ordersWithUnreadMedicine,
  wholeWordDrugMatcher,
} from './drugs';
export {
  ageInYears,
  conflictLine,
  findingsForOrder,
  isCpicDrug,
  labelPreTestFinding,
  actionForRow,
  reinterpretationSentence,
  rowActionsKeyedOn,
  testedName,
} from './recommendations';
export {
  INDETERMINATE,
  callPhenotype,
  copyNumberPhenotypes,
  copyNumberWords,
  normalizePhenotype,
} from './phenotype';
export { callAgain, reinterpretResult } from './reinterpret';
export type { CalledAgain, CalledAs, ResultChange } from './reinterpret';
export { populationWords } from './populations';
export {
  alleleFunctionsOf,
  cpicGenes,
  cpicPairs,
  cpicPhenotypes,
  ehrPriorityOf,
  isEmptyImplication,
} from './knowledge';

/** Version of the CPIC knowledge (e.g. `cpic-2026-04-30`), for discovery and every card. */
export const KNOWLEDGE_VERSION: string = knowledgeVersion();
