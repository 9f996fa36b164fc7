import type { Bundle, FhirResource } from 'fhir/r4';
import { AppError } from '../../../src/http/errors';
import { FhirFetchError, createFhirFetcher } from '../../../src/cds/fhir';
import type { FhirFetcher, FhirResult } from '../../../src/cds/fhir';
import {
  classifyPrefetch,
  createFhirCache,
  gatherPrefetch,
  resolveTemplate,
} from '../../../src/cds/prefetch';
import type { GatherOptions } from '../../../src/cds/prefetch';

const CONTEXT = { userId: 'Practitioner/COREPRACTITIONER1', patientId: 'smart-1288992' };
const TEMPLATES = {
  patient: 'Patient/{{context.patientId}}',
  pgx: 'Observation?patient={{context.patientId}}&code=http://loinc.org|84413-4',
};
const PATIENT: FhirResource = { resourceType: 'Patient', id: 'smart-1288992' };
const OBS_1: FhirResource = { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' } };
const OBS_2: FhirResource = { resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'y' } };
const OUTCOME = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing' }] };

function searchset(resources: readonly unknown[], next?: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
    entry: resources.map((resource) => ({ resource: resource as FhirResource })),
  };
}

/** A FhirFetcher double: answers `read` from a table by query, records what it was asked. */
function fakeFhir(
  answers: Readonly<Record<string, FhirResult | FhirFetchError>>,
  pages?: FhirResult,
): FhirFetcher & { reads: string[]; followed: Bundle[] } {
  const reads: string[] = [];
  const followed: Bundle[] = [];
  return {
    serverUrl: 'http://127.0.0.1:1/fhir/',
    reads,
    followed,
    read(query) {
      reads.push(query);
      const answer = answers[query];
      if (answer === undefined) return Promise.reject(new FhirFetchError('http', 'not found', 404));
      return answer instanceof FhirFetchError ? Promise.reject(answer) : Promise.resolve(answer);
    },
    followPages(bundle) {
      followed.push(bundle);
      return pages ? Promise.resolve(pages) : Promise.reject(new FhirFetchError('network', 'down'));
    },
  };
}

const PATIENT_QUERY = 'Patient/smart-1288992';
/** Only the substituted values are encoded; the template's own text is sent as written. */
const PGX_QUERY = 'Observation?patient=smart-1288992&code=http://loinc.org|84413-4';

function options(overrides: Partial<GatherOptions>): GatherOptions {
  return {
    templates: TEMPLATES,
    keys: ['patient', 'pgx'],
    required: ['patient', 'pgx'],
    context: CONTEXT,
    prefetch: undefined,
    fhir: undefined,
    budgetMs: 2000,
    ...overrides,
  };
}

describe('resolveTemplate', () => {
  it('substitutes context tokens', () => {
    expect(resolveTemplate('Patient/{{context.patientId}}', CONTEXT)).toBe('Patient/smart-1288992');
  });

  it('tolerates whitespace inside the braces', () => {
    expect(resolveTemplate('Patient/{{ context.patientId }}', CONTEXT)).toBe('Patient/smart-1288992');
  });

  it('percent-encodes substituted values so they cannot add query parameters', () => {
    expect(resolveTemplate('Observation?patient={{context.patientId}}', { patientId: 'a&b=c' })).toBe(
      'Observation?patient=a%26b%3Dc',
    );
  });

  it('substitutes userPractitionerId from a Practitioner userId', () => {
    expect(resolveTemplate('Practitioner/{{userPractitionerId}}', CONTEXT)).toBe(
      'Practitioner/COREPRACTITIONER1',
    );
  });

  it('substitutes userPractitionerRoleId, userPatientId and userRelatedPersonId by the userId resource type', () => {
    expect(resolveTemplate('x={{userPractitionerRoleId}}', { userId: 'PractitionerRole/r1' })).toBe('x=r1');
    expect(resolveTemplate('x={{userPatientId}}', { userId: 'Patient/p1' })).toBe('x=p1');
    expect(resolveTemplate('x={{userRelatedPersonId}}', { userId: 'RelatedPerson/q1' })).toBe('x=q1');
  });

  it('leaves a user token unresolved when userId is of another type', () => {
    expect(resolveTemplate('Patient/{{userPatientId}}', CONTEXT)).toBeUndefined();
  });

  it('leaves a template unresolved when a context field is missing or not a primitive', () => {
    expect(resolveTemplate('Encounter/{{context.encounterId}}', CONTEXT)).toBeUndefined();
    expect(
      resolveTemplate('x={{context.draftOrders}}', { draftOrders: { resourceType: 'Bundle' } }),
    ).toBeUndefined();
  });

  it('leaves unknown tokens unresolved', () => {
    expect(resolveTemplate('x={{somethingElse}}', CONTEXT)).toBeUndefined();
  });

  it('returns a template without tokens as it is', () => {
    expect(resolveTemplate('Observation?code=1', CONTEXT)).toBe('Observation?code=1');
  });
});

