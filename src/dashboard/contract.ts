/**
 * The clinician dashboard's JSON (`GET /app/api/patients`, `GET /app/api/patients/{id}`): the contract the web client imports type-only
 * (`web/src/api.ts`). Plain types, no imports but the AGP figures' (a pure module).
 */
import type { AgpFigures } from './agp';

/** One demo patient in the picker. */
export interface DemoPatientItem {
  readonly id: string;
  readonly name: string;
  /** What the patient shows, in a line ("CYP2C19 poor metabolizer (*2/*2) ordering clopidogrel"). */
  readonly scenario: string;
}

/** The picker (`GET /app/api/patients`): the demo patients, and where the CDS Hooks sandbox finds this service. */
export interface DemoPatientList {
  readonly patients: readonly DemoPatientItem[];
  /** This service's discovery endpoint and demo FHIR server, absolute (`PUBLIC_BASE_URL`), for the sandbox link. */
  readonly sandbox: { readonly discoveryUrl: string; readonly fhirServer: string };
}

export interface DashboardResult {
  readonly gene: string;
  readonly diplotype?: string;
  readonly phenotype: string;
  readonly activityScore?: string;
  /** CPIC's EHR priority notation for the phenotype (e.g. `Abnormal/Priority/High Risk`). */
  readonly priority?: string;
  readonly reportedPhenotype?: string;
  /** True when current CPIC calls a different phenotype than the laboratory reported. */
  readonly reinterpreted: boolean;
  /** The same as one sentence: what the laboratory reported, what CPIC's tables translate the genotype as. */
  readonly reinterpretation?: string;
  readonly date?: string;
  /** Why the service cannot interpret the gene, when it cannot. */
  readonly uninterpreted?: string;
  /** HLA: the status of each risk allele tested. */
  readonly alleleStatus?: Readonly<Record<string, string>>;
  /** How the result was read: an allele name mapped, a copy number not reported. */
  readonly notes: readonly string[];
  /** The CPIC allele functions a genotype was called with, in words: `called with CPIC allele functions of 5 Nov 2025`. */
  readonly calledWith?: string;
}

export interface DashboardFinding {
  readonly drug: string;
  readonly kind: 'recommendation' | 'warfarin-figure' | 'pre-test' | 'no-row' | 'conflict' | 'safety-rule';
  readonly action: 'avoid' | 'adjust-dose' | 'monitor' | 'order-test' | 'standard';
  /** The indicator the live thresholds give (`none`: no card). */
  readonly indicator: string;
  readonly genes: readonly { readonly gene: string; readonly phenotype: string }[];
  /** CPIC's recommendation text, when a CPIC row applies. */
  readonly recommendation?: string;
  /**
   * What the finding adds to the row, as the card's "Why" says it: the laboratory to ask for an unreported copy
   * number, an ambiguous typing, the population chosen.
   */
  readonly reasons: readonly string[];
  /** Other CPIC rows the result (or, `byPopulation`, the order) leaves open, after the one above. */
  readonly otherRows: {
    readonly byPopulation: boolean;
    /**
     * What the recommendation above is for: with `byPopulation`, its population in words, else the result it is
     * looked up by (`CYP2D6 activity score ≥3.0`).
     */
    readonly leading?: string;
    readonly rows: readonly {
      readonly label: string;
      readonly strength: string;
      readonly recommendation: string;
      /** The row whose text this one repeats: the one above (`label` its `leading` words, if any) or an earlier one. */
      readonly repeats?: { readonly label?: string };
    }[];
  };
  readonly implications: readonly string[];
  readonly strength?: string;
  readonly guideline?: { readonly name: string; readonly url: string };
  readonly alternatives: readonly string[];
  /** The card's summary line for this finding (as the card would show it). */
  readonly summary: string;
  /** What the sensor rules did, in the card's wording, one line each. */
  readonly sensorNotes: readonly string[];
  /** The patient explanation of the CPIC row, when a row applies. */
  readonly explanation?: PatientExplanation;
}

export interface DashboardMedication {
  readonly ref: string;
  readonly status: 'active' | 'draft';
  readonly display: string;
  readonly findings: readonly DashboardFinding[];
}

export interface SensorThresholdLine {
  readonly value: number;
  readonly label: string;
  /** What crossing it does, as the rule says: raise the alert, lower it (each end of a range is a line), or context. */
  readonly effect: 'raise' | 'lower' | 'context';
  /**
   * Which readings of the chart the line's condition holds for, so that the page can name them in words: compared by
   * `operator` with `value`, or from `value` to `upTo` inclusive (a range, given on its first line only); of the
   * chart's line named `line` (`Systolic`), else of every line. Absent where the line is not compared with single
   * readings.
   */
  readonly applies?: {
    readonly operator: 'lessThan' | 'lessThanInclusive' | 'greaterThan' | 'greaterThanInclusive';
    readonly upTo?: number;
    readonly line?: string;
  };
}

