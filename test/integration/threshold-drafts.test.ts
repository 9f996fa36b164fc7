/**
 * The threshold editor's drafts after a fresh-eyes review, on both stores: a draft made from a version no longer in
 * force is refused at publish (409, naming both versions and what it would undo) and can carry its own changes onto
 * the version in force; a save or publish from a stale page is refused instead of overwriting a colleague's; a draft
 * identical to the set in force is not published; the shipped defaults can be rolled back to and head the version
 * list; the open drafts are listed; saves audit each value changed; each publication says what it changed.
 */
import request from 'supertest';
import type { ThresholdSet } from '../../src/rules/thresholds';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { startTestIssuer } from '../helpers/oidc';
import type { TestIssuer } from '../helpers/oidc';
import { createTestDatabase } from '../helpers/postgres';
import type { TestDatabase } from '../helpers/postgres';

interface Outcome {
  issue: { diagnostics?: string }[];
}
interface Draft {
  version: string;
  set: ThresholdSet;
  revision: number;
  basedOn?: string;
  inForce: string;
  behind?: { basedOn: string; inForce: string; undone: { text: string }[]; replaced: { text: string }[] };
  rebased?: { from: string; onto: string; carried: number; conflicts: { path: string; text: string }[] };
}

const texts = (body: unknown) => (body as Outcome).issue.map((i) => i.diagnostics ?? '');
const INR = { rule: 'R9-warfarin-inr', trigger: 'inr-above-4' };

function inrLimit(set: ThresholdSet): number | undefined {
  return set.sensorRules.find((r) => r.id === INR.rule)?.triggers.find((t) => t.id === INR.trigger)?.value;
}
function withInrLimit(set: ThresholdSet, value: number): ThresholdSet {
  const copy = structuredClone(set);
  const trigger = copy.sensorRules.find((r) => r.id === INR.rule)?.triggers.find((t) => t.id === INR.trigger);
  if (!trigger) throw new Error('the default set has R9');
  trigger.value = value;
  return copy;
}

const engines = [
  { engine: 'sqlite', createDatabase: undefined },
  { engine: 'postgres', createDatabase: createTestDatabase },
] as const;

