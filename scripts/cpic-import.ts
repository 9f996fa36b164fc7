/**
 * `npm run cpic:import [-- <cpic dir> [<rxnorm dir>]]`: turns the CPIC and RxNorm data sets into the compact files
 * under `src/rules/cpic/data/` that the service reads at run time. By default it reads the repository's own copies,
 * `knowledge/cpic` and `knowledge/rxnorm` (see `knowledge/SOURCES.md`); arguments name other folders. The output is
 * committed and deterministic (no timestamps; keys in source order, diplotype files sorted), so a test checks that
 * importing `knowledge/` reproduces the committed data exactly. Nothing clinical is typed in here: every value is
 * copied from the source files (see `knowledge/cpic/README.md` for their fields), except each row's action, which
 * `src/rules/cpic/row-actions.ts` classifies from the row's text (published by `npm run cpic:actions`).
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { classifyRow } from '../src/rules/cpic/row-actions';

type Json = Record<string, unknown>;

function readJson(file: string): Json {
  return JSON.parse(readFileSync(file, 'utf8')) as Json;
}

function record(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Parses a CPIC activity-score rule such as `0 < AS < 1.25`, `AS == 0`, `AS > 2.25` into bounds. */
function parseScoreRule(
  rule: string,
): { min?: number; minInclusive?: boolean; max?: number; maxInclusive?: boolean } | null {
  const eq = /^AS == ([\d.]+)$/.exec(rule);
  if (eq) return { min: Number(eq[1]), minInclusive: true, max: Number(eq[1]), maxInclusive: true };
  const between = /^([\d.]+) (<=?) AS (<=?) ([\d.]+)$/.exec(rule);
  if (between) {
    return {
      min: Number(between[1]),
      minInclusive: between[2] === '<=',
      max: Number(between[4]),
      maxInclusive: between[3] === '<=',
    };
  }
  const above = /^AS (>=?) ([\d.]+)$/.exec(rule);
  if (above) return { min: Number(above[2]), minInclusive: above[1] === '>=' };
  return null;
}

function importGenes(cpicDir: string): Json {
  const genes = record(readJson(path.join(cpicDir, 'genes.json')).genes);
  const out: Json = {};
  for (const [symbol, raw] of Object.entries(genes)) {
    const gene = record(raw);
    const alleles: Record<string, [string, string | null]> = {};
    for (const [name, a] of Object.entries(record(gene.alleles))) {
      const allele = record(a);
      alleles[name] = [str(allele.function) ?? '', str(allele.activityValue)];
    }
    const scoreRanges = list(gene.activityScoreRules).flatMap((r) => {
      const rule = record(r);
      const parsed = parseScoreRule(str(rule.rule) ?? '');
      return parsed ? [{ phenotype: str(rule.phenotype), ...parsed }] : [];
    });
    out[symbol] = {
      lookupMethod: gene.lookupMethod,
      dataVersion: gene.dataVersion ?? null,
      ploidy: gene.ploidy ?? null,
      phenotypes: gene.phenotypes ?? [],
      alleles,
      ehrPriority: gene.ehrPriority ?? {},
      activityScoreToPhenotype: gene.activityScoreToPhenotype ?? null,
      activityScoreRanges: scoreRanges.length > 0 ? scoreRanges : null,
      phenotypeRules: gene.phenotypeRules ?? null,
      hasDiplotypeTable: typeof gene.diplotypeTable === 'string',
      notes: gene.notes ?? [],
    };
  }
  return out;
}

function importDiplotypes(cpicDir: string): Json {
  const dir = path.join(cpicDir, 'diplotypes');
  const out: Json = {};
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const table = readJson(path.join(dir, file));
    const gene = str(table.gene) ?? file.replace(/\.json$/, '');
    // Rows stay as CPIC wrote them ([diplotype, phenotype, lookupKey, activityScore]); the loader indexes them.
    out[gene] = { dataVersion: table.dataVersion ?? null, rows: table.rows };
  }
  return out;
}

function importRecommendations(cpicDir: string): Json {
  const drugs = record(readJson(path.join(cpicDir, 'recommendations.json')).drugs);
  const out: Json = {};
  for (const [name, raw] of Object.entries(drugs)) {
    const drug = record(raw);
    out[name] = {
      rxnorm: drug.rxnorm ?? null,
      notes: drug.notes ?? [],
      pairs: list(drug.cpicPairs).map((p) => {
        const pair = record(p);
        return { gene: pair.gene, level: pair.cpicLevel ?? null };
      }),
      guidelines: list(drug.guidelines).map((g) => {
        const guideline = record(g);
        return {
          id: guideline.guidelineId,
          name: guideline.cpicGuidelineName ?? guideline.name,
          url: guideline.cpicUrl ?? guideline.clinpgxUrl,
          genes: guideline.genes,
          pmids: list(guideline.citations).map((c) => record(c).pmid),
          rows: list(guideline.recommendations).map((r) => {
            const row = record(r);
            const flags = {
              strength: str(row.strength),
              recommendation: str(row.recommendation) ?? '',
              dosingInformation: row.dosingInformation === true,
              informational: row.informational === true,
            };
            // The row's action, classified once from its text (src/rules/cpic/row-actions.ts).
            const { action, textAction, ambiguity } = classifyRow(flags);
            return {
              id: row.id ?? null,
              lookupKey: row.lookupKey,
              population: row.population ?? null,
              strength: row.strength ?? null,
              recommendation: row.recommendation,
              otherConsiderations: row.otherConsiderations ?? null,
              implications: row.implications ?? [],
              alternateDrugAvailable: row.alternateDrugAvailable === true,
              dosingInformation: flags.dosingInformation,
              otherPrescribingGuidance: row.otherPrescribingGuidance === true,
              informational: flags.informational,
              action,
              textAction,
              ambiguity,
            };
          }),
        };
      }),
      decisionGraph: drug.decisionGraph ? { nodes: record(drug.decisionGraph).nodes } : null,
    };
  }
  return out;
}

