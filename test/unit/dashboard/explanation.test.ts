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
            ...(dose
              ? {
                  doseShare: {
                    percent: Math.round(dose.fraction * 100),
                    ...(dose.otherEnd === undefined ? {} : { upTo: Math.round(dose.otherEnd * 100) }),
                  },
                }
              : {}),
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

  it('never says a higher dose where the row caps the dose, and names the cap', () => {
    for (const p of PAGES) {
      const advice = patientExplanation(p.input).advice[0]?.text ?? '';
      if (p.input.action !== 'adjust-dose' || !/≤/.test(p.input.recommendation)) continue;
      expect(advice).not.toMatch(/higher dose/);
      const cap = /keep your starting dose at (\S+) mg or less/.exec(advice)?.[1];
      if (cap !== undefined)
        expect(p.input.recommendation).toMatch(new RegExp(`≤ ?${cap.replace('.', '\\.')} ?mg`));
    }
  });

  it('says on every page, right after the advice, to ask before stopping a medicine, and to keep and show the page', () => {
    for (const p of PAGES) {
      const e = patientExplanation(p.input);
      // Not only in the small footnote at the end, where a fresh-eyes review found it buried.
      expect(e.whatToDo[0]).toBe('Ask your doctor or pharmacist before you stop or change any medicine.');
      expect(e.footnote).not.toMatch(/stop or change/);
      // St. Jude's survey: 75 % of guardians had not shared the report with outside providers.
      expect(e.whatToDo.join(' ')).toMatch(
        /Keep this page\. Show it to every doctor, dentist and pharmacist/,
      );
      expect(e.whatToDo.join(' ')).not.toMatch(/metaboli[sz]er|\*\d|CPIC/i);
      expect(explanationText(e).split('before you stop or change')).toHaveLength(2);
    }
    expect(fleschKincaid(patientExplanation(PAGES[0]!.input).whatToDo.join(' ')).grade).toBeLessThanOrEqual(
      8,
    );
  });

  it('says no sentence twice and puts the advice first', () => {
    for (const p of PAGES) {
      const e = patientExplanation(p.input);
      const texts = [...[...e.advice, ...e.meaning].map((s) => s.text), ...e.whatToDo];
      expect(new Set(texts).size).toBe(texts.length);
      expect(e.advice.length).toBeGreaterThan(0);
    }
  });
  it('never says a missing result is pending, nor "your result" of a gene without one', () => {
    for (const p of PAGES) {
      for (const s of patientExplanation(p.input).meaning) {
        expect([p.id, s.text]).not.toEqual([p.id, expect.stringMatching(/\byet\b|result, you do not have/)]);
      }
    }
  });

  it('says a cause (how much of the medicine is in the blood, or of its active form) before its effects', () => {
    const cause = /in your blood than usual|active form than usual|into the form that works/;
    for (const p of PAGES) {
      const byGene = new Map<string, string[]>();
      for (const s of patientExplanation(p.input).meaning.filter((m) => m.source === 'implication')) {
        const gene = /^With your (\S+) result/.exec(s.text)?.[1] ?? '';
        byGene.set(gene, [...(byGene.get(gene) ?? []), s.text]);
      }
      for (const texts of byGene.values()) {
        const lastCause = texts.findLastIndex((t) => cause.test(t));
        const firstEffect = texts.findIndex((t) => !cause.test(t));
        if (lastCause >= 0 && firstEffect >= 0) expect([p.id, lastCause]).toEqual([p.id, firstEffect - 1]);
      }
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

  it.each([
    [
      'a dose cap is a cap, whatever the risk sentence after it says',
      'adjust-dose' as const,
      'Prescribe ≤40mg as a starting dose and adjust doses of atorvastatin based on disease-specific guidelines. Prescriber should be aware of possible increased risk for myopathy especially for 40mg dose. If dose >40mg needed for desired efficacy, consider combination therapy (i.e., atorvastatin plus non-statin guideline directed medical therapy) (PMID: 30423391).',
      'Your doctor may keep your starting dose at 40 mg or less.',
    ],
    [
      'an increase only if there is no response is not a higher dose',
      'adjust-dose' as const,
      'Initiate with a dose of 40 mg/day and if no clinical response and in the absence of adverse events after 2 weeks increase dose to 80 mg/day. If response is inadequate after 2 weeks consider obtaining a plasma concentration 2-4 h after dosing.',
      'Your doctor may change your dose.',
    ],
    [
      'the lowest starting dose, titrated',
      'adjust-dose' as const,
      'Initiate therapy with lowest recommended starting dose. Titrate dose upward to clinical effect or maximum recommended dose with caution.',
      'Your doctor may start you on a low dose and raise it slowly.',
    ],
    [
      'CPIC makes no recommendation',
      'monitor' as const,
      'No recommendation for hydrocodone therapy because of minimal evidence regarding adverse events or analgesia.',
      'There is no special advice for this medicine with your result.',
    ],
    [
      'a row that asks for another test first',
      'monitor' as const,
      'To ascertain G6PD status, enzyme activity must be measured. Drug use should be guided per the recommendations based on the activity-based phenotype.',
      'Your doctor may order another test before deciding.',
    ],
  ])('advice: %s', (_case, action, recommendation, expected) => {
    const e = patientExplanation({ drug: 'x', lookupKey: {}, implications: [], recommendation, action });
    expect(e.advice.map((s) => s.text)).toEqual([expected]);
  });

  it('says a CYP3A5 result against what is common, not against "most people"', () => {
    const e = patientExplanation({
      drug: 'tacrolimus',
      lookupKey: { CYP3A5: 'Poor Metabolizer' },
      implications: [
        'CYP3A5: Higher ("normal") dose-adjusted trough concentrations of tacrolimus and increased chance of achieving target tacrolimus concentrations.',
      ],
      recommendation:
        'Initiate therapy with standard recommended dose. Use therapeutic drug monitoring to guide dose adjustments.',
      action: 'standard',
    });
    expect(e.meaning.map((s) => s.text)).toEqual([
      'Like many people, your body does not make a protein that speeds up the breakdown of this medicine.',
      'The medicine is expected to work as usual for you.',
    ]);
    expect(resultSentence('CYP3A5', 'Normal Metabolizer')).not.toMatch(/usual speed/);
  });

  it('never tells a patient a result their test left open, and says the advice follows the safer answer', () => {
    // An ambiguous HLA-B typing leaves *57:01 possible: the card leads with CPIC's positive row (abacavir).
    const e = patientExplanation({
      drug: 'abacavir',
      lookupKey: { 'HLA-B': '*57:01 positive' },
      implications: ['HLA-B: Significantly increased risk of abacavir hypersensitivity'],
      recommendation: 'Abacavir is not recommended',
      action: 'avoid',
      unsettled: ['HLA-B'],
    });
    expect(e.meaning.map((s) => s.text)).toEqual([
      'Your test could not give one clear answer for this gene. The advice here follows the safer answer.',
    ]);
    expect(e.advice.map((s) => s.text)).toEqual([
      'Your doctor will likely choose a different medicine for you.',
    ]);
    expect(fleschKincaid(explanationText(e)).grade).toBeLessThanOrEqual(8);
  });

  it('tells a patient whose result could not be read that the doctor will check it, not what CPIC says of Indeterminate', () => {
    // CYP2C19 *1/*999: *999 is no CPIC allele, so the row is CPIC's Indeterminate row ("No recommendation").
    const e = patientExplanation({
      drug: 'clopidogrel',
      lookupKey: { CYP2C19: 'Indeterminate' },
      implications: ['CYP2C19: n/a'],
      recommendation: 'No recommendation',
      action: 'monitor',
      unreadable: ['CYP2C19'],
    });
    const text = explanationText(e);
    expect(text).toMatch(/check/);
    expect(text).toMatch(/laboratory/);
    expect(text).not.toMatch(/no special advice|could not show how your body/i);
    expect(e.advice.map((s) => s.source)).toEqual(['result']);
    expect(fleschKincaid(text).grade).toBeLessThanOrEqual(8);
  });

  it('titles a page about two genes with both results', () => {
    const e = patientExplanation({
      drug: 'azathioprine',
      lookupKey: { TPMT: 'Intermediate Metabolizer', NUDT15: 'Normal Metabolizer' },
      implications: [],
      recommendation:
        'Initiate therapy with reduced starting doses (30-80% of standard starting dose) if standard starting dose is ≥2 mg/kg/day.',
      action: 'adjust-dose',
    });
    expect(e.title).toBe('Your TPMT and NUDT15 results and azathioprine');
  });

  it('gives a range of dose shares as a range, not as its lower end', () => {
    const e = patientExplanation({
      drug: 'azathioprine',
      lookupKey: { TPMT: 'Intermediate Metabolizer' },
      implications: [],
      recommendation:
        'Initiate therapy with reduced starting doses (30-80% of standard starting dose) if standard starting dose is ≥2 mg/kg/day. If starting dose is already below standard starting dose, dose reduction might not be necessary.',
      action: 'adjust-dose',
      doseShare: { percent: 30, upTo: 80 },
    });
    expect(e.advice[0]?.text).toBe(
      'Your doctor may give you a smaller dose, about 30 to 80 percent of the usual dose.',
    );
  });

  it('gives the dose share of the recommendation', () => {
    const e = patientExplanation({
      drug: 'capecitabine',
      lookupKey: { DPYD: '1.0' },
      implications: ['Decreased DPD activity and increased risk for severe or even fatal drug toxicity'],
      recommendation: 'Reduce starting dose by 50% followed by titration of dose based on toxicity',
      action: 'adjust-dose',
      doseShare: { percent: 50 },
    });
    expect(e.advice[0]?.text).toBe(
      'Your doctor may give you a smaller dose, about 50 percent of the usual dose.',
    );
    expect(e.meaning[0]?.text).toBe('Your body breaks down some medicines more slowly than most people.');
  });

  it("keeps CPIC's severity for codeine and tramadol in a CYP2D6 ultrarapid metabolizer", () => {
    const page = (drug: string) => {
      const row = cpicRowOf(drug, { CYP2D6: '≥3.0' });
      return patientExplanation({ drug, ...row });
    };
    // "Avoid codeine use because of potential for serious toxicity"; "higher risk of toxicity".
    const codeine = page('codeine');
    expect(codeine.advice.map((s) => s.text)).toEqual([
      'Your doctor will likely choose a different medicine for you.',
      'This medicine could cause you serious harm.',
    ]);
    expect(codeine.meaning.map((s) => s.text)).toContain('This raises the chance of harm from the medicine.');
    // Tramadol's row says "potential for toxicity", without "serious".
    expect(page('tramadol').advice.map((s) => s.text)).toContain('This medicine could cause you harm.');
    for (const e of [codeine, page('tramadol')]) {
      expect(explanationText(e)).not.toMatch(/side effects/);
      expect(fleschKincaid(explanationText(e)).grade).toBeLessThanOrEqual(8);
    }
  });

  it('names the gene without a result, and does not call it pending (RYR1 with CACNA1S untested)', () => {
    const row = cpicRowOf('succinylcholine', {
      RYR1: 'Malignant Hyperthermia Susceptibility',
      CACNA1S: 'No Result',
    });
    const e = patientExplanation({ drug: 'succinylcholine', ...row });
    const said = e.meaning.map((s) => s.text);
    expect(said).toContain('You have no CACNA1S test result.');
    expect(said.join(' ')).not.toMatch(/With your CACNA1S result|\byet\b/);
  });

  it('says more of the medicine stays in the blood before the drop in blood cells it causes (TPMT)', () => {
    const row = cpicRowOf('azathioprine', { TPMT: 'Intermediate Metabolizer', NUDT15: 'Normal Metabolizer' });
    const said = patientExplanation({ drug: 'azathioprine', ...row })
      .meaning.filter((s) => s.source === 'implication')
      .map((s) => s.text);
    expect(said).toEqual([
      'This can leave more of the medicine in your blood than usual.',
      'This raises the chance of a dangerous drop in blood cells.',
    ]);
  });
});

/** The fields of CPIC's row for `drug` keyed exactly by `lookupKey`, as the page reads them. */
function cpicRowOf(drug: string, lookupKey: Readonly<Record<string, string>>) {
  const row = (drugKnowledge(drug)?.guidelines ?? [])
    .flatMap((g) => g.rows)
    .find((r) => JSON.stringify(r.lookupKey) === JSON.stringify(lookupKey));
  if (!row) throw new Error(`no CPIC row for ${drug} ${JSON.stringify(lookupKey)}`);
  return {
    lookupKey: row.lookupKey,
    implications: row.implications,
    recommendation: row.recommendation,
    action: row.action,
  };
}
