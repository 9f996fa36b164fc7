/**
 * Every CPIC recommendation row, turned into a real decision and a card: the summary stays under 140 characters,
 * names the drug, and is never cut mid-word; every card passes the spec schema and quotes CPIC verbatim. Findings
 * come from the cpic module; thresholds that show every finding (`SHOW_ALL_ENGINE`) decide them, so standard-dosing
 * rows, which the default thresholds give no card, are rendered too.
 */
import { checkCdsResponse } from '../../../src/cds/schema';
import { decisionCard } from '../../../src/cards';
import { rowOf } from '../../../src/rules/cpic';
import type { DrugOrder, GeneResult } from '../../../src/rules/cpic';
import { decideOrder, noSensorFacts, shown, SHOW_ALL_ENGINE, snapshotOf } from '../../helpers/decisions';
import { cardTextProblems } from '../../helpers/card-text';
import { cpicDrugs } from '../../reference';
import { keyedResult } from '../../fixtures/rules/builders';

/** A result that looks the row's key up; no result for `No Result` rows. */
function resultFor(gene: string, key: string): GeneResult | undefined {
  if (key === 'No Result') return undefined;
  // Activity scores stand in with the longest metabolizer term, so summaries are tested at their longest.
  return keyedResult(gene, key, /^[≥\d]/.test(key) ? 'Intermediate Metabolizer' : key);
}

/** Every recommendation row of the CPIC data set (knowledge/cpic), with its drug. */
const cases = Object.entries(cpicDrugs()).flatMap(([drug, cpic]) =>
  cpic.guidelines.flatMap((g) => g.recommendations.map((row) => ({ drug, row }))),
);

describe('cards for every CPIC row', () => {
  it('has rows to test', () => {
    expect(cases.length).toBeGreaterThan(2000);
  });

  it('keeps every summary under 140 characters, naming the drug, never cut mid-word; every card is spec-valid', async () => {
    let longest = '';
    let cards = 0;
    const textProblems: string[] = [];
    for (const { drug, row } of cases) {
      const genes = Object.entries(row.lookupKey).flatMap(([gene, key]) => resultFor(gene, key) ?? []);
      const order: DrugOrder = {
        orderRef: 'MedicationRequest/request-123',
        orderIndex: 0,
        ingredients: [{ name: drug }],
        resolvedBy: 'text',
      };
      const facts = noSensorFacts();
      const decisions = await decideOrder(order, genes, { priorUse: false }, SHOW_ALL_ENGINE, facts);
      for (const decision of decisions.map(shown)) {
        const { card } = decisionCard(decision, {
          patientId: 'p1',
          newUuid: () => 'card-uuid',
          snapshot: snapshotOf([decision], facts, SHOW_ALL_ENGINE),
        });
        cards += 1;
        const problems = checkCdsResponse({ cards: [card] });
        if (problems.length > 0) throw new Error(`${drug}: ${problems.join('; ')}`);
        expect(card.summary.length).toBeLessThan(140);
        expect(card.summary.toLowerCase()).toContain(decision.finding.drug.toLowerCase());
        if (card.summary.endsWith('…')) expect(card.summary).toMatch(/[\w)*.:+-]…$/);
        const row = rowOf(decision.finding);
        if (row?.rowId) {
          const detail = (card.detail ?? '').replace(/^> ?/gm, '').replace(/\\([\\`*_[\]<>#|~])/g, '$1');
          expect(detail).toContain(row.recommendation.replace(/\n\s*\n/g, '\n\n'));
        }
        // Issue 9's card text rules hold for every row (test/helpers/card-text.ts): collected, reported together.
        for (const problem of cardTextProblems(card)) textProblems.push(`${drug}: ${problem}`);
        if (card.summary.length > longest.length) longest = card.summary;
      }
    }
    expect(cards).toBeGreaterThan(1500);
    expect(textProblems).toEqual([]);
    // The longest real summary still names its genes (it fitted by wording, not by cutting).
    expect(longest.length).toBeLessThan(140);
  });
});
