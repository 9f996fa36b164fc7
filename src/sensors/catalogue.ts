/**
 * The sensor catalogue: the one place that says which codes mean which concept and in which UCUM unit a concept is
 * kept. Codes and units come from `research/wearables-in-fhir.md` §1.2 and §5 (HL7 CGM IG 1.0.0, PHD IG, Physical
 * Activity IG, PHR IG, HealthKitOnFHIR, healthkit-on-fhir, HDDT).
 */

export const LOINC = 'http://loinc.org';
/** IEEE 11073-10101 (MDC) appears under two system URIs in real data (PHD IG, HDDT). */
export const MDC_SYSTEMS = ['urn:iso:std:iso:11073:10101', 'urn:oid:2.16.840.1.113883.6.24'] as const;
/** HL7 PHR IG (hl7.fhir.uv.phr) PGHD code system; carries device events that have no LOINC. */
export const PHR_PGHD = 'http://hl7.org/fhir/uv/phr/CodeSystem/observation-pghd-codes';

/** Glucose molecular weight for mg/dL ↔ mmol/L (DESIGN.md "Known dependency facts"). */
export const GLUCOSE_MOLECULAR_WEIGHT = 180.156;

export type SensorConceptId =
  | 'heart-rate'
  | 'resting-heart-rate'
  | 'low-heart-rate-event'
  | 'hrv-sdnn'
  | 'steps'
  | 'sleep-duration'
  | 'spo2'
  | 'respiratory-rate'
  | 'bp-panel'
  | 'bp-systolic'
  | 'bp-diastolic'
  | 'bp-mean-arterial'
  | 'glucose-cgm'
  | 'cgm-summary'
  | 'cgm-ranges-panel'
  | 'cgm-time-very-low'
  | 'cgm-time-low'
  | 'cgm-time-in-range'
  | 'cgm-time-high'
  | 'cgm-time-very-high'
  | 'cgm-gmi'
  | 'cgm-mean'
  | 'cgm-cv'
  | 'cgm-days-worn'
  | 'cgm-sensor-active'
  | 'qtc'
  | 'body-weight'
  | 'body-temperature'
  | 'inr';

export interface SensorCode {
  readonly system: string;
  readonly code: string;
}

/**
 * How an Observation of the concept is read:
 * - `measurement`: a value[x] (valueQuantity or valueSampledData) converted to the canonical unit;
 * - `event`: a value-less Observation counted as one occurrence;
 * - `panel`: no own value; its `component`s must be of the concepts listed in `components`;
 * - `grouper`: no own value; its `hasMember` Observations arrive as resources of their own and are read there.
 */
export type SensorConceptKind = 'measurement' | 'event' | 'panel' | 'grouper';

export interface SensorConcept {
  readonly id: SensorConceptId;
  readonly label: string;
  readonly kind: SensorConceptKind;
  readonly codes: readonly SensorCode[];
  /** Canonical UCUM units, tried in order: the first one the value's unit converts to wins. */
  readonly units: readonly string[];
  /** Needed to convert mass ↔ substance concentration (glucose). */
  readonly molecularWeight?: number;
  /** Unit assumed when a quantity has neither code nor repairable unit text (steps only, research §1.4 item 4). */
  readonly unitWhenMissing?: string;
  /** Only as an `effectivePeriod` aggregate (CGM summary metrics: the period is what the number means). */
  readonly requiresPeriod?: boolean;
  /** For panels: the concepts a component may have. */
  readonly components?: readonly SensorConceptId[];
}

const loinc = (...codes: string[]): SensorCode[] => codes.map((code) => ({ system: LOINC, code }));
const mdc = (...codes: string[]): SensorCode[] =>
  codes.flatMap((code) => MDC_SYSTEMS.map((system) => ({ system, code })));

