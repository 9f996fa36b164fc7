/**
 * Property-based tests (fast-check) over what clients send, on both stores (issue 13 item 2): arbitrary and mutated
 * hook requests, prefetch values, feedback bodies and `/api` payloads. The property is the same everywhere: never a
 * 5xx, and every 4xx is a catalogue OperationOutcome. Runs are kept small (a few seconds per store); a failure prints
 * the seed and the shrunk counterexample, to be added to input-robustness.test.ts as a regression. For a longer hunt
 * (not in the suite): `FUZZ_RUNS=1000 npx jest --selectProjects integration --runInBand test/integration/fuzz.test.ts`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import request from 'supertest';
import type { Response } from 'supertest';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { cardIssuingHandler, cdsFixture, sandboxRequest } from '../helpers/cds';
import type { JsonObject } from '../helpers/cds';
import { createTestDatabase } from '../helpers/postgres';
import type { TestDatabase } from '../helpers/postgres';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 40);
jest.setTimeout(Math.max(120_000, RUNS * 3_000));
const SERVICES = ['pgx-order-select', 'pgx-order-sign', 'pgx-patient-view'] as const;
const FIXTURES: Record<(typeof SERVICES)[number], string> = {
  'pgx-order-select': 'sandbox-order-select-clopidogrel.json',
  'pgx-order-sign': 'sandbox-order-sign-clopidogrel.json',
  'pgx-patient-view': 'sandbox-patient-view.json',
};
const PREFETCH_KEYS = ['patient', 'pgx', 'wearables', 'consent', 'medications'];

/** The JSON text of a value (`undefined`, which JSON cannot say, is sent as `null`). */
function jsonText(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** Never a 5xx; a 4xx is a catalogue OperationOutcome; a 200 is a CDS response or `{}` (feedback). */
function expectNoServerError(res: Response): void {
  expect(res.status).toBeLessThan(500);
  if (res.status >= 400 && res.status !== 401) {
    const code = (res.body as { issue?: { details?: { coding?: { code?: string }[] } }[] }).issue?.[0]
      ?.details?.coding?.[0]?.code;
    expect(typeof code).toBe('string');
    expect(res).toBeOutcome(res.status, code!);
  }
}

/** Strings a fuzzer favours as values: prototype names, resource types, empty, U+0000. */
const SPECIAL_STRINGS = [
  '__proto__',
  'constructor',
  'Bundle',
  'OperationOutcome',
  'Observation',
  'Patient/1',
  '',
  '\u0000',
];

/** JSON values, with `specials` among the strings and `__proto__` among the keys. */
function jsonValues(specials: readonly string[]): fc.Arbitrary<unknown> {
  return fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.double(),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom(...specials),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(
        fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'resourceType', 'entry', 'link')),
        tie('value'),
        { maxKeys: 4 },
      ),
    ),
  })).value;
}

const json = jsonValues(SPECIAL_STRINGS);

