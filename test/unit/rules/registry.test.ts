/**
 * The threshold registry over an in-memory repository that behaves as the store's (`store.thresholds`): the live
 * engine follows the published version without a restart; a set that fails validation never replaces the running
 * engine, and the outcome says why.
 */
import { createThresholdRegistry } from '../../../src/rules/registry';
import type {
  ReloadOutcome,
  ThresholdChangeRequest,
  ThresholdRepositoryPort,
} from '../../../src/rules/registry';
import { DEFAULT_THRESHOLDS, parseThresholdSet, serializeThresholdSet } from '../../../src/rules/thresholds';
import type { ThresholdSet } from '../../../src/rules/thresholds';

/** The defaults under another version, with `edit` applied (as an informaticist edits the JSON). */
function version(name: string, edit: (json: ThresholdSet) => void = () => undefined): ThresholdSet {
  const json = structuredClone(DEFAULT_THRESHOLDS);
  edit(json);
  return parseThresholdSet({ ...json, version: name });
}

interface Row {
  version: string;
  json: string;
  status: 'draft' | 'published' | 'retired';
}

/** Drafts, one published version, retired ones; publish retires the published one; reads can be made to fail. */
function memoryRepository() {
  const rows: Row[] = [];
  const calls: string[] = [];
  let failReads: Error | undefined;
  const publish = (v: string): Promise<void> => {
    const row = rows.find((r) => r.version === v);
    if (!row) return Promise.reject(new Error(`unknown threshold set ${v}`));
    for (const r of rows) if (r.status === 'published') r.status = 'retired';
    row.status = 'published';
    return Promise.resolve();
  };
  const port: ThresholdRepositoryPort = {
    published: () =>
      failReads ? Promise.reject(failReads) : Promise.resolve(rows.find((r) => r.status === 'published')),
    list: () => Promise.resolve(rows.map((r) => ({ ...r }))),
    publish(v: string, change: ThresholdChangeRequest) {
      calls.push(`publish ${v} by ${change.by}`);
      return publish(v);
    },
    rollback(v: string, change: ThresholdChangeRequest) {
      calls.push(`rollback ${v} by ${change.by}`);
      return publish(v);
    },
    recordShipped(set) {
      if (!rows.some((r) => r.version === set.version)) rows.push({ ...set, status: 'retired' });
      return Promise.resolve();
    },
  };
  return {
    port,
    calls,
    draft(set: ThresholdSet | { version: string; json: string }) {
      rows.push(
        'json' in set
          ? { ...set, status: 'draft' }
          : {
              version: set.version,
              json: serializeThresholdSet(set),
              status: 'draft',
            },
      );
    },
    failReads(err: Error | undefined) {
      failReads = err;
    },
  };
}

const by = { by: 'informaticist' };

