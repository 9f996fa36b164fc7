/**
 * Sensor evidence as a clinician reads it (issue 9, "cards a clinician reads in five seconds"): metric names in
 * words, values with their units as people write them ("48/min", "4.2 %"), windows as dates ("7 days to 29 Nov,
 * 6 of 7 days with data, Apple Watch"). Rule ids and raw timestamps never reach the text; threshold sources are
 * cleaned of the service's internal notes by `rules/citations.ts` (`firstCitation`).
 */
import type { SensorTrigger } from '../rules/thresholds';

import type { DecisionSnapshot, SensorModifier } from '../rules/types';

/** Metric ids in words: `long` for the evidence list, `short` for the summary. */
const METRIC_WORDS: Readonly<Record<string, { readonly long: string; readonly short: string }>> = {
  'resting-heart-rate': { long: 'Resting heart rate', short: 'resting HR' },
  'low-heart-rate-events': { long: 'Low-heart-rate notifications', short: 'low-HR alerts' },
  'heart-rate-change': { long: 'Heart-rate rise over the 28 days before', short: 'HR rise' },
  'spo2-minimum': { long: 'Lowest night-time SpO2', short: 'lowest SpO2' },
  'spo2-below-90-share': { long: 'Night-time readings with SpO2 below 90 %', short: 'SpO2 <90 %' },
  'respiratory-rate': { long: 'Night-time respiratory rate', short: 'resp. rate' },
  'home-bp-systolic': { long: 'Home systolic blood pressure (mean)', short: 'home SBP' },
  'home-bp-diastolic': { long: 'Home diastolic blood pressure (mean)', short: 'home DBP' },
  'home-bp-systolic-highest': { long: 'Highest home systolic blood pressure', short: 'highest home SBP' },
  'home-bp-diastolic-highest': { long: 'Highest home diastolic blood pressure', short: 'highest home DBP' },
  'cgm-time-in-range': { long: 'CGM time in range 70–180 mg/dL', short: 'CGM TIR' },
  'cgm-time-below-54': { long: 'CGM time below 54 mg/dL', short: 'CGM <54 mg/dL' },
  'cgm-time-below-70': { long: 'CGM time below 70 mg/dL', short: 'CGM <70 mg/dL' },
  'cgm-time-above-180': { long: 'CGM time above 180 mg/dL', short: 'CGM >180 mg/dL' },
  'cgm-time-above-250': { long: 'CGM time above 250 mg/dL', short: 'CGM >250 mg/dL' },
  'cgm-gmi': { long: 'Glucose management indicator', short: 'GMI' },
  'cgm-mean-glucose': { long: 'Mean CGM glucose', short: 'mean glucose' },
  'cgm-cv': { long: 'Glucose variability (CV)', short: 'glucose CV' },
  'cgm-days-worn': { long: 'CGM days worn', short: 'CGM days' },
  'cgm-sensor-active': { long: 'CGM sensor active', short: 'CGM active' },
  'cgm-level2-hypoglycaemia-events': {
    long: 'Level 2 hypoglycaemia events (15 min or more below 54 mg/dL)',
    short: 'level 2 hypos',
  },
  'qtc-latest': { long: 'Latest QTc', short: 'QTc' },
  'qtc-change': { long: 'QTc change', short: 'QTc change' },
  'daily-steps': { long: 'Daily steps (median)', short: 'steps' },
  'steps-change': { long: 'Change in daily steps', short: 'steps change' },
  'sleep-duration': { long: 'Sleep per night (median)', short: 'sleep' },
  'sleep-change': { long: 'Change in sleep', short: 'sleep change' },
  'inr-latest': { long: 'Latest home INR', short: 'INR' },
  'order-dose': { long: 'Ordered dose', short: 'dose' },
};

export function metricName(metric: string, form: 'long' | 'short' = 'long'): string {
  return METRIC_WORDS[metric]?.[form] ?? metric.replace(/-/g, ' ');
}

/** A metric's name inside a sentence: "Latest QTc" → "latest QTc", "CGM time below 70 mg/dL" stays. */
export function inSentence(name: string): string {
  return /^[A-Z][a-z]/.test(name) ? `${name.charAt(0).toLowerCase()}${name.slice(1)}` : name;
}

/** Measures that count events, said as people say a count, the number first: `10 level 2 hypos`, `1 low-HR alert`. */
const COUNTED: Readonly<
  Record<string, Readonly<Record<'one' | 'many', { readonly long: string; readonly short: string }>>>
