import { decideForOrder } from '../../../../src/rules/cpic';
import type { DrugOrder, GeneResult } from '../../../../src/rules/cpic';
import type { Decision } from '../../../../src/rules/types';
import { cpicDrug, cpicDrugs, cpicGuideline, cpicRow, cpicRows, guidelineRef } from '../../../reference';
import type { CpicRow } from '../../../reference';

const drugs = cpicDrugs();

function order(drug: string): DrugOrder {
  return {
    orderRef: `MedicationRequest/${drug}`,
    orderIndex: 0,
    ingredients: [{ name: drug }],
    resolvedBy: 'text',
  };
}

/** A gene result carrying exactly the lookup value a CPIC row is keyed on. */
function resultFor(gene: string, value: string): GeneResult {
  const hla = /^(\*\d+:\d+) (positive|negative)$/.exec(value);
  return {
    gene,
    phenotype: value,
    lookupKey: value,
    ...(hla?.[1] ? { alleleStatus: { [hla[1]]: hla[2] as 'positive' | 'negative' } } : {}),
    sources: [],
    reinterpreted: false,
    notes: [],
  };
}

function shownRows(decisions: readonly Decision[]): { recommendation: string; population?: string }[] {
  return decisions.flatMap((d) => [...(d.row ? [d.row] : []), ...(d.alternatives ?? []).map((a) => a.row)]);
}

const cases = Object.entries(drugs).flatMap(([drug, d]) =>
  d.guidelines.flatMap((g) => g.recommendations.map((row) => ({ drug, genes: g.genes, row }))),
);

describe('every CPIC recommendation row is reached from its lookup key', () => {
  it('covers all rows of recommendations.json', () => {
    expect(cases.length).toBe(2092);
  });

  it.each(Object.keys(drugs))('%s', (drug) => {
    const unreached: string[] = [];
    for (const c of cases.filter((x) => x.drug === drug)) {
      const genes = Object.entries(c.row.lookupKey)
        .filter(([, v]) => v !== 'No Result')
        .map(([g, v]) => resultFor(g, v));
      const population = c.row.population ?? 'general';
      const patient = {
        ...(population === 'pediatrics' ? { birthDate: '2020-01-01' } : {}),
        ...(population === 'adults' ? { birthDate: '1970-01-01' } : {}),
        priorUse: /use\s*>\s*3/i.test(population),
        now: new Date('2026-01-01T00:00:00Z'),
      };
      const decisions = decideForOrder(order(c.drug), genes, patient);
      const reached = shownRows(decisions).some(
        (r) => r.recommendation === c.row.recommendation && (r.population ?? 'general') === population,
      );
      if (!reached) unreached.push(`${JSON.stringify(c.row.lookupKey)} ${population}`);
    }
    expect(unreached).toEqual([]);
  });
});

