/**
 * Dose suggestions and CPIC's conditions. Every CPIC row (read from `knowledge/cpic`) whose text gives a percentage and
 * makes it conditional ("if …", "might not be necessary", "consider") must never yield a recommended (preselected)
 * dose suggestion; the suggestion is still offered, its label says "(conditional)" and its description quotes the condition. Rows that
 * give a percentage unconditionally ("Reduce starting dose by 50%") still yield a recommended one. Findings come from
 * the cpic module, decided by thresholds that show every finding (`SHOW_ALL_ENGINE`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Suggestion } from '../../../src/cds/types';
import { decisionCard } from '../../../src/cards';
import { rowOf } from '../../../src/rules/cpic';
import type { DrugOrder } from '../../../src/rules/cpic';
import { decideOrder, noSensorFacts, shown, SHOW_ALL_ENGINE, snapshotOf } from '../../helpers/decisions';
import { cpicDrugs, cpicRow } from '../../reference';
import type { CpicRow } from '../../reference';
import { keyedResult } from '../../fixtures/rules/builders';

const drafts = JSON.parse(
  readFileSync(join(__dirname, '../../fixtures/cards/draft-orders.json'), 'utf8'),
) as Record<string, Record<string, unknown>>;
/** An R4 draft with a 1000 mg dose: every percentage CPIC gives yields a dose in mg. */
const DRAFT = drafts.capecitabineR4;

/**
 * CPIC's conditional wording. A parenthetical "(if …)" is not a condition on the dose: in these texts it is
 * "(if available)" (drug monitoring) or "(if any)" (side effects).
 */
const CONDITION = /(?<!\()\bif\b|might not be necessary|\bconsider/i;
const PERCENT = /\d\s*%/;

/** The dose suggestions of the cards for the decisions that rest on this row. */
async function doseSuggestions(drug: string, row: CpicRow): Promise<Suggestion[]> {
  const genes = Object.entries(row.lookupKey)
    .filter(([, key]) => key !== 'No Result')
    .map(([gene, key]) => keyedResult(gene, key));
  const order: DrugOrder = {
    orderRef: 'MedicationRequest/request-123',
    orderIndex: 0,
    ingredients: [{ name: drug }],
    resolvedBy: 'text',
  };
  const population = row.population ?? 'general';
  const facts = noSensorFacts('2026-01-01T00:00:00Z');
  const decisions = (
    await decideOrder(
      order,
      genes,
      {
        ...(population === 'pediatrics' ? { birthDate: '2020-01-01' } : {}),
        ...(population === 'adults' ? { birthDate: '1970-01-01' } : {}),
        priorUse: /use\s*>\s*3/i.test(population),
        now: new Date('2026-01-01T00:00:00Z'),
      },
      SHOW_ALL_ENGINE,
      facts,
    )
  ).filter((d) => rowOf(d.finding)?.recommendation === row.recommendation);
  return decisions.map(shown).flatMap(
    (decision) =>
      decisionCard(decision, {
        draftOrder: DRAFT,
        patientId: 'p1',
        snapshot: snapshotOf([decision], facts, SHOW_ALL_ENGINE),
      }).card.suggestions?.filter((s) => s.label.startsWith('Reduce ')) ?? [], // replacements are updates too
  );
}

const rows = Object.entries(cpicDrugs()).flatMap(([drug, d]) =>
  d.guidelines.flatMap((g) => g.recommendations.map((row) => ({ drug, row }))),
);
const withPercent = rows.filter(({ row }) => PERCENT.test(row.recommendation));

describe('dose suggestions follow CPIC conditions', () => {
  it('never recommends a dose CPIC makes conditional, and says the condition applies', async () => {
    const conditional = withPercent.filter(({ row }) => CONDITION.test(row.recommendation));
    expect(conditional.length).toBeGreaterThan(50);
    let offered = 0;
    const drugsOffered = new Set<string>();
    for (const { drug, row } of conditional) {
      for (const s of await doseSuggestions(drug, row)) {
        offered += 1;
        drugsOffered.add(drug);
        expect({ drug, text: row.recommendation, isRecommended: s.isRecommended }).toEqual({
          drug,
          text: row.recommendation,
          isRecommended: false,
        });
        // A button: the action, the drug, the computed dose and "(conditional)"; CPIC's condition is the description.
        expect(s.label).toMatch(/^Reduce \S+ to [\d.]+ mg \(conditional\)$/);
        expect(s.label.length).toBeLessThanOrEqual(60);
        expect(s.actions?.[0]?.description).toMatch(/Conditional, CPIC says: "/);
      }
    }
    // The suggestion is kept, not dropped: thiopurines, TCAs, SSRIs and NSAIDs all still offer a computed dose.
    expect(offered).toBeGreaterThan(20);
    for (const drug of ['mercaptopurine', 'azathioprine', 'thioguanine', 'amitriptyline', 'celecoxib'])
      expect(drugsOffered).toContain(drug);
  });

  it('still recommends a dose CPIC asks for unconditionally (DPYD + capecitabine, fluorouracil)', async () => {
    const unconditional = withPercent.filter(({ row }) => !CONDITION.test(row.recommendation));
    const recommended = new Set<string>();
    for (const { drug, row } of unconditional) {
      for (const s of await doseSuggestions(drug, row)) {
        expect(s.isRecommended).toBe(true);
        expect(s.label).toMatch(/^Reduce \S+ to [\d.]+ mg$/);
        recommended.add(row.recommendation);
      }
    }
    expect([...recommended].every((t) => t.startsWith('Reduce starting dose by 50%'))).toBe(true);
    expect(recommended.size).toBeGreaterThan(0);
  });

  it('mercaptopurine, TPMT intermediate: the label says the dose is conditional, the description quotes the condition', async () => {
    const { row } = cpicRow('mercaptopurine', {
      TPMT: 'Intermediate Metabolizer',
      NUDT15: 'Normal Metabolizer',
    });
    const condition =
      /if starting dose is ≥75 mg\/m2\/day \(for malignancy\) or ≥1\.5 mg\/kg\/day \(for nonmalignancy\)/;
    const notNecessary =
      'If starting dose is already below standard starting dose, dose reduction might not be necessary';
    expect(row.recommendation).toMatch(condition);
    expect(row.recommendation).toContain(notNecessary);
    const [suggestion] = await doseSuggestions('mercaptopurine', row);
    expect(suggestion?.isRecommended).toBe(false);
    expect(suggestion?.label).toMatch(/^Reduce mercaptopurine to [\d.]+ mg \(conditional\)$/);
    expect(suggestion?.actions?.[0]?.description).toMatch(/most conservative end of CPIC's range/);
    expect(suggestion?.actions?.[0]?.description).toMatch(condition);
    expect(suggestion?.actions?.[0]?.description).toContain(notNecessary);
  });
});
