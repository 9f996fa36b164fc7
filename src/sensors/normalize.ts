/**
 * Observations → canonical samples, by catalogue code and UCUM code only (never `display`, `Quantity.unit` text or
 * `category`). Every Observation that cannot be used leaves a data-quality note with the reason.
 */
import { counted } from './words';
import { conceptForCoding, type SensorConcept } from './catalogue';
import { asArray, asNumber, asObject, asString, describeResource, type JsonObject } from './fhir-read';
import type { SensorDataQualityNote, SensorSample } from './types';
import { MINUTE, localDayAndHour, parseFhirTime, type FhirTime } from './time';
import { canonicalConversion, implausibility, resolveUnit, type UnitConversion } from './units';

/** Statuses whose values are used; `preliminary` chunks count as the partial coverage they are (research §1.3). */
const USABLE_STATUSES = new Set(['final', 'amended', 'corrected', 'preliminary']);

/** Data later than the hook's time by more than this is a device clock fault (research §1.4 item 8). */
const FUTURE_TOLERANCE = 5 * MINUTE;

/** How many sources a merged data-quality note names. */
const MAX_NOTE_SOURCES = 5;

/** Result of normalising a set of resources. */
export interface Normalisation {
  readonly samples: readonly SensorSample[];
  readonly dataQuality: readonly SensorDataQualityNote[];
}

/** Thrown inside this module only, to reject one Observation (or one component) with a reason. */
class Rejection extends Error {}

/**
 * Normalises the Observations among `resources` to samples in canonical units. Devices among the resources (or
 * contained in an Observation) name the samples' device. Duplicates (same concept, time, value, device — the CGM IG
 * allows repeated submissions) are dropped. With `concepts`, only Observations of those catalogue concepts are read
 * (the others are skipped without a note: no metric at hand needs them).
 */
export function normalizeObservations(
  resources: readonly JsonObject[],
  at: number,
  concepts?: ReadonlySet<string>,
): Normalisation {
  const devices = indexDevices(resources);
  const samples: SensorSample[] = [];
  const notes = new Notes();
  const seen = new SampleSet();
  resources.forEach((resource, index) => {
    if (resource.resourceType !== 'Observation') return;
    notes.resource = resource;
    notes.index = index;
    try {
      for (const sample of readObservation(resource, index, at, devices, notes.add, concepts)) {
        if (seen.isDuplicate(sample, samples)) continue;
        samples.push(sample);
      }
    } catch (error) {
      if (!(error instanceof Rejection)) throw error;
      notes.add('rejected', error.message);
    }
  });
  return { samples, dataQuality: notes.entries };
}

/** Data-quality notes merged by kind and reason, in order of first appearance; each names its first few sources. */
class Notes {
  readonly entries: {
    kind: SensorDataQualityNote['kind'];
    reason: string;
    count: number;
    sources: string[];
  }[] = [];
  private readonly byReason = new Map<string, Notes['entries']>();
  /** The Observation being read: named only when a note needs it (most Observations leave none). */
  resource: JsonObject = {};
  index = 0;

  readonly add: Note = (kind, reason) => {
    const same = this.byReason.get(reason) ?? [];
    const entry = same.find((e) => e.kind === kind);
    if (entry === undefined) {
      const added = { kind, reason, count: 1, sources: [describeResource(this.resource, this.index)] };
      this.entries.push(added);
      this.byReason.set(reason, [...same, added]);
    } else {
      entry.count += 1;
      if (entry.sources.length < MAX_NOTE_SOURCES)
        entry.sources.push(describeResource(this.resource, this.index));
    }
  };
}

/**
 * The samples kept so far, to drop repeats (same concept, time, value, unit, censoring, device). Readings come sorted
 * by time (oldest or newest first), so a sample that starts outside the span kept so far for its concept cannot repeat
 * one: only a concept whose samples come out of order is indexed by start time, from then on. Without a key string
 * per sample: with thousands of readings per call, building and hashing one cost more than reading the Observation.
 */
class SampleSet {
  private readonly byConcept = new Map<
    string,
    { earliest: number; latest: number; byStart?: Map<number, SensorSample[]> }
  >();

  /** Whether an equal sample is among `kept` (every sample kept so far, in order); otherwise records this one. */
  isDuplicate(sample: SensorSample, kept: readonly SensorSample[]): boolean {
    const span = this.byConcept.get(sample.concept);
    if (span === undefined) {
      this.byConcept.set(sample.concept, { earliest: sample.start, latest: sample.start });
      return false;
    }
    if (span.byStart === undefined) {
      if (sample.start > span.latest || sample.start < span.earliest) {
        span.latest = Math.max(span.latest, sample.start);
        span.earliest = Math.min(span.earliest, sample.start);
        return false;
      }
      span.byStart = new Map();
      for (const other of kept) if (other.concept === sample.concept) add(span.byStart, other);
    }
    const same = span.byStart.get(sample.start);
    if (same?.some((other) => sameSample(other, sample)) === true) return true;
    add(span.byStart, sample);
    return false;
  }
}

