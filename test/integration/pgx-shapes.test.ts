/**
 * Issues 9 (items 1–3) and 14 end to end over HTTP: HLA results as GL Strings (with and without version, with `/`
 * ambiguity), CFTR written as text, a standard-use CPIC row, the one pre-test rule, and the patient-view list of
 * actionable results, through `createApp()` and the real hook handlers. Results are shaped like what the Genomics
 * Reporting IG and labs send (`test/fixtures/pgx/*-shapes.json`); orders are RxNorm-coded draft MedicationRequests
 * (codes from the repository's RxNorm extract). Expected texts, strengths and keys come from the CPIC data set
 * (`test/reference`); indicators from issue 5's defaults (Strong avoid → critical, Moderate → warning, pre-test info).
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Card } from '../../src/cds/types';
import type { ExplanationView } from '../../src/links/contract';
import { DEFAULT_THRESHOLDS } from '../../src/rules/thresholds';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import type { JsonObject } from '../helpers/cds';
import { readFixture } from '../helpers/fixtures';
import { rendered } from '../helpers/markdown';
import { searchset } from '../helpers/mock-fhir';
import { cpicCall, cpicGene, cpicRow, rxnormProducts } from '../reference';

const PATIENT_ID = 'smart-1288992';
const PATIENT = readFixture('hooks', 'patient.json') as JsonObject;
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

type Cases = Record<string, { resources: JsonObject[] }>;
const HLA = (readFixture('pgx', 'hla-shapes.json') as { cases: Cases }).cases;
const CFTR = (readFixture('pgx', 'cftr-shapes.json') as { cases: Cases }).cases;

function shape(cases: Cases, name: string): JsonObject[] {
  const found = cases[name];
  if (!found) throw new Error(`no fixture case ${name}`);
  return found.resources;
}

/** A draft MedicationRequest as an EHR sends it, coded with an RxNorm clinical drug of the RxNorm extract. */
function draftOrder(drug: string, rxcui: string): JsonObject {
  const concept = rxnormProducts().concepts[rxcui];
  if (!concept?.cpicDrugs.includes(drug)) throw new Error(`RxNorm ${rxcui} is not a ${drug} product`);
  return {
    resourceType: 'MedicationRequest',
    id: `draft-${drug}`,
    status: 'draft',
    intent: 'order',
    subject: { reference: `Patient/${PATIENT_ID}` },
    medicationCodeableConcept: {
      coding: [{ system: RXNORM, code: rxcui, display: concept.name }],
      text: concept.name,
    },
  };
}

function bundle(resources: readonly unknown[]): JsonObject {
  return { ...searchset(resources), total: resources.length };
}

function orderSign(pgx: readonly JsonObject[], order: JsonObject): JsonObject {
  return {
    hookInstance: randomUUID(),
    hook: 'order-sign',
    context: {
      userId: 'Practitioner/COREPRACTITIONER1',
      patientId: PATIENT_ID,
      draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: order }] },
    },
    prefetch: { patient: PATIENT, pgx: bundle(pgx), medications: bundle([]) },
  };
}

