/**
 * The alert-volume policy's pure decisions (`src/feedback/volume.ts`): verdicts per hook, worsening, the
 * acknowledgement sentence, and the rule flags, over the numbers of the default threshold set.
 */
import {
  acknowledgedSince,
  acknowledgementNote,
  adviceHash,
  humanDate,
  orderSelectCacheKey,
  patientKey,
  volumeFlags,
  volumeVerdict,
  worsening,
} from '../../../src/feedback/volume';
import type { AdviceInstance, VolumePolicy } from '../../../src/feedback/volume';
import { DEFAULT_THRESHOLDS } from '../../../src/rules/thresholds';
import type { Acknowledgement, AdviceBasis, RuleFirings } from '../../../src/store';

const POLICY: VolumePolicy = DEFAULT_THRESHOLDS.volume;
const CYP2D6_PM = 'CYP2D6|*5/*5|Poor Metabolizer|0.0|2024-03-01';

function basis(changes: Partial<AdviceBasis> = {}): AdviceBasis {
  return { indicator: 'warning', results: [CYP2D6_PM], raisedBy: [], strongAvoid: false, ...changes };
}

function advice(changes: Partial<AdviceBasis> = {}): AdviceInstance {
  return {
    adviceKey: 'metoprolol|adjust-dose|Initiate with a reduced dose',
    drug: 'metoprolol',
    ruleId: 'cpic:metoprolol:row-1',
    basis: basis(changes),
  };
}

function ack(changes: Partial<Acknowledgement> = {}): Acknowledgement {
  return {
    adviceHash: adviceHash(advice().adviceKey),
    kind: 'overridden',
    cardUuid: 'card-1',
    at: new Date('2026-11-28T14:05:00.000Z'),
    by: 'Practitioner/123',
    reasonCode: 'will-monitor',
    basis: basis(),
    ...changes,
  };
}

describe('volumeVerdict', () => {
  it('shows an advice nobody acknowledged, as decided', () => {
    expect(volumeVerdict('order-select', advice(), [], POLICY)).toEqual({
      outcome: 'shown',
      indicator: 'warning',
    });
    expect(volumeVerdict('order-sign', advice(), [], POLICY)).toEqual({
      outcome: 'shown',
      indicator: 'warning',
    });
  });

  it('suppresses an acknowledged advice at order-select and lowers it orderSignSteps at order-sign', () => {
    expect(volumeVerdict('order-select', advice(), [ack()], POLICY)).toMatchObject({ outcome: 'suppressed' });
    expect(volumeVerdict('order-sign', advice(), [ack()], POLICY)).toMatchObject({
      outcome: 'demoted',
      indicator: 'info',
    });
    const critical = advice({ indicator: 'critical' });
    const criticalAck = ack({ basis: basis({ indicator: 'critical' }) });
    expect(
      volumeVerdict('order-sign', critical, [criticalAck], { ...POLICY, orderSignSteps: 1 }),
    ).toMatchObject({
      indicator: 'warning',
    });
    expect(
      volumeVerdict('order-sign', critical, [criticalAck], { ...POLICY, orderSignSteps: 2 }),
    ).toMatchObject({
      indicator: 'info',
    });
    // Never below info: order-sign still shows it.
    const info = advice({ indicator: 'info' });
    expect(
      volumeVerdict('order-sign', info, [ack({ basis: basis({ indicator: 'info' }) })], POLICY),
    ).toMatchObject({
      outcome: 'demoted',
      indicator: 'info',
    });
  });

  it('a "shown too often" rating counts like an override', () => {
    expect(volumeVerdict('order-select', advice(), [ack({ kind: 'too-often' })], POLICY)).toMatchObject({
      outcome: 'suppressed',
    });
  });

  it('acknowledgedDays 0 turns the policy off', () => {
    expect(volumeVerdict('order-select', advice(), [ack()], { ...POLICY, acknowledgedDays: 0 })).toEqual({
      outcome: 'shown',
      indicator: 'warning',
    });
  });

  it('never suppresses nor lowers a CPIC Strong avoid: shown as acknowledged at its decided indicator', () => {
    const strong = advice({ indicator: 'critical', strongAvoid: true });
    const strongAck = ack({ basis: basis({ indicator: 'critical', strongAvoid: true }) });
    for (const hook of ['order-select', 'order-sign'] as const) {
      for (const steps of [1, 2]) {
        expect(volumeVerdict(hook, strong, [strongAck], { ...POLICY, orderSignSteps: steps })).toMatchObject({
          outcome: 'acknowledged',
          indicator: 'critical',
          acknowledgement: strongAck,
        });
      }
    }
  });

  it('shows a worsened decision in full, judged against the newest acknowledgement', () => {
    const older = ack({ at: new Date('2026-11-01T00:00:00Z'), basis: basis({ indicator: 'info' }) });
    const newer = ack({ at: new Date('2026-11-20T00:00:00Z') });
    // Against the newest (warning then, warning now): not worse.
    expect(volumeVerdict('order-select', advice(), [newer, older], POLICY)).toMatchObject({
      outcome: 'suppressed',
    });
    expect(volumeVerdict('order-select', advice(), [older], POLICY)).toMatchObject({
      outcome: 'shown',
      indicator: 'warning',
    });
  });
});

