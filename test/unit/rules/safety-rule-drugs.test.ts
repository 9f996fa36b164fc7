/**
 * Orders for the drugs of safety rules (research §2.2 R8: CYP2C9 IM/PM + sulfonylureas, "not a CPIC/DPWG-actionable
 * pair — state as safety rule"). Expected drugs come from the research table; RxNorm codes from the NLM RxNorm
 * 2025-10-06 prescribable extract and `knowledge/cpic/pairs.json`, as cited in `src/rules/safety-rule-rxnorm.ts`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  resolveAdvisableOrders,
  resolveSafetyRuleOrders,
  safetyRuleDrugs,
} from '../../../src/rules/safety-rule-drugs';
import { DEFAULT_THRESHOLDS, parseThresholdSet } from '../../../src/rules/thresholds';
import type { ThresholdSet } from '../../../src/rules/thresholds';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** Research §2.2 R8, "Drug(s)" column: "sulfonylureas: glimepiride, glipizide, glyburide/glibenclamide, gliclazide, tolbutamide". */
const R8_DRUGS = ['glimepiride', 'glipizide', 'glyburide', 'glibenclamide', 'gliclazide', 'tolbutamide'];
/** Research §2.2 R2, "Drug(s)" column: siponimod (not a CPIC guideline drug: no rows in knowledge/cpic). */
const R2_DRUGS = ['siponimod'];

function fixture(dir: string, name: string): Record<string, Record<string, unknown>> {
  const file = path.join(__dirname, '..', '..', 'fixtures', dir, name);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
}
const SAFETY_ORDERS = fixture('safety', 'draft-orders.json');
const HOOK_ORDERS = fixture('hooks', 'draft-orders.json');

function order(concept: unknown, id = 'draft-1'): Record<string, unknown> {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: 'draft',
    intent: 'order',
    medicationCodeableConcept: concept,
  };
}

/** The default thresholds with R8 changed. */
function withR8(change: (rule: ThresholdSet['sensorRules'][number]) => object): ThresholdSet {
  return parseThresholdSet({
    ...DEFAULT_THRESHOLDS,
    version: 'test-r8',
    sensorRules: DEFAULT_THRESHOLDS.sensorRules.map((rule) =>
      rule.id === 'R8-sulfonylurea-cgm' ? change(rule) : rule,
    ),
  });
}

describe('safetyRuleDrugs', () => {
  it('lists the sulfonylureas of research §2.2 R8 and siponimod (R2) for the default thresholds', () => {
    expect([...safetyRuleDrugs(DEFAULT_THRESHOLDS)].sort()).toEqual([...R8_DRUGS, ...R2_DRUGS].sort());
  });

  it('follows the threshold set: a disabled safety rule names no drug', () => {
    expect(safetyRuleDrugs(withR8((rule) => ({ ...rule, enabled: false })))).toEqual(R2_DRUGS);
  });

  it('recognizes siponimod by its CPIC pair RxNorm ingredient code (knowledge/cpic/pairs.json: 2121085)', () => {
    const orders = resolveSafetyRuleOrders(
      [order({ coding: [{ system: RXNORM, code: '2121085' }] })],
      DEFAULT_THRESHOLDS,
    );
    expect(orders.map((o) => o.ingredients)).toEqual([[{ name: 'siponimod', rxcui: '2121085' }]]);
  });
});