> = {
  'low-heart-rate-events': {
    one: { long: 'low-heart-rate notification', short: 'low-HR alert' },
    many: { long: 'low-heart-rate notifications', short: 'low-HR alerts' },
  },
  'cgm-level2-hypoglycaemia-events': {
    one: { long: 'level 2 hypoglycaemia event (15 min or more below 54 mg/dL)', short: 'level 2 hypo' },
    many: { long: 'level 2 hypoglycaemia events (15 min or more below 54 mg/dL)', short: 'level 2 hypos' },
  },
};

/**
 * Measures that are a share of readings, said as a sentence with the share inside it: `SpO2 below 90 % in 12 % of
 * night-time readings`, not the name followed by the number (`Night-time readings with SpO2 below 90 % 12 %`).
 */
const SHARES: Readonly<Record<string, Readonly<Record<'long' | 'short', (share: string) => string>>>> = {
  'spo2-below-90-share': {
    long: (share) => `SpO2 below 90 % in ${share} of night-time readings`,
    short: (share) => `SpO2 <90 % in ${share} of night readings`,
  },
};

/** A number as a person writes it: at most one decimal, none when whole. */
function numberText(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** A value with its UCUM unit as people write it: `48/min`, `4.2 %`, `131 mmHg`, `INR 4.5`, `8000 steps/day`. */
export function quantityText(value: number, unit: string | undefined): string {
  const n = numberText(value);
  switch (unit) {
    case undefined:
    case '':
    case '1':
      return n;
    case '/min':
      return `${n}/min`;
    case '%':
      return `${n} %`;
    case 'mm[Hg]':
      return `${n} mmHg`;
    case '{INR}':
      return `INR ${n}`;
    case '/d':
      return `${n} steps/day`;
    default:
      return `${n} ${unit}`;
  }
}

/**
 * Units whose readings are written in whole numbers, as clinicians write them: heart and breathing rates (52/min),
 * blood pressure (140/87 mmHg), QTc (463 ms), glucose (154 mg/dL), steps (8012 steps/day). Others keep one decimal
 * (INR 4.4, 4.2 %, 7.5 h). A presentation choice: a 7-day median or mean of whole readings can end in .5 or any
 * decimal, which no clinician writes.
 */
const WHOLE_NUMBER_UNITS: ReadonlySet<string> = new Set(['/min', 'mm[Hg]', 'ms', 'mg/dL', '/d']);

/**
 * A measured reading as a clinician writes it: whole numbers for the units above, unless rounding would move it onto
 * or past one of `limits`, the thresholds it is shown with (54.6/min beside "below 55/min" stays 54.6/min, never
 * 55/min). Thresholds themselves, and values an informaticist typed, are written exactly (`quantityText`).
 */
export function readingText(value: number, unit: string | undefined, limits: readonly number[] = []): string {
  return quantityText(shownValue(value, unit, limits), unit);
}

/** The number `readingText` writes a reading with. */
function shownValue(value: number, unit: string | undefined, limits: readonly number[]): number {
  const whole = Math.round(value);
  const sameSide = limits.every((limit) => Math.sign(whole - limit) === Math.sign(value - limit));
  return unit !== undefined && WHOLE_NUMBER_UNITS.has(unit) && sameSide ? whole : value;
}

/**
 * The limits the modifiers on `metric` compare it with, from each one's threshold phrase (`resting-heart-rate < 55
 * /min`, a range `65–80 /min`): what `readingText` must not round a reading across.
 */
export function limitsOf(modifiers: readonly SensorModifier[], metric: string): number[] {
  return modifiers.flatMap((m) => {
    if (m.metric !== metric || !m.threshold) return [];
    // The bound only: not the metric id (`cgm-time-below-54`) nor an age condition (`, age 65 or older`).
    const bound = (
      m.threshold.startsWith(`${metric} `) ? m.threshold.slice(metric.length) : m.threshold
    ).split(',')[0];
    return [...(bound ?? '').matchAll(/-?\d+(?:\.\d+)?/g)].map(([n]) => Number(n));
  });
}

/**
 * A measure named with its reading: `resting HR 48/min`, `Latest home INR 4.4` (`readingText`, not rounded across
 * `limits`). A unit that is the measure's own name (INR) is said once, not `INR INR 4.4`; a count of events says the
 * number first (`10 level 2 hypos`); a share of readings says the share inside the sentence (`SpO2 below 90 % in
 * 100 % of night-time readings`).
 */
export function metricValueText(
  metric: string,
  value: number | undefined,
  unit: string | undefined,
  form: 'long' | 'short' = 'long',
  limits: readonly number[] = [],
): string {
  const name = metricName(metric, form);
  if (value === undefined) return name;
  const counted = COUNTED[metric];
  if (counted) return `${numberText(value)} ${counted[value === 1 ? 'one' : 'many'][form]}`;
  const quantity = readingText(value, unit, limits);
  const share = SHARES[metric];
  if (share) return share[form](quantity);
  const unitWord = /^([^\d\s-][^\s]*) /.exec(quantity)?.[1];
  return unitWord !== undefined && name.endsWith(unitWord)
    ? `${name} ${quantity.slice(unitWord.length + 1)}`
    : `${name} ${quantity}`;
}

/**
 * The sensor readings that moved the alert, as the summary and the Why chain say them: one per measure, in the
 * order they moved it (`resting HR 48/min, 2 low-HR alerts`); a home systolic and diastolic mean both moving it read
 * as one blood pressure, as it is written (`home BP 140/87 mmHg`, not `home SBP 140 mmHg, home DBP 87 mmHg`). Each
 * reading is rounded as `readingText` says, never across a threshold any of `modifiers` shows for it. Empty when no
 * reading moved it.
 */
export function movedReadingsText(modifiers: readonly SensorModifier[]): string {
  const moved = modifiers.filter((m) => m.effect === 'raise' || m.effect === 'lower');
  const byMetric = new Map(moved.map((m) => [m.metric, m]));
  const limits = (m: SensorModifier): number[] => limitsOf(modifiers, m.metric);
  const systolic = byMetric.get('home-bp-systolic');
  const diastolic = byMetric.get('home-bp-diastolic');
  const bp =
    systolic?.value !== undefined && diastolic?.value !== undefined && systolic.unit === diastolic.unit
      ? `home BP ${numberText(shownValue(systolic.value, systolic.unit, limits(systolic)))}/${readingText(diastolic.value, diastolic.unit, limits(diastolic))}`
      : undefined;
  // One home reading at or above a limit (research §2.2 R7 "any reading ≥ 180/120"): said as the reading, with its day.
  const top = byMetric.get('home-bp-systolic-highest');
  const topDia = byMetric.get('home-bp-diastolic-highest');
  const reading = (m: SensorModifier): string =>
    `${metricValueText(m.metric, m.value, m.unit, 'short', limits(m))}${readingDayText(m)}`;
  const topBp =
    top?.value !== undefined && topDia?.value !== undefined && top.valueAt === topDia.valueAt
      ? `home BP ${numberText(top.value)}/${readingText(topDia.value, topDia.unit)}${readingDayText(top)}`
      : undefined;
  return [...byMetric.values()]
    .flatMap((m): string[] => {
      if (bp && m.metric === 'home-bp-diastolic') return [];
      if (bp && m.metric === 'home-bp-systolic') return [bp];
      if (topBp && m.metric === 'home-bp-diastolic-highest') return [];
      if (topBp && m.metric === 'home-bp-systolic-highest') return [topBp];
      if (m.valueAt) return [reading(m)];
      return [metricValueText(m.metric, m.value, m.unit, 'short', limits(m))];
    })
    .join(', ');
}

/** ` on 30 Nov`: the day of the one reading a value is, on the patient's clock where it was known; empty for none. */
export function readingDayText(m: Pick<SensorModifier, 'valueAt' | 'valueDay'>): string {
  const day = m.valueDay ?? m.valueAt;
  return day ? ` on ${dayText(day)}` : '';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An instant as a day a person writes (`29 Nov`), from its UTC date. */
export function dayText(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()] ?? ''}`;
}

/** "7 days to 29 Nov, 6 of 7 days with data, Apple Watch" (what the window, its coverage and the device were). */
export function windowText(m: SensorModifier): string {
  const parts: string[] = [];
  if (m.window) {
    const days = Math.round((Date.parse(m.window.end) - Date.parse(m.window.start)) / 86_400_000);
    parts.push(`${days} ${days === 1 ? 'day' : 'days'} to ${dayText(m.window.end)}`);
    if (m.daysWithData !== undefined && days > 0) parts.push(`${m.daysWithData} of ${days} days with data`);
  }
  if (m.devices.length > 0) parts.push(m.devices.join(', '));
  return parts.join(', ');
}

/** A sensor trigger's operator in words, as the dashboard and the threshold editor say a limit: `below 60/min`. */
export const TRIGGER_OPERATOR_WORDS: Readonly<Record<SensorTrigger['operator'], string>> = {
  lessThan: 'below',
  lessThanInclusive: 'at or below',
  greaterThan: 'above',
  greaterThanInclusive: 'at or above',
};

const OPERATOR_WORDS: readonly (readonly [RegExp, string])[] = [
  [/^<=\s*/, 'at or below '],
  [/^>=\s*/, 'at or above '],
  [/^≤\s*/, 'at or below '],
  [/^≥\s*/, 'at or above '],
  [/^<\s*/, 'below '],
  [/^>\s*/, 'above '],
];

/**
 * The threshold a modifier compared against, in words (`below 60/min`), from the engine's phrase
 * (`resting-heart-rate < 60 /min`; a range `65–80 /min`).
 */
export function thresholdText(m: SensorModifier): string | undefined {
  if (!m.threshold) return undefined;
  let bound = m.threshold.startsWith(`${m.metric} `) ? m.threshold.slice(m.metric.length + 1) : m.threshold;
  for (const [pattern, words] of OPERATOR_WORDS) {
    if (pattern.test(bound)) {
      bound = bound.replace(pattern, words);
      break;
    }
  }
  if (/^\d/.test(bound)) bound = `within ${bound}`;
  // "60 /min" → "60/min"; "130 mm[Hg]" → "130 mmHg"; a count's unit "1" goes ("at or above 1 1" → "at or above 1");
  // "4 {INR}" → "INR 4", as a value reads ("INR 4.4"); "4 %" stays.
  return bound
    .replace(/(\d) 1(?=$|,)/, '$1')
    .replace(/(\d) \/(min|d)\b/g, '$1/$2')
    .replace(/mm\[Hg\]/g, 'mmHg')
    .replace(/(?<![\d.])(\d+(?:\.\d+)?) \{INR\}/g, 'INR $1')
    .replace(/\{INR\}/g, 'INR');
}

/** A canonical unit in the words people use: `/min` → `per minute`, `mm[Hg]` → `mmHg`. */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  '/min': 'per minute',
  'mm[Hg]': 'mmHg',
  '{INR}': 'INR',
  '/d': 'per day',
  '%': 'percent',
  h: 'hours',
  ms: 'milliseconds',
};

function unitWords(unit: string): string {
  return UNIT_WORDS[unit] ?? `'${unit}'`;
}

/**
 * Reasons free of raw timestamps (a stale reason names the newest sample's instant: said as a day instead) and of
 * unit-coding terms: the sensors module says why it repaired or refused a unit in UCUM's terms, for logs ("unit code
 * 'beats/min' is not UCUM; read as '/min'"); a reader is told what was written and how it was read ("unit written
 * 'beats/min', read as per minute").
 */
export function reasonText(reason: string): string {
  return reason
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g, (iso) =>
      dayText(iso),
    )
    .replace(
      /unit code '([^']*)' is not UCUM; read as '([^']*)'/g,
      (_, code: string, read: string) => `unit written '${code}', read as ${unitWords(read)}`,
    )
    .replace(
      /unit code '([^']*)' is from '[^']*', not UCUM/g,
      "unit '$1' is from another coding system: not read",
    )
    .replace(/unit code '([^']*)' is not valid UCUM/g, "unit '$1' is not a unit this service recognises")
    .replace(
      /unit text '([^']*)' read as '([^']*)'/g,
      (_, text: string, read: string) => `unit text '${text}' read as ${unitWords(read)}`,
    )
    .replace(
      /does not convert to ((?:'[^']*'(?: or )?)+)/g,
      (_, units: string) =>
        `does not convert to ${[...units.matchAll(/'([^']*)'/g)].map((m) => unitWords(m[1] ?? '')).join(' or ')}`,
    )
    .replace(/\bno unit code\b/g, 'no coded unit')
    .replace(/(\d) \/min\b/g, '$1/min');
}

/**
 * One short line saying that wearable records were left out (research §2.1 principle 5: cards that could not use sensor
 * data say why): how many, and the commonest reason in words, e.g. "Wearable data: 14 records left out (heart rate
 * outside the plausible 20–300/min …)". Undefined when none was. The summary holds only the Observations of the measures
 * the call's rules read (`rules/assess.ts` normalises no others), so a record left out is one a rule could have read.
 */
export function leftOutLine(sensors: DecisionSnapshot['facts']['sensors'] | undefined): string | undefined {
  const rejected = (sensors?.dataQuality ?? []).filter((n) => n.kind === 'rejected');
  if (rejected.length === 0) return undefined;
  const count = rejected.reduce((sum, n) => sum + n.count, 0);
  const commonest = [...rejected].sort((a, b) => b.count - a.count)[0];
  const others = rejected.length - 1;
  return `Wearable data: ${String(count)} ${count === 1 ? 'record' : 'records'} left out (${reasonText(commonest?.reason ?? '')}${others > 0 ? `; ${String(others)} other ${others === 1 ? 'reason' : 'reasons'}` : ''}).`;
}
