/**
 * The override detail's "wearable data since the alert" (src/admin/overrides.ts `sinceAlert`): which measures it
 * follows and how it reads the later calls' recorded inputs. The summaries are the sensors module's own, built from
 * daily Observations as a watch sends them.
 */
import { assessmentInputs } from '../../../src/admin/evidence';
import { LATER_CALLS, sinceAlert } from '../../../src/admin/overrides';
import type { SensorModifier } from '../../../src/rules/types';
import type { RecordedInputs } from '../../../src/store';
import { AT } from '../../fixtures/rules/builders';
import { laterHeartRateCall } from '../../helpers/review-data';

/** A rule's reading of `metric`, as a card's decision records it. */
function modifier(metric: string): SensorModifier {
  return {
    ruleId: `rule:${metric}`,
    effect: 'raise',
    metric,
    status: 'sufficient',
    devices: [],
    note: '',
    evidence: 'guideline',
    source: 'a source',
  };
}

/** A later call's recorded inputs (`laterHeartRateCall`). */
function laterCall(daysAfter: number, bpm: number, minutesLater = 0): RecordedInputs {
  const { receivedAt, inputs } = laterHeartRateCall('Patient/later', daysAfter, bpm, minutesLater);
  return { receivedAt, inputs };
}

/** The summaries a call recorded: at the alert, the readings behind the card. */
function summariesOf(call: RecordedInputs) {
  return assessmentInputs(call.inputs)?.data.sensors.summary.metrics ?? [];
}

describe('sinceAlert', () => {
  it('follows the wearable measures the rules read, not the ordered dose', () => {
    expect(sinceAlert([modifier('order-dose')], [], [laterCall(1, 50)])).toBeUndefined();
    expect(sinceAlert([], [], [laterCall(1, 50)])).toBeUndefined();
    const since = sinceAlert(
      [modifier('order-dose'), modifier('resting-heart-rate')],
      [],
      [laterCall(1, 50)],
    );
    expect(since?.measures).toEqual(['resting heart rate']);
    expect(since?.sensors.map((s) => s.valueText)).toEqual(['50/min']);
  });

  it('gives each later reading once, in the order of the calls, and says when there may be more', () => {
    const hr = [modifier('resting-heart-rate')];
    const newest = laterCall(3, 47);
    // Two calls minutes apart (an order-select, then the order-sign) read the same readings: one row.
    const since = sinceAlert(hr, [], [laterCall(3, 47, 2), newest, laterCall(1, 50)]);
    expect(since?.sensors.map((s) => s.valueText)).toEqual(['47/min', '50/min']);
    expect(since?.more).toBe(false);
    const many = Array.from({ length: LATER_CALLS }, (_, i) => laterCall(LATER_CALLS - i, 50));
    expect(sinceAlert(hr, [], many)?.more).toBe(true);
    // Inputs of another shape (an older record) are passed over, not guessed at.
    expect(sinceAlert(hr, [], [{ receivedAt: new Date(AT), inputs: { schema: 0 } }])?.sensors).toEqual([]);
  });

  it('counts only readings taken after those behind the alert', () => {
    const hr = [modifier('resting-heart-rate')];
    // The alert read seven daily readings, the newest an hour before it.
    const atAlert = summariesOf(laterCall(0, 52));
    // The order-sign five minutes later read the same readings (a lower value would not make them new); the call a
    // day later read a new one.
    const since = sinceAlert(hr, atAlert, [laterCall(1, 49), laterCall(0, 51, 5)]);
    expect(since?.calls).toBe(2);
    expect(since?.sensors.map((s) => s.valueText)).toEqual(['49/min']);
    // A later call with only the alert's readings: read, but nothing new.
    expect(sinceAlert(hr, atAlert, [laterCall(0, 52, 30)])).toMatchObject({ calls: 1, sensors: [] });
  });
});
