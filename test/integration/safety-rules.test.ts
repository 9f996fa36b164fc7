/**
 * The R8 safety rule end to end over HTTP (wearables research note §2.2 R8, in `knowledge/sensor-thresholds.json`):
 * CYP2C9 IM/PM + a sulfonylurea is "not a CPIC/DPWG-actionable pair — state as safety rule"; CGM time below range
 * raises the card.
 *
 * Expectations come from the sources, never from the code under test:
 * - phenotypes from CPIC's CYP2C9 diplotype table (`knowledge/cpic/diplotypes/CYP2C9.json`, via `test/reference`);
 * - the trigger from research §2.2 R8 ("TBR < 70 mg/dL > 4 % … → +1"; "if baseline 'info', may be raised to
 *   'warning'") and the baseline from the default threshold set's `safetyRuleBaseline` ('info');
 * - sufficiency from research §2.4 ("14 d, ≥ 70 % sensor active");
 * - time below range computed here from the readings the test sends.
 * The CGM data are HDDT-style SampledData chunks (LOINC 99504-3, UCUM mg/dL, a CGM Device), relative to the real clock.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Card } from '../../src/cds/types';
import { DEFAULT_THRESHOLDS } from '../../src/rules/thresholds';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { sandboxRequest } from '../helpers/cds';
import type { JsonObject } from '../helpers/cds';
import { searchset } from '../helpers/mock-fhir';
import { rendered } from '../helpers/markdown';
import { cpicCall, cpicPair, researchThreshold } from '../reference';

const PATIENT_ID = 'smart-1288992';
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const READINGS_PER_DAY = 288; // one reading every 5 minutes
const DEVICE_NAME = 'FreeStyle Libre 3';

function fixture(dir: string, name: string): Record<string, unknown> {
  const file = path.join(__dirname, '..', 'fixtures', dir, name);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}
const PGX = fixture('safety', 'pgx-cyp2c9.json') as Record<string, JsonObject[]>;
const ORDERS = fixture('safety', 'draft-orders.json') as Record<string, JsonObject>;
const PATIENT = fixture('hooks', 'patient.json');

/** CPIC's phenotype for a CYP2C9 diplotype (the CPIC diplotype table). */
function cpicPhenotype(diplotype: string): string {
  return cpicCall('CYP2C9', diplotype).phenotype;
}

interface CgmPlan {
  /**
   * Hours of the day with one reading below 70 mg/dL (62 mg/dL: above 54, so no level-2 event, research §2.2 R8);
   * hours when the sensor is off have none.
   */
  readonly lowPerDay: number;
}

/** Per day: 40 consecutive readings missing (sensor off 3 h 20 min), so 248 of 288 possible readings (86 %). */
const MISSING = { from: 100, to: 140 };

/**
 * 14 daily CGM chunks, newest ending 30 minutes before now: HDDT SampledData (period 5 min, `E` = no reading),
 * glucose in mg/dL, the CGM device contained. Returns the Observations and the time below 70 mg/dL they hold (%).
 */
function cgmTwoWeeks(plan: CgmPlan): { observations: JsonObject[]; timeBelow70: number; active: number } {
  const anchor = Math.floor((Date.now() - 30 * MINUTE_MS) / (5 * MINUTE_MS)) * 5 * MINUTE_MS;
  let present = 0;
  let low = 0;
  const observations = Array.from({ length: 14 }, (_, day): JsonObject => {
    const start = anchor - (day + 1) * DAY_MS;
    const tokens = Array.from({ length: READINGS_PER_DAY }, (_unused, i): string => {
      if (i >= MISSING.from && i < MISSING.to) return 'E';
      present += 1;
      // One low reading on the hour for the first `lowPerDay` hours; the rest in range, varying through the day.
      if (i % 12 === 0 && i / 12 < plan.lowPerDay) {
        low += 1;
        return '62';
      }
      return String(110 + ((i * 7) % 60));
    });
    return {
      resourceType: 'Observation',
      id: `cgm-day-${day}`,
      status: 'final',
      contained: [
        {
          resourceType: 'Device',
          id: 'cgm',
          manufacturer: 'Abbott',
          deviceName: [{ name: DEVICE_NAME, type: 'user-friendly-name' }],
        },
      ],
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
          ],
        },
      ],
      code: {
        coding: [
          {
            system: 'http://loinc.org',
            code: '99504-3',
            display: 'Glucose [Mass/volume] in Interstitial fluid',
          },
        ],
      },
      subject: { reference: `Patient/${PATIENT_ID}` },
      effectivePeriod: {
        start: new Date(start).toISOString(),
        end: new Date(start + DAY_MS - 1000).toISOString(),
      },
      device: { reference: '#cgm' },
      valueSampledData: {
        origin: { value: 0, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
        period: 5 * MINUTE_MS,
        factor: 1,
        lowerLimit: 40,
        upperLimit: 400,
        dimensions: 1,
        data: tokens.join(' '),
      },
    };
  });
  return {
    observations,
    timeBelow70: (100 * low) / present,
    active: (100 * present) / (14 * READINGS_PER_DAY),
  };
}

