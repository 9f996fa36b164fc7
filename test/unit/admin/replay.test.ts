/**
 * What-if replay runs in the process that serves hook calls: a long one lets them through between its slices rather
 * than holding the event loop until it ends (a 10,000-call replay once held an order-sign call 5.7 s).
 */
import { REPLAY_SLICE_MS, replayAgainstDraft } from '../../../src/admin/thresholds';
import { createRuleEngine } from '../../../src/rules/engine';
import { DEFAULT_THRESHOLDS } from '../../../src/rules/thresholds';

const live = createRuleEngine(DEFAULT_THRESHOLDS);

describe('replayAgainstDraft', () => {
  it('lets the event loop turn once a slice of its time is spent', async () => {
    // A clock on which each reading is a slice later than the last: every recorded call starts a new slice.
    let now = 0;
    const clock = () => (now += REPLAY_SLICE_MS + 1);
    let turns = 0;
    let done = false;
    const turn = (): void => {
      if (done) return;
      turns += 1;
      setImmediate(turn);
    };
    setImmediate(turn);
    // Inputs of another schema are skipped: the loop runs without the cost of assessing.
    const report = await replayAgainstDraft(
      Array.from({ length: 5 }, () => ({ schema: 0 })),
      live,
      live,
      clock,
    );
    done = true;
    expect(report).toMatchObject({ invocations: 5, replayed: 0 });
    expect(turns).toBeGreaterThanOrEqual(4);
  });

  it('answers at once when its work fits in one slice', async () => {
    let turned = false;
    setImmediate(() => (turned = true));
    const report = await replayAgainstDraft([{ schema: 0 }], live, live, () => 0);
    expect(report.invocations).toBe(1);
    expect(turned).toBe(false);
  });
});
