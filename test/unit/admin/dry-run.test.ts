/**
 * The dry run before publish (issue 11 item 6): the draft loads as the registry would load it, and every enabled
 * sensor rule meets the synthetic cases built from its own triggers. A correct rule passes; an inverted operator, a
 * unit the sensors module never delivers, or a set that does not load fails with the reason in words.
 */
import { contentHashOf, dryRunThresholdSet } from '../../../src/admin/dry-run';
import { createRuleEngine } from '../../../src/rules/engine';
import { DEFAULT_THRESHOLDS, serializeThresholdSet } from '../../../src/rules/thresholds';
import type { ThresholdSet } from '../../../src/rules/thresholds';

const live = createRuleEngine(DEFAULT_THRESHOLDS);
const NOW = new Date('2026-11-29T12:00:00Z');

function stored(edit: (set: ThresholdSet) => void = () => undefined) {
  const set = structuredClone(DEFAULT_THRESHOLDS);
  edit(set);
  return { version: set.version, json: serializeThresholdSet(set) };
}

const run = (s: { version: string; json: string }) =>
  dryRunThresholdSet(s, { live, recorded: [], now: NOW, by: 'ivan' });

/** R1's trigger `id` in `set`. */
function r1Trigger(set: ThresholdSet, id: string) {
  const trigger = set.sensorRules
    .find((r) => r.id === 'R1-metoprolol-resting-hr')
    ?.triggers.find((t) => t.id === id);
  if (!trigger) throw new Error(`the default R1 has ${id}`);
  return trigger;
}

// Runs every rule of the set through the engine, a few hundred evaluations: seconds on a busy machine.
jest.setTimeout(30_000);

describe('dryRunThresholdSet', () => {
  it('passes the default set: every enabled rule meets its own cases', async () => {
    const report = await run(stored());
    expect(report).toMatchObject({ passed: true, loaded: true, problems: [], ranBy: 'ivan' });
    expect(report.contentHash).toBe(contentHashOf(stored().json));
    const r1 = report.rules.find((r) => r.id === 'R1-metoprolol-resting-hr');
    // Per trigger: beyond, other side, stale, insufficient; the lower range adds above-range and a new order.
    expect(r1?.failed).toBe(0);
    expect(r1?.cases.map((c) => c.expectation)).toContain('At 59.9/min: raises the card one step.');
    expect(r1?.cases.map((c) => c.expectation)).toContain(
      'At 60/min, on the other side of the threshold: does not act.',
    );
    expect(report.rules.every((r) => r.failed === 0 && (r.passed > 0 || !r.enabled))).toBe(true);
  });

  it('fails an inverted operator with the reason: the raise fires where the rule means to reassure', async () => {
    const report = await run(
      stored((set) => {
        r1Trigger(set, 'resting-hr-below-60').operator = 'greaterThan';
      }),
    );
    expect(report.passed).toBe(false);
    const failed = report.rules
      .find((r) => r.id === 'R1-metoprolol-resting-hr')
      ?.cases.filter((c) => !c.passed);
    expect(failed?.map((c) => c.trigger)).toContain('resting-hr-in-range');
    expect(failed?.find((c) => c.trigger === 'resting-hr-in-range')?.reason).toMatch(
      /did not lower the card: at the same value trigger resting-hr-below-60 raises the card/,
    );
  });

  it('fails a trigger whose unit the sensors module never delivers: the engine cannot read the metric', async () => {
    const report = await run(
      stored((set) => {
        r1Trigger(set, 'resting-hr-below-60').unit = 'Hz';
      }),
    );
    expect(report.passed).toBe(false);
    expect(report.problems.join(' ')).toMatch(/resting heart rate is measured in \/min, not Hz/);
    const cases = report.rules.find((r) => r.id === 'R1-metoprolol-resting-hr')?.cases ?? [];
    expect(cases.find((c) => c.trigger === 'resting-hr-below-60' && !c.passed)?.reason).toMatch(
      /did not raise the card: the data were not used \(unit \/min is not the threshold's Hz\)/,
    );
  });

  it('refuses a set that does not load, saying why, and runs no case', async () => {
    const broken = JSON.parse(stored().json) as { sensorRules: { triggers: { operator: string }[] }[] };
    const trigger = broken.sensorRules[0]?.triggers[0];
    if (trigger) trigger.operator = 'between';
    const report = await run({ version: DEFAULT_THRESHOLDS.version, json: JSON.stringify(broken) });
    expect(report).toMatchObject({ passed: false, loaded: false, rules: [] });
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatch(
      /^Sensor rule R1-metoprolol-resting-hr, trigger resting-hr-below-60: operator/,
    );
    expect(report.problems[0]).toContain('"between"');
  });

  it('does not run a rule that is turned off', async () => {
    const report = await run(
      stored((set) => {
        const rule = set.sensorRules[0];
        if (rule) rule.enabled = false;
      }),
    );
    expect(report.passed).toBe(true);
    expect(report.rules[0]).toMatchObject({ enabled: false, cases: [] });
  });

  it('says when a recorded call cannot be replayed under the draft', async () => {
    const report = await dryRunThresholdSet(stored(), {
      live: { ...live, evaluate: () => Promise.reject(new Error('engine out of order')) },
      recorded: [{ schema: 1, orders: [{}], genes: [] }],
      now: NOW,
      by: 'ivan',
    });
    expect(report.passed).toBe(false);
    expect(report.replay?.error).toMatch(/could not be replayed under the draft/);
  });
});