/** A sandbox-shaped order-sign call with the given PGx results, draft orders and CGM data in the prefetch. */
function orderSign(options: {
  readonly pgx: readonly JsonObject[];
  readonly orders: readonly JsonObject[];
  readonly wearables?: readonly JsonObject[];
  readonly patient?: JsonObject;
}): JsonObject {
  return sandboxRequest('sandbox-order-sign-clopidogrel.json', undefined, {
    context: {
      userId: 'Practitioner/COREPRACTITIONER1',
      patientId: PATIENT_ID,
      draftOrders: {
        resourceType: 'Bundle',
        type: 'collection',
        entry: options.orders.map((resource) => ({ resource })),
      },
    },
    prefetch: {
      patient: options.patient ?? PATIENT,
      pgx: searchset(options.pgx),
      ...(options.wearables ? { wearables: searchset(options.wearables) } : {}),
    },
  });
}

async function cardsOf(t: TestApp, body: JsonObject, service = 'pgx-order-sign'): Promise<Card[]> {
  const res = await request(t.app).post(`/cds-services/${service}`).send(body);
  expect(res.status).toBe(200);
  expect(res.body).toBeSpecValid();
  return (res.body as { cards: Card[] }).cards;
}

/** Research §2.2 R8: "TBR < 70 mg/dL > 4 % … → +1"; older/high-risk: "TBR < 70 > 1 % → +1". */
const TBR_LIMIT = researchThreshold('R8.tbr70');
const TBR_LIMIT_OLDER = researchThreshold('R8.tbr70-older');
/** Research §2.4 CGM: "≥ 70 % of possible readings". */
const CGM_COVERAGE = researchThreshold('cgm.coverage');

