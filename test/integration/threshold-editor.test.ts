/**
 * The informaticist's threshold editor (`/api/thresholds`, issue 11 items 1–2): the published set with meaning, unit
 * and source; drafts; validation messages in words for each case the issue names; the diff; what-if replay of
 * recorded calls with known answers; publish (comment required) applied by this process at once; rollback; audit.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { serializeThresholdSet } from '../../src/rules/thresholds';
import type { ThresholdSet } from '../../src/rules/thresholds';
import { researchThreshold } from '../reference';
import { SCRAPER, startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { startTestIssuer } from '../helpers/oidc';
import type { TestIssuer } from '../helpers/oidc';

const EXAMPLE = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../examples/order-sign-clopidogrel-cyp2c19-pm.json'), 'utf8'),
) as Record<string, unknown>;

let issuer: TestIssuer;
let t: TestApp;
let informaticist: string;
let pharmacist: string;

interface Entry {
  path: string;
  drug: string;
  rule: string;
  meaning: string;
  value: unknown;
  unit?: string;
  source: string;
}
interface Outcome {
  issue: { diagnostics?: string }[];
}

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const texts = (body: unknown) => (body as Outcome).issue.map((i) => i.diagnostics);

async function orderSignCards(): Promise<number> {
  const res = await request(t.app)
    .post('/cds-services/pgx-order-sign')
    .send({ ...EXAMPLE, hookInstance: crypto.randomUUID() })
    .expect(200);
  return (res.body as { cards: unknown[] }).cards.length;
}

async function newDraft(version: string): Promise<ThresholdSet> {
  const res = await request(t.app)
    .post('/api/thresholds/drafts')
    .set(auth(informaticist))
    .send({ version })
    .expect(201);
  return (res.body as { set: ThresholdSet }).set;
}

/** Runs the dry run of a draft (no recorded call replayed unless asked) and checks its outcome. */
async function dryRun(version: string, passed: boolean, last = 0): Promise<DryRun> {
  const res = await request(t.app)
    .post(`/api/thresholds/drafts/${version}/dry-run`)
    .set(auth(informaticist))
    .send({ last })
    .expect(200);
  const report = res.body as DryRun;
  expect(report.passed).toBe(passed);
  return report;
}

interface DryRun {
  passed: boolean;
  loaded: boolean;
  contentHash: string;
  problems: string[];
  rules: {
    id: string;
    enabled: boolean;
    failed: number;
    cases: { trigger: string; passed: boolean; reason?: string }[];
  }[];
  replay?: { invocations: number; replayed: number };
}

beforeAll(async () => {
  issuer = await startTestIssuer();
  // Shadow comparisons on a worker thread, as main.ts makes them.
  t = await startTestApp({ env: issuer.env() });
  informaticist = await issuer.token('ivan', { claims: { roles: ['informaticist'] } });
  pharmacist = await issuer.token('pia', { claims: { roles: ['pharmacist'] } });
});

afterAll(async () => {
  await t.close();
  await issuer.close();
});

describe('the published set', () => {
  it('lists each value by drug and rule with its meaning, unit and source', async () => {
    const res = await request(t.app).get('/api/thresholds').set(auth(informaticist)).expect(200);
    const body = res.body as { published: { version: string; entries: Entry[] } };
    expect(body.published.version).toBe(t.thresholds.live().thresholdVersion);
    const r1 = body.published.entries.find(
      (e) => e.rule === 'R1-metoprolol-resting-hr' && e.path.endsWith('triggers.0.value'),
    );
    expect(r1).toMatchObject({ drug: 'metoprolol', value: researchThreshold('R1.raise'), unit: '/min' });
    expect(r1?.meaning).toMatch(/^Resting heart rate below this value: raises the card one step$/);
    expect(r1?.source).toMatch(/CPIC 2024/);
  });

  it('is for informaticists only', async () => {
    await request(t.app).get('/api/thresholds').set(auth(pharmacist)).expect(403);
    await request(t.app).get('/api/thresholds').expect(401);
  });
});

