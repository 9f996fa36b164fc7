/**
 * A published threshold set takes effect without a restart: the app asks the threshold registry for its engine on
 * every call (`ruleEngine: () => registry.live()`), and publishing through the registry (store, then reload) swaps it.
 * Driven over HTTP through `createApp` on an in-memory store: order-sign for metoprolol, CYP2D6 *5/*5 (poor
 * metabolizer), with a week of low resting heart rate (research §2.2 R1).
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Card } from '../../src/cds/types';
import { DEFAULT_THRESHOLDS, serializeThresholdSet } from '../../src/rules/thresholds';
import type { ThresholdSet } from '../../src/rules/thresholds';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import type { JsonObject } from '../helpers/cds';
import { readFixture } from '../helpers/fixtures';
import { searchset } from '../helpers/mock-fhir';
import { cpicCall, cpicRow, researchThreshold } from '../reference';

const PGX_RESULTS = readFixture('hooks', 'pgx-results.json') as Record<string, JsonObject[]>;
const DRAFT_ORDERS = readFixture('hooks', 'draft-orders.json') as Record<string, JsonObject>;
const PATIENT = readFixture('hooks', 'patient.json') as JsonObject;
const PATIENT_ID = 'smart-1288992';
const HOUR_MS = 3_600_000;

const bundle = (resources: readonly unknown[]): JsonObject => ({
  ...searchset(resources),
  total: resources.length,
});

/** Daily resting heart rate (LOINC 40443-4, UCUM /min) for the last `values.length` days, newest 6 h ago. */
function restingHeartRate(values: readonly number[]): JsonObject[] {
  const now = Date.now();
  return values.map((value, day) => ({
    resourceType: 'Observation',
    id: `rhr-${String(day)}`,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '40443-4' }] },
    subject: { reference: `Patient/${PATIENT_ID}` },
    effectiveDateTime: new Date(now - (6 + 24 * day) * HOUR_MS).toISOString(),
    valueQuantity: { value, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  }));
}

/** A week at a median of 55 /min: below R1's 60 /min, not below its 50 /min. */
const LOW_RESTING_HR = [55, 54, 56, 53, 55, 57, 54];

function metoprololPoorMetabolizer(restingHr: readonly number[] = LOW_RESTING_HR): JsonObject {
  const pgx = PGX_RESULTS['CYP2D6 *5/*5'];
  const order = DRAFT_ORDERS.metoprolol;
  if (!pgx || !order) throw new Error('missing hook fixtures');
  return {
    hookInstance: randomUUID(),
    hook: 'order-sign',
    context: {
      userId: 'Practitioner/COREPRACTITIONER1',
      patientId: PATIENT_ID,
      draftOrders: {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: structuredClone(order) }],
      },
    },
    prefetch: {
      patient: PATIENT,
      pgx: bundle(pgx),
      wearables: bundle(restingHeartRate(restingHr)),
    },
  };
}

async function cards(t: TestApp, restingHr?: readonly number[]): Promise<Card[]> {
  const res = await request(t.app)
    .post('/cds-services/pgx-order-sign')
    .send(metoprololPoorMetabolizer(restingHr));
  expect(res.status).toBe(200);
  expect(res.body).toBeSpecValid();
  return (res.body as { cards: Card[] }).cards;
}

/** The defaults under another version with `edit` applied, saved as a draft (as the threshold editor would). */
async function draft(t: TestApp, version: string, edit: (set: ThresholdSet) => void): Promise<void> {
  const set = structuredClone(DEFAULT_THRESHOLDS);
  edit(set);
  await t.store.thresholds.saveDraft({
    version,
    json: serializeThresholdSet({ ...set, version }),
    createdBy: 'informaticist',
  });
}

const lowerR1CutOff = (value: number) => (set: ThresholdSet) => {
  const trigger = set.sensorRules
    .find((r) => r.id === 'R1-metoprolol-resting-hr')
    ?.triggers.find((tr) => tr.id === 'resting-hr-below-60');
  if (!trigger) throw new Error('R1 trigger missing from the defaults');
  trigger.value = value;
};

async function recordedVersion(t: TestApp, card: Card): Promise<string | undefined> {
  const invocation = await t.store.invocations.findByCard(card.uuid ?? '');
  return invocation?.cards.find((c) => c.uuid === card.uuid)?.thresholdVersion;
}

/** The resting-HR aggregate the call's assessment read, as the invocation recorded it (its inputs, for replay). */
async function recordedRestingHr(t: TestApp, card: Card) {
  interface Aggregate {
    readonly metric: string;
    readonly value?: number;
    readonly window: { readonly start: string; readonly end: string };
  }
  const invocation = await t.store.invocations.findByCard(card.uuid ?? '');
  const inputs = invocation?.inputs as
    { data?: { sensors?: { summary?: { metrics?: readonly Aggregate[] } } } } | undefined;
  const found = inputs?.data?.sensors?.summary?.metrics?.find((m) => m.metric === 'resting-heart-rate');
  return (
    found && {
      value: found.value,
      days: (Date.parse(found.window.end) - Date.parse(found.window.start)) / (24 * HOUR_MS),
    }
  );
}