describe('worsening', () => {
  it('names a higher indicator, a new result, new sensor evidence; nothing else', () => {
    expect(worsening(basis({ indicator: 'critical' }), basis())).toMatch(/now critical, it was warning/);
    expect(worsening(basis({ results: [CYP2D6_PM.replace('2024-03-01', '2026-11-20')] }), basis())).toMatch(
      /new result/,
    );
    expect(worsening(basis({ raisedBy: ['R1-metoprolol-resting-hr:resting-hr-below-60'] }), basis())).toMatch(
      /new sensor evidence/,
    );
    expect(worsening(basis(), basis())).toBeUndefined();
    // Lower now, or a result or sensor rule gone: not worse.
    expect(worsening(basis({ indicator: 'info', results: [] }), basis({ raisedBy: ['R1'] }))).toBeUndefined();
  });
});

describe('acknowledgementNote', () => {
  it('names who, when (as a person writes a date) and why; the reason label from its code', () => {
    const labels = new Map([['will-monitor', 'Will monitor the patient closely']]);
    expect(
      acknowledgementNote(ack({ comment: 'Pharmacy agreed', byName: 'Dr. Ada Obi' }), 'Practitioner/9', (c) =>
        labels.get(c),
      ),
    ).toBe(
      'Already acknowledged: overridden for this patient by Dr. Ada Obi on 28 Nov 2026 (reason: Will monitor the patient closely; comment: "Pharmacy agreed").',
    );
    expect(
      acknowledgementNote(ack({ reasonDisplay: 'Tolerated before', reasonCode: 'x' }), undefined),
    ).toContain('(reason: Tolerated before)');
  });

  it('says "you" to the clinician who acknowledged it, and never a FHIR reference', () => {
    expect(acknowledgementNote(ack({ byName: 'Dr. Ada Obi' }), 'Practitioner/123')).toBe(
      'Already acknowledged: overridden for this patient by you on 28 Nov 2026.',
    );
    // No name recorded (the EHR sent no `user` prefetch): someone else, in words.
    expect(acknowledgementNote(ack(), 'Practitioner/9')).toBe(
      'Already acknowledged: overridden for this patient by another clinician on 28 Nov 2026.',
    );
  });

  it('says only what is known', () => {
    const bare: Acknowledgement = {
      adviceHash: 'h',
      kind: 'overridden',
      cardUuid: 'c',
      at: new Date('2026-01-05T00:00:00Z'),
      basis: basis(),
    };
    expect(acknowledgementNote(bare, 'Practitioner/9')).toBe(
      'Already acknowledged: overridden for this patient on 5 Jan 2026.',
    );
    expect(acknowledgementNote({ ...bare, kind: 'too-often', by: 'Practitioner/9' }, 'Practitioner/9')).toBe(
      'Already acknowledged: rated "shown too often" for this patient by you on 5 Jan 2026.',
    );
  });

  it('writes no timestamp', () => {
    expect(humanDate(new Date('2026-11-29T23:59:59.999Z'))).toBe('29 Nov 2026');
    expect(acknowledgementNote(ack(), undefined)).not.toMatch(/\d{4}-\d{2}-\d{2}|T\d{2}:/);
  });
});

