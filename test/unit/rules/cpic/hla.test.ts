/**
 * HLA results in every shape (GL String with and without namespace/version, `/` and `|` ambiguity, longer-field
 * alleles, IMGT/HLA haplotypes, allele-specific presence results, free text) → the status of each CPIC risk allele,
 * and the CPIC row each HLA drug gets. Risk alleles and expected rows come from the CPIC data set (`test/reference`).
 */
import { findingsForOrder, readGeneResults, rowOf } from '../../../../src/rules/cpic';
import type { DrugOrder, Finding, GeneResult } from '../../../../src/rules/cpic';
import { parseGlString, riskAlleleStatus } from '../../../../src/rules/cpic/hla';
import { readFixture } from '../../../helpers/fixtures';
import { cpicDrug, cpicGene, cpicRow, cpicRows } from '../../../reference';

interface ShapeCase {
  readonly about: string;
  readonly resources: unknown[];
}

const shapes = (readFixture('pgx', 'hla-shapes.json') as { cases: Record<string, ShapeCase> }).cases;

function shape(name: string): unknown[] {
  const found = shapes[name];
  if (!found) throw new Error(`no HLA fixture case ${name}`);
  return found.resources;
}

function result(name: string, gene: string): GeneResult {
  const reading = readGeneResults(shape(name));
  const found = reading.results.find((r) => r.gene === gene);
  if (!found) throw new Error(`${name}: no ${gene} result (${JSON.stringify(reading.ignored)})`);
  return found;
}

/** Every CPIC risk allele of a gene (genes.json) with one status, then the exceptions. */
function statuses(
  gene: string,
  others: 'negative' | undefined,
  exceptions: Readonly<Record<string, string>>,
): Record<string, string> {
  const all = Object.keys(cpicGene(gene).alleles);
  for (const allele of Object.keys(exceptions)) expect(all).toContain(allele);
  return {
    ...(others ? Object.fromEntries(all.map((a) => [a, others])) : {}),
    ...exceptions,
  };
}

function order(drug: string): DrugOrder {
  return {
    orderRef: `MedicationRequest/${drug}`,
    orderIndex: 0,
    ingredients: [{ name: drug }],
    resolvedBy: 'text',
  };
}

function findingsFor(drug: string, genes: readonly GeneResult[]): Finding[] {
  return findingsForOrder(order(drug), genes, { birthDate: '1970-01-01' });
}

/** The CPIC row the drug's recommendation rests on (a pre-test prompt for another, untested gene may come with it). */
function onlyRow(drug: string, genes: readonly GeneResult[]): NonNullable<ReturnType<typeof rowOf>> {
  const findings = findingsFor(drug, genes).filter((f) => f.kind !== 'pre-test');
  expect(findings).toHaveLength(1);
  const row = findings[0] ? rowOf(findings[0]) : undefined;
  if (!row) throw new Error(`${drug}: no row (${findings.map((f) => f.kind).join(', ')})`);
  return row;
}

/** The genes a pre-test prompt of the drug's findings names. */
function preTestGenes(drug: string, genes: readonly GeneResult[]): string[] {
  return findingsFor(drug, genes).flatMap((f) =>
    f.kind === 'pre-test' ? f.untested.map((u) => u.gene) : [],
  );
}

