/**
 * The explanation is a rearrangement of the recorded decision snapshot: it adds no clinical text, says the sensor
 * evidence in the card's words (no rule ids, metric ids, UCUM codes, raw timestamps or research-note references; the
 * card-text rules of test/helpers/card-text.ts), lists the wearable data the rules could read, and says so when a
 * snapshot cannot be read.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { explainCard } from '../../../src/links/explanation';
import type { Decision, DecisionSnapshot, SensorModifier } from '../../../src/rules/types';
import { DECISION_SNAPSHOT_SCHEMA } from '../../../src/rules/types';
import { summarizeSensors } from '../../../src/sensors';
import type { CardRecord, RecordedInvocation } from '../../../src/store';
import { textProblems } from '../../helpers/card-text';

const AT = '2026-05-15T08:00:00Z';
const cgm = JSON.parse(
  readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'sensors', 'cgm-two-weeks.json'), 'utf8'),
) as { readings: unknown[]; device: unknown };

/** A safety-rule decision raised by one sensor modifier, as the engine records it. */
const decision: Decision = {
  finding: {
    kind: 'safety-rule',
    ruleId: 'R8-sulfonylurea-cgm',
    order: {
      orderRef: 'MedicationRequest/1',
      orderIndex: 0,
      ingredients: [{ name: 'glipizide' }],
      resolvedBy: 'text',
    },
    drug: 'glipizide',
    genes: [
      {
        gene: 'CYP2C9',
        diplotype: '*3/*3',
        phenotype: 'Poor Metabolizer',
        lookupKey: '0.0',
        sources: ['Observation/pgx-cyp2c9'],
        date: '2025-03-02',
        reinterpreted: false,
        notes: [],
      },
    ],
    action: 'monitor',
    knowledgeVersion: 'cpic-test',
    explanation: ['CYP2C9 *3/*3 → Poor Metabolizer'],
  },
  indicator: 'warning',
  modifiers: [
    {
      ruleId: 'R8-sulfonylurea-cgm:time-below-70',
      effect: 'raise',
      metric: 'cgm-time-below-70',
      value: 6.5,
      unit: '%',
      window: { start: '2026-05-01T08:00:00.000Z', end: '2026-05-15T08:00:00.000Z' },
      status: 'sufficient',
      devices: ['CGM sensor'],
      threshold: 'cgm-time-below-70 > 4 %',
      // As the engine writes it, for logs and replay.
      note: 'Safety rule (not a CPIC/DPWG-actionable pair): cgm-time-below-70 6.5 % (2026-05-01 to 2026-05-15, 14 days with data, CGM sensor) meets cgm-time-below-70 > 4 %: raises the card 1 step',
      evidence: 'consensus',
      source:
        'Safety rule, not a CPIC/DPWG-actionable pair. International Consensus on Time in Range (Battelino et al., Diabetes Care 2019;42:1593): TBR < 70 < 4 % (knowledge/research/wearables-in-fhir.md §2.2 R8); event definition (Battelino 2019/2023, verify)',
    },
  ],
  thresholdVersion: 'thresholds-test',
  notes: [],
};

function recorded(snapshot: unknown): { invocation: RecordedInvocation; card: CardRecord } {
  const card: CardRecord = {
    uuid: 'c1',
    indicator: 'warning',
    summary: 'Monitor glipizide: CYP2C9 Poor Metabolizer (safety rule, not CPIC)',
    decision: snapshot,
    ruleIds: [],
    thresholdVersion: 'thresholds-test',
    knowledgeVersion: 'cpic-test',
  };
  const invocation: RecordedInvocation = {
    id: 'i1',
    hookInstance: 'h1',
    serviceId: 'pgx-order-sign',
    hook: 'order-sign',
    receivedAt: new Date(AT),
    latencyMs: 5,
    cards: [card],
  };
  return { invocation, card };
}

