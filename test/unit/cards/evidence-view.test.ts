/**
 * The pages behind a card (the full explanation, the override review) say what the card says: the gene results and
 * reasoning they show are built from the same recorded decision, in the card's words. Real findings through the
 * default rule engine; the card and the pages are compared, not hand-written expectations of either alone.
 */
import { cardEvidence, decisionView } from '../../../src/admin/evidence';
import { decisionCard, patientSummaryCard } from '../../../src/cards';
import { geneResultView } from '../../../src/cards/evidence-view';
import { explainCard } from '../../../src/links/explanation';
import { callPhenotype, findingsForOrder, readGeneResults } from '../../../src/rules/cpic';
import type { GeneResult } from '../../../src/rules/cpic';
import { DEFAULT_THRESHOLDS, isActionablePhenotype } from '../../../src/rules/thresholds';
import type { DecisionSnapshot } from '../../../src/rules/types';
import type { CardRecord, RecordedInvocation } from '../../../src/store';
import { textProblems } from '../../helpers/card-text';
import {
  decideFinding,
  decideOrder,
  drugOrder,
  noSensorFacts,
  shown,
  snapshotOf,
} from '../../helpers/decisions';
import { readFixture } from '../../helpers/fixtures';
import { LOW_RESTING_HR } from '../../helpers/review-data';

function geneResult(gene: string, diplotype: string): GeneResult {
  return { ...callPhenotype(gene, [diplotype]), sources: [`Observation/pgx-${gene}`], reinterpreted: false };
}

/** The card recorded as the hooks record it, and the explanation page's view of it. */
function explained(snapshot: DecisionSnapshot, summary: string) {
  const card: CardRecord = {
    uuid: 'c1',
    indicator: 'critical',
    summary,
    decision: snapshot,
    ruleIds: [],
    thresholdVersion: 'default',
    knowledgeVersion: 'cpic',
  };
  const invocation: RecordedInvocation = {
    id: 'i1',
    hookInstance: 'h1',
    serviceId: 'pgx-order-sign',
    hook: 'order-sign',
    receivedAt: new Date('2026-05-15T08:00:00Z'),
    latencyMs: 5,
    cards: [card],
  };
  return explainCard(invocation, card, new Date('2026-05-29T08:00:00Z'));
}

describe('a CYP2D6 result whose copy number was not reported, on the pages behind an "Avoid codeine" card', () => {
  // CPIC's xN row: *1xN is *1x2 or *1x≥3; with *4 (no function) a Normal (AS 2.0) or an Ultrarapid (AS ≥3.0) Metabolizer.
  const genes = [geneResult('CYP2D6', '*4/*1xN')];

  it('reads "Normal or Ultrarapid Metabolizer" wherever the card does, never "Indeterminate"', async () => {
    expect(genes[0]?.phenotype).toBe('Indeterminate');
    const [decision] = await decideOrder(drugOrder('codeine'), genes, { birthDate: '1970-01-01' });
    const snapshot = snapshotOf([shown(decision)]);
    const { card } = decisionCard(shown(decision), { patientId: 'p1', newUuid: () => 'c1', snapshot });
    expect(card.summary).toBe('Avoid codeine: CYP2D6 Normal or Ultrarapid Metabolizer (CPIC Strong)');

    // The full explanation: the gene table and the first step of the reasoning.
    const view = explained(snapshot, card.summary);
    const [page] = view.decisions;
    expect(page?.genes.map((g) => [g.gene, g.diplotype, g.phenotype])).toEqual([
      ['CYP2D6', '*4/*1xN', 'Normal or Ultrarapid Metabolizer'],
    ]);
    expect(page?.reasoning[0]).toBe('CYP2D6 *4/*1xN → Normal or Ultrarapid Metabolizer');

    // The override review: its "Genotype and phenotype" section and the decision's reasoning.
    const evidence = cardEvidence(snapshot, undefined);
    expect(evidence.genes.map(geneResultView).map((g) => g.phenotype)).toEqual([
      'Normal or Ultrarapid Metabolizer',
    ]);
    expect(evidence.decisions.map(decisionView)[0]?.explanation[0]).toBe(
      'CYP2D6 *4/*1xN → Normal or Ultrarapid Metabolizer',
    );

    expect(JSON.stringify(view)).not.toContain('Indeterminate');
    expect(JSON.stringify(evidence.decisions.map(decisionView))).not.toContain('Indeterminate');
  });

  it('leaves a result the card calls by its own phenotype as it is', async () => {
    const [decision] = await decideOrder(drugOrder('codeine'), [geneResult('CYP2D6', '*1/*1x2')], {
      birthDate: '1970-01-01',
    });
    const view = explained(snapshotOf([shown(decision)]), 'Avoid codeine');
    expect(view.decisions[0]?.genes[0]?.phenotype).toBe('Ultrarapid Metabolizer');
    expect(view.decisions[0]?.reasoning[0]).toMatch(/^CYP2D6 \*1\/\*1x2 → Ultrarapid Metabolizer/);
  });
});

