/**
 * The card text rules of issue 9 ("cards a clinician reads in five seconds"), asserted on a card: length limits, no
 * internal notes (rule ids, research file paths or section numbers, "verify" marks, code artefacts, resource ids such
 * as `Observation/…` or `Practitioner/…`), no raw timestamps or ISO dates (dates as a person writes them), no word twice in a row ("INR
 * INR 4.4"), and no sentence twice in the detail. `textProblems` holds any other text a person reads (a page's citation, a message) to the same notes rules.
 */
import type { Card } from '../../src/cds/types';
import { rendered } from './markdown';

/** CDS Hooks: `summary` "<140-character"; the detail and labels are held to what a glance can take. */
export const CARD_TEXT_LIMITS = { summary: 139, detail: 3500, label: 60 } as const;

const INTERNAL_NOTES: readonly (readonly [RegExp, string])[] = [
  [/\bverify\b/i, 'a "verify" mark'],
  [/\bshared\/|\bknowledge\/|\bresearch\/|wearables-in-fhir/, 'a research file path'],
  [/§\s?\d/, 'a research section number'],
  [/\bR\d{1,2}-[a-z]+-[a-z]/, 'a sensor rule id'],
  [/\bcpic:PA\d+/, 'a CPIC rule id'],
  [/\b[\w-]+\.(?:ts|json|md)\b/, 'a file name'],
  [/\bundefined\b|\bNaN\b|\[object /, 'a code artefact'],
  [/\b(?:Observation|Patient|Practitioner|MedicationRequest|Device)(?:\/|\[\d)/, 'a resource id'],
  [/\b\d{4}-\d{2}-\d{2}\b/, 'an ISO date (people write "12 Jun 2025")'],
  [/\bUCUM\b|mm\[Hg\]|\{INR\}/, 'a unit-coding term a prescriber does not use ("UCUM", "mm[Hg]")'],
  [/^- [\w-]+: (?:n\/a|none)\.?$/im, 'an implication that says nothing ("CYP2D6: n/a")'],
];

/** An ISO 8601 instant (date and clock time): people write "29 Nov" or "29 Nov 06:55". */
const TIMESTAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** The sentences of a rendered detail: quotes and list marks removed, split at sentence ends. */
export function detailSentences(detail: string): string[] {
  return rendered(detail)
    .split('\n')
    .map((line) => line.replace(/^\s*(?:>|-)\s?/, '').trim())
    .flatMap((line) => line.split(/(?<=[.!?])\s+(?=[A-Z])/))
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length >= 25);
}

/** The internal notes and raw timestamps in one text a person reads, in words (empty when none). */
export function textProblems(text: string): string[] {
  const problems: string[] = [];
  for (const [pattern, what] of INTERNAL_NOTES) {
    const found = pattern.exec(text);
    if (found) problems.push(`has ${what}: "${found[0]}"`);
  }
  const stamp = TIMESTAMP.exec(text);
  if (stamp) problems.push(`has a raw timestamp: "${stamp[0]}…"`);

  return problems;
}

/** What breaks the rules in a card, in words (empty when none). */
export function cardTextProblems(card: Card): string[] {
  const problems: string[] = [];
  const texts: [string, string][] = [
    ['summary', card.summary],
    ['detail', card.detail ?? ''],
    ...(card.suggestions ?? []).map((s, i): [string, string] => [`suggestions[${i}].label`, s.label]),
    ...(card.links ?? []).map((l, i): [string, string] => [`links[${i}].label`, l.label]),
  ];
  if (card.summary.length > CARD_TEXT_LIMITS.summary)
    problems.push(`summary is ${card.summary.length} characters`);
  const detailLength = rendered(card.detail ?? '').length;
  if (detailLength > CARD_TEXT_LIMITS.detail) problems.push(`detail is ${detailLength} characters`);
  for (const s of card.suggestions ?? []) {
    if (s.label.length > CARD_TEXT_LIMITS.label)
      problems.push(`suggestion label is ${s.label.length} characters`);
  }
  for (const [where, text] of texts) {
    problems.push(...textProblems(text).map((problem) => `${where} ${problem}`));
    // The service's own words; CPIC's text is quoted verbatim, typos included ("see Figure 1 of of PMID").
    const ownWords = text
      .split('\n')
      .filter((line) => !line.startsWith('>'))
      .join('\n');
    const doubled = /\b([A-Za-z]+) \1\b/i.exec(ownWords);
    if (doubled) problems.push(`${where} says a word twice in a row: "${doubled[0]}"`);
  }
  const seen = new Set<string>();
  for (const sentence of detailSentences(card.detail ?? '')) {
    if (seen.has(sentence)) problems.push(`detail repeats "${sentence}"`);
    seen.add(sentence);
  }
  return problems;
}

/** Fails the test with every rule a card breaks. */
export function expectClinicianReadable(card: Card): void {
  expect({ summary: card.summary, problems: cardTextProblems(card) }).toEqual({
    summary: card.summary,
    problems: [],
  });
}
