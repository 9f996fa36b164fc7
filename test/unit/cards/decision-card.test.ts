/**
 * Decision cards for a panel of real CPIC decisions (findings made by the cpic module, never by hand, decided by the
 * rule engine with the default thresholds). Expected texts come from the CPIC data set (knowledge/cpic, through
 * test/reference); every card must pass the runtime spec schema.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Card, Suggestion } from '../../../src/cds/types';
import {
  decisionCard,
  OVERRIDE_REASON_SYSTEM,
  OVERRIDE_REASONS,
  PRE_TEST_OVERRIDE_REASONS,
} from '../../../src/cards';
import { callPhenotype, readGeneResults, rowOf } from '../../../src/rules/cpic';
import type { GeneResult } from '../../../src/rules/cpic';
import { decisionRuleIds } from '../../../src/rules/types';
import type { Decision, DecisionFacts, ShownDecision } from '../../../src/rules/types';
import { range, restingHeartRate } from '../../fixtures/rules/builders';
import {
  decideOrder,
  DEFAULT_ENGINE,
  drugOrder,
  noSensorFacts,
  shown,
  snapshotOf,
} from '../../helpers/decisions';
import { readFixture } from '../../helpers/fixtures';
import { rendered } from '../../helpers/markdown';
import {
  cpicCall,
  cpicDrug,
  cpicGuideline,
  cpicRow,
  cpicRows,
  guidelineRef,
  guidelineUrl,
} from '../../reference';
import type { CpicRow } from '../../reference';

const drafts = JSON.parse(
  readFileSync(join(__dirname, '../../fixtures/cards/draft-orders.json'), 'utf8'),
) as Record<string, Record<string, unknown>>;

/** The CPIC row a decision rests on, looked up in the CPIC data set by its ClinPGx annotation id. */
function dataRow(decision: Decision): CpicRow {
  const { drug } = decision.finding;
  const rowId = rowOf(decision.finding)?.rowId;
  const found = cpicRows(drug).find(({ row }) => row.id !== null && row.id === rowId);
  if (!found) throw new Error(`no CPIC row for ${drug}`);
  return found.row;
}

const PATIENT = 'smart-1288992';

/** Jest's asymmetric matchers are typed `any`; these keep the assertions typed. */
const anyString: unknown = expect.any(String);
const containing = (text: string): unknown => expect.stringContaining(text);

function geneResult(gene: string, diplotype: string): GeneResult {
  return { ...callPhenotype(gene, [diplotype]), sources: [`Observation/pgx-${gene}`], reinterpreted: false };
}

/** The decision for the first finding of a `drug` order, under the default thresholds (fails unless it is shown). */
async function decide(
  drug: string,
  genes: readonly GeneResult[],
  facts: DecisionFacts = FACTS,
): Promise<ShownDecision> {
  const [decision] = await decideOrder(
    drugOrder(drug),
    genes,
    { birthDate: '1970-01-01', now: new Date('2026-05-01') },
    DEFAULT_ENGINE,
    facts,
  );
  return shown(decision);
}

/** No wearable data on 2026-05-01. */
const FACTS = noSensorFacts('2026-05-01T00:00:00Z');

let counter = 0;
const newUuid = (): string => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;

function cardFor(decision: ShownDecision, draftOrder?: unknown, facts: DecisionFacts = FACTS): Card {
  const snapshot = snapshotOf([decision], facts);
  const { card, provenance } = decisionCard(decision, {
    patientId: PATIENT,
    newUuid,
    snapshot,
    ...(draftOrder === undefined ? {} : { draftOrder }),
  });
  expect({ cards: [card] }).toBeSpecValid();
  expect(provenance.uuid).toBe(card.uuid);
  expect(provenance.decision).toBe(snapshot);
  expect(provenance.decision.decisions).toEqual([decision]);
  expect(provenance.ruleIds).toEqual(decisionRuleIds(decision));
  return card;
}

function expectCommonParts(card: Card, decision: Decision): void {
  expect(card.summary.length).toBeLessThan(140);
  expect(card.indicator).toBe(decision.indicator);
  expect(card.overrideReasons?.every((r) => r.system === OVERRIDE_REASON_SYSTEM && r.display)).toBe(true);
  const row = rowOf(decision.finding);
  if (row) {
    expect(card.source.url).toBe(row.guideline.url);
    expect(card.source.label).toContain(row.guideline.name);
    expect(card.links).toEqual([{ label: anyString, url: row.guideline.url, type: 'absolute' }]);
    if (row.rowId) expect(rendered(card.detail)).toContain(dataRow(decision).recommendation);
    for (const pmid of row.pmids) expect(card.detail).toContain(pmid);
  }
  expect(card.source.topic?.code).toEqual(anyString);
  // Versions as a person reads them: the dates in the version labels written out (`cpic-2026-04-30` → 30 Apr 2026).
  // The threshold set only on a card a wearable-data rule looked at: on others it names a setting the prescriber sees
  // no use of.
  const sensed = decision.modifiers.length > 0 || !decision.thresholdVersion.startsWith('default-');
  if (!sensed) expect(card.detail).not.toMatch(/thresholds/);
  for (const version of [decision.finding.knowledgeVersion, ...(sensed ? [decision.thresholdVersion] : [])]) {
    const iso = /\d{4}-\d{2}-\d{2}$/.exec(version)?.[0];
    const words = iso
      ? new Date(`${iso}T00:00:00Z`).toLocaleDateString('en-GB', {
          day: 'numeric',
          month: 'short',
          year: 'numeric',
          timeZone: 'UTC',
        })
      : version;
    expect(card.detail).toContain(words);
  }
}

