/**
 * Warfarin reads CYP4F2 where CPIC's Figure 2 uses it (issue 9 item 7): the box "Carriers of the CYP4F2 rs2108622 T
 * allele: Increase dose by 5-10%" applies to a result that carries rs2108622 T, read as reported (an rs2108622
 * genotype, or star alleles per PharmCAT's CYP4F2 definition, knowledge/cpic/supplements/cyp4f2-rs2108622.json).
 * The boxes expected come from the CPIC data (the warfarin decision graph), the allele table from the supplement.
 */
import { readFileSync } from 'node:fs';
import { findingsForOrder, readGeneResults, rowOf } from '../../../../src/rules/cpic';
import type { DrugOrder, Finding, GeneResult } from '../../../../src/rules/cpic';
import { readRs2108622 } from '../../../../src/rules/cpic/cyp4f2';
import { decisionCard } from '../../../../src/cards';
import { expectClinicianReadable } from '../../../helpers/card-text';
import { decideFinding, noSensorFacts, shown, snapshotOf } from '../../../helpers/decisions';
import { cpicCall, cpicDrug, knowledgePath } from '../../../reference';

const nodes = cpicDrug('warfarin').decisionGraph?.nodes ?? {};
const supplement = JSON.parse(
  readFileSync(knowledgePath('cpic', 'supplements', 'cyp4f2-rs2108622.json'), 'utf8'),
) as { variant: { ref: string; alts: string[] }; namedAlleles: Record<string, { rs2108622: string | null }> };

const WARFARIN: DrugOrder = {
  orderRef: 'MedicationRequest/warfarin',
  orderIndex: 0,
  ingredients: [{ name: 'warfarin' }],
  resolvedBy: 'text',
};

/** A CYP2C9 or VKORC1 result as CPIC calls the diplotype. */
function called(gene: string, diplotype: string): GeneResult {
  const call = cpicCall(gene, diplotype);
  return {
    gene,
    diplotype,
    alleles: diplotype.split('/'),
    phenotype: call.phenotype,
    lookupKey: call.lookupKey,
    sources: [],
    reinterpreted: false,
    notes: [],
  };
}

/** A CYP4F2 genotype Observation as a lab sends it (Genomics Reporting IG shape). */
function cyp4f2(value: Record<string, unknown>): GeneResult {
  const observation = {
    resourceType: 'Observation',
    id: 'gt-cyp4f2',
    status: 'final',
    effectiveDateTime: '2025-03-01',
    code: { coding: [{ system: 'http://loinc.org', code: '84413-4', display: 'Genotype display name' }] },
    component: [
      {
        code: { coding: [{ system: 'http://loinc.org', code: '48018-6', display: 'Gene studied [ID]' }] },
        valueCodeableConcept: {
          coding: [{ system: 'http://www.genenames.org/geneId', code: 'HGNC:13249', display: 'CYP4F2' }],
        },
      },
    ],
    ...value,
  };
  const [result] = readGeneResults([observation]).results;
  if (!result) throw new Error('CYP4F2 not read');
  return result;
}

const VKORC1 = called('VKORC1', 'rs9923231 reference (C)/rs9923231 reference (C)');

function warfarinBoxes(genes: readonly GeneResult[]): { finding: Finding | undefined; boxes: string[] } {
  const [finding] = findingsForOrder(WARFARIN, genes);
  return { finding, boxes: (finding && rowOf(finding)?.recommendation.split('\n\n')) ?? [] };
}

describe('CYP4F2 rs2108622 as reported', () => {
  it('star alleles carry T exactly as the PharmCAT definition transcribed in the supplement says', () => {
    for (const [allele, { rs2108622 }] of Object.entries(supplement.namedAlleles)) {
      const carries = rs2108622 !== null && supplement.variant.alts.includes(rs2108622);
      const reading = readRs2108622(cyp4f2({ valueCodeableConcept: { text: `${allele}/${allele}` } }));
      expect([allele, reading?.tCopies]).toEqual([allele, carries ? 2 : 0]);
    }
  });

  it.each([
    [
      {
        valueCodeableConcept: {
          coding: [{ system: 'https://www.pharmvar.org', code: 'CYP4F2*1/*3' }],
          text: '*1/*3',
        },
      },
      1,
    ],
    [{ valueString: 'rs2108622 C/T' }, 1],
    [{ valueString: 'rs2108622 TT' }, 2],
    [{ valueString: 'rs2108622 C/C' }, 0],
    [{ valueCodeableConcept: { text: '*3/*4' } }, 2],
  ])('%j: %i copies of T', (value, copies) => {
    expect(readRs2108622(cyp4f2(value))?.tCopies).toBe(copies);
  });

  it('an allele the definition does not name, or a bare genotype without the rs id, is not read', () => {
    expect(readRs2108622(cyp4f2({ valueCodeableConcept: { text: '*1/*99' } }))).toBeUndefined();
    expect(readRs2108622(cyp4f2({ valueString: 'CT' }))).toBeUndefined();
  });
});

describe('warfarin Figure 2 with CYP4F2', () => {
  it('a *3 carrier (CYP2C9 *1/*3): boxes n1, n2 and the CYP4F2 box n7, verbatim; CYP4F2 listed as read', async () => {
    const { finding, boxes } = warfarinBoxes([
      called('CYP2C9', '*1/*3'),
      VKORC1,
      cyp4f2({ valueCodeableConcept: { text: '*1/*3' } }),
    ]);
    expect(boxes).toEqual([nodes.n1, nodes.n2, nodes.n7]);
    expect(finding?.genes.find((g) => g.gene === 'CYP4F2')?.phenotype).toBe('rs2108622 T carrier');
    // The card a clinician reads: finished text, the CYP4F2 result under "Results used" by what was read.
    const decision = shown(await decideFinding(finding!));
    const { card } = decisionCard(decision, {
      patientId: 'p1',
      newUuid: () => 'card-1',
      snapshot: snapshotOf([decision], noSensorFacts()),
    });
    expectClinicianReadable(card);
    expect(card.detail).toContain(
      'CYP4F2 \\*1/\\*3 → rs2108622 T carrier; from a genotype in free text (1 Mar 2025)',
    );
  });

  it('CYP4F2 *1/*1: no CYP4F2 box, and the result is not listed as used', () => {
    const { finding, boxes } = warfarinBoxes([
      called('CYP2C9', '*1/*3'),
      VKORC1,
      cyp4f2({ valueCodeableConcept: { text: '*1/*1' } }),
    ]);
    expect(boxes).toEqual([nodes.n1, nodes.n2]);
    expect(finding?.genes.map((g) => g.gene)).not.toContain('CYP4F2');
  });

  it('with a CYP2C9 *8 carrier: n6 then n7 (the figure path), and no one-click dose share', () => {
    const { finding, boxes } = warfarinBoxes([
      called('CYP2C9', '*1/*8'),
      VKORC1,
      cyp4f2({ valueString: 'rs2108622 C/T' }),
    ]);
    expect(boxes).toEqual([nodes.n1, nodes.n2, nodes.n6, nodes.n7]);
    expect(finding && 'doseChange' in finding ? finding.doseChange : undefined).toBeUndefined();
  });

  it('no CYP4F2 result: as before (n1, n2)', () => {
    expect(warfarinBoxes([called('CYP2C9', '*1/*3'), VKORC1]).boxes).toEqual([nodes.n1, nodes.n2]);
  });
});