describe('classifyPrefetch', () => {
  it.each<[string, unknown, string]>([
    ['undefined', undefined, 'absent'],
    ['null', null, 'null'],
    ['an OperationOutcome', OUTCOME, 'outcome'],
    ['a resource', PATIENT, 'resource'],
    ['a Bundle', searchset([]), 'bundle'],
    ['a string', 'Patient/1', 'invalid'],
    ['a number', 42, 'invalid'],
    ['an array', [PATIENT], 'invalid'],
    ['an object without resourceType', { id: 'x' }, 'invalid'],
    ['an object with a non-string resourceType', { resourceType: 7 }, 'invalid'],
  ])('classifies %s', (_name, value, state) => {
    expect(classifyPrefetch(value).state).toBe(state);
  });
});

describe('gatherPrefetch', () => {
  it('uses a prefetched resource and a searchset Bundle without calling the FHIR server', async () => {
    const fhir = fakeFhir({});
    const gathered = await gatherPrefetch(
      options({ prefetch: { patient: PATIENT, pgx: searchset([OBS_1, OBS_2]) }, fhir }),
    );
    expect(gathered.patient).toMatchObject({ resources: [PATIENT], source: 'prefetch', complete: true });
    expect(gathered.pgx).toMatchObject({ resources: [OBS_1, OBS_2], source: 'prefetch', complete: true });
    expect(fhir.reads).toEqual([]);
    // A complete key carries no failure and no problem.
    expect(gathered.patient?.failure).toBeUndefined();
    expect(gathered.pgx?.problem).toBeUndefined();
  });

  it('drops OperationOutcome entries of a searchset Bundle', async () => {
    const gathered = await gatherPrefetch(
      options({ prefetch: { patient: PATIENT, pgx: searchset([OBS_1, OUTCOME]) } }),
    );
    expect(gathered.pgx?.resources).toEqual([OBS_1]);
  });

  it('reads null as "no data": empty, complete, not fetched', async () => {
    const fhir = fakeFhir({});
    const gathered = await gatherPrefetch(options({ prefetch: { patient: PATIENT, pgx: null }, fhir }));
    expect(gathered.pgx).toMatchObject({ resources: [], source: 'prefetch-null', complete: true });
    expect(fhir.reads).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['absent', undefined],
    ['an OperationOutcome', OUTCOME],
    ['a string', 'junk'],
    ['a number', 3],
    ['an array', [OBS_1]],
    ['an object without resourceType', { entry: [] }],
  ])('fetches a key whose prefetch is %s from the FHIR server', async (_name, value) => {
    const fhir = fakeFhir({ [PGX_QUERY]: { resources: [OBS_1], complete: true } });
    const prefetch: Record<string, unknown> = { patient: PATIENT };
    if (value !== undefined) prefetch.pgx = value;
    const gathered = await gatherPrefetch(options({ prefetch, fhir }));
    expect(fhir.reads).toEqual([PGX_QUERY]);
    expect(gathered.pgx).toMatchObject({ resources: [OBS_1], source: 'fhir', complete: true });
  });

  it('fetches every key when the client sent no prefetch at all', async () => {
    const fhir = fakeFhir({
      [PATIENT_QUERY]: { resources: [PATIENT], complete: true },
      [PGX_QUERY]: { resources: [], complete: true },
    });
    const gathered = await gatherPrefetch(options({ fhir }));
    expect([...fhir.reads].sort()).toEqual([PGX_QUERY, PATIENT_QUERY].sort());
    expect(gathered.patient?.resources).toEqual([PATIENT]);
    expect(gathered.pgx).toMatchObject({ resources: [], source: 'fhir', complete: true });
  });

  it('follows the next link of a paginated prefetch Bundle through the FHIR server', async () => {
    const first = searchset([OBS_1], 'http://127.0.0.1:1/fhir/Observation?page=2');
    const fhir = fakeFhir({}, { resources: [OBS_1, OBS_2], complete: true });
    const gathered = await gatherPrefetch(options({ prefetch: { patient: PATIENT, pgx: first }, fhir }));
    expect(fhir.followed).toEqual([first]);
    expect(gathered.pgx).toMatchObject({ resources: [OBS_1, OBS_2], source: 'prefetch', complete: true });
  });

  it('reports a paginated prefetch Bundle as incomplete when pages were left unread', async () => {
    const first = searchset([OBS_1], 'http://127.0.0.1:1/fhir/Observation?page=2');
    const fhir = fakeFhir({}, { resources: [OBS_1], complete: false });
    const gathered = await gatherPrefetch(options({ prefetch: { patient: PATIENT, pgx: first }, fhir }));
    expect(gathered.pgx).toMatchObject({ resources: [OBS_1], complete: false });
    expect(gathered.pgx?.problem).toMatch(/pages left unread/);
    expect(gathered.pgx?.failure).toEqual({ kind: 'pages-unread' });
  });

  it('keeps the first page of a paginated prefetch Bundle, as incomplete, when there is no fhirServer', async () => {
    const first = searchset([OBS_1], 'https://elsewhere.example/fhir/Observation?page=2');
    const gathered = await gatherPrefetch(options({ prefetch: { patient: PATIENT, pgx: first } }));
    expect(gathered.pgx).toMatchObject({ resources: [OBS_1], source: 'prefetch', complete: false });
    // Required, but the first page is had: not a 412.
    expect(gathered.pgx?.failure).toEqual({ kind: 'no-fhir-server' });
  });

  it('keeps the first page, as incomplete, when the next pages cannot be read', async () => {
    const first = searchset([OBS_1], 'http://127.0.0.1:1/fhir/Observation?page=2');
    const fhir = fakeFhir({}); // followPages rejects
    const gathered = await gatherPrefetch(options({ prefetch: { patient: PATIENT, pgx: first }, fhir }));
    expect(gathered.pgx).toMatchObject({ resources: [OBS_1], complete: false });
    expect(gathered.pgx?.problem).toMatch(/could not be read/);
    expect(gathered.pgx?.failure).toEqual({ kind: 'network' });
  });

  it('does not query a template whose tokens cannot be resolved', async () => {
    const fhir = fakeFhir({});
    const gathered = await gatherPrefetch(
      options({
        templates: { ...TEMPLATES, encounter: 'Encounter/{{context.encounterId}}' },
        keys: ['patient', 'pgx', 'encounter'],
        required: [],
        prefetch: { patient: PATIENT, pgx: null },
        fhir,
      }),
    );
    expect(fhir.reads).toEqual([]);
    expect(gathered.encounter).toMatchObject({ resources: [], source: 'unavailable', complete: false });
    expect(gathered.encounter?.problem).toMatch(/unresolved/);
    expect(gathered.encounter?.failure).toEqual({ kind: 'template-unresolved' });
  });

  it('answers 412 when a required key’s template cannot be resolved', async () => {
    const err = await gatherPrefetch(
      options({
        templates: { ...TEMPLATES, pgx: 'Observation?subject={{context.encounterId}}' },
        prefetch: { patient: PATIENT },
        fhir: fakeFhir({}),
      }),
    ).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('CDS_PREFETCH_UNAVAILABLE');
  });

  it('answers 412 (CDS_PREFETCH_UNAVAILABLE) when a required key is absent and there is no fhirServer', async () => {
    const err = await gatherPrefetch(options({ prefetch: { patient: PATIENT } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    // The words for the log say why, per key.
    expect((err as AppError).details).toEqual(['pgx: not prefetched; no fhirServer']);
    expect((err as AppError).code).toBe('CDS_PREFETCH_UNAVAILABLE');
    expect((err as AppError).status).toBe(412);
    expect((err as AppError).details.join(' ')).toMatch(/^pgx: /);
  });

  it('answers 412 when the FHIR server refuses a required query', async () => {
    const fhir = fakeFhir({ [PGX_QUERY]: new FhirFetchError('http', 'HTTP 401', 401) });
    const err = await gatherPrefetch(options({ prefetch: { patient: PATIENT }, fhir })).catch(
      (e: unknown) => e,
    );
    expect((err as AppError).code).toBe('CDS_PREFETCH_UNAVAILABLE');
  });

  it.each<[string, FhirFetchError]>([
    ['unreachable (network)', new FhirFetchError('network', 'down')],
    ['invalid', new FhirFetchError('invalid-response', 'not JSON')],
  ])('answers 412 when the FHIR server is %s for a required query', async (_name, failure) => {
    const fhir = fakeFhir({ [PGX_QUERY]: failure });
    const err = await gatherPrefetch(options({ prefetch: { patient: PATIENT }, fhir })).catch(
      (e: unknown) => e,
    );
    expect((err as AppError).code).toBe('CDS_PREFETCH_UNAVAILABLE');
  });

  it('answers 412 when a required query fails with an untyped error (read as a network failure)', async () => {
    const fhir = { ...fakeFhir({}), read: () => Promise.reject(new Error('socket hang up')) };
    const err = await gatherPrefetch(options({ prefetch: { patient: PATIENT }, fhir })).catch(
      (e: unknown) => e,
    );
    expect((err as AppError).code).toBe('CDS_PREFETCH_UNAVAILABLE');
    expect((err as AppError).details).toEqual(['pgx: not prefetched; the FHIR server could not be reached']);
  });

  it('is not a 412 when only a non-required key cannot be had', async () => {
    const gathered = await gatherPrefetch(
      options({ prefetch: { patient: PATIENT, pgx: null }, required: ['patient'] }),
    );
    expect(gathered.pgx?.source).toBe('prefetch-null');
    const onlyPatient = await gatherPrefetch(
      options({ prefetch: { patient: PATIENT }, required: ['patient'] }),
    );
    expect(onlyPatient.pgx).toMatchObject({ source: 'unavailable', complete: false });
  });

  it('is not a 412 when a required query ran out of time: the hook answers with what it has', async () => {
    const fhir = fakeFhir({ [PGX_QUERY]: new FhirFetchError('timeout', 'deadline') });
    const gathered = await gatherPrefetch(options({ prefetch: { patient: PATIENT }, fhir }));
    expect(gathered.pgx).toMatchObject({ source: 'unavailable', complete: false });
    expect(gathered.pgx?.problem).toMatch(/did not answer in time/);
    expect(gathered.pgx?.failure).toEqual({ kind: 'timeout' });
  });

  it('reports search results with unread pages as incomplete and does not cache them', async () => {
    const cache = createFhirCache();
    const fhir = fakeFhir({ [PGX_QUERY]: { resources: [OBS_1], complete: false } });
    const gathered = await gatherPrefetch(options({ prefetch: { patient: PATIENT }, fhir, cache }));
    expect(gathered.pgx).toMatchObject({ resources: [OBS_1], source: 'fhir', complete: false });
    expect([...cache.keys()]).toEqual([]);
  });

  it('answers a repeated query from the cache', async () => {
    const cache = createFhirCache();
    const fhir = fakeFhir({ [PGX_QUERY]: { resources: [OBS_1], complete: true } });
    const calls: string[] = [];
    const opts = options({
      prefetch: { patient: PATIENT },
      fhir,
      cache,
      onFhirCall: (outcome) => calls.push(outcome),
    });
    await gatherPrefetch(opts);
    const second = await gatherPrefetch(opts);
    expect(fhir.reads).toEqual([PGX_QUERY]);
    expect(second.pgx).toMatchObject({ resources: [OBS_1], source: 'cache', complete: true });
    expect(calls).toEqual(['ok', 'cached']);
  });

  it('holds at most its resource bound: the patient read longest ago is read again', async () => {
    // A bound of 3 resources; each patient's PGx search answers 2.
    const cache = createFhirCache(3);
    const two = { resources: [OBS_1, OBS_1], complete: true };
    const fhir = fakeFhir({
      [PGX_QUERY.replace('smart-1288992', 'a')]: two,
      [PGX_QUERY.replace('smart-1288992', 'b')]: two,
    });
    const forPatient = (patientId: string) =>
      options({ prefetch: { patient: PATIENT }, fhir, cache, context: { ...CONTEXT, patientId } });
    await gatherPrefetch(forPatient('a'));
    await gatherPrefetch(forPatient('b'));
    expect(cache.size).toBe(1);
    expect((await gatherPrefetch(forPatient('b'))).pgx?.source).toBe('cache');
    expect((await gatherPrefetch(forPatient('a'))).pgx?.source).toBe('fhir');
  });

  it('never serves an answer read with one bearer token to a call carrying another or none', async () => {
    const cache = createFhirCache();
    const answers = { [PGX_QUERY]: { resources: [OBS_1], complete: true } };
    const withToken = (cacheScope?: string) => ({
      ...fakeFhir(answers),
      ...(cacheScope ? { cacheScope } : {}),
    });
    const sources = [];
    for (const fhir of [withToken('scope-a'), withToken('scope-b'), withToken(), withToken('scope-a')]) {
      sources.push(
        (await gatherPrefetch(options({ prefetch: { patient: PATIENT }, fhir, cache }))).pgx?.source,
      );
    }
    expect(sources).toEqual(['fhir', 'fhir', 'fhir', 'cache']);
  });

  it('scopes a real fetcher by a hash of its token, never the token itself', () => {
    const a = createFhirFetcher('http://127.0.0.1:1/fhir', 'token-a');
    expect(a.cacheScope).toMatch(/^[0-9a-f]{64}$/);
    expect(a.cacheScope).not.toContain('token-a');
    expect(createFhirFetcher('http://127.0.0.1:1/fhir', 'token-b').cacheScope).not.toBe(a.cacheScope);
    expect(createFhirFetcher('http://127.0.0.1:1/fhir').cacheScope).toBeUndefined();
  });

  it('sends a token only within its lifetime: one that ends during the call fails the next query, unsent', async () => {
    const sent: (string | null)[] = [];
    const realFetch = global.fetch;
    global.fetch = ((_url: string, init: { headers: Record<string, string> }) => {
      sent.push(init.headers.authorization ?? null);
      return Promise.resolve(
        new Response(JSON.stringify(PATIENT), { headers: { 'content-type': 'application/fhir+json' } }),
      );
    }) as unknown as typeof fetch;
    try {
      let clock = 1_000;
      const fhir = createFhirFetcher('http://127.0.0.1:1/fhir', 'token-a', {
        tokenExpiresAt: 2_000,
        now: () => clock,
      });
      const signal = AbortSignal.timeout(1_000);
      expect(fhir.tokenExpired?.()).toBe(false);
      await expect(fhir.read('Patient/1', signal)).resolves.toMatchObject({ complete: true });
      clock = 2_000;
      expect(fhir.tokenExpired?.()).toBe(true);
      const failure = await fhir.read('Patient/1', signal).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(FhirFetchError);
      expect(failure).toMatchObject({ kind: 'token-expired' });
      expect((failure as Error).message).not.toContain('token-a');
      expect(sent).toEqual(['Bearer token-a']);
    } finally {
      global.fetch = realFetch;
    }
    // Without a token there is nothing to expire.
    expect(
      createFhirFetcher('http://127.0.0.1:1/fhir', undefined, { tokenExpiresAt: 0 }).tokenExpired,
    ).toBeUndefined();
  });

  it('keeps the cache keys free of the patient id', async () => {
    const cache = createFhirCache();
    const fhir = fakeFhir({ [PGX_QUERY]: { resources: [OBS_1], complete: true } });
    await gatherPrefetch(options({ prefetch: { patient: PATIENT }, fhir, cache }));
    expect([...cache.keys()]).toHaveLength(1);
    expect([...cache.keys()].join()).not.toContain(CONTEXT.patientId);
  });
});
