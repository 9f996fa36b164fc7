/** Dates as clinicians read them, the same on findings, cards and pages. */

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