describe('validation in words', () => {
  let draft: ThresholdSet;
  beforeAll(async () => {
    draft = await newDraft('words-1');
  });

  const save = (set: unknown, extra: Record<string, unknown> = {}) =>
    request(t.app)
      .put('/api/thresholds/drafts/words-1')
      .set(auth(informaticist))
      .send({ set, ...extra });

  it('explains a value out of range', async () => {
    const res = await save({ ...draft, volume: { ...draft.volume, acknowledgedDays: 400 } }).expect(422);
    expect(texts(res.body)).toEqual(['volume acknowledgedDays: must be at most 365 (is 400).']);
  });

  it('explains a window shorter than its sufficiency limit', async () => {
    const hr = draft.sufficiency['resting-heart-rate'];
    if (!hr) throw new Error('the default set has a resting heart rate entry');
    const res = await save({
      ...draft,
      sufficiency: { ...draft.sufficiency, 'resting-heart-rate': { ...hr, windowDays: hr.minDays - 1 } },
    }).expect(422);
    expect(texts(res.body)).toEqual([
      `Data sufficiency for resting heart rate: the window of ${String(hr.minDays - 1)} days is shorter than the ${String(hr.minDays)} days with data it requires, so no rule could ever act on it.`,
    ]);
  });

  it('explains a unit that does not fit the metric', async () => {
    const rules = structuredClone(draft.sensorRules);
    const trigger = rules[0]?.triggers[0];
    if (!trigger) throw new Error('the default set has R1');
    trigger.unit = 'mg/dL';
    const res = await save({ ...draft, sensorRules: rules }).expect(422);
    expect(texts(res.body)).toEqual([
      `Sensor rule ${rules[0]?.id ?? ''}, trigger ${trigger.id}: resting heart rate is measured in /min, not mg/dL.`,
    ]);
  });

  it('refuses a contraindication demoted below warning until it is acknowledged', async () => {
    const demoted = {
      ...draft,
      interruption: { ...draft.interruption, Strong: { ...draft.interruption.Strong, avoid: 'info' } },
    };
    const refused = await save(demoted).expect(422);
    expect(texts(refused.body)[0]).toMatch(
      /^A CPIC Strong "avoid" \(a contraindication\) would give an info card\./,
    );
    const validated = await request(t.app)
      .post('/api/thresholds/validate')
      .set(auth(informaticist))
      .send({ set: demoted })
      .expect(200);
    expect(validated.body).toMatchObject({ valid: false, problems: [{ path: 'interruption.Strong.avoid' }] });
    await save(demoted, { acknowledgeDemotion: true }).expect(200);
    const audits = await t.store.audit.list({ action: 'thresholds.draft.save' });
    expect(audits[0]?.details).toMatchObject({ acknowledgedDemotion: true });
  });

  it('shows the draft against the published set in words', async () => {
    const res = await request(t.app)
      .get('/api/thresholds/drafts/words-1/diff')
      .set(auth(informaticist))
      .expect(200);
    expect(res.body).toEqual({
      from: t.thresholds.live().thresholdVersion,
      to: 'words-1',
      changes: [
        {
          path: 'interruption.Strong.avoid',
          from: 'critical',
          to: 'info',
          text: 'Card for a CPIC Strong row that advises avoid: critical → info.',
        },
      ],
    });
  });
});