describe('createThresholdRegistry', () => {
  it('runs the fallback while nothing is published, and a reload changes nothing', async () => {
    const repo = memoryRepository();
    const registry = createThresholdRegistry({ repository: repo.port, fallback: DEFAULT_THRESHOLDS });
    expect(registry.live().thresholdVersion).toBe(DEFAULT_THRESHOLDS.version);
    await expect(registry.reload()).resolves.toEqual({
      status: 'unchanged',
      version: DEFAULT_THRESHOLDS.version,
    });
  });

  it('publish → the live engine is the published set at once; the next reload keeps it', async () => {
    const repo = memoryRepository();
    const registry = createThresholdRegistry({ repository: repo.port, fallback: DEFAULT_THRESHOLDS });
    const before = registry.live();
    repo.draft(version('v2'));
    await expect(registry.publish('v2', by)).resolves.toEqual({
      status: 'swapped',
      version: 'v2',
      previous: DEFAULT_THRESHOLDS.version,
    });
    expect(repo.calls).toEqual(['publish v2 by informaticist']);
    expect(registry.live().thresholdVersion).toBe('v2');
    expect(registry.live().thresholds.version).toBe('v2');
    expect(registry.live()).not.toBe(before);
    const swapped = registry.live();
    await expect(registry.reload()).resolves.toEqual({ status: 'unchanged', version: 'v2' });
    expect(registry.live()).toBe(swapped);
  });

  it('picks up a version another process published on the next reload', async () => {
    const repo = memoryRepository();
    const registry = createThresholdRegistry({ repository: repo.port, fallback: DEFAULT_THRESHOLDS });
    repo.draft(version('v2'));
    await repo.port.publish('v2', by); // e.g. another replica's admin call
    expect(registry.live().thresholdVersion).toBe(DEFAULT_THRESHOLDS.version);
    await expect(registry.reload()).resolves.toMatchObject({ status: 'swapped', version: 'v2' });
  });

  it('rolls back to an earlier version through the repository', async () => {
    const repo = memoryRepository();
    const registry = createThresholdRegistry({ repository: repo.port, fallback: DEFAULT_THRESHOLDS });
    repo.draft(version('v2'));
    repo.draft(version('v3'));
    await registry.publish('v2', by);
    await registry.publish('v3', by);
    await expect(registry.rollback('v2', by)).resolves.toEqual({
      status: 'swapped',
      version: 'v2',
      previous: 'v3',
    });
    expect(repo.calls.at(-1)).toBe('rollback v2 by informaticist');
  });

  it('refuses to publish a version whose JSON is not a valid set, before the store publishes it', async () => {
    const repo = memoryRepository();
    const registry = createThresholdRegistry({ repository: repo.port, fallback: DEFAULT_THRESHOLDS });
    const bad = JSON.parse(serializeThresholdSet(version('v-bad'))) as { preTest: { indicator: string } };
    bad.preTest.indicator = 'loud';
    repo.draft({ version: 'v-bad', json: JSON.stringify(bad) });
    const outcome = await registry.publish('v-bad', by);
    expect(outcome).toMatchObject({
      status: 'rejected',
      version: DEFAULT_THRESHOLDS.version,
      rejected: 'v-bad',
    });
    expect(outcome.status === 'rejected' ? outcome.reason : '').toContain('preTest.indicator');
    expect(repo.calls).toEqual([]);
    expect(registry.live().thresholdVersion).toBe(DEFAULT_THRESHOLDS.version);
  });

  it('never swaps in a published set whose sensor rule does not load, and reports each refusal once', async () => {
    const repo = memoryRepository();
    const refusals: string[] = [];
    const registry = createThresholdRegistry({
      repository: repo.port,
      fallback: DEFAULT_THRESHOLDS,
      onRefused: (at, reason) => refusals.push(`${at}: ${reason}`),
    });
    const broken = JSON.parse(serializeThresholdSet(version('v-broken-rule'))) as {
      sensorRules: { triggers: { operator: string }[] }[];
    };
    const trigger = broken.sensorRules[0]?.triggers[0];
    if (!trigger) throw new Error('the default set has R1');
    trigger.operator = 'between';
    repo.draft({ version: 'v-broken-rule', json: JSON.stringify(broken) });

    // Refused at publish, before the store publishes it.
    expect(await registry.publish('v-broken-rule', by)).toMatchObject({ status: 'rejected' });
    expect(repo.calls).toEqual([]);
    // Published by another process (the store took it): refused at reload, once however often it reloads.
    await repo.port.publish('v-broken-rule', by);
    const first = await registry.reload();
    await registry.reload();
    expect(first).toMatchObject({ status: 'rejected', rejected: 'v-broken-rule' });
    expect(first.status === 'rejected' ? first.reason : '').toContain('sensorRules.0.triggers.0.operator');
    expect(registry.live().thresholdVersion).toBe(DEFAULT_THRESHOLDS.version);
    expect(refusals.map((r) => r.split(':')[0])).toEqual(['publish', 'reload']);
    expect(refusals[1]).toContain('operator');
  });

  it("passes on the repository's refusal of an unknown version", async () => {
    const repo = memoryRepository();
    const registry = createThresholdRegistry({ repository: repo.port, fallback: DEFAULT_THRESHOLDS });
    await expect(registry.publish('nope', by)).rejects.toThrow('unknown threshold set nope');
  });

  it.each<[string, () => string, string]>([
    [
      'an invalid field',
      () => {
        const json = JSON.parse(serializeThresholdSet(version('v-bad'))) as {
          sensorRules: { triggers: { value: unknown }[] }[];
        };
        const first = json.sensorRules[0]?.triggers[0];
        if (first) first.value = 'sixty';
        return JSON.stringify(json);
      },
      'sensorRules.0.triggers.0.value',
    ],
    ['text that is not JSON', () => '{"version": "v-bad",', 'is not JSON'],
    ['JSON of another version', () => serializeThresholdSet(version('v-other')), 'holds version v-other'],
  ])(
    'a published set with %s keeps the running engine and says why, once parsed',
    async (_label, json, why) => {
      const repo = memoryRepository();
      const registry = createThresholdRegistry({ repository: repo.port, fallback: DEFAULT_THRESHOLDS });
      repo.draft(version('v2'));
      await registry.publish('v2', by);
      const running = registry.live();
      // Published by something that skipped the registry's check (a direct database edit, an older release).
      repo.draft({ version: 'v-bad', json: json() });
      await repo.port.publish('v-bad', by);
      const outcome = await registry.reload();
      expect(outcome).toMatchObject({ status: 'rejected', version: 'v2', rejected: 'v-bad' });
      expect(outcome.status === 'rejected' ? outcome.reason : '').toContain(why);
      expect(registry.live()).toBe(running);
      await expect(registry.reload()).resolves.toEqual(outcome);
    },
  );

  it('keeps the running engine when the store cannot be read', async () => {
    const repo = memoryRepository();
    const registry = createThresholdRegistry({ repository: repo.port, fallback: DEFAULT_THRESHOLDS });
    repo.failReads(new Error('connection refused'));
    const outcome = await registry.reload();
    expect(outcome).toEqual({
      status: 'rejected',
      version: DEFAULT_THRESHOLDS.version,
      reason: 'could not read the published threshold set: connection refused',
    });
    expect(registry.live().thresholdVersion).toBe(DEFAULT_THRESHOLDS.version);
  });

  it('runs reloads one at a time, in the order asked', async () => {
    const repo = memoryRepository();
    const registry = createThresholdRegistry({ repository: repo.port, fallback: DEFAULT_THRESHOLDS });
    repo.draft(version('v2'));
    await repo.port.publish('v2', by);
    const outcomes = await Promise.all([registry.reload(), registry.reload(), registry.reload()]);
    expect(outcomes.map((o) => o.status)).toEqual(['swapped', 'unchanged', 'unchanged']);
  });

  it('holds a shadow engine beside the live one until cleared', () => {
    const repo = memoryRepository();
    const registry = createThresholdRegistry({ repository: repo.port, fallback: DEFAULT_THRESHOLDS });
    expect(registry.shadow()).toBeUndefined();
    registry.setShadow(version('candidate'));
    expect(registry.shadow()?.thresholdVersion).toBe('candidate');
    expect(registry.live().thresholdVersion).toBe(DEFAULT_THRESHOLDS.version);
    registry.setShadow(undefined);
    expect(registry.shadow()).toBeUndefined();
  });
});

