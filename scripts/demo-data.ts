/**
 * The demo patients (issue 12 item 1): a deterministic, seeded generator of FHIR R4 transaction Bundles, one per
 * patient, covering the clinical panel. `npm run demo:generate` writes them under `demo/`; the service's demo FHIR
 * endpoint (`src/demo/`) serves them and `npm run demo:load` loads them into any FHIR R4 server.
 *
 * Same seed → same bytes: every random number comes from one seeded PRNG (mulberry32) drawn in a fixed order, every
 * date is computed from the fixed `DEMO_AS_OF`, and JSON is written with a fixed key order. Dates are relative to
 * `DEMO_AS_OF`; whoever serves the data moves them to the present (`src/demo/data.ts`), so the wearable data is
 * always fresh.
 *
 * Shapes (what real labs, EHRs and devices send; see `knowledge/research/pgx-fhir-and-cds-landscape.md` and
 * `knowledge/research/wearables-in-fhir.md`): Genomics Reporting genotype Observations (LOINC 84413-4) with a PharmVar
 * coding or text only, haplotype pairs (84414-2), phenotype Observations (53040-2 legacy, 81259-4), HLA genotypes as
 * GL Strings (`http://glstring.org`) and allele-specific "[Presence]" results (50956-2); resting heart rate (40443-4),
 * heart-rate samples (8867-4), home blood pressure panels (85354-9), CGM readings as daily `valueSampledData`
 * (99504-3) with the 14-day CGM summary (107931-8 members), nocturnal SpO2 (59408-5), sleep duration (93832-4) and
 * daily steps (41950-7). Real-world defects are deliberate: days without data, a resubmitted duplicate, a non-UCUM
 * unit string (`beats/min`), an `entered-in-error` reading, a reading with `dataAbsentReason`, CGM warm-up gaps (`E`).
 */

import type { DemoIndex, DemoIndexEntry } from '../src/demo/data';

/** A JSON object as written to the Bundles. */
export type Json = { [key: string]: unknown };

/** The instant the generated data is "now": the newest wearable data is a few hours before it. */
export const DEMO_AS_OF = '2026-11-28T08:00:00Z';
export const DEFAULT_SEED = 20261128;

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const HGNC = 'http://www.genenames.org/geneId';
const PHARMVAR = 'https://www.pharmvar.org';
const GLSTRING = 'http://glstring.org';
const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const GENOTYPE_PROFILE = 'http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/genotype';
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MIN_MS = 60_000;

/** mulberry32: a small, fast, seedable PRNG (public domain, Tommy Ettinger). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  uniform(min = 0, max = 1): number {
    return min + (max - min) * this.next();
  }
  /** Box–Muller normal deviate. */
  normal(mean: number, sd: number): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(min: number, max: number): number {
    return Math.floor(this.uniform(min, max + 1));
  }
}

