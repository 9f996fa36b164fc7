/**
 * Clinical-safety review of the wearable-data handling, end to end: a FHIR record (Patient, PGx results, active
 * orders, wearable Observations shaped as Apple Watch data reach an EHR through an aggregator) → `readPatientData` →
 * `assess` under the default thresholds → the card. Cut-offs come from the research note (knowledge/sensor-thresholds.json
 * via test/reference).
 */
import type { FhirResource, MedicationRequest, Patient } from 'fhir/r4';
import { decisionCard } from '../../../src/cards';
import { assess, readPatientData, TIMEZONE_EXTENSION } from '../../../src/rules/assess';
import type { PatientRecord } from '../../../src/rules/assess';
import { resolveDrugOrders } from '../../../src/rules/cpic';
import { createRuleEngine } from '../../../src/rules/engine';
import { DEFAULT_THRESHOLDS } from '../../../src/rules/thresholds';
import type { Decision } from '../../../src/rules/types';
import { readFixture } from '../../helpers/fixtures';
import { snapshotOf } from '../../helpers/decisions';
import { researchThreshold } from '../../reference';

const AT = '2026-12-03T17:00:00Z'; // 09:00 in Los Angeles (PST, -08:00)
const NOW = new Date(AT);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LA_OFFSET = -8 * HOUR;
const engine = createRuleEngine(DEFAULT_THRESHOLDS);

const patient = readFixture('hooks', 'patient.json') as Patient;
const pgx = readFixture('hooks', 'pgx-results.json') as Record<string, FhirResource[]>;
const drafts = readFixture('hooks', 'draft-orders.json') as Record<string, FhirResource>;

/** An active metoprolol order (US Core shaped) written `daysAgo` days before the hook, or without any date. */
function activeMetoprolol(daysAgo: number | undefined): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: 'active-metoprolol',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/smart-1288992' },
    ...(daysAgo === undefined
      ? {}
      : { authoredOn: new Date(NOW.getTime() - daysAgo * DAY).toISOString().slice(0, 10) }),
    medicationCodeableConcept: {
      coding: [
        {
          system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
          code: '866514',
          display: 'metoprolol tartrate 50 MG Oral Tablet',
        },
      ],
      text: 'metoprolol tartrate 50 MG Oral Tablet',
    },
    dosageInstruction: [{ text: '50 mg twice daily' }],
  };
}

/** A heart-rate sample as the PHR IG writes an Apple Watch reading (LOINC 8867-4, contained Device). */
function heartRate(
  id: string,
  effectiveDateTime: string,
  value: number,
  unit: Record<string, string>,
): unknown {
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
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: 'Patient/smart-1288992' },
    effectiveDateTime,
    valueQuantity: { value, ...unit },
    device: { reference: '#watch' },
    contained: [
      { resourceType: 'Device', id: 'watch', deviceName: [{ name: 'Apple Watch', type: 'model-name' }] },
    ],
  };
}

