import fc from 'fast-check';
import { readGeneResults } from '../../../../src/rules/cpic';
import type { GeneResult } from '../../../../src/rules/cpic';
import { readFixture } from '../../../helpers/fixtures';
import { cpicCall, cpicGene, diplotypeTable } from '../../../reference';
import type { DiplotypeRow } from '../../../reference';

function resources(name: string): unknown[] {
  return readFixture('pgx', name) as unknown[];
}

function only(name: string, sex?: string): GeneResult {
  const { results } = readGeneResults(resources(name), sex ? { sex } : {});
  expect(results).toHaveLength(1);
  return results[0] as GeneResult;
}

/** The CPIC table row for a diplotype, as the CPIC data set (knowledge/cpic) states it. */
function cpic(gene: string, diplotype: string): DiplotypeRow | undefined {
  return diplotypeTable(gene).find((r) => r[0] === diplotype);
}

describe('readGeneResults: genotype Observations (LOINC 84413-4)', () => {
  it('reads a PharmVar-coded diplotype under the https system URL with an HGNC gene component', () => {
    const r = only('genotype-pharmvar-https.json');
    expect(r.gene).toBe('CYP2C19');
    expect(r.diplotype).toBe('*2/*2');
    expect(r.phenotype).toBe(cpic('CYP2C19', '*2/*2')?.[1]);
    expect(r.sources).toEqual(['Observation/gt-cyp2c19']);
    expect(r.date).toBe('2024-03-01');
  });

  it('reads a PharmVar (http) coding whose diplotype is only in the display, gene as component text', () => {
    const r = only('genotype-pharmvar-http-display.json');
    expect(r.gene).toBe('CYP2D6');
    // *1 (1.0) + *4 (0.0) in genes.json → activity score 1.0, Intermediate Metabolizer (0 < AS < 1.25).
    expect(r.activityScore).toBe('1.0');
    expect(r.phenotype).toBe('Intermediate Metabolizer');
  });

  it('reads a ClinVar-coded genotype with the diplotype in the display', () => {
    expect(only('genotype-clinvar-display.json').phenotype).toBe(cpic('TPMT', '*1/*3A')?.[1]);
  });

  it('reads a text-only genotype with the gene only in code.text', () => {
    const r = only('genotype-text-only.json');
    expect(r.gene).toBe('SLCO1B1');
    expect(r.phenotype).toBe(cpic('SLCO1B1', '*1/*5')?.[1]);
  });

  it('maps sub-allele names and says so', () => {
    const r = only('genotype-sub-allele.json');
    expect(r.phenotype).toBe(cpic('CYP2C19', '*1/*17')?.[1]);
    expect(r.notes.join(' ')).toMatch(/\*1\.001/);
  });

  it('reads a UGT1A1 result written as TA repeats in the usual count, and says how', () => {
    // "(TA)7" is *28 (ClinVar RCV001093257; CPIC's allele definition counts it TA[8]).
    const r = only('genotype-ugt1a1-repeats.json');
    expect(r.gene).toBe('UGT1A1');
    expect(r.phenotype).toBe(cpic('UGT1A1', '*28/*28')?.[1]);
    expect(r.notes.join(' ')).toMatch(/\(TA\)7 read as CPIC allele \*28/);
  });

  it('reads a diplotype written with the lab phenotype of its day, and recomputes it under current CPIC', () => {
    const r = only('genotype-text-with-phenotype.json');
    expect(r.diplotype).toBe('*10/*10');
    // *10 is 0.25 in genes.json (CPIC lowered it from 0.5 in 2019): activity score 0.5, Intermediate Metabolizer
    // (0 < AS < 1.25), where the 2018 report said Normal Metabolizer.
    expect(cpicGene('CYP2D6').alleles['*10']?.activityValue).toBe('0.25');
    expect(r.activityScore).toBe('0.5');
    expect(r.phenotype).toBe('Intermediate Metabolizer');
    expect(r.reportedPhenotype).toBe('Normal Metabolizer');
    expect(r.reinterpreted).toBe(true);
  });

  it.each([
    ['CYP2C9', '*1/*1 (AS 2.0)', '*1/*1'],
    ['CYP2C19', '*2/*2 - Poor Metabolizer', '*2/*2'],
    ['CYP2C19', 'Intermediate Metabolizer (*1/*2)', '*1/*2'],
  ])('reads the %s diplotype of "%s" past the lab phenotype beside it', (gene, value, diplotype) => {
    const [observation] = structuredClone(resources('genotype-pharmvar-https.json')) as Record<
      string,
      unknown
    >[];
    if (!observation) throw new Error('no fixture');
    const { valueCodeableConcept: _coded, component: _gene, ...rest } = observation;
    const text = { ...rest, code: { text: `${gene} genotype` }, valueString: value };
    const [r] = readGeneResults([text]).results;
    expect(r?.diplotype).toBe(diplotype);
    expect(r?.phenotype).toBe(cpic(gene, diplotype)?.[1]);
  });

  it('reads a CYP2D6 diplotype past a statement that the copy number is normal, never past one that it is not', () => {
    const [observation] = resources('genotype-text-with-phenotype.json') as Record<string, unknown>[];
    const read = (value: string) => readGeneResults([{ ...observation, valueString: value }]).results[0];
    for (const value of [
      '*1/*4; no duplication or deletion detected',
      '*1/*4, no CNV detected',
      '*1/*4 (copy number: 2)',
      '*1/*4 (gene duplication/deletion: negative)',
    ]) {
      expect([value, read(value)?.diplotype, read(value)?.unreadable]).toEqual([value, '*1/*4', undefined]);
    }
    // A duplication found but not written in the diplotype (`*1/*4x2`) is not read past.
    for (const value of ['*1/*4; duplication detected', '*1/*4; duplication'])
      expect(read(value)?.unreadable).toBeDefined();
  });

  it.each(['CYP2D6: *1/*4', 'CYP2D6 genotype: *1/*4', 'Genotype: *1/*4', 'CYP2D6 - *1/*4'])(
    'reads the diplotype after a label: "%s"',
    (value) => {
      const [observation] = resources('genotype-text-with-phenotype.json') as Record<string, unknown>[];
      const [r] = readGeneResults([{ ...observation, valueString: value }]).results;
      expect(r?.diplotype).toBe('*1/*4');
      expect(r?.unreadable).toBeUndefined();
    },
  );

  it('takes a result that says the test was not done for no result: the gene is untested, not unreadable', () => {
    const [observation] = resources('genotype-text-with-phenotype.json') as Record<string, unknown>[];
    for (const value of ['Test not performed', 'Not tested', 'QNS', 'Insufficient sample.']) {
      const reading = readGeneResults([{ ...observation, valueString: value }]);
      expect(reading.results).toEqual([]);
      expect(reading.ignored[0]?.reason).toMatch(/^CYP2D6 test not done/);
    }
    const [summary] = resources('panel-text.json') as Record<string, unknown>[];
    const panel = readGeneResults([{ ...summary, valueString: 'CYP2C19: *1/*2; CYP2C9: not tested' }]);
    expect(panel.results.map((r) => r.gene)).toEqual(['CYP2C19']);
  });

  it('keeps the lab phenotype of an uncoded result whose diplotype it cannot read, and denies none', () => {
    const [observation] = structuredClone(resources('genotype-text-with-phenotype.json')) as Record<
      string,
      unknown
    >[];
    const unknown = { ...observation, valueString: '*4/*999 (Poor Metabolizer)' };
    const [r] = readGeneResults([unknown]).results;
    expect(r?.phenotype).toBe('Poor Metabolizer');
    expect(r?.readings?.map((x) => x.kind)).toEqual(['lab-phenotype']);
    const denied = { ...observation, valueString: '*10/*10 (Poor Metabolizer: No)' };
    expect(readGeneResults([denied]).results[0]?.unreadable).toBeDefined();
    const phenotypeText = {
      ...observation,
      code: { text: 'CYP2D6 phenotype' },
      valueString: 'Poor Metabolizer: No',
    };
    expect(readGeneResults([phenotypeText]).results[0]?.unreadable).toBe(
      'CYP2D6 phenotype "Poor Metabolizer: No" is not a term CPIC uses',
    );
  });

  it('gives Indeterminate with the reason for an unknown allele', () => {
    const r = only('unknown-allele.json');
    expect(r.phenotype).toBe('Indeterminate');
    expect(r.notes.join(' ')).toMatch(/\*999/);
  });

  it('reads G6PD with two X alleles', () => {
    // genes.json G6PD ruleEvidence: A- 202A_376G/B (reference) → Variable.
    expect(only('g6pd.json', 'female').phenotype).toBe('Variable');
  });
});