/** `YYYY-MM-DDTHH:MM:SS±hh:mm` in a fixed UTC offset (minutes), as devices write local times. */
function localTime(ms: number, offsetMin: number): string {
  const d = new Date(ms + offsetMin * MIN_MS).toISOString().slice(0, 19);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${d}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function localDate(ms: number, offsetMin: number): string {
  return localTime(ms, offsetMin).slice(0, 10);
}

/** Local midnight (as UTC ms) of the local day containing `ms`. */
function localMidnight(ms: number, offsetMin: number): number {
  const shifted = ms + offsetMin * MIN_MS;
  return shifted - (((shifted % DAY_MS) + DAY_MS) % DAY_MS) - offsetMin * MIN_MS;
}

function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function coding(system: string, code: string, display?: string): Json {
  return display === undefined ? { system, code } : { system, code, display };
}

function quantity(value: number, unit: string, code = unit): Json {
  return { value, unit, system: UCUM, code };
}

/** A drug given once by injection (the demo's oral drugs are one tablet a day). */
interface InjectedDose {
  readonly text: string;
  readonly route: readonly [string, string];
  readonly dose: { readonly value: number; readonly unit: string };
}

/** The drugs the demo orders, RxNorm SCDs from `knowledge/rxnorm/cpic-drug-products.json`. */
export const DEMO_DRUGS = {
  clopidogrel: { rxcui: '309362', display: 'clopidogrel 75 MG Oral Tablet' },
  metoprolol: { rxcui: '866514', display: 'metoprolol tartrate 50 MG Oral Tablet' },
  abacavir: { rxcui: '242679', display: 'abacavir 300 MG Oral Tablet' },
  azathioprine: { rxcui: '197388', display: 'Azathioprine 50 MG Oral Tablet' },
  capecitabine: { rxcui: '200328', display: 'capecitabine 500 MG Oral Tablet' },
  simvastatin: { rxcui: '198211', display: 'simvastatin 40 MG Oral Tablet' },
  warfarin: { rxcui: '855332', display: 'warfarin sodium 5 MG Oral Tablet' },
  glipizide: { rxcui: '310490', display: 'glipizide 5 MG Oral Tablet' },
  codeine: { rxcui: '997287', display: 'codeine sulfate 30 MG Oral Tablet' },
  voriconazole: { rxcui: '349434', display: 'voriconazole 200 MG Oral Tablet' },
  amlodipine: { rxcui: '197361', display: 'amlodipine 5 MG Oral Tablet' },
  metformin: { rxcui: '861007', display: 'metformin hydrochloride 500 MG Oral Tablet' },
  meloxicam: { rxcui: '152695', display: 'meloxicam 15 MG Oral Tablet' },
  // No CPIC guideline, so not in the product extract: the ingredient concept, as CPIC's gene–drug pairs give it
  // (`knowledge/cpic/pairs.json`), and no strength (none is sourced).
  siponimod: { rxcui: '2121085', display: 'siponimod' },
  succinylcholine: {
    rxcui: '1594589',
    display: 'succinylcholine chloride 20 MG/ML Injectable Solution',
    dosage: {
      text: '100 mg IV once at induction of anaesthesia',
      route: ['47625008', 'Intravenous route'],
      dose: { value: 100, unit: 'mg' },
    },
  },
} as const;
export type DemoDrug = keyof typeof DEMO_DRUGS;

/** One PGx result as the generator writes it. */
type PgxResult =
  | {
      readonly shape: 'genotype-pharmvar';
      readonly gene: string;
      readonly hgnc: string;
      readonly diplotype: string;
    }
  | { readonly shape: 'genotype-text'; readonly gene: string; readonly text: string; readonly id?: string }
  | {
      readonly shape: 'haplotypes';
      readonly gene: string;
      readonly hgnc: string;
      readonly alleles: [string, string];
    }
  | {
      readonly shape: 'phenotype-legacy';
      readonly gene: string;
      readonly answer: string;
      readonly display: string;
    }
  | { readonly shape: 'phenotype-text'; readonly gene: string; readonly text: string }
  | { readonly shape: 'hla-glstring'; readonly glstring: string }
  | {
      readonly shape: 'hla-presence';
      readonly allele: string;
      readonly loinc: string;
      readonly positive: boolean;
    };

interface PgxReport {
  readonly lab: string;
  /** Days before `DEMO_AS_OF`. */
  readonly daysAgo: number;
  readonly results: readonly PgxResult[];
}

interface WearableProfile {
  readonly restingHr: { readonly mean: number; readonly sd: number; readonly days: number };
  readonly hrSamples?: { readonly days: number };
  /**
   * Morning and evening cuff sessions; `perSession` readings a minute apart (home BP protocols ask for two; default
   * one, as most patients send).
   */
  readonly homeBp?: {
    readonly systolic: number;
    readonly diastolic: number;
    readonly days: number;
    readonly perSession?: number;
  };
  readonly spo2Nights?: { readonly nights: number; readonly mean: number; readonly dips: boolean };
  readonly sleepNights: number;
  readonly steps: { readonly mean: number; readonly days: number; readonly recentDropShare?: number };
  readonly cgm?: { readonly days: number; readonly lowNights: number };
  readonly inr?: readonly number[];
}

/** One demo patient: who, which results, which data, which orders. */
export interface DemoPatientSpec {
  readonly id: string;
  readonly given: string;
  readonly family: string;
  readonly gender: 'female' | 'male';
  readonly birthDate: string;
  /** UTC offset of the patient's devices, in minutes. */
  readonly offsetMin: number;
  /** What this patient shows (README table). */
  readonly scenario: string;
  readonly reports: readonly PgxReport[];
  readonly wearables: WearableProfile;
  /** Active medications. */
  readonly active: readonly DemoDrug[];
  /** The drug to order in the sandbox (a draft MedicationRequest in the Bundle). */
  readonly order: DemoDrug;
  readonly consentDeniesDeviceData?: boolean;
}

const CYP2C19_HGNC = 'HGNC:2621';
const CYP2D6_HGNC = 'HGNC:2625';
const CYP2C9_HGNC = 'HGNC:2623';

/** The panel. Clinical expectations are checked against the CPIC data set by `test/integration/demo-sandbox.test.ts`. */
export const DEMO_PATIENTS: readonly DemoPatientSpec[] = [
  {
    id: 'demo-cyp2c19-pm',
    given: 'Alma',
    family: 'Reyes',
    gender: 'female',
    birthDate: '1958-04-12',
    offsetMin: -300,
    scenario: 'CYP2C19 poor metabolizer (*2/*2) ordering clopidogrel',
    reports: [
      {
        lab: 'GeneDx',
        daysAgo: 410,
        results: [{ shape: 'genotype-pharmvar', gene: 'CYP2C19', hgnc: CYP2C19_HGNC, diplotype: '*2/*2' }],
      },
    ],
    wearables: {
      restingHr: { mean: 68, sd: 3, days: 28 },
      homeBp: { systolic: 134, diastolic: 82, days: 14 },
      sleepNights: 21,
      steps: { mean: 5200, days: 28 },
    },
    active: ['amlodipine'],
    order: 'clopidogrel',
  },
  {
    id: 'demo-cyp2d6-pm-low-hr',
    given: 'Walter',
    family: 'Nguyen',
    gender: 'male',
    birthDate: '1951-09-30',
    offsetMin: -480,
    scenario:
      'CYP2D6 poor metabolizer (*5/*5, gene deletion on both copies) ordering metoprolol, resting heart rate in the mid 50s',
    reports: [
      {
        lab: 'Mayo Clinic Laboratories',
        daysAgo: 200,
        results: [{ shape: 'haplotypes', gene: 'CYP2D6', hgnc: CYP2D6_HGNC, alleles: ['*5', '*5'] }],
      },
    ],
    wearables: {
      restingHr: { mean: 54.5, sd: 1.6, days: 28 },
      hrSamples: { days: 14 },
      sleepNights: 21,
      steps: { mean: 4100, days: 28 },
    },
    active: ['amlodipine'],
    order: 'metoprolol',
  },
  {
    id: 'demo-hla-b5701',
    given: 'Daniel',
    family: 'Okafor',
    gender: 'male',
    birthDate: '1984-02-17',
    offsetMin: 0,
    scenario: 'HLA-B*57:01 carrier (GL String genotype and a positive presence test) ordering abacavir',
    reports: [
      {
        lab: 'Histocompatibility laboratory',
        daysAgo: 90,
        results: [{ shape: 'hla-glstring', glstring: 'hla#3.55.0#HLA-B*57:01:01+HLA-B*44:02:01:01' }],
      },
      {
        lab: 'Quest Diagnostics',
        daysAgo: 60,
        results: [{ shape: 'hla-presence', allele: 'HLA-B*57:01', loinc: '50956-2', positive: true }],
      },
    ],
    wearables: { restingHr: { mean: 62, sd: 3, days: 21 }, sleepNights: 14, steps: { mean: 9800, days: 28 } },
    active: [],
    order: 'abacavir',
  },
  {
    id: 'demo-tpmt-nudt15',
    given: 'Grace',
    family: 'Lindqvist',
    gender: 'female',
    birthDate: '1992-07-08',
    offsetMin: 60,
    scenario: 'TPMT intermediate (*1/*3A) and NUDT15 normal (*1/*1) ordering azathioprine',
    reports: [
      {
        lab: 'ARUP Laboratories',
        daysAgo: 30,
        results: [
          { shape: 'genotype-text', gene: 'TPMT', text: 'TPMT *1/*3A' },
          { shape: 'genotype-text', gene: 'NUDT15', text: 'NUDT15 *1/*1' },
        ],
      },
    ],
    wearables: { restingHr: { mean: 66, sd: 3, days: 21 }, sleepNights: 21, steps: { mean: 8700, days: 28 } },
    active: [],
    order: 'azathioprine',
  },
  {
    id: 'demo-dpyd',
    given: 'Henrik',
    family: 'Baumann',
    gender: 'male',
    birthDate: '1961-11-23',
    offsetMin: 60,
    scenario: 'DPYD c.1905+1G>A heterozygous (activity score 1) ordering capecitabine',
    reports: [
      {
        lab: 'Oncology genomics laboratory',
        daysAgo: 14,
        results: [{ shape: 'genotype-text', gene: 'DPYD', text: 'Reference/c.1905+1G>A (*2A)' }],
      },
    ],
    wearables: {
      restingHr: { mean: 71, sd: 3, days: 21 },
      spo2Nights: { nights: 14, mean: 95.5, dips: false },
      sleepNights: 21,
      steps: { mean: 3900, days: 28 },
    },
    active: [],
    order: 'capecitabine',
  },
  {
    id: 'demo-slco1b1-steps',
    given: 'Patricia',
    family: 'Moreau',
    gender: 'female',
    birthDate: '1966-03-03',
    offsetMin: -300,
    scenario: 'SLCO1B1 poor function (*5/*5) ordering simvastatin; daily steps fell about a third',
    reports: [
      {
        lab: 'Invitae',
        daysAgo: 300,
        results: [{ shape: 'genotype-text', gene: 'SLCO1B1', text: 'SLCO1B1 *5/*5' }],
      },
    ],
    wearables: {
      restingHr: { mean: 64, sd: 3, days: 21 },
      sleepNights: 21,
      steps: { mean: 9000, days: 42, recentDropShare: 0.38 },
    },
    active: [],
    order: 'simvastatin',
  },
  {
    id: 'demo-warfarin-inr',
    given: 'Edward',
    family: 'Kowalski',
    gender: 'male',
    birthDate: '1947-06-21',
    offsetMin: -360,
    scenario: 'CYP2C9 *1/*3 and VKORC1 rs9923231 C/T ordering warfarin; home INR 4.4 this week',
    reports: [
      {
        lab: 'LabCorp',
        daysAgo: 120,
        results: [
          { shape: 'genotype-pharmvar', gene: 'CYP2C9', hgnc: CYP2C9_HGNC, diplotype: '*1/*3' },
          {
            shape: 'genotype-text',
            gene: 'VKORC1',
            text: 'rs9923231 reference (C)/rs9923231 variant (T)',
          },
        ],
      },
    ],
    wearables: {
      restingHr: { mean: 70, sd: 3, days: 21 },
      homeBp: { systolic: 128, diastolic: 76, days: 14 },
      sleepNights: 14,
      steps: { mean: 3500, days: 28 },
      inr: [2.6, 3.1, 3.6, 4.4],
    },
    active: [],
    order: 'warfarin',
  },
  {
    id: 'demo-cyp2c9-cgm',
    given: 'Marisol',
    family: 'Fuentes',
    gender: 'female',
    birthDate: '1955-12-01',
    offsetMin: -420,
    scenario: 'CYP2C9 *1/*3 ordering glipizide; two weeks of CGM with night-time lows',
    reports: [
      {
        lab: 'Sonora Quest',
        daysAgo: 180,
        results: [{ shape: 'haplotypes', gene: 'CYP2C9', hgnc: CYP2C9_HGNC, alleles: ['*1', '*3'] }],
      },
    ],
    wearables: {
      restingHr: { mean: 72, sd: 3, days: 21 },
      sleepNights: 14,
      steps: { mean: 4800, days: 28 },
      cgm: { days: 14, lowNights: 7 },
    },
    active: ['metformin'],
    order: 'glipizide',
  },
  {
    id: 'demo-cyp2d6-um',
    given: 'Sofia',
    family: 'Papadopoulos',
    gender: 'female',
    birthDate: '1979-05-14',
    offsetMin: 120,
    scenario: 'CYP2D6 ultrarapid metabolizer (*1/*1x2) ordering codeine',
    reports: [
      {
        lab: 'Myriad Neuroscience',
        daysAgo: 500,
        results: [{ shape: 'genotype-text', gene: 'CYP2D6', text: 'CYP2D6 *1/*1x2' }],
      },
    ],
    wearables: {
      restingHr: { mean: 63, sd: 3, days: 21 },
      spo2Nights: { nights: 14, mean: 96, dips: false },
      sleepNights: 21,
      steps: { mean: 7600, days: 28 },
    },
    active: [],
    order: 'codeine',
  },
  {
    id: 'demo-normal',
    given: 'James',
    family: 'Whitaker',
    gender: 'male',
    birthDate: '1970-10-10',
    offsetMin: -300,
    scenario: 'CYP2C19 normal metabolizer (*1/*1) ordering clopidogrel: no card',
    reports: [
      {
        lab: 'GeneDx',
        daysAgo: 365,
        results: [{ shape: 'genotype-pharmvar', gene: 'CYP2C19', hgnc: CYP2C19_HGNC, diplotype: '*1/*1' }],
      },
    ],
    wearables: {
      restingHr: { mean: 66, sd: 3, days: 28 },
      homeBp: { systolic: 126, diastolic: 78, days: 14 },
      sleepNights: 21,
      steps: { mean: 7000, days: 28 },
    },
    active: ['amlodipine'],
    order: 'clopidogrel',
  },
  {
    id: 'demo-no-result',
    given: 'Ruth',
    family: 'Adeyemi',
    gender: 'female',
    birthDate: '1963-01-29',
    offsetMin: 0,
    scenario: 'No pharmacogenomic result on file ordering clopidogrel',
    reports: [],
    wearables: { restingHr: { mean: 67, sd: 3, days: 21 }, sleepNights: 14, steps: { mean: 6100, days: 28 } },
    active: [],
    order: 'clopidogrel',
  },
  {
    id: 'demo-conflict',
    given: 'Tomasz',
    family: 'Zielinski',
    gender: 'male',
    birthDate: '1959-08-08',
    offsetMin: 60,
    scenario: 'Two CYP2C19 results that disagree (*1/*1 and *2/*2, same day) ordering clopidogrel',
    reports: [
      {
        lab: 'Laboratory A',
        daysAgo: 45,
        results: [{ shape: 'genotype-text', gene: 'CYP2C19', text: 'CYP2C19 *1/*1', id: 'a' }],
      },
      {
        lab: 'Laboratory B',
        daysAgo: 45,
        results: [{ shape: 'genotype-text', gene: 'CYP2C19', text: 'CYP2C19 *2/*2', id: 'b' }],
      },
    ],
    wearables: { restingHr: { mean: 69, sd: 3, days: 21 }, sleepNights: 14, steps: { mean: 5600, days: 28 } },
    active: [],
    order: 'clopidogrel',
  },
  {
    id: 'demo-reinterpreted',
    given: 'Samira',
    family: 'Nasser',
    gender: 'female',
    birthDate: '1975-02-02',
    offsetMin: 180,
    scenario:
      'CYP2C19 *1/*17 reported in 2015 as a normal metabolizer, a rapid metabolizer under current CPIC; ordering voriconazole',
    reports: [
      {
        lab: 'Regional reference laboratory',
        daysAgo: 4000,
        results: [
          { shape: 'genotype-text', gene: 'CYP2C19', text: 'CYP2C19 *1/*17' },
          { shape: 'phenotype-legacy', gene: 'CYP2C19', answer: 'LA25391-6', display: 'Normal metabolizer' },
        ],
      },
    ],
    wearables: { restingHr: { mean: 65, sd: 3, days: 21 }, sleepNights: 14, steps: { mean: 8000, days: 28 } },
    active: [],
    order: 'voriconazole',
  },
  {
    id: 'demo-consent-denied',
    given: 'Arthur',
    family: 'Bellamy',
    gender: 'male',
    birthDate: '1953-12-12',
    offsetMin: 0,
    scenario:
      'CYP2D6 poor metabolizer ordering metoprolol, low resting heart rate on file, but a Consent denies use of device data',
    reports: [
      {
        lab: 'Mayo Clinic Laboratories',
        daysAgo: 250,
        results: [{ shape: 'phenotype-text', gene: 'CYP2D6', text: 'CYP2D6 Poor Metabolizer' }],
      },
    ],
    wearables: {
      restingHr: { mean: 53.5, sd: 1.6, days: 28 },
      sleepNights: 14,
      steps: { mean: 3000, days: 28 },
    },
    active: [],
    order: 'metoprolol',
    consentDeniesDeviceData: true,
  },
  {
    id: 'demo-cyp2c9-pm-nsaid',
    given: 'Tomas',
    family: 'Lindgren',
    gender: 'male',
    birthDate: '1968-03-09',
    offsetMin: 60,
    scenario:
      'CYP2C9 poor metabolizer (*3/*3) ordering meloxicam with home blood pressure above 130/80: the NSAIDs CPIC names instead, each with its own CYP2C9 dose, on a card the blood pressure raises',
    reports: [
      {
        lab: 'Mayo Clinic Laboratories',
        daysAgo: 120,
        results: [{ shape: 'haplotypes', gene: 'CYP2C9', hgnc: CYP2C9_HGNC, alleles: ['*3', '*3'] }],
      },
    ],
    wearables: {
      restingHr: { mean: 70, sd: 3, days: 21 },
      sleepNights: 14,
      steps: { mean: 6500, days: 28 },
      // Above R7's 7-day mean of 130/80 (research §2.2 R7), two readings a session so that the week always holds R7's
      // 12 readings whatever the time of day: the NSAID card is raised one step.
      homeBp: { systolic: 138, diastolic: 86, days: 14, perSession: 2 },
    },
    active: [],
    order: 'meloxicam',
  },
  {
    id: 'demo-cyp2d6-copies',
    given: 'Ines',
    family: 'Lambert',
    gender: 'female',
    birthDate: '1985-10-02',
    offsetMin: 90,
    scenario:
      'CYP2D6 *4/*1xN reported without the copy number (Normal or Ultrarapid Metabolizer) ordering codeine',
    reports: [
      {
        lab: 'Myriad Neuroscience',
        daysAgo: 200,
        results: [{ shape: 'genotype-text', gene: 'CYP2D6', text: 'CYP2D6 *4/*1xN' }],
      },
    ],
    wearables: { restingHr: { mean: 68, sd: 3, days: 21 }, sleepNights: 14, steps: { mean: 7000, days: 28 } },
    active: [],
    order: 'codeine',
  },
  {
    id: 'demo-legacy-report',
    given: 'Oskar',
    family: 'Brennan',
    gender: 'male',
    birthDate: '1949-03-27',
    offsetMin: 100,
    scenario:
      'CYP2D6 phenotype reported 13 years ago in the term of its day ("Extensive Metabolizer", not a CPIC term) ordering codeine',
    reports: [
      {
        lab: 'ARUP Laboratories',
        daysAgo: 5000,
        results: [{ shape: 'phenotype-text', gene: 'CYP2D6', text: 'CYP2D6 Extensive Metabolizer' }],
      },
    ],
    wearables: { restingHr: { mean: 71, sd: 3, days: 21 }, sleepNights: 14, steps: { mean: 4500, days: 28 } },
    active: [],
    order: 'codeine',
  },
  {
    id: 'demo-ryr1-mh',
    given: 'Teodora',
    family: 'Quintero',
    gender: 'female',
    birthDate: '1988-11-02',
    offsetMin: -300,
    scenario:
      'RYR1 c.7300G>A reported alone by a sequencing lab (malignant hyperthermia susceptibility), CACNA1S not tested, ordering succinylcholine',
    reports: [
      {
        lab: 'Prevention Genetics',
        daysAgo: 420,
        results: [{ shape: 'genotype-text', gene: 'RYR1', text: 'RYR1 c.7300G>A' }],
      },
    ],
    wearables: { restingHr: { mean: 64, sd: 3, days: 21 }, sleepNights: 14, steps: { mean: 8200, days: 28 } },
    active: [],
    order: 'succinylcholine',
  },
  {
    id: 'demo-siponimod',
    given: 'Ingrid',
    family: 'Halvorsen',
    gender: 'female',
    birthDate: '1983-03-21',
    offsetMin: 60,
    scenario:
      'CYP2C9 *1/*3 ordering siponimod (no CPIC guideline: the drug label), resting heart rate in the low 50s',
    reports: [
      {
        lab: 'Genomics laboratory',
        daysAgo: 75,
        results: [{ shape: 'genotype-pharmvar', gene: 'CYP2C9', hgnc: CYP2C9_HGNC, diplotype: '*1/*3' }],
      },
    ],
    wearables: {
      restingHr: { mean: 51.5, sd: 1.4, days: 21 },
      sleepNights: 14,
      steps: { mean: 7400, days: 28 },
    },
    active: [],
    order: 'siponimod',
  },
];

/** Builds one patient's resources (in Bundle order). */
function patientResources(spec: DemoPatientSpec, rng: Rng, asOfMs: number): Json[] {
  const out: Json[] = [];
  const subject = { reference: `Patient/${spec.id}` };
  const off = spec.offsetMin;
  out.push({
    resourceType: 'Patient',
    id: spec.id,
    meta: {
      tag: [{ system: 'urn:pgx-cds-hooks:demo', code: 'demo', display: 'Demo data, not a real person' }],
    },
    identifier: [{ system: 'urn:pgx-cds-hooks:demo:mrn', value: `DEMO-${spec.id.slice(5).toUpperCase()}` }],
    active: true,
    name: [{ use: 'official', family: spec.family, given: [spec.given] }],
    gender: spec.gender,
    birthDate: spec.birthDate,
  });

  // PGx results
  for (const [r, report] of spec.reports.entries()) {
    const when = asOfMs - report.daysAgo * DAY_MS - 3 * HOUR_MS;
    const effective = localDate(when, off);
    const issued = new Date(when + 2 * DAY_MS).toISOString().replace('.000Z', 'Z');
    for (const [i, result] of report.results.entries()) {
      out.push(
        pgxObservation(spec.id, `${spec.id}-pgx-${r + 1}-${i + 1}`, result, effective, issued, report.lab),
      );
    }
  }
  // Keep references resolvable: the legacy phenotype derives from the genotype of the same report.
  for (const obs of out) {
    const derived = obs.derivedFrom as { reference: string }[] | undefined;
    if (derived)
      obs.derivedFrom = derived.filter((d) => out.some((o) => `Observation/${String(o.id)}` === d.reference));
  }

  // Medications: active and the draft order to try
  for (const drug of spec.active) {
    out.push(
      medicationRequest(
        spec,
        `${spec.id}-med-${drug}`,
        drug,
        'active',
        localDate(asOfMs - 120 * DAY_MS, off),
      ),
    );
  }
  out.push(
    medicationRequest(spec, `${spec.id}-draft-${spec.order}`, spec.order, 'draft', localDate(asOfMs, off)),
  );

  if (spec.consentDeniesDeviceData) {
    out.push({
      resourceType: 'Consent',
      id: `${spec.id}-consent-device-data`,
      status: 'active',
      scope: { coding: [coding('http://terminology.hl7.org/CodeSystem/consentscope', 'patient-privacy')] },
      category: [{ coding: [coding(LOINC, '59284-0', 'Patient Consent')] }],
      patient: subject,
      dateTime: localTime(asOfMs - 40 * DAY_MS, off),
      policyRule: { coding: [coding('http://terminology.hl7.org/CodeSystem/v3-ActCode', 'OPTIN')] },
      provision: {
        type: 'permit',
        provision: [
          {
            type: 'deny',
            class: [
              coding('http://hl7.org/fhir/resource-types', 'Observation'),
              coding('http://hl7.org/fhir/resource-types', 'Device'),
            ],
          },
        ],
      },
    });
  }

  out.push(...wearableObservations(spec, rng, asOfMs));
  return out;
}

function geneComponent(gene: string, hgnc?: string): Json {
  return {
    code: { coding: [coding(LOINC, '48018-6', 'Gene studied [ID]')] },
    valueCodeableConcept: {
      coding: [hgnc === undefined ? { system: HGNC, display: gene } : coding(HGNC, hgnc, gene)],
    },
  };
}

function pgxObservation(
  patientId: string,
  id: string,
  result: PgxResult,
  effective: string,
  issued: string,
  lab: string,
): Json {
  const base: Json = {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [{ coding: [coding(OBS_CATEGORY, 'laboratory')] }],
  };
  const common = {
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: effective,
    issued,
    performer: [{ display: lab }],
  };
  switch (result.shape) {
    case 'genotype-pharmvar':
      return {
        ...base,
        meta: { profile: [GENOTYPE_PROFILE] },
        code: { coding: [coding(LOINC, '84413-4', 'Genotype display name')] },
        ...common,
        valueCodeableConcept: {
          coding: [
            coding(PHARMVAR, `${result.gene}${result.diplotype}`, `${result.gene}${result.diplotype}`),
          ],
          text: result.diplotype,
        },
        component: [geneComponent(result.gene, result.hgnc)],
      };
    case 'genotype-text':
      return {
        ...base,
        code: { coding: [coding(LOINC, '84413-4', 'Genotype display name')] },
        ...common,
        valueCodeableConcept: { text: result.text },
        component: [geneComponent(result.gene)],
      };
    case 'haplotypes':
      // Two haplotype Observations are written by the caller of this shape: see `haplotypeObservations`.
      throw new Error('haplotypes are written as a pair');
    case 'phenotype-legacy':
      return {
        ...base,
        code: { coding: [coding(LOINC, '53040-2', "Genetic variation's effect on drug metabolism")] },
        ...common,
        valueCodeableConcept: { coding: [coding(LOINC, result.answer, result.display)] },
        component: [geneComponent(result.gene)],
        derivedFrom: [{ reference: `Observation/${id.replace(/-\d+$/, '-1')}` }],
      };
    case 'phenotype-text':
      return {
        ...base,
        code: {
          coding: [coding(LOINC, '81259-4', 'Associated phenotype')],
          text: `${result.gene} phenotype`,
        },
        ...common,
        valueString: result.text,
      };
    case 'hla-glstring':
      return {
        ...base,
        meta: { profile: [GENOTYPE_PROFILE] },
        code: { coding: [coding(LOINC, '84413-4', 'Genotype display name')] },
        ...common,
        valueCodeableConcept: {
          coding: [{ system: GLSTRING, code: result.glstring }],
          text: result.glstring,
        },
        component: [geneComponent('HLA-B', 'HGNC:4932')],
      };
    case 'hla-presence':
      return {
        ...base,
        code: {
          coding: [coding(LOINC, result.loinc, `${result.allele} [Presence]`)],
          text: `${result.allele} [Presence]`,
        },
        ...common,
        valueCodeableConcept: {
          coding: [
            result.positive
              ? coding('http://snomed.info/sct', '10828004', 'Positive')
              : coding('http://snomed.info/sct', '260385009', 'Negative'),
          ],
          text: result.positive ? 'Positive' : 'Negative',
        },
      };
  }
}

function medicationRequest(
  spec: DemoPatientSpec,
  id: string,
  drug: DemoDrug,
  status: 'active' | 'draft',
  authoredOn: string,
): Json {
  const d: { rxcui: string; display: string; dosage?: InjectedDose } = DEMO_DRUGS[drug];
  const injected = d.dosage;
  return {
    resourceType: 'MedicationRequest',
    id,
    status,
    intent: status === 'draft' ? 'proposal' : 'order',
    category: [
      {
        coding: [
          coding(
            'http://terminology.hl7.org/CodeSystem/medicationrequest-category',
            injected ? 'inpatient' : 'outpatient',
          ),
        ],
      },
    ],
    medicationCodeableConcept: { coding: [coding(RXNORM, d.rxcui, d.display)], text: d.display },
    subject: { reference: `Patient/${spec.id}` },
    authoredOn,
    dosageInstruction: [
      injected
        ? {
            sequence: 1,
            text: injected.text,
            timing: { repeat: { count: 1 } },
            route: { coding: [coding('http://snomed.info/sct', injected.route[0], injected.route[1])] },
            doseAndRate: [{ doseQuantity: quantity(injected.dose.value, injected.dose.unit) }],
          }
        : {
            sequence: 1,
            text: '1 tablet by mouth once daily',
            timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
            route: { coding: [coding('http://snomed.info/sct', '26643006', 'Oral route')] },
            doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet', system: UCUM, code: '{tbl}' } }],
          },
    ],
  };
}

/** The devices, contained in each Observation as platforms export them. */
const WATCH: Json = {
  resourceType: 'Device',
  id: 'watch',
  manufacturer: 'Apple Inc.',
  deviceName: [{ name: 'Apple Watch', type: 'user-friendly-name' }],
};
const CUFF: Json = {
  resourceType: 'Device',
  id: 'cuff',
  manufacturer: 'Omron Healthcare',
  deviceName: [{ name: 'Omron Evolv', type: 'user-friendly-name' }],
};
const CGM_DEVICE: Json = {
  resourceType: 'Device',
  id: 'cgm',
  manufacturer: 'Dexcom',
  deviceName: [{ name: 'Dexcom G7', type: 'user-friendly-name' }],
};
const INR_METER: Json = {
  resourceType: 'Device',
  id: 'inr',
  manufacturer: 'Roche',
  deviceName: [{ name: 'CoaguChek INRange', type: 'user-friendly-name' }],
};

function vitalSign(
  spec: DemoPatientSpec,
  id: string,
  code: Json,
  device: Json,
  category = 'vital-signs',
): Json {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    contained: [device],
    category: [{ coding: [coding(OBS_CATEGORY, category)] }],
    code,
    subject: { reference: `Patient/${spec.id}` },
    device: { reference: `#${String(device.id)}` },
  };
}

