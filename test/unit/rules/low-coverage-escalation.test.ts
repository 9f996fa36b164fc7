/**
 * Research §2.4 handling rules (knowledge/sensor-thresholds.json `resting-hr.low-coverage-raise`): "No escalation from
 * insufficient data *except* single events that are themselves sufficient evidence (… HR < 40 /min) — those escalate
 * even with low coverage but say so." A metoprolol order for a CYP2D6 poor metabolizer whose watch sent a resting heart
 * rate of 35/min on only 2 of the 7 days: before, "not used: insufficient data"; now the alert is critical and the card
 * says the readings were on 2 of 7 days.
 */
import { sensorEvidenceTexts } from '../../../src/cards/detail';
import { findingsForOrder } from '../../../src/rules/cpic';
import type { Finding } from '../../../src/rules/cpic';
import { createRuleEngine } from '../../../src/rules/engine';
import { DEFAULT_THRESHOLDS } from '../../../src/rules/thresholds';
import { summarizeSensors } from '../../../src/sensors';
import { AT, gene } from '../../fixtures/rules/builders';
import { textProblems } from '../../helpers/card-text';
import { researchThreshold } from '../../reference';

const DAY = 86_400_000;
const engine = createRuleEngine(DEFAULT_THRESHOLDS);
const LIMIT = researchThreshold('resting-hr.low-coverage-raise');

/** A daily resting heart rate as Apple Health exports it through the PHR IG: 40443-4, a contained Device. */
function appleRestingHr(daysAgo: number, value: number): unknown {
  return {
    resourceType: 'Observation',
    id: `resting-hr-${String(daysAgo)}`,
    meta: { profile: ['http://hl7.org/fhir/StructureDefinition/vitalsigns'] },
    contained: [
      {
        resourceType: 'Device',
        id: 'watch',
        deviceName: [{ name: 'Apple Watch', type: 'user-friendly-name' }],
        manufacturer: 'Apple Inc.',
      },
    ],
    status: 'final',
    category: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/observation-category',
            code: 'vital-signs',
          },
        ],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '40443-4', display: 'Heart rate --resting' }] },
    subject: { reference: 'Patient/smart-1288992' },
    effectiveDateTime: new Date(Date.parse(AT) - daysAgo * DAY - 3_600_000).toISOString(),
    valueQuantity: { value, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
    device: { reference: '#watch' },
  };
}

function metoprololFinding(): Finding {
  const [finding] = findingsForOrder(
    {
      orderRef: 'MedicationRequest/a',
      orderIndex: 0,
      ingredients: [{ name: 'metoprolol' }],
      resolvedBy: 'text',
    },
    [gene('CYP2D6', 'Poor Metabolizer', '0.0')],
  );
  if (!finding) throw new Error('no metoprolol finding');
  return finding;
}

async function decide(resources: readonly unknown[]) {
  const sensors = summarizeSensors(resources, AT, { policy: engine.sensorPolicy });
  const [decision] = await engine.evaluate([metoprololFinding()], { sensors, continuingDrugs: [] });
  if (!decision) throw new Error('no decision');
  return decision;
}

describe('resting heart rate below 40/min on too little data (research §2.4)', () => {
  it('raises the metoprolol alert to critical and the card says the readings were on 2 of 7 days', async () => {
    const decision = await decide([appleRestingHr(0, LIMIT - 5), appleRestingHr(2, LIMIT - 5)]);
    expect(decision.indicator).toBe('critical');
    const raise = decision.modifiers.find((m) => m.effect === 'raise');
    expect(raise).toMatchObject({ metric: 'resting-heart-rate', status: 'insufficient', value: 35 });
    const lines = sensorEvidenceTexts(decision.modifiers);
    const line = lines.find((l) => l.startsWith('Resting heart rate'));
    expect(line).toContain('below 40/min: raised the alert');
    expect(line).toContain('readings were on only 2 of 7 days');
    expect(line).toContain('Apple Watch');
    expect(line).not.toContain('not used');
    for (const l of lines) expect(textProblems(l)).toEqual([]);
  });

  it('does not raise on too little data above 40/min, and never on stale data', async () => {
    const low = await decide([appleRestingHr(0, 45), appleRestingHr(2, 45)]);
    expect(low.indicator).toBe('warning');
    expect(low.modifiers.every((m) => m.effect === 'context' && m.status === 'insufficient')).toBe(true);
    // Newest reading 5 days old: past the 72 h freshness limit.
    const stale = await decide([appleRestingHr(5, 35), appleRestingHr(6, 35)]);
    expect(stale.indicator).toBe('warning');
    expect(stale.modifiers.some((m) => m.effect === 'raise')).toBe(false);
  });
});
