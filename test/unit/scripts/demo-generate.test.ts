/**
 * The demo patients (issue 12 item 1): the generator is deterministic (same seed → same bytes), the committed `demo/`
 * is exactly what it writes, and the data set covers what the issue lists, in the shapes real sources send.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Bundle, FhirResource, Observation } from 'fhir/r4';
import { DEFAULT_SEED, DEMO_AS_OF, generateDemo } from '../../../scripts/demo-data';
import { loadDemo } from '../../../scripts/demo-load';
import { DEMO_DIR } from '../../../src/demo/data';
import type { DemoIndex } from '../../../src/demo/data';

const files = generateDemo(DEFAULT_SEED);
const index = JSON.parse(files['index.json']!) as DemoIndex;
const bundles = index.patients.map((p) => ({ id: p.id, bundle: JSON.parse(files[p.file]!) as Bundle }));
const resourcesOf = (bundle: Bundle): FhirResource[] =>
  (bundle.entry ?? []).map((e) => e.resource as FhirResource);
const all = bundles.flatMap((b) => resourcesOf(b.bundle));
const observations = all.filter((r): r is Observation => r.resourceType === 'Observation');
const codes = (o: Observation): string[] => (o.code.coding ?? []).map((c) => c.code ?? '');

describe('demo generator', () => {
  it('writes the same bytes for the same seed, and different data for another seed', () => {
    expect(generateDemo(DEFAULT_SEED)).toEqual(files);
    const other = generateDemo(DEFAULT_SEED + 1);
    expect(Object.keys(other)).toEqual(Object.keys(files));
    expect(other['demo-cyp2d6-pm-low-hr.json']).not.toEqual(files['demo-cyp2d6-pm-low-hr.json']);
  });

  it('is what demo/ holds, byte for byte (npm run demo:generate after any change)', () => {
    expect(
      readdirSync(DEMO_DIR)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(Object.keys(files).sort());
    for (const [name, text] of Object.entries(files)) {
      expect([name, readFileSync(path.join(DEMO_DIR, name), 'utf8') === text]).toEqual([name, true]);
    }
  });

  it('writes one transaction Bundle per patient, at least twelve, every entry a PUT of its own id', () => {
    expect(index.asOf).toBe(DEMO_AS_OF);
    expect(bundles.length).toBeGreaterThanOrEqual(12);
    for (const { id, bundle } of bundles) {
      expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
      const resources = resourcesOf(bundle);
      expect(resources[0]).toMatchObject({ resourceType: 'Patient', id });
      for (const e of bundle.entry ?? []) {
        expect(e.request).toEqual({ method: 'PUT', url: `${e.resource!.resourceType}/${e.resource!.id!}` });
      }
      const ids = resources.map((r) => `${r.resourceType}/${r.id!}`);
      expect(new Set(ids).size).toBe(ids.length);
      // Every resource belongs to this patient.
      for (const r of resources.slice(1)) {
        const ref =
          (r as { subject?: { reference?: string }; patient?: { reference?: string } }).subject ??
          (r as { patient?: { reference?: string } }).patient;
        expect([r.id, ref?.reference]).toEqual([r.id, `Patient/${id}`]);
      }
      // A draft order to try, and the drug the index names.
      const entry = index.patients.find((p) => p.id === id)!;
      const drafts = resources.filter((r) => r.resourceType === 'MedicationRequest' && r.status === 'draft');
      expect(drafts).toHaveLength(1);
      expect(JSON.stringify(drafts[0])).toContain(`"code":"${entry.order.rxnorm}"`);
    }
  });

  it('writes PGx results in several real-world shapes', () => {
    const pgx = observations.filter((o) =>
      codes(o).some((c) => ['84413-4', '84414-2', '53040-2', '81259-4', '50956-2'].includes(c)),
    );
    const shapes = new Set(
      pgx.map((o) => {
        const v = o.valueCodeableConcept;
        if (v?.coding?.some((c) => c.system === 'http://glstring.org')) return 'GL String';
        if (codes(o).includes('84414-2')) return 'haplotype';
        if (codes(o).includes('50956-2')) return 'HLA presence';
        if (o.valueString !== undefined) return 'phenotype text';
        if (codes(o).includes('53040-2')) return 'legacy phenotype';
        return v?.coding?.length ? 'genotype coded' : 'genotype text';
      }),
    );
    expect([...shapes].sort()).toEqual(
      [
        'GL String',
        'HLA presence',
        'genotype coded',
        'genotype text',
        'haplotype',
        'legacy phenotype',
        'phenotype text',
      ].sort(),
    );
    // GL String form: namespace#version#allele+allele (https://glstring.org).
    const gl = pgx
      .flatMap((o) => o.valueCodeableConcept?.coding ?? [])
      .find((c) => c.system === 'http://glstring.org');
    expect(gl?.code).toMatch(/^hla#\d+\.\d+\.\d+#HLA-B\*57:01(:\d+)*\+HLA-B\*\d+:\d+(:\d+)*$/);
  });

  it('writes two to four weeks of each wearable kind, with realistic defects', () => {
    const asOf = Date.parse(DEMO_AS_OF);
    const kinds: Record<string, string> = {
      '40443-4': 'resting heart rate',
      '8867-4': 'heart-rate samples',
      '85354-9': 'home blood pressure',
      '99504-3': 'CGM readings',
      '104642-4': 'CGM summary',
      '59408-5': 'SpO2',
      '93832-4': 'sleep',
      '41950-7': 'steps',
      '34714-6': 'home INR',
    };
    for (const [code, kind] of Object.entries(kinds)) {
      const found = observations.filter((o) => codes(o).includes(code));
      expect([kind, found.length > 0]).toEqual([kind, true]);
    }
    const restingDays = (id: string): number => {
      const times = observations
        .filter((o) => codes(o).includes('40443-4') && o.subject?.reference === `Patient/${id}`)
        .map((o) => Date.parse(o.effectiveDateTime!));
      return (asOf - Math.min(...times)) / 86_400_000;
    };
    for (const p of index.patients) {
      expect([p.id, restingDays(p.id) >= 14 && restingDays(p.id) <= 29]).toEqual([p.id, true]);
    }
    const text = JSON.stringify(all);
    expect(text).toContain('"status":"entered-in-error"');
    expect(text).toContain('"dataAbsentReason"');
    expect(text).toContain('"code":"beats/min"'); // a non-UCUM unit string, as some platforms send
    expect(text).toMatch(/"data":"E E /); // CGM warm-up gap
    // A resubmitted duplicate: same code, time and value twice.
    const seen = new Set<string>();
    let duplicates = 0;
    for (const o of observations.filter((x) => codes(x).includes('8867-4'))) {
      const key = `${o.subject?.reference}|${o.effectiveDateTime}|${o.valueQuantity?.value}`;
      if (seen.has(key)) duplicates += 1;
      seen.add(key);
    }
    expect(duplicates).toBeGreaterThan(0);
    // Nothing is dated after the data's "now".
    for (const o of observations) {
      const t = o.effectiveDateTime ?? o.effectivePeriod?.end;
      expect(Date.parse(t!)).toBeLessThanOrEqual(asOf);
    }
  });

  it('has one patient whose active Consent denies device data, and active MedicationRequests', () => {
    const consents = all.filter((r) => r.resourceType === 'Consent');
    expect(consents).toHaveLength(1);
    expect(consents[0]).toMatchObject({ status: 'active', provision: { provision: [{ type: 'deny' }] } });
    expect(all.some((r) => r.resourceType === 'MedicationRequest' && r.status === 'active')).toBe(true);
  });
});

describe('npm run demo:load', () => {
  it('POSTs each transaction Bundle to the server base, dates moved to today', async () => {
    const received: { method: string; url: string; type: string; body: Bundle }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({
          method: req.method ?? '',
          url: req.url ?? '',
          type: req.headers['content-type'] ?? '',
          body: JSON.parse(body) as Bundle,
        });
        res.writeHead(200, { 'content-type': 'application/fhir+json' });
        res.end(JSON.stringify({ resourceType: 'Bundle', type: 'transaction-response', entry: [] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const now = new Date(Date.parse(DEMO_AS_OF) + 10 * 86_400_000 + 3_600_000);
      const results = await loadDemo({ fhir: `http://127.0.0.1:${port}/fhir/`, now });
      expect(results.map((r) => r.bundle)).toEqual(['practitioners', ...index.patients.map((p) => p.id)]);
      expect(received).toHaveLength(index.patients.length + 1);
      for (const r of received) {
        expect([r.method, r.url, r.type]).toEqual(['POST', '/fhir', 'application/fhir+json']);
        expect(r.body.type).toBe('transaction');
      }
      // Ten days later: every reading moved ten days, same local time.
      const first = bundles[0]!.bundle.entry!.find((e) => e.resource?.id?.includes('-rhr-'))!
        .resource as Observation;
      const moved = received[1]!.body.entry!.find((e) => e.resource?.id === first.id)!
        .resource as Observation;
      expect(Date.parse(moved.effectiveDateTime!) - Date.parse(first.effectiveDateTime!)).toBe(
        10 * 86_400_000,
      );
      expect(moved.effectiveDateTime!.slice(10)).toBe(first.effectiveDateTime!.slice(10));
    } finally {
      server.close();
    }
  });

  it('stops at the first refusal and names the Bundle and status', async () => {
    // The prescribers' Bundle goes in; the first patient's is refused.
    let requests = 0;
    const server = createServer((_req, res) => {
      requests += 1;
      if (requests === 1) {
        res.writeHead(200, { 'content-type': 'application/fhir+json' });
        res.end(JSON.stringify({ resourceType: 'Bundle', type: 'transaction-response', entry: [] }));
        return;
      }
      res.writeHead(422, { 'content-type': 'application/fhir+json' });
      res.end('{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing"}]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(loadDemo({ fhir: `http://127.0.0.1:${port}/fhir` })).rejects.toThrow(
        `${index.patients[0]!.id}: the server answered HTTP 422`,
      );
      expect(requests).toBe(2);
    } finally {
      server.close();
    }
  });
});