function wearableObservations(spec: DemoPatientSpec, rng: Rng, asOfMs: number): Json[] {
  const w = spec.wearables;
  const off = spec.offsetMin;
  const out: Json[] = [];
  const today = localMidnight(asOfMs, off);
  let n = 0;
  const nextId = (kind: string): string => {
    n += 1;
    return `${spec.id}-${kind}-${n}`;
  };

  // Resting heart rate: one value per local day, written in the morning; ~10 % of days missing (watch not worn).
  for (let day = w.restingHr.days - 1; day >= 0; day -= 1) {
    const skip = rng.chance(0.1) && day > 1;
    const value = round(rng.normal(w.restingHr.mean, w.restingHr.sd));
    if (skip) continue;
    const at = today - day * DAY_MS + 7 * HOUR_MS + rng.int(0, 59) * MIN_MS;
    if (at > asOfMs) continue;
    out.push({
      ...vitalSign(
        spec,
        nextId('rhr'),
        { coding: [coding(LOINC, '40443-4', 'Heart rate --resting')] },
        WATCH,
      ),
      effectiveDateTime: localTime(at, off),
      valueQuantity: quantity(value, 'beats/minute', '/min'),
    });
  }

  // Heart-rate samples: four a day, with the usual defects (a non-UCUM unit string, a resubmitted duplicate).
  if (w.hrSamples) {
    for (let day = w.hrSamples.days - 1; day >= 0; day -= 1) {
      for (const hour of [3, 9, 14, 20]) {
        const at = today - day * DAY_MS + hour * HOUR_MS + rng.int(0, 50) * MIN_MS;
        const base = hour === 3 ? w.restingHr.mean - 4 : w.restingHr.mean + (hour === 14 ? 18 : 8);
        const value = round(rng.normal(base, 4));
        if (at > asOfMs) continue;
        const obs = {
          ...vitalSign(spec, nextId('hr'), { coding: [coding(LOINC, '8867-4', 'Heart rate')] }, WATCH),
          effectiveDateTime: localTime(at, off),
          valueQuantity:
            day === 5 && hour === 14
              ? { value, unit: 'beats/min', system: UCUM, code: 'beats/min' }
              : quantity(value, 'beats/minute', '/min'),
        };
        out.push(obs);
        if (day === 3 && hour === 9) out.push({ ...obs, id: nextId('hr') }); // resubmitted duplicate
      }
    }
  }

  // Home blood pressure: morning and evening panels; a missed evening now and then; one reading entered in error.
  if (w.homeBp) {
    for (let day = w.homeBp.days - 1; day >= 0; day -= 1) {
      for (const hour of [7, 21]) {
        const session = today - day * DAY_MS + hour * HOUR_MS + rng.int(0, 40) * MIN_MS;
        const bp = w.homeBp;
        const draw = () => ({
          sys: round(rng.normal(bp.systolic + (hour === 7 ? 3 : -2), 6)),
          dia: round(rng.normal(bp.diastolic + (hour === 7 ? 2 : -1), 4)),
        });
        // The first reading's draws come first, in the order they always had (same seed → same bytes).
        const readings = [draw()];
        if (session > asOfMs || (hour === 21 && rng.chance(0.2))) continue;
        for (let r = 1; r < (bp.perSession ?? 1); r += 1) readings.push(draw());
        for (const [r, { sys, dia }] of readings.entries()) {
          const at = session + r * MIN_MS;
          out.push({
            ...vitalSign(
              spec,
              nextId('bp'),
              { coding: [coding(LOINC, '85354-9', 'Blood pressure panel with all children optional')] },
              CUFF,
            ),
            ...(day === 6 && hour === 7 && r === 0 ? { status: 'entered-in-error' } : {}),
            effectiveDateTime: localTime(at, off),
            component: [
              {
                code: { coding: [coding(LOINC, '8480-6', 'Systolic blood pressure')] },
                valueQuantity: quantity(sys, 'mmHg', 'mm[Hg]'),
              },
              {
                code: { coding: [coding(LOINC, '8462-4', 'Diastolic blood pressure')] },
                valueQuantity: quantity(dia, 'mmHg', 'mm[Hg]'),
              },
            ],
          });
        }
      }
    }
  }

  // Nocturnal SpO2: hourly readings from 23:00 to 06:00; one night with the sensor off the finger (dataAbsentReason).
  if (w.spo2Nights) {
    for (let night = w.spo2Nights.nights; night >= 1; night -= 1) {
      for (let h = 0; h < 8; h += 1) {
        const at = today - night * DAY_MS + 23 * HOUR_MS + h * HOUR_MS;
        const value = Math.min(100, round(rng.normal(w.spo2Nights.mean, 1.2)));
        const obs: Json = {
          ...vitalSign(
            spec,
            nextId('spo2'),
            { coding: [coding(LOINC, '59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry')] },
            WATCH,
          ),
          effectiveDateTime: localTime(at, off),
        };
        if (night === 4 && h === 3) {
          obs.dataAbsentReason = {
            coding: [coding('http://terminology.hl7.org/CodeSystem/data-absent-reason', 'error')],
          };
        } else obs.valueQuantity = quantity(value, '%');
        out.push(obs);
      }
    }
  }

  // Sleep duration: one value per night, in hours.
  for (let night = w.sleepNights; night >= 1; night -= 1) {
    if (rng.chance(0.1)) continue;
    const start = today - night * DAY_MS + 23 * HOUR_MS + rng.int(-40, 60) * MIN_MS;
    const hours = round(Math.max(4, rng.normal(6.9, 0.8)), 1);
    out.push({
      ...vitalSign(
        spec,
        nextId('sleep'),
        { coding: [coding(LOINC, '93832-4', 'Sleep duration')] },
        WATCH,
        'activity',
      ),
      effectivePeriod: { start: localTime(start, off), end: localTime(start + hours * HOUR_MS, off) },
      valueQuantity: quantity(hours, 'h'),
    });
  }

  // Daily steps: whole local days (effectivePeriod); a recent fall for the statin patient.
  for (let day = w.steps.days; day >= 1; day -= 1) {
    if (rng.chance(0.07)) continue;
    const drop = w.steps.recentDropShare !== undefined && day <= 14 ? 1 - w.steps.recentDropShare : 1;
    const weekend = new Date(today - day * DAY_MS + 12 * HOUR_MS).getUTCDay() % 6 === 0 ? 0.8 : 1;
    const value = Math.max(300, round(rng.normal(w.steps.mean * drop * weekend, w.steps.mean * 0.12)));
    const start = today - day * DAY_MS;
    out.push({
      ...vitalSign(
        spec,
        nextId('steps'),
        { coding: [coding(LOINC, '41950-7', 'Number of steps in 24 hour Measured')] },
        WATCH,
        'activity',
      ),
      effectivePeriod: { start: localTime(start, off), end: localTime(start + DAY_MS - 1000, off) },
      valueQuantity: quantity(value, 'steps', '{steps}'),
    });
  }

  // Home INR (point-of-care meter), weekly.
  for (const [i, inr] of (w.inr ?? []).entries()) {
    const weeksAgo = (w.inr?.length ?? 0) - 1 - i;
    const at = today - weeksAgo * 7 * DAY_MS - DAY_MS + 8 * HOUR_MS;
    out.push({
      ...vitalSign(
        spec,
        nextId('inr'),
        { coding: [coding(LOINC, '34714-6', 'INR in Blood by Coagulation assay')] },
        INR_METER,
        'laboratory',
      ),
      effectiveDateTime: localTime(at, off),
      valueQuantity: { value: inr, unit: 'INR', system: UCUM, code: '{INR}' },
    });
  }

  if (w.cgm) out.push(...cgmObservations(spec, rng, today, w.cgm, nextId));
  // Nothing after "now": a night still in progress is not written yet.
  return out.filter((o) => {
    const period = o.effectivePeriod as { end: string } | undefined;
    const t = typeof o.effectiveDateTime === 'string' ? o.effectiveDateTime : period?.end;
    return t === undefined || Date.parse(t) <= asOfMs;
  });
}

