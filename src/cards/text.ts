/**
 * Card text helpers: the length-safe summary composer and markdown escaping.
 * https://cds-hooks.hl7.org/2.0/#card-attributes — `summary` is "<140-character", `detail` is GitHub-flavoured markdown.
 */

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

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A FHIR date or dateTime as a person writes it: `2025-06-12T08:00:00Z` → `12 Jun 2025` (the calendar date as
 * written, no time-zone shift), `2025-06` → `Jun 2025`, `2025` → `2025`; undefined for anything else.
 */
export function calendarDate(iso: string): string | undefined {
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(iso.trim());
  if (!match?.[1]) return undefined;
  const [, year, month, day] = match;
  const monthName = month === undefined ? undefined : MONTH_NAMES[Number(month) - 1];
  if (month !== undefined && monthName === undefined) return undefined;
  if (monthName === undefined) return year;
  return day === undefined ? `${monthName} ${year}` : `${Number(day)} ${monthName} ${year}`;
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
 * newest source date the CPIC data set states), `default-2026-11-29` → `thresholds default of 29 Nov 2026`.
 */
export function versionsText(knowledgeVersion: string, thresholdVersion: string): string {
  const words = versionsInWords(knowledgeVersion, thresholdVersion);
  return escapeMarkdown(`${words.knowledge}; thresholds ${words.threshold}.`);
}

/** The two versions in words, as plain text (a page's provenance): `CPIC data of 30 Apr 2026`, `default of 29 Nov 2026`. */
export function versionsInWords(
  knowledgeVersion: string,
  thresholdVersion: string,
): { readonly knowledge: string; readonly threshold: string } {
  const knowledge = /^cpic-\d{4}-\d{2}-\d{2}$/.test(knowledgeVersion)
    ? `CPIC data of ${versionWords(knowledgeVersion.slice('cpic-'.length))}`
    : `Knowledge ${versionWords(knowledgeVersion)}`;
  return { knowledge, threshold: versionWords(thresholdVersion) };
}