describe('readGeneResults: haplotypes, phenotypes, therapeutic implications', () => {
  it('pairs two haplotype Observations into a diplotype', () => {
    const r = only('haplotypes-pair.json');
    expect(r.gene).toBe('CYP2C9');
    expect(r.lookupKey).toBe(cpic('CYP2C9', '*1/*3')?.[2]);
    expect(r.sources).toEqual(['Observation/hap-1', 'Observation/hap-2']);
  });

  it('reads a legacy 53040-2 phenotype coded with a LOINC answer; CYP2D6 poor metabolizer means score 0', () => {
    const r = only('phenotype-legacy-53040-2.json');
    expect(r.phenotype).toBe('Poor Metabolizer');
    // genes.json CYP2D6 activityScoreRules: Poor Metabolizer is AS == 0.
    expect(r.lookupKey).toBe('0.0');
  });

  it('reads a therapeutic implication with the phenotype in a component', () => {
    expect(only('therapeutic-implication.json').phenotype).toBe('Ultrarapid Metabolizer');
  });

  it('reads a phenotype written as text; a DPYD poor metabolizer spans scores 0.0 and 0.5', () => {
    const r = only('phenotype-text.json');
    expect(r.gene).toBe('DPYD');
    // genes.json DPYD activityScoreToPhenotype: 0.0 and 0.5 are both Poor Metabolizer.
    expect(r.candidateLookupKeys).toEqual(['0.0', '0.5']);
  });

  it('keeps a phenotype in words CPIC does not use as a result it could not read, never as no result', () => {
    // A 2012 report: "Extensive metabolizer" is not among CPIC's CYP2D6 phenotype terms.
    expect(cpicGene('CYP2D6').phenotypes).not.toContain('Extensive Metabolizer');
    const { results, ignored } = readGeneResults(resources('phenotype-legacy-term.json'));
    expect(ignored).toEqual([]);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      gene: 'CYP2D6',
      phenotype: 'Indeterminate',
      sources: ['Observation/ph-cyp2d6-2012'],
    });
    expect(results[0]?.unreadable).toMatch(/"Extensive metabolizer" is not a term CPIC uses/);
  });

  it('lets a phenotype it reads settle one it cannot read on the same day', () => {
    const legacy = resources('phenotype-legacy-term.json')[0] as Record<string, unknown>;
    const read = { ...legacy, id: 'ph-cyp2d6-read', valueString: 'Poor metabolizer' };
    const [result] = readGeneResults([legacy, read]).results;
    expect(result?.phenotype).toBe('Poor Metabolizer');
    expect(result?.unreadable).toBeUndefined();
  });

  it('flags a lab phenotype that current CPIC re-interprets', () => {
    const r = only('reinterpretation.json');
    expect(r.reportedPhenotype).toBe('Normal Metabolizer');
    expect(r.phenotype).toBe(cpic('CYP2C19', '*1/*17')?.[1]);
    // CPIC's table calls *1/*17 something else than the lab's "Normal metabolizer".
    expect(cpic('CYP2C19', '*1/*17')?.[1]).not.toBe('Normal Metabolizer');
    expect(r.reinterpreted).toBe(true);
    expect(r.sources).toEqual(['Observation/ri-gt', 'Observation/ri-ph']);
  });
});

