/** A phrase or name as the start of a line or sentence: `codeine` → `Codeine`. */
export function sentenceStart(phrase: string): string {
  return phrase.charAt(0).toUpperCase() + phrase.slice(1);
}

/** Dates as a person writes them ("29 Nov 2026", "29 Nov 2026, 14:05"), in the reader's time zone. */
const day = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
const dayTime = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** A FHIR `date` (or a day the service names): a calendar date with no time and no zone. */
const calendar = {
  day: new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  }),
  month: new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' }),
};

function parsed(iso: string): Date | undefined {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * A day: an instant as the reader's day, a calendar date (`1951-09-30`, `1951-09`, `1951`) as written. `new Date`
 * reads a date as midnight UTC, which west of UTC is the evening before: a birth date would show a day early.
 */
export function formatDay(iso: string): string {
  const date = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(iso);
  if (date) {
    const [, year, month, dayOfMonth] = date;
    if (month === undefined) return year ?? iso;
    const d = parsed(`${year ?? ''}-${month}-${dayOfMonth ?? '01'}T00:00:00Z`);
    if (!d) return iso;
    return dayOfMonth === undefined ? calendar.month.format(d) : calendar.day.format(d);
  }
  const d = parsed(iso);
  return d ? day.format(d) : iso;
}

export function formatDayTime(iso: string): string {
  const d = parsed(iso);
  return d ? dayTime.format(d) : iso;
}

/**
 * A gene result's genotype as the lab wrote it: the diplotype, else each allele's status (`HLA-B*57:01 positive`),
 * else the alleles read; "not reported" when none is known.
 */
export function genotypeText(result: {
  readonly gene: string;
  readonly diplotype?: string | undefined;
  readonly alleleStatus?: Readonly<Record<string, string>> | undefined;
  readonly alleles?: readonly string[] | undefined;
}): string {
  if (result.diplotype) return result.diplotype;
  if (result.alleleStatus) {
    return Object.entries(result.alleleStatus)
      .map(([allele, status]) => `${result.gene}${allele} ${status}`)
      .join(', ');
  }
  if (result.alleles && result.alleles.length > 0) return result.alleles.join(', ');
  return 'not reported';
}

/** `CYP2D6`-style names are kept; action codes read as words. */
export const ACTION_LABELS = {
  avoid: 'Avoid',
  'adjust-dose': 'Adjust dose',
  monitor: 'Monitor',
  'order-test': 'Order test',
  standard: 'Standard dosing',
} as const;

export const INDICATOR_LABELS = {
  critical: 'Critical',
  warning: 'Warning',
  info: 'Information',
  none: 'Not shown',
} as const;
