/**
 * `npm run demo:load -- --fhir URL [--as-of generated|now] [--token T]`: loads the demo patients into any FHIR R4
 * server by POSTing each transaction Bundle of `demo/` to its base URL (entries are `PUT Type/id`, so loading twice
 * replaces rather than duplicates). By default dates are moved to today, as the service's own demo endpoint does,
 * so the wearable data is fresh; `--as-of generated` loads the bytes as committed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Bundle } from 'fhir/r4';
import { DEMO_DIR, daysSince, shiftDates } from '../src/demo/data';
import type { DemoIndex } from '../src/demo/data';

export interface LoadOptions {
  readonly fhir: string;
  readonly dir?: string;
  /** `now`: move dates to today (default); `generated`: as committed. */
  readonly asOf?: 'now' | 'generated';
  readonly token?: string;
  readonly now?: Date;
  readonly timeoutMs?: number;
}

export interface LoadResult {
  /** The patient's id, or `practitioners`. */
  readonly bundle: string;
  readonly status: number;
  readonly entries: number;
}

/**
 * POSTs the prescribers' Bundle, then every patient's; stops at the first failure (the error names the Bundle and the
 * status).
 */
export async function loadDemo(options: LoadOptions): Promise<LoadResult[]> {
  const dir = options.dir ?? DEMO_DIR;
  const base = options.fhir.replace(/\/+$/, '');
  const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as DemoIndex;
  const days = options.asOf === 'generated' ? 0 : daysSince(index.asOf, options.now ?? new Date());
  const results: LoadResult[] = [];
  const files = [
    { name: 'practitioners', file: index.practitioners },
    ...index.patients.map((p) => ({ name: p.id, file: p.file })),
  ];
  for (const { name, file } of files) {
    const bundle = shiftDates(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Bundle, days);
    const res = await fetch(base, {
      method: 'POST',
      headers: {
        'content-type': 'application/fhir+json',
        accept: 'application/fhir+json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: JSON.stringify(bundle),
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
    if (!res.ok) {
      const text = await res.text();
      throw new Error(`${name}: the server answered HTTP ${res.status}: ${text.slice(0, 500)}`);
    }
    results.push({ bundle: name, status: res.status, entries: bundle.entry?.length ?? 0 });
  }
  return results;
}

if (require.main === module) {
  const { values } = parseArgs({
    options: { fhir: { type: 'string' }, 'as-of': { type: 'string' }, token: { type: 'string' } },
  });
  const asOf = values['as-of'] ?? 'now';
  if (!values.fhir || !/^https?:\/\//.test(values.fhir) || (asOf !== 'now' && asOf !== 'generated')) {
    console.error(
      'usage: npm run demo:load -- --fhir https://fhir.example.org/r4 [--as-of now|generated] [--token T]',
    );
    process.exit(2);
  }
  loadDemo({ fhir: values.fhir, asOf, ...(values.token ? { token: values.token } : {}) })
    .then((results) => {
      for (const r of results) console.log(`${r.bundle}: HTTP ${r.status}, ${r.entries} resources`);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