describe('readGeneResults: one result naming several genes', () => {
  const [summary, twoGenes] = resources('panel-text.json');

  it('reads each gene of a panel summary in text as its own result from the same source', () => {
    const { results } = readGeneResults([summary]);
    expect(results.map((r) => [r.gene, r.diplotype, r.sources])).toEqual([
      ['CYP2C19', '*1/*2', ['Observation/pgx-summary']],
      ['CYP2D6', '*1/*4', ['Observation/pgx-summary']],
      ['SLCO1B1', '*1/*5', ['Observation/pgx-summary']],
    ]);
    expect(results[0]?.phenotype).toBe(cpic('CYP2C19', '*1/*2')?.[1]);
    expect(results[2]?.phenotype).toBe(cpic('SLCO1B1', '*1/*5')?.[1]);
    expect(results[1]?.reportedPhenotype).toBe('Intermediate Metabolizer');
  });

  it('does not guess which of two genes its code names a bare value is for', () => {
    const { results } = readGeneResults([twoGenes]);
    expect(results.map((r) => [r.gene, r.phenotype])).toEqual([
      ['CYP2C9', 'Indeterminate'],
      ['VKORC1', 'Indeterminate'],
    ]);
    expect(results.every((r) => r.unreadable !== undefined)).toBe(true);
  });
});

