/**
 * FHIR R4 read and search over the demo data, as far as the CDS Hooks sandbox and this service's prefetch templates
 * need (https://hl7.org/fhir/R4/search.html): `_id`, `patient`/`subject`, `code` (`system|code`, `code`, `system|`;
 * comma = OR), `date` (prefixes `eq`, `ge`, `le`, `gt`, `lt`; precision of the value), `status`, `_sort` (`date`,
 * `-date`), `_count` and paging (`_offset`, in the `next` link). Repeating a parameter ANDs it. Unknown parameters
 * are ignored, as FHIR allows (lenient handling); the `self` link shows only the parameters used.
 */
import type { Bundle, FhirResource } from 'fhir/r4';
import type { DemoData } from './data';

/** A search refused: the message names the parameter (400). */
export class DemoSearchError extends Error {
  override readonly name = 'DemoSearchError';
}

/** The resource types served, with the search parameters each supports (the CapabilityStatement lists them). */
export const SEARCHABLE: Readonly<Record<string, readonly string[]>> = {
  Patient: ['_id'],
  Observation: ['_id', 'patient', 'subject', 'code', 'date', 'status'],
  MedicationRequest: ['_id', 'patient', 'subject', 'code', 'status', 'authoredon'],
  Consent: ['_id', 'patient', 'status', 'date'],
  Practitioner: ['_id'],
};

export const DEFAULT_COUNT = 100;
export const MAX_COUNT = 1000;

type Params = ReadonlyMap<string, readonly string[]>;

interface Obj {
  readonly [key: string]: unknown;
}

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The patient a resource belongs to, as `Patient/{id}`. */
function patientOf(r: FhirResource): string | undefined {
  if (r.resourceType === 'Patient') return `Patient/${r.id ?? ''}`;
  const o = r as unknown as Obj;
  return str(obj(o.subject)?.reference) ?? str(obj(o.patient)?.reference);
}

function codingsOf(r: FhirResource): { system: string | undefined; code: string | undefined }[] {
  const o = r as unknown as Obj;
  const concept = obj(o.code) ?? obj(o.medicationCodeableConcept);
  const codings = Array.isArray(concept?.coding) ? (concept.coding as unknown[]) : [];
  return codings.map((c) => ({ system: str(obj(c)?.system), code: str(obj(c)?.code) }));
}

/** The time range a resource's search date covers, in ms [start, end). */
function dateRangeOf(r: FhirResource, param: string): [number, number] | undefined {
  const o = r as unknown as Obj;
  const single =
    param === 'authoredon'
      ? str(o.authoredOn)
      : (str(o.effectiveDateTime) ?? str(o.effectiveInstant) ?? str(o.dateTime));
  if (single !== undefined) return rangeOf(single);
  const period = obj(o.effectivePeriod);
  if (period) {
    const start = str(period.start);
    const end = str(period.end);
    const s = start === undefined ? -Infinity : rangeOf(start)?.[0];
    const e = end === undefined ? Infinity : rangeOf(end)?.[1];
    if (s !== undefined && e !== undefined) return [s, e];
  }
  return undefined;
}

/** The instants a FHIR date/dateTime value stands for, at its precision. Dates without a zone are read as UTC. */
export function rangeOf(value: string): [number, number] | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(T.*)?)?)?$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, time] = m;
  if (time !== undefined) {
    const t = Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(time) ? value : `${value}Z`);
    if (Number.isNaN(t)) return undefined;
    const seconds = /T\d{2}:\d{2}:\d{2}/.test(time);
    return [t, t + (seconds ? 1000 : 60_000)];
  }
  const year = Number(y);
  if (mo === undefined) return [Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1)];
  const month = Number(mo) - 1;
  if (d === undefined) return [Date.UTC(year, month, 1), Date.UTC(year, month + 1, 1)];
  const start = Date.UTC(year, month, Number(d));
  return Number.isNaN(start) ? undefined : [start, start + 86_400_000];
}

function matchesDate(r: FhirResource, param: string, value: string): boolean {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.+)$/.exec(value);
  const prefix = m?.[1] ?? 'eq';
  const wanted = m?.[2] === undefined ? undefined : rangeOf(m[2]);
  if (!wanted) throw new DemoSearchError(`${param}: "${value}" is not a FHIR date`);
  const have = dateRangeOf(r, param);
  if (!have) return false;
  const [ws, we] = wanted;
  const [hs, he] = have;
  switch (prefix) {
    case 'eq':
      return hs >= ws && he <= we;
    case 'ne':
      return !(hs >= ws && he <= we);
    case 'gt':
      return he > we;
    case 'lt':
      return hs < ws;
    case 'ge':
      return he > ws;
    case 'le':
      return hs < we;
    default:
      throw new DemoSearchError(`${param}: prefix "${prefix}" is not supported (eq, ne, gt, lt, ge, le)`);
  }
}

