/**
 * The patient explanation of one result for one medicine (issue 12 item 5): plain sentences built by template ONLY from
 * the CPIC row a finding rests on — its lookup key (the patient's phenotype, activity score or allele status), its
 * implications and its recommendation (with the action and dose share read from that text at import). Nothing is
 * invented: every sentence names the field it restates (`source`), and the tables below and the implication reader
 * (`implications.ts`) are the whole of the wording. CPIC's own text is written for clinicians (grade 12 and above),
 * so it is never quoted here; the tables say the same thing at reading grade 8 or lower (Flesch-Kincaid,
 * `readability.ts`; a unit test checks every drug x phenotype page the CPIC data set can produce). The tables are
 * documented in `src/dashboard/README.md`.
 */
import { phenotypeForScore } from '../rules/cpic/phenotype';
import { isEmptyImplication } from '../rules/cpic';
import { readRecommendation } from '../rules/cpic/row-actions';
import type { RowAction } from '../rules/cpic';
import { causesFirst, implicationSentences } from './implications';

import type { ExplanationSentence, ExplanationSource, PatientExplanation } from './contract';

export type { ExplanationSentence, ExplanationSource, PatientExplanation } from './contract';

export interface ExplanationInput {
  readonly drug: string;
  /** The CPIC row's lookup key: gene → phenotype, activity score or allele status (e.g. `*57:01 positive`). */
  readonly lookupKey: Readonly<Record<string, string>>;
  readonly implications: readonly string[];
  readonly recommendation: string;
  /** The row's action, classified from the recommendation text at import. */
  readonly action: RowAction;
  /** The dose share the recommendation text gives (`rules/cpic/dose`). */
  readonly doseShare?: DoseShare;
  /**
   * Genes whose result leaves several CPIC rows open (an ambiguous HLA typing, an unreported copy number, a phenotype
   * spanning scores whose rows differ): the row is the most protective of them, so its result words do not apply.
   */
  readonly unsettled?: readonly string[];
  /**
   * Genes whose result on file the service could not read (`GeneResult.unreadable`): CPIC's row is the one for an
   * Indeterminate result, which says nothing about the patient's test.
   */
  readonly unreadable?: readonly string[];
}

/** What an unsettled result means (`ExplanationInput.unsettled`). */
const UNSETTLED_RESULT =
  'Your test could not give one clear answer for this gene. The advice here follows the safer answer.';

/** What an unreadable result means to the patient (`ExplanationInput.unreadable`), and what happens next. */
const UNREADABLE_RESULT =
  'Your doctor will check this test result with the laboratory: it was written in a way this service cannot read.';
const UNREADABLE_ADVICE = 'Your doctor will check your test result before deciding about this medicine.';

/** A share of the usual dose in percent: `percent`, or a range from `percent` (the smaller) to `upTo`. */
export interface DoseShare {
  readonly percent: number;
  readonly upTo?: number;
}

/**
 * Lookup value (phenotype term) → what it means for the body. Source field: the row's `lookupKey` (the patient's
 * result). Activity scores are first read as their CPIC phenotype (`phenotypeForScore`, genes.json score bands).
 */