/** The catalogue. Every accepted code is listed here and nowhere else. */
export const SENSOR_CATALOGUE: readonly SensorConcept[] = [
  {
    id: 'heart-rate',
    label: 'Heart rate',
    kind: 'measurement',
    codes: [...loinc('8867-4'), ...mdc('149530', '147842')],
    units: ['/min'],
  },
  {
    id: 'resting-heart-rate',
    label: 'Resting heart rate',
    kind: 'measurement',
    codes: loinc('40443-4'),
    units: ['/min'],
  },
  {
    id: 'low-heart-rate-event',
    label: 'Low heart rate event',
    kind: 'event',
    codes: [{ system: PHR_PGHD, code: 'lowHeartRateEvent' }],
    units: [],
  },
  // 80404-7 is SDNN; many sources put RMSSD under it (research §1.4 item 5): normalised, never aggregated for rules.
  {
    id: 'hrv-sdnn',
    label: 'Heart rate variability (SDNN)',
    kind: 'measurement',
    codes: loinc('80404-7'),
    units: ['ms'],
  },
  {
    id: 'steps',
    label: 'Steps',
    kind: 'measurement',
    codes: loinc('55423-8', '41950-7'),
    // A count over the effective time, or a per-day rate (Physical Activity IG uses `/d`).
    units: ['{steps}', '/d'],
    unitWhenMissing: '{steps}',
  },
  {
    id: 'sleep-duration',
    label: 'Sleep duration',
    kind: 'measurement',
    codes: loinc('93832-4'),
    units: ['h'],
  },
  {
    id: 'spo2',
    label: 'Oxygen saturation',
    kind: 'measurement',
    codes: [...loinc('59408-5', '2708-6'), ...mdc('150456')],
    units: ['%'],
  },
  {
    id: 'respiratory-rate',
    label: 'Respiratory rate',
    kind: 'measurement',
    codes: loinc('9279-1'),
    units: ['/min'],
  },
  {
    id: 'bp-panel',
    label: 'Blood pressure panel',
    kind: 'panel',
    codes: [...loinc('85354-9', '55284-4'), ...mdc('150020')],
    units: [],
    components: ['bp-systolic', 'bp-diastolic', 'bp-mean-arterial'],
  },
  {
    id: 'bp-systolic',
    label: 'Systolic blood pressure',
    kind: 'measurement',
    codes: [...loinc('8480-6'), ...mdc('150021')],
    units: ['mm[Hg]'],
  },
  {
    id: 'bp-diastolic',
    label: 'Diastolic blood pressure',
    kind: 'measurement',
    codes: [...loinc('8462-4'), ...mdc('150022')],
    units: ['mm[Hg]'],
  },
  {
    id: 'bp-mean-arterial',
    label: 'Mean arterial pressure',
    kind: 'measurement',
    codes: loinc('8478-0'),
    units: ['mm[Hg]'],
  },
  {
    id: 'glucose-cgm',
    label: 'Glucose (CGM, interstitial fluid)',
    kind: 'measurement',
    codes: [...loinc('99504-3', '105272-9'), ...mdc('160212')],
    units: ['mg/dL'],
    molecularWeight: GLUCOSE_MOLECULAR_WEIGHT,
  },
  { id: 'cgm-summary', label: 'CGM summary', kind: 'grouper', codes: loinc('107931-8'), units: [] },
  {
    id: 'cgm-ranges-panel',
    label: 'CGM times in ranges',
    kind: 'panel',
    codes: loinc('106793-3'),
    units: [],
    components: [
      'cgm-time-very-low',
      'cgm-time-low',
      'cgm-time-in-range',
      'cgm-time-high',
      'cgm-time-very-high',
    ],
  },
  ...(
    [
      ['cgm-time-very-low', 'CGM time below 54 mg/dL', '104642-4'],
      ['cgm-time-low', 'CGM time 54–69 mg/dL', '104641-6'],
      ['cgm-time-in-range', 'CGM time 70–180 mg/dL', '97510-2'],
      ['cgm-time-high', 'CGM time 181–250 mg/dL', '104640-8'],
      ['cgm-time-very-high', 'CGM time above 250 mg/dL', '104639-0'],
      ['cgm-gmi', 'Glucose management indicator', '97506-0'],
      ['cgm-cv', 'CGM glucose coefficient of variation', '104638-2'],
      ['cgm-sensor-active', 'CGM sensor active time', '104637-4'],
    ] as const
  ).map(([id, label, code]): SensorConcept => ({
    id,
    label,
    kind: 'measurement',
    codes: loinc(code),
    units: ['%'],
    requiresPeriod: true,
  })),
  {
    id: 'cgm-mean',
    label: 'CGM mean glucose',
    kind: 'measurement',
    codes: loinc('97507-8', '105273-7'),
    units: ['mg/dL'],
    molecularWeight: GLUCOSE_MOLECULAR_WEIGHT,
    requiresPeriod: true,
  },
  {
    id: 'cgm-days-worn',
    label: 'CGM days of wear',
    kind: 'measurement',
    codes: loinc('104636-6'),
    units: ['d'],
    requiresPeriod: true,
  },
  // QTc: the research marks 8636-3 "verify"; accepted as the only QTc code.
  { id: 'qtc', label: 'QTc interval', kind: 'measurement', codes: loinc('8636-3'), units: ['ms'] },
  {
    id: 'body-weight',
    label: 'Body weight',
    kind: 'measurement',
    codes: loinc('29463-7', '3141-9'),
    units: ['kg'],
  },
  {
    id: 'body-temperature',
    label: 'Body temperature',
    kind: 'measurement',
    codes: [...loinc('8310-5'), ...mdc('150364')],
    units: ['Cel'],
  },
  // INR: the research marks these three codes "verify"; home self-testing device, not a wearable.
  {
    id: 'inr',
    label: 'INR',
    kind: 'measurement',
    codes: loinc('34714-6', '46418-0', '6301-6'),
    units: ['{INR}'],
  },
];

/** System → code → concept: looked up once per Observation, so without building a `system|code` key each time. */
const conceptByCode = new Map<string, Map<string, SensorConcept>>();
for (const concept of SENSOR_CATALOGUE) {
  for (const { system, code } of concept.codes) {
    const codes = conceptByCode.get(system) ?? new Map<string, SensorConcept>();
    codes.set(code, concept);
    conceptByCode.set(system, codes);
  }
}

/** The catalogue concept a coding denotes, by system and code only (never by display). */
export function conceptForCoding(system: string, code: string): SensorConcept | undefined {
  return conceptByCode.get(system)?.get(code);
}

/**
 * Every `system|code` token the catalogue accepts, for a prefetch template's `code=` parameter
 * (`Observation?patient={{context.patientId}}&code=<these, comma-separated>`).
 */
export function sensorCodeTokens(): string[] {
  return SENSOR_CATALOGUE.flatMap((concept) => concept.codes.map((c) => `${c.system}|${c.code}`));
}