describe('readGeneResults: the CPIC allele functions a result was called with', () => {
  it('dates a genotype call with the allele functions of its gene, as the CPIC data set dates them', () => {
    expect(only('genotype-pharmvar-https.json').alleleFunctions).toBe(cpicGene('CYP2C19').dataVersion);
    // CYP2D6's activity values and allele functions come from different CPIC releases, and are dated each.
    expect(only('genotype-pharmvar-http-display.json').alleleFunctions).toBe(cpicGene('CYP2D6').dataVersion);
    expect(cpicGene('CYP2D6').dataVersion).toMatch(/ \/ /);
    expect(only('haplotypes-pair.json').alleleFunctions).toBe(cpicGene('CYP2C9').dataVersion);
  });

  it('gives no date to a phenotype the laboratory called, or to a gene CPIC does not date', () => {
    expect(only('phenotype-text.json').alleleFunctions).toBeUndefined();
    expect(only('phenotype-legacy-53040-2.json').alleleFunctions).toBeUndefined();
    expect(cpicGene('HLA-B').dataVersion ?? null).toBeNull();
    expect(only('hla-genotype.json').alleleFunctions).toBeUndefined();
  });
});

describe('readGeneResults: HLA', () => {
  it('reads allele-specific [Presence] results coded by LOINC or only by text', () => {
    const { results } = readGeneResults(resources('hla-presence.json'));
    const hlaB = results.find((r) => r.gene === 'HLA-B');
    const hlaA = results.find((r) => r.gene === 'HLA-A');
    expect(hlaB?.alleleStatus).toEqual({ '*15:02': 'negative', '*57:01': 'positive' });
    expect(hlaA?.alleleStatus).toEqual({ '*31:01': 'negative' });
  });

  it('reads an HLA genotype as carrier status of each CPIC risk allele', () => {
    expect(only('hla-genotype.json').alleleStatus).toEqual({
      '*15:02': 'negative',
      '*57:01': 'negative',
      '*58:01': 'positive',
    });
  });
});

describe('readGeneResults: status, newest and conflicts', () => {
  it('ignores entered-in-error and cancelled results and keeps amended ones', () => {
    const { results, ignored } = readGeneResults(resources('statuses.json'));
    expect(results.map((r) => r.diplotype)).toEqual(['*3/*3']);
    expect(ignored.map((i) => i.source).sort()).toEqual(['Observation/cancel', 'Observation/err']);
  });

  it('lets the newest result win', () => {
    expect(only('newest-wins.json').diplotype).toBe('*1/*2');
  });

  it('reports same-day disagreeing results as a conflict and gives no result', () => {
    const { results, conflicts } = readGeneResults(resources('conflict.json'));
    expect(results).toEqual([]);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]?.gene).toBe('CYP2C19');
    expect(conflicts[0]?.results.map((r) => r.source)).toEqual(['Observation/c-2', 'Observation/c-1']);
    // Each result as it reads alone (*2/*2 and *1/*1): what a guideline would look up if the laboratory confirms it.
    expect(conflicts[0]?.results.map((r) => [r.alone?.diplotype, r.alone?.phenotype])).toEqual([
      ['*2/*2', cpicCall('CYP2C19', '*2/*2').phenotype],
      ['*1/*1', cpicCall('CYP2C19', '*1/*1').phenotype],
    ]);
  });

  it('ignores resources that are not Observations and values that are not FHIR', () => {
    const { results } = readGeneResults([null, 'x', { resourceType: 'Patient' }, 42]);
    expect(results).toEqual([]);
  });
});

