/**
 * The demo FHIR endpoint (issue 12 item 2): `/demo/fhir` serves the demo patients read-only as FHIR R4 — metadata,
 * read, search by patient/subject, code, date, status, `_sort`, `_count` with `next` links, over GET and
 * `POST _search` — with CORS for any origin; malformed searches are 4xx OperationOutcomes. Expected values come from
 * the committed demo Bundles (`demo/`), read here directly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, FhirResource, Observation, Patient } from 'fhir/r4';
import request from 'supertest';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';

const DEMO = path.join(__dirname, '..', '..', 'demo');
const index = JSON.parse(readFileSync(path.join(DEMO, 'index.json'), 'utf8')) as {
  patients: { id: string; file: string }[];
};
function committed(patientId: string): FhirResource[] {
  const file = index.patients.find((p) => p.id === patientId)!.file;
  const bundle = JSON.parse(readFileSync(path.join(DEMO, file), 'utf8')) as Bundle;
  return (bundle.entry ?? []).map((e) => e.resource as FhirResource);
}
const PATIENT = 'demo-cyp2d6-pm-low-hr';
const RESOURCES = committed(PATIENT);
const codeOf = (r: FhirResource): string | undefined => (r as Observation).code.coding?.[0]?.code;
const count = (code: string): number =>
  RESOURCES.filter((r) => r.resourceType === 'Observation' && codeOf(r) === code).length;
const BASE = 'http://localhost:3000/demo/fhir';

function ids(bundle: Bundle): string[] {
  return (bundle.entry ?? []).map((e) => e.resource!.id!);
}

function dates(bundle: Bundle): number[] {
  return (bundle.entry ?? []).map((e) => Date.parse((e.resource as Observation).effectiveDateTime!));
}

describe('demo FHIR endpoint', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ demo: true });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers metadata with a CapabilityStatement for FHIR 4.0.1', async () => {
    const res = await request(t.app)
      .get('/demo/fhir/metadata')
      .set('Accept', 'application/json+fhir')
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(res.body).toMatchObject({
      resourceType: 'CapabilityStatement',
      fhirVersion: '4.0.1',
      kind: 'instance',
    });
    const types = (res.body as { rest: { resource: { type: string }[] }[] }).rest[0]!.resource.map(
      (r) => r.type,
    );
    expect(types).toEqual(expect.arrayContaining(['Patient', 'Observation', 'MedicationRequest', 'Consent']));
  });

  it('reads a resource by id, and answers 404 with an OperationOutcome for one it does not hold', async () => {
    const res = await request(t.app).get(`/demo/fhir/Patient/${PATIENT}`).expect(200);
    expect(res.body).toMatchObject({ resourceType: 'Patient', id: PATIENT });
    expect(await request(t.app).get('/demo/fhir/Patient/nobody')).toBeOutcome(404, 'DEMO_NOT_FOUND');
    expect(await request(t.app).get('/demo/fhir/Medication/x')).toBeOutcome(404, 'DEMO_NOT_FOUND');
    expect(await request(t.app).get('/demo/fhir/Encounter?patient=x')).toBeOutcome(404, 'DEMO_NOT_FOUND');
  });

  it('moves the data to the present: the newest resting heart rate is less than two days old', async () => {
    const res = await request(t.app)
      .get(`/demo/fhir/Observation?patient=${PATIENT}&code=http://loinc.org|40443-4&_sort=-date&_count=1`)
      .expect(200);
    const newest = dates(res.body as Bundle)[0]!;
    expect(Date.now() - newest).toBeLessThan(2 * 86_400_000);
    expect(Date.now() - newest).toBeGreaterThanOrEqual(0);
  });

  it('searches by patient or subject, code (system|code, comma = OR) and status', async () => {
    const hr = await request(t.app).get(
      `/demo/fhir/Observation?patient=${PATIENT}&code=http://loinc.org|40443-4`,
    );
    expect((hr.body as Bundle).total).toBe(count('40443-4'));
    const either = await request(t.app).get(
      `/demo/fhir/Observation?subject=Patient/${PATIENT}&code=http://loinc.org|40443-4,http://loinc.org|8867-4&_count=1000`,
    );
    expect((either.body as Bundle).total).toBe(count('40443-4') + count('8867-4'));
    const bare = await request(t.app).get(`/demo/fhir/Observation?patient=${PATIENT}&code=40443-4`);
    expect((bare.body as Bundle).total).toBe(count('40443-4'));
    const otherSystem = await request(t.app).get(
      `/demo/fhir/Observation?patient=${PATIENT}&code=http://snomed.info/sct|40443-4`,
    );
    expect((otherSystem.body as Bundle).total).toBe(0);
    const active = await request(t.app).get(`/demo/fhir/MedicationRequest?patient=${PATIENT}&status=active`);
    const draft = await request(t.app).get(`/demo/fhir/MedicationRequest?patient=${PATIENT}&status=draft`);
    const all = RESOURCES.filter((r) => r.resourceType === 'MedicationRequest');
    expect((active.body as Bundle).total).toBe(all.filter((r) => r.status === 'active').length);
    expect(ids(draft.body as Bundle)).toEqual(all.filter((r) => r.status === 'draft').map((r) => r.id));
    const nobody = await request(t.app).get('/demo/fhir/Observation?patient=nobody');
    expect((nobody.body as Bundle).total).toBe(0);
  });

  it('reads a prefetch query the way the sandbox encodes it (each value URI-encoded) like the plain one', async () => {
    // cds-hooks/sandbox src/retrieve-data-helpers/service-exchange.js encodeUriParameters
    const values = {
      patient: PATIENT,
      code: 'http://loinc.org|40443-4,http://loinc.org|8867-4',
      _sort: '-date',
    };
    const encoded = Object.entries(values)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
    const plain = Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const a = (await request(t.app).get(`/demo/fhir/Observation?${encoded}&_count=1000`).expect(200))
      .body as Bundle;
    const b = (await request(t.app).get(`/demo/fhir/Observation?${plain}&_count=1000`).expect(200))
      .body as Bundle;
    expect(ids(a)).toEqual(ids(b));
    expect(a.total).toBe(count('40443-4') + count('8867-4'));
  });

  it("lists every patient with the names and birth dates the sandbox's patient picker shows", async () => {
    const res = await request(t.app).get('/demo/fhir/Patient').expect(200);
    const patients = ((res.body as Bundle).entry ?? []).map((e) => e.resource as Patient);
    expect(patients.map((p) => p.id).sort()).toEqual(index.patients.map((p) => p.id).sort());
    for (const p of patients) {
      expect(p.name?.[0]?.given?.length).toBeGreaterThan(0);
      expect(p.name?.[0]?.family).toMatch(/\S/);
      expect(p.birthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('sorts by date both ways and filters by date with prefixes', async () => {
    const q = `/demo/fhir/Observation?patient=${PATIENT}&code=http://loinc.org|40443-4`;
    const up = dates((await request(t.app).get(`${q}&_sort=date`)).body as Bundle);
    const down = dates((await request(t.app).get(`${q}&_sort=-date`)).body as Bundle);
    expect(up).toEqual([...up].sort((a, b) => a - b));
    expect(down).toEqual([...up].reverse());
    const cut = new Date(up[Math.floor(up.length / 2)]!).toISOString();
    const ge = dates((await request(t.app).get(`${q}&date=ge${encodeURIComponent(cut)}`)).body as Bundle);
    const lt = dates((await request(t.app).get(`${q}&date=lt${encodeURIComponent(cut)}`)).body as Bundle);
    expect(ge.length + lt.length).toBe(up.length);
    expect(ge.every((d) => d >= Date.parse(cut))).toBe(true);
    expect(lt.every((d) => d < Date.parse(cut))).toBe(true);
    // A day-precision date covers the whole day; gt/le split the same way.
    const day = cut.slice(0, 10);
    const gt = (await request(t.app).get(`${q}&date=gt${day}`)).body as Bundle;
    const le = (await request(t.app).get(`${q}&date=le${day}`)).body as Bundle;
    expect(gt.total! + le.total!).toBe(up.length);
    // Repeated parameters AND: a window.
    const from = new Date(up[1]!).toISOString();
    const to = new Date(up[3]!).toISOString();
    const window = (
      await request(t.app).get(`${q}&date=ge${encodeURIComponent(from)}&date=le${encodeURIComponent(to)}`)
    ).body as Bundle;
    expect(window.total).toBe(3);
  });

  it('pages with _count and absolute next links until every match is read', async () => {
    const q = `/demo/fhir/Observation?patient=${PATIENT}&_sort=-date&_count=50`;
    const seen: string[] = [];
    let next: string | undefined = q;
    let pages = 0;
    while (next) {
      const page = (await request(t.app).get(next).expect(200)).body as Bundle;
      expect(page.entry!.length).toBeLessThanOrEqual(50);
      seen.push(...ids(page));
      const link = page.link?.find((l) => l.relation === 'next')?.url;
      if (link) expect(link.startsWith(`${BASE}/Observation?`)).toBe(true);
      next = link?.slice(BASE.length - '/demo/fhir'.length);
      pages += 1;
    }
    const all = RESOURCES.filter((r) => r.resourceType === 'Observation');
    expect(pages).toBe(Math.ceil(all.length / 50));
    expect(seen.sort()).toEqual(all.map((r) => r.id!).sort());
  });

  it('answers POST _search with form-encoded parameters like the GET', async () => {
    const get = await request(t.app).get(
      `/demo/fhir/Observation?patient=${PATIENT}&code=http://loinc.org|40443-4&_sort=-date`,
    );
    const post = await request(t.app)
      .post('/demo/fhir/Observation/_search')
      .type('form')
      .send({ patient: PATIENT, code: 'http://loinc.org|40443-4', _sort: '-date' })
      .expect(200);
    expect(ids(post.body as Bundle)).toEqual(ids(get.body as Bundle));
  });

  it('refuses what it cannot read with a 400 OperationOutcome naming the parameter, and writes with 405', async () => {
    for (const q of ['date=yesterday', 'date=sa2026-01-01', '_count=lots', '_sort=code']) {
      const res = await request(t.app).get(`/demo/fhir/Observation?patient=${PATIENT}&${q}`);
      expect(res).toBeOutcome(400, 'DEMO_INVALID_SEARCH');
      expect(JSON.stringify(res.body)).toContain(q.split('=')[0]);
    }
    for (const write of [
      request(t.app).put(`/demo/fhir/Patient/${PATIENT}`).send({}),
      request(t.app).post('/demo/fhir/Patient').send({}),
    ]) {
      const res = await write;
      expect(res).toBeOutcome(405, 'HTTP_METHOD_NOT_ALLOWED');
      expect(res.headers.allow).toBe('GET, HEAD');
    }
  });

  it('allows any origin, preflight included (read-only synthetic data)', async () => {
    const pre = await request(t.app)
      .options('/demo/fhir/Observation/_search')
      .set('Origin', 'https://any-app.example.org')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,authorization');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    const got = await request(t.app)
      .get(`/demo/fhir/Patient/${PATIENT}`)
      .set('Origin', 'https://any-app.example.org');
    expect(got.headers['access-control-allow-origin']).toBe('*');
    // The rest of the app keeps its allowlist.
    const cds = await request(t.app).get('/cds-services').set('Origin', 'https://any-app.example.org');
    expect(cds.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('is not served with DEMO_FHIR=off (the default in production)', async () => {
    const off = await startTestApp({ env: { DEMO_FHIR: 'off' } });
    try {
      expect(off.deps.config.demoFhir).toBe(false);
      expect(await request(off.app).get('/demo/fhir/metadata')).toBeOutcome(404, 'HTTP_NOT_FOUND');
    } finally {
      await off.close();
    }
  });
});

describe('demo FHIR endpoint logs', () => {
  it('never writes a patient id to the log', async () => {
    const t = await startTestApp({ demo: true });
    try {
      await request(t.app).get(`/demo/fhir/Patient/${PATIENT}`).expect(200);
      await request(t.app).get(`/demo/fhir/Observation?patient=${PATIENT}`).expect(200);
      await request(t.app).get('/demo/fhir/Patient/demo-nobody').expect(404);
      expect(t.logs()).not.toContain('demo-');
    } finally {
      await t.close();
    }
  });
});
