/**
 * The alert-volume policy (issue 10 item 2) end to end over HTTP, on both store engines: overrides and "shown too
 * often" ratings acknowledge an advice for a patient; order-select then leaves it out and order-sign shows it one step
 * lower, exactly as the threshold set says, never for a worsened decision, never for a CPIC Strong avoid (shown as
 * already acknowledged instead); order-select returns the same card to the same user on the same order until the
 * clinician acts; rules overridden past the limit are flagged to the informaticist. Two app instances on one
 * PostgreSQL database share all of it (issue 13 item 4).
 *
 * Expected clinical values come from the CPIC data through the test oracle (strengths, phenotypes) and from issue 5's
 * default interruption (Strong avoid → critical; Moderate dose change → warning).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Request } from 'express';
import request from 'supertest';
import { createApp } from '../../src/app';
import type { Card } from '../../src/cds/types';
import type { User, UserAuthenticator } from '../../src/http/auth';
import { DEFAULT_THRESHOLDS, serializeThresholdSet } from '../../src/rules/thresholds';
import type { ThresholdSet } from '../../src/rules/thresholds';
import { SCRAPER, startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { expectClinicianReadable } from '../helpers/card-text';
import { withoutPageLinks } from '../helpers/cds';
import type { JsonObject } from '../helpers/cds';
import { searchset } from '../helpers/mock-fhir';
import { createTestDatabase } from '../helpers/postgres';
import type { TestDatabase } from '../helpers/postgres';
import { cpicCall, cpicRow, cpicRows } from '../reference';

// ---------------------------------------------------------------------------------------------------------------
// Requests shaped like an EHR's (the clinical panel's fixtures)
// ---------------------------------------------------------------------------------------------------------------

function hooksFixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'hooks', name), 'utf8')) as unknown;
}
const PGX_RESULTS = hooksFixture('pgx-results.json') as Record<string, JsonObject[]>;
const DRAFT_ORDERS = hooksFixture('draft-orders.json') as Record<string, JsonObject>;
const PATIENT = hooksFixture('patient.json') as JsonObject;
const CLINICIAN = 'Practitioner/COREPRACTITIONER1';
const OTHER_CLINICIAN = 'Practitioner/other-prescriber';
const DAY_MS = 86_400_000;
const VOLUME = DEFAULT_THRESHOLDS.volume;

function results(name: string): JsonObject[] {
  const found = PGX_RESULTS[name];
  if (!found) throw new Error(`no PGx fixture ${name}`);
  return structuredClone(found);
}

function draftOrder(name: string, id?: string): JsonObject {
  const found = DRAFT_ORDERS[name];
  if (!found) throw new Error(`no draft-order fixture ${name}`);
  return { ...structuredClone(found), ...(id ? { id } : {}) };
}

interface Call {
  readonly patientId: string;
  readonly drug: string;
  readonly result: string;
  /** Several results on file at once (results that disagree), instead of `result` alone. */
  readonly results?: readonly string[];
  readonly userId?: string;
  /** The user's name, in the `user` prefetch key as an EHR sends it (a Practitioner). */
  readonly userName?: string;
  readonly orderId?: string;
  /** Replaces the results' effective date (a re-test). */
  readonly resultDate?: string;
  readonly wearables?: readonly JsonObject[];
}

function body(hook: 'order-sign' | 'order-select', c: Call): JsonObject {
  const order: JsonObject = {
    ...draftOrder(c.drug, c.orderId),
    subject: { reference: `Patient/${c.patientId}` },
  };
  const orderRef = `MedicationRequest/${String(order.id)}`;
  const pgx = (c.results ?? [c.result])
    .flatMap(results)
    .map((r) => (c.resultDate ? { ...r, effectiveDateTime: c.resultDate } : r));
  return {
    hookInstance: randomUUID(),
    hook,
    context: {
      userId: c.userId ?? CLINICIAN,
      patientId: c.patientId,
      ...(hook === 'order-select' ? { selections: [orderRef] } : {}),
      draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: order }] },
    },
    prefetch: {
      patient: { ...PATIENT, id: c.patientId },
      pgx: searchset(pgx),
      ...(c.wearables ? { wearables: searchset(c.wearables) } : {}),
      ...(c.userName
        ? {
            user: {
              resourceType: 'Practitioner',
              id: (c.userId ?? CLINICIAN).replace(/^Practitioner\//, ''),
              name: [{ text: c.userName }],
            },
          }
        : {}),
    },
  };
}

