/**
 * FHIR fallback client: reads what the prefetch did not provide from the client's `fhirServer`, with the
 * `fhirAuthorization` bearer token, under a deadline, following search pages only on the same server.
 * Built on fhirclient's `FhirClient` (https://github.com/smart-on-fhir/client-js); every call carries an
 * `AbortSignal` and fails with a typed `FhirFetchError` (DESIGN.md convention 5).
 */
import FhirClient from 'fhirclient/lib/FhirClient';
import type { Bundle, FhirResource } from 'fhir/r4';

export type FhirFailure = 'timeout' | 'http' | 'network' | 'invalid-response' | 'foreign-link';

/** A FHIR call that did not give a usable answer. `message` never contains the token or patient data. */
export class FhirFetchError extends Error {
  override readonly name = 'FhirFetchError';
  constructor(
    readonly kind: FhirFailure,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Resources from a read or a (possibly multi-page) search. */
export interface FhirResult {
  readonly resources: readonly FhirResource[];
  /** False when a `next` page was left unread (deadline reached or a link off the server). */
  readonly complete: boolean;
}

/** What the prefetch stage needs from a FHIR server. */
export interface FhirFetcher {
  readonly serverUrl: string;
  /** Reads `query` (relative to the server) and follows `next` links until done or `signal` aborts. */
  read(query: string, signal: AbortSignal): Promise<FhirResult>;
  /** Follows the `next` links of a Bundle the client sent. */
  followPages(bundle: Bundle, signal: AbortSignal): Promise<FhirResult>;
}

class AuthorizedClient extends FhirClient {
  constructor(
    serverUrl: string,
    private readonly accessToken: string | undefined,
  ) {
    super(serverUrl);
  }

  override getRequestDefaults(): Promise<Partial<RequestInit>> {
    return Promise.resolve({
      // A trusted server's redirect could point anywhere: never follow one (no open proxy).
      redirect: 'error',
      headers: {
        accept: 'application/fhir+json, application/json',
        ...(this.accessToken ? { authorization: `Bearer ${this.accessToken}` } : {}),
      },
    });
  }
}

/** Normalizes a base URL so `startsWith` comparisons respect path segments. */
function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function isBundle(value: unknown): value is Bundle {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { resourceType?: unknown }).resourceType === 'Bundle'
  );
}

function isResource(value: unknown): value is FhirResource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { resourceType?: unknown }).resourceType === 'string'
  );
}

/** Resources of a searchset page: matches and includes, never OperationOutcome entries. */
export function bundleResources(bundle: Bundle): FhirResource[] {
  // A server's Bundle is data until checked: entries that are not objects are skipped, not dereferenced.
  const entries: unknown = bundle.entry;
  if (!Array.isArray(entries)) return [];
  return entries
    .map((e: unknown) =>
      typeof e === 'object' && e !== null ? (e as { resource?: unknown }).resource : undefined,
    )
    .filter((r): r is FhirResource => isResource(r) && r.resourceType !== 'OperationOutcome');
}

export function nextLink(bundle: Bundle): string | undefined {
  const links: unknown = bundle.link;
  if (!Array.isArray(links)) return undefined;
  for (const l of links as unknown[]) {
    if (typeof l !== 'object' || l === null) continue;
    const { relation, url } = l as { relation?: unknown; url?: unknown };
    if (relation === 'next' && typeof url === 'string') return url;
  }
  return undefined;
}

/**
 * Whether a Bundle's `entry` and `link` have the shape FHIR gives them: absent, or arrays of objects (each entry's
 * `resource`, when present, an object). A prefetch Bundle that fails this is taken for absent (and fetched when it
 * can be), never half-read.
 */
export function isWellFormedBundle(bundle: Bundle): boolean {
  const arrayOfObjects = (value: unknown): boolean =>
    value === undefined ||
    (Array.isArray(value) && value.every((item: unknown) => typeof item === 'object' && item !== null));
  const { entry, link } = bundle as { entry?: unknown; link?: unknown };
  return (
    arrayOfObjects(entry) &&
    arrayOfObjects(link) &&
    (entry === undefined ||
      (entry as { resource?: unknown }[]).every(
        (e) => e.resource === undefined || (typeof e.resource === 'object' && e.resource !== null),
      ))
  );
}

function toFetchError(err: unknown, signal: AbortSignal): FhirFetchError {
  if (err instanceof FhirFetchError) return err;
  if (signal.aborted) return new FhirFetchError('timeout', 'FHIR request exceeded its deadline');
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number')
    return new FhirFetchError('http', `FHIR server answered HTTP ${status}`, status);
  if (err instanceof SyntaxError)
    return new FhirFetchError('invalid-response', 'FHIR server sent invalid JSON');
  return new FhirFetchError('network', 'FHIR server could not be reached');
}

/** Limits of one fetcher. */
export interface FhirFetcherLimits {
  /**
   * Search pages read per query, the first included; a `next` link beyond them is left unread (`complete: false`).
   * Default: no limit but the deadline.
   */
  readonly maxPages?: number;
}

/** Creates a fetcher for one server and (optional) bearer token. The token is held only for this call. */
export function createFhirFetcher(
  serverUrl: string,
  accessToken?: string,
  limits: FhirFetcherLimits = {},
): FhirFetcher {
  const maxPages = limits.maxPages ?? Number.POSITIVE_INFINITY;
  const client = new AuthorizedClient(withSlash(serverUrl), accessToken);
  const base = withSlash(serverUrl);

  async function get(url: string, signal: AbortSignal): Promise<unknown> {
    try {
      return (await client.fhirRequest(url, { signal })) as unknown;
    } catch (err) {
      throw toFetchError(err, signal);
    }
  }

  async function collect(first: unknown, signal: AbortSignal): Promise<FhirResult> {
    if (!isBundle(first)) {
      if (!isResource(first)) throw new FhirFetchError('invalid-response', 'FHIR server sent no resource');
      if (first.resourceType === 'OperationOutcome') {
        throw new FhirFetchError('invalid-response', 'FHIR server answered with an OperationOutcome');
      }
      return { resources: [first], complete: true };
    }
    const resources = bundleResources(first);
    const read = new Set<string>();
    let next = nextLink(first);
    while (next !== undefined) {
      if (read.size + 1 >= maxPages) return { resources, complete: false };
      const absolute = new URL(next, base).href;
      // Follow pages only on the same server: a next link elsewhere would make us an open proxy.
      if (!absolute.startsWith(base)) return { resources, complete: false };
      // A server whose next link points back to a page already read would be asked again until the deadline.
      if (read.has(absolute)) return { resources, complete: false };
      read.add(absolute);
      if (signal.aborted) return { resources, complete: false };
      let page: unknown;
      try {
        page = await get(absolute, signal);
      } catch (err) {
        if (err instanceof FhirFetchError && err.kind === 'timeout') return { resources, complete: false };
        throw err;
      }
      if (!isBundle(page)) throw new FhirFetchError('invalid-response', 'FHIR server sent a non-Bundle page');
      // Not push(...): a page can hold more entries than a spread may pass.
      for (const r of bundleResources(page)) resources.push(r);
      next = nextLink(page);
    }
    return { resources, complete: true };
  }

  return {
    serverUrl: base,
    async read(query, signal) {
      return collect(await get(query, signal), signal);
    },
    followPages(bundle, signal) {
      return collect(bundle, signal);
    },
  };
}