export interface DashboardSeries {
  readonly id: 'resting-heart-rate' | 'home-bp' | 'spo2' | 'inr' | 'sleep' | 'steps';
  readonly label: string;
  readonly unit: string;
  /** One line per series name (`systolic`, `diastolic`, or the label), points as [epoch ms, value]. */
  readonly lines: readonly {
    readonly name: string;
    readonly points: readonly (readonly [number, number])[];
  }[];
  readonly thresholds: readonly SensorThresholdLine[];
  readonly newest?: string;
  /** True when the newest reading is older than the live thresholds allow for the metric. */
  readonly stale: boolean;
  readonly maxAgeHours: number;
}

export interface DashboardAgp extends AgpFigures {
  readonly start: string;
  readonly end: string;
  /** Lines drawn on the profile: the target range and the live rules' glucose limits. */
  readonly thresholds: readonly SensorThresholdLine[];
}

export interface DashboardView {
  readonly patient: {
    readonly id: string;
    readonly name: string;
    readonly birthDate?: string;
    readonly gender?: string;
  };
  readonly at: string;
  readonly knowledgeVersion: string;
  readonly thresholdVersion: string;
  /** The two versions in words for the page (`CPIC data of 30 Apr 2026`, `default of 29 Nov 2026`). */
  readonly versionsInWords: { readonly knowledge: string; readonly threshold: string };
  readonly results: readonly DashboardResult[];
  readonly conflicts: readonly { readonly gene: string; readonly values: readonly string[] }[];
  readonly medications: readonly DashboardMedication[];
  readonly sensors: readonly DashboardSeries[];
  readonly agp?: DashboardAgp;
  /** Why sensor data are missing or partial (e.g. consent denies device data). */
  readonly sensorNotes: readonly string[];
  /** After an EHR launch: what of the record could not be read (shown first, each a sentence). */
  readonly recordNotes?: readonly string[];
}

/**
 * `POST /app/api/launched` (and `…/explanations/{drug}`): the launched patient on the record's FHIR server, as
 * fhirclient has them after the SMART launch; the launch's access token goes as `Authorization: Bearer`.
 */
export interface LaunchRequest {
  readonly serverUrl: string;
  readonly patient: string;
}

/** The CPIC field a sentence restates. */
export type ExplanationSource = 'result' | 'implication' | 'recommendation';

export interface ExplanationSentence {
  readonly text: string;
  readonly source: ExplanationSource;
}

export interface PatientExplanation {
  readonly drug: string;
  readonly title: string;
  /** What the guideline advises (from the recommendation), first: action first. */
  readonly advice: readonly ExplanationSentence[];
  /** What the result means (from the lookup key and the implications). */
  readonly meaning: readonly ExplanationSentence[];
  /**
   * What to do now, shown right after the advice (`WHAT_TO_DO`; not CPIC's): ask before stopping or changing any
   * medicine, keep the page and show it to everyone who prescribes.
   */
  readonly whatToDo: readonly string[];
  /**
   * Other medicines the same gene results call for avoiding or a dose change for (CPIC's rows for these results), by
   * the advice sentence their own pages open with (each sentence once, its medicines in alphabetical order); absent
   * when there are none. Shown after the meaning.
   */
  readonly otherMedicines?: readonly { readonly drugs: readonly string[]; readonly advice: string }[];
  /**
   * For the prescriber the patient shows the page to, in the card's words (the one place on the page with genotypes
   * and CPIC's own text): the results the row was looked up by and the recommendation quoted. Absent where the page
   * is built without a finding (tests of the plain-language tables).
   */
  readonly forClinician?: ClinicianNote;
  /** How the page was written, in plain words. */
  readonly footnote: string;
}

export interface ClinicianNote {
  /** Each result as the card's "Results used" says it: `CYP2C19 *2/*2 → Poor Metabolizer; from a genotype (…)`. */
  readonly results: readonly string[];
  /** The CPIC guideline's name: `CYP2C19 and Clopidogrel`. */
  readonly guideline: string;
  /**
   * What the card's "What to do" heading says of the row: `CPIC Strong; ACS and/or PCI`, or with the result it is for
   * when the result leaves several rows open (`CPIC Strong; CYP2D6 activity score ≥3.0`).
   */
  readonly about: string;
  /** CPIC's recommendation text, quoted. */
  readonly recommendation: string;
  /** The other CPIC rows the result or the order leaves open, as the dashboard lists them. */
  readonly otherRows: DashboardFinding['otherRows'];
  /** What the card's "Why" adds: the copy number to ask the laboratory for, the population chosen. */
  readonly reasons: readonly string[];
  /** The card's provenance: `CPIC data of 30 Apr 2026 (CYP2C19 allele functions of 5 Nov 2025)`. */
  readonly knowledge: string;
}

/** `GET /app/api/patients/{id}/explanations/{drug}`: the printable patient page. */
export interface PatientExplanationView {
  readonly patient: { readonly id: string; readonly name: string };
  readonly explanation: PatientExplanation;
}