function patientView(pgx: readonly JsonObject[]): JsonObject {
  return {
    hookInstance: randomUUID(),
    hook: 'patient-view',
    context: { userId: 'Practitioner/COREPRACTITIONER1', patientId: PATIENT_ID },
    prefetch: { patient: PATIENT, pgx: bundle(pgx), medications: bundle([]) },
  };
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

async function cards(service: string, body: JsonObject): Promise<Card[]> {
  const res = await request(t.app).post(`/cds-services/${service}`).send(body);
  expect(res.status).toBe(200);
  expect(res.body).toBeSpecValid();
  return (res.body as { cards: Card[] }).cards;
}

/** Some clinical drug (SCD) of the RxNorm extract with `drug` as its only CPIC ingredient. */
function clinicalDrugCode(drug: string): string {
  const found = Object.values(rxnormProducts().concepts).find(
    (c) => c.tty === 'SCD' && c.cpicDrugs.length === 1 && c.cpicDrugs[0] === drug,
  );
  if (!found) throw new Error(`no ${drug} SCD in the RxNorm extract`);
  return found.rxcui;
}

const ABACAVIR = draftOrder('abacavir', clinicalDrugCode('abacavir'));

describe('order-sign: HLA GL Strings', () => {
  const positive = cpicRow('abacavir', { 'HLA-B': '*57:01 positive' }).row;
  const negative = cpicRow('abacavir', { 'HLA-B': '*57:01 negative' }).row;

  it.each(['gl-versioned', 'imgt-haplotypes'])(
    'HLA-B*57:01 from %s + abacavir: the CPIC Strong "not recommended" card, critical',
    async (name) => {
      expect(positive.strength).toBe('Strong');
      const [card, ...more] = await cards('pgx-order-sign', orderSign(shape(HLA, name), ABACAVIR));
      expect(more).toEqual([]);
      expect(card?.indicator).toBe('critical');
      expect(card?.summary).toContain('HLA-B*57:01 positive');
      expect(rendered(card?.detail)).toContain(positive.recommendation);
    },
  );

  it('an allele ambiguity (/) that leaves *57:01 possible: the positive row leads, the card says "possible"', async () => {
    const [card, ...more] = await cards(
      'pgx-order-sign',
      orderSign(shape(HLA, 'gl-allele-ambiguity'), ABACAVIR),
    );
    expect(more).toEqual([]);
    expect(card?.indicator).toBe('critical');
    expect(card?.summary).toContain('HLA-B*57:01 possible');
    const detail = rendered(card?.detail);
    expect(detail.indexOf(positive.recommendation)).toBeGreaterThanOrEqual(0);
    expect(detail.indexOf(negative.recommendation)).toBeGreaterThan(detail.indexOf(positive.recommendation));
    // Each row says which result it is for, the allele written as clinicians write it (no space before the asterisk).
    expect(detail).toContain('**What to do** (CPIC Strong; HLA-B*57:01 positive):');
    expect(detail).toContain('HLA-B*57:01 negative (CPIC Strong):');
    // Results used: the one genotype, once, by what it is and its date (never its resource id).
    expect(detail).toContain('; from a genotype (12 Jun 2025)');
    expect(detail).not.toContain('Observation/');
  });
});

describe('order-sign: CYP2D6 with a copy number the laboratory did not report (xN) + codeine', () => {
  const CODEINE = draftOrder('codeine', clinicalDrugCode('codeine'));
  /** A genotype Observation as labs send it, the diplotype as text (Genomics Reporting 84413-4, gene 48018-6). */
  const genotype = (text: string): JsonObject => ({
    resourceType: 'Observation',
    id: 'cyp2d6-genotype',
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' },
        ],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '84413-4', display: 'Genotype display name' }] },
    subject: { reference: `Patient/${PATIENT_ID}` },
    effectiveDateTime: '2025-02-11',
    valueCodeableConcept: { text },
    component: [
      {
        code: { coding: [{ system: 'http://loinc.org', code: '48018-6', display: 'Gene studied [ID]' }] },
        valueCodeableConcept: {
          coding: [{ system: 'http://www.genenames.org/geneId', code: 'HGNC:2625', display: 'CYP2D6' }],
        },
      },
    ],
  });
  // CPIC's xN row: "*2xN: *2x2 or *2x≥3", "*1xN: *1x2 or *1x≥3"; its table: *1x2 (2) + a normal function allele → AS 3.0
  // Ultrarapid, *1x2 + a no-function allele → AS 2 Normal, *1x≥3 → ≥3 Ultrarapid. *1/*2x2 is AS 3.0 as *2 is normal.
  it('*1/*2xN is an Ultrarapid Metabolizer under every reading: CPIC\'s Strong "avoid codeine", critical', async () => {
    const ultrarapid = cpicRow('codeine', { CYP2D6: '3.0' }).row;
    const [card, ...more] = await cards('pgx-order-sign', orderSign([genotype('CYP2D6*1/*2xN')], CODEINE));
    expect(more).toEqual([]);
    expect(card?.indicator).toBe('critical');
    expect(card?.summary).toContain('CYP2D6 Ultrarapid Metabolizer');
    const detail = rendered(card?.detail);
    expect(detail).toContain(ultrarapid.recommendation);
    expect(detail).toContain('copy number not reported, the same for *1/*2x2 and *1/*2x≥3');
    expect(detail).not.toContain('xN is not a valid input');
  });

  it('*4/*1xN is Normal or Ultrarapid: the Ultrarapid row leads, the Normal row follows, the lab is asked', async () => {
    const ultrarapid = cpicRow('codeine', { CYP2D6: '≥3.0' }).row;
    const normal = cpicRow('codeine', { CYP2D6: '2.0' }).row;
    const [card, ...more] = await cards('pgx-order-sign', orderSign([genotype('*4/*1xN')], CODEINE));
    expect(more).toEqual([]);
    expect(card?.indicator).toBe('critical');
    expect(card?.summary).toBe('Avoid codeine: CYP2D6 Normal or Ultrarapid Metabolizer (CPIC Strong)');
    const detail = rendered(card?.detail);
    expect(detail.indexOf(ultrarapid.recommendation)).toBeGreaterThanOrEqual(0);
    expect(detail.indexOf(normal.recommendation)).toBeGreaterThan(detail.indexOf(ultrarapid.recommendation));
    // Each row says which result it is for: the one led with in its heading, the other in its label.
    expect(detail).toContain('**What to do** (CPIC Strong; CYP2D6 activity score ≥3.0):');
    expect(detail).toContain('CYP2D6 activity score 2.0 (CPIC Strong):');
    const ask =
      'Ask the laboratory for the CYP2D6 copy number: Normal Metabolizer as *4/*1x2, Ultrarapid Metabolizer as *4/*1x≥3';
    expect(detail).toContain(ask);
    // The full explanation says it once too: in the reasoning, not again in the result's notes.
    const link = new URL(card?.links?.find((l) => l.label === 'Full explanation')?.url ?? '');
    const page = await request(t.app)
      .get(`/api/links${link.pathname}`)
      .set('Authorization', `Bearer ${link.searchParams.get('t') ?? ''}`);
    const [decision] = (page.body as ExplanationView).decisions;
    expect(decision?.reasoning.filter((r) => r.startsWith(ask))).toHaveLength(1);
    const said = [...(decision?.reasoning ?? []), ...(decision?.genes.flatMap((g) => g.notes) ?? [])].join(
      '\n',
    );
    expect(said.split('Normal Metabolizer as *4/*1x2')).toHaveLength(2);
  });
});

