/**
 * The action of every CPIC recommendation row (issue 9 item 3): the published table (`npm run cpic:actions`) matches
 * the data set row for row; rows whose CPIC text plainly says what to do get that class; and a row whose text
 * advises standard use never gives a `warning` or `critical` decision, under the default thresholds or under a
 * threshold set that would make it one. Rows, texts and keys come from the CPIC data set (`test/reference`).
 */
import { readFileSync } from 'node:fs';
import { DOCS_CSV, DOCS_MARKDOWN, rowActionsDocuments } from '../../../../scripts/cpic-actions';
import { findingsForOrder, rowOf } from '../../../../src/rules/cpic';
import type { GeneResult } from '../../../../src/rules/cpic';
import { createRuleEngine } from '../../../../src/rules/engine';
import { DEFAULT_THRESHOLDS, parseThresholdSet, STRENGTHS } from '../../../../src/rules/thresholds';
import { DEFAULT_ENGINE, drugOrder, noSensorFacts } from '../../../helpers/decisions';
import { cpicDrugs, cpicRow, knowledgePath } from '../../../reference';
import type { CpicRow } from '../../../reference';
import { keyedResult } from '../../../fixtures/rules/builders';

const cases = Object.entries(cpicDrugs()).flatMap(([drug, d]) =>
  d.guidelines.flatMap((g) => g.recommendations.map((row) => ({ drug, row }))),
);

/** The published CSV as rows of cells (RFC 4180 quoting, every cell quoted). */
function csvRows(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => (m[1] ?? '').replace(/""/g, '"')));
}

const published = csvRows(readFileSync(DOCS_CSV, 'utf8'));
const COLUMNS = { drug: 0, rowId: 2, textAction: 6, serviceAction: 7 };

function classOf(drug: string, row: CpicRow): { text: string; service: string } {
  const index = cases.findIndex((c) => c.drug === drug && c.row === row);
  const cells = published[index];
  if (!cells) throw new Error(`no published row ${index}`);
  return { text: cells[COLUMNS.textAction] ?? '', service: cells[COLUMNS.serviceAction] ?? '' };
}

/** A result that looks the row's key up; no result for `No Result` rows. */
function resultFor(gene: string, key: string): GeneResult | undefined {
  return key === 'No Result' ? undefined : keyedResult(gene, key);
}

describe('the published row-action table', () => {
  it('is what npm run cpic:actions generates from knowledge/cpic (Markdown and CSV)', () => {
    const generated = rowActionsDocuments(knowledgePath('cpic'));
    expect(generated.markdown).toBe(readFileSync(DOCS_MARKDOWN, 'utf8'));
    expect(generated.csv).toBe(readFileSync(DOCS_CSV, 'utf8'));
  });

  it('lists every one of the 2,092 CPIC rows once, in the data set order, with one of the five classes', () => {
    expect(cases).toHaveLength(2092);
    expect(published).toHaveLength(cases.length);
    published.forEach((cells, i) => {
      expect([cells[COLUMNS.drug], cells[COLUMNS.rowId]]).toEqual([cases[i]?.drug, cases[i]?.row.id ?? '']);
      expect(['avoid', 'adjust-dose', 'monitor', 'order-test', 'standard']).toContain(
        cells[COLUMNS.textAction],
      );
    });
  });

  it('states counts that add up to the rows of the data set', () => {
    const markdown = readFileSync(DOCS_MARKDOWN, 'utf8');
    const counted = [
      ...markdown.matchAll(/^\| (avoid|adjust-dose|monitor|order-test|standard) \| (\d+) \|/gm),
    ];
    expect(counted.map((m) => m[1])).toEqual(['avoid', 'adjust-dose', 'monitor', 'order-test', 'standard']);
    expect(counted.reduce((sum, m) => sum + Number(m[2]), 0)).toBe(2092);
    for (const m of counted)
      expect(published.filter((cells) => cells[COLUMNS.textAction] === m[1])).toHaveLength(Number(m[2]));
  });
});