/** Glucose in mg/dL at a minute of the local day: meals, a dawn rise, and optional night-time lows. */
function glucoseAt(rng: Rng, minuteOfDay: number, lowNight: boolean): number {
  const h = minuteOfDay / 60;
  let g = 132;
  for (const meal of [7.5, 12.5, 19]) {
    const t = h - meal;
    if (t > 0 && t < 4) g += 75 * (t / 1) * Math.exp(1 - t / 1);
  }
  if (h >= 4 && h < 7) g += 15 * Math.sin(((h - 4) / 3) * Math.PI);
  if (lowNight && h >= 1 && h < 5) g -= 92 * Math.sin(((h - 1) / 4) * Math.PI);
  return g + rng.normal(0, 7);
}

function cgmObservations(
  spec: DemoPatientSpec,
  rng: Rng,
  today: number,
  cgm: { readonly days: number; readonly lowNights: number },
  nextId: (kind: string) => string,
): Json[] {
  const off = spec.offsetMin;
  const out: Json[] = [];
  const all: number[] = [];
  let slots = 0;
  const lowDays = new Set<number>();
  while (lowDays.size < cgm.lowNights) lowDays.add(rng.int(1, cgm.days));
  for (let day = cgm.days; day >= 1; day -= 1) {
    const start = today - day * DAY_MS;
    const tokens: string[] = [];
    for (let i = 0; i < 288; i += 1) {
      slots += 1;
      // A new sensor every 10 days warms up for two hours: no readings (E).
      const warmUp = day === 10 && i < 24;
      if (warmUp) {
        tokens.push('E');
        continue;
      }
      const g = Math.round(Math.min(400, Math.max(40, glucoseAt(rng, i * 5, lowDays.has(day)))));
      all.push(g);
      tokens.push(String(g));
    }
    out.push({
      ...vitalSign(
        spec,
        nextId('cgm'),
        { coding: [coding(LOINC, '99504-3', 'Glucose [Mass/volume] in Interstitial fluid')] },
        CGM_DEVICE,
        'laboratory',
      ),
      effectivePeriod: { start: localTime(start, off), end: localTime(start + DAY_MS - 300_000, off) },
      valueSampledData: {
        origin: quantity(0, 'mg/dL'),
        period: 300_000,
        factor: 1,
        lowerLimit: 40,
        upperLimit: 400,
        dimensions: 1,
        data: tokens.join(' '),
      },
    });
  }
  // The 14-day summary the CGM app computes (HL7 CGM IG members of 107931-8), from the same readings.
  const share = (pred: (g: number) => boolean): number =>
    round((100 * all.filter(pred).length) / all.length, 1);
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const sd = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
  const periodStart = localTime(today - cgm.days * DAY_MS, off);
  const periodEnd = localTime(today - 300_000, off);
  const member = (code: string, display: string, value: number, unit: string, ucum = unit): Json => ({
    ...vitalSign(
      spec,
      nextId('cgm-summary'),
      { coding: [coding(LOINC, code, display)] },
      CGM_DEVICE,
      'laboratory',
    ),
    effectivePeriod: { start: periodStart, end: periodEnd },
    valueQuantity: quantity(value, unit, ucum),
  });
  out.push(
    member(
      '104642-4',
      'Glucose [Time] below 54 mg/dL',
      share((g) => g < 54),
      '%',
    ),
    member(
      '104641-6',
      'Glucose [Time] 54-69 mg/dL',
      share((g) => g >= 54 && g < 70),
      '%',
    ),
    member(
      '97510-2',
      'Glucose [Time] 70-180 mg/dL',
      share((g) => g >= 70 && g <= 180),
      '%',
    ),
    member(
      '104640-8',
      'Glucose [Time] 181-250 mg/dL',
      share((g) => g > 180 && g <= 250),
      '%',
    ),
    member(
      '104639-0',
      'Glucose [Time] above 250 mg/dL',
      share((g) => g > 250),
      '%',
    ),
    member('97507-8', 'Mean glucose in Interstitial fluid', round(mean), 'mg/dL'),
    // GMI (%) = 3.31 + 0.02392 × mean glucose in mg/dL (Bergenstal et al., Diabetes Care 2018).
    member('97506-0', 'Glucose management indicator', round(3.31 + 0.02392 * mean, 1), '%'),
    member('104638-2', 'Glucose coefficient of variation', round((100 * sd) / mean, 1), '%'),
    member('104637-4', 'CGM sensor active time', round((100 * all.length) / slots, 1), '%'),
  );
  return out;
}

