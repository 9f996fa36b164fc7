/**
 * Threshold publications reach every replica (issue 11 item 4): two app instances on one PostgreSQL database, the
 * second listening for threshold changes as `main.ts` wires it (LISTEN/NOTIFY), with no periodic reload. A publish on
 * the first is in force on the second within 5 s; so is a rollback. On SQLite there is nothing to listen to.
 */
import { parseThresholdSet, serializeThresholdSet, DEFAULT_THRESHOLDS } from '../../src/rules/thresholds';
import { openStore } from '../../src/store';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { createTestDatabase } from '../helpers/postgres';
import type { TestDatabase } from '../helpers/postgres';

/** The window for a replica to apply a new version. */
const WINDOW_MS = 5000;

/** Resolves once `done()` holds, or after the window (the assertion after it then fails with the state seen). */
async function within(done: () => boolean): Promise<void> {
  const until = Date.now() + WINDOW_MS;
  while (!done() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('two instances on one PostgreSQL database', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let stop: () => Promise<void>;
  const errors: Error[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startTestApp({ databaseUrl: database.url });
    b = await startTestApp({ databaseUrl: database.url });
    stop = await b.store.thresholdChanges(
      () => void b.thresholds.reload(),
      (err) => errors.push(err),
    );
  });

  afterAll(async () => {
    await stop();
    await a.close();
    await b.close();
    await database.drop();
  });

  async function saveDraft(version: string, strongAvoid: 'critical' | 'warning'): Promise<void> {
    const set = parseThresholdSet({
      ...DEFAULT_THRESHOLDS,
      version,
      interruption: {
        ...DEFAULT_THRESHOLDS.interruption,
        Strong: { ...DEFAULT_THRESHOLDS.interruption.Strong, avoid: strongAvoid },
      },
    });
    await a.store.thresholds.saveDraft({ version, json: serializeThresholdSet(set), createdBy: 'ivan' });
  }

  it('applies a publish and a rollback on the other instance within 5 s', async () => {
    await saveDraft('replica-1', 'warning');
    await saveDraft('replica-2', 'critical');
    await a.thresholds.publish('replica-1', { by: 'ivan', comment: 'first' });
    await within(() => b.thresholds.live().thresholdVersion === 'replica-1');
    expect(b.thresholds.live().thresholdVersion).toBe('replica-1');

    await a.thresholds.publish('replica-2', { by: 'ivan', comment: 'second' });
    await within(() => b.thresholds.live().thresholdVersion === 'replica-2');
    expect(b.thresholds.live().thresholdVersion).toBe('replica-2');

    await a.thresholds.rollback('replica-1', { by: 'ivan', comment: 'back' });
    await within(() => b.thresholds.live().thresholdVersion === 'replica-1');
    expect(b.thresholds.live().thresholdVersion).toBe('replica-1');
    expect(b.thresholds.live().thresholds.interruption.Strong.avoid).toBe('warning');
    expect(errors).toEqual([]);
  });
});

describe('on SQLite', () => {
  it('has nothing to listen to', async () => {
    const store = await openStore(':memory:');
    const stop = await store.thresholdChanges(
      () => undefined,
      () => undefined,
    );
    await stop();
    await store.close();
  });
});
