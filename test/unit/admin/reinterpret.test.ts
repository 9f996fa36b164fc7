/**
 * The re-interpretation report's two readings of a recorded call (src/admin/reinterpret.ts), over generated calls:
 * random CPIC drugs ordered, random genotypes from CPIC's diplotype tables (mostly of those drugs' genes), random sex and age, assessed by the
 * real pipeline with every finding shown as a card. Read again under the same knowledge, no such call is listed (no
 * result is called differently, no card's advice differs); with one card's CPIC text changed as an earlier release
 * might have had it, exactly that drug is listed, with the text then and the text now.
 */
import fc from 'fast-check';
import { changeReason, reinterpretationReport, reportText } from '../../../src/admin/reinterpret';
import type { ReinterpretationReport } from '../../../src/admin/schemas';
import { assess, decisionSnapshot } from '../../../src/rules/assess';
import type { Assessment } from '../../../src/rules/assess';
import { callAgain, rowOf } from '../../../src/rules/cpic';
import type { Finding, GeneResult } from '../../../src/rules/cpic';
import { isShown } from '../../../src/rules/types';
import type { Decision } from '../../../src/rules/types';
import type { PatientInputs, Store } from '../../../src/store';
import { NO_SENSORS, genotyped, order } from '../../fixtures/rules/builders';
import { SHOW_ALL_ENGINE } from '../../helpers/decisions';
import { cpicCall, cpicDrugs, cpicGene, diplotypeGenes, diplotypeTable } from '../../reference';

const NOW = new Date('2026-05-01T09:00:00Z');
const GENES = diplotypeGenes();
const DRUGS = Object.keys(cpicDrugs()).sort();

/** A store holding one patient's newest call: these inputs and cards, recorded under an earlier release. */
function storeWith(assessment: Assessment, cardDecisions: readonly unknown[]) {
  const recorded: PatientInputs = {
    patientRef: 'Patient/generated',
    invocationId: 'generated-call',
    receivedAt: NOW,
    knowledgeVersion: 'cpic-2024-01-01',
    inputs: assessment.inputs,
    cardDecisions,
  };
  const store: Pick<Store, 'invocations' | 'followUps'> = {
    invocations: {
      eachPatientLatestInputs: (visit: (p: PatientInputs) => void) => {
        visit(recorded);
        return Promise.resolve(1);
      },
    } as unknown as Store['invocations'],
    followUps: { under: () => Promise.resolve(new Map()) } as unknown as Store['followUps'],
  };
  return store;
}

/** One card per shown decision, as the order hooks record them. */
function cardsOf(assessment: Assessment, decisions: readonly Decision[] = assessment.decisions) {
  return decisions
    .filter(isShown)
    .map((d) => decisionSnapshot([d], assessment.facts, SHOW_ALL_ENGINE) as unknown);
}

/** The genes a drug's CPIC pairs name that have a diplotype table. */
const genesOf = (drug: string): string[] =>
  cpicDrugs()
    [drug]?.cpicPairs.map((p) => p.gene)
    .filter((g) => GENES.includes(g)) ?? [];

const calls = fc
  .record({
    // Mostly the drugs' own genes (so CPIC rows apply), with others beside them.
    others: fc.subarray(GENES, { maxLength: 4 }),
    tested: fc.boolean(),
    rows: fc.array(fc.nat(), { minLength: GENES.length, maxLength: GENES.length }),
    drugs: fc.subarray(DRUGS, { minLength: 1, maxLength: 4 }),
    sex: fc.constantFrom('female', 'male'),
    ageYears: fc.integer({ min: 0, max: 95 }),
  })
  .map(({ others, tested, rows, drugs, sex, ageYears }) => {
    const genes = [...new Set([...(tested ? drugs.flatMap(genesOf) : []), ...others])];
    const pgx: GeneResult[] = genes.map((gene, i) => {
      const table = diplotypeTable(gene);
      const [diplotype] = table[(rows[i] ?? 0) % table.length] ?? [];
      return genotyped(gene, diplotype ?? '');
    });
    return { pgx, drugs, sex, ageYears };
  });

async function assessed(call: {
  pgx: readonly GeneResult[];
  drugs: readonly string[];
  sex: string;
  ageYears: number;
}): Promise<Assessment> {
  return assess(
    {
      ageYears: call.ageYears,
      sex: call.sex,
      pgx: call.pgx,
      pgxConflicts: [],
      pgxComplete: true,
      activeMedications: [],
      sensors: { kind: 'summary', summary: NO_SENSORS },
    },
    call.drugs.map((drug, orderIndex) => ({ ...order(drug), orderIndex })),
    { now: NOW, preTest: 'allow' },
    SHOW_ALL_ENGINE,
  );
}

