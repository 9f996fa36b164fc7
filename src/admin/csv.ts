/**
 * CSV as RFC 4180 writes it (https://www.rfc-editor.org/rfc/rfc4180#section-2): CRLF line ends, a field quoted when
 * it holds a comma, a quote, CR or LF, quotes doubled. Safe to open in a spreadsheet: a text field starting with
 * `=`, `+`, `-`, `@`, TAB or CR is prefixed with `'` so it is not run as a formula (OWASP "CSV Injection").
 */

/** The characters a spreadsheet reads as the start of a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field: formula-neutralised, then quoted when RFC 4180 requires it. */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF-terminated. */
export function csvRecord(values: readonly (string | number | undefined)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/**
 * The UTF-8 byte-order mark every CSV download starts with: without it Excel reads the file in the system's code
 * page, and "Dr Róisín" shows as "Dr RÃ³isÃ­n". RFC 4180 parsers and `csv-parse` (with `bom: true`) skip it.
 */
export const CSV_BOM = '\uFEFF';

/**
 * A filter's value as part of a download's file name: its ASCII letters and digits in runs joined by `-` (accents
 * dropped, anything else a separator), whole runs up to 40 characters; empty when nothing is left.
 */
export function fileNamePart(value: string): string {
  const words = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '');
  let name = '';
  for (const word of words) {
    const next = name === '' ? word : `${name}-${word}`;
    if (next.length > 40) break;
    name = next;
  }
  return name;
}
