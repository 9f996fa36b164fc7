/**
 * Prefetch and FHIR fallback: for each prefetch key a hook needs, take what the client sent if it is usable,
 * else read it from `fhirServer` — queries in parallel, each under the deadline left of one budget per call,
 * results cached per server, bearer token, patient and query for a short TTL.
 *
 * Every prefetch state of https://cds-hooks.hl7.org/2.0/#prefetch-template is handled:
 * - key absent (client chose not to or could not satisfy it) → fetch;
 * - `null` (no data) → empty, no fetch;
 * - an OperationOutcome (client-side error) → fetch;
 * - a resource → used; a searchset Bundle → its resources, `next` pages followed within the budget;
 * - anything else (a client defect) → fetch.
 * When a key cannot be had at all (no usable fhirServer) and the hook needs it → 412. When the budget runs
 * out, the hook answers with what it has and the key is reported as incomplete.
 */
import { createHash } from 'node:crypto';
import type { Bundle, FhirResource } from 'fhir/r4';
import { LRUCache } from 'lru-cache';
import { AppError } from '../http/errors';
import { FhirFetchError, bundleResources, isWellFormedBundle, nextLink } from './fhir';
import type { FhirFailure, FhirFetcher, FhirResult } from './fhir';
import type { PrefetchTemplates } from './types';

/**
 * Complete FHIR results by server, patient and query (hashed), for `FHIR_CACHE_TTL_MS`: an order-select and the
 * order-sign after it read the server once. Bounded by the resources it holds, least recently used first out.
 */
export type FhirCache = LRUCache<string, FhirResult>;

/** How long a cached result is used. */
export const FHIR_CACHE_TTL_MS = 30_000;
/**
 * Resources the cache holds at most, about 50 patients with two weeks of wearable data (about 400 resources each).
 * A parsed wearable Observation takes about 1 KB of heap (measured on the benchmark's request), a laboratory result
 * more: a few tens of megabytes at most. It once held every patient fetched in the last 30 s, however many.
 */
export const FHIR_CACHE_MAX_RESOURCES = 20_000;

export function createFhirCache(maxResources = FHIR_CACHE_MAX_RESOURCES): FhirCache {
  return new LRUCache<string, FhirResult>({
    ttl: FHIR_CACHE_TTL_MS,
    maxSize: maxResources,
    // An empty result still takes a slot; one larger than the whole cache is not kept.
    sizeCalculation: (result) => Math.max(1, result.resources.length),
  });
}

/** Where a key's data came from. */
export type DataSource = 'prefetch' | 'prefetch-null' | 'fhir' | 'cache' | 'unavailable';

/**
 * Why a key is incomplete or unavailable: a closed set the code decides on (the 412), apart from the words kept for
 * the log (`GatheredKey.problem`).
 * - a `FhirFailure` kind: the FHIR server was asked and failed (`timeout` = the call's deadline ran out);
 * - `no-fhir-server`: the data had to come from the server and the request has no usable one;
 * - `template-unresolved`: a prefetch token could not be resolved from the context, so there was no query;
 * - `pages-unread`: search pages were left unread (deadline, the page or size limit, a link off the server, a page
 *   seen before).
 */
export type GatherFailureKind = FhirFailure | 'no-fhir-server' | 'template-unresolved' | 'pages-unread';

export interface GatherFailure {
  readonly kind: GatherFailureKind;
}

export interface GatheredKey {
  readonly key: string;
  readonly resources: readonly FhirResource[];
  readonly source: DataSource;
  /** False when pages were left unread or the data could not be had; the hook must not read absence as "none". */
  readonly complete: boolean;
  /** Why the key is incomplete or unavailable; present exactly when `complete` is false. */
  readonly failure?: GatherFailure;
  /** The same, in words for the log (no patient data in it). */
  readonly problem?: string;
}