describe('HLA GL Strings (http://glstring.org)', () => {
  it('reads a versioned GL String coding with three-field alleles as *57:01 positive', () => {
    const r = result('gl-versioned', 'HLA-B');
    expect(r.alleleStatus).toEqual(statuses('HLA-B', 'negative', { '*57:01': 'positive' }));
    expect(r.diplotype).toBe('*57:01:01+*08:01:01');
    expect(r.readings).toMatchObject([{ source: 'Observation/hla-gl-1', kind: 'genotype', text: false }]);
    expect(r.sources).toEqual(['Observation/hla-gl-1']);
  });

  it('reads a GL String with a namespace and no version', () => {
    expect(result('gl-namespace-only', 'HLA-B').alleleStatus).toEqual(
      statuses('HLA-B', 'negative', { '*15:02': 'positive' }),
    );
  });

  it('reads a GL String written in valueCodeableConcept.text without any prefix', () => {
    const r = result('gl-text-no-prefix', 'HLA-B');
    expect(r.alleleStatus).toEqual(statuses('HLA-B', 'negative', { '*58:01': 'positive' }));
    expect(r.readings?.[0]?.text).toBe(true);
  });

  it('keeps allele ambiguity (/) that includes the risk allele as possible, and says so', () => {
    const r = result('gl-allele-ambiguity', 'HLA-B');
    expect(r.alleleStatus).toEqual(statuses('HLA-B', 'negative', { '*57:01': 'possible' }));
    expect(r.phenotype).toMatch(/\*57:01 possible/);
  });

  it('keeps genotype ambiguity (|) that includes the risk allele in one genotype as possible', () => {
    expect(result('gl-genotype-ambiguity', 'HLA-B').alleleStatus).toEqual(
      statuses('HLA-B', 'negative', { '*58:01': 'possible' }),
    );
  });

  it('reads ambiguity whose every alternative lacks the risk alleles as negative', () => {
    expect(result('gl-ambiguity-all-negative', 'HLA-B').alleleStatus).toEqual(
      statuses('HLA-B', 'negative', {}),
    );
  });

  it('keeps low-resolution typing (one field, NMDP code) of the risk allele group as possible', () => {
    expect(result('gl-low-resolution', 'HLA-B').alleleStatus).toEqual(
      statuses('HLA-B', 'negative', { '*57:01': 'possible' }),
    );
  });

  it('reads both loci of a GL String joined by ^, from one Observation listed once per gene', () => {
    expect(result('gl-two-loci', 'HLA-A').alleleStatus).toEqual(
      statuses('HLA-A', 'negative', { '*31:01': 'positive' }),
    );
    const b = result('gl-two-loci', 'HLA-B');
    expect(b.alleleStatus).toEqual(statuses('HLA-B', 'negative', { '*15:02': 'positive' }));
    expect(b.sources).toEqual(['Observation/hla-gl-8']);
  });

  it('treats a longer-field allele as its two-field risk allele and another protein as different', () => {
    const [typing] = parseGlString('HLA-B*57:01:01:02L+HLA-B*57:03') ?? [];
    expect(typing && riskAlleleStatus(typing, ['*57:01', '*57:03', '*57:02'])).toEqual({
      '*57:01': 'positive',
      '*57:03': 'positive',
      '*57:02': 'negative',
    });
  });
});