const SERVICE = { 'order-sign': 'pgx-order-sign', 'order-select': 'pgx-order-select' } as const;

async function cardsOf(
  app: TestApp['app'],
  hook: 'order-sign' | 'order-select',
  c: Call,
): Promise<{ cards: Card[]; hookInstance: string }> {
  const b = body(hook, c);
  const res = await request(app).post(`/cds-services/${SERVICE[hook]}`).send(b).expect(200);
  expect(res.body).toBeSpecValid();
  return { cards: (res.body as { cards: Card[] }).cards, hookInstance: b.hookInstance as string };
}

async function oneCard(app: TestApp['app'], hook: 'order-sign' | 'order-select', c: Call): Promise<Card> {
  const { cards } = await cardsOf(app, hook, c);
  expect(cards).toHaveLength(1);
  return cards[0]!;
}

/** A feedback entry as an EHR sends it (the sandbox omits `display`). */
async function feedback(
  app: TestApp['app'],
  hook: 'order-sign' | 'order-select',
  card: Card,
  outcome: 'accepted' | 'overridden',
  reason?: { code: string; comment?: string },
): Promise<void> {
  const entry: JsonObject = {
    card: card.uuid,
    outcome,
    outcomeTimestamp: new Date().toISOString(),
    ...(outcome === 'accepted' ? { acceptedSuggestions: [{ id: card.suggestions?.[0]?.uuid }] } : {}),
    ...(reason
      ? {
          overrideReason: {
            reason: { code: reason.code, system: 'urn:pgx-cds-hooks:CodeSystem:override-reason' },
            ...(reason.comment ? { userComment: reason.comment } : {}),
          },
        }
      : {}),
  };
  await request(app)
    .post(`/cds-services/${SERVICE[hook]}/feedback`)
    .send({ feedback: [entry] })
    .expect(200);
}

/** "on 29 Nov 2026" as a person writes it. */
function dayPhrase(d: Date): string {
  const month = d.toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' });
  return `on ${d.getUTCDate()} ${month} ${d.getUTCFullYear()}`;
}

/** Daily resting heart rate Observations (LOINC 40443-4) as a watch exports them, newest 6 h ago. */
function restingHeartRate(patientId: string, values: readonly number[]): JsonObject[] {
  const now = Date.now();
  return values.map((value, day) => ({
    resourceType: 'Observation',
    id: `rhr-${day}`,
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '40443-4', display: 'Heart rate --resting' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: new Date(now - (6 + 24 * day) * 3_600_000).toISOString(),
    valueQuantity: { value, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  }));
}

const USERS: Record<string, User> = {
  'token-informaticist': { id: 'u-info', roles: ['informaticist'] },
  'token-pharmacist': { id: 'u-pharm', roles: ['pharmacist'] },
};
const users: UserAuthenticator = {
  challenge: 'Bearer realm="test"',
  authenticate: (req: Request) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    return Promise.resolve(token === undefined ? undefined : USERS[token]);
  },
};

/** Publishes `set` in the app's store and makes it live, as an informaticist would. */
async function publish(t: TestApp, set: ThresholdSet): Promise<void> {
  await t.store.thresholds.saveDraft({
    version: set.version,
    json: serializeThresholdSet(set),
    createdBy: 'u-info',
  });
  await t.store.thresholds.publish(set.version, { by: 'u-info' });
  const outcome = await t.thresholds.reload();
  expect(outcome.status).not.toBe('rejected');
}

// What the CPIC data says about the two advices used (not what the code says).
const METOPROLOL_ROW = cpicRow('metoprolol', { CYP2D6: cpicCall('CYP2D6', '*5/*5').lookupKey }, null).row;
const CLOPIDOGREL_ROW = cpicRow(
  'clopidogrel',
  { CYP2C19: cpicCall('CYP2C19', '*2/*2').lookupKey },
  'CVI ACS PCI',
).row;