/** A gathered key: complete without a failure, incomplete with its kind and the words for the log. */
function gathered(
  key: string,
  source: DataSource,
  resources: readonly FhirResource[],
  failure?: { readonly kind: GatherFailureKind; readonly problem: string },
): GatheredKey {
  return failure === undefined
    ? { key, resources, source, complete: true }
    : { key, resources, source, complete: false, failure: { kind: failure.kind }, problem: failure.problem };
}

/**
 * Whether a failure means the data cannot be had at all (no usable server, no query, or the server refused, failed or
 * sent a first page too large to read): a 412 when the key is required. Not so when the deadline ran out or some
 * pages were left unread: the hook answers in time with what it has.
 */
function isUnobtainable(kind: GatherFailureKind): boolean {
  switch (kind) {
    case 'no-fhir-server':
    case 'template-unresolved':
    case 'http':
    case 'network':
    case 'invalid-response':
    case 'foreign-link':
    case 'too-large':
    case 'token-expired':
      return true;
    case 'timeout':
    case 'pages-unread':
      return false;
  }
}

export type Gathered = Readonly<Record<string, GatheredKey>>;

export interface GatherOptions {
  readonly templates: PrefetchTemplates;
  /**
   * Ad-hoc reads (relative FHIR URLs, already resolved) gathered like template keys, e.g. a Medication a draft
   * order references: never in the prefetch, never required.
   */
  readonly queries?: Readonly<Record<string, string>>;
  /** Keys to gather (a subset of the templates). */
  readonly keys: readonly string[];
  /** Keys without which the hook cannot run: 412 when they cannot be had. */
  readonly required: readonly string[];
  /**
   * Required keys the hook answers without when the FHIR server was asked and failed (an HTTP error, a network
   * failure, an unusable answer): the key is then incomplete, as after a deadline, and the hook says in a card that
   * its check could not be done (issue 9 item 5). Still a 412 when there is no server or no query to ask.
   */
  readonly answeredWhenServerFails?: readonly string[];
  readonly context: Readonly<Record<string, unknown>>;
  readonly prefetch: Readonly<Record<string, unknown>> | undefined;
  /** Absent when the request has no usable fhirServer. */
  readonly fhir: FhirFetcher | undefined;
  readonly budgetMs: number;
  readonly cache?: FhirCache;
  /** Observes each FHIR call (metrics). */
  readonly onFhirCall?: (outcome: 'ok' | 'cached' | FhirFetchError['kind'], seconds: number) => void;
}

const USER_TOKENS = {
  userPractitionerId: 'Practitioner',
  userPractitionerRoleId: 'PractitionerRole',
  userPatientId: 'Patient',
  userRelatedPersonId: 'RelatedPerson',
} as const;

/**
 * Substitutes the CDS Hooks 2.0 prefetch tokens (`{{context.X}}` for root-level primitives and the four user
 * tokens). Returns undefined when a token cannot be resolved: such a template is not queried.
 */
export function resolveTemplate(
  template: string,
  context: Readonly<Record<string, unknown>>,
): string | undefined {
  const userId = typeof context.userId === 'string' ? context.userId : '';
  let unresolved = false as boolean; // assigned inside the replacer
  const query = template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_match, token: string) => {
    let value: unknown;
    if (token.startsWith('context.')) {
      value = context[token.slice('context.'.length)];
    } else if (token in USER_TOKENS) {
      const [type, id] = userId.split('/');
      value = type === USER_TOKENS[token as keyof typeof USER_TOKENS] ? id : undefined;
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      unresolved = true;
      return '';
    }
    try {
      return encodeURIComponent(String(value));
    } catch {
      // A lone surrogate cannot be percent-encoded (URIError): such a value names nothing a server could find.
      unresolved = true;
      return '';
    }
  });
  return unresolved ? undefined : query;
}

type Classified =
  | { readonly state: 'absent' | 'null' | 'outcome' | 'invalid' }
  | { readonly state: 'resource'; readonly resource: FhirResource }
  | { readonly state: 'bundle'; readonly bundle: Bundle };

