/**
 * Edge cases of reading PGx results, end to end over HTTP through `createApp()` and the real hook handlers: a
 * preliminary or registered result, a lab phenotype CPIC's table translates otherwise, a CYP2D6 activity score sent
 * without a genotype, a therapeutic implication without a gene component, and genotypes of different dates that cannot
 * both be right. Results are shaped like what laboratories and the Genomics Reporting IG send
 * (`test/fixtures/pgx/reading-edge-cases.json`); orders are RxNorm-coded draft MedicationRequests (codes from the
 * repository's RxNorm extract). Texts and strengths come from the CPIC data set (`test/reference`).
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Card } from '../../src/cds/types';
import type { ExplanationView } from '../../src/links/contract';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import type { JsonObject } from '../helpers/cds';
import { readFixture } from '../helpers/fixtures';
import { rendered } from '../helpers/markdown';
import { searchset } from '../helpers/mock-fhir';
import { cpicCall, cpicRow, rxnormProducts } from '../reference';

const PATIENT_ID = 'smart-1288992';
const PATIENT = readFixture('hooks', 'patient.json') as JsonObject;
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

type Cases = Record<string, { resources: JsonObject[] }>;
const CASES = (readFixture('pgx', 'reading-edge-cases.json') as { cases: Cases }).cases;

function shape(name: string): JsonObject[] {
  const found = CASES[name];
  if (!found) throw new Error(`no fixture case ${name}`);
  return found.resources;
}

/** Some clinical drug (SCD) of the RxNorm extract with `drug` as its only CPIC ingredient, as a draft order. */
function draftOrder(drug: string): JsonObject {
  const concept = Object.values(rxnormProducts().concepts).find(
    (c) => c.tty === 'SCD' && c.cpicDrugs.length === 1 && c.cpicDrugs[0] === drug,
  );
  if (!concept) throw new Error(`no ${drug} SCD in the RxNorm extract`);
  return {
    resourceType: 'MedicationRequest',
    id: `draft-${drug}`,
    status: 'draft',
    intent: 'order',
    subject: { reference: `Patient/${PATIENT_ID}` },
    medicationCodeableConcept: {
      coding: [{ system: RXNORM, code: concept.rxcui, display: concept.name }],
      text: concept.name,
    },
  };
}

function bundle(resources: readonly unknown[]): JsonObject {
  return { ...searchset(resources), total: resources.length };
}

function orderSign(pgx: readonly JsonObject[], drug: string): JsonObject {
  return {
    hookInstance: randomUUID(),
    hook: 'order-sign',
    context: {
      userId: 'Practitioner/COREPRACTITIONER1',
      patientId: PATIENT_ID,
      draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: draftOrder(drug) }] },
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

function drafts(card: Card | undefined): string[] {
  return (card?.suggestions ?? []).flatMap((s) =>
    (s.actions ?? []).map(
      (a) => ('resource' in a ? (a.resource as { resourceType?: string }).resourceType : '') ?? '',
    ),
  );
}