const UCUM_PER_MIN = { unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' };

/**
 * `days` days of heart-rate samples every 10 minutes up to the hook: `night` per minute from 00:00 to 06:00 Los
 * Angeles time, `day` otherwise; written with the Los Angeles offset or, as aggregators often send them, in UTC.
 */
function heartRateDays(
  days: number,
  stamp: 'local' | 'utc',
  night = 44,
  day = 75,
  value?: (instant: number) => number | undefined,
): unknown[] {
  const out: unknown[] = [];
  for (let t = NOW.getTime() - days * DAY; t <= NOW.getTime(); t += 10 * 60_000) {
    const localHour = new Date(t + LA_OFFSET).getUTCHours();
    const v = value?.(t) ?? (localHour < 6 ? night : day);
    const text =
      stamp === 'utc'
        ? new Date(t).toISOString().replace('.000Z', 'Z')
        : new Date(t + LA_OFFSET).toISOString().replace('.000Z', '-08:00');
    out.push(heartRate(`hr-${String(t)}`, text, v, UCUM_PER_MIN));
  }
  return out;
}

function record(
  sensorResources: readonly unknown[],
  medications: FhirResource[],
  tz?: string,
): PatientRecord {
  return {
    patient:
      tz === undefined ? patient : { ...patient, extension: [{ url: TIMEZONE_EXTENSION, valueCode: tz }] },
    pgx: pgx['CYP2D6 *5/*5'] ?? [],
    pgxComplete: true,
    sensorResources,
    medications,
  };
}

/** The metoprolol decision and its card's summary and detail. */
async function metoprololCard(
  r: PatientRecord,
): Promise<{ decision: Decision; summary: string; detail: string }> {
  const data = readPatientData(r, NOW, DEFAULT_THRESHOLDS);
  const orders = resolveDrugOrders([drafts.metoprolol]);
  const { decisions, facts } = await assess(data, orders, { now: NOW, preTest: 'suppress' }, engine);
  const decision = decisions.find((d) => d.finding.drug === 'metoprolol');
  if (!decision) throw new Error('no metoprolol decision');
  const { card } = decisionCard(decision as Parameters<typeof decisionCard>[0], {
    patientId: 'p1',
    newUuid: () => 'card-1',
    snapshot: snapshotOf([decision], facts, engine),
  });
  return { decision, summary: card.summary, detail: card.detail ?? '' };
}

const CRITICAL_BELOW = researchThreshold('R1.critical');

describe('finding 1: the night is the patient’s night, whatever the time zone is written as', () => {
  const on90Days = [activeMetoprolol(90)];

  it('readings written with the Los Angeles offset: the night-time 44/min is the resting rate → critical', async () => {
    const { decision, summary } = await metoprololCard(record(heartRateDays(4, 'local'), on90Days));
    expect(44).toBeLessThan(CRITICAL_BELOW);
    expect(decision.indicator).toBe('critical');
    expect(summary).toContain('44/min');
  });

  it('the same instants written in UTC with nothing saying the local time: never lowered, and the card says why', async () => {
    const { decision, detail } = await metoprololCard(record(heartRateDays(4, 'utc'), on90Days));
    // The CPIC baseline for a CYP2D6 PM on metoprolol, unchanged (the old code lowered it to info).
    expect(decision.indicator).toBe('warning');
    expect(decision.modifiers.some((m) => m.effect === 'lower')).toBe(false);
    expect(detail).toContain("not used to lower the alert: the readings do not say the patient's local time");
  });

  it('UTC readings with the Patient’s time zone (FHIR timezone extension): read on the Los Angeles clock → critical', async () => {
    const { decision } = await metoprololCard(
      record(heartRateDays(4, 'utc'), on90Days, 'America/Los_Angeles'),
    );
    expect(decision.indicator).toBe('critical');
  });

  it('UTC readings beside one written with the local offset: the offset places them → critical', async () => {
    const samples = heartRateDays(4, 'utc');
    // A reading from another app, five minutes ago, written with the phone's offset.
    const localText = new Date(NOW.getTime() - 5 * 60_000 + LA_OFFSET)
      .toISOString()
      .replace('.000Z', '-08:00');
    const localOne = heartRate('hr-local', localText, 76, UCUM_PER_MIN);
    const { decision } = await metoprololCard(record([...samples, localOne], on90Days));
    expect(decision.indicator).toBe('critical');
  });
});

describe('finding 2: only therapy stable for more than 4 weeks lowers the alert', () => {
  const steady70 = heartRateDays(7, 'local', 70, 70);

  it('the number is the research note’s', () => {
    expect(researchThreshold('R1.stable-weeks')).toBe(4);
  });

  it('an active order written 90 days ago and a resting rate of 70/min: lowered to info', async () => {
    const { decision } = await metoprololCard(record(steady70, [activeMetoprolol(90)]));
    expect(decision.indicator).toBe('info');
  });

  it('an active order written yesterday: the alert keeps its baseline', async () => {
    const { decision } = await metoprololCard(record(steady70, [activeMetoprolol(1)]));
    expect(decision.indicator).toBe('warning');
  });

  it('an active order without any start date: the alert keeps its baseline', async () => {
    const { decision } = await metoprololCard(record(steady70, [activeMetoprolol(undefined)]));
    expect(decision.indicator).toBe('warning');
  });
});

describe('finding 3: implausible readings are left out', () => {
  it('a 10-minute run of 0/min each night (watch off the wrist to charge) in nights at 62/min: resting rate 62, not 0', async () => {
    // 04:00–04:10 Los Angeles time, every night: two samples of 0/min, as the watch sends them off the wrist.
    const offWrist = (t: number): number | undefined => {
      const local = new Date(t + LA_OFFSET);
      return local.getUTCHours() === 4 && local.getUTCMinutes() < 20 ? 0 : undefined;
    };
    const { decision, summary, detail } = await metoprololCard(
      record(heartRateDays(7, 'local', 62, 80, offWrist), []),
    );
    expect(decision.indicator).toBe('warning');
    expect(`${summary}\n${detail}`).not.toMatch(/\b0\/min/);
    // The records left out are said in one line (finding 6).
    expect(detail).toMatch(
      /Wearable data: \d+ records left out \(heart rate outside the plausible 20–300\/min/,
    );
  });

  it('seven daily resting values of 5/min: left out, never "resting HR 5/min"; the card says records were left out', async () => {
    const daily = Array.from({ length: 7 }, (_, d) => ({
      resourceType: 'Observation',
      id: `rhr-${String(d)}`,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '40443-4', display: 'Heart rate --resting' }] },
      subject: { reference: 'Patient/smart-1288992' },
      effectiveDateTime: new Date(NOW.getTime() - d * DAY - HOUR + LA_OFFSET)
        .toISOString()
        .replace('.000Z', '-08:00'),
      valueQuantity: { value: 5, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
    }));
    const { decision, summary, detail } = await metoprololCard(record(daily, []));
    expect(decision.indicator).toBe('warning');
    expect(summary).not.toContain('5/min');
    expect(detail).toContain('Wearable data: 7 records left out');
  });

  it('heart rate with unit code `bpm`: read as per minute, not left out (finding 6)', async () => {
    const bpm = heartRateDays(4, 'local').map((o) => {
      const obs = o as { valueQuantity: Record<string, unknown> };
      return {
        ...obs,
        valueQuantity: {
          value: obs.valueQuantity.value,
          unit: 'bpm',
          system: 'http://unitsofmeasure.org',
          code: 'bpm',
        },
      };
    });
    const { decision, detail } = await metoprololCard(record(bpm, [activeMetoprolol(90)]));
    expect(decision.indicator).toBe('critical');
    expect(detail).not.toContain('left out');
  });
});
