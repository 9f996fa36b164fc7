/**
 * FHIR fallback client: reads what the prefetch did not provide from the client's `fhirServer`, with the
 * `fhirAuthorization` bearer token, under a deadline, following search pages only on the same server, and reading at
 * most `maxBytes` per query. Node's `fetch` (undici) does the HTTP: fhirclient's request, used here until stop 28,
 * reads every response whole and has no way to bound it, so a server's very large answer (years of one-per-second
 * readings) was held in memory in full. Every call carries an `AbortSignal` and fails with a typed `FhirFetchError`
 * (DESIGN.md convention 5).
 */
import { createHash } from 'node:crypto';
import type { Bundle, FhirResource } from 'fhir/r4';

export type FhirFailure =
  | 'timeout'
  | 'http'
  | 'network'
  | 'invalid-response'
  | 'foreign-link'
  /** The first page of a query alone was larger than the query may read. */
  | 'too-large'
  /**
   * The `fhirAuthorization` token's lifetime (`expires_in`, from when the call was received) had ended: it was not
   * sent and the server was not asked (https://cds-hooks.hl7.org/2.0/#passing-the-access-token-to-the-cds-service).
   */
  | 'token-expired';

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
  /** False when a `next` page was left unread (deadline, page or byte limit reached, or a link off the server). */
  readonly complete: boolean;
}

/** What the prefetch stage needs from a FHIR server. */
export interface FhirFetcher {
  readonly serverUrl: string;
  /**
   * Whose answers these are: a hash of the bearer token, absent without one. Cached answers are shared only within
   * one scope, so data read with one token is never served to a call that carries another token or none.
   */
  readonly cacheScope?: string;
  /**
   * True once the bearer token's lifetime has ended: nothing may be read with it any more, from the server or from
   * the cache of what it read. Absent: the token (if any) has no known end.
   */
  readonly tokenExpired?: () => boolean;
  /** Reads `query` (relative to the server) and follows `next` links until done or `signal` aborts. */
  read(query: string, signal: AbortSignal): Promise<FhirResult>;
  /** Follows the `next` links of a Bundle the client sent. */
  followPages(bundle: Bundle, signal: AbortSignal): Promise<FhirResult>;
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
  return new FhirFetchError('network', 'FHIR server could not be reached');
}

/** Decodes as `Response.text()` does: a UTF-8 byte order mark (some servers send one) is dropped. */
const UTF8 = new TextDecoder();

/** Bytes one query reads at most, all its pages together, unless the fetcher is told otherwise. */
export const DEFAULT_FHIR_READ_LIMIT_BYTES = 16 * 1024 * 1024;

