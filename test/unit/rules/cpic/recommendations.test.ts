import { findingsForOrder, guidelineOf, populationWords, rowOf } from '../../../../src/rules/cpic';
import type { DrugOrder, Finding, GeneResult, PreTestFinding } from '../../../../src/rules/cpic';
import {
  cpicDrug,
  cpicDrugs,
  cpicGuideline,
  cpicRow,
  cpicRows,
  guidelineRef,
  guidelineUrl,
} from '../../../reference';
import type { CpicRow } from '../../../reference';
import { keyedResult } from '../../../fixtures/rules/builders';

const drugs = cpicDrugs();

function order(drug: string): DrugOrder {
  return {
    orderRef: `MedicationRequest/${drug}`,
    orderIndex: 0,
    ingredients: [{ name: drug }],
    resolvedBy: 'text',
  };
}

/** The CPIC rows a card for these findings shows: each finding's row and a recommendation's alternatives. */
function shownRows(findings: readonly Finding[]): { recommendation: string; population?: string }[] {
  return findings.flatMap((f) => {
    const row = rowOf(f);
    return [...(row ? [row] : []), ...(f.kind === 'recommendation' ? f.alternatives.map((a) => a.row) : [])];
  });
}

/** The one finding of an order, which must be a pre-test finding (fails the test otherwise). */
function preTestFinding(findings: readonly Finding[]): PreTestFinding {
  const [finding] = findings;
  if (findings.length !== 1 || finding?.kind !== 'pre-test')
    throw new Error(`expected one pre-test finding, got ${findings.map((f) => f.kind).join(', ')}`);
  return finding;
}

/** The CPIC level of a drug–gene pair as the data set's `cpicPairs` gives it. */
function cpicLevel(drug: string, gene: string): string | null | undefined {
  return cpicDrug(drug).cpicPairs.find((p) => p.gene === gene)?.cpicLevel;
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
        .map(([g, v]) => keyedResult(g, v));
      const population = c.row.population ?? 'general';
      const patient = {
        ...(population === 'pediatrics' ? { birthDate: '2020-01-01' } : {}),
        ...(population === 'adults' ? { birthDate: '1970-01-01' } : {}),
        priorUse: /use\s*>\s*3/i.test(population),
        now: new Date('2026-01-01T00:00:00Z'),
      };
      const findings = findingsForOrder(order(c.drug), genes, patient);
      const reached = shownRows(findings).some(
        (r) => r.recommendation === c.row.recommendation && (r.population ?? 'general') === population,
      );
      if (!reached) unreached.push(`${JSON.stringify(c.row.lookupKey)} ${population}`);
    }
    expect(unreached).toEqual([]);
  });
});

describe('CPIC population codes', () => {
  it('every code of the data set reads as words a clinician uses, not as the code', () => {
    const codes = new Set(
      Object.values(cpicDrugs()).flatMap((d) =>
        d.guidelines.flatMap((g) => g.recommendations.map((r) => r.population ?? 'general')),
      ),
    );
    expect(codes.size).toBeGreaterThan(10);
    // A code that is already a plain word (`adults`, `pediatrics`) may stay as it is; any other is put in words.
    const raw = [...codes].filter((code) => !/^[a-z]+$/.test(code) && populationWords(code) === code);
    expect(raw).toEqual([]);
  });
});

