/**
 * The explanation is a rearrangement of the recorded decision snapshot: it adds no text, leaves rule ids out of what a
 * clinician reads, lists the wearable data the rules could read, and says so when a snapshot cannot be read.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { explainCard } from '../../../src/links/explanation';
import type { Decision, DecisionSnapshot } from '../../../src/rules/types';
import { DECISION_SNAPSHOT_SCHEMA } from '../../../src/rules/types';
import { summarizeSensors } from '../../../src/sensors';
import type { CardRecord, RecordedInvocation } from '../../../src/store';

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
      status: 'sufficient',
      devices: ['CGM sensor'],
      note: 'Time below 70 mg/dL is above the consensus target.',
      evidence: 'consensus',
      source: 'International Consensus on Time in Range',
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

  it('keeps the evidence and leaves the rule ids out', () => {
    const [explained] = view.decisions;
    expect(explained?.sensors).toEqual([
      {
        effect: 'raise',
        metric: 'cgm-time-below-70',
        value: 6.5,
        unit: '%',
        status: 'sufficient',
        devices: ['CGM sensor'],
        note: 'Time below 70 mg/dL is above the consensus target.',
        evidence: 'consensus',
        source: 'International Consensus on Time in Range',
      },
    ]);
    expect(JSON.stringify(view)).not.toContain('R8-sulfonylurea-cgm');
    expect(explained?.genes[0]).toMatchObject({
      gene: 'CYP2C9',
      diplotype: '*3/*3',
      sources: ['Observation/pgx-cyp2c9'],
    });
    expect(explained?.rows).toEqual([]);
  });

  it('lists the wearable data the rules could read, with its sufficiency and devices', () => {
    const metrics = snapshot.facts.sensors.metrics;
    expect(metrics.length).toBeGreaterThan(0);
    expect(view.sensorData.map((d) => [d.metric, d.value, d.status, d.devices])).toEqual(
      metrics.map((m) => [m.metric, m.value, m.status, m.devices]),
    );
  });

  it('says the details are unavailable for a snapshot it cannot read, and still shows the card', () => {
    const old = recorded({ schema: 0 });
    const unreadable = explainCard(old.invocation, old.card, new Date('2026-05-29T08:00:00Z'));
    expect(unreadable.decisions).toEqual([]);
    expect(unreadable.unavailable).toEqual(expect.any(String));
    expect(unreadable.card.summary).toBe(card.summary);
  });
});
