/**
 * The CPIC knowledge files of `./data/` (written by `npm run cpic:import`), loaded once and indexed for lookups.
 * Field meanings follow `knowledge/cpic/README.md`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RowTextAction } from './row-actions';
import type { RowAction } from './types';

export type LookupMethod = 'PHENOTYPE' | 'ACTIVITY_SCORE' | 'ALLELE_STATUS' | 'NONE';

/** A CPIC activity-score band (`genes.json` `activityScoreRules`, parsed by the import script). */
export interface ScoreRange {
  readonly phenotype: string;
  readonly min?: number;
  readonly minInclusive?: boolean;
  readonly max?: number;
  readonly maxInclusive?: boolean;
}

export interface GeneKnowledge {
  readonly lookupMethod: LookupMethod;
  /**
   * When the source dated the gene's allele functions and phenotype table, as it wrote it: PharmCAT's export stamp
   * (`2025-11-05-00-25`), a year (`2025`), or per part (`activity values 2025 / functions 2023-07`, CYP2D6); null when
   * the source gives none (HLA, CYP4F2).
   */
  readonly dataVersion: string | null;
  readonly ploidy: string | null;
  readonly phenotypes: readonly string[];
  /** allele name → [CPIC function, activity value or null]. */
  readonly alleles: Readonly<Record<string, readonly [string, string | null]>>;
  readonly ehrPriority: Readonly<Record<string, string>>;
  readonly activityScoreToPhenotype: Readonly<Record<string, readonly string[]>> | null;
  readonly activityScoreRanges: readonly ScoreRange[] | null;
  /** G6PD: `{"hemizygous (one X allele)": {function: phenotype}, "two X alleles": [...]}`. */
  readonly phenotypeRules: Readonly<Record<string, unknown>> | null;
  readonly hasDiplotypeTable: boolean;
  readonly notes: readonly string[];
}

/** One CPIC recommendation row (`recommendations.json` `guidelines[].recommendations[]`). */
export interface RecommendationRow {
  readonly id: string | null;
  readonly lookupKey: Readonly<Record<string, string>>;
  readonly population: string | null;
  readonly strength: string | null;
  readonly recommendation: string;
  readonly otherConsiderations: string | null;
  readonly implications: readonly string[];
  readonly alternateDrugAvailable: boolean;
  readonly dosingInformation: boolean;
  readonly otherPrescribingGuidance: boolean;
  readonly informational: boolean;
  /** What the service does with the row (classified from its text at import: `row-actions.ts`). */
  readonly action: RowAction;
  /** What the row's text asks for (`order-test` rows are shown as `monitor`). */
  readonly textAction: RowTextAction;
  /** Why the text gives no one clear action, and what the service does; null when it does. */
  readonly ambiguity: string | null;
}

export interface GuidelineKnowledge {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly genes: readonly string[];
  readonly pmids: readonly string[];
  readonly rows: readonly RecommendationRow[];
}

/**
 * A guideline's title as the service shows it: CPIC's name without the "Annotation of CPIC Guideline for " the data
 * set puts before nine of them ("metoprolol and CYP2D6"). After the card's own "CPIC guideline: " the whole name read
 * "CPIC guideline: Annotation of CPIC Guideline for metoprolol and CYP2D6". The rest of the name is CPIC's, unchanged.
 */
export function guidelineTitle(guideline: { readonly name: string }): string {
  return guideline.name.replace(/^Annotation of CPIC Guideline for /, '');
}

export interface DrugKnowledge {
  readonly rxnorm: string | null;
  readonly notes: readonly string[];
  readonly pairs: readonly { readonly gene: string; readonly level: string | null }[];
  readonly guidelines: readonly GuidelineKnowledge[];
  readonly decisionGraph: { readonly nodes: Readonly<Record<string, string>> } | null;
}

/** A gene the drug's FDA label requires testing for, with CPIC's level of the pair (`A`, `A/B`) and its status. */
export interface LabelTesting {
  readonly gene: string;
  readonly level: string | null;
  readonly levelStatus: string | null;
}

/** A diplotype table row as CPIC gives it: [diplotype, phenotype, lookupKey, activityScore]. */
export type DiplotypeRow = readonly [string, string, string, string | null];

interface RxnormIndex {
  readonly concepts: Readonly<Record<string, readonly string[]>>;
  readonly names: Readonly<Record<string, readonly string[]>>;
}

function load(file: string): unknown {
  return JSON.parse(readFileSync(path.join(__dirname, 'data', file), 'utf8'));
}

let cache:
  | {
      readonly genes: Readonly<Record<string, GeneKnowledge>>;
      readonly drugs: Readonly<Record<string, DrugKnowledge>>;
      readonly rxnorm: RxnormIndex;
      readonly labelTesting: Readonly<Record<string, readonly LabelTesting[]>>;
      readonly version: string;
    }
  | undefined;

function knowledge(): NonNullable<typeof cache> {
  cache ??= {
    genes: load('genes.json') as Record<string, GeneKnowledge>,
    drugs: load('recommendations.json') as Record<string, DrugKnowledge>,
    rxnorm: load('rxnorm.json') as RxnormIndex,
    labelTesting: load('label-testing.json') as Record<string, LabelTesting[]>,
    version: (load('meta.json') as { knowledgeVersion: string }).knowledgeVersion,
  };
  return cache;
}

/** The knowledge version, `cpic-YYYY-MM-DD` from the newest source date the CPIC data set states. */
export function knowledgeVersion(): string {
  return knowledge().version;
}

