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

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Parses a FHIR `dateTime`/`instant`. Year-only and year-month values are too coarse for any window here and a time
 * without a zone is invalid FHIR: both give `undefined`. A date without time is taken as the UTC day (no offset is
 * known); its `day` is the date as written.
 */
export function parseFhirTime(text: string): FhirTime | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, hh, mi, ss, frac, zone] = m;
  const dayStart = dayStartOf(y as string, mo as string, d as string);
  if (dayStart === undefined) return undefined;
  if (hh === undefined || mi === undefined || zone === undefined) {
    return { start: dayStart, end: dayStart + DAY - 1 };
  }
  const offsetMinutes =
    zone === 'Z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  const instant =
    dayStart +
    Number(hh) * HOUR +
    Number(mi) * MINUTE +
    Number(ss ?? '0') * 1000 +
    ms -
    offsetMinutes * MINUTE;
  return { start: instant, end: instant, offsetMinutes };
}

/** Epoch ms of each valid calendar day seen (`YYYY-MM-DD`), or null: readings share few days, so check each once. */
const dayStarts = new Map<string, number | null>();
const MAX_DAYS = 10_000;

function dayStartOf(y: string, mo: string, d: string): number | undefined {
  const key = `${y}-${mo}-${d}`;
  let start = dayStarts.get(key);
  if (start === undefined) {
    const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d));
    start = Number.isNaN(utc) || new Date(utc).getUTCDate() !== Number(d) ? null : utc;
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
