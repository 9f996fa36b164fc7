/**
 * Shadow comparisons on a worker thread (`createWorkerComparer`, src/admin/shadow.ts): the same comparison as on the
 * main thread, and still answered after the shadow set has changed many times and the set in force with it.
 */
import request from 'supertest';
import { createWorkerComparer } from '../../src/admin/shadow';
import { compareRecorded } from '../../src/admin/thresholds';
import { createLogger } from '../../src/observability/logger';
import { createRuleEngine } from '../../src/rules/engine';
import { DEFAULT_THRESHOLDS, parseThresholdSet } from '../../src/rules/thresholds';
import type { Indicator } from '../../src/rules/thresholds';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { cdsFixture } from '../helpers/cds';

/** The default set with CPIC Strong "avoid" shown at `indicator`, under its own version label. */
function strongAvoidAt(indicator: Indicator, version: string) {
  return createRuleEngine(
    parseThresholdSet({
      ...DEFAULT_THRESHOLDS,
      version,
      interruption: {
        ...DEFAULT_THRESHOLDS.interruption,
        Strong: { ...DEFAULT_THRESHOLDS.interruption.Strong, avoid: indicator },
      },
    }),
  );
}

let t: TestApp;
let inputs: unknown;
const compare = createWorkerComparer(createLogger('silent'));

beforeAll(async () => {
  t = await startTestApp({ env: { LOG_LEVEL: 'silent' } });
  await request(t.app)
    .post('/cds-services/pgx-order-sign')
    .send(cdsFixture('sandbox-order-sign-clopidogrel.json'))
    .expect(200);
  const [recorded] = await t.store.invocations.listInputs({ last: 1 });
  inputs = recorded?.inputs;
});

afterAll(async () => {
  await t.close();
});

it('compares on the thread as on the main thread', async () => {
  const live = t.thresholds.live();
  const shadow = strongAvoidAt('warning', 'shadow-warning');
  const onThread = await compare(inputs, live, shadow);
  expect(onThread).toEqual(await compareRecorded(inputs, live, shadow));
  expect(onThread?.some((c) => c.change === 'change')).toBe(true);
}, 30_000);

it('answers after ten shadow sets and a new set in force, and again for the first shadow set', async () => {
  const first = strongAvoidAt('info', 'shadow-0');
  let live = t.thresholds.live();
  for (let i = 0; i < 10; i += 1) {
    if (i === 5) live = strongAvoidAt('critical', 'live-2');
    const shadow = i === 0 ? first : strongAvoidAt(i % 2 === 0 ? 'info' : 'warning', `shadow-${String(i)}`);
    expect(await compare(inputs, live, shadow)).toEqual(await compareRecorded(inputs, live, shadow));
  }
  expect(await compare(inputs, live, first)).toEqual(await compareRecorded(inputs, live, first));
}, 30_000);