describe.each(engines)('threshold drafts on $engine', ({ createDatabase }) => {
  let issuer: TestIssuer;
  let t: TestApp;
  let database: TestDatabase | undefined;
  let alice: string;
  let bob: string;
  let shipped: string;

  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const create = async (token: string, version: string): Promise<Draft> =>
    (await request(t.app).post('/api/thresholds/drafts').set(as(token)).send({ version }).expect(201))
      .body as Draft;
  const save = (token: string, version: string, body: Record<string, unknown>) =>
    request(t.app).put(`/api/thresholds/drafts/${version}`).set(as(token)).send(body);
  const dryRun = (token: string, version: string) =>
    request(t.app)
      .post(`/api/thresholds/drafts/${version}/dry-run`)
      .set(as(token))
      .send({ last: 0 })
      .expect(200);
  const publish = (token: string, version: string, extra: Record<string, unknown> = {}) =>
    request(t.app)
      .post('/api/thresholds/publish')
      .set(as(token))
      .send({ version, comment: `Publishing ${version}`, ...extra });
  const overview = async () =>
    (await request(t.app).get('/api/thresholds').set(as(alice)).expect(200)).body as {
      versions: { version: string; status: string; shipped?: boolean }[];
      drafts: {
        version: string;
        basedOn?: string;
        savedBy: string;
        dryRun: string;
        inShadow: boolean;
        behind: boolean;
      }[];
      events: {
        action: string;
        version: string;
        fromVersion?: string;
        changes?: { path: string; from?: unknown; to?: unknown }[];
      }[];
    };

  beforeAll(async () => {
    database = createDatabase ? await createDatabase() : undefined;
    issuer = await startTestIssuer();
    t = await startTestApp({ env: issuer.env(), ...(database ? { databaseUrl: database.url } : {}) });
    alice = await issuer.token('alice', { claims: { roles: ['informaticist'] } });
    bob = await issuer.token('bob', { claims: { roles: ['informaticist'] } });
    shipped = t.thresholds.live().thresholdVersion;
  });
  afterAll(async () => {
    await t.close();
    await issuer.close();
    await database?.drop();
  });

  it('lists the shipped defaults as the version in force before anything is published', async () => {
    const { versions } = await overview();
    expect(versions).toEqual([
      expect.objectContaining({ version: shipped, status: 'published', shipped: true }),
    ]);
  });

  it('refuses a draft identical to the set in force: nothing to publish', async () => {
    await create(alice, 'same-as-live');
    await dryRun(alice, 'same-as-live');
    const res = await publish(alice, 'same-as-live');
    expect(res).toBeOutcome(409, 'ADMIN_THRESHOLD_CONFLICT', 'conflict');
    expect(texts(res.body)).toEqual([
      `Nothing to publish: draft same-as-live is identical to the set in force, ${shipped}.`,
    ]);
  });

  it('refuses an older draft that would undo a colleague’s publication, and carries its changes over', async () => {
    const a = await create(alice, 'alice-a');
    expect(a).toMatchObject({ basedOn: shipped, revision: 1, inForce: shipped });
    const b = await create(bob, 'bob-b');
    expect(inrLimit(b.set)).toBe(4);
    await save(bob, 'bob-b', { set: withInrLimit(b.set, 3.5), revision: b.revision }).expect(200);
    await dryRun(bob, 'bob-b');
    await publish(bob, 'bob-b').expect(200);
    expect(t.thresholds.live().thresholdVersion).toBe('bob-b');

    const saved = await save(alice, 'alice-a', {
      set: { ...a.set, volume: { ...a.set.volume, acknowledgedDays: 20 } },
      revision: a.revision,
    }).expect(200);
    const aliceSaved = saved.body as Draft;
    // The draft says so before anyone gets to publish.
    expect(aliceSaved.behind).toMatchObject({ basedOn: shipped, inForce: 'bob-b' });
    expect(aliceSaved.behind?.undone.map((c) => c.text)).toEqual([
      `Sensor rule ${INR.rule}, trigger ${INR.trigger}: value: 3.5 → 4.`,
    ]);
    await dryRun(alice, 'alice-a');
    const refused = await publish(alice, 'alice-a');
    expect(refused).toBeOutcome(409, 'ADMIN_THRESHOLD_CONFLICT', 'conflict');
    expect(texts(refused.body)).toEqual([
      `Draft alice-a was made from ${shipped}, but bob-b has come into force since: carry the draft's own changes onto bob-b, then dry-run it again. Published as it stands it would change: Sensor rule ${INR.rule}, trigger ${INR.trigger}: value: 3.5 → 4 (undoing bob-b).`,
    ]);
    expect(inrLimit(t.thresholds.live().thresholds)).toBe(3.5);
    expect((await overview()).drafts.find((d) => d.version === 'alice-a')).toMatchObject({
      basedOn: shipped,
      behind: true,
      dryRun: 'passed',
    });

    const rebased = await request(t.app)
      .post('/api/thresholds/drafts/alice-a/rebase')
      .set(as(alice))
      .send({ revision: aliceSaved.revision })
      .expect(200);
    const merged = rebased.body as Draft;
    expect(merged).toMatchObject({
      basedOn: 'bob-b',
      revision: aliceSaved.revision + 1,
      rebased: { from: shipped, onto: 'bob-b', carried: 1, conflicts: [] },
    });
    expect(merged.behind).toBeUndefined();
    expect(inrLimit(merged.set)).toBe(3.5);
    expect(merged.set.volume.acknowledgedDays).toBe(20);
    expect(merged.set.description).toBe('Made from bob-b; the version history says what changed and why.');
    // The content changed: the earlier dry run no longer counts.
    expect(texts((await publish(alice, 'alice-a').expect(409)).body)[0]).toMatch(
      /changed after its last dry run/,
    );
    await dryRun(alice, 'alice-a');
    await publish(alice, 'alice-a', { revision: merged.revision }).expect(200);
    expect(inrLimit(t.thresholds.live().thresholds)).toBe(3.5);
    expect(t.thresholds.live().thresholds.volume.acknowledgedDays).toBe(20);
    const [audit] = await t.store.audit.list({ action: 'thresholds.draft.rebase' });
    expect(audit).toMatchObject({ actor: 'alice', details: { from: shipped, onto: 'bob-b', conflicts: [] } });
  });

  it('keeps the version in force’s value where both changed the same one, and says so', async () => {
    const a = await create(alice, 'alice-c');
    const b = await create(bob, 'bob-d');
    await save(bob, 'bob-d', { set: withInrLimit(b.set, 3), revision: b.revision }).expect(200);
    await dryRun(bob, 'bob-d');
    await publish(bob, 'bob-d').expect(200);
    const saved = (await save(alice, 'alice-c', { set: withInrLimit(a.set, 4.5) }).expect(200)).body as Draft;
    expect(saved.behind?.replaced.map((c) => c.text)).toEqual([
      `Sensor rule ${INR.rule}, trigger ${INR.trigger}: value: 3 → 4.5.`,
    ]);
    const merged = (
      await request(t.app).post('/api/thresholds/drafts/alice-c/rebase').set(as(alice)).send({}).expect(200)
    ).body as Draft;
    expect(inrLimit(merged.set)).toBe(3);
    expect(merged.rebased?.conflicts.map((c) => c.text)).toEqual([
      `Sensor rule ${INR.rule}, trigger ${INR.trigger}: value: the draft changed it from 3.5 to 4.5, the version in force to 3; the draft now has the version in force's 3.`,
    ]);
  });

  it('refuses a save or a publish from a page that loaded an older revision', async () => {
    const d = await create(alice, 'shared');
    const first = (
      await save(alice, 'shared', { set: withInrLimit(d.set, 3.2), revision: d.revision }).expect(200)
    ).body as Draft;
    expect(first.revision).toBe(d.revision + 1);
    // Bob's page loaded the draft before Alice saved it.
    const stale = await save(bob, 'shared', { set: withInrLimit(d.set, 3.8), revision: d.revision });
    expect(stale).toBeOutcome(409, 'ADMIN_THRESHOLD_CONFLICT', 'conflict');
    expect(texts(stale.body)).toEqual([
      'alice saved draft shared after you opened it, so your save was not made: reload the draft to see their changes, then make yours again.',
    ]);
    const reloaded = (await request(t.app).get('/api/thresholds/drafts/shared').set(as(bob)).expect(200))
      .body as Draft;
    expect(inrLimit(reloaded.set)).toBe(3.2);
    expect(reloaded.revision).toBe(first.revision);
    await dryRun(alice, 'shared');
    const publishedStale = await publish(alice, 'shared', { revision: d.revision });
    expect(publishedStale).toBeOutcome(409, 'ADMIN_THRESHOLD_CONFLICT', 'conflict');
    expect(texts(publishedStale.body)[0]).toMatch(/^alice saved draft shared after you opened it/);
    // The audit trail says what each save changed: the path, the old and the new value.
    const [audit] = await t.store.audit.list({ action: 'thresholds.draft.save' });
    const inrPath: unknown = expect.stringMatching(/^sensorRules\.\d+\.triggers\.0\.value$/);
    expect(audit?.details).toMatchObject({
      revision: first.revision,
      changed: [{ path: inrPath, from: 3, to: 3.2 }],
    });
  });

  it('lists the open drafts with their base, last save, dry run and shadow', async () => {
    await request(t.app)
      .post('/api/thresholds/shadow')
      .set(as(alice))
      .send({ version: 'shared' })
      .expect(200);
    const { drafts } = await overview();
    expect(drafts.find((d) => d.version === 'shared')).toMatchObject({
      basedOn: 'bob-d',
      savedBy: 'alice',
      dryRun: 'passed',
      inShadow: true,
      behind: false,
    });
    expect(drafts.map((d) => d.version)).not.toContain('alice-a');
    await request(t.app).post('/api/thresholds/shadow').set(as(alice)).send({ version: null }).expect(200);
  });

  it('rolls back to the shipped defaults, named as what each first publication replaced', async () => {
    const { versions, events } = await overview();
    expect(versions.find((v) => v.version === shipped)).toMatchObject({ status: 'retired', shipped: true });
    const first = events.filter((e) => e.action === 'publish').at(-1);
    expect(first).toMatchObject({ version: 'bob-b', fromVersion: shipped });
    const valuePath: unknown = expect.stringMatching(/triggers\.0\.value$/);
    expect(first?.changes).toEqual([expect.objectContaining({ path: valuePath, from: 4, to: 3.5 })]);
    await request(t.app)
      .post('/api/thresholds/rollback')
      .set(as(alice))
      .send({ version: shipped, comment: 'Back to the shipped defaults' })
      .expect(200);
    expect(t.thresholds.live().thresholdVersion).toBe(shipped);
    expect(inrLimit(t.thresholds.live().thresholds)).toBe(4);
    const after = await overview();
    expect(after.events[0]).toMatchObject({ action: 'rollback', version: shipped, fromVersion: 'bob-d' });
    expect(after.events[0]?.changes?.map((c) => c.to)).toContain(4);
    await request(t.app)
      .post('/api/thresholds/rollback')
      .set(as(alice))
      .send({ version: shipped, comment: 'again' })
      .expect(409);
  });
});
