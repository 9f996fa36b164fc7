/**
 * Threshold sources as finished citation text (src/rules/citations.ts): the team's working notes (research file
 * paths, section numbers, "verify" marks) never reach a person; a value that is the service's own choice still says
 * so; the threshold editor shows every citation, a card the first. Every source of both shipped sets is checked with
 * the card-text rules (test/helpers/card-text.ts).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { citationText, citationsOf, firstCitation } from '../../../src/rules/citations';
import { readThresholdSetFile } from '../../../src/rules/thresholds';
import { textProblems } from '../../helpers/card-text';

const SETS_DIR = path.resolve(__dirname, '../../../config/thresholds');
const SHIPPED = readdirSync(SETS_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => readThresholdSetFile(path.join(SETS_DIR, f)));

const BETA_BLOCKER =
  'CPIC 2024 β-blocker guideline (Duarte et al., Clin Pharmacol Ther 116:939–947; PMID 38951961): PMs have "greater exposure and lower heart rate"';

describe('citationsOf', () => {
  it('drops a parenthesis that only points into a research note, and its "(verify)" mark', () => {
    expect(
      citationsOf(
        `${BETA_BLOCKER}; DPWG metoprolol (PharmGKB PA166104995); bradycardia < 50 /min per 2018 ACC/AHA/HRS bradycardia guideline (verify) (knowledge/research/wearables-in-fhir.md §2.2 R1)`,
      ),
    ).toEqual([
      BETA_BLOCKER,
      'DPWG metoprolol (PharmGKB PA166104995)',
      'bradycardia < 50/min per 2018 ACC/AHA/HRS bradycardia guideline',
    ]);
  });

  it('drops a "verify" mark set in bold or written into a parenthesis or after a dash', () => {
    expect(
      citationText('bradycardia guideline **(verify)** (shared/research/wearables-in-fhir.md §2.2 R1)'),
    ).toBe('bradycardia guideline');
    expect(citationText('consensus event definition (Battelino 2019/2023, verify)')).toBe(
      'consensus event definition (Battelino 2019/2023)',
    );
    expect(citationText("CPIC's level definition, cpicpgx.org/levels — verify")).toBe(
      "CPIC's level definition, cpicpgx.org/levels",
    );
  });

  it('keeps what a parenthesis says besides the note reference', () => {
    expect(
      citationText(
        'QTc > 500 ms = high risk (knowledge/research/wearables-in-fhir.md §2.2 R3; confirm with 12-lead ECG, §2.3)',
      ),
    ).toBe('QTc > 500 ms = high risk (confirm with 12-lead ECG)');
    expect(
      citationText(
        'INR action thresholds from anticoagulation protocols (ACCP, verify): INR > 4 in last 7 d (knowledge/research/wearables-in-fhir.md §2.2 R9; home device, not wearable)',
      ),
    ).toBe(
      'INR action thresholds from anticoagulation protocols (ACCP): INR > 4 in last 7 d (home device, not wearable)',
    );
  });

  it('drops a leading note reference and keeps the words it introduces', () => {
    expect(
      citationText(
        'knowledge/research/wearables-in-fhir.md §2.4 resting HR: 7 d, ≥ 4 of 7 days with a daily value, newest ≤ 72 h (design choice)',
      ),
    ).toBe('resting HR: 7 d, ≥ 4 of 7 days with a daily value, newest ≤ 72 h (design choice)');
  });

  it('says "design choice" for "design", and starts a design value that does not say so with it', () => {
    expect(citationText('RR < 10 /min (clinical convention, design)')).toBe(
      'RR < 10/min (clinical convention, design choice)',
    );
    expect(
      citationText(
        'knowledge/research/wearables-in-fhir.md §2.3 R1: PM on stable metoprolol > 4 weeks → may drop one step',
        'design',
      ),
    ).toBe('Design choice: PM on stable metoprolol > 4 weeks → may drop one step');
    expect(citationText('No guideline link; display only', 'design')).toBe('No guideline link; display only');
    expect(citationText('knowledge/research/wearables-in-fhir.md §2.2 R12', 'design')).toBe(
      'Design choice of this service',
    );
  });

  it("keeps a drug label's own section, in words", () => {
    expect(
      citationText(
        'FDA label Mayzent: first-dose monitoring for sinus bradycardia (label §2.4); resting HR < 55 /min (knowledge/research/wearables-in-fhir.md §2.2 R2)',
      ),
    ).toBe(
      'FDA label Mayzent: first-dose monitoring for sinus bradycardia (label section 2.4); resting HR < 55/min',
    );
  });

  it('writes UCUM millimetres of mercury as people do', () => {
    expect(citationText('home-BP thresholds (verify): 7-day mean ≥ 130/80 mm[Hg]')).toBe(
      'home-BP thresholds: 7-day mean ≥ 130/80 mmHg',
    );
  });
});

describe('firstCitation (what a card names)', () => {
  it('is the first citation, cut before its quote or claim', () => {
    expect(firstCitation(`${BETA_BLOCKER}; DPWG metoprolol (PharmGKB PA166104995)`)).toBe(
      'CPIC 2024 β-blocker guideline (Duarte et al., Clin Pharmacol Ther 116:939–947; PMID 38951961)',
    );
    expect(
      firstCitation(
        'ACC/AHA 2017 hypertension guideline home-BP thresholds (verify): 7-day mean ≥ 130/80 mm[Hg] (knowledge/research/wearables-in-fhir.md §2.2 R7)',
      ),
    ).toBe('ACC/AHA 2017 hypertension guideline home-BP thresholds');
  });
});

describe.each(SHIPPED.map((set) => [set.version, set] as const))('every source of %s', (_version, set) => {
  const sources = [
    ...set.sensorRules.flatMap((r) => [
      ...r.triggers.map((t) => t.source),
      ...(r.contraindicated ? [r.contraindicated.source] : []),
    ]),
    ...Object.values(set.sufficiency).map((s) => s.source),
  ];

  it('reads as finished text in full and as its first citation', () => {
    expect(sources.length).toBeGreaterThan(20);
    const problems = sources.flatMap((source) =>
      [citationText(source), firstCitation(source)].flatMap((text) =>
        (text.trim().length > 0 ? textProblems(text) : ['is empty']).map((p) => `"${text}" ${p}`),
      ),
    );
    expect(problems).toEqual([]);
  });
});
