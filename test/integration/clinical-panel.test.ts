/**
 * The clinical panel of issue 5 ("What the tests must show"), end to end over HTTP: real requests shaped like what
 * the CDS Hooks sandbox and EHRs send (Patient, Genomics Reporting PGx Observations, RxNorm-coded draft
 * MedicationRequests, wearable resting heart rate) go through `createApp()` and the real hook handlers.
 *
 * Expected clinical content comes from the sources, never from the code under test: recommendation texts, strengths
 * and lookup keys from the CPIC data set (`knowledge/cpic/recommendations.json`), phenotypes from its diplotype tables
 * and `genes.json`, sensor thresholds from the research note's §2.2 (`knowledge/sensor-thresholds.json`), all read
 * through the test oracle (`test/reference`); indicators from issue 5's defaults. Every response is checked against
 * the CDS Hooks 2.0 response schema.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Action, Card, Suggestion } from '../../src/cds/types';
import { DEFAULT_THRESHOLDS, serializeThresholdSet } from '../../src/rules/thresholds';
import type { ThresholdSet } from '../../src/rules/thresholds';
import { openStore } from '../../src/store';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { sandboxRequest, withoutPageLinks } from '../helpers/cds';
import type { JsonObject } from '../helpers/cds';
import { searchset, startMockFhirServer } from '../helpers/mock-fhir';
import { expectClinicianReadable } from '../helpers/card-text';
import { acceptInRxView } from '../helpers/sandbox-rx-view';
import { heartRateNights } from '../helpers/sensors';
import type { MockFhirServer } from '../helpers/mock-fhir';
import { quotedText, rendered } from '../helpers/markdown';
import { cpicCall, cpicDrug, cpicDrugs, cpicRow, guidelineUrl, researchThreshold } from '../reference';
import type { CpicRow } from '../reference';

// ---------------------------------------------------------------------------------------------------------------
// The sources expectations are derived from
// ---------------------------------------------------------------------------------------------------------------

/**
 * Issue 5's default interruption: a Strong "avoid / not recommended / contraindicated" → critical; other Strong or
 * Moderate changes → warning; Optional → info.
 */
