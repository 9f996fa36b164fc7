/**
 * One pre-test rule for every drug (issue 14 item 2): when a gene the drug's guideline depends on for a Strong or
 * Moderate recommendation is untested, a pre-test finding names it, whatever other genes are known; the threshold
 * set's pre-test policy then decides it by the gene's CPIC level. Which genes a guideline depends on, their levels and
 * the policy come from the CPIC data set (`test/reference`) and the published default thresholds, not from the code;
 * whether a row's text says to avoid the drug is the service's reading of it (`row-actions.ts`, tested on its own).
 */
import { findingsForOrder } from '../../../../src/rules/cpic';
import { drugKnowledge } from '../../../../src/rules/cpic/knowledge';
import type { Finding, GeneResult } from '../../../../src/rules/cpic';
import { DEFAULT_THRESHOLDS } from '../../../../src/rules/thresholds';
import { DEFAULT_ENGINE, drugOrder, noSensorFacts } from '../../../helpers/decisions';
import { cpicCall, cpicDrug, cpicDrugs } from '../../../reference';
import type { CpicGuideline } from '../../../reference';
import { keyedResult } from '../../../fixtures/rules/builders';

/** Genes whose result (not "No Result") keys a Strong or Moderate row of the guideline, per the data set. */
function decisive(guideline: CpicGuideline): string[] {
  return guideline.genes.filter((gene) =>
    guideline.recommendations.some(
      (row) =>
        (row.strength === 'Strong' || row.strength === 'Moderate') &&
        row.lookupKey[gene] !== undefined &&
        row.lookupKey[gene] !== 'No Result',
    ),
  );
}

/** Whether CPIC's rows say one thing in each population (more than one row in each), as the data set gives them. */
function onePerPopulation(
  rows: readonly {
    readonly population?: string | null;
    readonly recommendation: string;
    readonly dosingInformation?: boolean;
  }[],
): boolean {
  // No population and `general` both read as everyone (a choice, src/rules/cpic/README.md "Population").
  const populationOf = (r: (typeof rows)[number]): string => r.population ?? 'general';
  const populations = [...new Set(rows.map(populationOf))];
  return (
    populations.length > 0 &&
    populations.every((population) => {
      const inIt = rows.filter((r) => populationOf(r) === population);
      const said = new Set(inIt.map((r) => `${r.recommendation} (dosing: ${String(r.dosingInformation)})`));
      return inIt.length > 1 && said.size === 1;
    })
  );
}

/** Whether the row says to avoid the drug and gives no dosing for when it is used all the same. */
function avoidsWithoutDosing(
  drug: string,
  row: { readonly lookupKey: Readonly<Record<string, string>>; readonly recommendation: string },
): boolean {
  const read = drugKnowledge(drug)
    ?.guidelines.flatMap((g) => g.rows)
    .find(
      (r) =>
        r.recommendation === row.recommendation &&
        Object.entries(row.lookupKey).every(([gene, value]) => r.lookupKey[gene] === value),
    );
  return read?.action === 'avoid' && !read.dosingInformation;
}

function preTestGenes(findings: readonly Finding[]): string[] {
  return findings.flatMap((f) => (f.kind === 'pre-test' ? f.untested.map((u) => u.gene) : []));
}

describe('HLA-B untested: the same pre-test treatment for every HLA-B drug', () => {
  const cyp2c9Normal = cpicCall('CYP2C9', '*1/*1');
  const known: Readonly<Record<string, GeneResult[]>> = {
    // Phenytoin and fosphenytoin with CYP2C9 known (a normal metabolizer), as in the issue.
    phenytoin: [{ ...keyedResult('CYP2C9', cyp2c9Normal.lookupKey), phenotype: cyp2c9Normal.phenotype }],
    fosphenytoin: [{ ...keyedResult('CYP2C9', cyp2c9Normal.lookupKey), phenotype: cyp2c9Normal.phenotype }],
  };
  const drugs = ['abacavir', 'allopurinol', 'carbamazepine', 'oxcarbazepine', 'phenytoin', 'fosphenytoin'];

  it.each(drugs)('%s: a pre-test finding names HLA-B, and the default policy shows it', async (drug) => {
    const guideline = cpicDrug(drug).guidelines.find((g) => g.genes.includes('HLA-B'));
    if (!guideline) throw new Error(`${drug}: no HLA-B guideline`);
    expect(decisive(guideline)).toContain('HLA-B');
    const findings = findingsForOrder(drugOrder(drug), known[drug] ?? [], { birthDate: '1970-01-01' });
    expect(preTestGenes(findings)).toContain('HLA-B');
    const level = cpicDrug(drug).cpicPairs.find((p) => p.gene === 'HLA-B')?.cpicLevel ?? '';
    const shown =
      DEFAULT_THRESHOLDS.preTest.show && DEFAULT_THRESHOLDS.preTest.levels.some((l) => level.startsWith(l));
    expect(shown).toBe(true);
    const decisions = await DEFAULT_ENGINE.evaluate(findings, noSensorFacts());
    const preTest = decisions.find((d) => d.finding.kind === 'pre-test');
    expect(preTest?.indicator).toBe(DEFAULT_THRESHOLDS.preTest.indicator);
  });

  it('phenytoin with CYP2C9 known keeps the CYP2C9 recommendation next to the HLA-B prompt', () => {
    const findings = findingsForOrder(drugOrder('phenytoin'), known.phenytoin ?? [], {
      birthDate: '1970-01-01',
    });
    expect(findings.map((f) => f.kind).sort()).toEqual(['pre-test', 'recommendation']);
  });
});