/**
 * Gene–drug pairs whose FDA label requires testing (`pairs.json` `fdaLabel`, "Testing required") for drugs without a
 * CPIC guideline in the data set, by drug: the only CPIC knowledge there is for them (siponimod and CYP2C9). A drug
 * with a guideline is left out: its guideline decides.
 */
function importLabelTesting(cpicDir: string, guided: readonly string[]): Json {
  const out: Record<string, Json[]> = {};
  for (const p of list(readJson(path.join(cpicDir, 'pairs.json')).pairs)) {
    const pair = record(p);
    const drug = str(pair.drug);
    if (!drug || guided.includes(drug) || pair.fdaLabel !== 'Testing required') continue;
    out[drug] = [
      ...(out[drug] ?? []),
      { gene: pair.gene, level: pair.cpicLevel ?? null, levelStatus: pair.cpicLevelStatus ?? null },
    ];
  }
  return out;
}

/** RxNorm concept → CPIC drug names, and lower-case names (CPIC, brand, precise ingredient) → CPIC drug names. */
function importRxnorm(rxnormDir: string, cpicDrugs: readonly string[]): Json {
  const data = readJson(path.join(rxnormDir, 'cpic-drug-products.json'));
  const concepts: Record<string, string[]> = {};
  for (const [rxcui, raw] of Object.entries(record(data.concepts))) {
    const drugs = list(record(raw).cpicDrugs).filter((d): d is string => typeof d === 'string');
    if (drugs.length > 0) concepts[rxcui] = drugs;
  }
  const names: Record<string, string[]> = {};
  const addName = (name: string, drug: string): void => {
    const key = name.toLowerCase();
    const existing = names[key] ?? [];
    if (!existing.includes(drug)) names[key] = [...existing, drug];
  };
  for (const drug of cpicDrugs) addName(drug, drug);
  for (const [drug, raw] of Object.entries(record(data.drugs))) {
    const summary = record(raw);
    for (const b of list(summary.brandNames)) {
      const brand = str(record(b).name);
      // A brand of a combination product names several CPIC drugs; each gets the brand.
      if (brand) addName(brand, drug);
    }
    for (const p of list(summary.preciseIngredients)) {
      const pin = str(record(p).name);
      if (pin) addName(pin, drug);
    }
  }
  return { concepts, names };
}

/** `cpic-YYYY-MM-DD` from the newest date the data set's README states for its pinned sources. */
function knowledgeVersion(cpicDir: string): string {
  const readme = readFileSync(path.join(cpicDir, 'README.md'), 'utf8');
  const sourcesSection = readme.split('## Sources')[1]?.split('\n## ')[0] ?? '';
  const dates = [...sourcesSection.matchAll(/\b(20\d\d-\d\d-\d\d)\b/g)].map((m) => m[1] ?? '').sort();
  const newest = dates.at(-1);
  if (!newest) throw new Error('no source date found in the CPIC README');
  return `cpic-${newest}`;
}

/** The repository's own copies of the sources (`knowledge/`), read by default. */
export const KNOWLEDGE_CPIC = path.join(__dirname, '..', 'knowledge', 'cpic');
export const KNOWLEDGE_RXNORM = path.join(__dirname, '..', 'knowledge', 'rxnorm');
/** Where the service reads its compacted knowledge from. */
export const DATA_DIR = path.join(__dirname, '..', 'src', 'rules', 'cpic', 'data');

/** The files of `src/rules/cpic/data/`, by name, as the text the importer writes. Pure: reads, never writes. */
export function importKnowledge(cpicDir: string, rxnormDir: string): Record<string, string> {
  const recommendations = importRecommendations(cpicDir);
  const files: Record<string, unknown> = {
    'genes.json': importGenes(cpicDir),
    'diplotypes.json': importDiplotypes(cpicDir),
    'recommendations.json': recommendations,
    'rxnorm.json': importRxnorm(rxnormDir, Object.keys(recommendations)),
    'label-testing.json': importLabelTesting(cpicDir, Object.keys(recommendations)),
    'meta.json': {
      knowledgeVersion: knowledgeVersion(cpicDir),
      cpicSources: record(readJson(path.join(cpicDir, 'genes.json')).meta).sources,
      rxnormSources: Object.keys(
        record(record(readJson(path.join(rxnormDir, 'cpic-drug-products.json')).meta).sources),
      ),
    },
  };
  return Object.fromEntries(
    Object.entries(files).map(([name, content]) => [name, JSON.stringify(content) + '\n']),
  );
}

/** Imports `cpicDir` and `rxnormDir` into `outDir` (created when missing); returns the paths written. */
export function writeKnowledge(cpicDir: string, rxnormDir: string, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  return Object.entries(importKnowledge(cpicDir, rxnormDir)).map(([name, text]) => {
    const file = path.join(outDir, name);
    writeFileSync(file, text);
    return file;
  });
}

function main(): void {
  const cpicDir = process.argv[2] ? path.resolve(process.argv[2]) : KNOWLEDGE_CPIC;
  const rxnormDir = process.argv[3]
    ? path.resolve(process.argv[3])
    : process.argv[2]
      ? path.join(cpicDir, '..', 'rxnorm')
      : KNOWLEDGE_RXNORM;
  for (const file of writeKnowledge(cpicDir, rxnormDir, DATA_DIR)) console.log(`wrote ${file}`);
}

if (require.main === module) main();