function add(byStart: Map<number, SensorSample[]>, sample: SensorSample): void {
  const same = byStart.get(sample.start);
  if (same === undefined) byStart.set(sample.start, [sample]);
  else same.push(sample);
}

function sameSample(a: SensorSample, b: SensorSample): boolean {
  return (
    a.end === b.end &&
    a.value === b.value &&
    a.unit === b.unit &&
    a.censored === b.censored &&
    a.device === b.device
  );
}

type Note = (kind: SensorDataQualityNote['kind'], reason: string) => void;

/**
 * Whether an Observation of `concept` holds samples of `concepts`: its own, or a panel's component (a home blood
 * pressure sent as the vital-signs panel, 85354-9 with 8480-6 and 8462-4 components, is read for its components).
 */
function isWanted(concept: SensorConcept, concepts: ReadonlySet<string>): boolean {
  return concepts.has(concept.id) || (concept.components?.some((c) => concepts.has(c)) ?? false);
}

function readObservation(
  observation: JsonObject,
  origin: number,
  at: number,
  devices: ReadonlyMap<string, string>,
  note: Note,
  concepts: ReadonlySet<string> | undefined,
): SensorSample[] {
  const concept = conceptOf(observation.code);
  if (concept === undefined) {
    note('ignored', 'code not in the sensor catalogue');
    return [];
  }
  if (concepts !== undefined && !isWanted(concept, concepts)) return [];
  const status = asString(observation.status);
  if (status === undefined || !USABLE_STATUSES.has(status)) {
    note('ignored', `status '${status ?? 'missing'}' is not usable`);
    return [];
  }
  if (concept.kind === 'grouper') return [];
  const effective = readEffective(observation);
  if (effective.time.start > at + FUTURE_TOLERANCE) throw new Rejection('effective time is in the future');
  const base = { origin, device: deviceName(observation, devices) };
  switch (concept.kind) {
    case 'event':
      return [sampleAt(concept.id, 1, '', effective, false, base)];
    case 'panel':
      return readPanel(observation, concept, effective, base, note);
    case 'measurement':
      return readValue(observation, concept, effective, base, note);
  }
}

interface Effective {
  readonly time: FhirTime;
  /** True when the Observation used `effectivePeriod` (an aggregate over the period). */
  readonly isPeriod: boolean;
  /** Offset to use for local days: the end's, else the start's; undefined for dates without time. */
  readonly offsetMinutes: number | undefined;
}

function readEffective(observation: JsonObject): Effective {
  const point = asString(observation.effectiveDateTime) ?? asString(observation.effectiveInstant);
  if (point !== undefined) {
    const time = parseFhirTime(point);
    if (!time) throw new Rejection(`effective time '${point}' is not a usable FHIR dateTime`);
    return { time, isPeriod: false, offsetMinutes: time.offsetMinutes };
  }
  const period = asObject(observation.effectivePeriod);
  const startText = asString(period?.start);
  const endText = asString(period?.end);
  const start = startText === undefined ? undefined : parseFhirTime(startText);
  const end = endText === undefined ? undefined : parseFhirTime(endText);
  if (!start) throw new Rejection('no usable effective[x] (dateTime, instant or Period with a start)');
  if (endText !== undefined && !end)
    throw new Rejection(`effectivePeriod.end '${endText}' is not a usable dateTime`);
  const last = end ?? start;
  if (last.end < start.start) throw new Rejection('effectivePeriod ends before it starts');
  return {
    time: { start: start.start, end: last.end },
    isPeriod: true,
    offsetMinutes: last.offsetMinutes ?? start.offsetMinutes,
  };
}

function readPanel(
  observation: JsonObject,
  panel: SensorConcept,
  effective: Effective,
  base: SampleBase,
  note: Note,
): SensorSample[] {
  const samples: SensorSample[] = [];
  asArray(observation.component).forEach((item, i) => {
    const component = asObject(item);
    const concept = conceptOf(component?.code);
    // A component coded as another concept (healthkit-on-fhir codes diastolic BP as 8867-4 heart rate) is rejected.
    if (!component || concept === undefined || !panel.components?.includes(concept.id)) {
      note('rejected', `component[${i}] code is not a ${panel.label} component`);
      return;
    }
    try {
      // One at a time: a SampledData component can hold more values than a spread may pass.
      for (const sample of readValue(component, concept, effective, base, note)) samples.push(sample);
    } catch (error) {
      if (!(error instanceof Rejection)) throw error;
      note('rejected', `component[${i}]: ${error.message}`);
    }
  });
  return samples;
}