export const RESULT_SENTENCES: Readonly<Record<string, string>> = {
  'Ultrarapid Metabolizer': 'Your body breaks down some medicines much faster than most people.',
  'Rapid Metabolizer': 'Your body breaks down some medicines a bit faster than most people.',
  'Normal Metabolizer': 'Your body breaks down this kind of medicine at the usual speed.',
  'Intermediate Metabolizer': 'Your body breaks down some medicines more slowly than most people.',
  'Likely Intermediate Metabolizer':
    'Your body likely breaks down some medicines more slowly than most people.',
  'Possible Intermediate Metabolizer':
    'Your body may break down some medicines more slowly than most people.',
  'Poor Metabolizer': 'Your body breaks down some medicines much more slowly than most people.',
  'Likely Poor Metabolizer': 'Your body likely breaks down some medicines much more slowly than most people.',
  'Increased Function': 'Your body moves some medicines out of the blood faster than most people.',
  'Normal Function': 'Your body moves this kind of medicine out of the blood at the usual speed.',
  'Decreased Function': 'Your body moves some medicines out of the blood more slowly than most people.',
  'Possible Decreased Function':
    'Your body may move some medicines out of the blood more slowly than most people.',
  'Poor Function': 'Your body moves some medicines out of the blood much more slowly than most people.',
  Normal: 'Your body makes the usual amount of a substance that keeps your red blood cells safe.',
  Deficient: 'Your body makes too little of a substance that keeps your red blood cells safe.',
  'Deficient with CNSHA':
    'Your body makes far too little of a substance that keeps your red blood cells safe.',
  'Malignant Hyperthermia Susceptibility':
    'You have a gene change that can cause a dangerous reaction to some drugs used for surgery.',
  'Uncertain Susceptibility':
    'Your test could not rule out a gene change that can cause a bad reaction to some drugs used for surgery.',
  'increased risk of aminoglycoside-induced hearing loss':
    'You have a gene change that raises the chance of hearing loss from some germ-killing drugs.',
  'normal risk of aminoglycoside-induced hearing loss':
    'You do not have the gene change that raises the chance of hearing loss from some germ-killing drugs.',
  'uncertain risk of aminoglycoside-induced hearing loss':
    'Your test could not show if you have a gene change that can cause hearing loss from some drugs.',
  'ivacaftor responsive in CF patients': 'You have a gene type that this medicine is made to treat.',
  'ivacaftor non-responsive in CF patients':
    'You do not have a gene type that this medicine is made to treat.',
  positive: 'You carry a gene type that is linked to a serious reaction to this medicine.',
  negative: 'You do not carry the gene type that is linked to a serious reaction to this medicine.',
  // Not "yet": a row keyed on "No Result" applies whether or not a test is ever done (succinylcholine with an RYR1
  // result and no CACNA1S test: no test is asked for). With two genes the sentence names the gene (`noResult`).
  'No Result': 'You do not have a test result for this gene.',
  Indeterminate: 'Your test could not show how your body handles this medicine.',
  Variable: 'Your test could not show how your body handles this medicine.',
  'n/a': 'Your test could not show how your body handles this medicine.',
  'xN combinations': 'Your test could not show how your body handles this medicine.',
};

/**
 * The recommendation's action (and dose share) → what to expect. Source field: the row's `recommendation`, read in the
 * sentence its action was decided on (`readRecommendation`, as the import reads it): "Prescribe ≤40mg as a starting
 * dose … Prescriber should be aware of possible increased risk for myopathy" caps the dose, it does not raise it.
 */
function adviceFor(input: ExplanationInput): ExplanationSentence[] {
  const sentence = (text: string): ExplanationSentence => ({ text, source: 'recommendation' });
  // CPIC's row for an Indeterminate result is not advice about this patient's test: the next step is the check.
  if ((input.unreadable ?? []).length > 0) return [{ text: UNREADABLE_ADVICE, source: 'result' }];
  const read = readRecommendation(input.recommendation);
  switch (input.action) {
    case 'avoid':
      return [sentence('Your doctor will likely choose a different medicine for you.'), ...harmReason(input)];
    case 'adjust-dose':
      return [
        sentence(doseAdvice(read === undefined || read === 'no-recommendation' ? '' : read.sentence, input)),
      ];
    case 'monitor':
      if (read === 'no-recommendation')
        return [sentence('There is no special advice for this medicine with your result.')];
      if (read?.asks === 'order-test')
        return [sentence('Your doctor may order another test before deciding.')];
      return [sentence('Your doctor will check closely how this medicine works for you.')];
    case 'standard':
      return [sentence('You can take this medicine at the usual dose.')];
  }
}

/**
 * Why the drug is avoided, where the recommendation gives the reason as harm: "Avoid codeine use because of potential
 * for serious toxicity" (CYP2D6 ultrarapid metabolizers; tramadol's row says "potential for toxicity"). The advice
 * keeps CPIC's severity ("serious" only where CPIC says it) rather than leave it to the implication's milder "higher
 * risk of toxicity".
 */