describe('results that disagree, on the pages behind a "Confirm CYP2C19 result" card', () => {
  /** conflict.json: a CYP2C19 genotype of *1/*1 and one of *2/*2, of the same day. */
  const resources = readFixture('pgx', 'conflict.json') as unknown[];

  async function conflictDecision() {
    const { results, conflicts } = readGeneResults(resources);
    const [finding] = findingsForOrder(drugOrder('clopidogrel'), results, {}, conflicts);
    expect(finding?.kind).toBe('conflict');
    expect(finding?.genes).toEqual([]);
    return shown(await decideFinding(finding!));
  }

  it('shows each result the card names, marked as disagreeing with the other, on both pages', async () => {
    const decision = await conflictDecision();
    const snapshot = snapshotOf([decision]);
    const { card } = decisionCard(decision, { patientId: 'p1', newUuid: () => 'c1', snapshot });
    expect(card.summary).toBe('Confirm CYP2C19 result before clopidogrel: results disagree');

    const overrideGenes = cardEvidence(snapshot, undefined).genes.map(geneResultView);
    const explanationGenes = explained(snapshot, card.summary).decisions[0]?.genes ?? [];
    // The override review and the full explanation show the same results.
    expect(explanationGenes).toEqual(overrideGenes);
    const byGenotype = [...overrideGenes].sort((a, b) =>
      (a.diplotype ?? '').localeCompare(b.diplotype ?? ''),
    );
    expect(byGenotype.map((g) => [g.gene, g.diplotype, g.phenotype, g.sources])).toEqual([
      ['CYP2C19', '*1/*1', 'Normal Metabolizer', [expect.stringMatching(/^Observation\//)]],
      ['CYP2C19', '*2/*2', 'Poor Metabolizer', [expect.stringMatching(/^Observation\//)]],
    ]);
    expect(byGenotype.map((g) => g.disagreement)).toEqual([
      'Disagrees with *2/*2 Poor Metabolizer, reported the same day: neither result is used until the laboratory confirms which is right.',
      'Disagrees with *1/*1 Normal Metabolizer, reported the same day: neither result is used until the laboratory confirms which is right.',
    ]);
    // Each value the card names is one of the results shown.
    for (const g of overrideGenes)
      expect(card.detail).toContain(`${g.diplotype ?? ''} ${g.phenotype}`.replace(/\*/g, '\\*'));
    expect(overrideGenes.flatMap((g) => textProblems(g.disagreement ?? ''))).toEqual([]);
  });

  it('shows the value as reported for a record made before each result was kept', async () => {
    const decision = await conflictDecision();
    if (decision.finding.kind !== 'conflict') throw new Error('not a conflict');
    const older = {
      ...decision,
      finding: {
        ...decision.finding,
        conflicts: decision.finding.conflicts.map((c) => ({
          ...c,
          results: c.results.map(({ source, value }) => ({ source, value })),
        })),
      },
    };
    const genes = cardEvidence(snapshotOf([older]), undefined).genes.map(geneResultView);
    expect(
      genes
        .map((g) => [g.gene, g.phenotype, g.disagreement !== undefined])
        .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    ).toEqual([
      ['CYP2C19', '*1/*1 Normal Metabolizer', true],
      ['CYP2C19', '*2/*2 Poor Metabolizer', true],
    ]);
  });
});

describe("the patient summary card's full explanation", () => {
  /** The summary card as patient-view makes it (the default thresholds), and its explanation page's view. */
  function summaryAndPage(genes: readonly GeneResult[], resources: readonly unknown[] = []) {
    const { conflicts } = readGeneResults(resources);
    const summary = patientSummaryCard({
      genes,
      conflicts,
      decisions: [],
      isActionable: (gene, phenotype) => isActionablePhenotype(DEFAULT_THRESHOLDS, gene, phenotype),
      knowledgeVersion: 'cpic',
      thresholdVersion: 'default',
      snapshot: snapshotOf([], noSensorFacts()),
    });
    if (!summary) throw new Error('no summary card');
    const view = explained(summary.provenance.decision, summary.card.summary);
    return { card: summary.card, view };
  }

  it('shows the results the card lists, with their sources, and what an unreported copy number leaves open', () => {
    const { card, view } = summaryAndPage([geneResult('CYP2D6', '*4/*1xN'), geneResult('CYP2C19', '*1/*1')]);
    expect(card.summary).toBe('Pharmacogenomics: CYP2D6 Normal or Ultrarapid Metabolizer');
    // Only what the card lists (a normal CYP2C19 result is not), in the card's words, with where it was read.
    expect(view.listed?.results.map((g) => [g.gene, g.diplotype, g.phenotype, g.sources])).toEqual([
      ['CYP2D6', '*4/*1xN', 'Normal or Ultrarapid Metabolizer', ['Observation/pgx-CYP2D6']],
    ]);
    // The card says "copy number not reported: ask the laboratory"; the page says what each copy number would mean.
    expect(view.listed?.notes).toEqual([
      'Ask the laboratory for the CYP2D6 copy number: Normal Metabolizer as *4/*1x2, Ultrarapid Metabolizer as *4/*1x≥3.',
    ]);
    expect(view.listed?.notes.flatMap(textProblems)).toEqual([]);
  });

  it('shows results that disagree, as disagreeing', () => {
    const { card, view } = summaryAndPage([], readFixture('pgx', 'conflict.json') as unknown[]);
    expect(card.summary).toContain('CYP2C19 results disagree');
    expect(view.listed?.results.map((g) => [g.gene, g.disagreement !== undefined])).toEqual([
      ['CYP2C19', true],
      ['CYP2C19', true],
    ]);
  });
});

describe('a card a wearable reading raised and an acknowledgement lowered, on its full explanation', () => {
  it('gives the steps in the card’s order: what raised the alert, then what lowered it', async () => {
    const [raised] = await decideOrder(
      drugOrder('metoprolol'),
      [geneResult('CYP2D6', '*4/*4')],
      { birthDate: '1970-01-01' },
      undefined,
      LOW_RESTING_HR,
    );
    expect(raised?.indicator).toBe('critical');
    // As the volume policy shows advice acknowledged for the patient (src/hooks/temper.ts): one step lower, saying why.
    const lowered = {
      ...shown(raised),
      indicator: 'warning' as const,
      decidedIndicator: 'critical' as const,
      notes: [
        ...shown(raised).notes,
        'Already acknowledged for this patient by Practitioner/1 on 1 May 2026 (will monitor the patient closely). Shown as a warning rather than critical because of it.',
      ],
    };
    const snapshot = snapshotOf([lowered], LOW_RESTING_HR);
    const { card } = decisionCard(lowered, { patientId: 'p1', newUuid: () => 'c1', snapshot });
    const isRaise = (line: string) => /alert raised to critical/.test(line);
    const isLower = (line: string) => /Shown as a warning rather than critical/.test(line);
    const cardLines = (card.detail ?? '').split('\n');
    expect(cardLines.findIndex(isRaise)).toBeLessThan(cardLines.findIndex(isLower));

    const reasoning = explained(snapshot, card.summary).decisions[0]?.reasoning ?? [];
    expect(reasoning.filter(isRaise)).toHaveLength(1);
    expect(reasoning.filter(isLower)).toHaveLength(1);
    expect(reasoning.findIndex(isRaise)).toBeLessThan(reasoning.findIndex(isLower));
  });
});
