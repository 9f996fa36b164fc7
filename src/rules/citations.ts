/**
 * A threshold's stored `source` as finished citation text for people (the threshold editor, cards, the explanation
 * page). The stored sources keep the team's working notes beside the citation: paths to the research notes and
 * their section numbers, "(verify)" marks where a citation was not re-read against its primary source, "(design)"
 * where a value is the service's own choice. The stored sets are versioned and never rewritten, so the cleaning
 * happens here, on the way out. What each "(verify)" mark stood for is listed in `config/thresholds/README.md`
 * ("Citations not re-read against the primary source"), so the uncertainty is documented, not hidden.
 */
import type { SensorModifier } from './types';

/** What a value rests on (the set's `evidence` label). */
export type EvidenceBasis = SensorModifier['evidence'];

/** A file path of the repository (`knowledge/research/wearables-in-fhir.md`, `next-capabilities.md`, `x.json`). */
const FILE_PATH = /(?:\b[\w-]+\/)*[\w-]+\.(?:md|json|ts)\b/;
/** A section number of a note, with the rule number that may follow (`§2.2 R1`, `§2.1-2.2`). */
const SECTION = /§\s?\d+(?:\.\d+)*(?:\s?[-–]\s?\d+(?:\.\d+)*)?(?:\s+R\d{1,2}\b)?/;
/** A reference into the team's notes: a path with its section, or a section alone. */
const NOTE_REFERENCE = new RegExp(`(?:${FILE_PATH.source}(?:\\s*${SECTION.source})?|${SECTION.source})`, 'g');

/**
 * The top-level parts of `text` split at `separator` (never inside parentheses or quotes), trimmed, empty ones
 * dropped.
 */
function topLevelParts(text: string, separator: ';' | ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '(') depth += 1;
    else if (!quoted && c === ')') depth = Math.max(0, depth - 1);
    else if (!quoted && depth === 0 && c === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** A drug label's own section number stays, in words (`label §5.4` → `label section 5.4`). */
function labelSections(text: string): string {
  return text.replace(/\b(label)\s+§\s?(\d+(?:\.\d+)*)/gi, '$1 section $2');
}

/** `verify` marks out, `design` said as `design choice`, in one comma list (the inside of a parenthesis). */
function cleanedMarks(inner: string): string {
  return topLevelParts(inner, ',')
    .filter((p) => !/^\*{0,2}verify\*{0,2}$/i.test(p))
    .map((p) => (/^design$/i.test(p) ? 'design choice' : p))
    .join(', ');
}

/** A parenthesis's content: parts that only point into the notes go; a part that says something else stays. */
function cleanedParenthesis(inner: string): string {
  return topLevelParts(inner, ';')
    .filter((part) => !FILE_PATH.test(part) && !/^§/.test(part.trim()))
    .map((part) => cleanedMarks(part.replace(NOTE_REFERENCE, '').replace(/[,\s]+$/, '')))
    .filter((part) => part.length > 0)
    .join('; ');
}

/** One citation without the service's internal notes. */
function cleanedCitation(citation: string): string {
  // A mark set in bold in the research note ("**(verify)**") is a mark all the same.
  let text = labelSections(citation).replace(/\*{1,2}(\([^()]*\))\*{1,2}/g, '$1');
  // Parentheses first (innermost, one level is all the sources use): "(… .md §2.2 R3; confirm with 12-lead ECG, §2.3)".
  text = text.replace(/\s*\(([^()]*)\)/g, (whole, inner: string) => {
    if (!FILE_PATH.test(inner) && !/§|\bverify\b|^\s*design\s*$|,\s*design\s*$/i.test(inner)) return whole;
    const kept = cleanedParenthesis(inner);
    return kept.length > 0 ? ` (${kept})` : '';
  });
  return (
    text
      // A reference leading the text names the note the words come from: "….md §2.4 resting HR: 7 d, …".
      .replace(new RegExp(`^\\s*(?:${NOTE_REFERENCE.source})\\s*:?\\s*`), '')
      // Elsewhere: "anchored on next-capabilities.md §1.2 (what it says)" keeps what it says; a bare reference goes.
      .replace(new RegExp(`(?:${NOTE_REFERENCE.source})\\s*\\(([^()]*)\\)`, 'g'), '$1')
      .replace(NOTE_REFERENCE, '')
      .replace(/\s*[-—–]\s*verify\b/gi, '')
      .replace(/[,;]?\s*\*{0,2}\bverify\b\*{0,2}/gi, '')
      .replace(/\s+([,;:.)])/g, '$1')
      .replace(/\(\s*\)/g, '')
      .replace(/mm\[Hg\]/g, 'mmHg')
      // A rate as the cards write it (`60/min`); the notes write `60 /min`.
      .replace(/(\d) \/min\b/g, '$1/min')
      .replace(/\s{2,}/g, ' ')
      .replace(/^[\s,;:.]+|[\s,;:]+$/g, '')
  );
}