describe('a row that itself asks for the missing test', () => {
  it('sevoflurane with RYR1 uncertain and CACNA1S untested: the CPIC row only, no second prompt', () => {
    const key = { RYR1: 'Uncertain Susceptibility', CACNA1S: 'No Result' };
    const row = cpicDrug('sevoflurane').guidelines[0]?.recommendations.find(
      (r) => r.lookupKey.RYR1 === key.RYR1 && r.lookupKey.CACNA1S === key.CACNA1S,
    );
    expect(row?.recommendation).toMatch(/^No CACNA1S genotype is available/);
    const findings = findingsForOrder(drugOrder('sevoflurane'), [keyedResult('RYR1', key.RYR1)]);
    expect(findings.map((f) => f.kind)).toEqual(['recommendation']);
  });
});

describe('known results that settle the drug', () => {
  it('succinylcholine with RYR1 Malignant Hyperthermia Susceptibility: avoided with any CACNA1S, no CACNA1S prompt', () => {
    const mhs = 'Malignant Hyperthermia Susceptibility';
    const rows = cpicDrug('succinylcholine').guidelines[0]?.recommendations.filter(
      (r) => r.lookupKey.RYR1 === mhs,
    );
    expect(rows?.map((r) => r.lookupKey.CACNA1S).sort()).toEqual([
      mhs,
      'No Result',
      'Uncertain Susceptibility',
    ]);
    expect(rows?.every((r) => /contraindicated/.test(r.recommendation))).toBe(true);
    expect(rows?.every((r) => avoidsWithoutDosing('succinylcholine', r))).toBe(true);
    const findings = findingsForOrder(drugOrder('succinylcholine'), [keyedResult('RYR1', mhs)]);
    expect(findings.map((f) => f.kind)).toEqual(['recommendation']);
    // The card says why no test is asked for.
    expect(findings[0]?.explanation.join('\n')).toMatch(/^No CACNA1S result on file: .*whatever it is/m);
  });

  it('mercaptopurine with NUDT15 Poor Metabolizer: CPIC says the same whatever TPMT is, so no TPMT prompt', () => {
    const rows = cpicDrug('mercaptopurine').guidelines[0]?.recommendations.filter(
      (r) => r.lookupKey.NUDT15 === 'Poor Metabolizer',
    );
    // Several TPMT results, one text (a reduced dose for malignancy, an alternative otherwise): not "avoid".
    expect(new Set(rows?.map((r) => r.lookupKey.TPMT)).size).toBeGreaterThan(2);
    expect(onePerPopulation(rows ?? [])).toBe(true);
    expect(rows?.every((r) => avoidsWithoutDosing('mercaptopurine', r))).toBe(false);
    const findings = findingsForOrder(drugOrder('mercaptopurine'), [
      keyedResult('NUDT15', 'Poor Metabolizer'),
    ]);
    expect(findings.map((f) => f.kind)).toEqual(['recommendation']);
    expect(findings[0]?.explanation).toContain(
      'No TPMT result on file: CPIC recommends the same whatever it is, so no test is asked for',
    );
  });

  it('amitriptyline with CYP2D6 activity score 0: avoided whatever CYP2C19 is, but CYP2C19 sets the dose if used', () => {
    const rows = cpicDrug('amitriptyline').guidelines[0]?.recommendations.filter(
      (r) => r.lookupKey.CYP2D6 === '0.0',
    );
    expect(rows?.every((r) => /^Avoid/.test(r.recommendation))).toBe(true);
    expect(rows?.some((r) => /50% reduction/.test(r.recommendation))).toBe(true);
    const findings = findingsForOrder(drugOrder('amitriptyline'), [keyedResult('CYP2D6', '0.0')]);
    expect(preTestGenes(findings)).toEqual(['CYP2C19']);
  });
});