/**
 * `record[key]` for an own entry only. Keys here come from patient data and orders, so a plain index would read
 * `Object.prototype` for `constructor` or `__proto__`.
 */
export function ownEntry<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A CPIC implication that says nothing: CPIC writes `GENE: n/a` (or `None`, or nothing) for a gene without one. */
export function isEmptyImplication(line: string): boolean {
  return /^(?:[A-Za-z0-9-]+:)?\s*(?:(?:n\/a|none)\s*)?\.?$/i.test(line.trim());
}

/** CPIC's lookup key for a copy number the laboratory left unspecified (`*2xN`). */
export const UNSPECIFIED_COPIES_KEY = 'xN combinations';

/**
 * The recommendation text of CPIC's row for an unspecified copy number of `gene` (every guideline of the gene has the
 * same one: it lists what each `xN` allele may stand for); undefined when CPIC has none.
 */
export function unspecifiedCopiesText(gene: string): string | undefined {
  for (const drug of Object.values(knowledge().drugs))
    for (const guideline of drug.guidelines)
      for (const row of guideline.rows)
        if (row.lookupKey[gene] === UNSPECIFIED_COPIES_KEY) return row.recommendation;
  return undefined;
}

/** The gene as CPIC describes it, or undefined for a gene CPIC does not cover. */
export function geneKnowledge(gene: string): GeneKnowledge | undefined {
  return ownEntry(knowledge().genes, gene);
}

/**
 * The date of the CPIC allele functions a genotype of `gene` is called with (its `dataVersion`, as the source wrote
 * it), or undefined where the data set does not date them (HLA, CYP4F2) or does not know the gene.
 */
export function alleleFunctionsOf(gene: string): string | undefined {
  return geneKnowledge(gene)?.dataVersion ?? undefined;
}

/** HGNC symbols of every gene in `genes.json`. */
export function cpicGenes(): readonly string[] {
  return Object.keys(knowledge().genes);
}

/** The phenotypes CPIC defines for a gene (`genes.json`), or undefined for a gene CPIC does not know. */
export function cpicPhenotypes(gene: string): readonly string[] | undefined {
  return geneKnowledge(gene)?.phenotypes;
}

/** The CPIC drug by its lower-case CPIC name. */
export function drugKnowledge(drug: string): DrugKnowledge | undefined {
  return ownEntry(knowledge().drugs, drug);
}

/** Every CPIC drug name (keys of `recommendations.json`). */
export function cpicDrugNames(): readonly string[] {
  return Object.keys(knowledge().drugs);
}

/** CPIC drug names for an RxNorm concept id (ingredient, precise ingredient, product, pack, brand). */
export function cpicDrugsForRxcui(rxcui: string): readonly string[] {
  return ownEntry(knowledge().rxnorm.concepts, rxcui) ?? [];
}

/** Names (CPIC, brand, precise ingredient; lower case) → CPIC drug names, for text matching. */
export function drugNameIndex(): Readonly<Record<string, readonly string[]>> {
  return knowledge().rxnorm.names;
}

const diplotypeIndexes = new Map<string, Map<string, DiplotypeRow>>();
let diplotypeTables: Readonly<Record<string, { readonly rows: readonly DiplotypeRow[] }>> | undefined;

/** The raw CPIC diplotype table of a gene (rows as CPIC gives them), or undefined. */
export function diplotypeTable(gene: string): readonly DiplotypeRow[] | undefined {
  diplotypeTables ??= load('diplotypes.json') as Record<string, { rows: DiplotypeRow[] }>;
  return ownEntry(diplotypeTables, gene)?.rows;
}

/** Order-insensitive key of a diplotype: its allele names sorted and joined with `/`. */
export function unorderedKey(alleles: readonly string[]): string {
  return [...alleles].sort().join('/');
}

/**
 * The CPIC table row for a set of canonical allele names (order-insensitive), or undefined when CPIC lists no such
 * diplotype. Single-allele tables (MT-RNR1) are keyed by the one allele.
 */
export function diplotypeRow(gene: string, alleles: readonly string[]): DiplotypeRow | undefined {
  let index = diplotypeIndexes.get(gene);
  if (!index) {
    index = new Map();
    for (const row of diplotypeTable(gene) ?? []) index.set(unorderedKey(row[0].split('/')), row);
    diplotypeIndexes.set(gene, index);
  }
  return index.get(unorderedKey(alleles));
}

/**
 * CPIC's EHR priority result notation for a gene's phenotype (`genes.json` `ehrPriority`, e.g.
 * `Abnormal/Priority/High Risk`), or undefined when CPIC gives none for it (e.g. HLA genes).
 */
export function ehrPriorityOf(gene: string, phenotype: string): string | undefined {
  const priorities = geneKnowledge(gene)?.ehrPriority;
  return priorities === undefined ? undefined : ownEntry(priorities, phenotype);
}

/** The genes CPIC pairs with a drug, with the pair's CPIC level (`pairs.json`). */
export function cpicPairs(drug: string): readonly { readonly gene: string; readonly level: string | null }[] {
  return drugKnowledge(drug)?.pairs ?? [];
}

/**
 * The genes the drug's FDA label requires testing for, by CPIC's gene–drug pairs (`fdaLabel` "Testing required"),
 * for a drug without a CPIC guideline (siponimod: CYP2C9); empty otherwise.
 */
export function labelRequiredTests(drug: string): readonly LabelTesting[] {
  return ownEntry(knowledge().labelTesting, drug) ?? [];
}