describe('R8 safety rule: CYP2C9 + sulfonylurea + CGM time below range (research §2.2 R8)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const poor = PGX['CYP2C9 *3/*3']!;
  const normal = PGX['CYP2C9 *1/*1']!;
  const glipizide = ORDERS.glipizide!;

  it('the fixtures are what the test says: CPIC calls *3/*3 poor and *1/*1 normal; the CGM data meet §2.4', () => {
    expect(cpicPhenotype('*3/*3')).toBe('Poor Metabolizer');
    expect(cpicPhenotype('*1/*1')).toBe('Normal Metabolizer');
    const { timeBelow70, active } = cgmTwoWeeks({ lowPerDay: 20 });
    expect(active).toBeGreaterThanOrEqual(CGM_COVERAGE);
    expect(timeBelow70).toBeGreaterThan(TBR_LIMIT);
    expect(cgmTwoWeeks({ lowPerDay: 1 }).timeBelow70).toBeLessThan(TBR_LIMIT_OLDER);
  });

  it('a poor metabolizer with time below 70 mg/dL over 4 % gets a safety-rule card raised from info to warning', async () => {
    const cgm = cgmTwoWeeks({ lowPerDay: 20 });
    const cards = await cardsOf(
      t,
      orderSign({ pgx: poor, orders: [glipizide], wearables: cgm.observations }),
    );
    expect(cards).toHaveLength(1);
    const card = cards[0]!;
    // Baseline: the thresholds' safetyRuleBaseline ('info'); R8 raises one step (research: "may be raised to 'warning'").
    expect(DEFAULT_THRESHOLDS.safetyRuleBaseline).toBe('info');
    expect(card.indicator).toBe('warning');
    expect(card.summary).toContain('glipizide');
    expect(card.summary).toContain(`CYP2C9 ${cpicPhenotype('*3/*3')}`);
    const detail = rendered(card.detail);
    // It says what it is: a safety rule, not a CPIC/DPWG-actionable pair (research §2.2 R8).
    expect(detail).toMatch(/safety rule/i);
    expect(detail).toContain('not a CPIC/DPWG-actionable pair');
    // The evidence: metric, the value these readings give, the threshold, the device.
    expect(detail).toContain(`above ${TBR_LIMIT} %: raised the alert to warning`);
    // The value as a person reads it: one decimal.
    const shown = /CGM time below 70 mg\/dL ([\d.]+) %/.exec(detail);
    expect(Number(shown?.[1])).toBeCloseTo(cgm.timeBelow70, 1);
    expect(detail).toContain(DEVICE_NAME);
    expect(detail).toContain('raised the alert');
    // Nowhere does the card present itself as CPIC advice: header, summary and link name the safety rule and the
    // consensus its thresholds come from (research §2.2 R8 and §7, Battelino et al., Diabetes Care 2019;42:1593).
    expect(card.summary).toMatch(/safety rule, not CPIC/);
    expect(card.source.label).toMatch(/not a CPIC guideline/);
    expect(card.source.url).toBe('https://diabetesjournals.org/care/article/42/8/1593');
    expect(card.links?.map((l) => l.url.replace(/\?t=.*$/, ''))).toEqual([
      'https://diabetesjournals.org/care/article/42/8/1593',
      `http://localhost:3000/rate/${card.uuid!}`,
      `http://localhost:3000/explain/${card.uuid!}`,
    ]);
  });

  it('for a patient of 65 or older both limits on time below 70 mg/dL apply, said in one line with the age', async () => {
    const cgm = cgmTwoWeeks({ lowPerDay: 20 });
    const older = { ...PATIENT, birthDate: '1950-03-02' };
    const cards = await cardsOf(
      t,
      orderSign({ pgx: poor, orders: [glipizide], wearables: cgm.observations, patient: older }),
    );
    expect(cards).toHaveLength(1);
    const detail = rendered(cards[0]!.detail);
    const lines = detail.split('\n').filter((l) => l.includes('CGM time below 70 mg/dL'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`above ${TBR_LIMIT} %: raised the alert`);
    expect(lines[0]).toContain(`above ${TBR_LIMIT_OLDER} %, age 65 or older: raised the alert`);
  });

  it('the same with CGM in range: no raise, the card keeps its info baseline', async () => {
    const cgm = cgmTwoWeeks({ lowPerDay: 1 });
    const cards = await cardsOf(
      t,
      orderSign({ pgx: poor, orders: [glipizide], wearables: cgm.observations }),
    );
    expect(cards).toHaveLength(1);
    expect(cards[0]!.indicator).toBe(DEFAULT_THRESHOLDS.safetyRuleBaseline);
    expect(rendered(cards[0]!.detail)).not.toContain('raised the alert');
  });

  it('order-select reaches the rule too (a selected glipizide order)', async () => {
    const cgm = cgmTwoWeeks({ lowPerDay: 20 });
    const body = orderSign({ pgx: poor, orders: [glipizide], wearables: cgm.observations });
    const select = {
      ...body,
      hook: 'order-select',
      context: { ...(body.context as JsonObject), selections: ['MedicationRequest/draft-glipizide'] },
    };
    const cards = await cardsOf(t, select, 'pgx-order-select');
    expect(cards.map((c) => c.indicator)).toEqual(['warning']);
  });

  it('an uncoded glibenclamide order (name only) is recognized and raised the same way', async () => {
    const cgm = cgmTwoWeeks({ lowPerDay: 20 });
    const cards = await cardsOf(
      t,
      orderSign({ pgx: poor, orders: [ORDERS['glibenclamide (text only)']!], wearables: cgm.observations }),
    );
    expect(cards).toHaveLength(1);
    expect(cards[0]!.summary).toContain('glibenclamide');
    expect(cards[0]!.indicator).toBe('warning');
  });

  it('a CYP2C9 normal metabolizer gets no card, whatever the CGM shows (R8 applies to IM/PM)', async () => {
    const cgm = cgmTwoWeeks({ lowPerDay: 20 });
    expect(
      await cardsOf(t, orderSign({ pgx: normal, orders: [glipizide], wearables: cgm.observations })),
    ).toEqual([]);
  });

  it('an active glipizide is continuing use: patient-view reviews it and names the CGM flag', async () => {
    const cgm = cgmTwoWeeks({ lowPerDay: 20 });
    const active = { ...glipizide, id: 'active-glipizide', status: 'active' };
    const body = sandboxRequest('sandbox-patient-view.json', undefined, {
      context: { userId: 'Practitioner/COREPRACTITIONER1', patientId: PATIENT_ID },
      prefetch: {
        patient: PATIENT,
        pgx: searchset(poor),
        wearables: searchset(cgm.observations),
        medications: searchset([active]),
      },
    });
    const cards = await cardsOf(t, body, 'pgx-patient-view');
    expect(cards).toHaveLength(1);
    const detail = rendered(cards[0]!.detail);
    expect(detail).toContain('glipizide');
    expect(detail).toContain('CGM time below 70 mg/dL');
  });

  it('glipizide with no PGx result on file: no pre-test card (not a CPIC pair)', async () => {
    const cgm = cgmTwoWeeks({ lowPerDay: 20 });
    expect(
      await cardsOf(t, orderSign({ pgx: [], orders: [glipizide], wearables: cgm.observations })),
    ).toEqual([]);
  });
});

/**
 * R2 siponimod over HTTP (research §2.2 R2: "*3/*3: contraindicated, no sensor modulation"; the label's RxNorm
 * ingredient from knowledge/cpic/pairs.json, 2121085). The CYP2C9 *3/*3 genotype is the fixture above.
 */
describe('R2 safety rule: siponimod with CYP2C9 *3/*3 is contraindicated (the label)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const siponimod: JsonObject = {
    resourceType: 'MedicationRequest',
    id: 'draft-siponimod',
    status: 'draft',
    intent: 'order',
    subject: { reference: `Patient/${PATIENT_ID}` },
    medicationCodeableConcept: {
      coding: [
        { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '2121085', display: 'siponimod' },
      ],
      text: 'siponimod',
    },
  };

  it('order-sign: one critical "Avoid siponimod" card, citing the label, not CPIC', async () => {
    const [card, ...more] = await cardsOf(t, orderSign({ pgx: PGX['CYP2C9 *3/*3']!, orders: [siponimod] }));
    expect(more).toEqual([]);
    expect(card?.indicator).toBe('critical');
    expect(card?.summary).toMatch(/^Avoid siponimod: CYP2C9 /);
    expect(rendered(card?.detail)).toMatch(/label contraindicates it for CYP2C9 \*3\/\*3/);
    expect(card?.source.label).toMatch(/Drug label contraindication/);
  });

  it('a normal metabolizer (*1/*1): no card', async () => {
    expect(await cardsOf(t, orderSign({ pgx: PGX['CYP2C9 *1/*1']!, orders: [siponimod] }))).toEqual([]);
  });

  it('no CYP2C9 result on file: order-sign asks for the test the label requires', async () => {
    // CPIC's gene–drug pair: the FDA label requires CYP2C9 testing; CPIC has no siponimod guideline.
    expect(cpicPair('CYP2C9', 'siponimod').fdaLabel).toBe('Testing required');
    const [card, ...more] = await cardsOf(t, orderSign({ pgx: [], orders: [siponimod] }));
    expect(more).toEqual([]);
    expect(card?.summary).toBe('Order CYP2C9 test before siponimod: no result on file');
    expect(card?.indicator).toBe(DEFAULT_THRESHOLDS.preTest.indicator);
    expect(card?.source.label).toMatch(/^FDA drug label: testing required/);
    expect(card?.suggestions?.[0]?.label).toBe('Order CYP2C9 genotyping before siponimod');
  });
});