/** Every path (list of keys) into a JSON value, the root included. */
function pathsOf(
  value: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

/** `value` with the node at `path` replaced by `replacement` (or removed when `replacement` is undefined). */
function mutateAt(value: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy: unknown[] = [...(value as unknown[])];
    if (replacement === undefined && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = mutateAt(copy[head as number], rest, replacement);
    return copy;
  }
  // An earlier mutation may have replaced a parent with a non-object: the path then grows a fresh object.
  const entries = typeof value === 'object' && value !== null ? Object.entries(value) : [];
  if (replacement === undefined && rest.length === 0) {
    return Object.fromEntries(entries.filter(([k]) => k !== head));
  }
  const copy: JsonObject = Object.fromEntries(entries);
  copy[head as string] = mutateAt(copy[head as string], rest, replacement);
  return copy;
}

/** A real request with one to three of its nodes replaced by junk or removed. */
function mutated(base: JsonObject, values: fc.Arbitrary<unknown> = json): fc.Arbitrary<unknown> {
  const paths = pathsOf(base);
  const mutation = fc.tuple(fc.constantFrom(...paths), fc.option(values, { nil: undefined }));
  return fc
    .array(mutation, { minLength: 1, maxLength: 3 })
    .map((mutations) =>
      mutations.reduce<unknown>((body, [path, replacement]) => mutateAt(body, path, replacement), base),
    );
}

const engines: [string, () => Promise<TestDatabase | undefined>][] = [
  ['SQLite', () => Promise.resolve(undefined)],
  ['PostgreSQL', createTestDatabase],
];

describe.each(engines)('fuzzing on %s', (_engine, createDatabase) => {
  let database: TestDatabase | undefined;
  let t: TestApp;
  let cardUuid: string;
  let suggestionId: string;

  beforeAll(async () => {
    database = await createDatabase();
    const stub = cardIssuingHandler();
    // The real handlers for the hooks; one stub service issues a recorded card the feedback fuzzing can name.
    t = await startTestApp({
      ...(database ? { databaseUrl: database.url } : {}),
      handlers: { 'patient-view': stub.handler },
      env: { RATE_LIMIT_PER_MINUTE: '1000000' },
    });
    const issued = await request(t.app)
      .post('/cds-services/pgx-patient-view')
      .send(sandboxRequest('sandbox-patient-view.json', undefined))
      .expect(200);
    const card = (issued.body as { cards: { uuid: string; suggestions: { uuid: string }[] }[] }).cards[0]!;
    cardUuid = card.uuid;
    suggestionId = card.suggestions[0]!.uuid;
  });
  afterAll(async () => {
    await t.close();
    await database?.drop();
  });

  it('arbitrary JSON bodies to every service and its feedback endpoint', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SERVICES), fc.boolean(), json, async (service, feedback, body) => {
        const res = await request(t.app)
          .post(`/cds-services/${service}${feedback ? '/feedback' : ''}`)
          .set('content-type', 'application/json')
          .send(jsonText(body));
        expectNoServerError(res);
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated hook requests (sandbox-shaped, one to three nodes replaced or removed)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .constantFrom(...SERVICES)
          .chain((service) =>
            fc.tuple(fc.constant(service), mutated(sandboxRequest(FIXTURES[service], undefined))),
          ),
        async ([service, body]) => {
          const res = await request(t.app)
            .post(`/cds-services/${service}`)
            .set('content-type', 'application/json')
            .send(jsonText(body));
          expectNoServerError(res);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('arbitrary prefetch values in every key, Bundles with junk entry and link included', async () => {
    const bundle = fc.record({
      resourceType: fc.constant('Bundle'),
      type: fc.constant('searchset'),
      entry: fc.oneof(json, fc.array(fc.oneof(json, fc.record({ resource: json })), { maxLength: 3 })),
      link: fc.oneof(json, fc.array(fc.record({ relation: fc.constantFrom('next', 'self'), url: json }))),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SERVICES),
        fc.dictionary(fc.constantFrom(...PREFETCH_KEYS), fc.oneof(json, bundle), { maxKeys: 5 }),
        async (service, junk) => {
          const base = sandboxRequest(FIXTURES[service], undefined);
          const body = {
            ...base,
            prefetch: { ...((base.prefetch as JsonObject | undefined) ?? {}), ...junk },
          };
          const res = await request(t.app).post(`/cds-services/${service}`).send(body);
          expectNoServerError(res);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it.each(['structural-patterns.json', 'unit-variants.json'])(
    'mutated wearable Observations (%s) in the wearables key: components, units, values',
    async (fixture) => {
      const wearables = JSON.parse(
        readFileSync(path.join(__dirname, '..', 'fixtures', 'sensors', fixture), 'utf8'),
      ) as JsonObject;
      const base = sandboxRequest(FIXTURES['pgx-order-sign'], undefined);
      const prefetch = (base.prefetch as JsonObject | undefined) ?? {};
      await fc.assert(
        fc.asyncProperty(mutated(wearables, json), async (junk) => {
          const res = await request(t.app)
            .post('/cds-services/pgx-order-sign')
            .set('content-type', 'application/json')
            .send(jsonText({ ...base, prefetch: { ...prefetch, wearables: junk } }));
          expectNoServerError(res);
        }),
        { numRuns: RUNS },
      );
    },
  );

  it('mutated PGx results in the pgx key and mutated draft orders (every PGx fixture shape)', async () => {
    const dir = path.join(__dirname, '..', 'fixtures', 'pgx');
    const fixture = (name: string): unknown => JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
    const results = readdirSync(dir)
      .filter((f) => !f.startsWith('draft-orders'))
      .flatMap((f) => fixture(f) as unknown[]);
    const pgx = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: results.map((resource) => ({ resource })),
    };
    const draftOrders = fixture('draft-orders-r4.json') as JsonObject;
    const base = sandboxRequest(FIXTURES['pgx-order-sign'], undefined);
    const request0 = {
      ...base,
      context: { ...(base.context as JsonObject), draftOrders },
      prefetch: { ...((base.prefetch as JsonObject | undefined) ?? {}), pgx },
    };
    await fc.assert(
      fc.asyncProperty(mutated(request0), async (body) => {
        const res = await request(t.app)
          .post('/cds-services/pgx-order-sign')
          .set('content-type', 'application/json')
          .send(jsonText(body));
        expectNoServerError(res);
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated feedback bodies on a recorded card', async () => {
    const [entry] = cdsFixture('sandbox-feedback-overridden.json').feedback as JsonObject[];
    const base = { feedback: [{ ...entry, card: cardUuid, acceptedSuggestions: [{ id: suggestionId }] }] };
    await fc.assert(
      fc.asyncProperty(mutated(base), async (body) => {
        const res = await request(t.app)
          .post('/cds-services/pgx-patient-view/feedback')
          .set('content-type', 'application/json')
          .send(jsonText(body));
        expectNoServerError(res);
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary payloads to /api and /admin', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api', '/admin'), fc.webPath(), json, async (mount, path, body) => {
        const res = await request(t.app)
          .post(`${mount}${path.startsWith('/') ? path : `/${path}`}`)
          .set('content-type', 'application/json')
          .send(jsonText(body));
        expectNoServerError(res);
      }),
      { numRuns: RUNS },
    );
  });
});
