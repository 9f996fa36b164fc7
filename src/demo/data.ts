/**
 * The demo data set: the committed transaction Bundles under `demo/` (written by `npm run demo:generate`), loaded
 * once at start, dates moved to the present, indexed by type and id. Read-only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, FhirResource } from 'fhir/r4';

/** `demo/index.json`: when the data is "now", the seed it was made with, and the patients. */
export interface DemoIndex {
  readonly asOf: string;
  readonly seed: number;
  readonly patients: readonly DemoIndexEntry[];
  /**
   * The file of the prescribers' Practitioner resources (one transaction Bundle): the CDS Hooks sandbox's default
   * user among them, so its `user` prefetch finds a name for the override review.
   */
  readonly practitioners: string;
}

export interface DemoIndexEntry {
  readonly id: string;
  readonly name: string;
  /** What the patient shows, in a clinician's words (the README table). */
  readonly scenario: string;
  /** The drug to order from the sandbox (also a draft MedicationRequest in the patient's Bundle). */
  readonly order: { readonly drug: string; readonly rxnorm: string; readonly display: string };
  readonly file: string;
}

/** The folder the committed demo Bundles live in: `<repository>/demo` from `src/demo` and from `dist/demo`. */
export const DEMO_DIR = path.join(__dirname, '..', '..', 'demo');

export interface DemoData {
  readonly index: DemoIndex;
  /** Days every date was moved forward (0 when loaded as generated). */
  readonly shiftDays: number;
  /** Every resource, in Bundle order. */
  readonly resources: readonly FhirResource[];
  byTypeAndId(type: string, id: string): FhirResource | undefined;
  ofType(type: string): readonly FhirResource[];
}

const DAY_MS = 86_400_000;
/** FHIR date, dateTime and instant values (a year-month-day at least). */
const DATE_LIKE = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
/** Keys whose dates describe the person, not the record: never moved. */
const KEPT_KEYS = new Set(['birthDate', 'deceasedDateTime']);

/**
 * Moves one FHIR date or dateTime `days` days forward, keeping its form, time of day and UTC offset (so a reading at
 * 07:12 local stays at 07:12 local). Other strings are returned unchanged.
 */
export function shiftDate(value: string, days: number): string {
  const m = DATE_LIKE.exec(value);
  if (!m || days === 0) return value;
  const [y = 0, mo = 1, d = 1] = (m[1] ?? '').split('-').map(Number);
  const moved = new Date(Date.UTC(y, mo - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
  return `${moved}${m[2] ?? ''}`;
}

/** A copy of `value` with every date moved `days` days forward (except birth and death dates). */
export function shiftDates<T>(value: T, days: number): T {
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (typeof v === 'string') return key !== undefined && KEPT_KEYS.has(key) ? v : shiftDate(v, days);
    if (Array.isArray(v)) return v.map((x) => walk(x, undefined));
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    }
    return v;
  };
  return walk(value, undefined) as T;
}

/**
 * Whole days from the data's `asOf` to `now`: moving the data by this many days puts its newest readings as many
 * hours before `now` as they were before `asOf` (give or take the time of day), so the wearable data is always
 * fresh enough to act on.
 */
export function daysSince(asOf: string, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(asOf)) / DAY_MS);
}

/** Reads `demo/` (or `dir`), moving dates so the data is as of `now` (`now: undefined`: as generated). */
export function loadDemoData(now: Date | undefined, dir = DEMO_DIR): DemoData {
  const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as DemoIndex;
  const shiftDays = now === undefined ? 0 : daysSince(index.asOf, now);
  const resources: FhirResource[] = [];
  for (const file of [...index.patients.map((p) => p.file), index.practitioners]) {
    const bundle = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Bundle;
    for (const entry of bundle.entry ?? []) {
      if (entry.resource) resources.push(shiftDates(entry.resource as FhirResource, shiftDays));
    }
  }
  const byKey = new Map(resources.map((r) => [`${r.resourceType}/${r.id ?? ''}`, r]));
  const byType = new Map<string, FhirResource[]>();
  for (const r of resources) {
    const list = byType.get(r.resourceType);
    if (list) list.push(r);
    else byType.set(r.resourceType, [r]);
  }
  return {
    index,
    shiftDays,
    resources,
    byTypeAndId: (type, id) => byKey.get(`${type}/${id}`),
    ofType: (type) => byType.get(type) ?? [],
  };
}