describe('lookups', () => {
  const clopidogrelPm = cpicRows('clopidogrel', { CYP2C19: 'Poor Metabolizer' }).map(({ row }) => row);

  it('answers clopidogrel for a CYP2C19 poor metabolizer with the CPIC row, its strength and provenance', () => {
    const [finding] = findingsForOrder(order('clopidogrel'), [keyedResult('CYP2C19', 'Poor Metabolizer')]);
    const row = finding && rowOf(finding);
    const texts = clopidogrelPm.map((r) => r.recommendation);
    expect(finding?.kind).toBe('recommendation');
    expect(texts).toContain(row?.recommendation);
    expect(row?.guideline.url).toMatch(/cpicpgx\.org/);
    expect(row?.pmids.length).toBeGreaterThan(0);
    expect(finding?.action).toBe('avoid');
    // The indication is not in the order: every CPIC population is shown.
    expect(shownRows(finding ? [finding] : []).length).toBe(clopidogrelPm.length);
    expect(finding?.knowledgeVersion).toMatch(/^cpic-\d{4}-\d{2}-\d{2}$/);
  });

  it('leads with the most demanding row, then the strongest: clopidogrel CYP2C19 intermediate metabolizer', () => {
    // Two avoid rows (the order does not tell the indication): ACS/PCI Strong, neurovascular Moderate.
    const key = { CYP2C19: 'Intermediate Metabolizer' };
    const strong = cpicRow('clopidogrel', key, 'CVI ACS PCI').row;
    const moderate = cpicRow('clopidogrel', key, 'NVI').row;
    expect([strong.strength, moderate.strength]).toEqual(['Strong', 'Moderate']);
    const [finding] = findingsForOrder(order('clopidogrel'), [keyedResult('CYP2C19', key.CYP2C19)]);
    if (finding?.kind !== 'recommendation') throw new Error('expected a recommendation');
    expect(finding.row.rowId).toBe(strong.id);
    expect(finding.row.strength).toBe('Strong');
    expect(finding.alternativeDrugs.map((a) => a.name)).toEqual(['prasugrel', 'ticagrelor']);
    // Every other population's row is still shown after it.
    expect(finding.alternatives.map((a) => a.row.rowId)).toContain(moderate.id);
    expect(shownRows([finding]).length).toBe(cpicRows('clopidogrel', key).length);
  });

  it.each(['Rapid Metabolizer', 'Ultrarapid Metabolizer'])(
    'a row with a recommendation outranks "No recommendation" rows: clopidogrel, CYP2C19 %s',
    (phenotype) => {
      const rows = cpicRows('clopidogrel', { CYP2C19: phenotype }).map(({ row }) => row);
      const [standard, ...more] = rows.filter((r) => r.strength !== 'No recommendation');
      expect(more).toEqual([]);
      expect(standard?.strength).toBe('Strong');
      const [finding] = findingsForOrder(order('clopidogrel'), [keyedResult('CYP2C19', phenotype)]);
      expect(finding && rowOf(finding)?.rowId).toBe(standard?.id);
      expect(finding?.action).toBe('standard');
    },
  );

  it('ties on action go to the stronger row: fluorouracil, DPYD intermediate metabolizer reported without genotype', () => {
    // CPIC's DPYD rows for an intermediate metabolizer's scores 1.5 (Moderate) and 1.0 (Strong) both halve the dose.
    const moderate = cpicRow('fluorouracil', { DPYD: '1.5' }).row;
    const strong = cpicRow('fluorouracil', { DPYD: '1.0' }).row;
    expect([moderate.strength, strong.strength]).toEqual(['Moderate', 'Strong']);
    const spanning: GeneResult = {
      ...keyedResult('DPYD', 'Intermediate Metabolizer'),
      candidateLookupKeys: ['1.5', '1.0'],
    };
    const [finding] = findingsForOrder(order('fluorouracil'), [spanning]);
    expect(finding?.action).toBe('adjust-dose');
    expect(finding && rowOf(finding)?.rowId).toBe(strong.id);
  });

  it('names the guideline once and the activity score it looked up in words (metoprolol, CYP2D6 score 0)', () => {
    // CPIC names this guideline "Annotation of CPIC Guideline for metoprolol and CYP2D6" and keys it on the score.
    expect(cpicGuideline('metoprolol').name).toBe('Annotation of CPIC Guideline for metoprolol and CYP2D6');
    const [finding] = findingsForOrder(order('metoprolol'), [
      keyedResult('CYP2D6', '0.0', 'Poor Metabolizer'),
    ]);
    const why = finding?.explanation.join(' ') ?? '';
    expect(why).toContain('CPIC metoprolol and CYP2D6: CYP2D6 activity score 0.0 → ');
    expect(why).not.toMatch(/Annotation of|CYP2D6: 0\.0/);
    // The card's source and link read the same title.
    expect(rowOf(finding as Finding)?.guideline.name).toBe('metoprolol and CYP2D6');
  });

  it('gives a pre-test finding when a level A gene has no result, naming the gene and the guideline', () => {
    const finding = preTestFinding(findingsForOrder(order('clopidogrel'), []));
    expect(finding.action).toBe('order-test');
    expect(rowOf(finding)).toBeUndefined();
    expect(finding.explanation.join(' ')).toMatch(/CYP2C19 \(CPIC level A\)/);
    expect(cpicDrug('clopidogrel').cpicPairs).toContainEqual(
      expect.objectContaining({ gene: 'CYP2C19', cpicLevel: 'A' }),
    );
    expect(finding.untested).toEqual([{ gene: 'CYP2C19', level: 'A' }]);
    expect(finding.guideline).toEqual(guidelineRef(cpicGuideline('clopidogrel')));
  });

  it('names every untested level A/B gene of a two-gene guideline (thiopurines) and only those', () => {
    const finding = preTestFinding(findingsForOrder(order('mercaptopurine'), []));
    const guideline = cpicGuideline('mercaptopurine');
    const levelAB = guideline.genes.filter((g) =>
      cpicDrug('mercaptopurine').cpicPairs.some((p) => p.gene === g && /^[AB]/.test(p.cpicLevel ?? '')),
    );
    expect(levelAB.length).toBe(2);
    expect(finding.action).toBe('order-test');
    expect(finding.untested.map((u) => u.gene).sort()).toEqual([...levelAB].sort());
    for (const u of finding.untested) expect(u.level).toBe(cpicLevel('mercaptopurine', u.gene));
    expect(finding.guideline).toEqual(guidelineRef(guideline));
  });

  it('warfarin without results: a pre-test finding for CYP2C9 and VKORC1 with the warfarin guideline', () => {
    const finding = preTestFinding(findingsForOrder(order('warfarin'), []));
    const guideline = cpicGuideline('warfarin');
    // Figure 2 starts at "VKORC1 and CYP2C9*2 and *3 genotype available?" (CYP4F2 is not read: see the README).
    expect(drugs.warfarin?.decisionGraph?.nodes.n0).toMatch(/VKORC1 and CYP2C9/);
    expect(finding.action).toBe('order-test');
    expect(finding.untested).toEqual(
      ['CYP2C9', 'VKORC1'].map((gene) => ({ gene, level: cpicLevel('warfarin', gene) })),
    );
    expect(finding.guideline).toEqual(guidelineRef(guideline));
  });

  it('findings with a CPIC row carry no pre-test fields', () => {
    const [finding] = findingsForOrder(order('clopidogrel'), [keyedResult('CYP2C19', 'Poor Metabolizer')]);
    expect(finding?.kind).toBe('recommendation');
    expect(finding && rowOf(finding)).toBeDefined();
    expect(finding).not.toHaveProperty('untested');
    expect(finding).not.toHaveProperty('guideline');
  });

  it('gives nothing for a drug without CPIC guideline', () => {
    expect(findingsForOrder(order('lisinopril'), [keyedResult('CYP2C19', 'Poor Metabolizer')])).toEqual([]);
  });

  it('chooses pediatric or adult rows from the birth date', () => {
    const ultrarapid = { CYP2C19: 'Ultrarapid Metabolizer' };
    const now = new Date('2026-01-01T00:00:00Z');
    const child = findingsForOrder(
      order('voriconazole'),
      [keyedResult('CYP2C19', 'Ultrarapid Metabolizer')],
      {
        birthDate: '2016-05-01',
        now,
      },
    )[0];
    const adult = findingsForOrder(
      order('voriconazole'),
      [keyedResult('CYP2C19', 'Ultrarapid Metabolizer')],
      {
        birthDate: '1960-05-01',
        now,
      },
    )[0];
    expect(child && rowOf(child)?.recommendation).toBe(
      cpicRow('voriconazole', ultrarapid, 'pediatrics').row.recommendation,
    );
    expect(adult && rowOf(adult)?.recommendation).toBe(
      cpicRow('voriconazole', ultrarapid, 'adults').row.recommendation,
    );
  });

  it('treats a patient with no earlier use as drug-naive (phenytoin, HLA-B*15:02 positive)', () => {
    const genes = [keyedResult('HLA-B', '*15:02 positive'), keyedResult('CYP2C9', '2.0')];
    const [naive] = findingsForOrder(order('phenytoin'), genes, {});
    const [continuing] = findingsForOrder(order('phenytoin'), genes, { priorUse: true });
    expect(naive && rowOf(naive)?.population).toBe('PHT naive');
    expect(naive?.action).toBe('avoid');
    expect(continuing && rowOf(continuing)?.population).toBe('PHT use >3mos');
  });

  it('uses "No Result" for an untested gene of a multi-gene guideline (thiopurines)', () => {
    const { row } = cpicRow('mercaptopurine', { TPMT: 'Poor Metabolizer', NUDT15: 'No Result' });
    const [finding] = findingsForOrder(order('mercaptopurine'), [keyedResult('TPMT', 'Poor Metabolizer')]);
    expect(finding && rowOf(finding)?.recommendation).toBe(row.recommendation);
    expect(finding?.explanation.join(' ')).toMatch(/No NUDT15 result on file/);
  });

  it('looks up only the allele a drug uses for HLA-B (abacavir *57:01)', () => {
    const hlaB: GeneResult = {
      ...keyedResult('HLA-B', '*57:01 positive'),
      alleleStatus: { '*57:01': 'positive', '*15:02': 'negative', '*58:01': 'negative' },
    };
    const abacavir = findingsForOrder(order('abacavir'), [hlaB])[0];
    const allopurinol = findingsForOrder(order('allopurinol'), [hlaB])[0];
    expect(abacavir && rowOf(abacavir)?.lookupKey).toEqual({ 'HLA-B': '*57:01 positive' });
    expect(abacavir?.action).toBe('avoid');
    expect(allopurinol && rowOf(allopurinol)?.lookupKey).toEqual({ 'HLA-B': '*58:01 negative' });
  });

  it('shows each score when a phenotype-only CYP2D6 result spans scores with different recommendations', () => {
    const im: GeneResult = {
      ...keyedResult('CYP2D6', 'Intermediate Metabolizer'),
      candidateLookupKeys: ['0.25', '0.5', '0.75', '1.0'],
    };
    const [finding] = findingsForOrder(order('tamoxifen'), [im]);
    const expected = new Set(
      cpicRows('tamoxifen')
        .filter(({ row }) => ['0.25', '0.5', '0.75', '1.0'].includes(row.lookupKey.CYP2D6 ?? ''))
        .map(({ row }) => `${row.strength ?? ''}|${row.recommendation}`),
    );
    const shown = new Set(
      shownRows(finding ? [finding] : []).map(
        (r) => `${(r as { strength?: string }).strength ?? ''}|${r.recommendation}`,
      ),
    );
    expect(shown).toEqual(expected);
    expect(finding?.explanation.join(' ')).toMatch(/spans CPIC activity scores/);
  });

  it('follows the warfarin figure when CYP2C9 and VKORC1 are known, and asks for the test otherwise', () => {
    const graph = cpicDrug('warfarin').decisionGraph;
    const nodes = graph?.nodes ?? {};
    const cyp2c9: GeneResult = { ...keyedResult('CYP2C9', '1.0'), diplotype: '*1/*8', alleles: ['*1', '*8'] };
    const [dosed] = findingsForOrder(order('warfarin'), [cyp2c9, keyedResult('VKORC1', '-1639 AG')]);
    expect(dosed?.action).toBe('adjust-dose');
    // Figure 2's path for a known genotype (edges n1 → n2 → n6 for a *8 carrier): each box verbatim, one paragraph
    // each, never run together ("…algorithms For loading dose…").
    const edges = graph?.edges ?? [];
    expect(edges).toContainEqual(expect.objectContaining({ from: 'n1', to: 'n2' }));
    expect(edges).toContainEqual(expect.objectContaining({ from: 'n2', to: 'n6' }));
    expect(dosed?.kind).toBe('warfarin-figure');
    expect((dosed && rowOf(dosed))?.recommendation.split('\n\n')).toEqual([nodes.n1, nodes.n2, nodes.n6]);
    // The ancestry branches the order cannot decide are named by their boxes (CPIC's words), quoted as CPIC's own
    // questions rather than run together as if the card asked them.
    expect([nodes.n4, nodes.n9, nodes.n13]).toEqual([
      'Self-identified ancestry',
      'CYP2C9*5, *6, *8, and *11 also tested?',
      'rs12777823 tested?',
    ]);
    expect(dosed?.explanation).toContain(
      'Figure 2\'s branches for ancestry not applied (ancestry is not known from the order): "Self-identified ancestry", "CYP2C9*5, *6, *8, and *11 also tested?", "rs12777823 tested?"',
    );
    const [noCarrier] = findingsForOrder(order('warfarin'), [
      { ...keyedResult('CYP2C9', '1.0'), diplotype: '*1/*3', alleles: ['*1', '*3'] },
      keyedResult('VKORC1', '-1639 AG'),
    ]);
    expect(noCarrier && rowOf(noCarrier)?.recommendation).toBe(`${nodes.n1 ?? ''}\n\n${nodes.n2 ?? ''}`);
    expect(findingsForOrder(order('warfarin'), [])[0]?.action).toBe('order-test');
  });

  it('reports a conflict instead of a recommendation', () => {
    const [finding] = findingsForOrder(order('clopidogrel'), [], {}, [
      {
        gene: 'CYP2C19',
        results: [
          { source: 'Observation/a', value: '*1/*1 Normal Metabolizer' },
          { source: 'Observation/b', value: '*2/*2 Poor Metabolizer' },
        ],
      },
    ]);
    expect(finding?.kind).toBe('conflict');
    expect(finding && rowOf(finding)).toBeUndefined();
    expect(finding?.explanation.join(' ')).toMatch(/Conflicting current CYP2C19 results/);
    // Recorded before each result's reading alone was kept: nothing is said of what either would mean.
    expect(finding?.explanation.join(' ')).not.toMatch(/is right/);
  });

  it('reports conflicting CYP2C9 results for warfarin as a conflict, never as a result to order', () => {
    // Warfarin follows CPIC's figure, not lookup rows; its genes' results that disagree must not read as missing.
    const conflict = {
      gene: 'CYP2C9',
      results: [
        { source: 'Observation/a', value: '*1/*1 Normal Metabolizer' },
        { source: 'Observation/b', value: '*3/*3 Poor Metabolizer' },
      ],
    };
    const findings = findingsForOrder(order('warfarin'), [], {}, [conflict]);
    expect(findings.map((f) => [f.kind, f.action])).toEqual([['conflict', 'monitor']]);
    expect(findings[0]?.explanation.join(' ')).toContain(
      '*1/*1 Normal Metabolizer vs *3/*3 Poor Metabolizer',
    );
    expect(findings[0] && guidelineOf(findings[0])?.url).toBe(guidelineUrl('warfarin'));
  });
});