describe('a published threshold set takes effect without a restart', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  // What the defaults give, from the sources: CPIC's metoprolol row for a CYP2D6 poor metabolizer is Moderate
  // (issue 5: warning), and a 7-day median below 60 /min raises it one step (research §2.2 R1).
  const median = 55;
  beforeAll(() => {
    const row = cpicRow('metoprolol', { CYP2D6: cpicCall('CYP2D6', '*5/*5').lookupKey }, null).row;
    expect(row.strength).toBe('Moderate');
    expect(median).toBeLessThan(researchThreshold('R1.raise'));
    expect(median).not.toBeLessThan(researchThreshold('R1.critical'));
  });

  it('publish → reload: the next order-sign call uses the new R1 cut-off and records its version', async () => {
    const [before] = await cards(t);
    expect(before?.indicator).toBe('critical');
    expect(await recordedVersion(t, before!)).toBe(DEFAULT_THRESHOLDS.version);

    await draft(t, 'reload-r1-52', lowerR1CutOff(52));
    await expect(t.thresholds.publish('reload-r1-52', { by: 'informaticist' })).resolves.toEqual({
      status: 'swapped',
      version: 'reload-r1-52',
      previous: DEFAULT_THRESHOLDS.version,
    });

    const [after] = await cards(t);
    expect(after?.indicator).toBe('warning');
    expect(await recordedVersion(t, after!)).toBe('reload-r1-52');
    const discovery = await request(t.app).get('/cds-services');
    const services = (discovery.body as { services: { extension?: Record<string, unknown> }[] }).services;
    expect(services.map((s) => s.extension?.['org.pgx-cds-hooks.thresholdVersion'])).toEqual(
      services.map(() => 'reload-r1-52'),
    );
  });

  it('a drug override that silences metoprolol: publish → the next call has no card; rollback → it is back', async () => {
    await draft(t, 'reload-r1-default', () => undefined);
    await t.thresholds.publish('reload-r1-default', { by: 'informaticist' });
    expect(await cards(t)).toHaveLength(1);

    await draft(t, 'reload-silence-metoprolol', (set) => {
      set.drugOverrides.metoprolol = {
        indicator: 'none',
        actions: ['avoid', 'adjust-dose', 'monitor', 'order-test'],
        reason: 'test: silenced by the local P&T committee',
      };
    });
    await t.thresholds.publish('reload-silence-metoprolol', { by: 'informaticist' });
    expect(await cards(t)).toEqual([]);

    await t.thresholds.rollback('reload-r1-default', { by: 'informaticist', comment: 'undo' });
    const [back] = await cards(t);
    expect(back?.indicator).toBe('critical');
    expect(await recordedVersion(t, back!)).toBe('reload-r1-default');
  });

  it('a version published by another process is picked up by the next reload (what the periodic reload runs)', async () => {
    await draft(t, 'reload-elsewhere', lowerR1CutOff(52));
    await t.store.thresholds.publish('reload-elsewhere', { by: 'informaticist' });
    expect((await cards(t))[0]?.indicator).toBe('critical'); // not reloaded yet
    await expect(t.thresholds.reload()).resolves.toMatchObject({
      status: 'swapped',
      version: 'reload-elsewhere',
    });
    expect((await cards(t))[0]?.indicator).toBe('warning');
  });

  it('a published set with a longer resting-HR window: the next call computes the aggregate over that window', async () => {
    // This week at 55 /min, the week before at 65 /min: the 7-day median is 55 (below R1's 60 /min), the 14-day
    // median (55 + 65) / 2 = 60 (not below it).
    const twoWeeks = [...Array<number>(7).fill(55), ...Array<number>(7).fill(65)];
    const [before] = await cards(t, twoWeeks);
    expect(before?.indicator).toBe('critical');
    expect(await recordedRestingHr(t, before!)).toEqual({ value: 55, days: 7 });
    await draft(t, 'reload-resting-14d', (set) => {
      const limits = set.sufficiency['resting-heart-rate'];
      if (!limits) throw new Error('no resting-HR sufficiency in the defaults');
      limits.windowDays = 14;
    });
    await t.thresholds.publish('reload-resting-14d', { by: 'informaticist' });
    const [card] = await cards(t, twoWeeks);
    expect(card?.indicator).toBe('warning');
    expect(await recordedVersion(t, card!)).toBe('reload-resting-14d');
    // Computed over the set's 14 days (not a 7-day aggregate the set then refuses).
    expect(await recordedRestingHr(t, card!)).toEqual({ value: 60, days: 14 });
  });

  it('a published set that fails validation keeps the running engine, and the reload says why', async () => {
    await draft(t, 'reload-r1-52', lowerR1CutOff(52));
    await t.thresholds.publish('reload-r1-52', { by: 'informaticist' });

    const bad = JSON.parse(serializeThresholdSet({ ...DEFAULT_THRESHOLDS, version: 'reload-bad' })) as {
      preTest: { indicator: string };
    };
    bad.preTest.indicator = 'urgent';
    await t.store.thresholds.saveDraft({
      version: 'reload-bad',
      json: JSON.stringify(bad),
      createdBy: 'someone',
    });
    // Through the registry the bad set is refused before the store publishes it …
    await expect(t.thresholds.publish('reload-bad', { by: 'someone' })).resolves.toMatchObject({
      status: 'rejected',
      version: 'reload-r1-52',
      rejected: 'reload-bad',
    });
    expect((await t.store.thresholds.published())?.version).toBe('reload-r1-52');
    // … and published behind its back (a direct store call), a reload refuses it and keeps the running engine.
    await t.store.thresholds.publish('reload-bad', { by: 'someone' });
    const outcome = await t.thresholds.reload();
    expect(outcome).toMatchObject({ status: 'rejected', version: 'reload-r1-52', rejected: 'reload-bad' });
    expect(outcome.status === 'rejected' ? outcome.reason : '').toContain('preTest.indicator');
    const [card] = await cards(t);
    expect(card?.indicator).toBe('warning');
    expect(await recordedVersion(t, card!)).toBe('reload-r1-52');
  });
});