describe('what-if replay, publish and rollback', () => {
  const CALLS = 3;
  let quiet: ThresholdSet;
  beforeAll(async () => {
    for (let i = 0; i < CALLS; i += 1) expect(await orderSignCards()).toBe(1);
    const draft = await newDraft('quiet-clopidogrel');
    quiet = {
      ...draft,
      drugOverrides: {
        ...draft.drugOverrides,
        clopidogrel: { indicator: 'none', actions: ['adjust-dose', 'monitor'], reason: 'Replay test' },
      },
    };
    // Covers only actions the example's advice is not: nothing changes.
    await request(t.app)
      .put('/api/thresholds/drafts/quiet-clopidogrel')
      .set(auth(informaticist))
      .send({ set: quiet })
      .expect(200);
  });

  it('counts the cards a draft would change, per rule and per drug–gene pair, with examples', async () => {
    // A body that is neither shape says what to send, not zod's "Invalid input".
    const empty = await request(t.app)
      .post('/api/thresholds/drafts/quiet-clopidogrel/replay')
      .set(auth(informaticist))
      .send({});
    expect(empty).toBeOutcome(400, 'ADMIN_INVALID_REQUEST', 'invalid');
    expect(JSON.stringify(empty.body)).toContain('give either { \\"last\\": N }');
    expect(JSON.stringify(empty.body)).not.toContain('Invalid input');
    const unchanged = await request(t.app)
      .post('/api/thresholds/drafts/quiet-clopidogrel/replay')
      .set(auth(informaticist))
      .send({ last: 100 })
      .expect(200);
    expect(unchanged.body).toMatchObject({
      replayed: CALLS,
      totals: { appear: 0, disappear: 0, change: 0, same: CALLS },
    });

    quiet = {
      ...quiet,
      drugOverrides: {
        clopidogrel: {
          indicator: 'none',
          actions: ['avoid', 'adjust-dose', 'monitor', 'order-test'],
          reason: 'Replay test',
        },
      },
    };
    await request(t.app)
      .put('/api/thresholds/drafts/quiet-clopidogrel')
      .set(auth(informaticist))
      .send({ set: quiet, acknowledgeDemotion: true })
      .expect(200);
    const res = await request(t.app)
      .post('/api/thresholds/drafts/quiet-clopidogrel/replay')
      .set(auth(informaticist))
      .send({ last: 100 })
      .expect(200);
    const body = res.body as {
      replayed: number;
      totals: Record<string, number>;
      byPair: { key: string; disappear: number; examples: { change: string; summary: string }[] }[];
      byRule: { key: string; disappear: number }[];
    };
    expect(body.replayed).toBe(CALLS);
    expect(body.totals).toEqual({ appear: 0, disappear: CALLS, change: 0, same: 0 });
    const pair = body.byPair.find((g) => g.key === 'clopidogrel|CYP2C19');
    expect(pair?.disappear).toBe(CALLS);
    expect(pair?.examples[0]?.change).toBe('disappear');
    expect(pair?.examples[0]?.summary).toMatch(/clopidogrel/i);
    expect(pair?.examples[0]?.summary).toMatch(/CYP2C19/);
    expect(body.byRule.reduce((n, g) => n + g.disappear, 0)).toBeGreaterThanOrEqual(CALLS);
  });

  it('publishes only with a comment, applies the set at once and audits it', async () => {
    const none = await request(t.app)
      .post('/api/thresholds/publish')
      .set(auth(informaticist))
      .send({ version: 'quiet-clopidogrel', comment: ' ', acknowledgeDemotion: true })
      .expect(400);
    expect(texts(none.body).join(' ')).toMatch(/comment/);
    await request(t.app)
      .post('/api/thresholds/publish')
      .set(auth(informaticist))
      .send({ version: 'quiet-clopidogrel', comment: 'Silence clopidogrel while the pharmacy reviews it' })
      .expect(422);
    await dryRun('quiet-clopidogrel', true);
    await request(t.app)
      .post('/api/thresholds/publish')
      .set(auth(informaticist))
      .send({
        version: 'quiet-clopidogrel',
        comment: 'Silence clopidogrel while the pharmacy reviews it',
        acknowledgeDemotion: true,
      })
      .expect(200);
    expect(t.thresholds.live().thresholdVersion).toBe('quiet-clopidogrel');
    expect(await orderSignCards()).toBe(0);
    const [audit] = await t.store.audit.list({ action: 'thresholds.publish' });
    expect(audit).toMatchObject({
      actor: 'ivan',
      role: 'informaticist',
      target: 'thresholds/quiet-clopidogrel',
    });
  });

  it('rolls back to an earlier version in one action', async () => {
    const loud = await newDraft('loud-clopidogrel');
    expect(loud.drugOverrides).toHaveProperty('clopidogrel');
    await request(t.app)
      .put('/api/thresholds/drafts/loud-clopidogrel')
      .set(auth(informaticist))
      .send({ set: { ...loud, drugOverrides: {} } })
      .expect(200);
    await dryRun('loud-clopidogrel', true);
    await request(t.app)
      .post('/api/thresholds/publish')
      .set(auth(informaticist))
      .send({ version: 'loud-clopidogrel', comment: 'Review done' })
      .expect(200);
    expect(await orderSignCards()).toBe(1);
    await request(t.app)
      .put('/api/thresholds/drafts/loud-clopidogrel')
      .set(auth(informaticist))
      .send({ set: loud })
      .expect(409);

    await request(t.app)
      .post('/api/thresholds/rollback')
      .set(auth(informaticist))
      .send({ version: 'quiet-clopidogrel', comment: 'Too many overrides again' })
      .expect(200);
    expect(t.thresholds.live().thresholdVersion).toBe('quiet-clopidogrel');
    expect(await orderSignCards()).toBe(0);
    const overview = await request(t.app).get('/api/thresholds').set(auth(informaticist)).expect(200);
    const events = (overview.body as { events: { action: string; version: string; comment?: string }[] })
      .events;
    expect(events[0]).toMatchObject({
      action: 'rollback',
      version: 'quiet-clopidogrel',
      comment: 'Too many overrides again',
    });
    await request(t.app)
      .post('/api/thresholds/rollback')
      .set(auth(informaticist))
      .send({ version: 'words-1', comment: 'never published' })
      .expect(409);
    await request(t.app)
      .post('/api/thresholds/rollback')
      .set(auth(informaticist))
      .send({ version: 'no-such-set', comment: 'x' })
      .expect(404);
  });
});