describe('order-sign: CFTR in text + ivacaftor', () => {
  it('"Homozygous for F508del" gets the CPIC "Ivacaftor is not recommended" card (Moderate → warning)', async () => {
    const nonResponsive = Object.keys(cpicGene('CFTR').alleles).find((a) => /non-responsive/.test(a)) ?? '';
    const { lookupKey } = cpicCall('CFTR', `${nonResponsive}/${nonResponsive}`);
    const row = cpicRow('ivacaftor', { CFTR: lookupKey }).row;
    expect(row.strength).toBe('Moderate');
    const [card, ...more] = await cards(
      'pgx-order-sign',
      orderSign(shape(CFTR, 'homozygous-text'), draftOrder('ivacaftor', '1243046')),
    );
    expect(more).toEqual([]);
    expect(card?.indicator).toBe('warning');
    expect(rendered(card?.detail)).toContain(row.recommendation);
  });

  it('two copies of the CPIC label get the same card', async () => {
    const [card] = await cards(
      'pgx-order-sign',
      orderSign(shape(CFTR, 'cpic-label-twice'), draftOrder('ivacaftor', '1243046')),
    );
    expect(card?.indicator).toBe('warning');
  });
});

describe('order-sign: a CPIC row that advises standard use', () => {
  it('MT-RNR1 normal risk + gentamicin: no warning or critical card', async () => {
    const { row } = cpicRow('gentamicin', {
      'MT-RNR1': 'normal risk of aminoglycoside-induced hearing loss',
    });
    expect(row.recommendation).toMatch(/at standard doses/);
    const mtRnr1: JsonObject = {
      resourceType: 'Observation',
      id: 'mtrnr1',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '84413-4', display: 'Genotype display name' }] },
      subject: { reference: `Patient/${PATIENT_ID}` },
      effectiveDateTime: '2025-01-10',
      valueCodeableConcept: { text: 'Reference' },
      component: [
        {
          code: { coding: [{ system: 'http://loinc.org', code: '48018-6' }] },
          valueCodeableConcept: {
            coding: [{ system: 'http://www.genenames.org/geneId', code: 'HGNC:7470', display: 'MT-RNR1' }],
          },
        },
      ],
    };
    expect(cpicCall('MT-RNR1', 'Reference').phenotype).toBe(
      'normal risk of aminoglycoside-induced hearing loss',
    );
    const answer = await cards('pgx-order-sign', orderSign([mtRnr1], draftOrder('gentamicin', '239204')));
    expect(answer.filter((c) => c.indicator === 'warning' || c.indicator === 'critical')).toEqual([]);
  });
});