describe('every guideline, every decisive gene', () => {
  const guidelines = Object.entries(cpicDrugs()).flatMap(([drug, d]) =>
    d.decisionGraph ? [] : d.guidelines.map((guideline) => ({ drug, guideline })),
  );

  it('prompts for a decisive gene that is untested while the guideline’s other genes are known', () => {
    let checked = 0;
    const spared: string[] = [];
    for (const { drug, guideline } of guidelines) {
      for (const gene of decisive(guideline)) {
        // The other genes' values from a row CPIC keys on this gene being untested (the lookup the service makes).
        const row = guideline.recommendations.find(
          (r) =>
            r.lookupKey[gene] === 'No Result' &&
            Object.entries(r.lookupKey).every(([g, v]) => g === gene || v !== 'No Result'),
        );
        const others = guideline.genes.filter((g) => g !== gene);
        if (others.length > 0 && !row) continue;
        const genes = others.map((g) => keyedResult(g, row?.lookupKey[g] ?? ''));
        const findings = findingsForOrder(drugOrder(drug), genes, {
          birthDate: row?.population === 'pediatrics' ? '2020-01-01' : '1970-01-01',
        }).filter((f) => f.kind === 'pre-test' || f.kind === 'recommendation');
        // Unless the row the known genes give itself asks for the test (see above).
        const asksForTest = /genotype is available|further genetic testing/i.test(row?.recommendation ?? '');
        if (asksForTest) continue;
        // Unless what is known settles it: every row for the known genes, whatever this one is, says avoid and gives no
        // dosing (see below).
        const whatever = guideline.recommendations.filter((r) =>
          others.every((g) => r.lookupKey[g] === row?.lookupKey[g]),
        );
        if (whatever.every((r) => avoidsWithoutDosing(drug, r))) continue;
        // Or CPIC says one thing in each population whatever this gene is (with HLA-B*15:02 positive, carbamazepine
        // whatever HLA-A is; with TPMT Poor Metabolizer, mercaptopurine whatever NUDT15 is): a result could not change
        // the advice.
        if (onePerPopulation(whatever)) {
          expect({ drug, gene, prompted: preTestGenes(findings).includes(gene) }).toEqual({
            drug,
            gene,
            prompted: false,
          });
          spared.push(`${drug} ${gene}`);
          continue;
        }
        expect({ drug, gene, prompted: preTestGenes(findings).includes(gene) }).toEqual({
          drug,
          gene,
          prompted: true,
        });
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(60);
    expect(spared).toEqual(['carbamazepine HLA-A', 'mercaptopurine NUDT15']);
  });

  it('the policy decides by the CPIC level of the genes the prompt names (from the data set pairs)', async () => {
    const policy = DEFAULT_THRESHOLDS.preTest;
    let decided = 0;
    for (const drug of Object.keys(cpicDrugs())) {
      const findings = findingsForOrder(drugOrder(drug), [], { birthDate: '1970-01-01' });
      for (const decision of await DEFAULT_ENGINE.evaluate(findings, noSensorFacts())) {
        if (decision.finding.kind !== 'pre-test') continue;
        const levels = decision.finding.untested.map(
          (u) => cpicDrug(drug).cpicPairs.find((p) => p.gene === u.gene)?.cpicLevel ?? '',
        );
        const shown = policy.show && levels.some((l) => policy.levels.some((p) => l.startsWith(p)));
        expect({ drug, indicator: decision.indicator }).toEqual({
          drug,
          indicator: shown ? policy.indicator : 'none',
        });
        decided += 1;
      }
    }
    expect(decided).toBeGreaterThan(50);
  });

  it('never prompts for a gene no Strong or Moderate row depends on', () => {
    for (const { drug, guideline } of guidelines) {
      const findings = findingsForOrder(drugOrder(drug), [], { birthDate: '1970-01-01' });
      const prompted = preTestGenes(findings).filter((g) => guideline.genes.includes(g));
      for (const gene of prompted)
        expect({ drug, gene, decisive: decisive(guideline).includes(gene) }).toEqual({
          drug,
          gene,
          decisive: true,
        });
    }
  });
});
