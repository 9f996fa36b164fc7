/**
 * patient-view "Actionable results" (issue 14 item 1): only results whose CPIC EHR priority is abnormal/priority, HLA
 * risk alleles present or possible, results CPIC's rows act on where the data set gives no EHR priority, and results
 * a sensor rule made relevant; a gene the knowledge cannot interpret (CYP4F2) is said once, plainly, never listed.
 * Results are read from real-shaped Observations; expectations come from the CPIC data set (`test/reference`).
 */
import { patientSummaryCard } from '../../../src/cards';
import { KNOWLEDGE_VERSION, readGeneResults } from '../../../src/rules/cpic';
import type { GeneResult } from '../../../src/rules/cpic';
import { isNotablePhenotype } from '../../../src/rules/notable-results';
import { DEFAULT_THRESHOLDS } from '../../../src/rules/thresholds';
import { DEFAULT_ENGINE, decideOrder, drugOrder, noSensorFacts, snapshotOf } from '../../helpers/decisions';
import { readFixture } from '../../helpers/fixtures';
import { cpicGene, cpicRow, cpicRows } from '../../reference';

const panel = readGeneResults(readFixture('pgx', 'patient-view-panel.json') as unknown[]).results;

function gene(symbol: string): GeneResult {
  const found = panel.find((g) => g.gene === symbol);
  if (!found) throw new Error(`no ${symbol} in the panel`);
  return found;
}

function summary(genes: readonly GeneResult[], sensorRelevant: readonly string[] = []) {
  return patientSummaryCard({
    genes,
    decisions: [],
    isActionable: (g, p) => sensorRelevant.includes(g) || isNotablePhenotype(DEFAULT_THRESHOLDS, g, p),
    knowledgeVersion: KNOWLEDGE_VERSION,
    thresholdVersion: DEFAULT_THRESHOLDS.version,
    snapshot: snapshotOf([], noSensorFacts()),
  })?.card;
}

/** The "Actionable results" list items of a card's detail. */
function listed(detail: string | undefined): string[] {
  const section = (detail ?? '').split('**Actionable results:**')[1]?.split('\n\n')[1] ?? '';
  return section.split('\n').filter((line) => line.startsWith('- '));
}

describe('patient-view: actionable results only', () => {
  it('dates the allele functions of the listed results only, in its provenance line', () => {
    const last = (summary(panel)?.detail ?? '').split('\n').at(-1) ?? '';
    // CYP2C19 is listed (Poor Metabolizer, abnormal priority); CYP2C9 (normal) is on file but not listed.
    expect(gene('CYP2C19').alleleFunctions).toBe(cpicGene('CYP2C19').dataVersion);
    expect(last).toMatch(
      /^CPIC data of .*\(.*CYP2C19[^;]* allele functions of \d{1,2} [A-Z][a-z]{2} \d{4}.*\)\.$/,
    );
    expect(last).not.toContain('CYP2C9');
  });

  it('gives no card for normal results and a gene the service cannot interpret', () => {
    // CPIC's EHR priority for CYP2C9 Normal Metabolizer is routine; VKORC1 has none and no rows; CYP4F2 has no alleles.
    expect(cpicGene('CYP2C9').ehrPriority?.[gene('CYP2C9').phenotype]).toBe('Normal/Routine/Low Risk');
    expect(cpicGene('VKORC1').ehrPriority).toBeUndefined();
    expect(Object.keys(cpicGene('CYP4F2').alleles)).toEqual([]);
    expect(summary([gene('CYP4F2'), gene('VKORC1'), gene('CYP2C9')])).toBeUndefined();
  });

  it('lists the abnormal result and says once, plainly, that CYP4F2 is not interpreted', () => {
    const card = summary(panel);
    const items = listed(card?.detail);
    expect(cpicGene('CYP2C19').ehrPriority?.[gene('CYP2C19').phenotype]).toBe('Abnormal/Priority/High Risk');
    expect(items.some((line) => line.includes('CYP2C19 Poor Metabolizer'))).toBe(true);
    for (const quiet of ['CYP4F2', 'VKORC1', 'CYP2C9'])
      expect(items.filter((line) => line.includes(quiet))).toEqual([]);
    expect(card?.summary).not.toMatch(/CYP4F2|VKORC1|CYP2C9/);
    const plain = 'CYP4F2 result on file, not interpreted by this service.';
    expect(card?.detail?.split(plain)).toHaveLength(2);
    expect(card?.detail).not.toContain('Indeterminate');
  });

  it('lists MT-RNR1 increased risk (no EHR priority in the data set; CPIC rows keyed on it say avoid)', () => {
    const mtRnr1 = gene('MT-RNR1');
    const rows = cpicRows('gentamicin', { 'MT-RNR1': mtRnr1.phenotype });
    expect(rows.map(({ row }) => row.recommendation)).toEqual([expect.stringMatching(/^Avoid/)]);
    expect(listed(summary([mtRnr1])?.detail)).toEqual([expect.stringContaining('MT-RNR1 increased risk')]);
  });

  it('lists a normal result a sensor rule made relevant', () => {
    expect(listed(summary([gene('CYP2C9')], ['CYP2C9'])?.detail)).toEqual([
      expect.stringContaining('CYP2C9 Normal Metabolizer'),
    ]);
  });

  it('lists an HLA risk allele the typing leaves possible, as possible', () => {
    const hla = readGeneResults([
      {
        resourceType: 'Observation',
        id: 'hla-amb',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '84413-4', display: 'Genotype display name' }] },
        valueCodeableConcept: {
          coding: [
            {
              system: 'http://glstring.org',
              code: 'hla#3.33.0#HLA-B*57:01:01/HLA-B*57:03:01+HLA-B*07:02:01',
            },
          ],
        },
        component: [
          {
            code: { coding: [{ system: 'http://loinc.org', code: '48018-6' }] },
            valueCodeableConcept: {
              coding: [{ system: 'http://www.genenames.org/geneId', code: 'HGNC:4932', display: 'HLA-B' }],
            },
          },
        ],
      },
    ]).results;
    const card = summary(hla);
    expect(card?.summary).toContain('HLA-B*57:01 possible');
  });
});

