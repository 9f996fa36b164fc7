/**
 * The test oracle: the one module that knows where the reference data lives and how to read it.
 *
 * Expected clinical values come from the repository's copy of the sources, `knowledge/` (the CPIC data set, the
 * RxNorm extract and the sensor thresholds quoted from the wearables research note; origin, versions, licences and
 * SHA-256 in `knowledge/SOURCES.md`), never from the code under test and never from `src/rules/cpic/data/` (the
 * code's own compacted copy, which `npm run cpic:import` makes from the same files). Files are read once, checked
 * against the shapes below (a changed upstream layout fails here, loudly), and cached.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** The repository's copy of the sources. */
const KNOWLEDGE_DIR = path.resolve(__dirname, '..', '..', 'knowledge');

/** A path inside `knowledge/` (for tests about the copy itself: checksums, the importer). */
export function knowledgePath(...parts: readonly string[]): string {
  return path.join(KNOWLEDGE_DIR, ...parts);
}

function once<T>(load: () => T): () => T {
  let value: { readonly loaded: T } | undefined;
  return () => (value ??= { loaded: load() }).loaded;
}

function readKnowledge<T>(file: string, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(JSON.parse(readFileSync(knowledgePath(file), 'utf8')));
  if (!parsed.success)
    throw new Error(`knowledge/${file} is not shaped as expected: ${parsed.error.message}`);
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------------------------
// CPIC data set (`knowledge/cpic`, fields as `knowledge/cpic/README.md` describes them)
// ---------------------------------------------------------------------------------------------------------------

const lookupKey = z.record(z.string(), z.string());

const cpicRowSchema = z.looseObject({
  /** ClinPGx recommendation annotation id (null for 6 anesthetics copied from the sevoflurane row). */
  id: z.string().nullable(),
  lookupKey,
  population: z.string().nullable(),
  classification: z.string().nullable().optional(),
  strength: z.string().nullable(),
  recommendation: z.string(),
  otherConsiderations: z.string().nullable().optional(),
  implications: z.array(z.string()).optional(),
  informational: z.boolean().optional(),
});

const cpicGuidelineSchema = z.looseObject({
  guidelineId: z.string(),
  name: z.string(),
  clinpgxUrl: z.string(),
  cpicGuidelineName: z.string().nullable(),
  cpicUrl: z.string().nullable(),
  genes: z.array(z.string()),
  citations: z.array(z.looseObject({ pmid: z.string() })),
  recommendations: z.array(cpicRowSchema),
});

const cpicDrugSchema = z.looseObject({
  rxnorm: z.string().nullable(),
  cpicPairs: z.array(z.looseObject({ gene: z.string(), cpicLevel: z.string().nullable() })),
  guidelines: z.array(cpicGuidelineSchema),
  decisionGraph: z
    .looseObject({
      nodes: z.record(z.string(), z.string()),
      edges: z.array(z.looseObject({ from: z.string(), to: z.string(), label: z.string().nullable() })),
    })
    .optional(),
});

const cpicGeneSchema = z.looseObject({
  lookupMethod: z.string(),
  /** When the source dated the gene's allele functions (`2025-11-05-00-25`); absent or null when it gives no date (HLA). */
  dataVersion: z.string().nullish(),
  phenotypes: z.array(z.string()),
  alleles: z.record(
    z.string(),
    z.looseObject({ function: z.string().nullable(), activityValue: z.string().nullable().optional() }),
  ),
  /** CPIC EHR priority notation per phenotype; absent for genes CPIC gives none (HLA, CYP4F2, …). */
  ehrPriority: z.record(z.string(), z.string()).optional(),
  confirmedExamples: z
    .array(z.object({ diplotype: z.string(), activityScore: z.string(), phenotype: z.string() }))
    .optional(),
});

const diplotypeTableSchema = z.looseObject({
  gene: z.string(),
  rows: z.array(z.tuple([z.string(), z.string(), z.string(), z.string().nullable()])),
});

export type CpicRow = z.infer<typeof cpicRowSchema>;
export type CpicGuideline = z.infer<typeof cpicGuidelineSchema>;
export type CpicDrug = z.infer<typeof cpicDrugSchema>;
export type CpicGene = z.infer<typeof cpicGeneSchema>;
/** `[diplotype, phenotype, lookupKey, activityScore]`, as CPIC's table states it. */
export type DiplotypeRow = z.infer<typeof diplotypeTableSchema>['rows'][number];

const drugs = once(
  () =>
    readKnowledge('cpic/recommendations.json', z.looseObject({ drugs: z.record(z.string(), cpicDrugSchema) }))
      .drugs,
);
const genes = once(
  () =>
    readKnowledge('cpic/genes.json', z.looseObject({ genes: z.record(z.string(), cpicGeneSchema) })).genes,
);
const tables = new Map<string, readonly DiplotypeRow[]>();

/** Every CPIC drug of `recommendations.json`, by name. */
export function cpicDrugs(): Readonly<Record<string, CpicDrug>> {
  return drugs();
}

/** One CPIC drug; fails the test when the data set has no such drug. */
export function cpicDrug(name: string): CpicDrug {
  const found = drugs()[name];
  if (!found) throw new Error(`knowledge/cpic/recommendations.json has no drug ${name}`);
  return found;
}

const pairSchema = z.looseObject({
  gene: z.string(),
  drug: z.string(),
  cpicLevel: z.string().nullable(),
  cpicLevelStatus: z.string().nullable(),
  fdaLabel: z.string().nullable(),
  guidelineUrl: z.string().nullable(),
});
export type CpicPair = z.infer<typeof pairSchema>;
const pairs = once(
  () => readKnowledge('cpic/pairs.json', z.looseObject({ pairs: z.array(pairSchema) })).pairs,
);

/** One gene–drug pair of `pairs.json` (CPIC level, FDA label flag); fails the test when the data set has none. */
export function cpicPair(gene: string, drug: string): CpicPair {
  const found = pairs().find((p) => p.gene === gene && p.drug === drug);
  if (!found) throw new Error(`knowledge/cpic/pairs.json has no pair ${gene}–${drug}`);
  return found;
}

/** Every gene of `genes.json`, by symbol. */
export function cpicGenes(): Readonly<Record<string, CpicGene>> {
  return genes();
}

/** One gene of `genes.json`; fails the test when the data set has no such gene. */
export function cpicGene(symbol: string): CpicGene {
  const found = genes()[symbol];
  if (!found) throw new Error(`knowledge/cpic/genes.json has no gene ${symbol}`);
  return found;
}

/** The genes with a CPIC diplotype table (`knowledge/cpic/diplotypes/<GENE>.json`), sorted. */
export function diplotypeGenes(): string[] {
  return readdirSync(knowledgePath('cpic', 'diplotypes'))
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.replace(/\.json$/, ''))
    .sort();
}