describe('rows whose text says plainly what to do', () => {
  it('avoid: "Avoid <drug>…" and "<drug> is not recommended"', () => {
    const avoid = cases.filter(({ row }) =>
      /^(Avoid (?!moderate)|\w+ is not recommended)/.test(row.recommendation),
    );
    expect(avoid.length).toBeGreaterThan(100);
    for (const { drug, row } of avoid) expect(classOf(drug, row).text).toBe('avoid');
  });

  it('standard: "Initiate therapy with recommended starting dose." alone', () => {
    const standard = cases.filter(
      ({ row }) => row.recommendation === 'Initiate therapy with recommended starting dose.',
    );
    expect(standard.length).toBeGreaterThan(100);
    for (const { drug, row } of standard) expect(classOf(drug, row).text).toBe('standard');
  });

  it('order-test: "enzyme activity must be measured", shown as monitor', () => {
    const tests = cases.filter(({ row }) => /enzyme activity must be measured/.test(row.recommendation));
    expect(tests.length).toBeGreaterThan(0);
    for (const { drug, row } of tests)
      expect(classOf(drug, row)).toEqual({ text: 'order-test', service: 'monitor' });
  });

  it('standard: MT-RNR1 normal risk with every aminoglycoside ("Use aminoglycoside antibiotics at standard doses")', () => {
    const aminoglycosides = Object.keys(cpicDrugs()).filter((drug) =>
      cpicDrugs()[drug]?.guidelines.some((g) => g.genes.includes('MT-RNR1')),
    );
    expect(aminoglycosides.length).toBeGreaterThan(5);
    for (const drug of aminoglycosides) {
      const { row } = cpicRow(drug, { 'MT-RNR1': 'normal risk of aminoglycoside-induced hearing loss' });
      expect(row.recommendation).toMatch(/^Use aminoglycoside antibiotics at standard doses/);
      expect(classOf(drug, row).text).toBe('standard');
    }
  });
});

describe('a row whose text advises standard use never interrupts', () => {
  /** The default thresholds edited to make every standard cell `critical`: the engine must still cap it. */
  const loud = createRuleEngine(
    parseThresholdSet({
      ...structuredClone(DEFAULT_THRESHOLDS),
      version: 'test-loud-standard',
      interruption: Object.fromEntries(
        STRENGTHS.map((s) => [s, { ...DEFAULT_THRESHOLDS.interruption[s], standard: 'critical' }]),
      ),
      actionablePhenotypes: {
        ehrPriorityNotations: ['Abnormal/Priority/High Risk', 'Normal/Routine/Low Risk'],
        additional: {},
      },
    }),
  );

  it('MT-RNR1 normal risk + gentamicin: no warning or critical card', async () => {
    const genes = [resultFor('MT-RNR1', 'normal risk of aminoglycoside-induced hearing loss')].flatMap(
      (g) => g ?? [],
    );
    for (const engine of [DEFAULT_ENGINE, loud]) {
      const decisions = await engine.evaluate(
        findingsForOrder(drugOrder('gentamicin'), genes),
        noSensorFacts(),
      );
      expect(decisions).toHaveLength(1);
      expect(['none', 'info']).toContain(decisions[0]?.indicator);
    }
  });

  it('holds for every standard row of the data set', async () => {
    const standard = cases.filter(({ drug, row }) => classOf(drug, row).text === 'standard');
    expect(standard.length).toBeGreaterThan(400);
    let decided = 0;
    for (const { drug, row } of standard) {
      const genes = Object.entries(row.lookupKey).flatMap(([gene, key]) => resultFor(gene, key) ?? []);
      const findings = findingsForOrder(drugOrder(drug), genes, {
        ...(row.population === 'pediatrics' ? { birthDate: '2020-01-01' } : { birthDate: '1970-01-01' }),
        priorUse: /use\s*>\s*3/i.test(row.population ?? ''),
      }).filter((f) => rowOf(f)?.recommendation === row.recommendation);
      for (const decision of await loud.evaluate(findings, noSensorFacts())) {
        decided += 1;
        expect({ drug, indicator: decision.indicator }).not.toEqual({ drug, indicator: 'critical' });
        expect({ drug, indicator: decision.indicator }).not.toEqual({ drug, indicator: 'warning' });
      }
    }
    expect(decided).toBeGreaterThan(300);
  });
});
