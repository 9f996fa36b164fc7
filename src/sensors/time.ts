/**
 * FHIR dateTime → instants and patient-local days (research §2.4 "Time zones": days are patient-local days, from the
 * offset in `effective[x]`; date-only values belong to the whole day; Period ends given as dates are inclusive).
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A parsed FHIR dateTime: the span it denotes (a date covers its whole day) and its UTC offset if it has one. */
export interface FhirTime {
  /** Epoch ms of the first instant. */
  readonly start: number;
  /** Epoch ms of the last instant (inclusive): equal to `start` for a time, end of day for a date. */
  readonly end: number;
  /** Minutes east of UTC; absent for a date without time (its day is the date itself). */
  readonly offsetMinutes?: number;
}

/**
 * Parses a FHIR `dateTime`/`instant`: `YYYY-MM-DD`, or that with `THH:MM`, optional `:SS` and `.fraction` (1 to 9
 * digits), and a zone (`Z` or `±HH:MM`). Year-only and year-month values are too coarse for any window here and a
 * time without a zone is invalid FHIR: both give `undefined`, as do an hour, minute, second or offset out of FHIR's
 * ranges (hour 00–23, minute 00–59, second 00–60, offset up to 14:00). A date without time is taken as the UTC day
 * (no offset is known); its `day` is the date as written. Read character by character: a large prefetch holds tens of
 * thousands of timestamps, and a regular expression's captures cost more than the rest of reading the Observation.
 */
export function parseFhirTime(text: string): FhirTime | undefined {
  const y = digits(text, 0, 4);
  const mo = digits(text, 5, 2);
  const d = digits(text, 8, 2);
  if (y < 0 || mo < 0 || d < 0 || text[4] !== '-' || text[7] !== '-') return undefined;
  const dayStart = dayStartOf(y, mo, d);
  if (dayStart === undefined) return undefined;
  if (text.length === 10) return { start: dayStart, end: dayStart + DAY - 1 };
  const hh = digits(text, 11, 2);
  const mi = digits(text, 14, 2);
  if (text[10] !== 'T' || text[13] !== ':' || hh < 0 || hh > 23 || mi < 0 || mi > 59) return undefined;
  let at = 16;
  let ss = 0;
  let ms = 0;
  if (text[at] === ':') {
    ss = digits(text, at + 1, 2);
    if (ss < 0 || ss > 60) return undefined;
    at += 3;
    if (text[at] === '.') {
      let end = at + 1;
      while (end < text.length && isDigit(text.charCodeAt(end))) end += 1;
      if (end === at + 1 || end > at + 10) return undefined;
      ms = Math.floor(Number(text.slice(at, end)) * 1000);
      at = end;
    }
  }
  const offsetMinutes = zoneAt(text, at);
  if (offsetMinutes === undefined) return undefined;
  const instant = dayStart + hh * HOUR + mi * MINUTE + ss * 1000 + ms - offsetMinutes * MINUTE;
  return { start: instant, end: instant, offsetMinutes };
}

/** The zone that ends the text at `at` in minutes east of UTC (`Z`, or `±HH:MM` up to 14:00), else undefined. */
function zoneAt(text: string, at: number): number | undefined {
  const sign = text[at];
  if (sign === 'Z') return text.length === at + 1 ? 0 : undefined;
  if ((sign !== '+' && sign !== '-') || text.length !== at + 6 || text[at + 3] !== ':') return undefined;
  const hours = digits(text, at + 1, 2);
  const minutes = digits(text, at + 4, 2);
  if (hours < 0 || minutes < 0 || minutes > 59 || hours * 60 + minutes > 14 * 60) return undefined;
  return (sign === '-' ? -1 : 1) * (hours * 60 + minutes);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The number the `count` characters from `from` spell, or -1 unless all are ASCII digits. */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i += 1) {
    const code = text.charCodeAt(i); // NaN past the end
    if (!isDigit(code)) return -1;
    value = value * 10 + code - 48;
  }
  return value;
}