/** CPIC's diplotype → phenotype table of a gene, rows as published (one order per diplotype). */
export function diplotypeTable(gene: string): readonly DiplotypeRow[] {
  let rows = tables.get(gene);
  if (!rows) {
    const table = readKnowledge(`cpic/diplotypes/${gene}.json`, diplotypeTableSchema);
    if (table.gene !== gene) throw new Error(`knowledge/cpic/diplotypes/${gene}.json is for ${table.gene}`);
    rows = table.rows;
    tables.set(gene, rows);
  }
  return rows;
}

/** CPIC's call for a diplotype. */
export interface CpicCall {
  readonly phenotype: string;
  /** The value CPIC recommendation rows are keyed on: phenotype, or activity score for AS genes. */
  readonly lookupKey: string;
  readonly activityScore: string | null;
}

/**
 * CPIC's phenotype, lookup key and activity score for a diplotype: from the gene's diplotype table (unordered:
 * `*17/*2` finds `*2/*17`), or for CYP2D6, which has activity-score rules instead of a table, from the confirmed
 * examples in `genes.json`. Fails the test when CPIC states nothing for the diplotype.
 */
export function cpicCall(gene: string, diplotype: string): CpicCall {
  if (gene === 'CYP2D6') {
    const example = cpicGene(gene).confirmedExamples?.find((e) => e.diplotype === diplotype);
    if (!example) throw new Error(`no CPIC CYP2D6 confirmed example for ${diplotype}`);
    return {
      phenotype: example.phenotype,
      lookupKey: example.activityScore,
      activityScore: example.activityScore,
    };
  }
  const unordered = (d: string): string => d.split('/').sort().join('/');
  const wanted = unordered(diplotype);
  const row = diplotypeTable(gene).find(([d]) => unordered(d) === wanted);
  if (!row) throw new Error(`no CPIC ${gene} diplotype ${diplotype}`);
  return { phenotype: row[1], lookupKey: row[2], activityScore: row[3] };
}

/** A recommendation row with the guideline it belongs to. */
export interface CpicRowOf {
  readonly row: CpicRow;
  readonly guideline: CpicGuideline;
}