describe('resolveSafetyRuleOrders', () => {
  it('recognizes a glipizide product by its RxNorm code alone (SCD 310490, ingredient 4821)', () => {
    const orders = resolveSafetyRuleOrders(
      [order({ coding: [{ system: RXNORM, code: '310490' }] })],
      DEFAULT_THRESHOLDS,
    );
    expect(orders).toEqual([
      expect.objectContaining({
        orderRef: 'MedicationRequest/draft-1',
        orderIndex: 0,
        ingredients: [{ name: 'glipizide', rxcui: '4821' }],
        resolvedBy: 'rxnorm-code',
      }),
    ]);
  });

  it('reads the dose of the draft like a CPIC order does', () => {
    const [glipizide] = resolveSafetyRuleOrders([SAFETY_ORDERS.glipizide], DEFAULT_THRESHOLDS);
    expect(glipizide?.dose).toEqual({
      value: 1,
      unit: 'tablet',
      code: '{tbl}',
      system: 'http://unitsofmeasure.org',
    });
  });

  it('recognizes a glipizide/metformin combination product by its code', () => {
    const [combination] = resolveSafetyRuleOrders(
      [order({ coding: [{ system: RXNORM, code: '861740' }] })],
      DEFAULT_THRESHOLDS,
    );
    expect(combination?.ingredients.map((i) => i.name)).toEqual(['glipizide']);
  });

  it('matches an uncoded order by the whole-word drug name (glibenclamide, the INN of glyburide)', () => {
    const [glibenclamide] = resolveSafetyRuleOrders(
      [SAFETY_ORDERS['glibenclamide (text only)']],
      DEFAULT_THRESHOLDS,
    );
    expect(glibenclamide).toEqual(
      expect.objectContaining({ ingredients: [{ name: 'glibenclamide' }], resolvedBy: 'text' }),
    );
  });

  it('matches a sourced brand name in the coding display (Glucotrol → glipizide)', () => {
    const [brand] = resolveSafetyRuleOrders(
      [order({ coding: [{ system: RXNORM, display: 'Glucotrol XL 10 mg' }] })],
      DEFAULT_THRESHOLDS,
    );
    expect(brand?.ingredients).toEqual([{ name: 'glipizide', rxcui: '4821' }]);
  });

  it('matches whole words only, and nothing that is not a safety-rule drug', () => {
    expect(
      resolveSafetyRuleOrders(
        [
          order({ text: 'glipizidemetformin 5 mg' }, 'a'),
          order({ text: 'metformin hydrochloride 500 MG Oral Tablet' }, 'b'),
          HOOK_ORDERS.clopidogrel,
        ],
        DEFAULT_THRESHOLDS,
      ),
    ).toEqual([]);
  });

  it('follows a Medication reference (contained Medication coded with the glyburide ingredient, 4815)', () => {
    const [glyburide] = resolveSafetyRuleOrders(
      [
        {
          resourceType: 'MedicationRequest',
          id: 'draft-ref',
          status: 'draft',
          intent: 'order',
          contained: [
            { resourceType: 'Medication', id: 'med', code: { coding: [{ system: RXNORM, code: '4815' }] } },
          ],
          medicationReference: { reference: '#med' },
        },
      ],
      DEFAULT_THRESHOLDS,
    );
    expect(glyburide).toEqual(
      expect.objectContaining({
        ingredients: [{ name: 'glyburide', rxcui: '4815' }],
        resolvedBy: 'medication-reference',
      }),
    );
  });

  it('takes its drugs from the threshold set: R8 without glipizide no longer resolves a glipizide order', () => {
    const thresholds = withR8((rule) => ({ ...rule, drugs: ['glimepiride'] }));
    expect(resolveSafetyRuleOrders([SAFETY_ORDERS.glipizide], thresholds)).toEqual([]);
    expect(resolveSafetyRuleOrders([SAFETY_ORDERS.glipizide], DEFAULT_THRESHOLDS)).toHaveLength(1);
  });
});

describe('resolveAdvisableOrders', () => {
  it('keeps CPIC and safety-rule orders in draft order and drops orders for other drugs', () => {
    const famotidine = HOOK_ORDERS.famotidine;
    const orders = resolveAdvisableOrders(
      {
        resourceType: 'Bundle',
        entry: [famotidine, HOOK_ORDERS.clopidogrel, SAFETY_ORDERS.glipizide].map((resource) => ({
          resource,
        })),
      },
      DEFAULT_THRESHOLDS,
    );
    expect(orders.map((o) => [o.orderIndex, o.ingredients.map((i) => i.name)])).toEqual([
      [1, ['clopidogrel']],
      [2, ['glipizide']],
    ]);
  });

  it('gives one order with both ingredients when a Medication holds a CPIC drug and a safety-rule drug', () => {
    const clopidogrelCoding = (HOOK_ORDERS.clopidogrel?.medicationCodeableConcept as { coding: unknown[] })
      .coding;
    const [both] = resolveAdvisableOrders(
      [
        {
          resourceType: 'MedicationRequest',
          id: 'draft-two',
          status: 'draft',
          intent: 'order',
          contained: [
            {
              resourceType: 'Medication',
              id: 'two',
              ingredient: [
                { itemCodeableConcept: { coding: clopidogrelCoding } },
                { itemCodeableConcept: { coding: [{ system: RXNORM, code: '4821' }] } },
              ],
            },
          ],
          medicationReference: { reference: '#two' },
        },
      ],
      DEFAULT_THRESHOLDS,
    );
    expect(both?.orderIndex).toBe(0);
    expect(both?.ingredients.map((i) => i.name)).toEqual(['clopidogrel', 'glipizide']);
  });
});