const engines: [string, () => Promise<TestDatabase | undefined>][] = [
  ['SQLite', () => Promise.resolve(undefined)],
  ['PostgreSQL', createTestDatabase],
];

describe.each(engines)('the volume policy on %s', (_engine, createDatabase) => {
  let database: TestDatabase | undefined;
  let t: TestApp;
  beforeAll(async () => {
    database = await createDatabase();
    t = await startTestApp(database ? { databaseUrl: database.url } : {});
  });
  afterAll(async () => {
    await t.close();
    await database?.drop();
  });

  const metoprolol = (patientId: string, extra: Partial<Call> = {}): Call => ({
    patientId,
    drug: 'metoprolol',
    result: 'CYP2D6 *5/*5',
    ...extra,
  });
  const clopidogrel = (patientId: string, extra: Partial<Call> = {}): Call => ({
    patientId,
    drug: 'clopidogrel',
    result: 'CYP2C19 *2/*2',
    ...extra,
  });

  it('the advices used: a Moderate dose change (warning) and a CPIC Strong avoid (critical)', () => {
    expect(METOPROLOL_ROW.strength).toBe('Moderate');
    expect(CLOPIDOGREL_ROW.strength).toBe('Strong');
    expect(VOLUME.orderSignSteps).toBe(1);
  });

  it('an overridden advice: gone at order-select, one step lower at order-sign, for acknowledgedDays', async () => {
    const patientId = `vol-${randomUUID()}`;
    const first = await oneCard(t.app, 'order-sign', metoprolol(patientId));
    expect(first.indicator).toBe('warning');
    await feedback(t.app, 'order-sign', first, 'overridden', { code: 'will-monitor' });

    const select = await cardsOf(t.app, 'order-select', metoprolol(patientId));
    expect(select.cards).toEqual([]);
    const [suppressed] = await t.store.volume.listOutcomes(select.hookInstance);
    expect(suppressed).toMatchObject({
      outcome: 'suppressed',
      decidedIndicator: 'warning',
      firstShowing: false,
    });
    expect(suppressed?.reason).toContain(`${VOLUME.acknowledgedDays} days`);

    const sign = await cardsOf(t.app, 'order-sign', metoprolol(patientId));
    expect(sign.cards.map((c) => c.indicator)).toEqual(['info']);
    expect(sign.cards[0]?.detail).toContain(
      `Already acknowledged: overridden for this patient by you ${dayPhrase(new Date())} (reason: Will monitor the patient closely).`,
    );
    expect(await t.store.volume.listOutcomes(sign.hookInstance)).toEqual([
      expect.objectContaining({
        outcome: 'demoted',
        decidedIndicator: 'warning',
        shownIndicator: 'info',
        cardUuid: sign.cards[0]?.uuid,
        firstShowing: true,
      }),
    ]);

    // Another patient is not affected.
    expect((await oneCard(t.app, 'order-sign', metoprolol(`vol-${randomUUID()}`))).indicator).toBe('warning');

    // Counted per rule in /metrics.
    const metrics = await request(t.app).get('/metrics').set(SCRAPER).expect(200);
    expect(metrics.text).toMatch(
      /cds_volume_cards_total\{service="pgx-order-sign",rule="[^"]+",outcome="demoted"\} [1-9]/,
    );
    expect(metrics.text).toMatch(
      /cds_volume_cards_total\{service="pgx-order-select",rule="[^"]+",outcome="suppressed"\} [1-9]/,
    );

    // The acknowledgement lasts acknowledgedDays, then the advice is back in full.
    const later = (days: number) => createApp({ ...t.deps, now: () => new Date(Date.now() + days * DAY_MS) });
    const stillInside = await oneCard(
      later(VOLUME.acknowledgedDays - 1),
      'order-sign',
      metoprolol(patientId),
    );
    expect(stillInside.indicator).toBe('info');
    const afterWindow = await oneCard(
      later(VOLUME.acknowledgedDays + 1),
      'order-sign',
      metoprolol(patientId),
    );
    expect(afterWindow.indicator).toBe('warning');
    expect(afterWindow.detail).not.toContain('Already acknowledged');
  });

  it('an override a pharmacist judged not appropriate quiets nothing, while that judgement stands', async () => {
    const patientId = `vol-${randomUUID()}`;
    const first = await oneCard(t.app, 'order-sign', metoprolol(patientId));
    await feedback(t.app, 'order-sign', first, 'overridden', { code: 'will-monitor' });
    const other = { userId: OTHER_CLINICIAN };
    expect((await oneCard(t.app, 'order-sign', metoprolol(patientId, other))).indicator).toBe('info');
    const judge = (reviewer: string, status: 'appropriate' | 'not-appropriate' | 'follow-up') =>
      t.store.overrides.addReview({
        cardUuid: first.uuid!,
        status,
        reviewer,
        reviewerRole: 'pharmacist',
        at: new Date(),
      });

    // Judged not appropriate: the advice is back in full for everyone, at order-select too.
    await judge('alice', 'not-appropriate');
    const full = await oneCard(t.app, 'order-sign', metoprolol(patientId, other));
    expect(full.indicator).toBe('warning');
    expect(full.detail).not.toContain('Already acknowledged');
    expect((await cardsOf(t.app, 'order-select', metoprolol(patientId, other))).cards).toHaveLength(1);
    // A follow-up flag is no judgement, and another pharmacist's "appropriate" does not outweigh hers.
    await judge('alice', 'follow-up');
    await judge('bea', 'appropriate');
    expect((await oneCard(t.app, 'order-sign', metoprolol(patientId, other))).indicator).toBe('warning');
    // When she judges it appropriate after all, the override acknowledges the advice again.
    await judge('alice', 'appropriate');
    expect((await oneCard(t.app, 'order-sign', metoprolol(patientId, other))).indicator).toBe('info');
  });

  it('a worsened decision is shown in full: a new result, new sensor evidence', async () => {
    const patientId = `vol-${randomUUID()}`;
    const first = await oneCard(t.app, 'order-sign', metoprolol(patientId));
    await feedback(t.app, 'order-sign', first, 'overridden', { code: 'tolerated-before' });
    expect((await oneCard(t.app, 'order-sign', metoprolol(patientId))).indicator).toBe('info');

    // A re-test: the same genotype reported again with a new date is a new result.
    const retest = { resultDate: new Date(Date.now() - DAY_MS).toISOString() };
    const afterRetest = await oneCard(t.app, 'order-sign', metoprolol(patientId, retest));
    expect(afterRetest.indicator).toBe('warning');
    const select = await cardsOf(t.app, 'order-select', metoprolol(patientId, retest));
    expect(select.cards).toHaveLength(1);
    expect((await t.store.volume.listOutcomes(select.hookInstance))[0]?.reason).toContain('a new result');

    // A week of low resting heart rate raises the card (R1): new sensor evidence, shown at its full height.
    const lowHr = { wearables: restingHeartRate(patientId, [55, 54, 56, 53, 55, 57, 54]) };
    const raised = await oneCard(t.app, 'order-sign', metoprolol(patientId, lowHr));
    expect(raised.indicator).toBe('critical');
  });

  it('a sensor-raised alert shown one step lower after an override still says what the readings did', async () => {
    const patientId = `vol-${randomUUID()}`;
    const lowHr = { wearables: restingHeartRate(patientId, [55, 54, 56, 53, 55, 57, 54]) };
    const raised = await oneCard(t.app, 'order-sign', metoprolol(patientId, lowHr));
    expect(raised.indicator).toBe('critical');
    expect(raised.detail).toContain('alert raised to critical');
    await feedback(t.app, 'order-sign', raised, 'overridden', { code: 'will-monitor' });
    const again = await oneCard(t.app, 'order-sign', metoprolol(patientId, lowHr));
    // Shown as a warning, because of the override; the heart rate raised it to critical, not to warning.
    expect(again.indicator).toBe('warning');
    expect(again.detail).toContain('alert raised to critical');
    expect(again.detail).toContain('raised the alert to critical');
    expect(again.detail).not.toMatch(/raised (the alert )?to warning/);
    expect(again.detail).toContain('Already acknowledged: overridden for this patient by you');
    expect(again.detail).toContain('Shown as a warning rather than critical because of it.');
    expectClinicianReadable(again);
  });

  it('a CPIC Strong avoid is never suppressed: shown as already acknowledged, naming who, when and why', async () => {
    const patientId = `vol-${randomUUID()}`;
    const selected = await oneCard(t.app, 'order-select', clopidogrel(patientId));
    // Signed by a clinician whose EHR sends the `user` prefetch: the name is recorded with the card.
    const first = await oneCard(t.app, 'order-sign', clopidogrel(patientId, { userName: 'Dr. Ada Obi' }));
    expect(first.indicator).toBe('critical');
    await feedback(t.app, 'order-sign', first, 'overridden', {
      code: 'benefit-outweighs-risk',
      comment: 'Cardiology advised',
    });
    const noteBy = (who: string): string =>
      `Already acknowledged: overridden for this patient by ${who} ${dayPhrase(new Date())} (reason: Clinical benefit outweighs the pharmacogenomic risk; comment: "Cardiology advised").`;
    // To the clinician who overrode it: "you"; to another: the name, never a FHIR reference.
    const note = noteBy('you');
    const toOther = await oneCard(t.app, 'order-sign', clopidogrel(patientId, { userId: OTHER_CLINICIAN }));
    expect(toOther.detail).toContain(noteBy('Dr. Ada Obi'));
    expectClinicianReadable(toOther);

    // The order being edited keeps its card (same uuid), now saying it was acknowledged.
    const select = await cardsOf(t.app, 'order-select', clopidogrel(patientId));
    expect(select.cards.map((c) => [c.uuid, c.indicator])).toEqual([[selected.uuid, 'critical']]);
    expect(selected.detail).not.toContain('Already acknowledged');
    expect(select.cards[0]?.detail).toContain(note);
    const sign = await cardsOf(t.app, 'order-sign', clopidogrel(patientId));
    expect(sign.cards.map((c) => c.indicator)).toEqual(['critical']);
    expect(sign.cards[0]?.detail).toContain(note);
    expect(await t.store.volume.listOutcomes(sign.hookInstance)).toEqual([
      expect.objectContaining({
        outcome: 'acknowledged',
        decidedIndicator: 'critical',
        shownIndicator: 'critical',
      }),
    ]);
  });

  it('clopidogrel, CYP2C19 intermediate metabolizer: the Strong ACS/PCI row leads and, overridden, is never lowered', async () => {
    // CPIC's rows for this result, one per indication (the order does not say which): the Strong ACS/PCI avoid, the
    // Moderate neurovascular one and the non-ACS/non-PCI "No recommendation".
    const { lookupKey } = cpicCall('CYP2C19', '*1/*2');
    const acsPci = cpicRow('clopidogrel', { CYP2C19: lookupKey }, 'CVI ACS PCI').row;
    const neuro = cpicRow('clopidogrel', { CYP2C19: lookupKey }, 'NVI').row;
    expect([acsPci.strength, neuro.strength]).toEqual(['Strong', 'Moderate']);
    const patientId = `vol-${randomUUID()}`;
    const im = (extra: Partial<Call> = {}): Call =>
      clopidogrel(patientId, { result: 'CYP2C19 *1/*2', ...extra });
    const first = await oneCard(t.app, 'order-sign', im());
    expect(first.indicator).toBe('critical');
    expect(first.summary).toContain('(CPIC Strong)');
    const detail = first.detail ?? '';
    // The Strong row first, the neurovascular row still quoted after it.
    expect(detail.indexOf('Avoid standard dose (75 mg) clopidogrel')).toBeGreaterThan(-1);
    expect(detail.indexOf('Avoid standard dose (75 mg) clopidogrel')).toBeLessThan(
      detail.indexOf('Consider an alternative P2Y12 inhibitor'),
    );
    // The alternatives the Strong row names are offered.
    const offered = (first.suggestions ?? []).flatMap((s) =>
      (s.actions ?? []).flatMap((a) =>
        'resource' in a
          ? [
              String(
                (a.resource as { medicationCodeableConcept?: { text?: string } }).medicationCodeableConcept
                  ?.text,
              ),
            ]
          : [],
      ),
    );
    expect(offered).toEqual(
      expect.arrayContaining([expect.stringMatching(/^prasugrel/i), expect.stringMatching(/^ticagrelor/i)]),
    );
    await feedback(t.app, 'order-sign', first, 'overridden', { code: 'benefit-outweighs-risk' });
    // Another clinician signing it: still critical (a CPIC Strong avoid is never lowered), shown as acknowledged.
    const toOther = await oneCard(t.app, 'order-sign', im({ userId: OTHER_CLINICIAN }));
    expect(toOther.indicator).toBe('critical');
    expect(toOther.detail).toContain('Already acknowledged');
    expectClinicianReadable(toOther);
  });

  it('clopidogrel with CYP2C19 results that disagree (*2/*2 and *1/*1 of one day): critical and, overridden, never lowered', async () => {
    const patientId = `vol-${randomUUID()}`;
    const disagree = (extra: Partial<Call> = {}): Call =>
      clopidogrel(patientId, {
        results: ['CYP2C19 *2/*2', 'CYP2C19 *1/*1'],
        resultDate: '2025-03-02',
        ...extra,
      });
    const first = await oneCard(t.app, 'order-sign', disagree());
    // One of them, if right, brings CPIC's Strong avoid: the conflict is as loud as that until it is resolved.
    expect(first.summary).toMatch(/^Confirm CYP2C19 result before clopidogrel/);
    expect(first.indicator).toBe('critical');
    await feedback(t.app, 'order-sign', first, 'overridden', { code: 'benefit-outweighs-risk' });
    const toOther = await oneCard(t.app, 'order-sign', disagree({ userId: OTHER_CLINICIAN }));
    expect(toOther.indicator).toBe('critical');
    expect(toOther.detail).toContain('Already acknowledged');
  });

  it.each(['CYP2C19 *1/*17', 'CYP2C19 *17/*17'])(
    'clopidogrel with %s: CPIC\'s Strong "use at standard dose" outranks "No recommendation", so no card',
    async (result) => {
      const { lookupKey } = cpicCall('CYP2C19', result.replace('CYP2C19 ', ''));
      const rows = cpicRows('clopidogrel', { CYP2C19: lookupKey }).map(({ row }) => row);
      // The data: one Strong standard-dose row, the others make no recommendation.
      expect(rows.filter((r) => r.strength === 'Strong').map((r) => r.recommendation)).toEqual([
        'If considering clopidogrel, use at standard dose (75 mg/day)',
      ]);
      expect(
        rows.filter((r) => r.strength !== 'Strong').every((r) => r.strength === 'No recommendation'),
      ).toBe(true);
      const patientId = `vol-${randomUUID()}`;
      for (const hook of ['order-sign', 'order-select'] as const) {
        const { cards } = await cardsOf(t.app, hook, clopidogrel(patientId, { result }));
        expect(cards).toEqual([]);
      }
    },
  );

  it('a "shown too often" rating acknowledges the advice like an override', async () => {
    const patientId = `vol-${randomUUID()}`;
    const first = await oneCard(t.app, 'order-sign', metoprolol(patientId));
    await t.store.ratings.upsert({
      cardUuid: first.uuid!,
      rater: OTHER_CLINICIAN,
      rating: 'too-often',
      ratedAt: new Date(),
    });
    expect((await cardsOf(t.app, 'order-select', metoprolol(patientId))).cards).toEqual([]);
    const sign = await oneCard(t.app, 'order-sign', metoprolol(patientId));
    expect(sign.indicator).toBe('info');
    expect(sign.detail).toContain(
      `Already acknowledged: rated "shown too often" for this patient by another clinician ${dayPhrase(new Date())}.`,
    );
    expectClinicianReadable(sign);
  });

  it('order-select: the same user on the same order keeps the same card until accepting it; others see it too', async () => {
    const patientId = `vol-${randomUUID()}`;
    // clopidogrel's card offers the alternatives CPIC names, so it can be accepted.
    const mine = clopidogrel(patientId, { orderId: 'draft-1' });
    const first = await oneCard(t.app, 'order-select', mine);
    expect(first.indicator).toBe('critical');
    expect(first.suggestions?.length).toBeGreaterThan(0);
    const again = await cardsOf(t.app, 'order-select', mine);
    expect(again.cards.map(withoutPageLinks)).toEqual([withoutPageLinks(first)]);
    expect(await t.store.volume.listOutcomes(again.hookInstance)).toEqual([
      expect.objectContaining({ outcome: 'repeated', cardUuid: first.uuid, firstShowing: false }),
    ]);
    // The clinician changes the dose: the card is re-rendered for the new order, under the same uuid.
    const edited = body('order-select', mine);
    const entry = (edited.context as { draftOrders: { entry: { resource: JsonObject }[] } }).draftOrders
      .entry[0]!;
    entry.resource.note = [{ text: 'dose changed' }];
    const afterEdit = await request(t.app).post('/cds-services/pgx-order-select').send(edited).expect(200);
    const rerendered = (afterEdit.body as { cards: Card[] }).cards;
    expect(rerendered.map((c) => c.uuid)).toEqual([first.uuid]);
    // Its suggestions are new ones (new uuids), offered by the same card: accepting one of them is accepted below.
    expect(rerendered[0]?.suggestions?.[0]?.uuid).not.toBe(first.suggestions?.[0]?.uuid);

    const otherUser = await oneCard(t.app, 'order-select', { ...mine, userId: OTHER_CLINICIAN });
    expect(otherUser.uuid).not.toBe(first.uuid);
    const otherOrder = await oneCard(t.app, 'order-select', { ...mine, orderId: 'draft-2' });
    expect(otherOrder.uuid).not.toBe(first.uuid);

    await feedback(t.app, 'order-select', rerendered[0]!, 'accepted');
    expect((await cardsOf(t.app, 'order-select', mine)).cards).toEqual([]);
    // Accepting is this clinician's action on this order only.
    expect(
      (await cardsOf(t.app, 'order-select', { ...mine, userId: OTHER_CLINICIAN })).cards.map(
        withoutPageLinks,
      ),
    ).toEqual([withoutPageLinks(otherUser)]);
  });

  it('follows the threshold set: acknowledgedDays 0 turns the policy off, orderSignSteps 2 lowers two steps', async () => {
    const patientId = `vol-${randomUUID()}`;
    const hr = { wearables: restingHeartRate(patientId, [55, 54, 56, 53, 55, 57, 54]) };
    const critical = await oneCard(t.app, 'order-sign', metoprolol(patientId, hr));
    expect(critical.indicator).toBe('critical'); // raised by R1, not a CPIC Strong avoid
    await feedback(t.app, 'order-sign', critical, 'overridden', { code: 'will-monitor' });
    expect((await oneCard(t.app, 'order-sign', metoprolol(patientId, hr))).indicator).toBe('warning');

    await publish(t, {
      ...DEFAULT_THRESHOLDS,
      version: `volume-two-steps-${randomUUID()}`,
      volume: { ...VOLUME, orderSignSteps: 2 },
    });
    expect((await oneCard(t.app, 'order-sign', metoprolol(patientId, hr))).indicator).toBe('info');
    await publish(t, {
      ...DEFAULT_THRESHOLDS,
      version: `volume-off-${randomUUID()}`,
      volume: { ...VOLUME, acknowledgedDays: 0 },
    });
    expect((await oneCard(t.app, 'order-sign', metoprolol(patientId, hr))).indicator).toBe('critical');
    expect((await cardsOf(t.app, 'order-select', metoprolol(patientId, hr))).cards).toHaveLength(1);
    await publish(t, { ...DEFAULT_THRESHOLDS, version: `volume-default-${randomUUID()}` });
  });

  it('flags a rule overridden past the limit to the informaticist, with a proposed demotion', async () => {
    const flags = { lastFirings: 4, minFirings: 3, overrideRate: 0.75, notUsefulRate: 0.5 };
    await publish(t, {
      ...DEFAULT_THRESHOLDS,
      version: `volume-flags-${randomUUID()}`,
      volume: { ...VOLUME, flags },
    });
    const app = createApp({ ...t.deps, userAuthenticator: users });
    const initial = (
      await request(app)
        .get('/api/volume/flags')
        .set('Authorization', 'Bearer token-informaticist')
        .expect(200)
    ).body as { flags: { ruleId: string }[] };
    const before = new Set(initial.flags.map((f) => f.ruleId));
    // Three patients, three clopidogrel cards (Strong avoid), all overridden; three metoprolol cards, one overridden.
    for (let i = 0; i < 3; i++) {
      const c = await oneCard(app, 'order-sign', clopidogrel(`flag-${randomUUID()}`));
      await feedback(app, 'order-sign', c, 'overridden', { code: 'other' });
      const m = await oneCard(app, 'order-sign', metoprolol(`flag-${randomUUID()}`));
      if (i === 0) await feedback(app, 'order-sign', m, 'overridden', { code: 'other' });
    }
    await request(app).get('/api/volume/flags').expect(401);
    await request(app).get('/api/volume/flags').set('Authorization', 'Bearer token-pharmacist').expect(403);
    const res = await request(app)
      .get('/api/volume/flags')
      .set('Authorization', 'Bearer token-informaticist')
      .expect(200);
    const answer = res.body as {
      limits: typeof flags;
      flags: {
        ruleId: string;
        drug: string;
        firings: number;
        overrideRate: number;
        proposedIndicator?: string;
        proposal: string;
      }[];
    };
    expect(answer.limits).toEqual(flags);
    const clopidogrelFlag = answer.flags.find((f) => f.drug === 'clopidogrel' && !before.has(f.ruleId));
    expect(clopidogrelFlag).toMatchObject({ firings: expect.any(Number) as unknown });
    expect(clopidogrelFlag!.overrideRate).toBeGreaterThanOrEqual(0.75);
    // A CPIC Strong avoid is flagged for review but never proposed for demotion.
    expect(clopidogrelFlag!.proposedIndicator).toBeUndefined();
    expect(clopidogrelFlag!.proposal).toMatch(/never demoted/);
    expect(answer.flags.some((f) => f.drug === 'metoprolol')).toBe(false);
    // Nothing was demoted: the next card is as decided.
    expect((await oneCard(app, 'order-sign', clopidogrel(`flag-${randomUUID()}`))).indicator).toBe(
      'critical',
    );
    await publish(t, { ...DEFAULT_THRESHOLDS, version: `volume-default-${randomUUID()}` });
  });
});