function sameKey(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * The recommendation rows of a drug, with their guideline: all of them, or those whose lookup key is exactly
 * `lookupKey` (every gene of the guideline, `"No Result"` for an untested one).
 */
export function cpicRows(drug: string, lookupKey?: Readonly<Record<string, string>>): CpicRowOf[] {
  return cpicDrug(drug).guidelines.flatMap((guideline) =>
    guideline.recommendations
      .filter((row) => lookupKey === undefined || sameKey(row.lookupKey, lookupKey))
      .map((row) => ({ row, guideline })),
  );
}

/**
 * The one CPIC row for a drug and lookup key (the lookup procedure of `knowledge/cpic/README.md`), in `population`
 * when given (`null`: the row without population), else whatever its population. Fails the test unless exactly one
 * row matches.
 */
export function cpicRow(
  drug: string,
  lookupKey: Readonly<Record<string, string>>,
  population?: string | null,
): CpicRowOf {
  const found = cpicRows(drug, lookupKey).filter(
    ({ row }) => population === undefined || row.population === population,
  );
  const [only] = found;
  if (found.length !== 1 || !only) {
    throw new Error(
      `${String(found.length)} CPIC rows for ${drug} ${JSON.stringify(lookupKey)} ${String(population)}`,
    );
  }
  return only;
}

/** The guideline of a drug that has exactly one (fails the test otherwise). */
export function cpicGuideline(drug: string): CpicGuideline {
  const all = cpicDrug(drug).guidelines;
  const [only] = all;
  if (all.length !== 1 || !only) throw new Error(`${drug} has ${String(all.length)} CPIC guidelines`);
  return only;
}

/**
 * The guideline page a card must link: CPIC's own page where the data set gives one, else the ClinPGx annotation
 * (metoprolol, hydralazine and IFNL3 have no CPIC URL). Takes a guideline, or a drug with exactly one guideline.
 */
export function guidelineUrl(guideline: string | CpicGuideline): string {
  const g = typeof guideline === 'string' ? cpicGuideline(guideline) : guideline;
  return g.cpicUrl ?? g.clinpgxUrl;
}

/** How a guideline is named and linked: CPIC's name and URL where given, else ClinPGx's; the annotation id. */
export function guidelineRef(guideline: CpicGuideline): { name: string; url: string; id: string } {
  return {
    name: guideline.cpicGuidelineName ?? guideline.name,
    url: guidelineUrl(guideline),
    id: guideline.guidelineId,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// RxNorm extract (`knowledge/rxnorm/cpic-drug-products.json`, fields as `knowledge/rxnorm/README.md` describes them)
// ---------------------------------------------------------------------------------------------------------------

const rxnormSchema = z.looseObject({
  concepts: z.record(
    z.string(),
    z.looseObject({ rxcui: z.string(), tty: z.string(), name: z.string(), cpicDrugs: z.array(z.string()) }),
  ),
  drugs: z.record(
    z.string(),
    z.looseObject({
      rxcui: z.string().nullable(),
      brandNames: z.array(z.looseObject({ name: z.string(), singleIngredient: z.boolean() })),
    }),
  ),
});

export type RxnormProducts = z.infer<typeof rxnormSchema>;
export type RxnormConcept = RxnormProducts['concepts'][string];

/** RxNorm concepts (products, ingredients, brands) mapped to the CPIC drugs they contain. */
export const rxnormProducts = once(() => readKnowledge('rxnorm/cpic-drug-products.json', rxnormSchema));

// ---------------------------------------------------------------------------------------------------------------
// Sensor thresholds (`knowledge/sensor-thresholds.json`, quoted from the wearables research note §2.2–§2.4)
// ---------------------------------------------------------------------------------------------------------------

const sensorThresholdSchema = z.strictObject({
  /** `R1.raise`, `cgm.coverage`, …: see `knowledge/SOURCES.md`. */
  id: z.string().regex(/^[A-Za-z0-9.-]+$/),
  value: z.number(),
  /** UCUM: `/min`, `%`, `d`, `h`, `1` for counts, … */
  unit: z.string(),
  /** The research note's text, verbatim up to line wrapping. */
  quote: z.string(),
  /** The source the note cites for the number. */
  citation: z.string(),
  /** Section of the research note, e.g. `§2.2 R1`. */
  section: z.string().regex(/^§2\.[234] /),
});

export type SensorThreshold = z.infer<typeof sensorThresholdSchema>;

const sensorThresholdList = once(() => {
  const { thresholds } = readKnowledge(
    'sensor-thresholds.json',
    z.looseObject({ thresholds: z.array(sensorThresholdSchema) }),
  );
  const ids = thresholds.map((t) => t.id);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (repeated.length > 0) throw new Error(`knowledge/sensor-thresholds.json repeats ${repeated.join(', ')}`);
  return thresholds;
});

/** Every sensor threshold entry of `knowledge/sensor-thresholds.json`. */
export function sensorThresholds(): readonly SensorThreshold[] {
  return sensorThresholdList();
}

/** One entry of `knowledge/sensor-thresholds.json`, with its quote and citation; fails the test when absent. */
export function sensorThreshold(id: string): SensorThreshold {
  const found = sensorThresholdList().find((t) => t.id === id);
  if (!found) throw new Error(`knowledge/sensor-thresholds.json has no ${id}`);
  return found;
}

/** The number the research note states for a threshold id (e.g. `researchThreshold('R1.raise')` → 60 /min). */
export function researchThreshold(id: string): number {
  return sensorThreshold(id).value;
}

// ---------------------------------------------------------------------------------------------------------------
// Research notes (`knowledge/research`), for statements that are not numbers
// ---------------------------------------------------------------------------------------------------------------

const wearablesNote = once(() =>
  readFileSync(knowledgePath('research', 'wearables-in-fhir.md'), 'utf8').replace(/\s+/g, ' '),
);

/**
 * Whether the wearables research note says `text`, verbatim up to line wrapping (e.g. that R8 is "**Not a
 * CPIC/DPWG-actionable pair** — state as "safety rule""). Numbers are read with `researchThreshold` instead.
 */
export function researchSays(text: string): boolean {
  return wearablesNote().includes(text.replace(/\s+/g, ' '));
}
