import {
  isCpicDrug,
  ordersWithUnreadMedicine,
  resolveDrugOrders,
  resolveMedicationRequest,
} from '../../../../src/rules/cpic';
import { readFixture } from '../../../helpers/fixtures';
import { rxnormProducts } from '../../../reference';
import type { RxnormConcept } from '../../../reference';

const rxnorm = rxnormProducts();
const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';

function coded(code: string): unknown {
  return {
    resourceType: 'MedicationRequest',
    id: code,
    medicationCodeableConcept: { coding: [{ system: RX, code }] },
  };
}

describe('RxNorm codes', () => {
  const concepts = Object.values(rxnorm.concepts);

  it.each(['IN', 'PIN', 'MIN', 'BN', 'SCD', 'SBD', 'GPCK', 'BPCK', 'SCDC', 'SBDC'])(
    'every %s concept of the RxNorm extract (knowledge/rxnorm) resolves to its CPIC drug(s)',
    (tty) => {
      const ofType = concepts.filter((c) => c.tty === tty);
      expect(ofType.length).toBeGreaterThan(0);
      for (const concept of ofType) {
        const order = resolveMedicationRequest(coded(concept.rxcui), 0);
        expect(order?.ingredients.map((i) => i.name).sort()).toEqual([...concept.cpicDrugs].sort());
        expect(order?.resolvedBy).toBe('rxnorm-code');
      }
    },
  );

  it('gives each CPIC ingredient of a combination product', () => {
    const combination = concepts.find((c) => c.tty === 'SCD' && c.cpicDrugs.length > 1) as RxnormConcept;
    expect(resolveMedicationRequest(coded(combination.rxcui), 0)?.ingredients).toHaveLength(
      combination.cpicDrugs.length,
    );
  });
});

describe('text fallback', () => {
  it('resolves single-ingredient brand names written as text', () => {
    for (const [drug, summary] of Object.entries(rxnorm.drugs)) {
      for (const brand of summary.brandNames.filter((b) => b.singleIngredient)) {
        const order = resolveMedicationRequest(
          {
            resourceType: 'MedicationRequest',
            medicationCodeableConcept: { text: `${brand.name} 10 mg tablet` },
          },
          0,
        );
        expect(order?.ingredients.map((i) => i.name)).toContain(drug);
      }
    }
  });

  it('matches whole words only (citalopram is not escitalopram)', () => {
    const order = resolveMedicationRequest(
      {
        resourceType: 'MedicationRequest',
        medicationCodeableConcept: { text: 'Escitalopram 10 MG Oral Tablet' },
      },
      0,
    );
    expect(order?.ingredients.map((i) => i.name)).toEqual(['escitalopram']);
  });

  // EHR order displays join a combination's ingredients with a hyphen; each is an ingredient ordered.
  it.each([
    ['acetaminophen-codeine (TYLENOL #3) 300-30 mg per tablet', 'codeine'],
    ['HYDROcodone-acetaminophen (NORCO) 5-325 mg per tablet', 'hydrocodone'],
    ['traMADol-acetaminophen (ULTRACET) 37.5-325 mg per tablet', 'tramadol'],
    ['abacavir-lamivudine (EPZICOM) 600-300 mg per tablet', 'abacavir'],
  ])('finds the CPIC ingredient of a hyphenated combination: %s', (text, drug) => {
    const order = resolveMedicationRequest(
      { resourceType: 'MedicationRequest', medicationCodeableConcept: { text } },
      0,
    );
    expect(order?.ingredients.map((i) => i.name)).toEqual([drug]);
  });
});