describe('HLA haplotypes, presence results and free text', () => {
  it('pairs IMGT/HLA-coded haplotypes into one result, each source listed once as a haplotype', () => {
    const r = result('imgt-haplotypes', 'HLA-B');
    expect(r.alleleStatus).toEqual(statuses('HLA-B', 'negative', { '*57:01': 'positive' }));
    expect(r.readings?.map((x) => [x.source, x.kind])).toEqual([
      ['Observation/hla-hap-1', 'haplotype'],
      ['Observation/hla-hap-2', 'haplotype'],
    ]);
  });

  it('asserts only the risk alleles present from a lone haplotype (the other chromosome is unknown)', () => {
    const [one] = shape('imgt-haplotypes');
    const r = readGeneResults([one]).results[0];
    expect(r?.alleleStatus).toEqual({ '*57:01': 'positive' });
  });

  it('reads SNOMED CT Detected / Not detected answers of allele-specific presence results', () => {
    const r = result('presence-snomed', 'HLA-B');
    expect(r.alleleStatus).toEqual(
      statuses('HLA-B', undefined, { '*57:01': 'positive', '*15:02': 'negative' }),
    );
    expect(r.readings?.map((x) => x.kind)).toEqual(['presence', 'presence']);
  });

  it.each([
    ['Not present', 'negative'],
    ['None detected', 'negative'],
    ['Not positive', 'negative'],
    ['Detected: No', 'negative'],
    ['NEG', 'negative'],
    ['POS', 'positive'],
    ['Present - no further testing needed', 'positive'],
    ['Positive (no other risk alleles tested)', 'positive'],
    ['Presumptive positive', 'possible'],
    ['Weakly positive', 'possible'],
  ])('reads the presence answer "%s" as %s', (answer, status) => {
    const [presence] = structuredClone(shape('presence-pre-2010-names')) as { valueString: string }[];
    if (!presence) throw new Error('no presence fixture');
    presence.valueString = answer;
    expect(readGeneResults([presence]).results[0]?.alleleStatus).toEqual({ '*57:01': status });
  });

  it('keeps an inconclusive presence result as possible', () => {
    expect(result('presence-inconclusive', 'HLA-B').alleleStatus).toEqual({ '*57:01': 'possible' });
  });

  it('reads a free-text screen report clause by clause', () => {
    const r = result('text-report', 'HLA-B');
    expect(r.alleleStatus).toEqual(
      statuses('HLA-B', undefined, { '*58:01': 'positive', '*15:02': 'negative', '*57:01': 'negative' }),
    );
    expect(r.readings).toMatchObject([{ source: 'Observation/hla-txt-1', kind: 'presence', text: true }]);
  });

  it('reads a free-text typing of two alleles', () => {
    expect(result('text-typing', 'HLA-B').alleleStatus).toEqual(
      statuses('HLA-B', 'negative', { '*57:01': 'positive' }),
    );
  });

  it('reads allele names written before April 2010 without colons (B*5701 is B*57:01, never a group "570")', () => {
    expect(result('presence-pre-2010-names', 'HLA-B').alleleStatus).toEqual({ '*57:01': 'positive' });
    const typing = result('text-typing-pre-2010', 'HLA-B');
    expect(typing.alleleStatus).toEqual(statuses('HLA-B', 'negative', { '*57:01': 'positive' }));
    expect(typing.diplotype).toBe('*57:01:01+*35:01');
  });

  it('reads presence results sent as bare LOINC and SNOMED CT / LOINC answer codes', () => {
    const r = result('presence-codes-only', 'HLA-B');
    expect(r.alleleStatus).toEqual({ '*57:01': 'positive', '*15:02': 'negative' });
    const unknownAnswer = structuredClone(shape('presence-codes-only')[0]) as {
      valueCodeableConcept: unknown;
    };
    unknownAnswer.valueCodeableConcept = { coding: [{ system: 'http://snomed.info/sct', code: '82334004' }] };
    const unread = readGeneResults([unknownAnswer]).results[0];
    expect(unread?.phenotype).toBe('Indeterminate');
    expect(unread?.unreadable).toBeDefined();
  });

  it('lets a same-day definite presence result settle an ambiguous typing, and conflicts positive vs negative', () => {
    const settled = readGeneResults([...shape('gl-allele-ambiguity'), ...shape('presence-snomed')]);
    expect(settled.results[0]?.alleleStatus?.['*57:01']).toBe('positive');
    const negative = structuredClone(shape('presence-snomed')[0]) as { valueCodeableConcept: unknown };
    negative.valueCodeableConcept = { text: 'Not detected' };
    const conflict = readGeneResults([...shape('gl-versioned'), negative]);
    expect(conflict.results).toEqual([]);
    expect(conflict.conflicts[0]?.gene).toBe('HLA-B');
    // Each side read alone: the typing says *57:01 positive, the presence result negative.
    const alone = conflict.conflicts[0]?.results.map((r) => r.alone?.alleleStatus?.['*57:01']);
    expect([...(alone ?? [])].sort()).toEqual(['negative', 'positive']);
  });
});

