import { callPhenotype, ehrPriorityOf, readGeneResults } from '../../../../src/rules/cpic';
import { cpicDrugsForRxcui, drugKnowledge, geneKnowledge } from '../../../../src/rules/cpic/knowledge';
import { legacyProteinName } from '../../../../src/rules/cpic/cftr';

/** Strings that name Object.prototype members: a plain index into a lookup table would find something. */
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

describe('CPIC lookups keyed by patient data or orders', () => {
  it.each(PROTOTYPE_NAMES)('find nothing for %s', (name) => {
    expect(geneKnowledge(name)).toBeUndefined();
    expect(drugKnowledge(name)).toBeUndefined();
    expect(cpicDrugsForRxcui(name)).toEqual([]);
    expect(ehrPriorityOf('CYP2C19', name)).toBeUndefined();
    expect(callPhenotype(name, ['*1/*1']).phenotype).toBe('Indeterminate');
    expect(callPhenotype('CYP2D6', [`${name}/${name}`]).phenotype).toBe('Indeterminate');
    expect(callPhenotype('G6PD', [name, name], { sex: 'female' }).phenotype).toBe('Indeterminate');
    expect(legacyProteinName(`p.(${name.slice(0, 3)}551Asp)`)).toEqual(expect.any(String));
  });

  it.each(PROTOTYPE_NAMES)(
    'a phenotype Observation whose answer code is %s is not read as a phenotype',
    (name) => {
      const observation = {
        resourceType: 'Observation',
        id: 'ph',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '53040-2' }] },
        component: [
          {
            code: { coding: [{ system: 'http://loinc.org', code: '48018-6' }] },
            valueCodeableConcept: {
              coding: [{ system: 'http://www.genenames.org/geneId', code: 'HGNC:2625' }],
            },
          },
        ],
        valueCodeableConcept: { coding: [{ system: 'http://loinc.org', code: name }] },
      };
      const { results } = readGeneResults([observation]);
      expect(results.map((r) => r.phenotype)).not.toContain(expect.stringMatching(/function/));
    },
  );
});