function actionsOf(suggestion: Suggestion | undefined): NonNullable<Suggestion['actions']> {
  return suggestion?.actions ?? [];
}

describe('decisionCard on real CPIC decisions', () => {
  it('a row where CPIC makes no recommendation says so in the summary, not "Monitor", and gives no grade', async () => {
    // CPIC: fluvoxamine, CYP2D6 activity score 3.0 (*1/*2x2: 1.0 + 2.0): "No recommendation due to lack of evidence".
    const cpic = cpicRow('fluvoxamine', { CYP2D6: '3.0' }).row;
    expect(cpic.recommendation).toMatch(/^No recommendation/);
    const decision = await decide('fluvoxamine', [geneResult('CYP2D6', '*1/*2x2')]);
    const card = cardFor(decision);
    expectCommonParts(card, decision);
    expect(card.summary).toBe('No CPIC recommendation for fluvoxamine: CYP2D6 Ultrarapid Metabolizer');
    expect(rendered(card.detail)).toContain(cpic.recommendation);
  });

  it.each([
    ['CYP2C19', '*1/*999', 'clopidogrel'],
    ['UGT1A1', '6/7', 'atazanavir'],
    ['CYP2D6', '*1/*4/*10', 'codeine'],
  ])(
    'a %s result the service cannot read (%s) is never silence for %s: confirm it, with the reason',
    async (gene, diplotype, drug) => {
      const result = geneResult(gene, diplotype);
      expect(result.phenotype).toBe('Indeterminate');
      const decision = await decide(drug, [result]);
      // Shown as an incomplete check is, whatever the phenotype filter says of Indeterminate.
      expect(decision.indicator).toBe(DEFAULT_ENGINE.thresholds.incompleteCheck.indicator);
      const card = cardFor(decision);
      expectCommonParts(card, decision);
      expect(card.summary).toMatch(new RegExp(`^Confirm ${gene} result before ${drug}:`));
      const why = rendered(card.detail).split('Why:')[1] ?? '';
      expect(why).toMatch(/Not readable as reported: .*(laboratory)/);
    },
  );

  it('a phenotype on file in words CPIC does not use: confirm it, never "order a test"', async () => {
    const { results } = readGeneResults(readFixture('pgx', 'phenotype-legacy-term.json') as unknown[]);
    const decision = await decide('codeine', results);
    expect(decision.finding.kind).not.toBe('pre-test');
    const card = cardFor(decision);
    expect(card.summary).toMatch(/^Confirm CYP2D6 result before codeine:/);
    expect(rendered(card.detail)).toContain('"Extensive metabolizer" is not a term CPIC uses');
  });

  it('CYP2C19 poor metabolizer + clopidogrel: critical, prasugrel/ticagrelor replacements, other populations', async () => {
    const decision = await decide('clopidogrel', [geneResult('CYP2C19', '*2/*2')]);
    const card = cardFor(decision, drafts.clopidogrelSandbox);
    expectCommonParts(card, decision);
    expect(card.indicator).toBe('critical');
    expect(card.summary).toMatch(/^Avoid clopidogrel: CYP2C19 Poor Metabolizer/);
    // CPIC's text names both drugs; neither is singled out.
    expect(dataRow(decision).recommendation).toMatch(/prasugrel or ticagrelor/);
    expect(card.selectionBehavior).toBe('at-most-one');
    // The order does not say the indication: prasugrel carries CPIC's own caveat from the neurovascular row, verbatim.
    const nvi = cpicRow('clopidogrel', { CYP2C19: 'Poor Metabolizer' }, 'NVI').row;
    const caveat = 'Prasugrel is contraindicated in patients with a history of stroke or TIA.';
    expect(nvi.otherConsiderations).toContain(caveat);
    const [prasugrel, ticagrelor] = card.suggestions ?? [];
    // The button names the action and the drug; CPIC's caveat is the action's description, said once.
    expect(prasugrel?.label).toBe('Switch to prasugrel');
    expect(ticagrelor?.label).toBe('Switch to ticagrelor');
    expect(actionsOf(prasugrel)[0]?.description).toContain(`CPIC: "${caveat}"`);
    expect(actionsOf(ticagrelor)[0]?.description).not.toMatch(/contraindicated/);
    expect(card.suggestions?.every((s) => s.isRecommended === false && s.uuid)).toBe(true);
    // One update of the draft (same id) carrying the alternative: the sandbox's Rx View applies only the first action.
    const [update, ...rest] = actionsOf(prasugrel);
    expect(rest).toEqual([]);
    // One sentence: the populations and CPIC's caveat inside its brackets.
    expect(update?.description).toBe(
      `Replace the draft clopidogrel order with prasugrel (dose to be chosen; CPIC names prasugrel instead of clopidogrel; for ACS and/or PCI and non-ACS, non-PCI cardiovascular indications; CPIC: "${caveat}")`,
    );
    // RxNorm ingredient codes: NLM RxNorm prescribable content 2025-10-06 (prasugrel IN 613391, ticagrelor IN 1116632).
    const draft = drafts.clopidogrelSandbox as Record<string, unknown>;
    const { dosageInstruction: _dose, ...draftWithoutDose } = draft;
    expect(update).toEqual({
      type: 'update',
      description: anyString,
      resource: {
        ...draftWithoutDose,
        medicationCodeableConcept: {
          coding: [
            { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '613391', display: 'prasugrel' },
          ],
          text: 'prasugrel',
        },
      },
    });
    const ticagrelorUpdate = actionsOf(ticagrelor)[0];
    expect(ticagrelorUpdate?.type === 'update' && ticagrelorUpdate.resource).toMatchObject({
      id: draft.id,
      medicationCodeableConcept: { coding: [{ code: '1116632' }] },
    });
    // The other population rows are named with their verbatim text.
    const detail = rendered(card.detail);
    const { finding } = decision;
    if (finding.kind !== 'recommendation')
      throw new Error(`clopidogrel CYP2C19 PM: a ${finding.kind} finding`);
    // Every sentence of every other population's row is there, verbatim, each once; the populations are named in
    // CPIC's words ("For neurovascular indications", "… non-PCI cardiovascular indications").
    for (const alt of finding.alternatives) {
      for (const sentence of alt.row.recommendation.split(/(?<=\.)\s+/)) {
        expect(detail).toContain(sentence);
        expect(detail.split(sentence).length - 1).toBe(1);
      }
    }
    expect(detail).toMatch(/neurovascular indications \(CPIC Moderate/);
    expect(detail).toMatch(/non-PCI cardiovascular indications \(CPIC Moderate\)/);
    // The neurovascular row begins "Avoid clopidogrel if possible.", said under What to do: its quotation marks the
    // sentence left out, so its second sentence never stands as CPIC's whole advice for stroke patients.
    const neuro = finding.alternatives.find((a) => a.row.population === 'NVI');
    expect(neuro?.row.recommendation).toMatch(/^Avoid clopidogrel if possible\. Consider/);
    expect(detail).toContain(
      'neurovascular indications (CPIC Moderate; […] marks what is given above):\n\n[…] Consider an alternative',
    );
    // CPIC's non-ACS, non-PCI row repeats the ACS and/or PCI row, not the neurovascular row listed before it: the card
    // names the row it repeats rather than saying "the same" after the neurovascular text.
    const nonAcs = finding.alternatives.find((a) => a.row.population === 'CVI non-ACS non-PCI');
    expect(nonAcs?.row.recommendation).toBe(finding.row.recommendation);
    expect(detail).toContain(
      'non-ACS, non-PCI cardiovascular indications (CPIC Moderate): the same recommendation as for ACS and/or PCI.',
    );
    expect(finding.alternatives.length).toBeGreaterThan(0);
    expect(card.overrideReasons?.map((r) => r.code)).not.toContain('sensor-data-unreliable');
  });

  it('CYP2C9 poor metabolizer + meloxicam: each NSAID offered instead says what CPIC advises for it with this result', async () => {
    const genes = [geneResult('CYP2C9', '*3/*3')];
    const decision = await decide('meloxicam', genes);
    const card = cardFor(decision, drafts.clopidogrelSandbox);
    const labels = (card.suggestions ?? []).map((s) => s.label);
    expect(labels).toEqual([
      'Switch to celecoxib',
      'Switch to flurbiprofen',
      'Switch to lornoxicam',
      'Switch to ibuprofen',
    ]);
    const descriptions = (card.suggestions ?? []).map((s) => actionsOf(s)[0]?.description ?? '');
    const key = { CYP2C9: cpicCall('CYP2C9', '*3/*3').lookupKey };
    for (const [i, alternative] of ['celecoxib', 'flurbiprofen', 'lornoxicam', 'ibuprofen'].entries()) {
      // The alternative's own CPIC row for the same result asks for a fraction of its lowest starting dose.
      const own = cpicRow(alternative, key).row.recommendation;
      const phrase = /\d+-\d+% of the lowest recommended starting dose/.exec(own)?.[0];
      expect(phrase).toBeDefined();
      expect(descriptions[i]).toContain(`CPIC for ${alternative} with this result: "${phrase ?? ''}"`);
    }
    expect(card.suggestions?.some((s) => s.isRecommended)).toBe(false);
  });

  it('CYP2C19 poor metabolizer + amitriptyline, no CYP2D6 result: the secondary amines offered instead need CYP2D6 first', async () => {
    const decision = await decide('amitriptyline', [geneResult('CYP2C19', '*2/*2')]);
    const card = cardFor(decision, drafts.clopidogrelSandbox);
    expect((card.suggestions ?? []).map((s) => s.label)).toEqual([
      'Switch to nortriptyline',
      'Switch to desipramine',
    ]);
    expect((card.suggestions ?? []).map((s) => actionsOf(s)[0]?.description)).toEqual([
      expect.stringContaining("CPIC's nortriptyline guideline asks for CYP2D6 testing first"),
      expect.stringContaining("CPIC's desipramine guideline asks for CYP2D6 testing first"),
    ]);
  });

  it('an alternative CPIC advises avoiding with the same result is not offered, and the detail says why', async () => {
    const decision = await decide('meloxicam', [geneResult('CYP2C9', '*3/*3')]);
    const finding = decision.finding;
    if (finding.kind !== 'recommendation') throw new Error('expected a CPIC recommendation');
    const avoided: ShownDecision = {
      ...decision,
      finding: {
        ...finding,
        alternativeDrugs: finding.alternativeDrugs.map((alt) =>
          alt.name === 'celecoxib'
            ? { ...alt, forPatient: { action: 'avoid', words: 'Avoid celecoxib' } }
            : alt,
        ),
      },
    };
    const card = cardFor(avoided, drafts.clopidogrelSandbox);
    expect((card.suggestions ?? []).map((s) => s.label).join('\n')).not.toMatch(/celecoxib/);
    expect(rendered(card.detail)).toContain(
      'No replacement suggestion for celecoxib: CPIC advises avoiding it too with this result.',
    );
  });

  it('CYP2C19 poor metabolizer + sertraline, CYP2B6 untested: the result that decides is named before the gene without one', async () => {
    const decision = await decide('sertraline', [geneResult('CYP2C19', '*2/*2')]);
    // CPIC's row is keyed on CYP2B6 first (its "No Result" row for CYP2C19 PM).
    expect(Object.keys(dataRow(decision).lookupKey)).toEqual(['CYP2B6', 'CYP2C19']);
    const card = cardFor(decision, drafts.clopidogrelSandbox);
    expect(card.summary).toBe(
      'Adjust sertraline dose: CYP2C19 Poor Metabolizer, CYP2B6 no result (CPIC Moderate)',
    );
  });

  it('HLA-B*15:02 positive + phenytoin, CYP2C9 untested: the summary leaves out the gene no result of which could change the advice', async () => {
    const decision = await decide('phenytoin', [geneResult('HLA-B', '*15:02/*08:01')]);
    const { row } = cpicRow('phenytoin', { 'HLA-B': '*15:02 positive', CYP2C9: 'No Result' }, 'PHT naive');
    expect(dataRow(decision).recommendation).toBe(row.recommendation);
    const card = cardFor(decision, drafts.clopidogrelSandbox);
    expect(card.summary).toBe(`Avoid phenytoin: HLA-B*15:02 positive (CPIC ${row.strength ?? ''})`);
    expect(rendered(card.detail)).toContain(
      'No CYP2C9 result on file: CPIC recommends the same whatever it is, so no test is asked for',
    );
  });

  it('HLA-B*57:01 positive + abacavir: critical, allele status in the summary, no suggestion', async () => {
    const decision = await decide('abacavir', [geneResult('HLA-B', '*57:01/*08:01')]);
    const card = cardFor(decision, drafts.clopidogrelSandbox);
    expectCommonParts(card, decision);
    expect(card.indicator).toBe('critical');
    // The allele's name as written clinically: HLA-B*57:01, no space before the asterisk.
    expect(card.summary).toBe('Avoid abacavir: HLA-B*57:01 positive (CPIC Strong)');
    expect(dataRow(decision).recommendation).toBe('Abacavir is not recommended');
    expect(card.suggestions).toBeUndefined();
    expect(card.selectionBehavior).toBeUndefined();
  });

  it('DPYD intermediate + capecitabine with a dose: update to 50% of the ordered dose', async () => {
    const decision = await decide('capecitabine', [geneResult('DPYD', 'c.1905+1G>A/Reference')]);
    const draft = drafts.capecitabineR4;
    const card = cardFor(decision, draft);
    expectCommonParts(card, decision);
    expect(card.summary).toMatch(/^Adjust capecitabine dose: DPYD Intermediate Metabolizer/);
    // CPIC: "Reduce starting dose by 50%"; the draft orders 1000 mg → 500 mg.
    expect(dataRow(decision).recommendation).toMatch(/^Reduce starting dose by 50%/);
    const [suggestion] = card.suggestions ?? [];
    expect(suggestion?.isRecommended).toBe(true);
    expect(suggestion?.label).toBe('Reduce capecitabine to 500 mg');
    const [update] = actionsOf(suggestion);
    const expected = structuredClone(draft) as {
      dosageInstruction: { doseAndRate: { doseQuantity: { value: number } }[] }[];
    };
    const quantity = expected.dosageInstruction[0]?.doseAndRate[0]?.doseQuantity;
    if (quantity) quantity.value = 500;
    expect(update).toEqual({
      type: 'update',
      description: containing('Reduce starting dose by 50%'),
      resource: expected,
    });
    // The draft itself is not modified.
    expect(draft).toMatchObject({
      dosageInstruction: [{ doseAndRate: [{ doseQuantity: { value: 1000 } }] }],
    });
  });

  it("rewrites the order's written dose with the structured one, or drops text it cannot rewrite", async () => {
    const decision = await decide('capecitabine', [geneResult('DPYD', 'c.1905+1G>A/Reference')]);
    type Instruction = { text?: string; patientInstruction?: string; doseAndRate: unknown[] };
    const draft = structuredClone(drafts.capecitabineR4) as { dosageInstruction: Instruction[] };
    const [instruction] = draft.dosageInstruction;
    if (!instruction) throw new Error('no dosage instruction');
    // Epic writes the SIG with a thousands separator; the patient text names a second amount in mg.
    instruction.text = '1,000 mg, Oral, 2 times daily';
    instruction.patientInstruction = 'Take 1,000 mg (2 tablets of 500 mg) by mouth twice daily';
    const [update] = actionsOf(cardFor(decision, draft).suggestions?.[0]);
    const resource = (update?.type === 'update' ? update.resource : {}) as {
      dosageInstruction?: Instruction[];
    };
    const updated = resource.dosageInstruction?.[0];
    expect(updated?.text).toBe('500 mg, Oral, 2 times daily');
    expect(updated).not.toHaveProperty('patientInstruction');
    expect(updated).toMatchObject({ doseAndRate: [{ doseQuantity: { value: 500 } }] });
    // A tablet count written as the order's text: 2 of them halve to a whole tablet.
    const pills = structuredClone(drafts.capecitabinePills) as {
      dosageInstruction: (Instruction & { doseAndRate: { doseQuantity: { value: number } }[] })[];
    };
    const pillInstruction = pills.dosageInstruction[0];
    if (!pillInstruction?.doseAndRate[0]) throw new Error('no dose');
    pillInstruction.text = '2 tablet by mouth once daily';
    pillInstruction.doseAndRate[0].doseQuantity.value = 2;
    const [halved] = actionsOf(cardFor(decision, pills).suggestions?.[0]);
    expect(halved?.type === 'update' && halved.resource).toMatchObject({
      dosageInstruction: [{ text: '1 tablet by mouth once daily' }],
    });
  });

  /** A draft R4 MedicationRequest as an EHR sends it: an RxNorm product, a count of its dose form in UCUM. */
  function countedDraft(
    rxcui: string,
    display: string,
    value: number,
    code: string,
  ): Record<string, unknown> {
    return {
      resourceType: 'MedicationRequest',
      id: `draft-${rxcui}`,
      status: 'draft',
      intent: 'order',
      subject: { reference: `Patient/${PATIENT}` },
      medicationCodeableConcept: {
        coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: rxcui, display }],
        text: display,
      },
      dosageInstruction: [
        {
          timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd' } },
          doseAndRate: [{ doseQuantity: { value, system: 'http://unitsofmeasure.org', code } }],
        },
      ],
    };
  }

  /** The suggestions that change the order's dose (an update that keeps a dosage instruction). */
  function doseChanges(card: Card): Suggestion[] {
    return (card.suggestions ?? []).filter((s) =>
      (s.actions ?? []).some((a) => a.type === 'update' && 'dosageInstruction' in (a.resource as object)),
    );
  }

  it('capecitabine 500 mg tablets, 3 {tbl}, DPYD c.2846A>T heterozygous: no half tablet, the advice in words', async () => {
    // CPIC: DPYD Reference/c.2846A>T → activity score 1.5 → "Reduce starting dose by 50% …" (Moderate).
    const dpyd = geneResult('DPYD', 'Reference/c.2846A>T');
    expect(dpyd.lookupKey).toBe(cpicCall('DPYD', 'Reference/c.2846A>T').lookupKey);
    const decision = await decide('capecitabine', [dpyd]);
    expect(dataRow(decision).recommendation).toMatch(/^Reduce starting dose by 50%/);
    const card = cardFor(decision, countedDraft('200328', 'capecitabine 500 MG Oral Tablet', 3, '{tbl}'));
    // 1.5 tablets of a film-coated cytotoxic: never asked for, never preselected.
    expect(doseChanges(card)).toEqual([]);
    expect(card.suggestions?.some((s) => s.isRecommended) ?? false).toBe(false);
    const detail = rendered(card.detail);
    expect(detail).toContain(
      'Prescribe 50% of the ordered 3 tablets in a strength that makes it a whole number',
    );
    expect(detail).toContain('whether this tablet may be split is not known, so 1.5 tablets is not offered.');
    expect(JSON.stringify(card)).not.toMatch(/\{tbl\}/);
  });

  it('sertraline 200 mg capsules, 1 {cap}, CYP2C19 *2/*2: never half a capsule', async () => {
    const decision = await decide('sertraline', [geneResult('CYP2C19', '*2/*2')]);
    // CPIC (CYP2B6 not tested): "… 50% reduction of standard maintenance dose …".
    expect(dataRow(decision).recommendation).toContain('50% reduction of standard maintenance dose');
    const card = cardFor(decision, countedDraft('251201', 'sertraline 200 MG Oral Capsule', 1, '{cap}'));
    expect(doseChanges(card)).toEqual([]);
    const detail = rendered(card.detail);
    expect(detail).toContain(
      'Prescribe 50% of the ordered 1 capsule in a strength that makes it a whole number',
    );
    expect(detail).toContain('a capsule cannot be split, so 0.5 capsules is not offered.');
    expect(JSON.stringify(card)).not.toMatch(/\{cap\}|to 0\.5 capsule/);
  });

  it('a count that halves to whole tablets is offered, in words: 4 {tbl} → 2 tablets', async () => {
    const decision = await decide('capecitabine', [geneResult('DPYD', 'Reference/c.2846A>T')]);
    const card = cardFor(decision, countedDraft('200328', 'capecitabine 500 MG Oral Tablet', 4, '{tbl}'));
    const [suggestion] = doseChanges(card);
    expect(suggestion?.label).toBe('Reduce capecitabine to 2 tablets');
    expect(suggestion?.label).not.toContain('{');
    const [update] = actionsOf(suggestion);
    expect(update?.description).toContain('of the ordered 4 tablets');
    expect(update?.type === 'update' && update.resource).toMatchObject({
      dosageInstruction: [{ doseAndRate: [{ doseQuantity: { value: 2, code: '{tbl}' } }] }],
    });
  });

  it('TPMT intermediate + mercaptopurine ordered as 1 {pill}: 0.3 pill is not offered, the detail says why', async () => {
    const decision = await decide('mercaptopurine', [
      geneResult('TPMT', '*1/*3A'),
      geneResult('NUDT15', '*1/*1'),
    ]);
    const card = cardFor(decision, drafts.clopidogrelSandbox);
    expect(card.suggestions).toBeUndefined();
    expect(rendered(card.detail)).toContain(
      'whether this pill may be split is not known, so 0.3 pills is not offered.',
    );
  });

  it('a replacement drops the contained Medication the draft named by #reference, and keeps the rest', async () => {
    const decision = await decide('clopidogrel', [geneResult('CYP2C19', '*2/*2')]);
    // As an EHR sends a locally defined product: the Medication contained in the order, named by `#med1`; the
    // prescriber contained too, referenced by `requester`.
    const draft = {
      resourceType: 'MedicationRequest',
      id: 'draft-clopidogrel',
      status: 'draft',
      intent: 'order',
      subject: { reference: `Patient/${PATIENT}` },
      contained: [
        {
          resourceType: 'Medication',
          id: 'med1',
          code: {
            coding: [
              {
                system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
                code: '309362',
                display: 'clopidogrel 75 MG Oral Tablet',
              },
            ],
            text: 'clopidogrel 75 MG Oral Tablet',
          },
        },
        { resourceType: 'Practitioner', id: 'prac1', name: [{ text: 'Dr. Ada Obi' }] },
      ],
      medicationReference: { reference: '#med1' },
      requester: { reference: '#prac1' },
      dosageInstruction: [{ text: '75 mg by mouth once daily' }],
    };
    const card = cardFor(decision, draft);
    const updates = (card.suggestions ?? []).flatMap((s) => actionsOf(s)).filter((a) => a.type === 'update');
    expect(updates.length).toBeGreaterThan(0);
    for (const update of updates) {
      const resource = (update.type === 'update' ? update.resource : {}) as Record<string, unknown>;
      expect(resource).not.toHaveProperty('medicationReference');
      expect(resource.contained).toEqual([draft.contained[1]]);
      expect(resource.requester).toEqual({ reference: '#prac1' });
      expect(JSON.stringify(resource)).not.toMatch(/309362|clopidogrel 75/i);
    }
    // The draft itself is not modified.
    expect(draft.contained).toHaveLength(2);
  });

  it('TPMT intermediate + mercaptopurine: most conservative end of CPIC 30-80% range (STU3 dose)', async () => {
    const decision = await decide('mercaptopurine', [
      geneResult('TPMT', '*1/*3A'),
      geneResult('NUDT15', '*1/*1'),
    ]);
    const card = cardFor(decision, drafts.mercaptopurineStu3);
    expectCommonParts(card, decision);
    expect(card.summary).toMatch(/TPMT Intermediate Metabolizer, NUDT15 Normal Metabolizer/);
    expect(dataRow(decision).recommendation).toContain('(30-80% of standard starting dose)');
    const [suggestion] = card.suggestions ?? [];
    // 30% of the ordered 75 mg.
    expect(suggestion?.label).toBe('Reduce mercaptopurine to 22.5 mg (conditional)');
    expect(actionsOf(suggestion)[0]?.description).toContain(
      "the most conservative end of CPIC's range (30%–80%)",
    );
    // CPIC reduces "if starting dose is ≥75 mg/m2/day …": offered, not preselected, the condition named.
    expect(dataRow(decision).recommendation).toContain('if starting dose is ≥75 mg/m2/day');
    expect(suggestion?.isRecommended).toBe(false);
    expect(actionsOf(suggestion)[0]?.description).toContain('if starting dose is ≥75 mg/m2/day');
    const [update] = actionsOf(suggestion);
    expect(update?.type === 'update' && update.resource).toMatchObject({
      id: 'request-123',
      dosageInstruction: [{ doseQuantity: { value: 22.5, unit: 'mg' } }],
    });
  });

  it('TPMT poor + mercaptopurine: CPIC text verbatim; "10-fold" gives no computed dose', async () => {
    const decision = await decide('mercaptopurine', [
      geneResult('TPMT', '*3A/*3A'),
      geneResult('NUDT15', '*1/*1'),
    ]);
    const card = cardFor(decision, drafts.mercaptopurineStu3);
    expectCommonParts(card, decision);
    expect(dataRow(decision).recommendation).toContain('Reduce starting dose by 10-fold');
    expect(card.suggestions).toBeUndefined();
  });

  it('CYP2D6 ultrarapid + codeine (DSTU2 order): critical, no named alternative', async () => {
    const decision = await decide('codeine', [geneResult('CYP2D6', '*1/*1x3')]);
    const card = cardFor(decision, drafts.codeineDstu2);
    expectCommonParts(card, decision);
    expect(card.indicator).toBe('critical');
    expect(card.summary).toMatch(/^Avoid codeine: CYP2D6 Ultrarapid Metabolizer/);
    expect(card.suggestions).toBeUndefined();
  });

  it('SLCO1B1 decreased function + simvastatin: the "<20mg/day" text is escaped, not HTML', async () => {
    const decision = await decide('simvastatin', [geneResult('SLCO1B1', '*1/*5')]);
    const card = cardFor(decision);
    expectCommonParts(card, decision);
    expect(card.summary).toMatch(/simvastatin: SLCO1B1 Decreased Function/);
    expect(dataRow(decision).recommendation).toContain('<20mg/day');
    expect(card.detail).toContain('\\<20mg/day');
    expect(card.detail).not.toMatch(/(?<!\\)</);
  });

  it('CYP2C9/VKORC1 + warfarin: Figure 2 text, both genes in the summary, no strength', async () => {
    const decision = await decide('warfarin', [
      geneResult('CYP2C9', '*1/*3'),
      geneResult('VKORC1', 'rs9923231 variant (T)/rs9923231 variant (T)'),
    ]);
    const card = cardFor(decision);
    expectCommonParts(card, decision);
    expect(card.summary).toBe('Adjust warfarin dose: CYP2C9 Intermediate Metabolizer, VKORC1 -1639 AA');
    // The text is CPIC Figure 2's boxes (the data's decision graph), verbatim.
    const nodes = Object.values(cpicDrug('warfarin').decisionGraph?.nodes ?? {});
    const row = rowOf(decision.finding);
    expect(decision.finding.kind).toBe('warfarin-figure');
    expect(nodes.some((n) => n.length > 20 && row?.recommendation.includes(n))).toBe(true);
    expect(rendered(card.detail)).toContain(row?.recommendation ?? 'missing');
    // Each Figure 2 box is its own paragraph of the quote (a blank quote line between them), never run together.
    const boxes = row?.recommendation.split('\n\n') ?? [];
    expect(boxes.length).toBeGreaterThan(1);
    expect(boxes.every((box) => nodes.includes(box))).toBe(true);
    const quoted = (card.detail ?? '')
      .split('\n')
      .filter((line) => line.startsWith('>'))
      .map((line) => rendered(line));
    expect(quoted).toEqual(boxes.flatMap((box, i) => [...(i > 0 ? [''] : []), box]));
    expect(card.detail).toContain('CPIC, not graded');
  });

  it('CYP2D6 poor metabolizer + metoprolol: lowest starting dose (no fraction) → no dose suggestion', async () => {
    const decision = await decide('metoprolol', [geneResult('CYP2D6', '*4/*4')]);
    const card = cardFor(decision, drafts.clopidogrelSandbox);
    expectCommonParts(card, decision);
    expect(card.summary).toMatch(/^Adjust metoprolol dose: CYP2D6 Poor Metabolizer \(CPIC Moderate\)$/);
    expect(card.suggestions).toBeUndefined();
  });

  it('metoprolol with a sensor modifier: the reason in the summary; value, human window, device, threshold and evidence', async () => {
    const base = await decide('metoprolol', [geneResult('CYP2D6', '*4/*4')]);
    const decision: ShownDecision = {
      ...base,
      indicator: 'critical',
      modifiers: [
        {
          ruleId: 'R1-metoprolol-resting-hr:resting-hr-below-60',
          effect: 'raise',
          metric: 'resting-heart-rate',
          value: 52,
          unit: '/min',
          window: { start: '2026-04-24T09:00:00Z', end: '2026-05-01T09:00:00Z' },
          status: 'sufficient',
          devices: ['Apple Watch'],
          newestSample: '2026-05-01T06:10:00Z',
          daysWithData: 6,
          threshold: 'resting-heart-rate < 60 /min',
          note: 'resting-heart-rate 52 /min (2026-04-24 to 2026-05-01) meets resting-heart-rate < 60 /min: raises the card 1 step',
          evidence: 'consensus',
          source:
            'bradycardia < 50 /min per 2018 ACC/AHA/HRS bradycardia guideline **(verify)** (shared/research/wearables-in-fhir.md §2.2 R1)',
        },
      ],
    };
    const card = cardFor(decision);
    expect(card.indicator).toBe('critical');
    // Issue 9: "Adjust metoprolol dose: CYP2D6 poor metabolizer, resting HR 49/min".
    expect(card.summary).toBe(
      'Adjust metoprolol dose: CYP2D6 Poor Metabolizer, resting HR 52/min (CPIC Moderate)',
    );
    expect(card.source.label).toContain('wearable sensor data');
    const detail = rendered(card.detail);
    expect(detail).toContain(
      '- Resting heart rate 52/min (7 days to 1 May, 6 of 7 days with data, Apple Watch): below 60/min: raised the alert to critical.',
    );
    expect(detail).toContain(
      'Source: bradycardia < 50/min per 2018 ACC/AHA/HRS bradycardia guideline (expert consensus',
    );
    // No internal notes, no raw timestamps, no rule ids; the engine's own note is not repeated.
    for (const internal of [
      'verify',
      'shared/',
      '§',
      'R1-metoprolol',
      '2026-05-01T',
      'meets resting-heart-rate',
    ])
      expect(detail).not.toContain(internal);
    expect(card.overrideReasons?.map((r) => r.code)).toContain('sensor-data-unreliable');
  });

  it('a week of real resting heart rate: the evidence bullet names the value, the human window and the device', async () => {
    // A week of resting heart rate below R1's cut-off (research §2.2 R1: "7-day median < 60 /min → +1").
    const facts: DecisionFacts = { sensors: restingHeartRate(55, range(0, 7)) };
    const decision = await decide('metoprolol', [geneResult('CYP2D6', '*4/*4')], facts);
    const [modifier] = decision.modifiers;
    if (!modifier) throw new Error('R1 did not fire');
    const detail = rendered(cardFor(decision, undefined, facts).detail);
    expect(detail).not.toContain(modifier.note);
    const bullet = detail.split('\n').find((line) => line.startsWith('- Resting heart rate '));
    expect(bullet).toMatch(
      /^- Resting heart rate 55\/min \(7 days to 15 May, 7 of 7 days with data, Test watch\): below 60\/min: raised the alert/,
    );
  });

  it('no CYP2C19 result + clopidogrel: pre-test card with a ServiceRequest for the gene test', async () => {
    const decision = await decide('clopidogrel', []);
    expect(decision.finding.action).toBe('order-test');
    const card = cardFor(decision, drafts.clopidogrelSandbox);
    expectCommonParts(card, decision);
    expect(card.indicator).toBe('info');
    expect(card.summary).toBe('Order CYP2C19 test before clopidogrel: no result on file');
    // The specific guideline, not CPIC's index.
    const guideline = guidelineRef(cpicGuideline('clopidogrel'));
    expect(guideline.url).toMatch(/^https:\/\/cpicpgx\.org\/guidelines\/guideline-for-clopidogrel/);
    expect(card.source.url).toBe(guideline.url);
    expect(card.source.label).toBe(`CPIC: ${guideline.name}`);
    expect(card.links).toEqual([
      { label: `CPIC guideline: ${guideline.name}`, url: guideline.url, type: 'absolute' },
    ]);
    // Reasons for not ordering a test, not for overriding a recommendation.
    expect(card.overrideReasons).toEqual(
      PRE_TEST_OVERRIDE_REASONS.filter((r) => r.code !== 'sensor-data-unreliable'),
    );
    expect(card.overrideReasons?.map((r) => r.code)).not.toContain('tolerated-before');
    expect(card.overrideReasons?.map((r) => r.code)).not.toContain('result-questioned');
    const [suggestion] = card.suggestions ?? [];
    expect(suggestion?.isRecommended).toBe(true);
    expect(actionsOf(suggestion)).toEqual([
      {
        type: 'create',
        description: anyString,
        resource: {
          resourceType: 'ServiceRequest',
          status: 'draft',
          intent: 'order',
          subject: { reference: 'Patient/smart-1288992' },
          code: { text: 'CYP2C19 genotyping (pharmacogenomic test)' },
          reasonCode: [{ text: containing('clopidogrel') }],
        },
      },
    ]);
  });

  it('no result for warfarin: both genes named, the warfarin guideline linked', async () => {
    const card = cardFor(await decide('warfarin', []));
    expect(card.summary).toBe('Order CYP2C9 and VKORC1 tests before warfarin: no results on file');
    expect(card.source.url).toBe(guidelineUrl('warfarin'));
    const [suggestion] = card.suggestions ?? [];
    expect(actionsOf(suggestion)[0]).toMatchObject({
      resource: { code: { text: 'CYP2C9 and VKORC1 genotyping (pharmacogenomic test)' } },
    });
  });

  it('pre-test override reasons: the same CodeSystem, each with a display, their own codes', () => {
    expect(PRE_TEST_OVERRIDE_REASONS.map((r) => r.code)).toEqual([
      'test-already-ordered',
      'result-elsewhere',
      'cannot-wait-for-result',
      'patient-declined-test',
      'sensor-data-unreliable',
      'other',
    ]);
    expect(
      PRE_TEST_OVERRIDE_REASONS.every((r) => r.system === OVERRIDE_REASON_SYSTEM && r.display.length > 0),
    ).toBe(true);
  });

  it('override reasons: our CodeSystem, each with a display', () => {
    expect(OVERRIDE_REASON_SYSTEM).toBe('urn:pgx-cds-hooks:CodeSystem:override-reason');
    expect(OVERRIDE_REASONS.map((r) => r.code)).toEqual([
      'tolerated-before',
      'benefit-outweighs-risk',
      'will-monitor',
      'result-questioned',
      'sensor-data-unreliable',
      'other',
    ]);
    expect(OVERRIDE_REASONS.every((r) => r.display.length > 0)).toBe(true);
  });
});