describe('order-sign: one pre-test rule (HLA-B untested)', () => {
  const cyp2c9: JsonObject = {
    resourceType: 'Observation',
    id: 'cyp2c9',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '84413-4', display: 'Genotype display name' }] },
    subject: { reference: `Patient/${PATIENT_ID}` },
    effectiveDateTime: '2025-01-10',
    valueCodeableConcept: {
      coding: [{ system: 'https://www.pharmvar.org', code: 'CYP2C9*1/*1', display: 'CYP2C9*1/*1' }],
    },
  };

  it.each([
    ['phenytoin', '855671', [cyp2c9]],
    ['carbamazepine', '197441', []],
  ] as const)(
    '%s: an "order HLA-B test" card at the pre-test policy’s indicator',
    async (drug, rxcui, pgx) => {
      const answer = await cards('pgx-order-sign', orderSign([...pgx], draftOrder(drug, rxcui)));
      const preTest = answer.filter((c) => /HLA-B/.test(c.summary) && /test/i.test(c.summary));
      expect(preTest).toHaveLength(1);
      expect(preTest[0]?.indicator).toBe(DEFAULT_THRESHOLDS.preTest.indicator);
    },
  );
});

describe('patient-view: actionable results only', () => {
  it('CYP4F2 and VKORC1 normal results are no finding; CYP4F2 is said once, plainly', async () => {
    const panel = readFixture('pgx', 'patient-view-panel.json') as JsonObject[];
    const [card, ...more] = await cards('pgx-patient-view', patientView(panel));
    expect(more).toEqual([]);
    const detail = rendered(card?.detail);
    const list = detail.split('Actionable results:')[1]?.split('CYP4F2 result on file')[0] ?? '';
    expect(list).toContain(`CYP2C19 ${cpicCall('CYP2C19', '*2/*2').phenotype}`);
    expect(list).not.toMatch(/CYP4F2|VKORC1|CYP2C9/);
    expect(detail.split('CYP4F2 result on file, not interpreted by this service.')).toHaveLength(2);
    expect(card?.summary).not.toMatch(/CYP4F2|VKORC1/);
  });

  it('normal results and CYP4F2 only: no card', async () => {
    const panel = (readFixture('pgx', 'patient-view-panel.json') as JsonObject[]).filter((o) =>
      ['pv-cyp4f2', 'pv-vkorc1', 'pv-cyp2c9'].includes(String(o.id)),
    );
    expect(await cards('pgx-patient-view', patientView(panel))).toEqual([]);
  });
});