/** A response body read up to `limit` bytes, or undefined when it was longer (the rest is not read). */
async function boundedBody(res: Response, limit: number): Promise<Buffer | undefined> {
  // A declared length over the limit is refused before anything is read; a missing one (chunked) reads as NaN.
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await res.body?.cancel();
    return undefined;
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let read = 0;
  // A fetch body is a stream of bytes (its types leave the chunks untyped).
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    read += chunk.byteLength;
    if (read > limit) {
      // Leaving the loop early cancels the stream: the connection stops reading the rest.
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Limits of one fetcher. */
export interface FhirFetcherLimits {
  /**
   * Search pages read per query, the first included; a `next` link beyond them is left unread (`complete: false`).
   * Default: no limit but the deadline.
   */
  readonly maxPages?: number;
  /**
   * Bytes of response bodies one query (`read` or `followPages`, all pages together) reads at most: past it the
   * pages read so far are kept and the rest left unread (`complete: false`); a first page larger than it alone fails
   * the query as `too-large`. Default `DEFAULT_FHIR_READ_LIMIT_BYTES`.
   */
  readonly maxBytes?: number;
  /**
   * When the bearer token's lifetime ends (epoch ms: the call's receipt plus `fhirAuthorization.expires_in`): from
   * then on no request carries it, each query failing as `token-expired`. Absent: no known end.
   */
  readonly tokenExpiresAt?: number;
  /** The clock `tokenExpiresAt` is compared with (epoch ms); default `Date.now`. */
  readonly now?: () => number;
}

/** Creates a fetcher for one server and (optional) bearer token. The token is held only for this call. */
export function createFhirFetcher(
  serverUrl: string,
  accessToken?: string,
  limits: FhirFetcherLimits = {},
): FhirFetcher {
  const maxPages = limits.maxPages ?? Number.POSITIVE_INFINITY;
  const maxBytes = limits.maxBytes ?? DEFAULT_FHIR_READ_LIMIT_BYTES;
  const base = withSlash(serverUrl);
  const clock = limits.now ?? Date.now;
  const { tokenExpiresAt } = limits;
  const tokenExpired =
    accessToken && tokenExpiresAt !== undefined ? () => clock() >= tokenExpiresAt : undefined;
  const headers = {
    accept: 'application/fhir+json, application/json',
    ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
  };

  /** GETs `url` (absolute, or relative to the server) and parses its JSON; undefined when over `limit` bytes. */
  async function get(
    url: string,
    signal: AbortSignal,
    limit: number,
  ): Promise<{ readonly body: unknown; readonly bytes: number } | undefined> {
    const absolute = /^https?:\/\//i.test(url) ? url : `${base}${url.replace(/^\/+/, '')}`;
    // A token whose lifetime has ended is never sent (and the call not made without it: that is not what the client
    // authorised either).
    if (tokenExpired?.()) {
      throw new FhirFetchError(
        'token-expired',
        'the access token had expired (fhirAuthorization.expires_in)',
      );
    }
    let raw: Buffer | undefined;
    try {
      // A trusted server's redirect could point anywhere: never follow one (no open proxy).
      const res = await fetch(absolute, { headers, signal, redirect: 'error' });
      if (!res.ok) {
        await res.body?.cancel();
        throw new FhirFetchError('http', `FHIR server answered HTTP ${res.status}`, res.status);
      }
      if (!/\bjson\b/i.test(res.headers.get('content-type') ?? '')) {
        await res.body?.cancel();
        throw new FhirFetchError('invalid-response', 'FHIR server sent no JSON');
      }
      raw = await boundedBody(res, limit);
    } catch (err) {
      throw toFetchError(err, signal);
    }
    if (raw === undefined) return undefined;
    try {
      return { body: JSON.parse(UTF8.decode(raw)) as unknown, bytes: raw.byteLength };
    } catch {
      throw new FhirFetchError('invalid-response', 'FHIR server sent invalid JSON');
    }
  }

  /** The resources of `first` and of the pages after it, reading at most `left` bytes more. */
  async function collect(first: unknown, signal: AbortSignal, left: number): Promise<FhirResult> {
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
      let got: Awaited<ReturnType<typeof get>>;
      try {
        got = await get(absolute, signal, left);
      } catch (err) {
        if (err instanceof FhirFetchError && err.kind === 'timeout') return { resources, complete: false };
        throw err;
      }
      if (got === undefined) return { resources, complete: false };
      left -= got.bytes;
      const page = got.body;
      if (!isBundle(page)) throw new FhirFetchError('invalid-response', 'FHIR server sent a non-Bundle page');
      // Not push(...): a page can hold more entries than a spread may pass.
      for (const r of bundleResources(page)) resources.push(r);
      next = nextLink(page);
    }
    return { resources, complete: true };
  }

  return {
    serverUrl: base,
    ...(accessToken ? { cacheScope: createHash('sha256').update(accessToken).digest('hex') } : {}),
    ...(tokenExpired ? { tokenExpired } : {}),
    async read(query, signal) {
      const first = await get(query, signal, maxBytes);
      if (first === undefined) {
        throw new FhirFetchError('too-large', `FHIR server sent a page over ${maxBytes} bytes`);
      }
      return collect(first.body, signal, maxBytes - first.bytes);
    },
    followPages(bundle, signal) {
      return collect(bundle, signal, maxBytes);
    },
  };
}