describe('shadow mode', () => {
  /** The shadow comparisons stored so far, once the background comparison of the last call has been written. */
  async function shadowRows(atLeast: number) {
    // Up to 20 s: the worker thread starts with the first comparison (under ts-jest it compiles the rules first).
    for (let i = 0; i < 2000; i += 1) {
      const rows = await t.store.shadow.list('shadow-loud', 100);
      if (rows.length >= atLeast) return rows;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return t.store.shadow.list('shadow-loud', 100);
  }

  it('runs a draft beside the set in force on live calls, never shows its cards, and compares them', async () => {
    // The set in force silences clopidogrel (published above); the shadow draft does not.
    expect(await orderSignCards()).toBe(0);
    const draft = await newDraft('shadow-loud');
    await request(t.app)
      .put('/api/thresholds/drafts/shadow-loud')
      .set(auth(informaticist))
      .send({ set: { ...draft, drugOverrides: {} } })
      .expect(200);
    await request(t.app)
      .post('/api/thresholds/shadow')
      .set(auth(informaticist))
      .send({ version: 'shadow-loud' })
      .expect(200);
    expect(t.thresholds.shadow()?.thresholdVersion).toBe('shadow-loud');

    expect(await orderSignCards()).toBe(0);
    expect(await orderSignCards()).toBe(0);
    expect(await shadowRows(2)).toHaveLength(2);

    const res = await request(t.app).get('/api/thresholds/shadow').set(auth(informaticist)).expect(200);
    const body = res.body as {
      version: string;
      report: { replayed: number; totals: Record<string, number>; byPair: { key: string; appear: number }[] };
    };
    expect(body.version).toBe('shadow-loud');
    expect(body.report.replayed).toBe(2);
    expect(body.report.totals).toEqual({ appear: 2, disappear: 0, change: 0, same: 0 });
    expect(body.report.byPair.find((g) => g.key === 'clopidogrel|CYP2C19')?.appear).toBe(2);

    await request(t.app)
      .post('/api/thresholds/shadow')
      .set(auth(informaticist))
      .send({ version: null })
      .expect(200);
    expect(t.thresholds.shadow()).toBeUndefined();
    expect(await orderSignCards()).toBe(0);
    expect(await t.store.shadow.list('shadow-loud', 100)).toHaveLength(2);
    const [audit] = await t.store.audit.list({ action: 'thresholds.shadow' });
    expect(audit?.details).toMatchObject({ version: null, previous: 'shadow-loud' });
  });
});

describe('watch after publish', () => {
  it('compares each rule’s firing rate since the latest publication with the 28 days before', async () => {
    const res = await request(t.app).get('/api/thresholds/watch').set(auth(informaticist)).expect(200);
    const body = res.body as {
      version: string;
      watching: boolean;
      baselineDays: number;
      rules: {
        rule: string;
        baselineRate: number;
        days: { calls: number; firings: number }[];
        flagged: boolean;
      }[];
    };
    expect(body).toMatchObject({ version: 'quiet-clopidogrel', watching: true, baselineDays: 28 });
    const clopidogrel = body.rules.find((r) => r.rule.startsWith('cpic:') && r.baselineRate > 0);
    expect(clopidogrel?.days).toHaveLength(1);
    // Silenced since the rollback: the calls made since then gave no card.
    expect(clopidogrel?.days[0]?.firings).toBe(0);
    expect(clopidogrel?.days[0]?.calls).toBeGreaterThan(0);
    await request(t.app).get('/api/thresholds/watch').set(auth(pharmacist)).expect(403);
  });
});

describe('sensor rules: authored one by one, schema-checked and dry-run before publish', () => {
  const R1 = 'R1-metoprolol-resting-hr';
  let draft: ThresholdSet;
  let r1: Record<string, unknown>;
  const ruleUrl = (id: string) => `/api/thresholds/drafts/sensor-rules-1/sensor-rules/${id}`;
  const publish = () =>
    request(t.app)
      .post('/api/thresholds/publish')
      .set(auth(informaticist))
      // Made from the set in force, which silences clopidogrel (acknowledged above).
      .send({ version: 'sensor-rules-1', comment: 'Metoprolol rule reviewed', acknowledgeDemotion: true });

  beforeAll(async () => {
    draft = await newDraft('sensor-rules-1');
    r1 = structuredClone(draft.sensorRules.find((r) => r.id === R1)) as unknown as Record<string, unknown>;
  });

  it('serves the JSON Schema of a threshold set and of one sensor rule, to informaticists', async () => {
    const res = await request(t.app).get('/api/thresholds/schema').set(auth(informaticist)).expect(200);
    const body = res.body as {
      thresholdSet: { properties: Record<string, unknown> };
      sensorRule: {
        required: string[];
        properties: { triggers: { items: { properties: { metric: { enum: string[] } } } } };
      };
    };
    expect(body.thresholdSet.properties).toHaveProperty('sensorRules');
    expect(body.sensorRule.required).toEqual(expect.arrayContaining(['id', 'enabled', 'drugs', 'triggers']));
    expect(body.sensorRule.properties.triggers.items.properties.metric.enum).toContain('resting-heart-rate');
    await request(t.app).get('/api/thresholds/schema').set(auth(pharmacist)).expect(403);
  });

  it('lists each rule of a draft with its conditions in words', async () => {
    const res = await request(t.app)
      .get('/api/thresholds/versions/sensor-rules-1')
      .set(auth(informaticist))
      .expect(200);
    const rules = (res.body as { rules: { id: string; words: string[]; rule: { id: string } }[] }).rules;
    const view = rules.find((r) => r.id === R1);
    expect(view?.rule.id).toBe(R1);
    expect(view?.words).toContain(
      'Raise the card one step when the resting heart rate over the last 7 days is below 60/min.',
    );
  });

  it('refuses a broken rule with its reason, at check and at save, and saves nothing', async () => {
    const broken = structuredClone(r1);
    (broken.triggers as Record<string, unknown>[])[0] = {
      ...(broken.triggers as Record<string, unknown>[])[0],
      operator: 'between',
    };
    const checked = await request(t.app)
      .post(`${ruleUrl(R1)}/check`)
      .set(auth(informaticist))
      .send({ rule: broken })
      .expect(200);
    expect(checked.body).toMatchObject({ valid: false });
    const refused = await request(t.app)
      .put(ruleUrl(R1))
      .set(auth(informaticist))
      .send({ rule: broken })
      .expect(422);
    expect(texts(refused.body)).toHaveLength(1);
    expect(texts(refused.body)[0]).toMatch(
      /^Sensor rule R1-metoprolol-resting-hr, trigger resting-hr-below-60: operator: must be lessThan/,
    );
    expect(texts(refused.body)[0]).toContain('"between"');
    const stored = (await t.store.thresholds.list()).find((r) => r.version === 'sensor-rules-1');
    expect(stored?.json).not.toContain('between');
  });

  it('turns a rule off, adds one and removes it, each saved and audited; other roles are refused', async () => {
    const off = await request(t.app)
      .put(ruleUrl(R1))
      .set(auth(informaticist))
      .send({ rule: { ...r1, enabled: false } })
      .expect(200);
    const offView = (off.body as { rules: { id: string; enabled: boolean; words: string[] }[] }).rules.find(
      (r) => r.id === R1,
    );
    expect(offView).toMatchObject({ enabled: false });
    expect(offView?.words[0]).toMatch(/^Turned off: never applies\./);

    const added = {
      ...r1,
      id: 'R13-metoprolol-fast-hr',
      enabled: true,
      triggers: [
        {
          ...(r1.triggers as Record<string, unknown>[])[0],
          id: 'resting-hr-above-100',
          operator: 'greaterThan',
          value: 100,
        },
      ],
    };
    const saved = await request(t.app)
      .put(ruleUrl('R13-metoprolol-fast-hr'))
      .set(auth(informaticist))
      .send({ rule: added })
      .expect(200);
    expect((saved.body as { rules: { id: string }[] }).rules.map((r) => r.id)).toContain(
      'R13-metoprolol-fast-hr',
    );
    await request(t.app).delete(ruleUrl('R13-metoprolol-fast-hr')).set(auth(informaticist)).expect(200);
    await request(t.app).delete(ruleUrl('R13-metoprolol-fast-hr')).set(auth(informaticist)).expect(400);
    await request(t.app).put(ruleUrl(R1)).set(auth(informaticist)).send({ rule: r1 }).expect(200);

    await request(t.app).put(ruleUrl(R1)).set(auth(pharmacist)).send({ rule: r1 }).expect(403);
    await request(t.app).delete(ruleUrl(R1)).set(auth(pharmacist)).expect(403);
    await request(t.app)
      .post('/api/thresholds/drafts/sensor-rules-1/dry-run')
      .set(auth(pharmacist))
      .send({})
      .expect(403);
    const saves = await t.store.audit.list({ action: 'thresholds.sensor-rule.save' });
    expect(saves.map((a) => a.details)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'R13-metoprolol-fast-hr', added: true }),
        expect.objectContaining({ rule: R1, added: false, enabled: false }),
      ]),
    );
    const [removed] = await t.store.audit.list({ action: 'thresholds.sensor-rule.remove' });
    expect(removed).toMatchObject({ actor: 'ivan', details: { rule: 'R13-metoprolol-fast-hr' } });
  });

  it('refuses to publish without a passing dry run of the current content, and publishes after one', async () => {
    // R1's raise inverted: the rule now raises where its reassuring range lies. It saves (each field is valid) …
    const inverted = structuredClone(r1);
    (inverted.triggers as Record<string, unknown>[])[0] = {
      ...(inverted.triggers as Record<string, unknown>[])[0],
      operator: 'greaterThan',
    };
    await request(t.app).put(ruleUrl(R1)).set(auth(informaticist)).send({ rule: inverted }).expect(200);
    const never = await publish().expect(409);
    expect(texts(never.body)).toEqual([
      'Run a dry run of sensor-rules-1 before publishing it: it has never been dry-run.',
    ]);

    // … but its dry run fails, with the reason, and publishing stays refused.
    const failing = await dryRun('sensor-rules-1', false);
    const r1Run = failing.rules.find((r) => r.id === R1);
    expect(r1Run?.cases.find((c) => !c.passed)?.reason).toMatch(/resting-hr-below-60 raises the card/);
    const failed = await publish().expect(409);
    expect(texts(failed.body)[0]).toMatch(/its last dry run failed/);

    // Corrected (and the limit lowered to 58/min, so there is something to publish), the old run no longer counts:
    // the content changed.
    const corrected = structuredClone(r1);
    (corrected.triggers as Record<string, unknown>[])[0] = {
      ...(corrected.triggers as Record<string, unknown>[])[0],
      value: 58,
    };
    await request(t.app).put(ruleUrl(R1)).set(auth(informaticist)).send({ rule: corrected }).expect(200);
    const changed = await publish().expect(409);
    expect(texts(changed.body)[0]).toMatch(/it changed after its last dry run/);
    const passing = await dryRun('sensor-rules-1', true, 100);
    expect(passing.loaded).toBe(true);
    expect(passing.replay?.replayed).toBeGreaterThan(0);
    const latest = await request(t.app)
      .get('/api/thresholds/drafts/sensor-rules-1/dry-run')
      .set(auth(informaticist))
      .expect(200);
    expect(latest.body).toMatchObject({
      current: true,
      latest: { passed: true, contentHash: passing.contentHash },
    });

    await publish().expect(200);
    expect(t.thresholds.live().thresholdVersion).toBe('sensor-rules-1');
    const runs = await t.store.audit.list({ action: 'thresholds.dry-run' });
    expect(runs[0]).toMatchObject({
      actor: 'ivan',
      role: 'informaticist',
      target: 'thresholds/sensor-rules-1',
    });
    expect(runs[0]?.details).toMatchObject({ passed: true, contentHash: passing.contentHash });
    expect(runs.some((a) => a.details.passed === false)).toBe(true);
  });

  it('never swaps in a stored set that does not load, and counts the refusal in /metrics', async () => {
    const broken = JSON.parse(serializeThresholdSet({ ...draft, version: 'broken-rule' })) as {
      sensorRules: { triggers: { operator: string }[] }[];
    };
    const trigger = broken.sensorRules[0]?.triggers[0];
    if (trigger) trigger.operator = 'between';
    // Written past the API (which refuses it), as a faulty import or another tool could.
    await t.store.thresholds.saveDraft({
      version: 'broken-rule',
      json: JSON.stringify(broken),
      createdBy: 'import',
    });
    // The API refuses to publish it, with the reason, and its dry run says why it does not load.
    const viaApi = await request(t.app)
      .post('/api/thresholds/publish')
      .set(auth(informaticist))
      .send({ version: 'broken-rule', comment: 'Imported', acknowledgeDemotion: true })
      .expect(422);
    expect(texts(viaApi.body)[0]).toBe('Threshold set broken-rule does not load.');
    expect(texts(viaApi.body)[1]).toMatch(
      /^Sensor rule R1-metoprolol-resting-hr, trigger resting-hr-below-60: operator: must be/,
    );

    const run = await dryRun('broken-rule', false);
    expect(run.loaded).toBe(false);
    expect(run.problems[0]).toMatch(
      /^Sensor rule R1-metoprolol-resting-hr, trigger resting-hr-below-60: operator: must be/,
    );
    const refused = await t.thresholds.publish('broken-rule', { by: 'import' });
    expect(refused).toMatchObject({ status: 'rejected', version: 'sensor-rules-1' });
    await t.store.thresholds.publish('broken-rule', { by: 'import' });
    const reloaded = await t.thresholds.reload();
    expect(reloaded).toMatchObject({
      status: 'rejected',
      rejected: 'broken-rule',
      version: 'sensor-rules-1',
    });
    expect(t.thresholds.live().thresholdVersion).toBe('sensor-rules-1');
    const metrics = await request(t.app).get('/metrics').set(SCRAPER).expect(200);
    // The API refused before asking the registry; the registry's own refusal is the one counted.
    expect(metrics.text).toMatch(/cds_threshold_sets_refused_total\{at="publish"\} 1/);
    expect(metrics.text).toMatch(/cds_threshold_sets_refused_total\{at="reload"\} 1/);
  });
});