describe('explainCard', () => {
  const snapshot: DecisionSnapshot = {
    schema: DECISION_SNAPSHOT_SCHEMA,
    decisions: [decision],
    facts: { sensors: summarizeSensors([...cgm.readings, cgm.device], AT) },
  };
  const { invocation, card } = recorded(snapshot);
  const view = explainCard(invocation, card, new Date('2026-05-29T08:00:00Z'));

  it("keeps the evidence in the card's words and leaves the rule ids and research notes out", () => {
    const [explained] = view.decisions;
    expect(explained?.sensors).toEqual([
      {
        effect: 'raise',
        metric: 'cgm-time-below-70',
        label: 'CGM time below 70 mg/dL',
        value: 6.5,
        unit: '%',
        valueText: '6.5 %',
        window: { start: '2026-05-01T08:00:00.000Z', end: '2026-05-15T08:00:00.000Z' },
        status: 'sufficient',
        devices: ['CGM sensor'],
        threshold: 'above 4 %',
        // The decision's reasoning says once that this is a safety rule, not a CPIC pair; the sensor line does not
        // repeat it, and names the source as the card does, without the rule's numbers restated.
        note: 'Above 4 %: raised the alert.',
        evidence: 'consensus',
        source: 'International Consensus on Time in Range (Battelino et al., Diabetes Care 2019;42:1593)',
      },
    ]);
    for (const e of explained?.sensors ?? []) {
      expect(
        [e.label, e.valueText, e.threshold, e.note, e.source].flatMap((t) => textProblems(t ?? '')),
      ).toEqual([]);
    }
    expect(JSON.stringify(view)).not.toContain('R8-sulfonylurea-cgm');
    // The reasoning ends with what the readings did, as the card's Why chain does: the alert is a warning because of
    // them, not because of the safety rule's baseline.
    expect(explained?.reasoning.at(-1)).toBe('CGM <70 mg/dL 6.5 %: alert raised to warning');
    expect(explained?.genes[0]).toMatchObject({
      gene: 'CYP2C9',
      diplotype: '*3/*3',
      sources: ['Observation/pgx-cyp2c9'],
    });
    expect(explained?.rows).toEqual([]);
  });

  it("says a safety rule's advice first, the rule's then the trigger's, as the card's What to do does", () => {
    // A siponimod decision for CYP2C9 *1/*3 raised by a resting heart rate below the label's threshold.
    const siponimod: Decision = {
      ...decision,
      finding: {
        ...decision.finding,
        kind: 'safety-rule',
        ruleId: 'R2-siponimod-resting-hr',
        drug: 'siponimod',
        action: 'adjust-dose',
        advice: 'Use a maintenance dose of 1 mg: the label’s dose',
        explanation: ['CYP2C9 → Intermediate Metabolizer'],
      },
      modifiers: [
        {
          ...(decision.modifiers[0] as SensorModifier),
          ruleId: 'R2-siponimod-resting-hr:resting-hr-below-55',
          metric: 'resting-heart-rate',
          value: 50,
          unit: '/min',
        },
      ],
    };
    const recordedSiponimod = recorded({ ...snapshot, decisions: [siponimod] });
    const [explained] = explainCard(
      recordedSiponimod.invocation,
      recordedSiponimod.card,
      new Date(AT),
    ).decisions;
    expect(explained?.reasoning.slice(0, 3)).toEqual([
      'Use a maintenance dose of 1 mg: the label’s dose',
      expect.stringMatching(/^Observe the first dose for 6 hours/),
      'CYP2C9 → Intermediate Metabolizer',
    ]);
  });

  it('lists the wearable data the rules could read, with its sufficiency and devices', () => {
    const metrics = snapshot.facts.sensors.metrics;
    expect(metrics.length).toBeGreaterThan(0);
    expect(view.sensorData.map((d) => [d.metric, d.value, d.status, d.devices])).toEqual(
      metrics.map((m) => [m.metric, m.value, m.status, m.devices]),
    );
    for (const d of view.sensorData) {
      expect([d.label, d.valueText ?? '', ...d.reasons].flatMap(textProblems)).toEqual([]);
    }
    expect(view.sensorNotes.flatMap(textProblems)).toEqual([]);
  });

  it('says what the reader corrected or left out, and in how many records, as sentences', () => {
    // A watch export's resting heart rate with a non-UCUM unit code, and one the device withdrew.
    const restingHr = (id: string, status: string, day: string) => ({
      resourceType: 'Observation',
      id,
      status,
      code: { coding: [{ system: 'http://loinc.org', code: '40443-4', display: 'Heart rate --resting' }] },
      subject: { reference: 'Patient/p1' },
      effectiveDateTime: `2026-05-${day}T07:00:00+02:00`,
      valueQuantity: { value: 52, unit: 'beats/min', system: 'http://unitsofmeasure.org', code: 'beats/min' },
    });
    const sensors = summarizeSensors(
      [
        restingHr('hr1', 'final', '13'),
        restingHr('hr2', 'final', '14'),
        restingHr('hr3', 'entered-in-error', '14'),
      ],
      AT,
    );
    const noted = recorded({ ...snapshot, facts: { sensors } });
    const notes = explainCard(noted.invocation, noted.card, new Date('2026-05-29T08:00:00Z')).sensorNotes;
    expect(notes).toEqual(
      expect.arrayContaining([
        "Corrected in 2 records: unit written 'beats/min', read as per minute.",
        "Left out 1 record: status 'entered-in-error' is not usable.",
      ]),
    );
    expect(notes.flatMap(textProblems)).toEqual([]);
  });

  it('says the details are unavailable for a snapshot it cannot read, and still shows the card', () => {
    const old = recorded({ schema: 0 });
    const unreadable = explainCard(old.invocation, old.card, new Date('2026-05-29T08:00:00Z'));
    expect(unreadable.decisions).toEqual([]);
    expect(unreadable.unavailable).toEqual(expect.any(String));
    expect(unreadable.card.summary).toBe(card.summary);
  });
});