function matchesToken(r: FhirResource, value: string): boolean {
  return value.split(',').some((token) => {
    const bar = token.indexOf('|');
    const system = bar < 0 ? undefined : token.slice(0, bar);
    const code = bar < 0 ? token : token.slice(bar + 1);
    return codingsOf(r).some(
      (c) =>
        (system === undefined || (system === '' ? c.system === undefined : c.system === system)) &&
        (code === '' ? true : c.code === code),
    );
  });
}

function matchesReference(r: FhirResource, value: string): boolean {
  const ref = patientOf(r);
  return value.split(',').some((v) => {
    const wanted = v.includes('/') ? v.replace(/^.*\/(Patient\/[^/]+)$/, '$1') : `Patient/${v}`;
    return ref === wanted;
  });
}

function matches(r: FhirResource, name: string, values: readonly string[]): boolean {
  return values.every((value) => {
    switch (name) {
      case '_id':
        return value.split(',').includes(r.id ?? '');
      case 'patient':
      case 'subject':
        return matchesReference(r, value);
      case 'code':
        return matchesToken(r, value);
      case 'status':
        return value.split(',').includes(str((r as unknown as Obj).status) ?? '');
      case 'date':
      case 'authoredon':
        return matchDateAny(r, name, value);
      default:
        return true;
    }
  });
}

function matchDateAny(r: FhirResource, name: string, value: string): boolean {
  return value.split(',').some((v) => matchesDate(r, name, v));
}

function sortKey(r: FhirResource): number {
  const range = dateRangeOf(r, 'date') ?? dateRangeOf(r, 'authoredon');
  if (!range) return -Infinity;
  return Number.isFinite(range[0]) ? range[0] : range[1];
}

function countOf(params: Params): number {
  const raw = params.get('_count')?.[0];
  if (raw === undefined) return DEFAULT_COUNT;
  if (!/^\d+$/.test(raw)) throw new DemoSearchError(`_count: "${raw}" is not a whole number`);
  return Math.min(Number(raw), MAX_COUNT);
}

function offsetOf(params: Params): number {
  const raw = params.get('_offset')?.[0];
  if (raw === undefined) return 0;
  if (!/^\d+$/.test(raw)) throw new DemoSearchError(`_offset: "${raw}" is not a whole number`);
  return Number(raw);
}

/** The query string of the parameters used (for `self` and `next` links). */
function queryString(type: string, params: Params, offset?: number): string {
  const used = SEARCHABLE[type] ?? [];
  const parts: string[] = [];
  for (const [name, values] of params) {
    if (!used.includes(name) && name !== '_sort' && name !== '_count') continue;
    for (const v of values) parts.push(`${name}=${encodeURIComponent(v)}`);
  }
  if (offset !== undefined && offset > 0) parts.push(`_offset=${offset}`);
  return parts.join('&');
}

/**
 * Searches `type` with `params` (name → values, in request order) and answers a searchset Bundle whose links are
 * absolute under `baseUrl`. Throws `DemoSearchError` on a value it cannot read.
 */
export function searchDemo(data: DemoData, baseUrl: string, type: string, params: Params): Bundle {
  const count = countOf(params);
  const offset = offsetOf(params);
  const sort = params.get('_sort')?.[0];
  if (sort !== undefined && !['date', '-date', '_lastUpdated', '-_lastUpdated'].includes(sort)) {
    throw new DemoSearchError(`_sort: "${sort}" is not supported (date, -date)`);
  }
  let found = data
    .ofType(type)
    .filter((r) => [...params].every(([name, values]) => matches(r, name, values)));
  if (sort !== undefined) {
    const sign = sort.startsWith('-') ? -1 : 1;
    // Stable: equal dates keep Bundle order.
    found = found
      .map((r, i) => ({ r, i, k: sortKey(r) }))
      .sort((a, b) => (a.k === b.k ? a.i - b.i : a.k < b.k ? -sign : sign))
      .map((x) => x.r);
  }
  const page = found.slice(offset, offset + count);
  const link = [{ relation: 'self', url: `${baseUrl}/${type}?${queryString(type, params, offset)}` }];
  if (offset + count < found.length) {
    link.push({ relation: 'next', url: `${baseUrl}/${type}?${queryString(type, params, offset + count)}` });
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: found.length,
    link,
    entry: page.map((resource) => ({
      fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id ?? ''}`,
      resource,
      search: { mode: 'match' },
    })),
  };
}

/** Parses a query string (`a=1&b=2`) into name → values; `+` is a space (form encoding). */
export function parseQuery(query: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(query)) {
    const values = params.get(name);
    if (values) values.push(value);
    else params.set(name, [value]);
  }
  return params;
}
