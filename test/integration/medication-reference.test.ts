/**
 * A draft order that names its drug only through `medicationReference` to a Medication on the EHR's server: the
 * Medication is read from the FHIR server within the call's deadline, and the order is advised on like any other.
 */
import request from 'supertest';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { cdsFixture, sandboxRequest } from '../helpers/cds';
import type { JsonObject } from '../helpers/cds';
import { searchset, startMockFhirServer } from '../helpers/mock-fhir';
import type { MockFhirServer } from '../helpers/mock-fhir';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

function orderReferencing(medicationId: string): JsonObject {
  const base = cdsFixture('sandbox-order-sign-clopidogrel.json');
  const context = base.context as { draftOrders: { entry: { resource: JsonObject }[] } };
  const draft = { ...context.draftOrders.entry[0]!.resource };
  delete draft.medicationCodeableConcept;
  draft.medicationReference = { reference: `Medication/${medicationId}` };
  return {
    ...(base.context as JsonObject),
    draftOrders: { resourceType: 'Bundle', entry: [{ resource: draft }] },
  };
}

describe('medicationReference resolved through the FHIR server', () => {
  let t: TestApp;
  let fhir: MockFhirServer;
  beforeAll(async () => {
    t = await startTestApp();
    fhir = await startMockFhirServer();
    // clopidogrel 75 MG Oral Tablet (knowledge/rxnorm cpic-drug-products.json 309362)
    fhir.on('Medication/med-clopidogrel', {
      body: {
        resourceType: 'Medication',
        id: 'med-clopidogrel',
        code: { coding: [{ system: RXNORM, code: '309362', display: 'clopidogrel 75 MG Oral Tablet' }] },
      },
    });
    fhir.on('Medication/med-other', {
      body: { resourceType: 'Medication', id: 'med-other', code: { text: 'amlodipine 5 MG Oral Tablet' } },
    });
    fhir.on(/^Observation|^Consent|^MedicationRequest/, { body: searchset([]) });
  });
  afterAll(async () => {
    await t.close();
    await fhir.close();
  });

  it('reads the referenced Medication and advises on the CPIC drug it names', async () => {
    const body = sandboxRequest('sandbox-order-sign-clopidogrel.json', fhir.baseUrl, {
      context: orderReferencing('med-clopidogrel'),
    });
    const res = await request(t.app).post('/cds-services/pgx-order-sign').send(body).expect(200);
    const cards = (res.body as { cards: { summary: string; indicator: string }[] }).cards;
    expect(fhir.requests.map((r) => r.url)).toContain('/fhir/Medication/med-clopidogrel');
    expect(cards).toHaveLength(1);
    expect(cards[0]!.summary).toMatch(/clopidogrel/i);
    expect(cards[0]!.summary).toMatch(/CYP2C19/);
  });

  it('says the check is incomplete when the referenced Medication is not returned, not an empty answer', async () => {
    const body = sandboxRequest('sandbox-order-sign-clopidogrel.json', fhir.baseUrl, {
      context: orderReferencing('med-deleted'),
    });
    const res = await request(t.app).post('/cds-services/pgx-order-sign').send(body).expect(200);
    const cards = (res.body as { cards: { summary: string; detail: string; indicator: string }[] }).cards;
    expect(cards).toHaveLength(1);
    expect(cards[0]!.summary).toBe(
      'Pharmacogenomic check incomplete: the medicine ordered could not be identified',
    );
    expect(cards[0]!.indicator).toBe('warning');
    expect(cards[0]!.detail).toMatch(
      /^\*\*Review the patient's pharmacogenomic results before prescribing this order/,
    );
    // A missing Medication stays missing: no "sign again" advice.
    expect(cards[0]!.detail).not.toMatch(/again in a minute/);
  });

  it('beside a readable CPIC order: its advice and the incomplete check, on order-select too', async () => {
    const context = orderReferencing('med-deleted');
    const { entry } = context.draftOrders as { entry: { resource: JsonObject }[] };
    const clopidogrel = (cdsFixture('sandbox-order-sign-clopidogrel.json').context as JsonObject)
      .draftOrders as { entry: { resource: JsonObject }[] };
    const both = {
      ...context,
      draftOrders: {
        resourceType: 'Bundle',
        entry: [
          { resource: { ...entry[0]!.resource, id: 'unread' } },
          { resource: clopidogrel.entry[0]!.resource },
        ],
      },
    };
    const sign = await request(t.app)
      .post('/cds-services/pgx-order-sign')
      .send(sandboxRequest('sandbox-order-sign-clopidogrel.json', fhir.baseUrl, { context: both }))
      .expect(200);
    const summaries = (sign.body as { cards: { summary: string }[] }).cards.map((c) => c.summary);
    expect(summaries).toHaveLength(2);
    expect(summaries[0]).toMatch(/clopidogrel/i);
    expect(summaries[1]).toMatch(/medicine ordered could not be identified/);

    const select = await request(t.app)
      .post('/cds-services/pgx-order-select')
      .send({
        ...sandboxRequest('sandbox-order-sign-clopidogrel.json', fhir.baseUrl, {
          context: { ...both, selections: ['MedicationRequest/unread'] },
        }),
        hook: 'order-select',
      })
      .expect(200);
    expect((select.body as { cards: { summary: string }[] }).cards.map((c) => c.summary)).toEqual([
      'Pharmacogenomic check incomplete: the medicine ordered could not be identified',
    ]);
  });

  it('says the check is incomplete for a urn:uuid reference the bundle does not hold, and reads one it holds', async () => {
    const base = orderReferencing('unused');
    const { entry } = base.draftOrders as { entry: { resource: JsonObject }[] };
    const withReference = (entries: JsonObject[]) => ({
      ...base,
      draftOrders: {
        resourceType: 'Bundle',
        entry: [
          ...entries,
          { resource: { ...entry[0]!.resource, medicationReference: { reference: 'urn:uuid:6f0c' } } },
        ],
      },
    });
    const sign = (context: JsonObject) =>
      request(t.app)
        .post('/cds-services/pgx-order-sign')
        .send(sandboxRequest('sandbox-order-sign-clopidogrel.json', fhir.baseUrl, { context }))
        .expect(200);
    const dangling = await sign(withReference([]));
    expect((dangling.body as { cards: { summary: string }[] }).cards.map((c) => c.summary)).toEqual([
      'Pharmacogenomic check incomplete: the medicine ordered could not be identified',
    ]);
    const held = await sign(
      withReference([
        {
          fullUrl: 'urn:uuid:6f0c',
          resource: {
            resourceType: 'Medication',
            code: { coding: [{ system: RXNORM, code: '309362', display: 'clopidogrel 75 MG Oral Tablet' }] },
          },
        },
      ]),
    );
    const summaries = (held.body as { cards: { summary: string }[] }).cards.map((c) => c.summary);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatch(/clopidogrel/i);
  });

  it('says nothing when the referenced Medication is not a CPIC drug', async () => {
    const body = sandboxRequest('sandbox-order-sign-clopidogrel.json', fhir.baseUrl, {
      context: orderReferencing('med-other'),
    });
    const res = await request(t.app).post('/cds-services/pgx-order-sign').send(body).expect(200);
    expect(res.body).toEqual({ cards: [] });
  });
});