describe('reloadEvery', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  /** Advances the clock by one interval and lets the reload it starts finish. */
  const tick = async (ms: number): Promise<void> => {
    await jest.advanceTimersByTimeAsync(ms);
  };

  it('swaps within one interval, reports each swap and each new refusal once, and stops', async () => {
    const repo = memoryRepository();
    const registry = createThresholdRegistry({ repository: repo.port, fallback: DEFAULT_THRESHOLDS });
    const reported: ReloadOutcome[] = [];
    const stop = registry.reloadEvery(30_000, (o) => reported.push(o));

    await tick(30_000);
    expect(reported).toEqual([]);

    repo.draft(version('v2'));
    await repo.port.publish('v2', by);
    await tick(29_999);
    expect(registry.live().thresholdVersion).toBe(DEFAULT_THRESHOLDS.version);
    await tick(1);
    expect(registry.live().thresholdVersion).toBe('v2');
    expect(reported).toEqual([{ status: 'swapped', version: 'v2', previous: DEFAULT_THRESHOLDS.version }]);

    repo.failReads(new Error('connection refused'));
    await tick(30_000);
    await tick(30_000);
    await tick(30_000);
    expect(reported.map((o) => o.status)).toEqual(['swapped', 'rejected']);
    expect(registry.live().thresholdVersion).toBe('v2');

    repo.failReads(undefined);
    repo.draft(version('v3'));
    await repo.port.publish('v3', by);
    stop();
    await tick(60_000);
    expect(registry.live().thresholdVersion).toBe('v2');
    expect(reported).toHaveLength(2);
  });

  it('survives a reporter that throws', async () => {
    const repo = memoryRepository();
    const registry = createThresholdRegistry({ repository: repo.port, fallback: DEFAULT_THRESHOLDS });
    const stop = registry.reloadEvery(1_000, () => {
      throw new Error('reporter bug');
    });
    repo.draft(version('v2'));
    await repo.port.publish('v2', by);
    await tick(1_000);
    repo.draft(version('v3'));
    await repo.port.publish('v3', by);
    await tick(1_000);
    expect(registry.live().thresholdVersion).toBe('v3');
    stop();
  });
});
