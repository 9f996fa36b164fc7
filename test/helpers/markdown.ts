/**
 * Card `detail` markdown (https://cds-hooks.hl7.org/2.0/#card-attributes: GitHub Flavored Markdown) read the way a
 * clinician reads it, so tests can look for CPIC's text verbatim whatever the card had to escape or quote.
 */

/** Backslash escapes of markdown punctuation, as the cards write them (`\*1/\*2` renders `*1/*2`). */
const ESCAPE = /\\([\\`*_[\]<>#|~])/g;

/**
 * A detail as it renders: blockquote markers (`> `) at line starts, with the indent of a quote nested in a list item,
 * and markdown escapes removed.
 */
export function rendered(detail: string | undefined): string {
  return (detail ?? '').replace(/^ *> ?/gm, '').replace(ESCAPE, '$1');
}

/** The text of every blockquote line of a detail (where a card quotes CPIC), unescaped, one line each. */
export function quotedText(detail: string | undefined): string {
  return (detail ?? '')
    .split('\n')
    .filter((line) => /^ *>/.test(line))
    .map((line) => line.replace(/^ *> ?/, ''))
    .join('\n')
    .replace(ESCAPE, '$1');
}