describe('resolveDrugOrders', () => {
  it('resolves R4 orders by code, contained and prefetched Medication; skips non-CPIC drugs', () => {
    const medications = [
      { resourceType: 'Medication', id: 'm-1', code: { coding: [{ system: RX, code: '2670' }] } },
    ];
    const orders = resolveDrugOrders(readFixture('pgx', 'draft-orders-r4.json'), { medications });
    expect(orders.map((o) => [o.orderRef, o.ingredients.map((i) => i.name), o.resolvedBy])).toEqual([
      ['MedicationRequest/rx-1', ['clopidogrel'], 'rxnorm-code'],
      ['MedicationRequest/rx-2', ['simvastatin'], 'medication-reference'],
      ['MedicationRequest/rx-3', ['codeine'], 'medication-reference'],
    ]);
    expect(orders[0]?.dose).toEqual({
      value: 75,
      unit: 'mg',
      code: 'mg',
      system: 'http://unitsofmeasure.org',
    });
    expect(orders[0]?.ingredients[0]?.rxcui).toBe(rxnorm.concepts['32968']?.rxcui);
  });

  it('tolerates sandbox defects: DSTU2 MedicationOrder, no intent, category as an object, repeated ids', () => {
    const orders = resolveDrugOrders(readFixture('pgx', 'draft-orders-sandbox.json'));
    expect(orders.map((o) => [o.orderIndex, o.ingredients.map((i) => i.name)])).toEqual([
      [0, ['codeine']],
      [1, ['clopidogrel']],
    ]);
    expect(orders[0]?.dose?.value).toBe(30);
  });

  it('reads a lone Coding where FHIR wants an array, in the order and in its Medication', () => {
    const lone = { system: RX, code: '2670' };
    const orders = resolveDrugOrders(
      [
        { resourceType: 'MedicationRequest', id: 'a', medicationCodeableConcept: { coding: lone } },
        { resourceType: 'MedicationRequest', id: 'b', medicationReference: { reference: 'Medication/m-1' } },
      ],
      { medications: [{ resourceType: 'Medication', id: 'm-1', code: { coding: lone } }] },
    );
    expect(orders.map((o) => [o.orderRef, o.ingredients.map((i) => i.name)])).toEqual([
      ['MedicationRequest/a', ['codeine']],
      ['MedicationRequest/b', ['codeine']],
    ]);
  });

  it('passes over orders that will not be given: cancelled, stopped, completed, entered in error', () => {
    const withStatus = (status: string | undefined) => ({
      ...(coded('2670') as object),
      ...(status === undefined ? {} : { status }),
    });
    const advised = [undefined, 'draft', 'active', 'on-hold', 'unknown', 'cancelled', 'stopped', 'completed']
      .concat('entered-in-error')
      .filter((status) => resolveMedicationRequest(withStatus(status), 0) !== undefined);
    expect(advised).toEqual([undefined, 'draft', 'active', 'on-hold', 'unknown']);
  });

  it('follows a reference to a bundle entry by its fullUrl (urn:uuid)', () => {
    const bundle = {
      resourceType: 'Bundle',
      entry: [
        {
          fullUrl: 'urn:uuid:0e6a3f2c-1b7d-4c55-9f0e-7f3b0d8a2a11',
          resource: { resourceType: 'Medication', code: { coding: [{ system: RX, code: '2670' }] } },
        },
        {
          resource: {
            resourceType: 'MedicationRequest',
            id: 'rx',
            medicationReference: { reference: 'urn:uuid:0e6a3f2c-1b7d-4c55-9f0e-7f3b0d8a2a11' },
          },
        },
      ],
    };
    expect(resolveDrugOrders(bundle).map((o) => o.ingredients.map((i) => i.name))).toEqual([['codeine']]);
    expect(ordersWithUnreadMedicine(bundle)).toEqual([]);
  });

  it('names the orders whose medicine cannot be told, and no others', () => {
    const ref = (reference: string, more: object = {}) => ({
      resourceType: 'MedicationRequest',
      medicationReference: { reference },
      ...more,
    });
    const orders = [
      ref('urn:uuid:5b1c0d7e-0000-4000-8000-000000000000'), // dangling: unread
      ref('#med', { contained: [{ resourceType: 'Medication', id: 'med', code: { text: 'amlodipine' } }] }),
      ref('#gone'), // contained resource missing: unread
      ref('Medication/read', {}), // read from the server (below)
      ref('Medication/missing'), // not returned by the server: unread
      ref('Medication/missing', {
        medicationReference: { reference: 'Medication/missing', display: 'amlodipine' },
      }),
      ref('Medication/missing', { status: 'cancelled' }),
      { resourceType: 'MedicationRequest', status: 'draft' }, // the sandbox's empty initial order
      coded('2670'),
    ];
    const medications = [{ resourceType: 'Medication', id: 'read', code: { text: 'amlodipine' } }];
    expect(ordersWithUnreadMedicine(orders, { medications })).toEqual([0, 2, 4]);
  });

  it('keeps the medicine and the dosage as the order names them, for whoever reviews the order later', () => {
    const sandbox = readFixture('cds', 'sandbox-order-sign-clopidogrel.json') as {
      context: { draftOrders: unknown };
    };
    expect(resolveDrugOrders(sandbox.context.draftOrders).map((o) => [o.product, o.dosage])).toEqual([
      ['clopidogrel 75 MG Oral Tablet', '1 pill, once a day'],
    ]);
    // R4 with the EHR's own dosage text (Epic sends one), a Medication's code, and timings in words.
    const timed = (repeat: object, more: object = {}) => ({
      ...(coded('2670') as object),
      dosageInstruction: [
        {
          timing: { repeat },
          route: { coding: [{ system: 'http://snomed.info/sct', code: '26643006', display: 'Oral route' }] },
          doseAndRate: [{ doseQuantity: { value: 30, unit: 'mg' } }],
          ...more,
        },
      ],
    });
    const orders = resolveDrugOrders([
      {
        resourceType: 'MedicationRequest',
        medicationReference: { reference: '#m' },
        contained: [
          {
            resourceType: 'Medication',
            id: 'm',
            code: { coding: [{ system: RX, code: '2670', display: 'Codeine Phosphate 30 MG Oral Tablet' }] },
          },
        ],
        dosageInstruction: [{ text: '30 mg, Oral,   Every 6 hours PRN, pain' }],
      },
      timed({ frequency: 2, period: 1, periodUnit: 'd' }),
      timed({ frequency: 1, period: 6, periodUnit: 'h' }, { asNeededBoolean: true }),
      timed({ frequency: 3, period: 1, periodUnit: 'wk' }),
      timed({ frequency: 1, period: 1, periodUnit: 'fortnight' }),
      coded('2670'),
    ]);
    expect(orders.map((o) => o.product)).toEqual([
      'Codeine Phosphate 30 MG Oral Tablet',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(orders.map((o) => o.dosage)).toEqual([
      '30 mg, Oral, Every 6 hours PRN, pain',
      '30 mg, Oral route, twice a day',
      '30 mg, Oral route, every 6 hours, as needed',
      '30 mg, Oral route, 3 times a week',
      '30 mg, Oral route',
      undefined,
    ]);
  });

  it('returns nothing for input that is not a bundle of orders', () => {
    expect(resolveDrugOrders(null)).toEqual([]);
    expect(resolveDrugOrders({ resourceType: 'OperationOutcome' })).toEqual([]);
  });
});

describe('isCpicDrug', () => {
  it('knows CPIC drugs and nothing else', () => {
    expect(isCpicDrug('Clopidogrel')).toBe(true);
    expect(isCpicDrug('lisinopril')).toBe(false);
  });
});