describe('actions read from the CPIC text', () => {
  const rows = cases.map((c) => c.row);
  const actionOf = (row: CpicRow): string => {
    const genes = Object.entries(row.lookupKey)
      .filter(([, v]) => v !== 'No Result')
      .map(([g, v]) => keyedResult(g, v));
    const drug = cases.find((c) => c.row === row)?.drug ?? '';
    const findings = findingsForOrder(order(drug), genes, {
      ...(row.population === 'pediatrics' ? { birthDate: '2020-01-01' } : {}),
      ...(row.population === 'adults' ? { birthDate: '1970-01-01' } : {}),
      priorUse: /use\s*>\s*3/i.test(row.population ?? ''),
      now: new Date('2026-01-01T00:00:00Z'),
    });
    return findings.find((f) => rowOf(f)?.recommendation === row.recommendation)?.action ?? 'not lead';
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

  it('monitors when CPIC makes no recommendation, unless its text advises the recommended starting dose', () => {
    const none = rows.filter((r) => r.strength === 'No recommendation');
    const startsStandard = (r: CpicRow): boolean =>
      /initiate therapy with recommended starting dose/i.test(r.recommendation);
    expect(none.filter(startsStandard).length).toBeGreaterThan(0);
    expect(
      new Set(
        none
          .filter((r) => !startsStandard(r))
          .map(actionOf)
          .filter((a) => a !== 'not lead'),
      ),
    ).toEqual(new Set(['monitor']));
    expect(
      new Set(
        none
          .filter(startsStandard)
          .map(actionOf)
          .filter((a) => a !== 'not lead'),
      ),
    ).toEqual(new Set(['standard']));
  });
});