/** Classifies a prefetch value as the spec allows it to arrive. */
export function classifyPrefetch(value: unknown): Classified {
  if (value === undefined) return { state: 'absent' };
  if (value === null) return { state: 'null' };
  if (typeof value !== 'object' || Array.isArray(value)) return { state: 'invalid' };
  const resourceType = (value as { resourceType?: unknown }).resourceType;
  if (resourceType === 'OperationOutcome') return { state: 'outcome' };
  if (resourceType === 'Bundle') {
    return isWellFormedBundle(value as Bundle)
      ? { state: 'bundle', bundle: value as Bundle }
      : { state: 'invalid' };
  }
  if (typeof resourceType === 'string') return { state: 'resource', resource: value as FhirResource };
  return { state: 'invalid' };
}

function cacheKey(fhir: FhirFetcher, patientId: unknown, query: string): string {
  // Hashed so the cache's keys hold no patient identifier in clear. The fetcher's scope (its token's hash) is part of
  // the key: an answer read with one token is never served to a call that carries another token or none.
  return createHash('sha256')
    .update(`${fhir.serverUrl}\n${fhir.cacheScope ?? ''}\n${String(patientId)}\n${query}`)
    .digest('hex');
}

/** The failure kind of a FHIR call that threw: its `FhirFetchError` kind, else a network failure. */
function failureKind(err: unknown): FhirFailure {
  return err instanceof FhirFetchError ? err.kind : 'network';
}

/**
 * A FHIR call's failure in words for the diagnostics: "the FHIR server answered 404 (no such resource)" tells an
 * integrator a mistyped patient id where "FHIR http" did not. No URL, token or patient data.
 */
function fhirFailureText(err: unknown): string {
  const kind = failureKind(err);
  switch (kind) {
    case 'timeout':
      return 'the FHIR server did not answer in time';
    case 'network':
      return 'the FHIR server could not be reached';
    case 'http': {
      const status = err instanceof FhirFetchError ? err.status : undefined;
      if (status === undefined) return 'the FHIR server answered with an error';
      return `the FHIR server answered ${status}${status === 404 ? ' (no such resource)' : status === 401 || status === 403 ? ' (the access token was refused)' : ''}`;
    }
    case 'invalid-response':
      return 'the FHIR server answered with something other than FHIR JSON';
    case 'foreign-link':
      return 'the FHIR server linked to a page on another server, which was not followed';
    case 'too-large':
      return 'the FHIR server answered with more than a query may read';
    case 'token-expired':
      return 'the access token had expired (fhirAuthorization.expires_in), so the FHIR server was not asked';
  }
}

const PREFETCH_PROBLEM: Record<'absent' | 'outcome' | 'invalid', string> = {
  absent: 'not prefetched',
  outcome: 'prefetch held an OperationOutcome',
  invalid: 'prefetch value was not a well-formed FHIR resource',
};

