/**
 * Card text helpers: the length-safe summary composer and markdown escaping.
 * https://cds-hooks.hl7.org/2.0/#card-attributes — `summary` is "<140-character", `detail` is GitHub-flavoured markdown.
 */
import { calendarDate } from '../rules/cpic/dates';

// Written where findings write dates too (a pre-test finding dates a pending result), so both read alike.
export { calendarDate };

/** The longest summary we emit (the spec says under 140 characters). */
export const SUMMARY_LIMIT = 139;

/**
 * Characters that GFM (or a client rendering raw HTML, as the sandbox does with rehype-raw) would read as markup.
 * Each is backslash-escaped, which GFM renders as the character itself, so CPIC text shows exactly as written.
 */
const MARKDOWN_SPECIAL = /[\\`*_[\]<>#|~]/g;

/** Escapes data for markdown so it renders literally and never as HTML. */
export function escapeMarkdown(text: string): string {
  return text.replace(MARKDOWN_SPECIAL, (c) => `\\${c}`);
}

/** Shorter spellings for summary fitting; the detail always keeps CPIC's own terms. */
const ABBREVIATIONS: readonly (readonly [RegExp, string])[] = [
  [/\bUltrarapid Metabolizer\b/g, 'UM'],
  [/\bRapid Metabolizer\b/g, 'RM'],
  [/\bNormal Metabolizer\b/g, 'NM'],
  [/\bIntermediate Metabolizer\b/g, 'IM'],
  [/\bPoor Metabolizer\b/g, 'PM'],
  [/\bFunction\b/g, 'fn'],
  [/\bIndeterminate\b/g, 'indet.'],
];

/** Abbreviates metabolizer and function phenotypes (`Poor Metabolizer` → `PM`). */
export function abbreviatePhenotypes(text: string): string {
  return ABBREVIATIONS.reduce((t, [pattern, short]) => t.replace(pattern, short), text);
}

/**
 * The first candidate that fits `limit`; when none does, the last one cut at a word boundary with a visible `…`
 * (never mid-word, never silently). Candidates go from the fullest to the most compact wording.
 */
export function fitSummary(candidates: readonly string[], limit = SUMMARY_LIMIT): string {
  const fitting = candidates.find((c) => c.length <= limit);
  if (fitting !== undefined) return fitting;
  const last = candidates[candidates.length - 1] ?? '';
  const room = last.slice(0, limit - 1);
  const cut = room.lastIndexOf(' ');
  return `${(cut > 0 ? room.slice(0, cut) : room).replace(/(?<![\s,;:(])[\s,;:(]+$/, '')}…`;
}

/** `a`, `a and b`, `a, b and c`. */
export function listPhrase(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

/** A version label with its date in words: `default-2026-11-29` → `default of 29 Nov 2026`; others unchanged. */
function versionWords(label: string): string {
  const match = /^(.*?)-?(\d{4}-\d{2}-\d{2})$/.exec(label);
  const date = match?.[2] === undefined ? undefined : calendarDate(match[2]);
  if (!match || date === undefined) return label;
  return match[1] ? `${match[1]} of ${date}` : date;
}

/**
 * The provenance line's versions in words: `cpic-2026-04-30` → `CPIC data of 30 Apr 2026` (the version names the
 * newest source date the CPIC data set states), with the date of the allele functions the results were called with
 * when they are dated (`alleleFunctionsText`); then, only on a card a wearable-data rule looked at (`sensors`), the
 * threshold set it compared the readings with: `default-2026-11-29` → `wearable-data thresholds: this service's
 * defaults of 29 Nov 2026`. On other cards "thresholds default of 29 Nov 2026" named a setting the prescriber sees no
 * use of, in words they do not use; a published set other than the shipped defaults, which decided the alert's level
 * (or what a summary lists), is still named (`alert settings: hospital-2027-01-10`). The pages behind the card keep
 * the threshold set for every card.
 */
export function versionsText(
  knowledgeVersion: string,
  thresholdVersion: string,
  genes: readonly CalledGene[] = [],
  sensors = false,
): string {
  // A set other than the shipped defaults is the institution's own choice of alert levels: named on every card.
  const settings = sensors
    ? `; wearable-data thresholds: ${thresholdWords(thresholdVersion)}`
    : /^default-\d{4}-\d{2}-\d{2}$/.test(thresholdVersion)
      ? ''
      : `; alert settings: ${thresholdWords(thresholdVersion)}`;
  return escapeMarkdown(`${knowledgeText(knowledgeVersion, genes)}${settings}.`);
}

/** A threshold set in words: the shipped set as `this service's defaults of 29 Nov 2026`, a published one by its label. */
function thresholdWords(thresholdVersion: string): string {
  const words = versionWords(thresholdVersion);
  return words.startsWith('default of ') ? `this service's defaults${words.slice('default'.length)}` : words;
}

/**
 * The CPIC data and the allele functions `genes` were called with, as the card's last line begins: `CPIC data of 30
 * Apr 2026 (CYP2C19 allele functions of 5 Nov 2025)`. Plain text.
 */
export function knowledgeText(knowledgeVersion: string, genes: readonly CalledGene[] = []): string {
  const alleles = alleleFunctionsText(genes);
  return `${knowledgeWords(knowledgeVersion)}${alleles ? ` (${alleles})` : ''}`;
}

/** What `alleleFunctionsText` reads of a gene result. */
export interface CalledGene {
  readonly gene: string;
  readonly alleleFunctions?: string;
}

/**
 * The dates of the CPIC allele functions results were called with, genes of one date together: `CYP2C19 allele
 * functions of 5 Nov 2025`, `TPMT and NUDT15 allele functions of 5 Nov 2025; CYP2D6 allele activity values of 2025,
 * functions of Jul 2023`. They can be older than the CPIC data the recommendations come from (the thiopurine
 * recommendations of 2026 beside TPMT and NUDT15 allele functions of 2025). Undefined when no result is dated.
 */
export function alleleFunctionsText(genes: readonly CalledGene[]): string | undefined {
  const byDate = new Map<string, string[]>();
  for (const { gene, alleleFunctions } of genes) {
    if (!alleleFunctions) continue;
    const named = byDate.get(alleleFunctions);
    if (!named) byDate.set(alleleFunctions, [gene]);
    else if (!named.includes(gene)) named.push(gene);
  }
  if (byDate.size === 0) return undefined;
  return [...byDate]
    .map(([date, named]) => `${listPhrase(named)} allele ${alleleDataWords(date)}`)
    .join('; ');
}

/**
 * The CPIC allele functions a genotype was called with, for a page that names the gene beside it: `called with CPIC
 * allele functions of 5 Nov 2025`.
 */
export function calledWithText(alleleFunctions: string): string {
  return `called with CPIC allele ${alleleDataWords(alleleFunctions)}`;
}

/**
 * A gene's `dataVersion` in words: `2025-11-05-00-25` → `functions of 5 Nov 2025`; a source that dates each part
 * (`activity values 2025 / functions 2023-07`) → `activity values of 2025, functions of Jul 2023`.
 */
export function alleleDataWords(dataVersion: string): string {
  return dataVersion
    .split('/')
    .map((part) => {
      const text = part.trim();
      const dated = /\d{4}(?:-\d{2})*$/.exec(text);
      const date = dated ? calendarDate(dated[0]) : undefined;
      if (!dated || date === undefined) return `functions (${text})`;
      return `${text.slice(0, dated.index).trim() || 'functions'} of ${date}`;
    })
    .join(', ');
}

/** The two versions in words, as plain text (a page's provenance): `CPIC data of 30 Apr 2026`, `default of 29 Nov 2026`. */
export function versionsInWords(
  knowledgeVersion: string,
  thresholdVersion: string,
): { readonly knowledge: string; readonly threshold: string } {
  return { knowledge: knowledgeWords(knowledgeVersion), threshold: versionWords(thresholdVersion) };
}

/** `cpic-2026-04-30` → `CPIC data of 30 Apr 2026`; another knowledge version `Knowledge <label in words>`. */
export function knowledgeWords(knowledgeVersion: string): string {
  return /^cpic-\d{4}-\d{2}-\d{2}$/.test(knowledgeVersion)
    ? `CPIC data of ${versionWords(knowledgeVersion.slice('cpic-'.length))}`
    : `Knowledge ${versionWords(knowledgeVersion)}`;
}
