/**
 * A recorded invocation can be run again: the store keeps the inputs of each call's assessment (no patient
 * identifier) and a versioned decision snapshot per card; `replay` through `assess` gives the same decisions, and
 * under another threshold set different ones.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { replay } from '../../src/rules/assess';
import type { AssessmentInputs } from '../../src/rules/assess';
import { createRuleEngine } from '../../src/rules/engine';
import { DEFAULT_THRESHOLDS, parseThresholdSet } from '../../src/rules/thresholds';
import { DECISION_SNAPSHOT_SCHEMA, isShown, readDecisionSnapshot } from '../../src/rules/types';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';

/** The README's example: clopidogrel for a CYP2C19 *2/*2 patient, as the sandbox would send it. */
const EXAMPLE = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../examples/order-sign-clopidogrel-cyp2c19-pm.json'), 'utf8'),
) as { context: { patientId: string }; prefetch: { patient: { birthDate?: string } } };

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});

afterAll(async () => {
  await t.close();
});

async function recordedCall(): Promise<{ uuid: string; inputs: AssessmentInputs; decision: unknown }> {
  const res = await request(t.app).post('/cds-services/pgx-order-sign').send(EXAMPLE).expect(200);
  const cards = (res.body as { cards: { uuid: string }[] }).cards;
  expect(cards).toHaveLength(1);
  const uuid = cards[0]?.uuid ?? '';
  const invocation = await t.store.invocations.findByCard(uuid);
  expect(invocation?.inputs).toBeDefined();
  const card = invocation?.cards.find((c) => c.uuid === uuid);
  return { uuid, inputs: invocation?.inputs as AssessmentInputs, decision: card?.decision };
}

describe('replaying a recorded invocation', () => {
  it('gives the decisions the card was shown with, under the same thresholds', async () => {
    const { inputs, decision } = await recordedCall();
    const snapshot = readDecisionSnapshot(decision);
    if (!snapshot.ok) throw new Error(snapshot.reason);
    expect(snapshot.snapshot.schema).toBe(DECISION_SNAPSHOT_SCHEMA);

    const replayed = await replay(inputs, createRuleEngine(DEFAULT_THRESHOLDS));
    expect(replayed.decisions.filter(isShown)).toEqual(snapshot.snapshot.decisions);
    expect(replayed.decisions[0]?.finding.kind).toBe('recommendation');
    expect(replayed.decisions[0]?.indicator).toBe('critical');
  });

  it('keeps no patient identifier or birth date in what it stores for replay', async () => {
    const { inputs } = await recordedCall();
    const stored = JSON.stringify(inputs);
    expect(stored).not.toContain(EXAMPLE.context.patientId);
    const birthDate = EXAMPLE.prefetch.patient.birthDate;
    if (birthDate) expect(stored).not.toContain(birthDate);
    expect(inputs.data.ageYears).toEqual(expect.any(Number));
  });

  it('answers differently under a threshold set that silences the drug', async () => {
    const { inputs } = await recordedCall();
    const silenced = parseThresholdSet({
      ...DEFAULT_THRESHOLDS,
      version: 'replay-test-silenced',
      drugOverrides: {
        ...DEFAULT_THRESHOLDS.drugOverrides,
        clopidogrel: { indicator: 'none', reason: 'replay test: clopidogrel alerts off' },
      },
    });
    const replayed = await replay(inputs, createRuleEngine(silenced));
    expect(replayed.decisions.map((d) => d.indicator)).toEqual(['none']);
    expect(replayed.decisions[0]?.thresholdVersion).toBe('replay-test-silenced');
  });
});
