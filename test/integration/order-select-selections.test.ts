/**
 * order-select advises on the orders `selections` names and on no other (the spec: `Type/id` strings naming entries of
 * `draftOrders`). Clients send other forms: a bare id, an absolute reference, an entry's `fullUrl`. Selections that
 * name none of the orders must not silence the check: the orders are advised on as at order-sign.
 */
import request from 'supertest';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { cdsFixture, sandboxRequest } from '../helpers/cds';
import type { JsonObject } from '../helpers/cds';

const FIXTURE = 'sandbox-order-select-clopidogrel.json';

/** The sandbox's clopidogrel order (CYP2C19 *2/*2 prefetched) beside an escitalopram order named in text only. */
function twoOrders(selections: readonly string[]): JsonObject {
  const base = cdsFixture(FIXTURE);
  const context = base.context as { draftOrders: { entry: { resource: JsonObject }[] } };
  const clopidogrel = context.draftOrders.entry[0]!.resource;
  const escitalopram = {
    ...clopidogrel,
    id: 'escitalopram-draft',
    medicationCodeableConcept: { text: 'escitalopram 10 MG Oral Tablet' },
  };
  return sandboxRequest(FIXTURE, undefined, {
    context: {
      ...(base.context as JsonObject),
      selections: [...selections],
      draftOrders: {
        resourceType: 'Bundle',
        entry: [
          { fullUrl: 'https://ehr.example.org/fhir/MedicationRequest/request-123', resource: clopidogrel },
          { fullUrl: 'urn:uuid:9d1c5a62-4f0e-4b8e-a2f1-6c3d7e8f9a01', resource: escitalopram },
        ],
      },
    },
  });
}

describe('order-select selections', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function drugsAdvised(selections: readonly string[]): Promise<string[]> {
    const res = await request(t.app)
      .post('/cds-services/pgx-order-select')
      .send(twoOrders(selections))
      .expect(200);
    const cards = (res.body as { cards: { summary: string }[] }).cards;
    return ['clopidogrel', 'escitalopram'].filter((drug) =>
      cards.some((c) => c.summary.toLowerCase().includes(drug)),
    );
  }

  it.each([
    ['the spec’s Type/id', ['MedicationRequest/request-123'], ['clopidogrel']],
    ['a bare id', ['escitalopram-draft'], ['escitalopram']],
    [
      'an absolute reference',
      ['https://ehr.example.org/fhir/MedicationRequest/request-123'],
      ['clopidogrel'],
    ],
    ['an entry’s fullUrl', ['urn:uuid:9d1c5a62-4f0e-4b8e-a2f1-6c3d7e8f9a01'], ['escitalopram']],
    [
      'the Type/id of each order',
      ['MedicationRequest/request-123', 'MedicationRequest/escitalopram-draft'],
      ['clopidogrel', 'escitalopram'],
    ],
  ])('advises only on the orders selected by %s', async (_form, selections, advised) => {
    expect(await drugsAdvised(selections)).toEqual(advised);
  });

  it('advises on every order when the selections name none of them, rather than answering with silence', async () => {
    expect(await drugsAdvised(['MedicationRequest/not-in-the-bundle'])).toEqual([
      'clopidogrel',
      'escitalopram',
    ]);
  });
});