/** A transaction Bundle (PUT per resource, so ids stay the same on any server). */
function transaction(resources: readonly Json[]): Json {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    // No fullUrl: for a PUT of a known id it would have to be the resource's URL on the receiving server, unknown here
    // (R4 Bundle.entry.fullUrl is optional; references are relative `Type/id`, resolved on that server).
    entry: resources.map((resource) => ({
      resource,
      request: { method: 'PUT', url: `${String(resource.resourceType)}/${String(resource.id)}` },
    })),
  };
}

/** Haplotype results are written as two Observations (one per allele), as Genomics Reporting labs do. */
function withHaplotypes(spec: DemoPatientSpec, resources: Json[], asOfMs: number): Json[] {
  const out: Json[] = [];
  for (const [r, report] of spec.reports.entries()) {
    for (const [i, result] of report.results.entries()) {
      if (result.shape !== 'haplotypes') continue;
      const when = asOfMs - report.daysAgo * DAY_MS - 3 * HOUR_MS;
      for (const [a, allele] of result.alleles.entries()) {
        out.push({
          resourceType: 'Observation',
          id: `${spec.id}-pgx-${r + 1}-${i + 1}-${a + 1}`,
          meta: { profile: ['http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/haplotype'] },
          status: 'final',
          category: [{ coding: [coding(OBS_CATEGORY, 'laboratory')] }],
          code: { coding: [coding(LOINC, '84414-2', 'Haplotype name')] },
          subject: { reference: `Patient/${spec.id}` },
          effectiveDateTime: localDate(when, spec.offsetMin),
          issued: new Date(when + 2 * DAY_MS).toISOString().replace('.000Z', 'Z'),
          performer: [{ display: report.lab }],
          valueCodeableConcept: { coding: [{ system: PHARMVAR, display: `${result.gene}${allele}` }] },
          component: [geneComponent(result.gene, result.hgnc)],
        });
      }
    }
  }
  // After the Patient, before the other results.
  const [patient, ...rest] = resources;
  return patient ? [patient, ...out, ...rest] : out;
}