/** Epoch ms of each valid calendar day seen (by yyyymmdd), or null: readings share few days, so check each once. */
const dayStarts = new Map<number, number | null>();
const MAX_DAYS = 10_000;

function dayStartOf(y: number, mo: number, d: number): number | undefined {
  const key = y * 10_000 + mo * 100 + d;
  let start = dayStarts.get(key);
  if (start === undefined) {
    const utc = Date.UTC(y, mo - 1, d);
    // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear keeps the year as written.
    const date = new Date(utc);
    date.setUTCFullYear(y);
    start = mo < 1 || mo > 12 || date.getUTCDate() !== d ? null : date.getTime();
    if (dayStarts.size >= MAX_DAYS) dayStarts.clear();
    dayStarts.set(key, start);
  }
  return start ?? undefined;
}

/** `YYYY-MM-DD` of each day number (days since the epoch) seen so far: samples share few days, so format once. */
const dayTexts = new Map<number, string>();

/** The patient-local day (YYYY-MM-DD) and hour of an instant, given the UTC offset it was recorded with. */
export function localDayAndHour(
  instant: number,
  offsetMinutes: number | undefined,
): { readonly day: string; readonly hour?: number } {
  const local = instant + (offsetMinutes ?? 0) * MINUTE;
  const dayNumber = Math.floor(local / DAY);
  let day = dayTexts.get(dayNumber);
  if (day === undefined) {
    day = new Date(dayNumber * DAY).toISOString().slice(0, 10);
    if (dayTexts.size >= MAX_DAYS) dayTexts.clear();
    dayTexts.set(dayNumber, day);
  }
  return offsetMinutes === undefined ? { day } : { day, hour: Math.floor((local - dayNumber * DAY) / HOUR) };
}

/** ISO 8601 text of an epoch-ms instant. */
export function iso(instant: number): string {
  return new Date(instant).toISOString();
}

/** Formatters per IANA zone (a few per process), and each zone's offset per UTC hour seen (offsets change on hours). */
const zoneFormats = new Map<string, Intl.DateTimeFormat | null>();
const zoneOffsets = new Map<string, number>();

/** The formatter of an IANA zone, or undefined when the runtime does not know the zone. */
function zoneFormat(timeZone: string): Intl.DateTimeFormat | undefined {
  let format = zoneFormats.get(timeZone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
      });
    } catch {
      format = null;
    }
    if (zoneFormats.size >= 100) zoneFormats.clear();
    zoneFormats.set(timeZone, format);
  }
  return format ?? undefined;
}

/** Whether `timeZone` is an IANA zone the runtime knows (`America/Los_Angeles`, `Etc/UTC`). */
export function isKnownTimeZone(timeZone: string): boolean {
  return zoneFormat(timeZone) !== undefined;
}

/**
 * Minutes east of UTC of an IANA zone at an instant (daylight saving included), or undefined for an unknown zone.
 * One look-up per zone and UTC hour (choice: a change that falls on a half hour of UTC, as in a few zones, is read
 * from the start of its hour).
 */
export function zoneOffsetAt(timeZone: string, instant: number): number | undefined {
  const format = zoneFormat(timeZone);
  if (format === undefined) return undefined;
  const hourStart = Math.floor(instant / HOUR) * HOUR;
  const key = `${timeZone}|${String(hourStart)}`;
  let offset = zoneOffsets.get(key);
  if (offset === undefined) {
    const parts = Object.fromEntries(
      format.formatToParts(new Date(hourStart)).map((p) => [p.type, Number(p.value)]),
    );
    const local = Date.UTC(
      parts.year ?? 1970,
      (parts.month ?? 1) - 1,
      parts.day ?? 1,
      parts.hour ?? 0,
      parts.minute ?? 0,
    );
    offset = Math.round((local - hourStart) / MINUTE);
    if (zoneOffsets.size >= MAX_DAYS) zoneOffsets.clear();
    zoneOffsets.set(key, offset);
  }
  return offset;
}