describe('two app instances on one PostgreSQL database', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startTestApp({ databaseUrl: database.url });
    b = await startTestApp({ databaseUrl: database.url });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await database.drop();
  });

  it('share the order-select card and the policy', async () => {
    const patientId = `vol-${randomUUID()}`;
    const call: Call = { patientId, drug: 'metoprolol', result: 'CYP2D6 *5/*5', orderId: 'shared-draft' };
    const fromA = await oneCard(a.app, 'order-select', call);
    const fromB = await oneCard(b.app, 'order-select', call);
    expect(withoutPageLinks(fromB)).toEqual(withoutPageLinks(fromA));

    // Racing replicas: both answer with one and the same card.
    const racing: Call = { ...call, orderId: 'racing-draft' };
    const [ra, rb] = await Promise.all([
      oneCard(a.app, 'order-select', racing),
      oneCard(b.app, 'order-select', racing),
    ]);
    expect(rb.uuid).toBe(ra.uuid);

    // Overridden through one replica, acknowledged on the other.
    const signed = await oneCard(a.app, 'order-sign', call);
    await feedback(a.app, 'order-sign', signed, 'overridden', { code: 'will-monitor' });
    expect((await cardsOf(b.app, 'order-select', { ...call, orderId: 'another-draft' })).cards).toEqual([]);
    expect((await oneCard(b.app, 'order-sign', call)).indicator).toBe('info');
  });
});
