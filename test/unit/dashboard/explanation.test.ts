/**
 * Patient explanations (issue 12 item 5): for EVERY drug x phenotype page the CPIC data set can produce (every
 * recommendation row of every drug), the page reads at Flesch-Kincaid grade 8 or lower, every sentence names the
 * CPIC field it restates, every result has its plain sentence, and the advice follows the row's action.
 */
import { explanationText, patientExplanation, resultSentence } from '../../../src/dashboard/explanation';
import type { ExplanationInput } from '../../../src/dashboard/explanation';
import { fleschKincaid } from '../../../src/dashboard/readability';
import { cpicDoseFraction } from '../../../src/rules/cpic/dose';
import { cpicDrugNames, drugKnowledge } from '../../../src/rules/cpic/knowledge';

/** Every page: one per CPIC row (the row's lookup key is the patient's phenotype, score or allele status). */
function everyPage(): { readonly id: string; readonly input: ExplanationInput }[] {
  return cpicDrugNames().flatMap((drug) =>
    (drugKnowledge(drug)?.guidelines ?? []).flatMap((g) =>
      g.rows.map((row, i) => {
        const dose = cpicDoseFraction(row.recommendation);
        return {
          id: `${drug} ${JSON.stringify(row.lookupKey)} #${String(i)}`,
          input: {
            drug,
            lookupKey: row.lookupKey,
            implications: row.implications,
            recommendation: row.recommendation,
            action: row.action,
            ...(dose ? { dosePercent: Math.round(dose.fraction * 100) } : {}),
          },
        };
      }),
    ),
  );
}

const PAGES = everyPage();

describe('patient explanations for every drug x phenotype page', () => {
  it('covers the whole data set', () => {
    expect(PAGES.length).toBeGreaterThan(1000);
  });

  it('reads at grade 8 or lower on every page', () => {
    const over = PAGES.map((p) => ({
      id: p.id,
      grade: fleschKincaid(explanationText(patientExplanation(p.input))).grade,
    })).filter((p) => p.grade > 8);
    expect(over).toEqual([]);
  });

  it('has a plain sentence for every result value of the data set', () => {
    const missing = new Set<string>();
    for (const p of PAGES) {
      for (const [gene, value] of Object.entries(p.input.lookupKey)) {
        if (resultSentence(gene, value) === undefined) missing.add(`${gene}: ${value}`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it('names the CPIC field of every sentence and never quotes CPIC text', () => {
    for (const p of PAGES) {
      const e = patientExplanation(p.input);
      expect(e.advice.every((s) => s.source === 'recommendation')).toBe(true);
      expect(e.meaning.every((s) => s.source === 'result' || s.source === 'implication')).toBe(true);
      for (const s of [...e.advice, ...e.meaning]) {
        expect(p.input.recommendation.includes(s.text)).toBe(false);
        expect(p.input.implications.some((i) => i.includes(s.text))).toBe(false);
      }
    }
  });

  it('says no sentence twice and puts the advice first', () => {
    for (const p of PAGES) {
      const e = patientExplanation(p.input);
      const texts = [...e.advice, ...e.meaning].map((s) => s.text);
      expect(new Set(texts).size).toBe(texts.length);
      expect(e.advice.length).toBeGreaterThan(0);
    }
  });
});

describe('patient explanation of one row', () => {
  it('maps a poor metabolizer avoiding the drug to plain sentences', () => {
    const e = patientExplanation({
      drug: 'clopidogrel',
      lookupKey: { CYP2C19: 'Poor Metabolizer' },
      implications: [
        'Significantly reduced clopidogrel active metabolite formation; increased risk for adverse cardiovascular events',
      ],
      recommendation:
        'Avoid clopidogrel if possible. Use prasugrel or ticagrelor at standard dose if no contraindication.',
      action: 'avoid',
    });
    expect(e.title).toBe('Your CYP2C19 result and clopidogrel');
    expect(e.advice.map((s) => s.text)).toEqual([
      'Your doctor will likely choose a different medicine for you.',
    ]);
    expect(e.meaning.map((s) => s.text)).toEqual([
      'Your body breaks down some medicines much more slowly than most people.',
      'Less of the medicine is turned into the form that works.',
      'This raises the chance of heart problems or a stroke.',
    ]);
  });

  it('gives the dose share of the recommendation', () => {
    const e = patientExplanation({
      drug: 'capecitabine',
      lookupKey: { DPYD: '1.0' },
      implications: ['Decreased DPD activity and increased risk for severe or even fatal drug toxicity'],
      recommendation: 'Reduce starting dose by 50% followed by titration of dose based on toxicity',
      action: 'adjust-dose',
      dosePercent: 50,
    });
    expect(e.advice[0]?.text).toBe(
      'Your doctor may give you a smaller dose, about 50 percent of the usual dose.',
    );
    expect(e.meaning[0]?.text).toBe('Your body breaks down some medicines more slowly than most people.');
  });
});