describe('re-interpretation of generated calls', () => {
  it('lists no call read again under the knowledge it was assessed under', async () => {
    await fc.assert(
      fc.asyncProperty(calls, async (call) => {
        const assessment = await assessed(call);
        const report = await reinterpretationReport(storeWith(assessment, cardsOf(assessment)));
        expect(report.patientsRead).toBe(1);
        expect(report.patients).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('lists exactly the drug whose card gave a CPIC text CPIC no longer gives, with the text then and now', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(calls, async (call) => {
        const assessment = await assessed(call);
        const index = assessment.decisions.findIndex((d) => isShown(d) && rowOf(d.finding) !== undefined);
        if (index < 0) return;
        compared += 1;
        const revised = assessment.decisions[index]!;
        const row = rowOf(revised.finding)!;
        const earlier = {
          ...revised,
          finding: { ...revised.finding, row: { ...row, recommendation: 'An earlier text.' } } as Finding,
        };
        const decisions = assessment.decisions.map((d, i) => (i === index ? earlier : d));
        const report: ReinterpretationReport = await reinterpretationReport(
          storeWith(assessment, cardsOf(assessment, decisions)),
        );
        const [listed] = report.patients;
        expect(report.patients).toHaveLength(1);
        expect(listed?.changes).toEqual([]);
        expect(listed?.adviceChanges).toHaveLength(1);
        expect(listed?.adviceChanges[0]).toMatchObject({
          drug: revised.finding.drug,
          // `(CPIC Strong)`, or `(CPIC, not graded)` for the warfarin figure's row.
          was: expect.stringMatching(/^An earlier text\. \(CPIC[ ,]/) as unknown,
          now: expect.stringContaining(row.recommendation) as unknown,
        });
      }),
      { numRuns: 150 },
    );
    // Not vacuous: many generated calls had a CPIC row on a card.
    expect(compared).toBeGreaterThan(40);
  });
});

describe('why a result is called differently', () => {
  const changeOf = (recorded: GeneResult) => {
    const { change } = callAgain(recorded);
    if (!change) throw new Error(`${recorded.gene} ${recorded.diplotype ?? ''} is called as recorded`);
    return change;
  };
  /** CYP2D6 *1/*3 as recorded before the 2019–2020 consensus: activity score 1.0, then a Normal Metabolizer. */
  const before2020 = (alleleFunctions?: string): GeneResult => ({
    ...genotyped('CYP2D6', '*1/*3'),
    phenotype: 'Normal Metabolizer',
    // For CYP2D6 the lookup key is the activity score.
    activityScore: cpicCall('CYP2D6', '*1/*3').lookupKey,
    ...(alleleFunctions === undefined ? {} : { alleleFunctions }),
  });

  it('says CPIC changed the phenotype of an unchanged activity score', () => {
    const score = cpicCall('CYP2D6', '*1/*3').lookupKey;
    expect(changeReason(changeOf(before2020()))).toBe(
      `CPIC changed the phenotype for activity score ${score}`,
    );
  });

  it('says the activity values changed when the same genotype scores differently', () => {
    const rescored: GeneResult = { ...genotyped('CYP2D6', '*1/*3'), lookupKey: '1.5', activityScore: '1.5' };
    expect(changeReason(changeOf(rescored))).toBe('CPIC changed the activity values of its alleles');
  });

  it('says an allele is no longer defined', () => {
    const retired: GeneResult = {
      ...genotyped('CYP2C19', '*1/*1'),
      diplotype: '*1/*99',
      alleles: ['*1', '*99'],
    };
    expect(changeReason(changeOf(retired))).toBe('current CPIC does not define an allele of it');
  });

  it('dates the allele functions either side when the record has its own', () => {
    // The data set dates CYP2D6's parts apart ("activity values 2025 / functions 2023-07").
    const reason = changeReason(changeOf(before2020('2016-06-01')));
    expect(reason).toMatch(
      /^CPIC changed the phenotype for activity score [\d.]+; called with CPIC allele functions of 1 Jun 2016, now /,
    );
    expect(reason).toContain(
      `now activity values of ${cpicGene('CYP2D6').dataVersion?.match(/\d{4}/)?.[0] ?? ''}`,
    );
    // A function-based gene (no score) recorded with its date: the dates are what can be said.
    const cyp2c19: GeneResult = {
      ...genotyped('CYP2C19', '*1/*17'),
      phenotype: 'Normal Metabolizer',
      lookupKey: 'Normal Metabolizer',
      alleleFunctions: '2016-06-01',
    };
    expect(changeReason(changeOf(cyp2c19))).toMatch(
      /^called with CPIC allele functions of 1 Jun 2016, now functions of \d{1,2} [A-Z][a-z]{2} \d{4}$/,
    );
    // Recorded without its date: nothing is guessed.
    const { alleleFunctions: _dated, ...undated } = cyp2c19;
    expect(changeReason(changeOf(undated))).toBeUndefined();
  });

  it('puts the reason in the report line', async () => {
    const recorded = before2020();
    const assessment = await assessed({ pgx: [recorded], drugs: ['codeine'], sex: 'female', ageYears: 50 });
    const [listed] = (await reinterpretationReport(storeWith(assessment, cardsOf(assessment)))).patients;
    const [change] = listed?.changes ?? [];
    expect(change?.reason).toBe(changeReason(changeOf(recorded)));
    expect(change?.text).toBe(
      `CYP2D6 *1/*3: Normal Metabolizer (activity score ${recorded.activityScore ?? ''}) → Intermediate Metabolizer (activity score ${recorded.activityScore ?? ''}); ${change?.reason ?? ''}`,
    );
  });
});

describe('the report as a pharmacist reads it (npm run reinterpret)', () => {
  it('says there is nothing to read again when no call has recorded results', () => {
    expect(
      reportText({
        knowledgeVersion: 'cpic-2026-04-30',
        knowledge: 'CPIC data of 30 Apr 2026',
        patientsRead: 0,
        patients: [],
      }),
    ).toBe(
      "CPIC data of 30 Apr 2026: no call has recorded a patient's results yet; there is nothing to read again.",
    );
  });
});