/** Gathers every requested key; throws `AppError('CDS_PREFETCH_UNAVAILABLE')` when a required key cannot be had. */
export async function gatherPrefetch(opts: GatherOptions): Promise<Gathered> {
  const deadline = AbortSignal.timeout(opts.budgetMs);
  const timed = async <T>(fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      const result = await fn();
      opts.onFhirCall?.('ok', (performance.now() - started) / 1000);
      return result;
    } catch (err) {
      opts.onFhirCall?.(failureKind(err), (performance.now() - started) / 1000);
      throw err;
    }
  };

  async function fetchKey(key: string, query: string | undefined, why: string): Promise<GatheredKey> {
    if (!opts.fhir)
      return gathered(key, 'unavailable', [], { kind: 'no-fhir-server', problem: `${why}; no fhirServer` });
    if (query === undefined) {
      return gathered(key, 'unavailable', [], {
        kind: 'template-unresolved',
        problem: `${why}; template token unresolved`,
      });
    }
    // Neither the server nor the cache of what the token read: its lifetime has ended.
    if (opts.fhir.tokenExpired?.()) {
      const expired = new FhirFetchError('token-expired', 'the access token had expired');
      opts.onFhirCall?.('token-expired', 0);
      return gathered(key, 'unavailable', [], {
        kind: 'token-expired',
        problem: `${why}; ${fhirFailureText(expired)}`,
      });
    }
    const ck = cacheKey(opts.fhir, opts.context.patientId, query);
    const cached = opts.cache?.get(ck);
    if (cached) {
      opts.onFhirCall?.('cached', 0);
      return gathered(key, 'cache', cached.resources);
    }
    const fhir = opts.fhir;
    try {
      const result = await timed(() => fhir.read(query, deadline));
      if (result.complete) opts.cache?.set(ck, result);
      return result.complete
        ? gathered(key, 'fhir', result.resources)
        : gathered(key, 'fhir', result.resources, {
            kind: 'pages-unread',
            problem: 'FHIR search pages left unread (deadline, page or size limit, or a link off the server)',
          });
    } catch (err) {
      const kind = failureKind(err);
      return gathered(key, 'unavailable', [], { kind, problem: `${why}; ${fhirFailureText(err)}` });
    }
  }

  async function gatherKey(key: string): Promise<GatheredKey> {
    const adHoc = opts.queries?.[key];
    if (adHoc !== undefined) return fetchKey(key, adHoc, 'not prefetched');
    const template = opts.templates[key];
    const query = template === undefined ? undefined : resolveTemplate(template, opts.context);
    const value = classifyPrefetch(opts.prefetch?.[key]);
    switch (value.state) {
      case 'null':
        return gathered(key, 'prefetch-null', []);
      case 'resource':
        return gathered(key, 'prefetch', [value.resource]);
      case 'bundle': {
        const resources = bundleResources(value.bundle);
        if (nextLink(value.bundle) === undefined) return gathered(key, 'prefetch', resources);
        if (!opts.fhir) {
          return gathered(key, 'prefetch', resources, {
            kind: 'no-fhir-server',
            problem: 'prefetch paginated; no fhirServer',
          });
        }
        const fhir = opts.fhir;
        try {
          const all = await timed(() => fhir.followPages(value.bundle, deadline));
          return all.complete
            ? gathered(key, 'prefetch', all.resources)
            : gathered(key, 'prefetch', all.resources, {
                kind: 'pages-unread',
                problem: 'prefetch pages left unread',
              });
        } catch (err) {
          return gathered(key, 'prefetch', resources, {
            kind: failureKind(err),
            problem: 'prefetch pages could not be read',
          });
        }
      }
      case 'absent':
      case 'outcome':
      case 'invalid':
        return fetchKey(key, query, PREFETCH_PROBLEM[value.state]);
    }
  }

  const results = await Promise.all([...opts.keys, ...Object.keys(opts.queries ?? {})].map(gatherKey));
  const byKey = Object.fromEntries(results.map((g) => [g.key, g]));
  // 412 only when a required key could not be had at all: not prefetched and no usable fhirServer (or the server
  // refused or failed). A deadline is not a 412: the hook answers in time with what it has.
  const unavailable = results.filter(
    (g) =>
      opts.required.includes(g.key) &&
      g.source === 'unavailable' &&
      g.failure !== undefined &&
      isUnobtainable(g.failure.kind),
  );
  // Keys answered without when the server failed do not make the 412 by themselves; when another key does, the
  // diagnostics still name them.
  const blocking = unavailable.filter(
    (g) =>
      !(
        opts.answeredWhenServerFails?.includes(g.key) === true &&
        g.failure?.kind !== 'no-fhir-server' &&
        g.failure?.kind !== 'template-unresolved'
      ),
  );
  if (blocking.length > 0) {
    throw new AppError(
      'CDS_PREFETCH_UNAVAILABLE',
      unavailable.map((g) => `${g.key}: ${g.problem ?? 'unavailable'}`),
    );
  }
  return byKey;
}