describe('keys', () => {
  it('keep no identifier in clear and tell patients, users, orders and advice apart', () => {
    expect(patientKey('smart-1288992')).toMatch(/^[0-9a-f]{64}$/);
    expect(patientKey('smart-1288992')).not.toContain('1288992');
    const k = { patientId: 'p', userId: 'Practitioner/1', orderRef: 'MedicationRequest/1', adviceKey: 'a' };
    const keys = new Set([
      orderSelectCacheKey(k),
      orderSelectCacheKey({ ...k, userId: 'Practitioner/2' }),
      orderSelectCacheKey({ ...k, orderRef: 'MedicationRequest/2' }),
      orderSelectCacheKey({ ...k, adviceKey: 'b' }),
      orderSelectCacheKey({ ...k, patientId: 'q' }),
    ]);
    expect(keys.size).toBe(5);
  });

  it('the window reaches back acknowledgedDays', () => {
    const now = new Date('2026-11-29T12:00:00Z');
    expect(acknowledgedSince(POLICY, now).toISOString()).toBe(
      new Date(now.getTime() - POLICY.acknowledgedDays * 86_400_000).toISOString(),
    );
  });
});

describe('volumeFlags', () => {
  const firings = (changes: Partial<RuleFirings>): RuleFirings => ({
    ruleId: 'cpic:metoprolol:row-1',
    drug: 'metoprolol',
    firings: 50,
    overridden: 0,
    accepted: 0,
    notUseful: 0,
    tooOften: 0,
    shown: { info: 0, warning: 50, critical: 0 },
    strongAvoid: false,
    newest: new Date('2026-11-29T00:00:00Z'),
    ...changes,
  });
  const { overrideRate, notUsefulRate, minFirings } = POLICY.flags;

  it('flags at the override limit, with a one-step demotion proposed and nothing applied', () => {
    const at = Math.ceil(overrideRate * 50);
    expect(volumeFlags([firings({ overridden: at - 1 })], POLICY)).toEqual([]);
    const [flag] = volumeFlags([firings({ overridden: at })], POLICY);
    expect(flag).toMatchObject({ usualIndicator: 'warning', proposedIndicator: 'info', firings: 50 });
    expect(flag?.reasons).toEqual([expect.stringMatching(/^Overridden on \d+ % of its last 50 cards/)]);
  });

  it('flags at the "not useful" limit', () => {
    const [flag] = volumeFlags([firings({ notUseful: Math.ceil(notUsefulRate * 50) })], POLICY);
    expect(flag?.reasons).toEqual([expect.stringMatching(/^Rated not useful/)]);
  });

  it('does not judge a rule with fewer than minFirings firings', () => {
    expect(volumeFlags([firings({ firings: minFirings - 1, overridden: minFirings - 1 })], POLICY)).toEqual(
      [],
    );
  });

  it('proposes no demotion for a CPIC Strong avoid; info rules would lose their card', () => {
    const [strong] = volumeFlags(
      [firings({ overridden: 50, strongAvoid: true, shown: { info: 0, warning: 0, critical: 50 } })],
      POLICY,
    );
    expect(strong?.proposedIndicator).toBeUndefined();
    expect(strong?.proposal).toMatch(/never demoted/);
    const [info] = volumeFlags(
      [firings({ overridden: 50, shown: { info: 50, warning: 0, critical: 0 } })],
      POLICY,
    );
    expect(info?.proposedIndicator).toBe('none');
  });
});
