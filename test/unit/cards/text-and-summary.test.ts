/** The length-safe summary composer and the patient-view summary card. */
import { patientSummaryCard } from '../../../src/cards';
import { abbreviatePhenotypes, escapeMarkdown, fitSummary } from '../../../src/cards/text';
import { callPhenotype, KNOWLEDGE_VERSION, rowOf } from '../../../src/rules/cpic';
import type { GeneResult } from '../../../src/rules/cpic';
import { decisionRuleIds } from '../../../src/rules/types';
import { DEFAULT_THRESHOLDS, isActionablePhenotype, parseThresholdSet } from '../../../src/rules/thresholds';
import type { ThresholdSet } from '../../../src/rules/thresholds';
import { decideOrder, noSensorFacts, snapshotOf } from '../../helpers/decisions';
import { rendered } from '../../helpers/markdown';
import { cpicDrug, cpicGene } from '../../reference';
import { order, range, restingHeartRate } from '../../fixtures/rules/builders';

function geneResult(gene: string, diplotype: string): GeneResult {
  return { ...callPhenotype(gene, [diplotype]), sources: [`Observation/pgx-${gene}`], reinterpreted: false };
}

describe('fitSummary', () => {
  it('takes the first candidate that fits', () => {
    expect(fitSummary(['a'.repeat(150), 'short one'])).toBe('short one');
  });

  it('abbreviates metabolizer phenotypes', () => {
    expect(
      abbreviatePhenotypes(
        'CYP2D6 Poor Metabolizer, CYP2C19 Ultrarapid Metabolizer, SLCO1B1 Decreased Function',
      ),
    ).toBe('CYP2D6 PM, CYP2C19 UM, SLCO1B1 Decreased fn');
  });

  it('cuts an over-long last candidate at a word boundary with a visible ellipsis', () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const fitted = fitSummary([words]);
    expect(fitted.length).toBeLessThan(140);
    expect(fitted.endsWith('…')).toBe(true);
    expect(words.startsWith(fitted.slice(0, -1))).toBe(true);
    expect(words.charAt(fitted.length - 1)).toBe(' ');
  });

  it('escapes markdown and HTML characters in data', () => {
    expect(escapeMarkdown('<b>CYP2C9*2 and *3</b>')).toBe('\\<b\\>CYP2C9\\*2 and \\*3\\</b\\>');
  });
});