describe('readGeneResults: any text a laboratory may write', () => {
  it('reads every value made of genes, alleles, phenotypes, labels and separators: no throw, each gene once, CPIC terms only', () => {
    const part = fc.constantFrom(
      'CYP2C19',
      'CYP2D6',
      'HLA-B',
      'VKORC1',
      'DPYD',
      'RYR1',
      '*1/*2',
      '*4/*4',
      '*5701',
      '*57:01',
      '-1639 AG',
      'c.1905+1G>A',
      'Reference',
      'heterozygous',
      'homozygous',
      '(Poor Metabolizer)',
      'Normal Metabolizer',
      'positive',
      'not detected',
      'No',
      'Genotype:',
      'not tested',
      ';',
      ',',
      '|',
      '\n',
      ' - ',
      ':',
      '(',
      ')',
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 14 }), fc.array(part, { maxLength: 4 }), (value, code) => {
        const observation = {
          resourceType: 'Observation',
          id: 'any',
          status: 'final',
          code: { text: code.join(' ') },
          subject: { reference: 'Patient/p1' },
          effectiveDateTime: '2024-01-01',
          valueString: value.join(' '),
        };
        const { results } = readGeneResults([observation]);
        const genes = results.map((r) => r.gene);
        expect(new Set(genes).size).toBe(genes.length);
        // Never a phenotype CPIC does not have: a term of the gene, an HLA allele status, or Indeterminate.
        for (const r of results) {
          const terms = [...cpicGene(r.gene).phenotypes, 'Indeterminate'];
          if (r.alleleStatus) expect(r.phenotype).toMatch(/^(\*\d+:\d+ (positive|negative|possible)(, )?)+$/);
          else expect(terms).toContain(r.phenotype);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('reads a diplotype the same however a laboratory spaces it, and with its own phenotype after it', () => {
    const genes = ['CYP2C19', 'CYP2C9', 'TPMT', 'NUDT15', 'CYP3A5', 'SLCO1B1'] as const;
    const rows = genes.flatMap((gene) =>
      diplotypeTable(gene)
        .filter(([diplotype, phenotype]) => /^\*\w+\/\*\w+$/.test(diplotype) && phenotype !== 'Indeterminate')
        .map((row) => [gene, row] as const),
    );
    const space = fc.constantFrom('', ' ', '  ', '\t');
    const after = fc.constantFrom('', 'heterozygous', 'phenotype');
    fc.assert(
      fc.property(fc.constantFrom(...rows), space, space, space, space, after, (pick, a, b, c, d, tail) => {
        const [gene, [diplotype, phenotype]] = pick;
        const [first, second] = diplotype.split('/') as [string, string];
        // A word after the alleles needs a space before it ("*1/*3Cheterozygous" names no allele).
        const heterozygous = first !== second && tail === 'heterozygous' ? `${d || ' '}heterozygous` : '';
        const stated = tail === 'phenotype' ? `${d};${d}${phenotype}` : heterozygous;
        const observation = {
          resourceType: 'Observation',
          id: 'spaced',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '84413-4' }], text: `${gene} genotype` },
          effectiveDateTime: '2024-01-01',
          valueString: `${a}${first}${b}/${c}${second}${stated}${a}`,
        };
        const [result] = readGeneResults([observation]).results;
        expect([observation.valueString, result?.phenotype]).toEqual([observation.valueString, phenotype]);
      }),
      { numRuns: 1500 },
    );
  });
});
