/**
 * Plain sentences from CPIC implication text (the patient page). The lines below are CPIC's own, copied from the
 * bundled data set; the expected sentences are what each line says, read by a person. The data-set tests read every
 * implication line of the bundled CPIC data and check that the sentences go the way CPIC's words go.
 */
import { IMPLICATION_FALLBACK, USUAL, implicationSentences } from '../../../src/dashboard/implications';
import { cpicDrugNames, drugKnowledge } from '../../../src/rules/cpic/knowledge';

describe('one implication, read clause by clause', () => {
  it.each([
    [
      'clopidogrel, poor metabolizer: the events are heart attacks and strokes, not side effects',
      'Significantly reduced clopidogrel active metabolite formation; increased on-treatment platelet reactivity; increased risk for adverse cardiac and cerebrovascular events',
      [
        'Less of the medicine is turned into the form that works.',
        'This raises the chance of heart problems or a stroke.',
      ],
    ],
    [
      'clopidogrel, normal metabolizer: "no association with higher bleeding risk" denies the risk',
      'Normal or increased clopidogrel active metabolite formation; normal or lower on-treatment platelet reactivity; no association with higher bleeding risk',
      [USUAL, 'Studies have not shown a higher chance of bleeding with your result.'],
    ],
    [
      'abacavir, HLA-B*57:01 negative: a low risk is low',
      'Low or reduced risk of abacavir hypersensitivity',
      ['Your chance of a serious skin or allergic reaction is low.'],
    ],
    [
      'aminoglycosides, MT-RNR1 normal risk',
      'Normal risk of developing hearing loss if administered an aminoglycoside antibiotic.',
      ['Your chance of hearing loss is about the same as for most people.'],
    ],
    [
      'aminoglycosides, MT-RNR1 uncertain risk: no evidence is not a raised risk',
      'Weak or no evidence for an increased risk of MT-RNR1 associated hearing loss if administered an aminoglycoside antibiotic.',
      ['Studies have not shown a higher chance of hearing loss with your result.'],
    ],
    [
      'G6PD variable',
      'Variable risk of acute hemolytic anemia',
      ['Your chance of harm to your red blood cells is not known.'],
    ],
    [
      'metoprolol, poor metabolizer: the hedge is kept',
      'Decreased metabolism of metoprolol leading to increased drug concentrations; however, this does not appear to translate into clinically significant changes in heart rate, blood pressure, or clinical outcomes',
      [
        'This can leave more of the medicine in your blood than usual.',
        'This does not seem to make a difference to your health.',
      ],
    ],
    [
      'hydrocodone: what the evidence cannot tell is not said as a loss of pain relief',
      'Decreased metabolism of hydrocodone to active metabolite, hydromorphone, but there is insufficient evidence to determine if these effects on pharmacokinetics translate into decreased analgesia or side effects.',
      [
        'Less of the medicine is turned into the form that works.',
        'It is not clear if this makes a difference to your health.',
      ],
    ],
    [
      'tacrolimus, CYP3A5 non-expresser: CPIC\'s quoted "normal" is the direction',
      'Higher ("normal") dose-adjusted trough concentrations of tacrolimus and increased chance of achieving target tacrolimus concentrations.',
      [USUAL],
    ],
    [
      'tacrolimus, CYP3A5 expresser',
      'Lower dose-adjusted trough concentrations of tacrolimus and decreased chance of achieving target tacrolimus concentrations.',
      [
        'This can leave less of the medicine in your blood than usual.',
        'The usual dose may not give enough of the medicine in your blood to work.',
      ],
    ],
    [
      'thioguanine, TPMT normal metabolizer: compared with worse phenotypes, and called normal',
      "TPMT NMs have lower erythrocyte concentrations of TGN metabolites compared to TPMT IMs and TPMT PMs. This is the 'normal' pattern.",
      [USUAL],
    ],
    [
      'mercaptopurine, TPMT intermediate: the methylated metabolites are not the drug in the blood',
      'TPMT IMs have moderate to high erythrocyte concentrations of TGN metabolites and low concentrations of MeMPNs compared to TPMT NMs when receiving standard dose.',
      ['This can leave more of the medicine in your blood than usual.'],
    ],
    [
      'pravastatin: the dose limit stays with the risk it limits',
      'Increased pravastatin exposure as compared to normal function; Typical myopathy risk with doses ≤40 mg.',
      [
        'This can leave more of the medicine in your blood than usual.',
        'Your chance of muscle pain or damage is about the same as for most people, at doses up to 40 mg.',
      ],
    ],
    [
      'thiopurines, TPMT poor metabolizer',
      'Greatly increased risk of thiopurine-related leukopenia, neutropenia and myelosuppression. Fatal toxicity possible without dose decrease.',
      [
        'This raises the chance of a dangerous drop in blood cells.',
        'Without a lower dose, the side effects can be deadly.',
      ],
    ],
    [
      'omeprazole, normal metabolizer: "normal metabolism" is not "works as usual" when failure is more likely',
      'Normal PPI metabolism; may be at increased risk of therapeutic failure compared to CYP2C19 IMs and PMs',
      ['The medicine may not work as well for you.'],
    ],
    [
      'sertraline: a slower breakdown alone says nothing about effect',
      'Reduced metabolism of sertraline to less active compounds when compared to CYP2C19 normal metabolizers.',
      [IMPLICATION_FALLBACK],
    ],
    [
      'desflurane, RYR1 not found: a negative test does not rule it out',
      'These results do not eliminate the chance that this patient is susceptible to malignant hyperthermia (MH). The genetic cause of about half of all MH survivors, with MH susceptibility confirmed by contracture test, remains unknown (PMID 28902675).',
      ['This test cannot rule out a dangerous reaction to some drugs used for surgery.'],
    ],
  ])('%s', (_case, implication, expected) => {
    expect(implicationSentences(implication)).toEqual(expected);
  });
});

