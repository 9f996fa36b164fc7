/**
 * A recorded card's evidence (src/admin/evidence.ts): from its decision snapshot, else from the invocation's recorded
 * assessment inputs, else nothing; and the genes a card is about (results read and genes still to be tested). Real
 * assessments through the default rule engine (test/helpers/decisions.ts), no hand-made decisions.
 */
import { cardEvidence, decisionView, genesOfCard } from '../../../src/admin/evidence';
import { assess } from '../../../src/rules/assess';
import { AT, findingFor, order } from '../../fixtures/rules/builders';
import { textProblems } from '../../helpers/card-text';
import { DEFAULT_ENGINE, decideFinding, noSensorFacts, snapshotOf } from '../../helpers/decisions';
import { LOW_RESTING_HR, labResult } from '../../helpers/review-data';

const CYP2D6_PM = labResult('CYP2D6', 'Poor Metabolizer', '*4/*4', '2024-02-20', '0.0');

describe('cardEvidence', () => {
  it('reads the decisions, gene results and aggregates of a decision snapshot', async () => {
    const decision = await decideFinding(
      findingFor('metoprolol', [CYP2D6_PM]),
      DEFAULT_ENGINE,
      LOW_RESTING_HR,
    );
    const evidence = cardEvidence(snapshotOf([decision], LOW_RESTING_HR), undefined);
    expect(evidence.from).toBe('decision-snapshot');
    expect(evidence.decisions).toHaveLength(1);
    expect(evidence.genes).toEqual([CYP2D6_PM]);
    expect(evidence.sensors.map((s) => s.metric)).toContain('resting-heart-rate');
  });

  it('falls back to the recorded assessment inputs when the snapshot is of another schema', async () => {
    const { inputs } = await assess(
      {
        pgx: [CYP2D6_PM],
        pgxConflicts: [],
        pgxComplete: true,
        activeMedications: [],
        sensors: { kind: 'summary', summary: LOW_RESTING_HR.sensors },
      },
      [order('metoprolol')],
      { now: new Date(AT), preTest: 'allow' },
      DEFAULT_ENGINE,
    );
    const evidence = cardEvidence({ schema: 0, decisions: [] }, JSON.parse(JSON.stringify(inputs)));
    expect(evidence.from).toBe('assessment-inputs');
    expect(evidence.decisions).toEqual([]);
    expect(evidence.genes.map((g) => [g.gene, g.diplotype])).toEqual([['CYP2D6', '*4/*4']]);
    expect(evidence.sensors.find((s) => s.metric === 'resting-heart-rate')?.value).toBe(52);
  });

  it('has nothing to show for a record it cannot read', () => {
    expect(cardEvidence('not json', { schema: 9 })).toEqual({
      from: 'none',
      decisions: [],
      genes: [],
      sensors: [],
    });
  });
});

describe('genesOfCard', () => {
  it('names the genes whose results the decision read', async () => {
    const decision = await decideFinding(findingFor('metoprolol', [CYP2D6_PM]));
    expect(genesOfCard(snapshotOf([decision]))).toEqual(['CYP2D6']);
  });

  it('names the genes a pre-test card asks to test', async () => {
    const decision = await decideFinding(findingFor('codeine', []), DEFAULT_ENGINE, noSensorFacts(AT));
    expect(decision.finding.kind).toBe('pre-test');
    expect(genesOfCard(snapshotOf([decision]))).toEqual(['CYP2D6']);
  });

  it('names none for a snapshot it cannot read', () => {
    expect(genesOfCard({ schema: 2 })).toEqual([]);
  });
});

describe('decisionView (the override detail page)', () => {
  it("says the sensor evidence in the card's words: no rule ids, metric ids or ISO dates", async () => {
    const decision = await decideFinding(
      findingFor('metoprolol', [CYP2D6_PM]),
      DEFAULT_ENGINE,
      LOW_RESTING_HR,
    );
    expect(decision.modifiers.length).toBeGreaterThan(0);
    const view = decisionView(decision);
    expect(view.sensorNotes.some((line) => /^Resting heart rate \d/.test(line))).toBe(true);
    expect([...view.explanation, ...view.sensorNotes].flatMap(textProblems)).toEqual([]);
    expect(JSON.stringify(view)).not.toContain('resting-heart-rate');
  });
});