interface SampleBase {
  readonly origin: number;
  readonly device: string | undefined;
}

/** Reads `valueQuantity` or `valueSampledData` of an Observation or component. */
function readValue(
  element: JsonObject,
  concept: SensorConcept,
  effective: Effective,
  base: SampleBase,
  note: Note,
): SensorSample[] {
  if (concept.requiresPeriod && !effective.isPeriod) {
    throw new Rejection(`${concept.label} is a summary over a period but has no effectivePeriod`);
  }
  const quantity = asObject(element.valueQuantity);
  if (quantity) {
    const value = asNumber(quantity.value);
    if (value === undefined) throw new Rejection('valueQuantity has no numeric value');
    if (quantity.comparator !== undefined)
      throw new Rejection('valueQuantity has a comparator (value is a bound)');
    const conversion = unitConversion(quantity, concept, note);
    const fraction = fractionAboveOne(conversion, concept, value);
    if (fraction !== undefined) throw new Rejection(fraction);
    const converted = conversion.convert(value);
    const implausible = implausibility(concept.id, concept.label, converted, conversion.unit);
    if (implausible !== undefined) throw new Rejection(implausible);
    return [sampleAt(concept.id, converted, conversion.unit, effective, effective.isPeriod, base)];
  }
  const sampled = asObject(element.valueSampledData);
  if (sampled) return readSampledData(sampled, concept, effective, base, note);
  if (element.dataAbsentReason !== undefined) throw new Rejection('no value (dataAbsentReason)');
  throw new Rejection('no valueQuantity or valueSampledData');
}

/** A unit's conversion to its concept's unit (and the UCUM code it converts from) and the repair it needed, or why it has none. */
type Resolution = { conversion: Conversion; repair?: string } | string;

/** A working conversion and the UCUM code the value was written in. */
type Conversion = UnitConversion & { readonly ok: true; readonly from: string };

/**
 * A percentage concept (SpO2) written as a fraction (unit `1`) must be at most 1: 95 with unit `1` is a percentage
 * mislabelled, not 9,500 %. Choice: such a value is left out rather than guessed (it could be 95 % or a fault).
 */
function fractionAboveOne(conversion: Conversion, concept: SensorConcept, value: number): string | undefined {
  return conversion.from === '1' && conversion.unit === '%' && value > 1
    ? `${concept.label} ${String(value)} written as a fraction (unit '1') is above 1: implausible, left out`
    : undefined;
}

/** Unit resolutions by concept and (code, system, unit): a few distinct units per request, thousands of readings. */
const resolutions = new Map<string, Resolution>();
/** Distinct units kept at most; past this the memo starts again (junk units cannot grow it without bound). */
const MAX_RESOLUTIONS = 1000;

/** The last unit resolved: a device's readings come in runs of one unit, so most look-ups need no key. */
let last:
  | {
      concept: SensorConcept;
      code: string | undefined;
      system: string | undefined;
      unit: string | undefined;
      resolution: Resolution;
    }
  | undefined;

function unitConversion(quantity: JsonObject, concept: SensorConcept, note: Note): Conversion {
  const code = asString(quantity.code);
  const system = asString(quantity.system);
  const unit = asString(quantity.unit);
  let resolution: Resolution | undefined;
  if (last?.concept === concept && last.code === code && last.system === system && last.unit === unit) {
    resolution = last.resolution;
  } else {
    const key = `${concept.id}\u0000${code ?? '\u0001'}\u0000${system ?? '\u0001'}\u0000${unit ?? '\u0001'}`;
    resolution = resolutions.get(key);
    if (resolution === undefined) {
      resolution = resolveConversion(code, system, unit, concept);
      if (resolutions.size >= MAX_RESOLUTIONS) resolutions.clear();
      resolutions.set(key, resolution);
    }
    last = { concept, code, system, unit, resolution };
  }
  // A value whose unit contradicts its code (a "heart rate" in mm[Hg]) is rejected.
  if (typeof resolution === 'string') throw new Rejection(resolution);
  if (resolution.repair !== undefined) note('repaired', resolution.repair);
  return resolution.conversion;
}

