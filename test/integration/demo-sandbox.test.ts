/**
 * Sandbox in one step (issue 12 item 3): every demo patient yields the card the README's table says it does, on
 * every hook, both as the CDS Hooks sandbox calls (prefetch resolved from the `cds-services.json` templates against
 * `/demo/fhir`, `fhirServer` the demo endpoint) and through the FHIR fallback with no prefetch at all. Each prefetch
 * template resolves against the demo endpoint, and together they return every Observation of the patient.
 *
 * Expected cards come from the sources, never from the code under test: CPIC phenotypes, lookup keys, strengths and
 * recommendation texts from the CPIC data set through `test/reference`; sensor thresholds from the wearables research
 * note (`researchThreshold`), applied here to the demo data as the endpoint serves it; the interruption policy
 * (strength × action → indicator, pre-test, conflicts, safety-rule baseline, steps per trigger) from the default
 * threshold set, as the clinical-panel test does.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, FhirResource, MedicationRequest, Observation, Resource } from 'fhir/r4';
import request from 'supertest';
import { reinterpretationReport } from '../../src/admin/reinterpret';
import { loadServiceDefinitions } from '../../src/cds/discovery';
import { resolveTemplate } from '../../src/cds/prefetch';
import { prescriberName } from '../../src/cds/prescriber';
import type { Card } from '../../src/cds/types';
import { DEFAULT_THRESHOLDS } from '../../src/rules/thresholds';
import { startTestApp } from '../helpers/app';
import { expectClinicianReadable } from '../helpers/card-text';
import type { TestApp } from '../helpers/app';
import { demoDraftOrders } from '../helpers/cds';
import type { JsonObject } from '../helpers/cds';
import {
  cpicCall,
  cpicDrugs,
  cpicGene,
  cpicRow,
  cpicRows,
  diplotypeTable,
  researchSays,
  researchThreshold,
} from '../reference';

const ROOT = path.join(__dirname, '..', '..');
const DEMO_FHIR = 'http://localhost:3000/demo/fhir';
const SERVICES = loadServiceDefinitions();
const LEVELS = ['info', 'warning', 'critical'] as const;
type Indicator = Card['indicator'];
type Expected = Indicator | 'none';
const DAY_MS = 86_400_000;

function raised(base: Indicator, steps: number): Indicator {
  return LEVELS[Math.min(LEVELS.indexOf(base) + steps, LEVELS.length - 1)]!;
}

/** Steps a trigger of the default threshold set raises by (policy, not clinical content). */
function stepsOf(rule: string, trigger: string): number {
  const found = DEFAULT_THRESHOLDS.sensorRules
    .find((r) => r.id === rule)
    ?.triggers.find((t) => t.id === trigger);
  if (!found) throw new Error(`no trigger ${rule}/${trigger}`);
  return found.steps;
}

function interruption(strength: string | null, action: 'avoid' | 'adjust-dose'): Indicator {
  const row =
    DEFAULT_THRESHOLDS.interruption[(strength ?? 'unstated') as keyof typeof DEFAULT_THRESHOLDS.interruption];
  const indicator = row[action];
  if (indicator === 'none') throw new Error(`${String(strength)} ${action} gives no card`);
  return indicator;
}

// ---------------------------------------------------------------------------------------------------------------
// The README's table
// ---------------------------------------------------------------------------------------------------------------

interface ReadmeRow {
  readonly patient: string;
  readonly drug: string;
  readonly orderSign: Expected;
  readonly patientView: Expected;
}