describe('a preliminary or registered genotype', () => {
  it('preliminary: the card says the result is preliminary, dated, and offers no new test', async () => {
    const [card, ...more] = await cards(
      'pgx-order-sign',
      orderSign(shape('preliminary-cyp2c19'), 'clopidogrel'),
    );
    expect(more).toEqual([]);
    expect(card?.summary).toMatch(
      /^Await final CYP2C19 result before clopidogrel: CYP2C19 result preliminary \(28 Nov 2026\)/,
    );
    expect(card?.summary).not.toMatch(/no result on file|Order CYP2C19/i);
    const detail = rendered(card?.detail);
    expect(detail).toContain('CYP2C19 result preliminary (28 Nov 2026): wait for the final result');
    expect(detail).not.toMatch(/No CYP2C19 .*result on file/);
    expect(detail).not.toContain('2026-11-28');
    // No draft ServiceRequest for a test already done: the result is on its way.
    expect(drafts(card)).not.toContain('ServiceRequest');
    // Not used for advice: no CPIC row for *2/*2 is quoted.
    const poor = cpicRow('clopidogrel', { CYP2C19: 'Poor Metabolizer' }, 'CVI ACS PCI').row;
    expect(detail).not.toContain(poor.recommendation);
  });

  it('preliminary CYP2C9 + siponimod (FDA label requires the test): the same, no "no result on file"', async () => {
    const siponimod: JsonObject = {
      resourceType: 'MedicationRequest',
      id: 'draft-siponimod',
      status: 'draft',
      intent: 'order',
      subject: { reference: `Patient/${PATIENT_ID}` },
      medicationCodeableConcept: {
        coding: [{ system: RXNORM, code: '2121085', display: 'siponimod' }],
        text: 'siponimod',
      },
    };
    const body = orderSign(shape('preliminary-cyp2c9'), 'clopidogrel');
    const context = body.context as JsonObject;
    const [card, ...more] = await cards('pgx-order-sign', {
      ...body,
      context: {
        ...context,
        draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: siponimod }] },
      },
    });
    expect(more).toEqual([]);
    expect(card?.summary).toMatch(
      /^Await final CYP2C9 result before siponimod: CYP2C9 result preliminary \(28 Nov 2026\)/,
    );
    expect(rendered(card?.detail)).not.toMatch(/No CYP2C9 result on file/);
    expect(drafts(card)).not.toContain('ServiceRequest');
  });

  it('registered: the card says the test is registered with no result yet', async () => {
    const [card] = await cards('pgx-order-sign', orderSign(shape('registered-cyp2c19'), 'clopidogrel'));
    expect(card?.summary).toMatch(
      /^Await final CYP2C19 result before clopidogrel: CYP2C19 test registered \(30 Nov 2026\), no result yet/,
    );
    expect(drafts(card)).not.toContain('ServiceRequest');
  });
});

describe('a lab phenotype that differs from CPIC’s translation of the genotype', () => {
  const sentence = `The laboratory reported Poor Metabolizer; CPIC's tables translate CYP2C19 *1/*2 as ${cpicCall('CYP2C19', '*1/*2').phenotype}, and the advice follows CPIC.`;

  it('the order card says so in one sentence, at the severity of CPIC’s own row (not the lab’s)', async () => {
    const [card] = await cards('pgx-order-sign', orderSign(shape('lab-phenotype-differs'), 'clopidogrel'));
    const detail = rendered(card?.detail);
    expect(detail).toContain(sentence);
    expect(detail.split(sentence)).toHaveLength(2);
    // The advice is CPIC's intermediate metabolizer row (the lead ACS/PCI row), not the poor metabolizer one.
    const intermediate = cpicRow('clopidogrel', { CYP2C19: 'Intermediate Metabolizer' }, 'CVI ACS PCI').row;
    expect(detail).toContain(intermediate.recommendation);
    expect(card?.summary).toContain('Intermediate Metabolizer');
  });

  it('the full explanation behind the card says it in the same sentence', async () => {
    const [card] = await cards('pgx-order-sign', orderSign(shape('lab-phenotype-differs'), 'clopidogrel'));
    const link = new URL(card?.links?.find((l) => l.label === 'Full explanation')?.url ?? '');
    const page = await request(t.app)
      .get(`/api/links${link.pathname}`)
      .set('Authorization', `Bearer ${link.searchParams.get('t') ?? ''}`);
    expect(page.status).toBe(200);
    const [decision] = (page.body as ExplanationView).decisions;
    expect(decision?.genes.map((g) => g.reinterpretation)).toEqual([sentence]);
  });

  it('the patient summary says it the same way (genotype *1/*1, lab "Poor metabolizer")', async () => {
    const found = await cards('pgx-patient-view', patientView(shape('lab-phenotype-differs-normal')));
    const text = found.map((c) => rendered(c.detail)).join('\n');
    expect(text).toContain(
      `The laboratory reported Poor Metabolizer; CPIC's tables translate CYP2C19 *1/*1 as ${cpicCall('CYP2C19', '*1/*1').phenotype}, and the advice follows CPIC.`,
    );
  });
});

describe('a CYP2D6 activity score without a genotype', () => {
  const avoid = cpicRow('codeine', { CYP2D6: '0.0' }).row;

  it.each(['cyp2d6-score-text', 'cyp2d6-score-quantity'])(
    '%s + codeine: CPIC’s row for activity score 0.0, the card saying the result was a score alone',
    async (name) => {
      expect(avoid.strength).toBe('Strong');
      const [card, ...more] = await cards('pgx-order-sign', orderSign(shape(name), 'codeine'));
      expect(more).toEqual([]);
      expect(card?.summary).toMatch(/^Avoid codeine/);
      expect(card?.indicator).toBe('critical');
      const detail = rendered(card?.detail);
      expect(detail).toContain(avoid.recommendation.split('\n')[0] ?? '');
      expect(detail).toContain('from a laboratory activity score without a genotype');
      expect(detail).not.toMatch(/Order CYP2D6|no result on file/i);
    },
  );
});