describe('patientSummaryCard', () => {
  /** The published thresholds' rule, as patient-view passes it. */
  const actionableBy =
    (thresholds: ThresholdSet) =>
    (gene: string, phenotype: string): boolean =>
      isActionablePhenotype(thresholds, gene, phenotype);
  const facts = noSensorFacts();
  const versions = {
    knowledgeVersion: KNOWLEDGE_VERSION,
    thresholdVersion: 'thresholds-v1',
    isActionable: actionableBy(DEFAULT_THRESHOLDS),
    /** What the store keeps for a summary listing no medication. */
    snapshot: snapshotOf([], facts),
  };
  /** The default thresholds with other actionable-phenotype settings, as an informaticist would publish them. */
  const withActionable = (actionablePhenotypes: ThresholdSet['actionablePhenotypes']): ThresholdSet =>
    parseThresholdSet({
      ...structuredClone(DEFAULT_THRESHOLDS),
      version: 'test-actionable',
      actionablePhenotypes,
    });
  const detailOf = (card: { detail?: string } | undefined): string => card?.detail ?? '';

  it('is undefined when nothing is actionable (normal phenotypes, no medications)', () => {
    const genes = [geneResult('CYP2C19', '*1/*1'), geneResult('HLA-B', '*08:01/*07:02')];
    expect(genes.map((g) => g.phenotype)[0]).toBe('Normal Metabolizer');
    expect(patientSummaryCard({ genes, decisions: [], ...versions })).toBeUndefined();
  });

  it('lists a CYP2D6 result whose unreported copy number may make it actionable, as what it may be', () => {
    // CPIC's xN row: *1xN is *1x2 or *1x≥3; with *4 (no function) that is a Normal or an Ultrarapid Metabolizer.
    const genes = [geneResult('CYP2D6', '*4/*1xN')];
    expect(genes[0]?.phenotype).toBe('Indeterminate');
    const summary = patientSummaryCard({ genes, decisions: [], ...versions });
    expect(summary?.card.summary).toBe('Pharmacogenomics: CYP2D6 Normal or Ultrarapid Metabolizer');
    expect(summary?.card.detail).toContain('copy number not reported: ask the laboratory');
  });

  it('lists actionable phenotypes and active medications with PGx issues in one info card', async () => {
    const cyp2c19 = geneResult('CYP2C19', '*2/*2');
    const genes = [cyp2c19, geneResult('CYP2D6', '*1/*1'), geneResult('HLA-B', '*57:01/*08:01')];
    const decisions = await decideOrder(order('clopidogrel'), genes, {});
    const snapshot = snapshotOf(decisions, facts);
    const result = patientSummaryCard({
      genes,
      decisions,
      ...versions,
      snapshot,
      newUuid: () => 'summary-1',
    });
    expect(result).toBeDefined();
    const card = result?.card;
    expect({ cards: [card] }).toBeSpecValid();
    expect(card?.indicator).toBe('info');
    expect(card?.uuid).toBe('summary-1');
    expect(card?.summary).toContain('CYP2C19 Poor Metabolizer');
    // The allele's name as written clinically (HLA-B*57:01), no stray space.
    expect(card?.summary).toContain('HLA-B*57:01 positive');
    expect(card?.summary).not.toContain('HLA-B *');
    expect(card?.summary).not.toContain('CYP2D6');
    expect(card?.summary).toContain('clopidogrel');
    const [decision] = decisions;
    if (!decision) throw new Error('no clopidogrel decision');
    const row = rowOf(decision.finding);
    expect(card?.detail).toContain(row?.recommendation ?? 'missing');
    expect(card?.links?.map((l) => l.url)).toContain(row?.guideline.url);
    expect(result?.provenance.ruleIds).toEqual(decisionRuleIds(decision));
    // The snapshot is kept with what the card lists, for the pages behind it.
    expect(result?.provenance.decision).toEqual({
      ...snapshot,
      listed: { genes: [cyp2c19, genes[2]], conflicts: [], uninterpreted: [] },
    });
  });

  it('lists a result it could not read apart from the actionable results, with why and whom to ask', () => {
    // A CYP2D6 phenotype reported in the term of its day, which CPIC no longer uses (demo-legacy-report).
    const legacy: GeneResult = {
      gene: 'CYP2D6',
      phenotype: 'Indeterminate',
      lookupKey: 'Indeterminate',
      sources: ['Observation/pgx-legacy'],
      date: '2013-03-26',
      reinterpreted: false,
      notes: [],
      unreadable: 'CYP2D6 phenotype "CYP2D6 Extensive Metabolizer" is not a term CPIC uses',
    };
    const detail = detailOf(
      patientSummaryCard({ genes: [legacy, geneResult('CYP2C19', '*2/*2')], decisions: [], ...versions })
        ?.card,
    );
    const actionable = detail.split('**Actionable results:**')[1]?.split('**')[0] ?? '';
    expect(actionable).toContain('CYP2C19 Poor Metabolizer');
    expect(actionable).not.toContain('CYP2D6');
    expect(detail).toContain(
      '**Results not readable as reported:**\n\n- CYP2D6 phenotype "CYP2D6 Extensive Metabolizer" is not a term CPIC uses; confirm it with the laboratory; dated 26 Mar 2013',
    );
  });

  it("gives a star-allele genotype beside the phenotype, not the laboratory's raw HLA or variant notation", () => {
    // As the laboratory's GL String reads (demo-hla-b5701): the allele status is what a prescriber uses.
    const hla = { ...geneResult('HLA-B', '*57:01/*44:02'), diplotype: '*57:01:01+*44:02:01:01' };
    const dpyd = { ...geneResult('DPYD', 'c.1905+1G>A/Reference'), diplotype: 'Reference/c.1905+1G>A (*2A)' };
    const detail = detailOf(
      patientSummaryCard({ genes: [hla, dpyd, geneResult('TPMT', '*1/*3A')], decisions: [], ...versions })
        ?.card,
    );
    expect(detail).toContain('- HLA-B\\*57:01 positive');
    expect(detail).toContain('- TPMT Intermediate Metabolizer (\\*1/\\*3A)');
    expect(detail).not.toMatch(/44:02|Reference|c\.1905/);
  });

  it("says what a low resting heart rate would do to a medication's alert: the summary itself is information", async () => {
    const genes = [geneResult('CYP2D6', '*4/*4')];
    const sensors = { sensors: restingHeartRate(52, range(0, 14)) };
    const decisions = await decideOrder(order('metoprolol'), genes, {}, undefined, sensors);
    expect(decisions.map((d) => d.indicator)).toEqual(['critical']);
    const card = patientSummaryCard({
      genes,
      decisions,
      ...versions,
      snapshot: snapshotOf(decisions, sensors),
    })?.card;
    expect(card?.indicator).toBe('info');
    // No alert is shown with the summary: the reading is said as what it would do to one.
    expect(detailOf(card)).toContain('below 60/min: would raise the alert on a metoprolol order to critical');
    expect(detailOf(card)).not.toMatch(/\braised the\b/);
  });

  it("keeps a multi-paragraph CPIC text (warfarin's Figure 2 boxes) inside its medication list item", async () => {
    const nodes = cpicDrug('warfarin').decisionGraph?.nodes ?? {};
    const genes = [
      geneResult('CYP2C9', '*1/*3'),
      geneResult('VKORC1', 'rs9923231 variant (T)/rs9923231 variant (T)'),
    ];
    const decisions = await decideOrder(order('warfarin'), genes, {});
    const detail =
      patientSummaryCard({
        genes,
        decisions,
        ...versions,
        snapshot: snapshotOf(decisions, facts),
      })?.card.detail ?? '';
    // The second box is a paragraph of the same list item: a blank line, then indented.
    expect(nodes.n2).toMatch(/^For loading dose/);
    expect(detail).toContain(`\n\n  ${nodes.n2 ?? 'missing'}`);
    // Every line is a heading, a list item or its indented continuation, blank, or the versions line.
    expect(detail).not.toMatch(/\n(?! |\n|- |\*\*|CPIC data of|$)/);
  });

  it("lists the phenotypes CPIC's EHR priority calls abnormal under the default thresholds", () => {
    const rapid = geneResult('CYP2C19', '*1/*17');
    const normal = geneResult('CYP2C19', '*1/*1');
    expect(rapid.phenotype).toBe('Rapid Metabolizer');
    expect(cpicGene('CYP2C19').ehrPriority?.['Rapid Metabolizer']).toBe('Abnormal/Priority/High Risk');
    expect(cpicGene('CYP2C19').ehrPriority?.['Normal Metabolizer']).toBe('Normal/Routine/Low Risk');
    const card = patientSummaryCard({ genes: [rapid], decisions: [], ...versions })?.card;
    expect(card?.summary).toContain('CYP2C19 Rapid Metabolizer');
    expect(patientSummaryCard({ genes: [normal], decisions: [], ...versions })).toBeUndefined();
  });

  it('follows the published thresholds, not a list of its own', () => {
    const cyp2d6Normal = geneResult('CYP2D6', '*1/*1');
    const cyp2c19Poor = geneResult('CYP2C19', '*2/*2');
    const hla = geneResult('HLA-B', '*57:01/*08:01');
    // An informaticist adds CYP2D6 Normal Metabolizer: it is listed.
    const added = withActionable({
      ehrPriorityNotations: ['Abnormal/Priority/High Risk'],
      additional: { CYP2D6: ['Normal Metabolizer'] },
    });
    const withAdded = patientSummaryCard({
      genes: [cyp2d6Normal],
      decisions: [],
      ...versions,
      isActionable: actionableBy(added),
    })?.card;
    expect(withAdded?.summary).toContain('CYP2D6 Normal Metabolizer');
    // No EHR priority notation counts: CYP2C19 Poor Metabolizer is not listed; a positive HLA allele still is.
    const none = withActionable({ ehrPriorityNotations: [], additional: {} });
    const card = patientSummaryCard({
      genes: [cyp2c19Poor, hla],
      decisions: [],
      ...versions,
      isActionable: actionableBy(none),
    })?.card;
    expect(detailOf(card)).not.toContain('CYP2C19');
    expect(card?.summary).toContain('HLA-B*57:01 positive');
  });

  it('shows a re-interpreted result even when its current phenotype is normal', () => {
    const gene = {
      ...geneResult('CYP2C19', '*1/*1'),
      reportedPhenotype: 'Intermediate Metabolizer',
      reinterpreted: true,
    };
    // Even when the thresholds count nothing as actionable.
    const card = patientSummaryCard({
      genes: [gene],
      decisions: [],
      ...versions,
      isActionable: () => false,
    })?.card;
    // One finished sentence: what the laboratory reported, what CPIC's tables translate the genotype as.
    expect(rendered(card?.detail)).toContain(
      "The laboratory reported Intermediate Metabolizer; CPIC's tables translate CYP2C19 *1/*1 as Normal Metabolizer, and the advice follows CPIC.",
    );
    expect({ cards: [card] }).toBeSpecValid();
  });
});