/** Rows of the README's demo-patient table: | `id` | scenario | drug to order | **order-sign card** … | **patient-view** … | */
function readmeRows(): ReadmeRow[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const rows: ReadmeRow[] = [];
  for (const line of readme.split('\n')) {
    const m =
      /^\| `(demo-[a-z0-9-]+)` \|[^|]*\| ([a-z]+)[^|]*\| \*\*([a-z]+)\*\*[^|]*\| \*\*([a-z]+)\*\*[^|]*\|$/.exec(
        line,
      );
    if (m)
      rows.push({ patient: m[1]!, drug: m[2]!, orderSign: m[3] as Expected, patientView: m[4] as Expected });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// Facts read from the demo endpoint (what the sandbox would see)
// ---------------------------------------------------------------------------------------------------------------

async function search(t: TestApp, query: string): Promise<FhirResource[]> {
  const all = query.includes('_count=') ? query : `${query}&_count=1000`;
  const res = await request(t.app).get(`/demo/fhir/${all}`).expect(200);
  const bundle = res.body as Bundle;
  // Every match on one page, unless the caller asked for fewer.
  if (all !== query) expect(bundle.link?.some((l) => l.relation === 'next')).toBe(false);
  return (bundle.entry ?? []).map((e) => e.resource as FhirResource);
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The median daily resting heart rate of the last 7 days (research §2.2 R1). */
async function restingHrMedian(t: TestApp, patient: string): Promise<number> {
  const since = new Date(Date.now() - 7 * DAY_MS).toISOString();
  const obs = (await search(
    t,
    `Observation?patient=${patient}&code=http://loinc.org|40443-4&date=ge${encodeURIComponent(since)}`,
  )) as Observation[];
  expect(obs.length).toBeGreaterThanOrEqual(4);
  return median(obs.map((o) => o.valueQuantity!.value!));
}

/** The mean home systolic and diastolic blood pressure of the last 7 days, from the vital-signs panels (§2.2 R7). */
async function homeBpMean(t: TestApp, patient: string): Promise<{ systolic: number; diastolic: number }> {
  const since = new Date(Date.now() - 7 * DAY_MS).toISOString();
  const panels = (
    (await search(
      t,
      `Observation?patient=${patient}&code=http://loinc.org|85354-9&date=ge${encodeURIComponent(since)}`,
    )) as Observation[]
  ).filter((p) => p.status !== 'entered-in-error');
  // R7's sufficiency: "≥ 12 readings over ≥ 4 days in last 7 d (AM+PM)".
  expect(panels.length).toBeGreaterThanOrEqual(12);
  const mean = (code: string): number =>
    panels
      .map((p) => p.component!.find((c) => c.code.coding?.[0]?.code === code)!.valueQuantity!.value!)
      .reduce((a, b) => a + b, 0) / panels.length;
  return { systolic: mean('8480-6'), diastolic: mean('8462-4') };
}

/** The newest home INR and its age in days (research §2.2 R9). */
async function latestInr(t: TestApp, patient: string): Promise<{ value: number; ageDays: number }> {
  const [newest] = (await search(
    t,
    `Observation?patient=${patient}&code=http://loinc.org|34714-6&_sort=-date&_count=1`,
  )) as Observation[];
  return {
    value: newest!.valueQuantity!.value!,
    ageDays: (Date.now() - Date.parse(newest!.effectiveDateTime!)) / DAY_MS,
  };
}

/** Whether the last 14 days of CGM readings hold a level-2 event: ≥ 15 min below 54 mg/dL (research §2.2 R8). */
async function hasLevel2Event(t: TestApp, patient: string): Promise<boolean> {
  const obs = (await search(
    t,
    `Observation?patient=${patient}&code=http://loinc.org|99504-3`,
  )) as Observation[];
  const limit = researchThreshold('R8.level2-glucose');
  const minutes = researchThreshold('R8.level2-duration');
  const since = Date.now() - 14 * DAY_MS;
  for (const o of obs) {
    const sd = o.valueSampledData!;
    const start = Date.parse(o.effectivePeriod!.start!);
    let runStart: number | undefined;
    for (const [i, token] of sd.data!.split(' ').entries()) {
      const at = start + i * sd.period;
      const low = token !== 'E' && sd.origin.value! + (sd.factor ?? 1) * Number(token) < limit && at >= since;
      if (low && runStart === undefined) runStart = at;
      if (!low) runStart = undefined;
      if (runStart !== undefined && at + sd.period - runStart >= minutes * 60_000) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// What each demo patient must show, from the sources
// ---------------------------------------------------------------------------------------------------------------

interface Expectation {
  /** The order-sign card's indicator, or none. */
  readonly indicator: Expected;
  /** A CPIC recommendation the card must quote, when it rests on a CPIC row. */
  readonly recommendation?: string;
  /** Words the patient-view summary card must hold (absent: no patient-view card). */
  readonly patientView?: readonly string[];
  /** Advice the card must give besides a CPIC row, on the research note's words (`adviceFrom`). */
  readonly advice?: string;
}

/** Advice a card gives (`card`), checked to rest on words the research note says (`note`). */
function adviceFrom(card: string, note: string): string {
  expect(researchSays(note)).toBe(true);
  return card;
}

async function expectationFor(t: TestApp, patient: string): Promise<Expectation> {
  const cpic = (
    drug: string,
    key: Record<string, string>,
    action: 'avoid' | 'adjust-dose',
    population?: string | null,
  ) => {
    const { row } = cpicRow(drug, key, population);
    return { indicator: interruption(row.strength, action), recommendation: row.recommendation };
  };
  switch (patient) {
    case 'demo-cyp2c19-pm': {
      const call = cpicCall('CYP2C19', '*2/*2');
      // The order does not say the indication: the card rests on CPIC's Strong ACS/PCI row (as in clinical-panel).
      return {
        ...cpic('clopidogrel', { CYP2C19: call.lookupKey }, 'avoid', 'CVI ACS PCI'),
        patientView: [call.phenotype],
      };
    }
    case 'demo-cyp2d6-pm-low-hr': {
      const call = cpicCall('CYP2D6', '*5/*5');
      const base = cpic('metoprolol', { CYP2D6: call.lookupKey }, 'adjust-dose', null);
      const hr = await restingHrMedian(t, patient);
      // R1: a 7-day median below 60 /min raises one step; below 50 /min would be critical outright.
      expect(hr).toBeLessThan(researchThreshold('R1.raise'));
      expect(hr).toBeGreaterThanOrEqual(researchThreshold('R1.critical'));
      const steps = stepsOf('R1-metoprolol-resting-hr', 'resting-hr-below-60');
      return {
        ...base,
        indicator: raised(base.indicator, steps),
        patientView: [call.phenotype],
      };
    }
    case 'demo-consent-denied': {
      const call = cpicCall('CYP2D6', '*5/*5'); // the lab reports the phenotype only: CPIC's PM lookup key
      const base = cpic('metoprolol', { CYP2D6: call.lookupKey }, 'adjust-dose', null);
      // The low resting heart rate is on file, but the patient's Consent denies its use: no raise.
      expect(await restingHrMedian(t, patient)).toBeLessThan(researchThreshold('R1.raise'));
      return { ...base, patientView: [call.phenotype] };
    }
    case 'demo-hla-b5701':
      return {
        ...cpic('abacavir', { 'HLA-B': '*57:01 positive' }, 'avoid', 'general'),
        patientView: ['HLA-B*57:01'],
      };
    case 'demo-tpmt-nudt15': {
      const tpmt = cpicCall('TPMT', '*1/*3A');
      const nudt15 = cpicCall('NUDT15', '*1/*1');
      return {
        ...cpic('azathioprine', { TPMT: tpmt.lookupKey, NUDT15: nudt15.lookupKey }, 'adjust-dose'),
        patientView: [tpmt.phenotype],
      };
    }
    case 'demo-dpyd': {
      const call = cpicCall('DPYD', 'c.1905+1G>A (*2A)/Reference');
      return {
        ...cpic('capecitabine', { DPYD: call.lookupKey }, 'adjust-dose'),
        patientView: [call.phenotype],
      };
    }
    case 'demo-slco1b1-steps': {
      const call = cpicCall('SLCO1B1', '*5/*5');
      // R10 (steps) adds context only, never changes the indicator.
      // Its research row: "`info` "ask about muscle symptoms" only"; said on the avoid card too (the patient may be
      // taking a statin, against whose start the steps fell).
      return {
        ...cpic('simvastatin', { SLCO1B1: call.lookupKey }, 'avoid'),
        patientView: [call.phenotype],
        advice: adviceFrom('Ask about muscle symptoms', '"ask about muscle symptoms"'),
      };
    }
    case 'demo-warfarin-inr': {
      // CPIC's warfarin guideline is a decision figure without graded rows: the thresholds' `unstated` row decides.
      expect(cpicRows('warfarin')).toHaveLength(0);
      const base = DEFAULT_THRESHOLDS.interruption.unstated['adjust-dose'] as Indicator;
      const inr = await latestInr(t, patient);
      // R9: an INR above 4 (below 5) in the last 7 days raises one step.
      expect(inr.value).toBeGreaterThan(researchThreshold('R9.raise'));
      expect(inr.value).toBeLessThan(researchThreshold('R9.critical'));
      expect(inr.ageDays).toBeLessThanOrEqual(researchThreshold('R9.max-age'));
      return {
        indicator: raised(base, stepsOf('R9-warfarin-inr', 'inr-above-4')),
        patientView: [cpicCall('CYP2C9', '*1/*3').phenotype],
        advice: adviceFrom('Recheck the INR', 'add "recheck INR / hold per protocol"'),
      };
    }
    case 'demo-cyp2c9-cgm': {
      // Sulfonylureas have no CPIC guideline: the research note's R8 safety rule; a level-2 event → critical.
      expect(Object.keys(cpicDrugs())).not.toContain('glipizide');
      expect(await hasLevel2Event(t, patient)).toBe(true);
      return {
        indicator: 'critical',
        patientView: [cpicCall('CYP2C9', '*1/*3').phenotype],
        advice: adviceFrom('Consider the lowest starting dose', 'suggest lowest starting dose'),
      };
    }
    case 'demo-cyp2d6-um': {
      const call = cpicCall('CYP2D6', '*1/*1x2');
      return { ...cpic('codeine', { CYP2D6: call.lookupKey }, 'avoid'), patientView: [call.phenotype] };
    }
    case 'demo-cyp2d6-copies': {
      // CPIC's xN row: "*1xN: *1x2 or *1x≥3"; its table: *1x2 (2) with a no-function allele (*4, 0) → AS 2, Normal
      // Metabolizer; *1x≥3 → ≥3, Ultrarapid. Unsettled, so the most protective row (≥3.0, avoid) leads, and the chart
      // lists the result as what it may be, Ultrarapid being actionable.
      return {
        ...cpic('codeine', { CYP2D6: '≥3.0' }, 'avoid'),
        patientView: ['Normal', 'Ultrarapid Metabolizer'],
      };
    }
    case 'demo-legacy-report':
      // "Extensive Metabolizer" is no CPIC CYP2D6 term: a result on file that cannot be read is shown as an incomplete
      // check is, and both hooks ask for the laboratory.
      expect(cpicGene('CYP2D6').phenotypes).not.toContain('Extensive Metabolizer');
      return {
        indicator: DEFAULT_THRESHOLDS.incompleteCheck.indicator,
        patientView: ['CYP2D6 result not readable', 'laboratory'],
      };
    case 'demo-ryr1-mh': {
      // RYR1 c.7300G>A reported alone: every CPIC RYR1 diplotype holding it has one phenotype, so the other allele does
      // not matter. With it every succinylcholine row, whatever CACNA1S is, says to avoid the drug: the card quotes
      // CPIC's row for CACNA1S untested, and no CACNA1S test is asked for (one card).
      const phenotypes = new Set(
        diplotypeTable('RYR1')
          .filter((row) => row[0].split('/').includes('c.7300G>A'))
          .map((row) => row[1]),
      );
      expect(phenotypes.size).toBe(1);
      const [mhs = ''] = phenotypes;
      return {
        ...cpic('succinylcholine', { RYR1: mhs, CACNA1S: 'No Result' }, 'avoid'),
        // The chart says, as the order card does, that the other allele was not reported.
        patientView: [`RYR1 ${mhs}`, 'other allele not reported'],
      };
    }
    case 'demo-cyp2c9-pm-nsaid': {
      const call = cpicCall('CYP2C9', '*3/*3');
      const base = cpic('meloxicam', { CYP2C9: call.lookupKey }, 'avoid');
      // R7: a 7-day mean home blood pressure at or above 130/80 raises the NSAID card one step.
      const bp = await homeBpMean(t, patient);
      expect(bp.systolic).toBeGreaterThanOrEqual(researchThreshold('R7.systolic'));
      expect(bp.diastolic).toBeGreaterThanOrEqual(researchThreshold('R7.diastolic'));
      return {
        ...base,
        indicator: raised(base.indicator, stepsOf('R7-nsaid-home-bp', 'home-sbp-mean-130')),
        patientView: [call.phenotype],
      };
    }
    case 'demo-normal': {
      const call = cpicCall('CYP2C19', '*1/*1');
      // A normal metabolizer's row is standard dosing: no card on either hook.
      expect(cpicRows('clopidogrel', { CYP2C19: call.lookupKey }).length).toBeGreaterThan(0);
      return { indicator: 'none' };
    }
    case 'demo-no-result':
      return { indicator: DEFAULT_THRESHOLDS.preTest.indicator };
    case 'demo-conflict': {
      // The chart lists both results and asks for the laboratory (no phenotype is used until one is confirmed). The
      // order-sign card is as loud as the row one of them would bring if right: *2/*2's ACS/PCI row, CPIC Strong.
      const poor = cpicRow(
        'clopidogrel',
        { CYP2C19: cpicCall('CYP2C19', '*2/*2').lookupKey },
        'CVI ACS PCI',
      ).row;
      expect(poor.strength).toBe('Strong');
      expect(DEFAULT_THRESHOLDS.conflictIndicator).toBe('warning');
      return {
        indicator: DEFAULT_THRESHOLDS.interruption.Strong.avoid,
        patientView: ['*1/*1', '*2/*2', 'laboratory'],
      };
    }
    case 'demo-reinterpreted': {
      const call = cpicCall('CYP2C19', '*1/*17');
      return {
        ...cpic('voriconazole', { CYP2C19: call.lookupKey }, 'avoid', 'adults'),
        // The summary names the current phenotype and what the laboratory reported in 2015.
        patientView: [call.phenotype, 'Normal Metabolizer'],
      };
    }
    case 'demo-siponimod': {
      // No CPIC guideline for siponimod: the R2 safety rule (the label as the research note cites it). CYP2C9 *1/*3 is
      // watched, and its label dose is 1 mg; a 7-day median resting heart rate below 55 /min raises one step.
      expect(Object.keys(cpicDrugs())).not.toContain('siponimod');
      expect(await restingHrMedian(t, patient)).toBeLessThan(researchThreshold('R2.resting-hr'));
      return {
        indicator: raised(
          DEFAULT_THRESHOLDS.safetyRuleBaseline as Indicator,
          stepsOf('R2-siponimod-resting-hr', 'resting-hr-below-55'),
        ),
        patientView: [cpicCall('CYP2C9', '*1/*3').phenotype],
        advice: adviceFrom('Use a maintenance dose of 1 mg', 'maintenance 1 mg for *1/*3 and *2/*3 (label)'),
      };
    }
    default:
      throw new Error(`no expectation for ${patient}: add one with the README row`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Requests as the sandbox sends them
// ---------------------------------------------------------------------------------------------------------------

function draftOf(t: TestApp, patient: string): MedicationRequest {
  const drafts = demoDraftOrders(t.deps.demo!, patient);
  expect(drafts).toHaveLength(1);
  return drafts[0]!;
}

/** The prefetch the sandbox builds: each template of the service resolved and read from the demo endpoint. */
async function sandboxPrefetch(t: TestApp, serviceId: string, context: JsonObject): Promise<JsonObject> {
  const templates = SERVICES.find((s) => s.id === serviceId)!.prefetch ?? {};
  const prefetch: JsonObject = {};
  for (const [key, template] of Object.entries(templates)) {
    const query = resolveTemplate(template, context);
    expect([key, query]).toEqual([key, expect.any(String)]);
    const res = await request(t.app).get(`/demo/fhir/${query!}`).expect(200);
    prefetch[key] = res.body as unknown;
  }
  return prefetch;
}

function hookBody(hook: string, context: JsonObject, prefetch?: JsonObject): JsonObject {
  return {
    hookInstance: randomUUID(),
    hook,
    fhirServer: DEMO_FHIR,
    context,
    ...(prefetch ? { prefetch } : {}),
  };
}

async function cardsOf(t: TestApp, service: string, body: JsonObject): Promise<Card[]> {
  const res = await request(t.app).post(`/cds-services/${service}`).send(body);
  expect([service, res.status]).toEqual([service, 200]);
  expect(res.body).toBeSpecValid();
  return (res.body as { cards: Card[] }).cards;
}

describe('demo patients from the CDS Hooks sandbox', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ demo: true });
  });
  afterAll(async () => {
    await t.close();
  });

  it('the README lists every demo patient once, with the drug its draft order is for', () => {
    const rows = readmeRows();
    const patients = t.deps.demo!.index.patients;
    expect(rows.map((r) => r.patient).sort()).toEqual(patients.map((p) => p.id).sort());
    for (const row of rows) expect(row.drug).toBe(patients.find((p) => p.id === row.patient)!.order.drug);
  });

  it('each prefetch template of cds-services.json resolves against the demo endpoint and finds the data', async () => {
    for (const patient of t.deps.demo!.index.patients) {
      for (const service of SERVICES) {
        const prefetch = await sandboxPrefetch(t, service.id, {
          userId: 'Practitioner/COREPRACTITIONER1',
          patientId: patient.id,
        });
        expect(prefetch.patient).toMatchObject({ resourceType: 'Patient', id: patient.id });
        // The order hooks ask for the sandbox's default user: a named Practitioner.
        if (service.prefetch?.user !== undefined) {
          expect(prefetch.user).toMatchObject({ resourceType: 'Practitioner', id: 'COREPRACTITIONER1' });
          expect(prescriberName({ context: { userId: 'Practitioner/COREPRACTITIONER1' }, prefetch })).toBe(
            'Dr. Nadia Haddad',
          );
        }
        const found = (key: string): Resource[] =>
          ((prefetch[key] as Bundle).entry ?? []).map((e) => e.resource!);
        // Together the pgx and wearables templates return every Observation of the patient: no demo data is unused.
        const observations = t.deps
          .demo!.ofType('Observation')
          .filter((o) => (o as Observation).subject?.reference === `Patient/${patient.id}`);
        expect([...found('pgx'), ...found('wearables')].map((r) => r.id).sort()).toEqual(
          observations.map((o) => o.id).sort(),
        );
        const active = t.deps
          .demo!.ofType('MedicationRequest')
          .filter(
            (m) =>
              (m as MedicationRequest).subject.reference === `Patient/${patient.id}` &&
              (m as MedicationRequest).status === 'active',
          );
        expect(found('medications').map((r) => r.id)).toEqual(active.map((m) => m.id));
        expect(found('consent').length).toBe(patient.id === 'demo-consent-denied' ? 1 : 0);
      }
    }
  });

  it('every demo patient yields the card the README says, from prefetch and through the FHIR fallback', async () => {
    for (const row of readmeRows()) {
      const expected = await expectationFor(t, row.patient);
      expect([row.patient, row.orderSign]).toEqual([row.patient, expected.indicator]);
      expect([row.patient, row.patientView]).toEqual([row.patient, expected.patientView ? 'info' : 'none']);
      const draft = draftOf(t, row.patient);
      const orderContext: JsonObject = {
        userId: 'Practitioner/COREPRACTITIONER1',
        patientId: row.patient,
        draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: draft }] },
      };
      const viewContext: JsonObject = { userId: 'Practitioner/COREPRACTITIONER1', patientId: row.patient };
      const withPrefetch = await cardsOf(
        t,
        'pgx-order-sign',
        hookBody('order-sign', orderContext, await sandboxPrefetch(t, 'pgx-order-sign', orderContext)),
      );
      const fallback = await cardsOf(t, 'pgx-order-sign', hookBody('order-sign', orderContext));
      const select = await cardsOf(
        t,
        'pgx-order-select',
        hookBody('order-select', { ...orderContext, selections: [`MedicationRequest/${draft.id!}`] }),
      );
      for (const [how, cards] of [
        ['prefetch', withPrefetch],
        ['fallback', fallback],
        ['order-select', select],
      ] as const) {
        const got = cards.map((c) => [c.indicator, c.summary.includes(row.drug)]);
        for (const c of cards) expectClinicianReadable(c);
        expect([row.patient, how, got]).toEqual([
          row.patient,
          how,
          expected.indicator === 'none' ? [] : [[expected.indicator, true]],
        ]);
        if (expected.recommendation) {
          const detail = cards[0]!.detail ?? '';
          const words = expected.recommendation.split(/\s+/).slice(0, 6).join(' ');
          expect([row.patient, detail.replace(/\\/g, '').replace(/\s+/g, ' ')]).toEqual([
            row.patient,
            expect.stringContaining(words) as unknown,
          ]);
        }
        if (expected.advice) {
          expect([row.patient, cards[0]?.detail]).toEqual([
            row.patient,
            expect.stringContaining(expected.advice) as unknown,
          ]);
        }
      }
      // Same answer either way: prefetch and fallback read the same data.
      expect(fallback.map((c) => c.summary)).toEqual(withPrefetch.map((c) => c.summary));

      const view = await cardsOf(
        t,
        'pgx-patient-view',
        hookBody('patient-view', viewContext, await sandboxPrefetch(t, 'pgx-patient-view', viewContext)),
      );
      const viewFallback = await cardsOf(t, 'pgx-patient-view', hookBody('patient-view', viewContext));
      expect(viewFallback.map((c) => c.summary)).toEqual(view.map((c) => c.summary));
      if (!expected.patientView) {
        expect([row.patient, view]).toEqual([row.patient, []]);
      } else {
        expect([row.patient, view.map((c) => c.indicator)]).toEqual([row.patient, ['info']]);
        const text = `${view[0]!.summary} ${view[0]!.detail ?? ''}`.replace(/\\/g, '');
        for (const word of expected.patientView)
          expect([row.patient, text]).toEqual([row.patient, expect.stringContaining(word)]);
      }
    }
  });

  it('the meloxicam card offers each NSAID CPIC names instead with the dose CPIC gives that NSAID for this result', async () => {
    const patient = 'demo-cyp2c9-pm-nsaid';
    const draft = draftOf(t, patient);
    const context: JsonObject = {
      userId: 'Practitioner/COREPRACTITIONER1',
      patientId: patient,
      draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: draft }] },
    };
    const [card] = await cardsOf(t, 'pgx-order-sign', hookBody('order-sign', context));
    const key = { CYP2C9: cpicCall('CYP2C9', '*3/*3').lookupKey };
    const suggestions = card?.suggestions ?? [];
    expect(suggestions).toHaveLength(4);
    for (const suggestion of suggestions) {
      // The button names the drug; what CPIC advises for it is the action's description.
      const alternative = /^Switch to (\w+)$/.exec(suggestion.label)?.[1] ?? '';
      const description = suggestion.actions?.[0]?.description ?? '';
      // The NSAID's own CPIC row for a CYP2C9 poor metabolizer.
      const own = cpicRow(alternative, key).row.recommendation;
      const dose = /\d+-\d+% of the lowest recommended starting dose/.exec(own)?.[0];
      expect([alternative, dose]).toEqual([alternative, expect.any(String)]);
      expect(description).toContain(`CPIC for ${alternative} with this result: "${dose ?? ''}"`);
    }
    expect(card?.suggestions?.some((s) => s.isRecommended)).toBe(false);
  });

  it('orders the cards of several draft orders by severity, the critical one first', async () => {
    // A CYP2C19 poor metabolizer's order for codeine (no CYP2D6 result: a prompt to test), voriconazole and clopidogrel
    // (avoid), signed together in that order.
    const clopidogrel = draftOf(t, 'demo-cyp2c19-pm');
    const draft = (id: string, text: string): MedicationRequest => ({
      ...clopidogrel,
      id,
      medicationCodeableConcept: { text },
    });
    const context: JsonObject = {
      userId: 'Practitioner/COREPRACTITIONER1',
      patientId: 'demo-cyp2c19-pm',
      draftOrders: {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { resource: draft('draft-codeine', 'codeine sulfate 30 MG Oral Tablet') },
          { resource: draft('draft-voriconazole', 'voriconazole 200 MG Oral Tablet') },
          { resource: clopidogrel },
        ],
      },
    };
    const cards = await cardsOf(t, 'pgx-order-sign', hookBody('order-sign', context));
    const rank = { critical: 0, warning: 1, info: 2 } as const;
    expect(cards.length).toBeGreaterThanOrEqual(3);
    expect(cards[0]?.summary).toMatch(/clopidogrel/);
    const ranks = cards.map((c) => rank[c.indicator]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it('a patient id the FHIR server does not know (a typo in the sandbox) is a 412 that says so', async () => {
    const res = await request(t.app)
      .post('/cds-services/pgx-patient-view')
      .send(
        hookBody('patient-view', { userId: 'Practitioner/COREPRACTITIONER1', patientId: 'demo-no-such' }),
      );
    expect(res).toBeOutcome(412, 'CDS_PREFETCH_UNAVAILABLE');
    expect(JSON.stringify(res.body)).toContain(
      'patient: not prefetched; the FHIR server answered 404 (no such resource)',
    );
  });

  it('the README example without prefetch gives the card of its README row', async () => {
    const body = JSON.parse(
      readFileSync(path.join(ROOT, 'examples', 'order-sign-demo-metoprolol-no-prefetch.json'), 'utf8'),
    ) as JsonObject;
    const row = readmeRows().find((r) => r.patient === (body.context as JsonObject).patientId);
    const cards = await cardsOf(t, 'pgx-order-sign', { ...body, hookInstance: randomUUID() });
    expect(cards.map((c) => c.indicator)).toEqual([row?.orderSign]);
  });

  it('re-interpretation lists none of them: each call read again under the knowledge in force says what it said', async () => {
    // Each patient's newest call an order-sign card, then a patient-view summary: both kinds of card read again.
    for (const last of ['order-sign', 'patient-view'] as const) {
      for (const row of readmeRows()) {
        const draft = draftOf(t, row.patient);
        const context: JsonObject = { userId: 'Practitioner/COREPRACTITIONER1', patientId: row.patient };
        const orderContext: JsonObject = {
          ...context,
          draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: draft }] },
        };
        const sign = () => cardsOf(t, 'pgx-order-sign', hookBody('order-sign', orderContext));
        const view = () => cardsOf(t, 'pgx-patient-view', hookBody('patient-view', context));
        if (last === 'order-sign') {
          await view();
          await sign();
        } else {
          await sign();
          await view();
        }
      }
      const report = await reinterpretationReport(t.store);
      expect(report.patientsRead).toBeGreaterThanOrEqual(readmeRows().length);
      expect([last, report.patients]).toEqual([last, []]);
    }
  });
});