function harmReason(input: ExplanationInput): ExplanationSentence[] {
  const reason = /because of (?:the )?potential for (serious |severe )?toxicity/i.exec(input.recommendation);
  if (!reason) return [];
  return [
    {
      text: `This medicine could cause you ${reason[1] ? 'serious ' : ''}harm.`,
      source: 'recommendation',
    },
  ];
}

/**
 * What a dose change means for the patient, from the deciding sentence of an adjust-dose row, up to its first "if":
 * "Initiate with a dose of 40 mg/day and if no clinical response … increase dose to 80 mg/day" starts at the usual
 * dose and only then raises it.
 */
function doseAdvice(sentence: string, input: ExplanationInput): string {
  const deciding = sentence.split(/\bif\b/i)[0] ?? '';
  const share = input.doseShare;
  if (share !== undefined && share.percent < 100 && (share.upTo ?? 0) < 100) {
    const range =
      share.upTo === undefined ? String(share.percent) : `${String(share.percent)} to ${String(share.upTo)}`;
    return `Your doctor may give you a smaller dose, about ${range} percent of the usual dose.`;
  }
  const cap = /≤\s*(\d+(?:\.\d+)?)\s*mg/i.exec(deciding)?.[1];
  if (cap !== undefined) return `Your doctor may keep your starting dose at ${cap} mg or less.`;
  if (/\blowest\b/i.test(deciding)) {
    return /\btitrat/i.test(input.recommendation)
      ? 'Your doctor may start you on a low dose and raise it slowly.'
      : 'Your doctor may start you on the lowest dose.';
  }
  if (/\bincreas\w* (?:the |starting |daily )*dos|higher (?:starting )?dose|above standard/i.test(deciding)) {
    return 'Your doctor may give you a higher dose than usual.';
  }
  if (/\breduc|\blower\b|\bdecreas|\bless than\b/i.test(deciding))
    return 'Your doctor may give you a smaller dose than usual.';
  return 'Your doctor may change your dose.';
}

/**
 * Results whose general sentence would mislead, by gene and value. CYP3A5: most people of European ancestry make no
 * CYP3A5 (CPIC's tacrolimus implications call the non-expresser's higher concentrations "normal"), so a CYP3A5 poor
 * metabolizer is not slower "than most people", and a normal metabolizer breaks tacrolimus down faster than many.
 */
const GENE_RESULT_SENTENCES: Readonly<Record<string, string>> = {
  'CYP3A5 Normal Metabolizer':
    'Your body makes a protein that breaks down this medicine faster than in many people.',
  'CYP3A5 Intermediate Metabolizer':
    'Your body makes some of a protein that breaks down this medicine faster than in many people.',
  'CYP3A5 Possible Intermediate Metabolizer':
    'Your body may make some of a protein that breaks down this medicine faster than in many people.',
  'CYP3A5 Poor Metabolizer':
    'Like many people, your body does not make a protein that speeds up the breakdown of this medicine.',
};

/** The plain result sentence of one lookup value (a score is read as its CPIC phenotype first). */
export function resultSentence(gene: string, value: string): string | undefined {
  const specific = GENE_RESULT_SENTENCES[`${gene} ${value}`];
  if (specific) return specific;
  const hla = /^\*\d+:\d+ (positive|negative)$/.exec(value)?.[1];
  if (hla) return RESULT_SENTENCES[hla];
  const direct = RESULT_SENTENCES[value];
  if (direct) return direct;
  const phenotype = phenotypeForScore(gene, value);
  return phenotype ? RESULT_SENTENCES[phenotype] : undefined;
}

export const FOOTNOTE =
  'How this page was made: each sentence about your medicine and your result puts what the CPIC guideline says ' +
  'into plain words. Nothing else was added.';

