/**
 * The service's own demo endpoint as a FHIR fetcher, in process. Choice: when a CDS call names this service's
 * `/demo/fhir` as its `fhirServer`, the prefetch stage reads the demo data directly instead of over HTTP: the answer
 * is the same (the same search code builds the same Bundles), it needs no loopback connection (which a container
 * behind a proxy, where `PUBLIC_BASE_URL` is not reachable from inside, would not have), it cannot be turned into a
 * request to anywhere else, and it costs no socket or deadline. The HTTP endpoint stays for the sandbox's browser
 * and for anyone else.
 */
import type { Bundle } from 'fhir/r4';
import { FhirFetchError, bundleResources } from '../cds/fhir';
import type { FhirFetcher, FhirResult } from '../cds/fhir';
import type { DemoData } from './data';
import { DemoSearchError, parseQuery, searchDemo } from './search';

/** Resolves one relative FHIR query (`Patient/x`, `Observation?…`) against the demo data. */
export function demoQuery(
  data: DemoData,
  baseUrl: string,
  query: string,
): Bundle | ReturnType<DemoData['byTypeAndId']> {
  const [path = '', qs = ''] = query.replace(/^\//, '').split('?', 2);
  const [type = '', id, extra] = path.split('/');
  if (extra !== undefined) return undefined;
  if (id !== undefined && id !== '') return data.byTypeAndId(type, id);
  return searchDemo(data, baseUrl, type, parseQuery(qs));
}

export function createDemoFetcher(data: DemoData, baseUrl: string): FhirFetcher {
  const base = `${baseUrl}/`;
  function answer(query: string): Bundle | NonNullable<ReturnType<DemoData['byTypeAndId']>> {
    let found;
    try {
      found = demoQuery(data, baseUrl, query);
    } catch (err) {
      if (err instanceof DemoSearchError)
        throw new FhirFetchError('http', 'demo FHIR server answered HTTP 400', 400);
      throw err;
    }
    if (!found) throw new FhirFetchError('http', 'demo FHIR server answered HTTP 404', 404);
    return found;
  }
  function collect(first: Bundle | NonNullable<ReturnType<DemoData['byTypeAndId']>>): FhirResult {
    if (first.resourceType !== 'Bundle') return { resources: [first], complete: true };
    const resources = bundleResources(first);
    let page: Bundle = first;
    for (;;) {
      const next = page.link?.find((l) => l.relation === 'next')?.url;
      if (next === undefined) return { resources, complete: true };
      // Only our own pages; anything else is left unread, as the HTTP fetcher does.
      if (!next.startsWith(base)) return { resources, complete: false };
      const got = answer(next.slice(base.length));
      if (got.resourceType !== 'Bundle') return { resources, complete: false };
      for (const r of bundleResources(got)) resources.push(r);
      page = got;
    }
  }
  return {
    serverUrl: base,
    read: (query) => Promise.resolve().then(() => collect(answer(query))),
    followPages: (bundle) => Promise.resolve().then(() => collect(bundle)),
  };
}
