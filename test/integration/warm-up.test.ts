/**
 * The warm-up before the service listens (`src/demo/warm-up.ts`): the order-sign hook once per demo patient, the
 * record read in process from the bundled demo data through the FHIR fallback, the patient's demo order as the draft.
 */
import { loadServiceDefinitions } from '../../src/cds/discovery';
import type { HookAnswer, HookHandler } from '../../src/cds/routes';
import { loadDemoData } from '../../src/demo';
import { warmUp } from '../../src/demo/warm-up';
import { createHookHandlers } from '../../src/hooks';
import { createLogger } from '../../src/observability/logger';
import { KNOWLEDGE_VERSION } from '../../src/rules/cpic';
import { createRuleEngine } from '../../src/rules/engine';
import { DEFAULT_THRESHOLDS } from '../../src/rules/thresholds';

it('runs order-sign once per demo patient on the data it reads through the FHIR fallback', async () => {
  const engine = createRuleEngine(DEFAULT_THRESHOLDS);
  const orderSign = createHookHandlers({ ruleEngine: () => engine, knowledgeVersion: KNOWLEDGE_VERSION })[
    'order-sign'
  ];
  const answers = new Map<string, HookAnswer>();
  const watched: HookHandler<'order-sign'> = async (call) => {
    const answer = await orderSign(call);
    answers.set(call.request.context.patientId, answer);
    return answer;
  };
  const service = loadServiceDefinitions().find((s) => s.hook === 'order-sign');
  if (!service) throw new Error('no order-sign service in cds-services.json');
  const demo = loadDemoData(new Date());

  const result = await warmUp(watched, service, createLogger('silent'), demo);

  expect([...answers.keys()]).toEqual(demo.index.patients.map((p) => p.id));
  expect(result.calls).toBe(demo.index.patients.length);
  expect(result.withCards).toBe([...answers.values()].filter((a) => a.cards.length > 0).length);
  // The record was read from the demo data: the CYP2C19 poor metabolizer's clopidogrel order is advised against.
  const clopidogrel = answers.get('demo-cyp2c19-pm')?.cards ?? [];
  expect(clopidogrel.map((c) => [c.indicator, c.summary])).toContainEqual([
    'critical',
    expect.stringMatching(/^Avoid clopidogrel: CYP2C19 Poor Metabolizer/),
  ]);
});
