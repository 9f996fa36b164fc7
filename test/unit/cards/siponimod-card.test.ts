/**
 * R2 siponimod (research §2.2 R2, the Mayzent label): the cards a clinician reads. CYP2C9 *3/*3 is contraindicated
 * ("avoid", critical, no sensor modulation); *1/*3 with a resting heart rate below the label threshold is a warning.
 * Phenotypes from the CPIC data (knowledge/cpic), the threshold from knowledge/sensor-thresholds.json.
 */
import { decisionCard } from '../../../src/cards';
import { safetyRuleFindings } from '../../../src/rules/engine';
import { DEFAULT_THRESHOLDS } from '../../../src/rules/thresholds';
import { gene, order, range, restingHeartRate } from '../../fixtures/rules/builders';
import { expectClinicianReadable } from '../../helpers/card-text';
import { decideFinding, noSensorFacts, shown, snapshotOf } from '../../helpers/decisions';
import { rendered } from '../../helpers/markdown';
import { cpicCall, researchThreshold } from '../../reference';

async function siponimodCard(diplotype: string, restingHr?: number) {
  const call = cpicCall('CYP2C9', diplotype);
  const cyp2c9 = {
    ...gene('CYP2C9', call.phenotype, call.lookupKey),
    diplotype,
    alleles: diplotype.split('/'),
  };
  const [finding] = safetyRuleFindings([order('siponimod')], [cyp2c9], [], DEFAULT_THRESHOLDS);
  if (!finding) throw new Error('no finding');
  const facts =
    restingHr === undefined
      ? noSensorFacts()
      : { ...noSensorFacts(), sensors: restingHeartRate(restingHr, range(0, 7)) };
  const decision = shown(await decideFinding(finding, undefined, facts));
  return decisionCard(decision, {
    patientId: 'p1',
    newUuid: () => 'card-1',
    snapshot: snapshotOf([decision], facts),
  }).card;
}

describe('siponimod cards (safety rule from the drug label)', () => {
  it('CYP2C9 *3/*3: "Avoid siponimod", critical, citing the label contraindication', async () => {
    const card = await siponimodCard('*3/*3');
    expect(card.indicator).toBe('critical');
    expect(card.summary).toMatch(/^Avoid siponimod: CYP2C9 /);
    expect(card.summary).toContain('safety rule, not CPIC');
    expect(rendered(card.detail)).toMatch(/label contraindicates it for CYP2C9 \*3\/\*3/);
    expect(card.source.label).toMatch(/Drug label contraindication/);
    expectClinicianReadable(card);
  });

  it('CYP2C9 *1/*3 with resting HR below the label threshold: a warning that says the heart rate', async () => {
    const threshold = researchThreshold('R2.resting-hr');
    const card = await siponimodCard('*1/*3', threshold - 4);
    expect(card.indicator).toBe('warning');
    expect(card.summary).toMatch(new RegExp(`^Monitor siponimod: CYP2C9 .*resting HR ${threshold - 4}/min`));
    expectClinicianReadable(card);
  });
});