/** The conversion of a quantity's unit to the concept's, or why there is none. */
function resolveConversion(
  code: string | undefined,
  system: string | undefined,
  unit: string | undefined,
  concept: SensorConcept,
): Resolution {
  const resolved = resolveUnit(
    { ...optional('code', code), ...optional('system', system), ...optional('unit', unit) },
    concept,
  );
  if (!resolved.ok) return resolved.reason;
  const conversion = canonicalConversion(resolved.ucum, concept);
  if (!conversion.ok) return conversion.reason;
  const from = { ...conversion, from: resolved.ucum };
  return resolved.repair === undefined ? { conversion: from } : { conversion: from, repair: resolved.repair };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * Expands `valueSampledData` to timed samples: value = origin + factor × token, time = start + i × period (ms).
 * `E` (error) tokens are skipped; `L`/`U` become censored samples at the lower/upper limit (skipped when the limit
 * is missing). The origin's unit must convert to the concept's unit (HDDT: "MUST NOT use the value" otherwise).
 */
function readSampledData(
  sampled: JsonObject,
  concept: SensorConcept,
  effective: Effective,
  base: SampleBase,
  note: Note,
): SensorSample[] {
  const origin = asObject(sampled.origin);
  const period = asNumber(sampled.period);
  const dimensions = asNumber(sampled.dimensions) ?? 1;
  const data = asString(sampled.data);
  if (!origin) throw new Rejection('SampledData has no origin');
  if (period === undefined || period <= 0) throw new Rejection('SampledData has no positive period');
  if (dimensions !== 1) throw new Rejection(`SampledData with ${dimensions} dimensions is not supported`);
  if (data === undefined) throw new Rejection('SampledData has no data');
  const conversion = unitConversion(origin, concept, note);
  const originValue = asNumber(origin.value) ?? 0;
  const factor = asNumber(sampled.factor) ?? 1;
  const lower = asNumber(sampled.lowerLimit);
  const upper = asNumber(sampled.upperLimit);
  const tokens = data.trim().split(/\s+/).filter(Boolean);
  const { start, end } = effective.time;
  if (effective.isPeriod && end > start) {
    // Sanity check from research §1.3: a draft used period 300 (ms) where 5 min was meant.
    if ((tokens.length - 1) * period > end - start + period) {
      throw new Rejection(`SampledData runs past effectivePeriod.end (${tokens.length} × ${period} ms)`);
    }
    if (tokens.length * period < (end - start) / 100) {
      throw new Rejection(
        `SampledData covers under 1 % of its effectivePeriod (${tokens.length} × ${period} ms)`,
      );
    }
  }
  const samples: SensorSample[] = [];
  let errors = 0;
  let unusable = 0;
  let implausible: string | undefined;
  let implausibleCount = 0;
  tokens.forEach((token, i) => {
    const time = { start: start + i * period, end: start + i * period };
    const timed = { ...effective, time };
    if (token === 'E') {
      errors += 1;
    } else if (token === 'L' || token === 'U') {
      const limit = token === 'L' ? lower : upper;
      if (limit === undefined) {
        unusable += 1;
        return;
      }
      const censored = token === 'L' ? 'below' : 'above';
      samples.push(
        sampleAt(concept.id, conversion.convert(limit), conversion.unit, timed, false, base, censored),
      );
    } else {
      const raw = Number(token);
      if (!Number.isFinite(raw))
        throw new Rejection(`SampledData token '${token}' is not a number, E, L or U`);
      const written = originValue + factor * raw;
      const value = conversion.convert(written);
      const why =
        fractionAboveOne(conversion, concept, written) ??
        implausibility(concept.id, concept.label, value, conversion.unit);
      if (why !== undefined) {
        implausible = why;
        implausibleCount += 1;
        return;
      }
      samples.push(sampleAt(concept.id, value, conversion.unit, timed, false, base));
    }
  });
  if (errors > 0)
    note('ignored', `${counted(errors, 'reading')} the device marked as errors (SampledData 'E') skipped`);
  if (implausible !== undefined)
    note('rejected', `SampledData: ${counted(implausibleCount, 'reading')} ${implausible}`);
  if (unusable > 0) {
    note(
      'ignored',
      `${counted(unusable, 'reading')} beyond the device's range (SampledData 'L'/'U') skipped: no limit given`,
    );
  }
  return samples;
}

function sampleAt(
  concept: string,
  value: number,
  unit: string,
  effective: Effective,
  aggregate: boolean,
  base: SampleBase,
  censored?: SensorSample['censored'],
): SensorSample {
  const { day, hour } = localDayAndHour(effective.time.end, effective.offsetMinutes);
  // Written in UTC: the patient's clock is not known yet (`onPatientClock` may place it later).
  const clock = effective.offsetMinutes === 0 ? 'utc-assumed' : 'local';
  return new Sample(
    concept,
    value,
    unit,
    censored,
    effective.time.start,
    effective.time.end,
    day,
    hour,
    clock,
    effective.offsetMinutes,
    aggregate,
    base.device,
    base.origin,
  );
}

/**
 * A sample written in UTC placed on the patient's clock: its local day and hour at `offsetMinutes` east of UTC. Other
 * samples are returned as they are.
 */
export function onPatientClock(sample: SensorSample, offsetMinutes: number): SensorSample {
  if (sample.clock !== 'utc-assumed') return sample;
  const { day, hour } = localDayAndHour(sample.end, offsetMinutes);
  return new Sample(
    sample.concept,
    sample.value,
    sample.unit,
    sample.censored,
    sample.start,
    sample.end,
    day,
    hour,
    'local',
    sample.offsetMinutes,
    sample.aggregate,
    sample.device,
    sample.origin,
  );
}

/**
 * The newest offset other than UTC that a reading was written with (minutes east of UTC), or undefined when every
 * reading is in UTC or date-only: the patient's clock as the readings say it (choice: the newest, where the patient
 * is now; a reading from a trip or across a daylight-saving change can be an hour or a zone off).
 */
export function newestLocalOffset(samples: readonly SensorSample[]): number | undefined {
  let newest: SensorSample | undefined;
  for (const s of samples) {
    if (
      s.offsetMinutes !== undefined &&
      s.offsetMinutes !== 0 &&
      (newest === undefined || s.end > newest.end)
    )
      newest = s;
  }
  return newest?.offsetMinutes;
}

/**
 * A sample as a class rather than an object literal: thousands per call, and V8 tracks each literal-made object for
 * pretenuring, which made the 14,000-Observation benchmark's median 15 % slower (same-run alternation, 4 rounds).
 */
class Sample implements SensorSample {
  constructor(
    readonly concept: string,
    readonly value: number,
    readonly unit: string,
    readonly censored: SensorSample['censored'],
    readonly start: number,
    readonly end: number,
    readonly day: string,
    readonly hour: number | undefined,
    readonly clock: SensorSample['clock'],
    readonly offsetMinutes: number | undefined,
    readonly aggregate: boolean,
    readonly device: string | undefined,
    readonly origin: number,
  ) {}
}

function conceptOf(codeableConcept: unknown): SensorConcept | undefined {
  for (const item of asArray(asObject(codeableConcept)?.coding)) {
    const coding = asObject(item);
    const system = asString(coding?.system);
    const code = asString(coding?.code);
    const concept = system === undefined || code === undefined ? undefined : conceptForCoding(system, code);
    if (concept) return concept;
  }
  return undefined;
}

/** Device id (`Device/<id>`) → display name, for provenance. */
function indexDevices(resources: readonly JsonObject[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const resource of resources) {
    const id = asString(resource.id);
    if (resource.resourceType === 'Device' && id !== undefined)
      index.set(`Device/${id}`, nameOfDevice(resource, id));
  }
  return index;
}

function nameOfDevice(device: JsonObject, fallback: string): string {
  const deviceName = asString(asObject(asArray(device.deviceName)[0])?.name);
  const model = [asString(device.manufacturer), asString(device.modelNumber)].filter(Boolean).join(' ');
  const type = asObject(device.type);
  return (
    deviceName ??
    (model === '' ? undefined : model) ??
    asString(type?.text) ??
    asString(asObject(asArray(type?.coding)[0])?.display) ??
    fallback
  );
}

/** The device of an Observation: a contained `#id`, a `Device/<id>` in the data, else the reference's display/text. */
function deviceName(observation: JsonObject, devices: ReadonlyMap<string, string>): string | undefined {
  const reference = asObject(observation.device);
  if (!reference) return undefined;
  const ref = asString(reference.reference);
  const display = asString(reference.display);
  if (ref?.startsWith('#') === true) {
    const contained = asArray(observation.contained)
      .map(asObject)
      .find((r) => r?.resourceType === 'Device' && r.id === ref.slice(1));
    if (contained) return nameOfDevice(contained, display ?? ref);
  }
  if (ref === undefined) return display;
  // Most references are `Device/<id>` as the index has them: looked up as they are, without the pattern.
  const known = devices.get(ref);
  if (known !== undefined) return known;
  const match = /(?:^|\/)(Device\/[^/]+)$/.exec(ref);
  return (match?.[1] === undefined ? undefined : devices.get(match[1])) ?? display ?? ref;
}
