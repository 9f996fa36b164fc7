/**
 * The R7 rule end to end over HTTP (wearables research note §2.2 R7, in `knowledge/sensor-thresholds.json`): CYP2C9
 * IM/PM + an NSAID, and a 7-day mean home blood pressure at or above 130/80 mm[Hg] raises the card one step.
 *
 * The research note reads home BP as "85354-9/55284-4 → 8480-6/8462-4": the vital-signs blood-pressure panel, its
 * systolic and diastolic values in components, as home cuffs send it through the EHR. Until this test, a hook call
 * skipped those panels (its sensor summary reads only the concepts its rules need, and the panel was not one of them),
 * so the rule never saw a reading in that shape.
 *
 * Expectations come from the sources: the phenotype from CPIC's CYP2C9 diplotype table, the celecoxib row's strength
 * from the CPIC data, the thresholds from research §2.2 R7, the sufficiency ("≥ 12 readings over ≥ 4 days in last
 * 7 d (AM+PM)") from §2.2 R7, and the means computed here from the readings the test sends.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Card } from '../../src/cds/types';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { expectClinicianReadable } from '../helpers/card-text';
import { sandboxRequest } from '../helpers/cds';
import type { JsonObject } from '../helpers/cds';
import { searchset } from '../helpers/mock-fhir';
import { rendered } from '../helpers/markdown';
import { cpicCall, cpicRow, researchThreshold } from '../reference';

const PATIENT_ID = 'smart-1288992';
const DAY_MS = 86_400_000;
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

const PATIENT = JSON.parse(
  readFileSync(path.join(__dirname, '..', 'fixtures', 'hooks', 'patient.json'), 'utf8'),
) as JsonObject;
const PGX = JSON.parse(
  readFileSync(path.join(__dirname, '..', 'fixtures', 'safety', 'pgx-cyp2c9.json'), 'utf8'),
) as Record<string, JsonObject[]>;

/** Research §2.2 R7: "7-day mean ≥ 130/80 mm[Hg] → +1". */
const SYSTOLIC_LIMIT = researchThreshold('R7.systolic');
const DIASTOLIC_LIMIT = researchThreshold('R7.diastolic');

/** Research §2.2 R7: "any reading ≥ 180/120 → `critical`". */
const CRISIS_SYSTOLIC = researchThreshold('R7.critical-systolic');
const CRISIS_DIASTOLIC = researchThreshold('R7.critical-diastolic');

/** A draft meloxicam order (RxNorm SCD 152695: meloxicam 15 MG Oral Tablet). */
const MELOXICAM: JsonObject = {
  resourceType: 'MedicationRequest',
  id: 'request-meloxicam',
  status: 'draft',
  intent: 'order',
  subject: { reference: `Patient/${PATIENT_ID}` },
  medicationCodeableConcept: {
    coding: [
      {
        system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
        code: '152695',
        display: 'meloxicam 15 MG Oral Tablet',
      },
    ],
    text: 'meloxicam 15 MG Oral Tablet',
  },
};

/** A draft celecoxib order as the sandbox writes one (RxNorm SCD 140587: celecoxib 200 MG Oral Capsule). */
const CELECOXIB: JsonObject = {
  resourceType: 'MedicationRequest',
  id: 'request-celecoxib',
  status: 'draft',
  intent: 'order',
  subject: { reference: `Patient/${PATIENT_ID}` },
  medicationCodeableConcept: {
    coding: [
      {
        system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
        code: '140587',
        display: 'celecoxib 200 MG Oral Capsule',
      },
    ],
    text: 'celecoxib 200 MG Oral Capsule',
  },
};

const OMRON: JsonObject = {
  resourceType: 'Device',
  id: 'cuff',
  manufacturer: 'Omron',
  deviceName: [{ name: 'Omron BP7450', type: 'user-friendly-name' }],
};

/** A reading's time: `daysAgo` days before today (UTC), at `hour` UTC (07:30 is morning, 19:30 evening). */
function at(daysAgo: number, hour: number): string {
  const day = new Date(Date.now() - daysAgo * DAY_MS);
  day.setUTCHours(hour, 30, 0, 0);
  return day.toISOString();
}

/** One home reading as the vital-signs blood-pressure panel: 85354-9 with systolic and diastolic components. */
function panel(id: string, when: string, systolic: number, diastolic: number): JsonObject {
  const component = (code: string, display: string, value: number): JsonObject => ({
    code: { coding: [{ system: LOINC, code, display }] },
    valueQuantity: { value, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
  });
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel' }] },
    subject: { reference: `Patient/${PATIENT_ID}` },
    effectiveDateTime: when,
    contained: [OMRON],
    device: { reference: '#cuff' },
    component: [
      component('8480-6', 'Systolic blood pressure', systolic),
      component('8462-4', 'Diastolic blood pressure', diastolic),
    ],
  };
}

/** Six days of morning and evening readings (12: the least R7's sufficiency accepts), systolic `base`..`base + 5`. */
function week(base: number, diastolic: number): { readings: JsonObject[]; systolicMean: number } {
  const readings = [1, 2, 3, 4, 5, 6].flatMap((d) => [
    panel(`bp-${d}-am`, at(d, 7), base + d - 1, diastolic),
    panel(`bp-${d}-pm`, at(d, 19), base + d - 1, diastolic),
  ]);
  return { readings, systolicMean: base + 2.5 };
}

function orderSign(wearables: readonly JsonObject[], order: JsonObject = CELECOXIB): JsonObject {
  return sandboxRequest('sandbox-order-sign-clopidogrel.json', undefined, {
    context: {
      userId: 'Practitioner/COREPRACTITIONER1',
      patientId: PATIENT_ID,
      draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: order }] },
    },
    prefetch: { patient: PATIENT, pgx: searchset(PGX['CYP2C9 *3/*3']!), wearables: searchset(wearables) },
  });
}