describe('a therapeutic implication without a gene component', () => {
  it('derived from a genotype in the same prefetch: read as that gene’s lab phenotype', async () => {
    const [card] = await cards(
      'pgx-order-sign',
      orderSign(shape('implication-derived-from-genotype'), 'clopidogrel'),
    );
    expect(rendered(card?.detail)).toContain(
      `The laboratory reported Poor Metabolizer; CPIC's tables translate CYP2C19 *1/*2 as ${cpicCall('CYP2C19', '*1/*2').phenotype}`,
    );
  });

  it('naming no gene at all: the card does not say there is no result on file', async () => {
    const [card] = await cards('pgx-order-sign', orderSign(shape('implication-without-gene'), 'clopidogrel'));
    expect(card?.summary).not.toMatch(/no result on file/i);
    expect(card?.summary).toContain('a result on file names no gene');
    expect(rendered(card?.detail)).toContain(
      'Check the pharmacogenomic result on file that names no gene (a phenotype of 1 Mar 2024) before ordering a test',
    );
  });
});

describe('genotypes of different dates', () => {
  it('2015 *2/*2 and 2024 *1/*1: a conflict, as loud as the gravest CPIC row either would bring', async () => {
    const [card, ...more] = await cards(
      'pgx-order-sign',
      orderSign(shape('across-dates-conflict'), 'clopidogrel'),
    );
    expect(more).toEqual([]);
    expect(card?.summary).toMatch(/^Confirm CYP2C19 result before clopidogrel/);
    // *2/*2 alone would bring CPIC's Strong ACS/PCI avoid.
    expect(cpicRow('clopidogrel', { CYP2C19: 'Poor Metabolizer' }, 'CVI ACS PCI').row.strength).toBe(
      'Strong',
    );
    expect(card?.indicator).toBe('critical');
    const detail = rendered(card?.detail);
    expect(detail).toContain('Conflicting CYP2C19 results of different dates');
    expect(detail).toContain('(12 Mar 2015)');
    expect(detail).toContain('(20 Sep 2024)');
  });

  it('the pages behind the card and the patient summary say the results are of different dates', async () => {
    const [card] = await cards('pgx-order-sign', orderSign(shape('across-dates-conflict'), 'clopidogrel'));
    const link = new URL(card?.links?.find((l) => l.label === 'Full explanation')?.url ?? '');
    const page = await request(t.app)
      .get(`/api/links${link.pathname}`)
      .set('Authorization', `Bearer ${link.searchParams.get('t') ?? ''}`);
    const [decision] = (page.body as ExplanationView).decisions;
    const disagreements = decision?.genes.map((g) => g.disagreement ?? '') ?? [];
    expect(disagreements).toHaveLength(2);
    for (const d of disagreements) {
      expect(d).toContain('reported on another date');
      expect(d).not.toContain('without a date');
    }
    const [summary] = await cards('pgx-patient-view', patientView(shape('across-dates-conflict')));
    const detail = rendered(summary?.detail);
    expect(detail).toContain('Confirm CYP2C19 with the laboratory');
    expect(detail).toContain('reported on different dates');
    expect(detail).not.toContain('without a date');
  });

  it('2015 *1/*1 and 2024 *1/*17: the newer, broader panel wins and the older is not mentioned', async () => {
    const [card] = await cards(
      'pgx-order-sign',
      orderSign(shape('across-dates-broader-panel'), 'clopidogrel'),
    );
    const text = `${card?.summary ?? ''}\n${rendered(card?.detail)}`;
    expect(text).not.toMatch(/conflict|Confirm CYP2C19/i);
    expect(text).not.toContain('2015');
  });

  it('HLA-B*57:01 positive in 2016, negative in 2023 + abacavir: a conflict, critical', async () => {
    const [card] = await cards('pgx-order-sign', orderSign(shape('across-dates-hla'), 'abacavir'));
    expect(card?.summary).toMatch(/^Confirm HLA-B result before abacavir/);
    expect(card?.indicator).toBe('critical');
  });
});
