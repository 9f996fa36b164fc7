/**
 * `npm run pgx -- --genotype CYP2C19='*2/*2' --drug clopidogrel [--phenotype CYP2D6='Poor Metabolizer']
 *   [--age 50] [--sex female] [--prior-use] [--json]`
 * Prints each gene's phenotype (and the date of the CPIC allele functions it was called with), the CPIC lookup key,
 * the recommendation, its strength and source.
 */
import { parseArgs } from 'node:util';
import { calledWithText } from '../src/cards/text';
import {
  alleleFunctionsOf,
  callPhenotype,
  cpicDrugsInText,
  findingsForOrder,
  KNOWLEDGE_VERSION,
  rowOf,
  readGeneResults,
} from '../src/rules/cpic';
import type { DrugOrder, Finding, GeneResult } from '../src/rules/cpic';

const USAGE =
  "usage: npm run pgx -- --genotype GENE='*1/*2' [--genotype …] [--phenotype GENE='Poor Metabolizer'] --drug NAME [--drug …] [--age YEARS] [--sex female|male] [--prior-use] [--json]";

function splitAssignment(value: string): [string, string] {
  const at = value.indexOf('=');
  if (at < 1) throw new Error(`expected GENE=value, got "${value}"`);
  return [value.slice(0, at).trim().toUpperCase(), value.slice(at + 1).trim()];
}

/** A phenotype given on the command line, read through the same path as a FHIR phenotype Observation. */
function phenotypeResult(gene: string, phenotype: string, sex: string | undefined): GeneResult | undefined {
  const observation = {
    resourceType: 'Observation',
    id: `cli-${gene}`,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '53040-2' }] },
    component: [
      {
        code: { coding: [{ system: 'http://loinc.org', code: '48018-6' }] },
        valueCodeableConcept: { text: gene },
      },
    ],
    valueCodeableConcept: { text: phenotype },
  };
  return readGeneResults([observation], sex ? { sex } : {}).results[0];
}

function formatFinding(f: Finding): string {
  const lines = [`${f.drug}: ${f.action} (${f.kind})`];
  const row = rowOf(f);
  if (row) {
    lines.push(`  guideline:      ${row.guideline.name} ${row.guideline.url}`);
    lines.push(
      `  lookup key:     ${Object.entries(row.lookupKey)
        .map(([g, v]) => `${g}=${v}`)
        .join(', ')}`,
    );
    if (row.population) lines.push(`  population:     ${row.population}`);
    lines.push(`  strength:       ${row.strength ?? 'not graded'}`);
    lines.push(`  recommendation: ${row.recommendation}`);
    if (row.pmids.length > 0) lines.push(`  PMIDs:          ${row.pmids.join(', ')}`);
  }
  for (const alt of f.kind === 'recommendation' ? f.alternatives : []) {
    lines.push(`  also (${alt.label}): ${alt.row.strength ?? 'not graded'}: ${alt.row.recommendation}`);
  }
  for (const e of f.explanation) lines.push(`  · ${e}`);
  return lines.join('\n');
}

/** Runs the command on its arguments; returns what it prints and the exit code. */
export function pgxCommand(argv: readonly string[]): { output: string; exitCode: number } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        genotype: { type: 'string', multiple: true },
        phenotype: { type: 'string', multiple: true },
        drug: { type: 'string', multiple: true },
        age: { type: 'string' },
        sex: { type: 'string' },
        'prior-use': { type: 'boolean' },
        json: { type: 'boolean' },
      },
    }));
  } catch (err) {
    return { output: `${err instanceof Error ? err.message : String(err)}\n${USAGE}`, exitCode: 2 };
  }
  if (!values.drug?.length) return { output: USAGE, exitCode: 2 };
  const sex = values.sex;
  const genes: GeneResult[] = [];
  try {
    for (const g of values.genotype ?? []) {
      const [gene, diplotype] = splitAssignment(g);
      const call = callPhenotype(gene, [diplotype], sex ? { sex } : {});
      const alleleFunctions = alleleFunctionsOf(gene);
      genes.push({
        ...call,
        ...(alleleFunctions ? { alleleFunctions } : {}),
        sources: ['command line'],
        reinterpreted: false,
      });
    }
    for (const p of values.phenotype ?? []) {
      const [gene, phenotype] = splitAssignment(p);
      const result = phenotypeResult(gene, phenotype, sex);
      if (!result)
        return { output: `${gene}: "${phenotype}" is not a CPIC phenotype of this gene`, exitCode: 2 };
      genes.push(result);
    }
  } catch (err) {
    return { output: `${err instanceof Error ? err.message : String(err)}\n${USAGE}`, exitCode: 2 };
  }
  const now = new Date();
  const birthDate = values.age ? `${now.getUTCFullYear() - Number(values.age)}-01-01` : undefined;
  const patient = {
    ...(birthDate ? { birthDate } : {}),
    ...(sex ? { sex } : {}),
    priorUse: values['prior-use'] === true,
  };
  const findings: Finding[] = [];
  const unknown: string[] = [];
  values.drug.forEach((drug, index) => {
    const ingredients = cpicDrugsInText(drug);
    if (ingredients.length === 0) {
      unknown.push(drug);
      return;
    }
    const order: DrugOrder = {
      orderRef: `command-line/${drug}`,
      orderIndex: index,
      ingredients: ingredients.map((name) => ({ name })),
      resolvedBy: 'text',
    };
    findings.push(...findingsForOrder(order, genes, patient));
  });
  if (values.json) {
    return {
      output: JSON.stringify(
        { knowledgeVersion: KNOWLEDGE_VERSION, genes, findings, unknownDrugs: unknown },
        null,
        2,
      ),
      exitCode: 0,
    };
  }
  const lines = [`CPIC knowledge ${KNOWLEDGE_VERSION}`];
  for (const g of genes) {
    lines.push(
      `${g.gene} ${g.diplotype ?? ''} → ${g.phenotype}${g.activityScore ? ` (activity score ${g.activityScore})` : ''}; lookup key ${g.lookupKey}${g.alleleFunctions ? `; ${calledWithText(g.alleleFunctions)}` : ''}${g.notes.length > 0 ? ` [${g.notes.join('; ')}]` : ''}`,
    );
  }
  for (const f of findings) lines.push(formatFinding(f));
  for (const drug of unknown) lines.push(`${drug}: no CPIC guideline`);
  if (findings.length === 0 && unknown.length === 0) lines.push('No CPIC recommendation applies.');
  return { output: lines.join('\n'), exitCode: 0 };
}

if (require.main === module) {
  const { output, exitCode } = pgxCommand(process.argv.slice(2));
  (exitCode === 0 ? console.log : console.error)(output);
  process.exitCode = exitCode;
}