async function oneCard(t: TestApp, body: JsonObject): Promise<Card> {
  const res = await request(t.app).post('/cds-services/pgx-order-sign').send(body);
  expect(res.status).toBe(200);
  expect(res.body).toBeSpecValid();
  const { cards } = res.body as { cards: Card[] };
  expect(cards).toHaveLength(1);
  expectClinicianReadable(cards[0]!);
  return cards[0]!;
}

describe('R7: CYP2C9 poor metabolizer + celecoxib + home blood pressure sent as the vital-signs panel', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('the sources: a CPIC Moderate dose change for a poor metabolizer; R7 at 130/80', () => {
    const { phenotype, lookupKey } = cpicCall('CYP2C9', '*3/*3');
    expect(phenotype).toBe('Poor Metabolizer');
    expect(cpicRow('celecoxib', { CYP2C9: lookupKey }).row.strength).toBe('Moderate');
    expect([SYSTOLIC_LIMIT, DIASTOLIC_LIMIT]).toEqual([130, 80]);
  });

  it('a week averaging above 130/80 raises the card one step and says so with the readings it used', async () => {
    const normal = await oneCard(t, orderSign(week(118, 74).readings));
    const high = week(SYSTOLIC_LIMIT + 6, DIASTOLIC_LIMIT + 4);
    expect(high.systolicMean).toBeGreaterThanOrEqual(SYSTOLIC_LIMIT);
    const raised = await oneCard(t, orderSign(high.readings));
    // Moderate adjust-dose is a warning by default; R7 raises it one step.
    expect([normal.indicator, raised.indicator]).toEqual(['warning', 'critical']);
    const detail = rendered(raised.detail);
    // The mean of whole readings ends in .5 (138.5); a blood pressure is written in whole mmHg, rounded half up.
    expect(high.systolicMean % 1).toBe(0.5);
    expect(detail).toContain(`mean) ${String(high.systolicMean + 0.5)} mmHg`);
    expect(raised.summary).toContain(`home BP ${String(high.systolicMean + 0.5)}/`);
    expect(detail).toContain(`at or above ${String(SYSTOLIC_LIMIT)} mmHg`);
    expect(detail).toContain('6 of 7 days with data, Omron BP7450');
    expect(detail).toMatch(/raised the alert to critical/);
    expect(rendered(normal.detail)).not.toContain('raised the alert');
  });

  it('one reading at or above 180/120 among normal ones makes a meloxicam card critical, naming the reading and its day', async () => {
    // Ten days of normal morning and evening readings (20), and one 185/125 two days ago in the evening.
    const normal = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].flatMap((d) => [
      panel(`bp-${d}-am`, at(d, 7), 116, 70),
      panel(`bp-${d}-pm`, at(d, 19), 119, 72),
    ]);
    const crisisAt = at(2, 21);
    const crisis = panel('bp-crisis', crisisAt, CRISIS_SYSTOLIC + 5, CRISIS_DIASTOLIC + 5);
    const before = await oneCard(t, orderSign(normal, MELOXICAM));
    const card = await oneCard(t, orderSign([...normal, crisis], MELOXICAM));
    // Before: CPIC's warning for a poor metabolizer, unchanged; the 7-day means stay below 130/80.
    expect([before.indicator, card.indicator]).toEqual(['warning', 'critical']);
    const day = new Date(crisisAt);
    const dayWords = `${String(day.getUTCDate())} ${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][day.getUTCMonth()] ?? ''}`;
    expect(card.summary).toContain(`home BP 185/125 mmHg on ${dayWords}`);
    const detail = rendered(card.detail);
    expect(detail).toContain(`Highest home systolic blood pressure 185 mmHg on ${dayWords}`);
    expect(detail).toContain(`at or above ${String(CRISIS_SYSTOLIC)} mmHg: raised the alert to critical`);
    expect(detail).toContain(`Highest home diastolic blood pressure 125 mmHg on ${dayWords}`);
    expect(detail).not.toMatch(/home-bp|R7/);
    // Only the single reading moved it: the 7-day means stay below 130/80.
    expect(card.summary).not.toMatch(/home [SD]BP \d/);
    expect(rendered(before.detail)).not.toContain('raised the alert');
  });

  it('names the day of that reading on the patient’s clock, not UTC’s', async () => {
    // A cuff in Los Angeles writes local times. 185/125 at 21:30 on the evening two days ago is 05:30 the next day in
    // UTC: the card must say the evening's day, the one the patient remembers.
    const local = new Date(Date.now() - 2 * DAY_MS - 8 * 3_600_000);
    const localDay = local.toISOString().slice(0, 10);
    const normal = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].flatMap((d) => [
      panel(`bp-${d}-am`, at(d, 15), 116, 70),
      panel(`bp-${d}-pm`, at(d, 3), 119, 72),
    ]);
    const crisis = panel(
      'bp-crisis',
      `${localDay}T21:30:00-08:00`,
      CRISIS_SYSTOLIC + 5,
      CRISIS_DIASTOLIC + 5,
    );
    const card = await oneCard(t, orderSign([...normal, crisis], MELOXICAM));
    const dayWords = `${String(Number(localDay.slice(8, 10)))} ${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][Number(localDay.slice(5, 7)) - 1] ?? ''}`;
    expect(card.indicator).toBe('critical');
    expect(card.summary).toContain(`home BP 185/125 mmHg on ${dayWords}`);
    expect(rendered(card.detail)).toContain(`185 mmHg on ${dayWords}`);
  });
});