/**
 * What to do now, the same on every page, and not CPIC's: shown right after the advice, so that "Your doctor will
 * likely choose a different medicine" is never read as "stop it". Only wording the product already used, each sentence
 * once on the page:
 * - "Ask your doctor or pharmacist before you stop or change any medicine." was the footnote's last sentence, small
 *   and at the very end, where a fresh-eyes review found it buried; it moved here (we chose to keep the product's
 *   sentence rather than write a new "do not stop" one).
 * - Keep and share: St. Jude's plain-language sheet "About pharmacogenetics" tells families that pharmacogenetic
 *   results "last a lifetime" and asks them to keep the results and share them; in St. Jude's survey of 128 guardians,
 *   90 % understood the report on their own but 75 % had not shared it with outside providers (ASHP Midyear poster,
 *   reported by MedPage Today). A prescriber the page is not shown to cannot use the result.
 * Sources in `src/dashboard/README.md`, "Patient explanation".
 */
export const WHAT_TO_DO: readonly string[] = [
  'Ask your doctor or pharmacist before you stop or change any medicine.',
  'Your gene test result lasts a lifetime.',
  'Keep this page. Show it to every doctor, dentist and pharmacist who gives you a medicine.',
];

/** The patient explanation of one CPIC row. */
export function patientExplanation(input: ExplanationInput): PatientExplanation {
  const genes = Object.keys(input.lookupKey);
  const meaning: ExplanationSentence[] = [];
  const seen = new Set<string>();
  const add = (text: string, source: ExplanationSource): void => {
    if (seen.has(text)) return;
    seen.add(text);
    meaning.push({ text, source });
  };
  // With two genes or more, each sentence says which result it is about.
  const about = (gene: string | undefined, text: string): string =>
    genes.length > 1 && gene
      ? `With your ${gene} result, ${text.charAt(0).toLowerCase()}${text.slice(1)}`
      : text;
  for (const gene of genes) {
    const value = input.lookupKey[gene] ?? '';
    // "With your CACNA1S result, you do not have a test result for this gene" contradicted itself.
    if (genes.length > 1 && value === 'No Result' && !input.unreadable?.includes(gene)) {
      add(`You have no ${gene} test result.`, 'result');
      continue;
    }
    const text = input.unreadable?.includes(gene)
      ? UNREADABLE_RESULT
      : input.unsettled?.includes(gene)
        ? UNSETTLED_RESULT
        : resultSentence(gene, value);
    if (text) add(about(gene, text), 'result');
  }
  // Per gene (or for the lines naming none), the causes before their effects, across lines: TPMT gives the risk of a
  // drop in blood cells in one line and the higher TGN concentrations behind it in the next.
  const implied: { readonly gene: string | undefined; readonly text: string }[] = [];
  for (const line of input.implications) {
    // CPIC writes one implication per gene, `GENE: text`; `n/a` says there is none for that gene.
    const match = /^([A-Za-z0-9-]+):(.*)$/s.exec(line);
    const gene = match?.[1] && genes.includes(match[1]) ? match[1] : undefined;
    const implication = gene ? (match?.[2] ?? '').trimStart() : line;
    const unclear = gene && (input.unsettled?.includes(gene) || input.unreadable?.includes(gene));
    if (isEmptyImplication(line) || unclear) continue;
    for (const text of implicationSentences(implication)) implied.push({ gene, text });
  }
  for (const gene of new Set(implied.map((i) => i.gene))) {
    const ofGene = implied.filter((i) => i.gene === gene);
    for (const { text } of causesFirst(ofGene, (i) => i.text)) add(about(gene, text), 'implication');
  }
  return {
    drug: input.drug,
    title: `Your ${genes.join(' and ')} ${genes.length > 1 ? 'results' : 'result'} and ${input.drug}`,
    advice: adviceFor(input),
    meaning,
    whatToDo: WHAT_TO_DO,
    footnote: FOOTNOTE,
  };
}

/** The whole page as one text (for the reading-grade check). */
export function explanationText(e: PatientExplanation): string {
  return [...e.advice, ...e.meaning]
    .map((s) => s.text)
    .concat(e.whatToDo, e.footnote)
    .join(' ');
}