/** Every implication line of the bundled CPIC data set, without its `GENE:` prefix. */
function everyImplication(): string[] {
  const lines = new Set<string>();
  for (const drug of cpicDrugNames()) {
    for (const guideline of drugKnowledge(drug)?.guidelines ?? []) {
      for (const row of guideline.rows) {
        for (const line of row.implications) {
          const text = line.replace(/^[A-Za-z0-9-]+:\s*/, '');
          if (!/^\s*(n\/a|none|)\s*\.?$/i.test(text)) lines.add(text);
        }
      }
    }
  }
  return [...lines];
}

const LINES = everyImplication();
const RAISED = /raises the chance|could cause a dangerous reaction|more of the medicine|work more strongly/;
const LOWERED = /less of the medicine|is low\b/;
const UP_WORDS = /increase|higher|\bhigh\b|greater|elevated|\bmore\b|medium|associated with|possible/i;
const DOWN_WORDS = /reduc|decrease|lower|\blow\b|diminish|\bless\b|lack of/i;

describe('every implication line of the CPIC data set', () => {
  it('covers the data set', () => {
    expect(LINES.length).toBeGreaterThan(150);
  });

  it('says something goes up only where CPIC says something goes up', () => {
    const unfounded = LINES.filter((line) => !UP_WORDS.test(line))
      .map((line) => ({ line, said: implicationSentences(line).filter((s) => RAISED.test(s)) }))
      .filter((x) => x.said.length > 0);
    expect(unfounded).toEqual([]);
  });

  it('says something goes down or is low only where CPIC says so', () => {
    const unfounded = LINES.filter((line) => !DOWN_WORDS.test(line))
      .map((line) => ({ line, said: implicationSentences(line).filter((s) => LOWERED.test(s)) }))
      .filter((x) => x.said.length > 0);
    expect(unfounded).toEqual([]);
  });

  it('never says both ways of the same thing', () => {
    const contradictions = LINES.map((line) => ({ line, said: implicationSentences(line) })).filter(
      ({ said }) =>
        (said.some((s) => s.includes('more of the medicine in your blood')) &&
          said.some((s) => s.includes('less of the medicine in your blood'))) ||
        (said.some((s) => s.includes('work more strongly')) &&
          said.some((s) => s.includes('not work as well'))) ||
        (said.includes(USUAL) && said.some((s) => RAISED.test(s) || s.includes('not work as well'))) ||
        said.some((raised) => {
          const harm = /^This raises the chance of (.+)\.$/.exec(raised)?.[1];
          return harm !== undefined && said.some((s) => s !== raised && s.includes(` ${harm} `));
        }),
    );
    expect(contradictions).toEqual([]);
  });

  it('turns every raised risk CPIC names into a sentence about that risk', () => {
    const missed = LINES.filter((line) =>
      /(increased|higher|greater|\bhigh) (risk|likelihood)/i.test(
        line.replace(/no evidence for an increased risk/i, ''),
      ),
    ).filter(
      // A raised risk of treatment failure reads as the medicine not working as well.
      (line) =>
        !implicationSentences(line).some(
          (s) => (RAISED.test(s) && !s.includes('blood than usual')) || s.includes('not work as well'),
        ),
    );
    expect(missed).toEqual([]);
  });

  it('reads a clause about risk as a risk, never only as the fallback', () => {
    const fallback = LINES.filter((line) => /\brisk\b/i.test(line)).filter(
      (line) => implicationSentences(line).join(' ') === IMPLICATION_FALLBACK,
    );
    expect(fallback).toEqual([]);
  });
});
