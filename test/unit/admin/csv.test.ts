/**
 * CSV fields (src/admin/csv.ts): RFC 4180 quoting (https://www.rfc-editor.org/rfc/rfc4180#section-2) and the OWASP
 * "CSV Injection" rule: a text field a spreadsheet would run as a formula is prefixed with `'`.
 */
import { csvField, csvRecord } from '../../../src/admin/csv';

describe('csvField', () => {
  it.each([
    ['plain text', 'plain text'],
    ['a, b', '"a, b"'],
    ['say "no"', '"say ""no"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rinside', '"cr\rinside"'],
    ['', ''],
  ])('quotes %j only when RFC 4180 requires it', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+1 555 0100', "'+1 555 0100"],
    ['-2', "'-2"],
    ['@cmd', "'@cmd"],
    ['\tTAB', "'\tTAB"],
    ['=HYPERLINK("http://x", "y")', '"\'=HYPERLINK(""http://x"", ""y"")"'],
    ['\rCR', '"\'\rCR"'],
  ])('neutralises the formula start of %j, then quotes', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('writes numbers as they are and an absent value as an empty field', () => {
    expect(csvField(-3.5)).toBe('-3.5');
    expect(csvField(undefined)).toBe('');
  });
});

describe('csvRecord', () => {
  it('joins the fields with commas and ends the record with CRLF', () => {
    expect(csvRecord(['a', undefined, 'b,c', 2])).toBe('a,,"b,c",2\r\n');
  });
});