/**
 * Every citation of a stored source, each as finished text (in the source's order; a citation is a top-level
 * `;`-separated part). With `evidence` `design`, a source that says neither "design" nor "no guideline" starts with
 * "Design choice: ", so the reader sees that the value is the service's own choice and not a guideline's.
 */
export function citationsOf(source: string, evidence?: EvidenceBasis): string[] {
  const citations = topLevelParts(source, ';')
    .map(cleanedCitation)
    .filter((c) => c.length > 0);
  if (evidence === 'design' && !citations.some((c) => /\bdesign\b|\bno guideline\b/i.test(c))) {
    const [first, ...rest] = citations;
    return [first === undefined ? 'Design choice of this service' : `Design choice: ${first}`, ...rest];
  }
  return citations;
}

/** All citations of a stored source as one finished text (the threshold editor's "source"). */
export function citationText(source: string, evidence?: EvidenceBasis): string {
  return citationsOf(source, evidence).join('; ');
}

/** The kind of rule said before a safety rule's citation: the card says it in its own words (its source label). */
const RULE_KIND = /^Safety rule, not a CPIC\/DPWG-actionable pair\.\s*/;
/** A part that restates the rule ("≥ 1 level-2 event … → critical") rather than citing where it comes from. */
const RULE_STATEMENT = /→|^[≥≤<>]/;

/**
 * The first citation of a stored source, cut before its quote or claim (a top-level `": "`): what a card names as
 * its source, beside the evidence label it shows itself (`CPIC 2024 β-blocker guideline (Duarte et al., …)`). A
 * leading rule kind is left out, and a first part that only restates the rule gives way to a later one that cites a
 * publication (names its year), when there is one.
 */
export function firstCitation(source: string): string {
  let cited = firstCitations.get(source);
  if (cited === undefined) {
    if (firstCitations.size >= MAX_REMEMBERED) firstCitations.clear();
    cited = readFirstCitation(source);
    firstCitations.set(source, cited);
  }
  return cited;
}

/**
 * First citations already read, by source. Every card with a sensor finding names one, and a threshold set holds a
 * few dozen sources, so each is read once (the text rules above cost about 2 % of an order-sign call, read per card).
 * Bounded, for sources no set holds any more.
 */
const firstCitations = new Map<string, string>();
const MAX_REMEMBERED = 1000;

function readFirstCitation(source: string): string {
  const parts = citationsOf(source)
    .map((c) => c.replace(RULE_KIND, ''))
    .filter((c) => c.length > 0);
  const cites = (part: string): boolean => !RULE_STATEMENT.test(part) && /\b(?:19|20)\d\d\b/.test(part);
  const first =
    (parts[0] !== undefined && RULE_STATEMENT.test(parts[0]) ? parts.find(cites) : undefined) ??
    parts[0] ??
    '';
  let depth = 0;
  for (let i = 0; i < first.length; i += 1) {
    const c = first[i];
    if (c === '(') depth += 1;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && c === ':' && first[i + 1] === ' ') return first.slice(0, i).trim();
  }
  return first.replace(/[.;:,\s]+$/, '');
}