describe('patient-view: results that disagree', () => {
  const reading = readGeneResults(readFixture('pgx', 'conflict.json') as unknown[]);

  it('lists the gene whose results disagree, with both results, and asks for the laboratory', () => {
    expect(reading.results).toEqual([]);
    expect(reading.conflicts.map((c) => c.gene)).toEqual(['CYP2C19']);
    const card = patientSummaryCard({
      genes: reading.results,
      conflicts: reading.conflicts,
      decisions: [],
      isActionable: (g, p) => isNotablePhenotype(DEFAULT_THRESHOLDS, g, p),
      knowledgeVersion: KNOWLEDGE_VERSION,
      thresholdVersion: DEFAULT_THRESHOLDS.version,
      snapshot: snapshotOf([], noSensorFacts()),
    })?.card;
    expect(card?.indicator).toBe('info');
    expect(card?.summary).toMatch(/CYP2C19/);
    const detail = (card?.detail ?? '').replace(/\\/g, '');
    // The fixture's two same-day CYP2C19 results (*1/*1 and *2/*2).
    expect(detail).toContain('*1/*1');
    expect(detail).toContain('*2/*2');
    expect(detail).toMatch(/laboratory/);
    expect(detail).toContain('1 Jun 2024');
  });
});

describe('patient-view: a result the service could not read', () => {
  it('is listed apart, whatever its Indeterminate phenotype, and asks for the laboratory', () => {
    // The fixture reports CYP2C19 *1/*999: *999 is no CPIC allele.
    const [result] = readGeneResults(readFixture('pgx', 'unknown-allele.json') as unknown[]).results;
    expect(result?.phenotype).toBe('Indeterminate');
    expect(isNotablePhenotype(DEFAULT_THRESHOLDS, 'CYP2C19', 'Indeterminate')).toBe(false);
    const card = summary(result ? [result] : []);
    expect(card?.summary).toMatch(/CYP2C19/);
    // Not as an actionable result: nothing was read from it.
    expect(listed(card?.detail)).toEqual([]);
    const section =
      (card?.detail ?? '').split('**Results not readable as reported:**')[1]?.split('\n\n')[1] ?? '';
    const [item] = section.split('\n').filter((line) => line.startsWith('- '));
    expect(item?.replace(/\\/g, '')).toContain('*1/*999');
    expect(item).toMatch(/laboratory/);
  });
});

describe('patient-view: active medications with a PGx issue', () => {
  it('says each as an order card would, the action first, with CPIC’s strength and words', async () => {
    const cyp2c19 = gene('CYP2C19');
    const [decision] = await decideOrder(
      drugOrder('clopidogrel'),
      [cyp2c19],
      { birthDate: '1970-01-01', now: new Date('2026-05-01') },
      DEFAULT_ENGINE,
      noSensorFacts(),
    );
    // The order does not say the indication: the most protective row leads (acute coronary syndrome or PCI).
    const { row } = cpicRow('clopidogrel', { CYP2C19: cyp2c19.phenotype }, 'CVI ACS PCI');
    const card = patientSummaryCard({
      genes: [cyp2c19],
      decisions: [decision!],
      isActionable: (g, p) => isNotablePhenotype(DEFAULT_THRESHOLDS, g, p),
      knowledgeVersion: KNOWLEDGE_VERSION,
      thresholdVersion: DEFAULT_THRESHOLDS.version,
      snapshot: snapshotOf([decision!], noSensorFacts()),
    })?.card;
    const section = card?.detail?.split('**Active medications with PGx issues:**')[1]?.split('\n\n')[1];
    // The detail escapes Markdown, so the quotation is compared without its backslashes.
    expect(section?.replace(/\\(?=[^\w\s])/g, '')).toBe(
      `- Avoid clopidogrel (CPIC ${row.strength ?? ''}): "${row.recommendation}"`,
    );
    expect(card?.detail).not.toMatch(/\((?:avoid|adjust-dose|monitor), (?:critical|warning|info)\)/);
  });
});
