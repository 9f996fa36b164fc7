/**
 * `npm run simulate:volume` on a tiny population: the invariants hold (no CPIC Strong avoid hidden, the policy never
 * adds interruptive cards, every call counted) and a seed gives the same figures twice.
 */
import { DEFAULT_OPTIONS, RATES, runSimulation } from '../../scripts/simulate-volume';
import type { SimulationOptions } from '../../scripts/simulate-volume';

const TINY: SimulationOptions = { ...DEFAULT_OPTIONS, episodes: 60, patients: 12, clinicians: 4, seed: 7 };

describe('the volume simulation', () => {
  it('hides no Strong avoid, never adds interruptive cards, and is deterministic for a seed', async () => {
    const rate = RATES.overrideHigh.value;
    const off = await runSimulation(TINY, false, rate);
    const on = await runSimulation(TINY, true, rate);

    expect(off.calls).toBe(off.orderSelectCalls + off.orderSignCalls);
    expect(off.orderSignCalls).toBeGreaterThan(0);
    expect(off.orderSelectCalls).toBeGreaterThanOrEqual(off.orderSignCalls);
    expect(on.strongAvoidDecided).toBeGreaterThan(0);
    expect(on.strongAvoidHidden).toBe(0);
    expect(off.strongAvoidHidden).toBe(0);
    // Without the policy nothing is suppressed or lowered; with it, repeat orders of overridden advice are.
    expect(off.outcomes.suppressed ?? 0).toBe(0);
    expect(off.outcomes.demoted ?? 0).toBe(0);
    expect((on.outcomes.suppressed ?? 0) + (on.outcomes.demoted ?? 0)).toBeGreaterThan(0);
    expect(on.interruptivePer100Calls).toBeLessThan(off.interruptivePer100Calls);

    expect(await runSimulation(TINY, true, rate)).toEqual(on);
  });
});