describe('lookups', () => {
  const clopidogrelPm = cpicRows('clopidogrel', { CYP2C19: 'Poor Metabolizer' }).map(({ row }) => row);

  it('answers clopidogrel for a CYP2C19 poor metabolizer with the CPIC row, its strength and provenance', () => {
    const [decision] = decideForOrder(order('clopidogrel'), [resultFor('CYP2C19', 'Poor Metabolizer')]);
    const texts = clopidogrelPm.map((r) => r.recommendation);
    expect(texts).toContain(decision?.row?.recommendation);
    expect(decision?.row?.guideline.url).toMatch(/cpicpgx\.org/);
    expect(decision?.row?.pmids.length).toBeGreaterThan(0);
    expect(decision?.action).toBe('avoid');
    // The indication is not in the order: every CPIC population is shown.
    expect(shownRows(decision ? [decision] : []).length).toBe(clopidogrelPm.length);
    expect(decision?.knowledgeVersion).toMatch(/^cpic-\d{4}-\d{2}-\d{2}$/);
  });

  it('gives a pre-test decision when a level A gene has no result, naming the gene and the guideline', () => {
    const [decision] = decideForOrder(order('clopidogrel'), []);
    expect(decision?.action).toBe('order-test');
    expect(decision?.row).toBeUndefined();
    expect(decision?.explanation.join(' ')).toMatch(/CYP2C19 \(CPIC level A\)/);
    expect(cpicDrug('clopidogrel').cpicPairs).toContainEqual(
      expect.objectContaining({ gene: 'CYP2C19', cpicLevel: 'A' }),
    );
    expect(decision?.untestedGenes).toEqual(['CYP2C19']);
    expect(decision?.guideline).toEqual(guidelineRef(cpicGuideline('clopidogrel')));
  });

  it('names every untested level A/B gene of a two-gene guideline (thiopurines) and only those', () => {
    const [decision] = decideForOrder(order('mercaptopurine'), []);
    const guideline = cpicGuideline('mercaptopurine');
    const levelAB = guideline.genes.filter((g) =>
      cpicDrug('mercaptopurine').cpicPairs.some((p) => p.gene === g && /^[AB]/.test(p.cpicLevel ?? '')),
    );
    expect(levelAB.length).toBe(2);
    expect(decision?.action).toBe('order-test');
    expect([...(decision?.untestedGenes ?? [])].sort()).toEqual([...levelAB].sort());
    expect(decision?.guideline).toEqual(guidelineRef(guideline));
  });

  it('warfarin without results: a pre-test decision for CYP2C9 and VKORC1 with the warfarin guideline', () => {
    const [decision] = decideForOrder(order('warfarin'), []);
    const guideline = cpicGuideline('warfarin');
    // Figure 2 starts at "VKORC1 and CYP2C9*2 and *3 genotype available?" (CYP4F2 is not read: see the README).
    expect(drugs.warfarin?.decisionGraph?.nodes.n0).toMatch(/VKORC1 and CYP2C9/);
    expect(decision?.action).toBe('order-test');
    expect(decision?.untestedGenes).toEqual(['CYP2C9', 'VKORC1']);
    expect(decision?.guideline).toEqual(guidelineRef(guideline));
  });

  it('decisions with a CPIC row carry no pre-test fields', () => {
    const [decision] = decideForOrder(order('clopidogrel'), [resultFor('CYP2C19', 'Poor Metabolizer')]);
    expect(decision?.row).toBeDefined();
    expect(decision?.untestedGenes).toBeUndefined();
    expect(decision?.guideline).toBeUndefined();
  });

  it('gives nothing for a drug without CPIC guideline', () => {
    expect(decideForOrder(order('lisinopril'), [resultFor('CYP2C19', 'Poor Metabolizer')])).toEqual([]);
  });

  it('chooses pediatric or adult rows from the birth date', () => {
    const ultrarapid = { CYP2C19: 'Ultrarapid Metabolizer' };
    const now = new Date('2026-01-01T00:00:00Z');
    const child = decideForOrder(order('voriconazole'), [resultFor('CYP2C19', 'Ultrarapid Metabolizer')], {
      birthDate: '2016-05-01',
      now,
    })[0];
    const adult = decideForOrder(order('voriconazole'), [resultFor('CYP2C19', 'Ultrarapid Metabolizer')], {
      birthDate: '1960-05-01',
      now,
    })[0];
    expect(child?.row?.recommendation).toBe(
      cpicRow('voriconazole', ultrarapid, 'pediatrics').row.recommendation,
    );
    expect(adult?.row?.recommendation).toBe(cpicRow('voriconazole', ultrarapid, 'adults').row.recommendation);
  });

  it('treats a patient with no earlier use as drug-naive (phenytoin, HLA-B*15:02 positive)', () => {
    const genes = [resultFor('HLA-B', '*15:02 positive'), resultFor('CYP2C9', '2.0')];
    const [naive] = decideForOrder(order('phenytoin'), genes, {});
    const [continuing] = decideForOrder(order('phenytoin'), genes, { priorUse: true });
    expect(naive?.row?.population).toBe('PHT naive');
    expect(naive?.action).toBe('avoid');
    expect(continuing?.row?.population).toBe('PHT use >3mos');
  });

  it('uses "No Result" for an untested gene of a multi-gene guideline (thiopurines)', () => {
    const { row } = cpicRow('mercaptopurine', { TPMT: 'Poor Metabolizer', NUDT15: 'No Result' });
    const [decision] = decideForOrder(order('mercaptopurine'), [resultFor('TPMT', 'Poor Metabolizer')]);
    expect(decision?.row?.recommendation).toBe(row.recommendation);
    expect(decision?.explanation.join(' ')).toMatch(/NUDT15: no result on file/);
  });

  it('looks up only the allele a drug uses for HLA-B (abacavir *57:01)', () => {
    const hlaB: GeneResult = {
      ...resultFor('HLA-B', '*57:01 positive'),
      alleleStatus: { '*57:01': 'positive', '*15:02': 'negative', '*58:01': 'negative' },
    };
    const abacavir = decideForOrder(order('abacavir'), [hlaB])[0];
    const allopurinol = decideForOrder(order('allopurinol'), [hlaB])[0];
    expect(abacavir?.row?.lookupKey).toEqual({ 'HLA-B': '*57:01 positive' });
    expect(abacavir?.action).toBe('avoid');
    expect(allopurinol?.row?.lookupKey).toEqual({ 'HLA-B': '*58:01 negative' });
  });

  it('shows each score when a phenotype-only CYP2D6 result spans scores with different recommendations', () => {
    const im: GeneResult = {
      ...resultFor('CYP2D6', 'Intermediate Metabolizer'),
      candidateLookupKeys: ['0.25', '0.5', '0.75', '1.0'],
    };
    const [decision] = decideForOrder(order('tamoxifen'), [im]);
    const expected = new Set(
      cpicRows('tamoxifen')
        .filter(({ row }) => ['0.25', '0.5', '0.75', '1.0'].includes(row.lookupKey.CYP2D6 ?? ''))
        .map(({ row }) => `${row.strength ?? ''}|${row.recommendation}`),
    );
    const shown = new Set(
      shownRows(decision ? [decision] : []).map(
        (r) => `${(r as { strength?: string }).strength ?? ''}|${r.recommendation}`,
      ),
    );
    expect(shown).toEqual(expected);
    expect(decision?.explanation.join(' ')).toMatch(/spans CPIC activity scores/);
  });

  it('follows the warfarin figure when CYP2C9 and VKORC1 are known, and asks for the test otherwise', () => {
    const graph = cpicDrug('warfarin').decisionGraph;
    const nodes = graph?.nodes ?? {};
    const cyp2c9: GeneResult = { ...resultFor('CYP2C9', '1.0'), diplotype: '*1/*8', alleles: ['*1', '*8'] };
    const [dosed] = decideForOrder(order('warfarin'), [cyp2c9, resultFor('VKORC1', '-1639 AG')]);
    expect(dosed?.action).toBe('adjust-dose');
    // Figure 2's path for a known genotype (edges n1 → n2 → n6 for a *8 carrier): each box verbatim, one paragraph
    // each, never run together ("…algorithms For loading dose…").
    const edges = graph?.edges ?? [];
    expect(edges).toContainEqual(expect.objectContaining({ from: 'n1', to: 'n2' }));
    expect(edges).toContainEqual(expect.objectContaining({ from: 'n2', to: 'n6' }));
    expect(dosed?.row?.recommendation.split('\n\n')).toEqual([nodes.n1, nodes.n2, nodes.n6]);
    const [noCarrier] = decideForOrder(order('warfarin'), [
      { ...resultFor('CYP2C9', '1.0'), diplotype: '*1/*3', alleles: ['*1', '*3'] },
      resultFor('VKORC1', '-1639 AG'),
    ]);
    expect(noCarrier?.row?.recommendation).toBe(`${nodes.n1 ?? ''}\n\n${nodes.n2 ?? ''}`);
    expect(decideForOrder(order('warfarin'), [])[0]?.action).toBe('order-test');
  });

  it('reports a conflict instead of a recommendation', () => {
    const [decision] = decideForOrder(order('clopidogrel'), [], {}, [
      {
        gene: 'CYP2C19',
        results: [
          { source: 'Observation/a', value: '*1/*1 Normal Metabolizer' },
          { source: 'Observation/b', value: '*2/*2 Poor Metabolizer' },
        ],
      },
    ]);
    expect(decision?.row).toBeUndefined();
    expect(decision?.explanation.join(' ')).toMatch(/Conflicting current CYP2C19 results/);
  });
});