function issue5Indicator(strength: string | null, avoid: boolean): Card['indicator'] {
  if (strength === 'Strong' && avoid) return 'critical';
  if (strength === 'Strong' || strength === 'Moderate') return 'warning';
  if (strength === 'Optional') return 'info';
  throw new Error(`issue 5 gives no default for strength ${String(strength)}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------------

/** A fixture from `test/fixtures/hooks/`. */
function hooksFixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'hooks', name), 'utf8')) as unknown;
}

const PGX_RESULTS = hooksFixture('pgx-results.json') as Record<string, JsonObject[]>;
const DRAFT_ORDERS = hooksFixture('draft-orders.json') as Record<string, JsonObject>;
const PATIENT = hooksFixture('patient.json') as JsonObject;
const PATIENT_ID = 'smart-1288992';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

function results(...names: string[]): JsonObject[] {
  return names.flatMap((name) => {
    const found = PGX_RESULTS[name];
    if (!found) throw new Error(`no PGx fixture ${name}`);
    return found;
  });
}

function draftOrder(name: string): JsonObject {
  const found = DRAFT_ORDERS[name];
  if (!found) throw new Error(`no draft-order fixture ${name}`);
  return structuredClone(found);
}

/** A searchset Bundle as a FHIR server answers the prefetch query (the sandbox sends these). */
function bundle(resources: readonly unknown[]): JsonObject {
  return { ...searchset(resources), total: resources.length };
}

interface CallOptions {
  readonly results?: readonly JsonObject[];
  readonly orders: readonly JsonObject[];
  readonly wearables?: readonly JsonObject[];
  readonly patientId?: string;
  /** Prefetch keys to leave out (the service then reads them from `fhirServer`). */
  readonly withoutPrefetch?: readonly string[];
  readonly fhirServer?: string;
}

function draftOrdersBundle(orders: readonly JsonObject[]): JsonObject {
  return { resourceType: 'Bundle', type: 'collection', entry: orders.map((resource) => ({ resource })) };
}

/** An order-sign request as an EHR sends it: every draft order, prefetch per cds-services.json. */
function orderSign(options: CallOptions): JsonObject {
  const patientId = options.patientId ?? PATIENT_ID;
  const all: JsonObject = {
    patient: { ...PATIENT, id: patientId },
    pgx: bundle(options.results ?? []),
    ...(options.wearables ? { wearables: bundle(options.wearables) } : {}),
  };
  const prefetch = Object.fromEntries(
    Object.entries(all).filter(([key]) => !options.withoutPrefetch?.includes(key)),
  );
  return {
    hookInstance: randomUUID(),
    hook: 'order-sign',
    ...(options.fhirServer ? { fhirServer: options.fhirServer } : {}),
    context: {
      userId: 'Practitioner/COREPRACTITIONER1',
      patientId,
      draftOrders: draftOrdersBundle(options.orders),
    },
    prefetch,
  };
}

const HOUR_MS = 3_600_000;

/**
 * Daily resting heart rate (LOINC 40443-4) as a watch platform exports it: one Observation per day, UCUM `/min`,
 * the device contained. `values[0]` is the newest, `newestHoursAgo` before now (the hook time is the real clock);
 * each further value is one day older.
 */
function restingHeartRate(values: readonly number[], newestHoursAgo: number): JsonObject[] {
  const now = Date.now();
  return values.map((value, day) => ({
    resourceType: 'Observation',
    id: `rhr-${day}`,
    status: 'final',
    contained: [
      {
        resourceType: 'Device',
        id: 'watch',
        manufacturer: 'Apple Inc.',
        deviceName: [{ name: 'Apple Watch', type: 'user-friendly-name' }],
      },
    ],
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '40443-4', display: 'Heart rate --resting' }] },
    subject: { reference: `Patient/${PATIENT_ID}` },
    effectiveDateTime: new Date(now - (newestHoursAgo + 24 * day) * HOUR_MS).toISOString(),
    valueQuantity: { value, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
    device: { reference: '#watch' },
  }));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A low resting heart rate for a week: median below R1's 60 /min, above its 50 /min (research §2.2 R1). */
const LOW_RESTING_HR = [55, 54, 56, 53, 55, 57, 54];
/** Research §2.2 R1: "7-day median < 60 /min → +1; < 50 /min … → `critical`". */
const R1_RAISE = researchThreshold('R1.raise');
const R1_CRITICAL = researchThreshold('R1.critical');

/** POSTs a call; every 200 answer must pass the CDS Hooks 2.0 response schema and every card the card text rules. */
async function call(
  t: TestApp,
  service: string,
  body: JsonObject,
): Promise<{ status: number; cards: Card[] }> {
  const res = await request(t.app).post(`/cds-services/${service}`).send(body);
  if (res.status === 200) expect(res.body).toBeSpecValid();
  const cards = (res.body as { cards?: Card[] }).cards ?? [];
  // Issue 9: every card of the panel is one a clinician reads in five seconds (test/helpers/card-text.ts).
  for (const card of cards) expectClinicianReadable(card);
  return { status: res.status, cards };
}

/** The one card of a call that must answer 200 with exactly one card. */
async function oneCard(t: TestApp, service: string, body: JsonObject): Promise<Card> {
  const { status, cards } = await call(t, service, body);
  expect(status).toBe(200);
  expect(cards).toHaveLength(1);
  return cards[0]!;
}

/** Override reasons: coded in one system, each with a display (https://cds-hooks.hl7.org/2.0/#overridereason). */
function expectOverrideReasons(card: Card): void {
  expect(card.overrideReasons?.length).toBeGreaterThan(0);
  for (const reason of card.overrideReasons ?? []) {
    expect(reason).toEqual({
      system: 'urn:pgx-cds-hooks:CodeSystem:override-reason',
      code: expect.stringMatching(/^[a-z-]+$/) as unknown,
      display: expect.stringMatching(/\S/) as unknown,
    });
  }
}

function actionsOf(suggestion: Suggestion | undefined): readonly Action[] {
  return suggestion?.actions ?? [];
}

// ---------------------------------------------------------------------------------------------------------------
// order-sign: the panel
// ---------------------------------------------------------------------------------------------------------------

type Expected =
  | { readonly kind: 'none' }
  | { readonly kind: 'alternatives'; readonly drugs: readonly { name: string; rxcui: string }[] }
  | {
      readonly kind: 'dose';
      readonly value: number;
      readonly unit: string;
      readonly cpicPhrase: string;
      /** CPIC's condition on the reduction, verbatim: the suggestion is then offered but not recommended. */
      readonly cpicCondition?: string;
    };

interface PanelCase {
  readonly name: string;
  readonly results: readonly string[];
  readonly order: string;
  readonly drug: string;
  /** Gene → diplotype as the results carry it (phenotypes and lookup keys are CPIC's, read from the tables). */
  readonly genotypes: Readonly<Record<string, string>>;
  /** Lookup keys not from a diplotype table (HLA allele status). */
  readonly statusKeys?: Readonly<Record<string, string>>;
  readonly population: string | null;
  /** Whether CPIC's text says avoid / not recommended (issue 5: Strong avoid → critical). */
  readonly avoid: boolean;
  readonly action: RegExp;
  readonly suggestions: Expected;
}

/**
 * Alternative RxNorm ingredient codes: NLM RxNorm Current Prescribable Content 2025-10-06 (TTY IN), as cited in
 * `src/cards/alternative-drugs.ts`; prasugrel and ticagrelor are not CPIC drugs, so the RxNorm extract lacks them.
 */
const PRASUGREL = { name: 'prasugrel', rxcui: '613391' };
const TICAGRELOR = { name: 'ticagrelor', rxcui: '1116632' };

const PANEL: readonly PanelCase[] = [
  {
    name: 'CYP2C19 poor metabolizer + clopidogrel',
    results: ['CYP2C19 *2/*2'],
    order: 'clopidogrel',
    drug: 'clopidogrel',
    genotypes: { CYP2C19: '*2/*2' },
    // The order does not say the indication: the card rests on the ACS/PCI row (CPIC's Strong one) and lists the
    // other populations' rows.
    population: 'CVI ACS PCI',
    avoid: true,
    action: /\bavoid\b/i,
    suggestions: { kind: 'alternatives', drugs: [PRASUGREL, TICAGRELOR] },
  },
  {
    name: 'HLA-B*57:01 positive + abacavir',
    results: ['HLA-B*57:01 positive'],
    order: 'abacavir/lamivudine',
    drug: 'abacavir',
    genotypes: {},
    statusKeys: { 'HLA-B': '*57:01 positive' },
    population: 'general',
    avoid: true,
    action: /\bavoid\b|not recommended/i,
    suggestions: { kind: 'none' }, // "Abacavir is not recommended" names no alternative
  },
  {
    name: 'DPYD intermediate metabolizer + capecitabine with a dose',
    results: ['DPYD c.1905+1G>A heterozygous'],
    order: 'capecitabine',
    drug: 'capecitabine',
    genotypes: { DPYD: 'Reference/c.1905+1G>A (*2A)' },
    population: 'general',
    avoid: false,
    action: /\badjust\b|\breduce\b/i,
    // CPIC: "Reduce starting dose by 50%" of the draft's 2000 mg.
    suggestions: { kind: 'dose', value: 1000, unit: 'mg', cpicPhrase: 'Reduce starting dose by 50%' },
  },
  {
    name: 'TPMT intermediate / NUDT15 normal metabolizer + mercaptopurine',
    results: ['TPMT *1/*3A', 'NUDT15 *1/*1'],
    order: 'mercaptopurine',
    drug: 'mercaptopurine',
    genotypes: { TPMT: '*1/*3A', NUDT15: '*1/*1' },
    population: 'general',
    avoid: false,
    action: /\badjust\b|\breduce\b/i,
    // CPIC: "30-80% of standard starting dose"; the suggestion takes the most conservative end: 30 % of 100 mg.
    // CPIC reduces only "if starting dose is ≥75 mg/m2/day …" ("might not be necessary" below): not recommended.
    suggestions: {
      kind: 'dose',
      value: 30,
      unit: 'mg',
      cpicPhrase: '30-80% of standard starting dose',
      cpicCondition:
        'if starting dose is ≥75 mg/m2/day (for malignancy) or ≥1.5 mg/kg/day (for nonmalignancy)',
    },
  },
  {
    name: 'CYP2D6 ultrarapid metabolizer + codeine',
    results: ['CYP2D6 *1/*1x2'],
    order: 'codeine',
    drug: 'codeine',
    genotypes: { CYP2D6: '*1/*1x2' },
    population: 'general',
    avoid: true,
    action: /\bavoid\b/i,
    suggestions: { kind: 'none' }, // "consider a non-tramadol opioid" names no drug to order
  },
  {
    name: 'SLCO1B1 decreased function + simvastatin',
    results: ['SLCO1B1 *1/*5'],
    order: 'simvastatin',
    drug: 'simvastatin',
    genotypes: { SLCO1B1: '*1/*5' },
    population: 'general',
    // "Prescribe an alternative statin … If simvastatin therapy is warranted, limit dose to <20mg/day."
    avoid: true,
    action: /\bavoid\b|alternative/i,
    suggestions: { kind: 'none' }, // the alternative statin is left to CPIC's Figure 1: no drug named
  },
  {
    name: 'CYP2D6 poor metabolizer + metoprolol (no wearable data)',
    results: ['CYP2D6 *5/*5'],
    order: 'metoprolol',
    drug: 'metoprolol',
    genotypes: { CYP2D6: '*5/*5' },
    population: null,
    avoid: false,
    action: /\badjust\b|lowest/i,
    suggestions: { kind: 'none' }, // "lowest recommended starting dose" gives no fraction of the ordered dose
  },
];

describe('order-sign: the clinical panel', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(PANEL.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const draft = draftOrder(c.order);
    const calls = Object.entries(c.genotypes).map(([gene, diplotype]) => ({
      gene,
      ...cpicCall(gene, diplotype),
    }));
    const lookupKey = {
      ...Object.fromEntries(calls.map((g) => [g.gene, g.lookupKey])),
      ...c.statusKeys,
    };
    const { row, guideline } = cpicRow(c.drug, lookupKey, c.population);

    const card = await oneCard(
      t,
      'pgx-order-sign',
      orderSign({ results: results(...c.results), orders: [draft] }),
    );

    expect(card.indicator).toBe(issue5Indicator(row.strength, c.avoid));
    // Summary: < 140 characters, names gene, phenotype (or allele status), drug and action.
    expect(card.summary.length).toBeLessThan(140);
    expect(card.summary).toContain(c.drug);
    expect(card.summary).toMatch(c.action);
    for (const g of calls) {
      expect(card.summary).toContain(g.gene);
      expect(card.summary).toContain(g.phenotype);
    }
    for (const [gene, status] of Object.entries(c.statusKeys ?? {})) {
      expect(card.summary).toContain(gene);
      expect(card.summary).toContain(status);
    }
    // CPIC's text verbatim, and the guideline linked.
    expect(quotedText(card.detail)).toContain(row.recommendation);
    expect(card.source.url).toBe(guidelineUrl(guideline));
    expect(card.links).toContainEqual(
      expect.objectContaining({ url: guidelineUrl(guideline), type: 'absolute' }),
    );
    expectOverrideReasons(card);

    const suggestions = card.suggestions ?? [];
    switch (c.suggestions.kind) {
      case 'none':
        expect(suggestions).toEqual([]);
        break;
      case 'dose': {
        expect(row.recommendation).toContain(c.suggestions.cpicPhrase);
        expect(suggestions).toHaveLength(1);
        const [update] = actionsOf(suggestions[0]);
        const condition = c.suggestions.cpicCondition;
        if (condition === undefined) {
          expect(suggestions[0]?.isRecommended).toBe(true);
        } else {
          expect(row.recommendation).toContain(condition);
          expect(suggestions[0]?.isRecommended).toBe(false);
          expect(suggestions[0]?.label).toMatch(/ \(conditional\)$/);
          expect(update?.description).toContain(condition);
        }
        // The whole draft, its dose replaced: same id, same drug, same timing.
        const dosage = (draft.dosageInstruction as JsonObject[])[0]!;
        const doseAndRate = (dosage.doseAndRate as JsonObject[])[0]!;
        expect(update?.type).toBe('update');
        expect(update && 'resource' in update ? update.resource : undefined).toEqual({
          ...draft,
          dosageInstruction: [
            {
              ...dosage,
              doseAndRate: [
                {
                  ...doseAndRate,
                  doseQuantity: {
                    ...(doseAndRate.doseQuantity as JsonObject),
                    value: c.suggestions.value,
                  },
                },
              ],
            },
          ],
        });
        expect((doseAndRate.doseQuantity as JsonObject).code).toBe(c.suggestions.unit);
        break;
      }
      case 'alternatives': {
        const named = c.suggestions.drugs;
        for (const alt of named) expect(row.recommendation).toMatch(new RegExp(`\\b${alt.name}\\b`));
        expect(suggestions).toHaveLength(named.length);
        suggestions.forEach((s, i) => {
          const alt = named[i]!;
          expect(s.label).toContain(alt.name);
          // Several alternatives CPIC names together are equals: none is singled out.
          expect(s.isRecommended).toBe(false);
          // One update of the draft order (same id) carrying the alternative, without the ordered drug's dose: the
          // CDS Hooks sandbox's Rx View applies only the first action of a suggestion.
          expect(actionsOf(s)).toHaveLength(1);
          const { dosageInstruction: _dose, ...draftWithoutDose } = draft;
          expect(actionsOf(s)[0]).toMatchObject({
            type: 'update',
            resource: {
              ...draftWithoutDose,
              medicationCodeableConcept: {
                coding: [{ system: RXNORM, code: alt.rxcui, display: alt.name }],
                text: alt.name,
              },
            },
          });
        });
        break;
      }
    }
    if (suggestions.length > 0) expect(card.selectionBehavior).toBe('at-most-one');
  });

  it('clopidogrel: the rows of the other populations are shown too, each sentence verbatim', async () => {
    const card = await oneCard(
      t,
      'pgx-order-sign',
      orderSign({ results: results('CYP2C19 *2/*2'), orders: [draftOrder('clopidogrel')] }),
    );
    const phenotype = cpicCall('CYP2C19', '*2/*2').phenotype;
    // Each sentence of each row once: CPIC repeats "Avoid clopidogrel if possible." in every row.
    const quoted = quotedText(card.detail);
    for (const population of ['NVI', 'CVI non-ACS non-PCI']) {
      const { recommendation } = cpicRow('clopidogrel', { CYP2C19: phenotype }, population).row;
      for (const sentence of recommendation.split(/(?<=\.)\s+/)) expect(quoted).toContain(sentence);
    }
  });

  it('clopidogrel, indication unknown: each one-click replacement carries its CPIC caveat in its description and works in the sandbox', async () => {
    const draft = draftOrder('clopidogrel');
    const card = await oneCard(
      t,
      'pgx-order-sign',
      orderSign({ results: results('CYP2C19 *2/*2'), orders: [draft] }),
    );
    const phenotype = cpicCall('CYP2C19', '*2/*2').phenotype;
    // CPIC's neurovascular row: prasugrel is the one alternative it restricts.
    const nvi = cpicRow('clopidogrel', { CYP2C19: phenotype }, 'NVI').row;
    const caveat = (nvi.otherConsiderations ?? '')
      .split(/(?<=\.)\s+/)
      .find((sentence) => /prasugrel/i.test(sentence) && /contraindicated/.test(sentence));
    expect(caveat).toBe('Prasugrel is contraindicated in patients with a history of stroke or TIA.');
    const [prasugrel, ticagrelor] = card.suggestions ?? [];
    // The button is "Switch to prasugrel"; CPIC's caveat is its action's description.
    expect(prasugrel?.label).toBe('Switch to prasugrel');
    expect(prasugrel?.actions?.[0]?.description).toContain(caveat);
    expect(prasugrel?.isRecommended).toBe(false);
    expect(ticagrelor?.actions?.[0]?.description).not.toContain(caveat);
    // Accepted in the sandbox's Rx View, the order becomes the alternative (a delete-then-create pair cleared it).
    const ordered = (draft.medicationCodeableConcept as { coding: { code: string }[] }).coding[0]!;
    const clopidogrel = { name: 'clopidogrel', rxcui: ordered.code };
    expect(acceptInRxView(clopidogrel, prasugrel!)).toEqual({ name: PRASUGREL.name, rxcui: PRASUGREL.rxcui });
    expect(acceptInRxView(clopidogrel, ticagrelor!)).toEqual({
      name: TICAGRELOR.name,
      rxcui: TICAGRELOR.rxcui,
    });
  });

  it('codeine: tramadol, which CPIC names as the opioid NOT to use, is never offered', async () => {
    const card = await oneCard(
      t,
      'pgx-order-sign',
      orderSign({ results: results('CYP2D6 *1/*1x2'), orders: [draftOrder('codeine')] }),
    );
    expect(
      cpicRow('codeine', { CYP2D6: cpicCall('CYP2D6', '*1/*1x2').lookupKey }, 'general').row.recommendation,
    ).toMatch(/non-tramadol/);
    expect(JSON.stringify(card.suggestions ?? [])).not.toMatch(/tramadol/i);
  });

  it('CYP2C9 / VKORC1 + warfarin: the CPIC Figure 2 branch for a known genotype, verbatim', async () => {
    const card = await oneCard(
      t,
      'pgx-order-sign',
      orderSign({
        results: results('CYP2C9 *1/*3', 'VKORC1 rs9923231 C/T'),
        orders: [draftOrder('warfarin')],
      }),
    );
    const warfarin = cpicDrug('warfarin');
    const nodes = warfarin.decisionGraph?.nodes ?? {};
    // "VKORC1 and CYP2C9*2 and *3 genotype available?" → yes: the pharmacogenetic-algorithm box and its loading-dose box.
    const algorithm = Object.values(nodes).find((n) => n.startsWith('VKORC1-1639G>A and CYP2C9*2 and *3:'));
    expect(algorithm).toBeDefined();
    expect(quotedText(card.detail)).toContain(algorithm);
    // CPIC publishes no strength for the figure's boxes: issue 5 is silent, the thresholds' `unstated` row decides.
    expect(warfarin.guidelines.every((g) => g.recommendations.length === 0)).toBe(true);
    expect(card.indicator).toBe(DEFAULT_THRESHOLDS.interruption.unstated['adjust-dose']);
    for (const gene of ['CYP2C9', 'VKORC1']) expect(card.summary).toContain(gene);
    expect(card.summary).toContain(cpicCall('CYP2C9', '*1/*3').phenotype);
    expect(card.summary).toContain(
      cpicCall('VKORC1', 'rs9923231 reference (C)/rs9923231 variant (T)').phenotype,
    );
    expect(card.summary).toMatch(/warfarin/);
    expect(card.summary.length).toBeLessThan(140);
    expect(card.source.url).toBe(guidelineUrl(warfarin.guidelines[0]!));
    expectOverrideReasons(card);
  });

  describe('CYP2D6 poor metabolizer + metoprolol and the resting heart rate (research §2.2 R1)', () => {
    const metoprolol = (wearables?: readonly JsonObject[]): JsonObject =>
      orderSign({
        results: results('CYP2D6 *5/*5'),
        orders: [draftOrder('metoprolol')],
        ...(wearables ? { wearables } : {}),
      });
    const row = (): CpicRow =>
      cpicRow('metoprolol', { CYP2D6: cpicCall('CYP2D6', '*5/*5').lookupKey }, null).row;
    const LADDER: readonly Card['indicator'][] = ['info', 'warning', 'critical'];

    it('a sufficient, fresh week of low resting heart rate raises the card one step and says why', async () => {
      expect(median(LOW_RESTING_HR)).toBeLessThan(R1_RAISE);
      expect(median(LOW_RESTING_HR)).toBeGreaterThanOrEqual(R1_CRITICAL);
      const baseline = issue5Indicator(row().strength, false);
      const card = await oneCard(t, 'pgx-order-sign', metoprolol(restingHeartRate(LOW_RESTING_HR, 6)));
      expect(card.indicator).toBe(LADDER[LADDER.indexOf(baseline) + 1]);
      expect(quotedText(card.detail)).toContain(row().recommendation);
      const detail = rendered(card.detail);
      expect(detail).toContain(`${median(LOW_RESTING_HR)}/min`); // the value
      expect(detail).toContain('Apple Watch'); // the device
      expect(detail).toContain(`below ${R1_RAISE}/min`); // the threshold
      // The reason is in the summary too (issue 9: "… CYP2D6 poor metabolizer, resting HR 49/min").
      expect(card.summary).toContain(`resting HR ${median(LOW_RESTING_HR)}/min`);
      expect(card.source.label).toMatch(/sensor/i);
      // The sensor can be questioned: an override reason says so.
      expect(card.overrideReasons?.map((r) => r.display).join(' ')).toMatch(/sensor/i);
    });

    it.each(['apple-watch', 'phd'] as const)(
      'no daily resting value, a week of %s heart-rate samples around 49 /min at night: the card escalates to critical',
      async (source) => {
        const wearables = heartRateNights({
          source,
          at: Date.now(),
          nights: 7,
          hours: [23, 0, 1, 2, 3, 4, 5, 6],
          everyMinutes: 5,
          value: (i) => 48 + (i % 3), // 48, 49, 50 …
        }) as JsonObject[];
        // R1: "< 50 /min … → `critical`" (research §2.2); the nightly minimum of 5-minute medians is 48 /min.
        expect(48).toBeLessThan(R1_CRITICAL);
        const card = await oneCard(t, 'pgx-order-sign', metoprolol(wearables));
        expect(card.indicator).toBe('critical');
        const detail = rendered(card.detail);
        expect(detail).toContain('48/min');
        expect(card.summary).toContain('resting HR 48/min');
        expect(detail).toContain(source === 'phd' ? 'Nonin 3150 pulse oximeter' : 'Apple Watch');
        expect(quotedText(card.detail)).toContain(row().recommendation);
      },
    );

    it.each([
      // Newest value 84 h old: four daily values in the week, but older than R1's 72 h.
      ['stale', restingHeartRate(LOW_RESTING_HR, 84), /stale/],
      // Two days of values: R1 needs ≥ 4 of 7.
      ['sparse', restingHeartRate(LOW_RESTING_HR.slice(0, 2), 6), /insufficient/],
    ] as const)(
      '%s heart-rate data never changes the card, and the card says why',
      async (_kind, wearables, why) => {
        const without = await oneCard(t, 'pgx-order-sign', metoprolol());
        const withData = await oneCard(t, 'pgx-order-sign', metoprolol(wearables));
        expect(withData.indicator).toBe(without.indicator);
        expect(withData.indicator).toBe(issue5Indicator(row().strength, false));
        expect(withData.summary).toBe(without.summary);
        expect(withData.suggestions ?? []).toEqual(without.suggestions ?? []);
        expect(rendered(without.detail)).not.toMatch(/resting-heart-rate/);
        expect(rendered(withData.detail)).toMatch(why);
        expect(rendered(withData.detail)).toMatch(/not used/);
      },
    );
  });

  it('a normal metabolizer given standard dosing: no card', async () => {
    const { row } = cpicRow(
      'clopidogrel',
      { CYP2C19: cpicCall('CYP2C19', '*1/*1').lookupKey },
      'CVI ACS PCI',
    );
    expect(row.recommendation).toMatch(/standard dose/);
    const { status, cards } = await call(
      t,
      'pgx-order-sign',
      orderSign({ results: results('CYP2C19 *1/*1'), orders: [draftOrder('clopidogrel')] }),
    );
    expect(status).toBe(200);
    expect(cards).toEqual([]);
  });

  it('no PGx result on file for a level-A drug: a pre-test card with a ServiceRequest suggestion', async () => {
    expect(cpicDrug('clopidogrel').cpicPairs).toContainEqual(
      expect.objectContaining({ gene: 'CYP2C19', cpicLevel: 'A' }),
    );
    const card = await oneCard(
      t,
      'pgx-order-sign',
      orderSign({ results: [], orders: [draftOrder('clopidogrel')] }),
    );
    // Issue 5 leaves "whether and how pre-test alerts show" to the threshold set.
    expect(card.indicator).toBe(DEFAULT_THRESHOLDS.preTest.indicator);
    expect(card.summary).toMatch(/CYP2C19/);
    expect(card.summary).toMatch(/clopidogrel/);
    expect(card.summary).toMatch(/test/i);
    expect(card.summary.length).toBeLessThan(140);
    expect(card.suggestions).toHaveLength(1);
    const [create] = actionsOf(card.suggestions?.[0]);
    expect(create).toMatchObject({
      type: 'create',
      resource: {
        resourceType: 'ServiceRequest',
        status: 'draft',
        intent: 'order',
        subject: { reference: `Patient/${PATIENT_ID}` },
        code: { text: expect.stringMatching(/CYP2C19/) as unknown },
      },
    });
    expect(card.links?.[0]?.type).toBe('absolute');
    // The clopidogrel guideline itself, not CPIC's index.
    expect(card.source.url).toBe(guidelineUrl('clopidogrel'));
    expect(card.links?.[0]?.url).toBe(guidelineUrl('clopidogrel'));
    expectOverrideReasons(card);
    // A declined test has its own reasons, not "tolerated before" or "result doubted".
    expect(card.overrideReasons?.map((r) => r.code)).toContain('test-already-ordered');
    expect(card.overrideReasons?.map((r) => r.code)).not.toContain('tolerated-before');
  });

  it('several drugs ordered at once: one card per drug problem, never duplicates', async () => {
    const { status, cards } = await call(
      t,
      'pgx-order-sign',
      orderSign({
        results: results('CYP2C19 *2/*2', 'CYP2D6 *1/*1x2', 'SLCO1B1 *1/*5', 'TPMT *1/*3A', 'NUDT15 *1/*1'),
        orders: ['clopidogrel', 'codeine', 'famotidine', 'simvastatin', 'mercaptopurine'].map(draftOrder),
      }),
    );
    expect(status).toBe(200);
    // famotidine has no CPIC guideline; mercaptopurine's two genes are one guideline row, so one card.
    expect(cpicDrugs().famotidine).toBeUndefined();
    const drugs = ['clopidogrel', 'codeine', 'simvastatin', 'mercaptopurine'];
    expect(cards).toHaveLength(drugs.length);
    for (const drug of drugs) expect(cards.filter((c) => c.summary.includes(drug))).toHaveLength(1);
    expect(new Set(cards.map((c) => c.uuid)).size).toBe(cards.length);
    const suggestionIds = cards.flatMap((c) => (c.suggestions ?? []).map((s) => s.uuid));
    expect(new Set(suggestionIds).size).toBe(suggestionIds.length);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Calls that must not reach the FHIR server, and the FHIR fallback
// ---------------------------------------------------------------------------------------------------------------

describe('order-sign and the FHIR server', () => {
  let t: TestApp;
  let fhir: MockFhirServer;
  beforeEach(async () => {
    t = await startTestApp();
    fhir = await startMockFhirServer();
  });
  afterEach(async () => {
    await t.close();
    await fhir.close();
  });

  it('a drug with no guideline: no card, and the FHIR server sees no request although nothing was prefetched', async () => {
    fhir.on(/.*/, { body: searchset([]) });
    const body = orderSign({
      orders: [draftOrder('famotidine')],
      withoutPrefetch: ['patient', 'pgx'],
      fhirServer: fhir.baseUrl,
    });
    expect(cpicDrugs().famotidine).toBeUndefined();
    const { status, cards } = await call(t, 'pgx-order-sign', body);
    expect(status).toBe(200);
    expect(cards).toEqual([]);
    expect(fhir.requests).toHaveLength(0);
  });

  it('the pgx key missing from prefetch: the genotype read from the FHIR server gives the same card', async () => {
    const prefetched = await oneCard(
      t,
      'pgx-order-sign',
      orderSign({ results: results('CYP2C19 *2/*2'), orders: [draftOrder('clopidogrel')] }),
    );
    fhir.on(/^Observation\?patient=smart-1288992&code=.*84413-4/, { body: bundle(results('CYP2C19 *2/*2')) });
    fhir.on(/.*/, { body: searchset([]) });
    const fetched = await oneCard(
      t,
      'pgx-order-sign',
      orderSign({ orders: [draftOrder('clopidogrel')], withoutPrefetch: ['pgx'], fhirServer: fhir.baseUrl }),
    );
    expect(fhir.requests.some((r) => r.url.includes('84413-4'))).toBe(true);
    const comparable = (card: Card) => ({
      ...card,
      uuid: undefined,
      suggestions: card.suggestions?.map((s) => ({ ...s, uuid: undefined })),
      // The page links name the card and carry a token of their own.
      links: card.links?.map((l) => ({ ...l, url: l.url.replace(/\/(rate|explain)\/.*$/, '/$1') })),
    });
    expect(comparable(fetched)).toEqual(comparable(prefetched));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// A changed threshold value changes the outcome without code changes
// ---------------------------------------------------------------------------------------------------------------

describe('published thresholds', () => {
  let dir: string;
  let t: TestApp | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'clinical-panel-'));
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await rm(dir, { recursive: true });
  });

  /** Publishes `set` in a fresh SQLite store and starts the app on it (the app loads the published set at start). */
  async function appWith(set: ThresholdSet): Promise<TestApp> {
    const databaseUrl = path.join(dir, 'cds.sqlite');
    const store = await openStore(databaseUrl);
    await store.thresholds.saveDraft({
      version: set.version,
      json: serializeThresholdSet(set),
      createdBy: 'informaticist',
    });
    await store.thresholds.publish(set.version, { by: 'informaticist' });
    await store.close();
    return startTestApp({ databaseUrl });
  }

  const metoprololPm = (wearables?: readonly JsonObject[]): JsonObject =>
    orderSign({
      results: results('CYP2D6 *5/*5'),
      orders: [draftOrder('metoprolol')],
      ...(wearables ? { wearables } : {}),
    });

  it('Moderate dose changes → info: the metoprolol card drops to info and the invocation records the version', async () => {
    const row = cpicRow('metoprolol', { CYP2D6: cpicCall('CYP2D6', '*5/*5').lookupKey }, null).row;
    expect(row.strength).toBe('Moderate');
    const set: ThresholdSet = {
      ...DEFAULT_THRESHOLDS,
      version: 'panel-moderate-info',
      interruption: {
        ...DEFAULT_THRESHOLDS.interruption,
        Moderate: { ...DEFAULT_THRESHOLDS.interruption.Moderate, 'adjust-dose': 'info' },
      },
    };
    t = await appWith(set);
    const card = await oneCard(t, 'pgx-order-sign', metoprololPm());
    expect(card.indicator).toBe('info');
    expect(issue5Indicator(row.strength, false)).toBe('warning'); // what the defaults give
    const recorded = (await t.store.invocations.findByCard(card.uuid!))?.cards.find(
      (c) => c.uuid === card.uuid,
    );
    expect(recorded).toMatchObject({ indicator: 'info', thresholdVersion: 'panel-moderate-info' });
    expect(card.detail).toContain('panel-moderate-info');
  });

  it('patient-view lists the phenotypes the published thresholds call actionable', async () => {
    // The defaults follow CPIC's EHR priority: a CYP2C19 normal metabolizer alone makes no card (see patient-view).
    expect(cpicCall('CYP2C19', '*1/*1').phenotype).toBe('Normal Metabolizer');
    t = await appWith({
      ...DEFAULT_THRESHOLDS,
      version: 'panel-cyp2c19-nm-actionable',
      actionablePhenotypes: {
        ...DEFAULT_THRESHOLDS.actionablePhenotypes,
        additional: { CYP2C19: ['Normal Metabolizer'] },
      },
    });
    const card = await oneCard(t, 'pgx-patient-view', {
      hookInstance: randomUUID(),
      hook: 'patient-view',
      context: { userId: 'Practitioner/COREPRACTITIONER1', patientId: PATIENT_ID },
      prefetch: { patient: PATIENT, pgx: bundle(results('CYP2C19 *1/*1')), medications: bundle([]) },
    });
    expect(card.summary).toContain('CYP2C19 Normal Metabolizer');
    expect(card.detail).toContain('panel-cyp2c19-nm-actionable');
  });

  it('R1 resting-HR cut-off 60 → 52 /min: a week at a median of 55 /min no longer raises the card', async () => {
    const set: ThresholdSet = {
      ...DEFAULT_THRESHOLDS,
      version: 'panel-r1-52',
      sensorRules: DEFAULT_THRESHOLDS.sensorRules.map((rule) =>
        rule.id === 'R1-metoprolol-resting-hr'
          ? {
              ...rule,
              triggers: rule.triggers.map((trigger) =>
                trigger.id === 'resting-hr-below-60' ? { ...trigger, value: 52 } : trigger,
              ),
            }
          : rule,
      ),
    };
    expect(median(LOW_RESTING_HR)).toBeGreaterThanOrEqual(52);
    const defaults = await startTestApp();
    try {
      const raised = await oneCard(
        defaults,
        'pgx-order-sign',
        metoprololPm(restingHeartRate(LOW_RESTING_HR, 6)),
      );
      expect(raised.indicator).toBe('critical');
    } finally {
      await defaults.close();
    }
    t = await appWith(set);
    const card = await oneCard(t, 'pgx-order-sign', metoprololPm(restingHeartRate(LOW_RESTING_HR, 6)));
    expect(card.indicator).toBe('warning');
    const recorded = (await t.store.invocations.findByCard(card.uuid!))?.cards.find(
      (c) => c.uuid === card.uuid,
    );
    expect(recorded?.thresholdVersion).toBe('panel-r1-52');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// order-select
// ---------------------------------------------------------------------------------------------------------------

describe('order-select', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  /** The sandbox gives every draft order the same id; `orderId` lets a test vary it. */
  function orderSelect(patientId: string, orderId: string): JsonObject {
    const clopidogrel = {
      ...draftOrder('clopidogrel'),
      id: orderId,
      subject: { reference: `Patient/${patientId}` },
    };
    return {
      hookInstance: randomUUID(),
      hook: 'order-select',
      context: {
        userId: 'Practitioner/COREPRACTITIONER1',
        patientId,
        selections: [`MedicationRequest/${orderId}`],
        // codeine is another draft on the same order sheet: context, not advised on.
        draftOrders: draftOrdersBundle([clopidogrel, draftOrder('codeine')]),
      },
      prefetch: {
        patient: { ...PATIENT, id: patientId },
        pgx: bundle(results('CYP2C19 *2/*2', 'CYP2D6 *1/*1x2')),
      },
    };
  }

  it('advises on the selections only; the same user on the same order keeps the same card', async () => {
    const first = await oneCard(t, 'pgx-order-select', orderSelect(PATIENT_ID, 'request-123'));
    expect(first.summary).toMatch(/clopidogrel/);
    expect(first.summary).not.toMatch(/codeine/);
    const { row } = cpicRow(
      'clopidogrel',
      { CYP2C19: cpicCall('CYP2C19', '*2/*2').lookupKey },
      'CVI ACS PCI',
    );
    expect(quotedText(first.detail)).toContain(row.recommendation);

    // The next field change: the same card, same uuid (the EHR can tell it is the same card).
    const again = await call(t, 'pgx-order-select', orderSelect(PATIENT_ID, 'request-123'));
    expect(again.status).toBe(200);
    expect(again.cards.map(withoutPageLinks)).toEqual([withoutPageLinks(first)]);
    // Another draft order sees the advice too, as its own card.
    const otherOrder = await oneCard(t, 'pgx-order-select', orderSelect(PATIENT_ID, 'request-456'));
    expect(otherOrder.summary).toBe(first.summary);
    expect(otherOrder.uuid).not.toBe(first.uuid);

    const otherPatient = await oneCard(
      t,
      'pgx-order-select',
      orderSelect('smart-other-patient', 'request-123'),
    );
    expect(otherPatient.summary).toBe(first.summary);
    expect(otherPatient.indicator).toBe(first.indicator);
  });

  it('the sandbox’s initial empty order answers {"cards": []}', async () => {
    const res = await request(t.app)
      .post('/cds-services/pgx-order-select')
      .send(sandboxRequest('sandbox-order-select-empty.json', undefined));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cards: [] });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// patient-view
// ---------------------------------------------------------------------------------------------------------------

describe('patient-view', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  function patientView(pgx: readonly JsonObject[], medications: readonly JsonObject[] = []): JsonObject {
    return {
      hookInstance: randomUUID(),
      hook: 'patient-view',
      context: { userId: 'Practitioner/COREPRACTITIONER1', patientId: PATIENT_ID },
      prefetch: { patient: PATIENT, pgx: bundle(pgx), medications: bundle(medications) },
    };
  }

  it('actionable phenotypes and an active medication with a PGx issue: one info summary card', async () => {
    const simvastatin = { ...draftOrder('simvastatin'), id: 'active-simvastatin', status: 'active' };
    const card = await oneCard(
      t,
      'pgx-patient-view',
      patientView(results('CYP2C19 *2/*2', 'CYP2D6 *5/*5', 'SLCO1B1 *1/*5'), [simvastatin]),
    );
    expect(card.indicator).toBe('info');
    expect(card.summary.length).toBeLessThan(140);
    const detail = rendered(card.detail);
    for (const [gene, diplotype] of [
      ['CYP2C19', '*2/*2'],
      ['CYP2D6', '*5/*5'],
      ['SLCO1B1', '*1/*5'],
    ] as const) {
      expect(detail).toContain(`${gene} ${cpicCall(gene, diplotype).phenotype}`);
    }
    expect(card.summary).toMatch(/simvastatin/);
    const { row, guideline } = cpicRow(
      'simvastatin',
      { SLCO1B1: cpicCall('SLCO1B1', '*1/*5').lookupKey },
      'general',
    );
    expect(detail).toContain(row.recommendation);
    expect(card.links).toContainEqual(
      expect.objectContaining({ url: guidelineUrl(guideline), type: 'absolute' }),
    );
  });

  it('normal results only: no card', async () => {
    expect(cpicCall('CYP2C19', '*1/*1').phenotype).toBe('Normal Metabolizer');
    const { status, cards } = await call(t, 'pgx-patient-view', patientView(results('CYP2C19 *1/*1')));
    expect(status).toBe(200);
    expect(cards).toEqual([]);
  });

  it('a result CPIC now interprets differently from the laboratory is named as a re-interpretation', async () => {
    // The 2015 report called CYP2C19 *1/*17 a normal metabolizer (LOINC LA25391-6); CPIC's table says otherwise.
    const cpic = cpicCall('CYP2C19', '*1/*17').phenotype;
    expect(cpic).not.toBe('Normal Metabolizer');
    const card = await oneCard(t, 'pgx-patient-view', patientView(results('CYP2C19 *1/*17 reported normal')));
    const detail = rendered(card.detail);
    expect(detail).toContain(`CYP2C19 ${cpic}`);
    // One sentence: what the laboratory reported and what CPIC's tables translate the genotype as.
    expect(detail).toContain(
      `The laboratory reported Normal Metabolizer; CPIC's tables translate CYP2C19 *1/*17 as ${cpic}, and the advice follows CPIC.`,
    );
  });
});