/** Generates every file of `demo/`: file name → exact text. Same seed → same bytes. */
/**
 * The prescribers: the CDS Hooks sandbox's default user (`Practitioner/COREPRACTITIONER1`, also the examples' user),
 * named as an EHR's Practitioner read answers, for the order hooks' `user` prefetch. Synthetic, like the patients.
 */
const DEMO_PRACTITIONERS: readonly Json[] = [
  {
    resourceType: 'Practitioner',
    id: 'COREPRACTITIONER1',
    active: true,
    name: [{ use: 'official', prefix: ['Dr.'], given: ['Nadia'], family: 'Haddad' }],
  },
];

export function generateDemo(seed = DEFAULT_SEED): Record<string, string> {
  const rng = new Rng(seed);
  const asOfMs = Date.parse(DEMO_AS_OF);
  const files: Record<string, string> = {};
  const index: DemoIndexEntry[] = [];
  for (const spec of DEMO_PATIENTS) {
    const withoutPairs: DemoPatientSpec = {
      ...spec,
      reports: spec.reports.map((r) => ({
        ...r,
        results: r.results.filter((x) => x.shape !== 'haplotypes'),
      })),
    };
    const resources = withHaplotypes(spec, patientResources(withoutPairs, rng, asOfMs), asOfMs);
    const file = `${spec.id}.json`;
    files[file] = `${JSON.stringify(transaction(resources), null, 1)}\n`;
    const d = DEMO_DRUGS[spec.order];
    index.push({
      id: spec.id,
      name: `${spec.given} ${spec.family}`,
      scenario: spec.scenario,
      order: { drug: spec.order, rxnorm: d.rxcui, display: d.display },
      file,
    });
  }
  files['practitioners.json'] = `${JSON.stringify(transaction(DEMO_PRACTITIONERS), null, 1)}\n`;
  const demoIndex: DemoIndex = {
    asOf: DEMO_AS_OF,
    seed,
    patients: index,
    practitioners: 'practitioners.json',
  };
  files['index.json'] = `${JSON.stringify(demoIndex, null, 2)}\n`;
  return files;
}