describe('actions read from the CPIC text', () => {
  const rows = cases.map((c) => c.row);
  const actionOf = (row: CpicRow): string => {
    const genes = Object.entries(row.lookupKey)
      .filter(([, v]) => v !== 'No Result')
      .map(([g, v]) => resultFor(g, v));
    const drug = cases.find((c) => c.row === row)?.drug ?? '';
    const decisions = decideForOrder(order(drug), genes, {
      ...(row.population === 'pediatrics' ? { birthDate: '2020-01-01' } : {}),
      ...(row.population === 'adults' ? { birthDate: '1970-01-01' } : {}),
      priorUse: /use\s*>\s*3/i.test(row.population ?? ''),
      now: new Date('2026-01-01T00:00:00Z'),
    });
    return decisions.find((d) => d.row?.recommendation === row.recommendation)?.action ?? 'not lead';
  };

  it('avoids the drug when CPIC says "Avoid <drug>" or "is not recommended"', () => {
    const avoidRows = rows.filter((r) =>
      /^(Avoid (?!moderate)|\w+ is not recommended)/.test(r.recommendation),
    );
    expect(avoidRows.length).toBeGreaterThan(100);
    expect(new Set(avoidRows.map(actionOf).filter((a) => a !== 'not lead'))).toEqual(new Set(['avoid']));
  });

  it('never avoids when CPIC says there is no reason or need to avoid', () => {
    const rowsSayingNo = rows.filter((r) => /no (reason|need) to avoid/i.test(r.recommendation));
    expect(rowsSayingNo.length).toBeGreaterThan(0);
    for (const r of rowsSayingNo) expect(actionOf(r)).not.toBe('avoid');
  });

  it('is standard for "Initiate therapy with recommended starting dose." alone', () => {
    const standardRows = rows.filter(
      (r) => r.recommendation === 'Initiate therapy with recommended starting dose.',
    );
    expect(standardRows.length).toBeGreaterThan(0);
    expect(new Set(standardRows.map(actionOf).filter((a) => a !== 'not lead'))).toEqual(
      new Set(['standard']),
    );
  });

  it('monitors when CPIC makes no recommendation', () => {
    const none = rows.filter((r) => r.strength === 'No recommendation');
    expect(new Set(none.map(actionOf).filter((a) => a !== 'not lead'))).toEqual(new Set(['monitor']));
  });
});