describe('HLA drugs get the CPIC row of their risk allele from every shape', () => {
  /** For each population, how many different texts CPIC's HLA-B*15:02 positive rows give over `gene`'s results. */
  const advicePerPopulation = (drug: string, gene: string): number[] => {
    const texts = new Map<string, Set<string>>();
    for (const { row } of cpicRows(drug)) {
      if (row.lookupKey['HLA-B'] !== '*15:02 positive' || row.lookupKey[gene] === undefined) continue;
      texts.set(
        String(row.population),
        (texts.get(String(row.population)) ?? new Set()).add(row.recommendation),
      );
    }
    return [...texts.values()].map((t) => t.size);
  };
  const naive = (drug: string): string =>
    `${drug === 'carbamazepine' ? 'CBZ' : drug === 'oxcarbazepine' ? 'OXC' : 'PHT'} naive`;

  it('abacavir: HLA-B*57:01 positive from a GL String', () => {
    expect(onlyRow('abacavir', [result('gl-versioned', 'HLA-B')]).recommendation).toBe(
      cpicRow('abacavir', { 'HLA-B': '*57:01 positive' }).row.recommendation,
    );
  });

  it('abacavir: HLA-B*57:01 positive from a test named before 2010 and from a bare-coded presence result', () => {
    const positive = cpicRow('abacavir', { 'HLA-B': '*57:01 positive' }).row.recommendation;
    expect(onlyRow('abacavir', [result('presence-pre-2010-names', 'HLA-B')]).recommendation).toBe(positive);
    expect(onlyRow('abacavir', [result('presence-codes-only', 'HLA-B')]).recommendation).toBe(positive);
  });

  it('allopurinol with an HLA-B result that does not test *58:01: asks for the *58:01 test, no row-less card', () => {
    // The presence result tests *57:01 only; CPIC's allopurinol rows key on *58:01.
    const genes = [result('presence-pre-2010-names', 'HLA-B')];
    expect(genes[0]?.alleleStatus).toEqual({ '*57:01': 'positive' });
    const findings = findingsFor('allopurinol', genes);
    expect(findings.map((f) => (f.kind === 'pre-test' ? f.untested : f.kind))).toEqual([
      [
        {
          gene: 'HLA-B',
          allele: '*58:01',
          level: cpicDrug('allopurinol').cpicPairs.find((p) => p.gene === 'HLA-B')?.cpicLevel,
        },
      ],
    ]);
    // A lab phenotype of *57:01 is read the same way, as that allele's status.
    const phenotype = readGeneResults([
      {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'HLA-B' },
        subject: { reference: 'Patient/hla-1' },
        effectiveDateTime: '2019-04-02',
        valueString: '*57:01 positive',
      },
    ]).results;
    expect(phenotype[0]?.alleleStatus).toEqual({ '*57:01': 'positive' });
    expect(findingsFor('allopurinol', phenotype).map((f) => f.kind)).toEqual(['pre-test']);
  });

  it('allopurinol: HLA-B*58:01 positive from a GL String without prefix and from a text report', () => {
    const expected = cpicRow('allopurinol', { 'HLA-B': '*58:01 positive' }).row.recommendation;
    expect(onlyRow('allopurinol', [result('gl-text-no-prefix', 'HLA-B')]).recommendation).toBe(expected);
    expect(onlyRow('allopurinol', [result('text-report', 'HLA-B')]).recommendation).toBe(expected);
  });

  it.each(['oxcarbazepine', 'carbamazepine'])('%s: HLA-B*15:02 positive from a GL String', (drug) => {
    const genes = [result('gl-namespace-only', 'HLA-B')];
    const key =
      drug === 'carbamazepine'
        ? { 'HLA-A': 'No Result', 'HLA-B': '*15:02 positive' }
        : { 'HLA-B': '*15:02 positive' };
    expect(onlyRow(drug, genes).recommendation).toBe(cpicRow(drug, key, naive(drug)).row.recommendation);
    // Carbamazepine's HLA-A*31:01 is untested, but with HLA-B*15:02 positive CPIC says one thing in each population
    // whatever HLA-A is: the test could not change the advice, so none is asked for, and the card says why.
    if (drug === 'carbamazepine') expect(advicePerPopulation(drug, 'HLA-A')).toEqual([1, 1, 1]);
    expect(preTestGenes(drug, genes)).toEqual([]);
    if (drug === 'carbamazepine')
      expect(findingsFor(drug, genes)[0]?.explanation).toContain(
        'No HLA-A result on file: CPIC recommends the same whatever it is, so no test is asked for',
      );
  });

  it.each(['phenytoin', 'fosphenytoin'])('%s: HLA-B*15:02 positive leads whatever CYP2C9 says', (drug) => {
    const genes = [result('gl-namespace-only', 'HLA-B')];
    const row = onlyRow(drug, genes);
    expect(row.lookupKey['HLA-B']).toBe('*15:02 positive');
    expect(row.recommendation).toBe(
      cpicRow(drug, { CYP2C9: 'No Result', 'HLA-B': '*15:02 positive' }, naive(drug)).row.recommendation,
    );
    // CPIC's rows for HLA-B*15:02 positive say one thing for the phenytoin-naive patient and one for the patient who
    // took it before, whatever CYP2C9 is: no CYP2C9 test is asked for beside the advice to avoid it.
    expect(advicePerPopulation(drug, 'CYP2C9')).toEqual([1, 1]);
    expect(preTestGenes(drug, genes)).toEqual([]);
  });

  it('carbamazepine: HLA-A*31:01 and HLA-B*15:02 from one two-locus GL String', () => {
    const genes = [result('gl-two-loci', 'HLA-A'), result('gl-two-loci', 'HLA-B')];
    expect(onlyRow('carbamazepine', genes).recommendation).toBe(
      cpicRow('carbamazepine', { 'HLA-A': '*31:01 positive', 'HLA-B': '*15:02 positive' }, 'CBZ naive').row
        .recommendation,
    );
  });

  it('abacavir with *57:01 possible: the positive row leads, the negative row follows, and the why says so', () => {
    const [finding] = findingsFor('abacavir', [result('gl-allele-ambiguity', 'HLA-B')]);
    if (finding?.kind !== 'recommendation') throw new Error('expected a recommendation');
    expect(finding.row.recommendation).toBe(
      cpicRow('abacavir', { 'HLA-B': '*57:01 positive' }).row.recommendation,
    );
    expect(finding.alternatives.map((a) => a.row.recommendation)).toEqual([
      cpicRow('abacavir', { 'HLA-B': '*57:01 negative' }).row.recommendation,
    ]);
    expect(finding.explanation.join('\n')).toMatch(/HLA-B\*57:01 possible/);
  });

  it('allopurinol with *58:01 possible from genotype ambiguity is never read as negative', () => {
    const row = onlyRow('allopurinol', [result('gl-genotype-ambiguity', 'HLA-B')]);
    expect(row.recommendation).toBe(
      cpicRow('allopurinol', { 'HLA-B': '*58:01 positive' }).row.recommendation,
    );
  });
});

describe('an HLA result the service cannot read', () => {
  it('is on file as Indeterminate (never untested): the guideline says it has no row, and no test is prompted', () => {
    const [observation] = shape('text-typing');
    const unreadable = { ...(observation as object), valueString: 'See scanned report' };
    const [result] = readGeneResults([unreadable]).results;
    expect(result?.phenotype).toBe('Indeterminate');
    expect(result?.notes.join(' ')).toMatch(/names no HLA allele/);
    const kinds = findingsFor('abacavir', result ? [result] : []).map((f) => f.kind);
    expect(kinds).toEqual(['no-row']);
  });
});
