/**
 * FHIR dateTime parsing (R4 §2.1.28.0.1 `dateTime`/`instant`): the instants it gives agree with the JavaScript Date
 * parser, and what it accepts is exactly the documented grammar.
 */
import fc from 'fast-check';
import { DAY, parseFhirTime } from '../../../src/sensors/time';

/** The grammar parseFhirTime documents: FHIR's dateTime to the day or to the minute, a zone required with a time. */
const GRAMMAR =
  /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d(:([0-5]\d|60)(\.\d{1,9})?)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)))?$/;

/** Whether the year, month and day name a day of the Gregorian calendar. */
function isCalendarDay(y: number, m: number, d: number): boolean {
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
  return d >= 1 && d <= days;
}

const two = (n: number) => String(n).padStart(2, '0');

/** Valid FHIR dateTimes with seconds, 0 to 3 fraction digits (what Date.parse reads exactly) and any zone. */
const dateTime = fc
  .record({
    date: fc.date({
      min: new Date('1900-01-01T00:00:00Z'),
      max: new Date('2100-12-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    fraction: fc.option(fc.stringMatching(/^\d{1,3}$/), { nil: undefined }),
    offset: fc.integer({ min: -14 * 60, max: 14 * 60 }),
    zulu: fc.boolean(),
  })
  .map(({ date, fraction, offset, zulu }) => {
    const [day, time] = date.toISOString().slice(0, 19).split('T') as [string, string];
    const zone = zulu
      ? 'Z'
      : `${offset < 0 ? '-' : '+'}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
    return `${day}T${time}${fraction === undefined ? '' : `.${fraction}`}${zone}`;
  });

describe('parseFhirTime', () => {
  it('reads an instant with its offset, and a date as its whole UTC day', () => {
    expect(parseFhirTime('2026-05-14T08:30:00+02:00')).toEqual({
      start: Date.parse('2026-05-14T06:30:00Z'),
      end: Date.parse('2026-05-14T06:30:00Z'),
      offsetMinutes: 120,
    });
    expect(parseFhirTime('2026-05-14T08:30:15.123456789-05:30')).toMatchObject({
      start: Date.parse('2026-05-14T14:00:15.123Z'),
      offsetMinutes: -330,
    });
    expect(parseFhirTime('2026-05-14T08:30Z')?.start).toBe(Date.parse('2026-05-14T08:30:00Z'));
    const day = Date.parse('2024-02-29T00:00:00Z');
    expect(parseFhirTime('2024-02-29')).toEqual({ start: day, end: day + DAY - 1 });
  });

  it.each([
    ['2026-05', 'year-month only'],
    ['2026-05-14T08:30:00', 'a time without a zone'],
    ['2023-02-29', 'not a day of that year'],
    ['2026-04-31', 'not a day of that month'],
    ['2026-13-01', 'month 13'],
    ['2026-05-14T24:00:00Z', 'hour 24'],
    ['2026-05-14T08:60:00Z', 'minute 60'],
    ['2026-05-14T08:30:61Z', 'second 61'],
    ['2026-05-14T08:30:00+15:00', 'offset past 14:00'],
    ['2026-05-14T08:30:00.Z', 'a point without fraction digits'],
    ['2026-05-14T08:30:00.1234567890Z', 'ten fraction digits'],
    [' 2026-05-14', 'leading space'],
    ['2026-05-14T08:30:00Z ', 'trailing space'],
    ['２０２６-05-14', 'digits that are not ASCII'],
  ])('refuses %s (%s)', (text) => {
    expect(parseFhirTime(text)).toBeUndefined();
  });

  it('gives the instant Date.parse gives, and the offset as written', () => {
    fc.assert(
      fc.property(dateTime, (text) => {
        const parsed = parseFhirTime(text);
        expect(parsed?.start).toBe(Date.parse(text));
        expect(parsed?.end).toBe(parsed?.start);
        const zone = text.endsWith('Z') ? '+00:00' : text.slice(-6);
        const sign = zone.startsWith('-') ? -1 : 1;
        expect(parsed?.offsetMinutes).toBe(sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))));
      }),
    );
  });

  it('accepts exactly the grammar it documents, whatever is changed in a valid dateTime', () => {
    const edit = fc.record({
      at: fc.nat(),
      action: fc.constantFrom('replace', 'insert', 'delete'),
      char: fc.constantFrom('0', '1', '2', '3', '5', '9', '-', ':', '.', 'T', 'Z', '+', ' ', 'x'),
    });
    fc.assert(
      fc.property(dateTime, fc.array(edit, { minLength: 1, maxLength: 3 }), (valid, edits) => {
        let text = valid;
        for (const { at, action, char } of edits) {
          const i = at % (text.length + 1);
          text =
            action === 'insert'
              ? text.slice(0, i) + char + text.slice(i)
              : text.slice(0, i) + (action === 'replace' ? char : '') + text.slice(i + 1);
        }
        const m = GRAMMAR.exec(text);
        const accepted = m !== null && isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]));
        expect(parseFhirTime(text) !== undefined).toBe(accepted);
      }),
      { numRuns: 2000 },
    );
  });
});
