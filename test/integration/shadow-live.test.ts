/**
 * Shadow mode compares the shadow set's decisions with those the live call made (src/admin/shadow.ts): what it stores
 * for a call must be what what-if replay finds for the same recorded inputs under both sets, or the shadow view and
 * the replay view of one draft would disagree.
 */
import request from 'supertest';
import { compareRecorded } from '../../src/admin/thresholds';
import type { ComparedDecision } from '../../src/admin/thresholds';
import { createRuleEngine } from '../../src/rules/engine';
import { DEFAULT_THRESHOLDS, parseThresholdSet } from '../../src/rules/thresholds';
import type { Indicator } from '../../src/rules/thresholds';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { cdsFixture } from '../helpers/cds';

/** The default set with CPIC Strong "avoid" shown at `indicator`, under its own version label. */
function strongAvoidAt(indicator: Indicator, version: string) {
  return parseThresholdSet({
    ...DEFAULT_THRESHOLDS,
    version,
    interruption: {
      ...DEFAULT_THRESHOLDS.interruption,
      Strong: { ...DEFAULT_THRESHOLDS.interruption.Strong, avoid: indicator },
    },
  });
}

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ env: { LOG_LEVEL: 'silent' } });
});

afterAll(async () => {
  await t.close();
});

/** Sends `fixture` with `version` as the shadow set; resolves with the comparison stored and the inputs recorded. */
async function shadowCall(fixture: string, version: string) {
  await request(t.app).post('/cds-services/pgx-order-sign').send(cdsFixture(fixture)).expect(200);
  // The comparison is made after the answer and written in a batch: wait for it.
  for (let i = 0; i < 100; i += 1) {
    const rows = await t.store.shadow.list(version, 10);
    if (rows.length > 0) {
      const [recorded] = await t.store.invocations.listInputs({ last: 1 });
      return { stored: rows[0]?.comparison as ComparedDecision[], inputs: recorded?.inputs };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no shadow comparison was stored');
}

it('stores for a live call what replay finds for its recorded inputs under both sets', async () => {
  const shadow = strongAvoidAt('warning', 'shadow-warning');
  t.thresholds.setShadow(shadow);
  const { stored, inputs } = await shadowCall('sandbox-order-sign-clopidogrel.json', 'shadow-warning');
  t.thresholds.setShadow(undefined);
  expect(stored).toEqual(await compareRecorded(inputs, t.thresholds.live(), createRuleEngine(shadow)));
  // The clopidogrel poor-metabolizer "avoid" card is critical in force and would be a warning under the shadow set.
  expect(stored.some((c) => c.change === 'change' && c.from === 'critical' && c.to === 'warning')).toBe(true);
});

it('finds no difference when the shadow set decides as the set in force does', async () => {
  t.thresholds.setShadow(parseThresholdSet({ ...DEFAULT_THRESHOLDS, version: 'shadow-same' }));
  const { stored } = await shadowCall('sandbox-order-sign-clopidogrel.json', 'shadow-same');
  t.thresholds.setShadow(undefined);
  expect(stored.length).toBeGreaterThan(0);
  expect(stored.every((c) => c.change === 'same' && c.from === c.to)).toBe(true);
});
