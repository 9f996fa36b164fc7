/**
 * The clinician dashboard's JSON (issue 12 item 4) for the demo patients: `GET /app/api/patients` and
 * `GET /app/api/patients/{id}` give the PGx results with CPIC priority and re-interpretation, every active and draft
 * medication with the findings the cards come from, sensor trends with the live thresholds, and the AGP. Expected
 * values come from the demo index (`demo/index.json`, which says what each patient shows) and CPIC's own terms.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Card } from '../../src/cds/types';
import type { OperationOutcome } from 'fhir/r4';
import type { DemoPatientList, PatientExplanationView } from '../../src/dashboard/contract';
import { explanationText } from '../../src/dashboard/explanation';
import { fleschKincaid } from '../../src/dashboard/readability';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import type { DashboardView } from '../../src/dashboard/view';
import { cpicCall, cpicGene, cpicRow, cpicRows } from '../reference';
import { sandboxRequest } from '../helpers/cds';

describe('dashboard API over the demo patients', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ demo: true });
  });
  afterAll(async () => {
    await t.close();
  });

  async function view(id: string): Promise<DashboardView> {
    const res = await request(t.app).get(`/app/api/patients/${id}`).expect(200);
    return res.body as DashboardView;
  }

  it('lists the demo patients for the picker, with where the CDS Hooks sandbox finds this service', async () => {
    const res = await request(t.app).get('/app/api/patients').expect(200);
    const list = res.body as DemoPatientList;
    expect(list.patients.length).toBeGreaterThanOrEqual(12);
    expect(list.patients).toContainEqual(
      expect.objectContaining({ id: 'demo-cyp2c19-pm', name: 'Alma Reyes' }),
    );
    // PUBLIC_BASE_URL by default: the address `npm start` serves.
    expect(list.sandbox).toEqual({
      discoveryUrl: 'http://localhost:3000/cds-services',
      fhirServer: 'http://localhost:3000/demo/fhir',
    });
  });

  it('sends a browser opening the service address to the dashboard', async () => {
    const res = await request(t.app).get('/').expect(302);
    expect(res.headers.location).toBe('/app');
  });

  it('shows a poor metabolizer with CPIC priority and the draft order finding', async () => {
    const v = await view('demo-cyp2c19-pm');
    expect(v.patient.name).toBe('Alma Reyes');
    expect(v.results).toContainEqual(
      expect.objectContaining({
        gene: 'CYP2C19',
        diplotype: '*2/*2',
        phenotype: 'Poor Metabolizer',
        priority: cpicGene('CYP2C19').ehrPriority?.['Poor Metabolizer'],
        // The genotype was called with PharmCAT's CYP2C19 definitions of 2025-11-05 (genes.json dataVersion).
        calledWith: 'called with CPIC allele functions of 5 Nov 2025',
      }),
    );
    const clopidogrel = v.medications.find((m) => /clopidogrel/i.test(m.display));
    expect(clopidogrel?.status).toBe('draft');
    expect(clopidogrel?.findings[0]).toMatchObject({ drug: 'clopidogrel', action: 'avoid' });
    const texts = cpicRows('clopidogrel', { CYP2C19: 'Poor Metabolizer' }).map((r) => r.row.recommendation);
    expect(texts).toContain(clopidogrel?.findings[0]?.recommendation);
    // The order does not say the indication: CPIC's rows for the other populations follow, each once.
    const others = clopidogrel?.findings[0]?.otherRows;
    expect(others?.byPopulation).toBe(true);
    expect(
      [clopidogrel?.findings[0]?.recommendation, ...(others?.rows ?? []).map((r) => r.recommendation)].sort(),
    ).toEqual([...texts].sort());
  });

  it('lists the alternatives CPIC names with what CPIC advises for each with the same result', async () => {
    const v = await view('demo-cyp2c9-pm-nsaid');
    const meloxicam = v.medications.find((m) => /meloxicam/i.test(m.display));
    const finding = meloxicam?.findings[0];
    expect(finding).toMatchObject({ drug: 'meloxicam', action: 'avoid' });
    const key = { CYP2C9: cpicCall('CYP2C9', '*3/*3').lookupKey };
    expect(finding?.alternatives).toHaveLength(4);
    for (const line of finding?.alternatives ?? []) {
      const drug = /^(\w+) /.exec(line)?.[1] ?? '';
      const dose = /\d+-\d+% of the lowest recommended starting dose/.exec(
        cpicRow(drug, key).row.recommendation,
      )?.[0];
      expect(line).toBe(`${drug} (CPIC for ${drug} with this result: "${dose ?? ''}")`);
    }
  });

  it('never tells the patient a result the unreported copy number leaves open', async () => {
    const v = await view('demo-cyp2d6-copies');
    expect(v.results).toContainEqual(expect.objectContaining({ gene: 'CYP2D6', phenotype: 'Indeterminate' }));
    const codeine = v.medications.find((m) => /codeine/i.test(m.display))?.findings[0];
    // The card leads with CPIC's row for the Ultrarapid reading (*4/*1x≥3, activity score ≥3.0).
    expect(codeine?.recommendation).toBe(cpicRow('codeine', { CYP2D6: '≥3.0' }).row.recommendation);
    expect(codeine?.explanation?.meaning.map((s) => s.text)).toEqual([
      'Your test could not give one clear answer for this gene. The advice here follows the safer answer.',
    ]);
    // The box for the prescriber says the result as the card does ("Normal or Ultrarapid Metabolizer"), not
    // "→ Indeterminate" beside a card that says what the result may be.
    expect(codeine?.summary).toContain('CYP2D6 Normal or Ultrarapid Metabolizer');
    expect(codeine?.explanation?.forClinician?.results).toEqual([
      expect.stringMatching(/^CYP2D6 \*4\/\*1xN → Normal or Ultrarapid Metabolizer; /),
    ]);
  });

  it('draws the resting heart rate with the metoprolol limit and marks freshness', async () => {
    const v = await view('demo-cyp2d6-pm-low-hr');
    const hr = v.sensors.find((s) => s.id === 'resting-heart-rate');
    expect(hr?.lines[0]?.points.length).toBeGreaterThan(10);
    // The default set's metoprolol rule (CYP2D6 poor and intermediate metabolizers): each line says what it does.
    // Each names the readings it holds for, so the page's table can say which are beyond it: a range on its first line.
    const below = { operator: 'lessThan' };
    expect(hr?.thresholds).toEqual([
      { value: 60, label: 'metoprolol: below 60/min raises the alert', effect: 'raise', applies: below },
      {
        value: 50,
        label: 'metoprolol: below 50/min raises the alert two steps',
        effect: 'raise',
        applies: below,
      },
      // 2026-12-03 defaults: below 40/min raises it also on too few days of data (research §2.4).
      {
        value: 40,
        label: 'metoprolol: below 40/min raises the alert two steps',
        effect: 'raise',
        applies: below,
      },
      {
        value: 65,
        label: 'metoprolol: 65–80/min may lower the alert',
        effect: 'lower',
        applies: { operator: 'greaterThanInclusive', upTo: 80 },
      },
      { value: 80, label: 'metoprolol: 65–80/min may lower the alert (upper end)', effect: 'lower' },
    ]);
    expect(hr?.stale).toBe(false);
  });

  it("charts the warfarin patient's home INR with the limit that raised the alert", async () => {
    const v = await view('demo-warfarin-inr');
    const inr = v.sensors.find((s) => s.id === 'inr');
    expect(inr).toMatchObject({ label: 'Home INR', unit: 'INR', stale: false });
    expect(inr?.lines[0]?.points.length).toBeGreaterThan(0);
    // The default set's warfarin rule: latest home INR above 4 raises the alert.
    expect(inr?.thresholds.map((l) => l.value)).toContain(4);
    expect(inr?.thresholds[0]?.label).toMatch(/^warfarin: /);
    // The latest reading the chart ends on is the one the card reads (4.4 in the demo data).
    expect(inr?.lines[0]?.points.at(-1)?.[1]).toBeCloseTo(4.4, 1);
  });

  it('labels every chart with its unit as people write it, never a UCUM code', async () => {
    const v = await view('demo-cyp2c19-pm');
    const units = Object.fromEntries(v.sensors.map((s) => [s.id, s.unit]));
    expect(units['home-bp']).toBe('mmHg');
    expect(Object.values(units).filter((u) => /[[\]{}]/.test(u))).toEqual([]);
  });

  it('charts daily steps and sleep from daily summary Observations, one value per day', async () => {
    const v = await view('demo-slco1b1-steps');
    for (const id of ['steps', 'sleep'] as const) {
      const series = v.sensors.find((s) => s.id === id);
      const days = series?.lines[0]?.points.map((p) => new Date(p[0]).toISOString().slice(0, 10)) ?? [];
      expect([id, days.length > 7]).toEqual([id, true]);
      expect(new Set(days).size).toBe(days.length);
    }
  });

  it('gives the AGP of the CGM patient over 14 days', async () => {
    const v = await view('demo-cyp2c9-cgm');
    expect(v.agp?.days).toBe(14);
    expect(v.agp?.profile).toHaveLength(24);
    const tir = v.agp!.timeInRanges;
    expect(tir.veryLow + tir.low + tir.inRange + tir.high + tir.veryHigh).toBeCloseTo(100, 6);
    expect(v.agp?.gmiPercent).toBeCloseTo(3.31 + 0.02392 * v.agp!.meanMgdl, 6);
  });

  it('lists on a patient page the other medicines the same result calls for avoiding or a dose change for', async () => {
    const page = async (path: string) =>
      ((await request(t.app).get(`/app/api/patients/${path}`).expect(200)).body as PatientExplanationView)
        .explanation;
    // CYP2D6 ultrarapid: CPIC advises avoiding tramadol as well as codeine; a dentist may prescribe either.
    const { phenotype, lookupKey } = cpicCall('CYP2D6', '*1/*1x2');
    expect(phenotype).toBe('Ultrarapid Metabolizer');
    const [tramadolRow] = cpicRows('tramadol', { CYP2D6: lookupKey });
    expect(tramadolRow?.row.recommendation).toMatch(/^Avoid tramadol use/);
    const codeine = await page('demo-cyp2d6-um/explanations/codeine');
    const avoided = codeine.otherMedicines?.find(
      (o) => o.advice === 'Your doctor will likely choose a different medicine for you.',
    );
    expect(avoided?.drugs).toContain('tramadol');
    expect(avoided?.drugs).toEqual([...(avoided?.drugs ?? [])].sort());
    // Each advice once, and the page's own medicine not among the others.
    const advice = (codeine.otherMedicines ?? []).map((o) => o.advice);
    expect(new Set(advice).size).toBe(advice.length);
    expect((codeine.otherMedicines ?? []).flatMap((o) => o.drugs)).not.toContain('codeine');
    // CYP2C19 poor metabolizer: sertraline at half the dose (CPIC "Consider ... 50% reduction"), voriconazole avoided;
    // a drug CPIC gives standard advice for at this result (a PPI's initial dose) is not listed.
    const clopidogrel = await page('demo-cyp2c19-pm/explanations/clopidogrel');
    expect(clopidogrel.otherMedicines).toContainEqual({
      drugs: ['sertraline'],
      advice: 'Your doctor may give you a smaller dose, about 50 percent of the usual dose.',
    });
    const named = (clopidogrel.otherMedicines ?? []).flatMap((o) => o.drugs);
    expect(named).toContain('voriconazole');
    expect(named).not.toContain('pantoprazole');
  });

  it('shows a re-interpreted result as such', async () => {
    const v = await view('demo-reinterpreted');
    expect(v.results.some((r) => r.reinterpreted && r.reportedPhenotype !== undefined)).toBe(true);
    // In one sentence: what the laboratory reported, what CPIC's tables translate the genotype as.
    const reinterpreted = v.results.find((r) => r.reinterpreted);
    expect(reinterpreted?.reinterpretation).toBe(
      `The laboratory reported ${reinterpreted?.reportedPhenotype ?? ''}; CPIC's tables translate ${reinterpreted?.gene ?? ''} ${reinterpreted?.diplotype ?? ''} as ${reinterpreted?.phenotype ?? ''}, and the advice follows CPIC.`,
    );
  });

  it('gives the patient explanation of the CPIC row for a medicine, in plain words', async () => {
    const res = await request(t.app)
      .get('/app/api/patients/demo-cyp2c19-pm/explanations/clopidogrel')
      .expect(200);
    const body = res.body as PatientExplanationView;
    expect(body.patient.name).toBe('Alma Reyes');
    expect(body.explanation.title).toBe('Your CYP2C19 result and clopidogrel');
    // The Poor Metabolizer row asks to avoid clopidogrel (CPIC): the advice says so first.
    expect(body.explanation.advice[0]).toEqual({
      text: 'Your doctor will likely choose a different medicine for you.',
      source: 'recommendation',
    });
    expect(body.explanation.meaning.map((s) => s.source)).toContain('implication');
    // Then what to do: ask before stopping or changing it, keep the page, and show it to everyone who prescribes.
    expect(body.explanation.whatToDo[0]).toBe(
      'Ask your doctor or pharmacist before you stop or change any medicine.',
    );
    expect(body.explanation.whatToDo).toContain(
      'Keep this page. Show it to every doctor, dentist and pharmacist who gives you a medicine.',
    );
    // And what that prescriber needs, in CPIC's words: the demo patient's CYP2C19 *2/*2 result, the row it gives.
    const { phenotype } = cpicCall('CYP2C19', '*2/*2');
    const note = body.explanation.forClinician;
    expect(note?.results).toEqual([
      expect.stringMatching(new RegExp(`^CYP2C19 \\*2/\\*2 → ${phenotype}; from a genotype \\(`)),
    ]);
    expect(cpicRows('clopidogrel', { CYP2C19: phenotype }).map((r) => r.row.recommendation)).toContain(
      note?.recommendation,
    );
    expect(note?.guideline).toBe('CYP2C19 and Clopidogrel');
    expect(note?.about).toMatch(/^CPIC (Strong|Moderate)/);
    // With the date of the allele functions the genotype was called with, as the card's last line says it.
    expect(note?.knowledge).toMatch(
      /^CPIC data of \d{1,2} [A-Z][a-z]{2} \d{4} \(CYP2C19 allele functions of \d{1,2} [A-Z][a-z]{2} \d{4}\)$/,
    );
    // The plain-language part stays free of the clinician's terms; only the box has them.
    expect(explanationText(body.explanation)).not.toMatch(/Metabolizer|\*2/);
    expect(fleschKincaid(explanationText(body.explanation)).grade).toBeLessThanOrEqual(8);
    expect(await request(t.app).get('/app/api/patients/demo-cyp2c19-pm/explanations/warfarin')).toBeOutcome(
      404,
      'DASHBOARD_NO_EXPLANATION',
    );
  });

  it.each([
    // CPIC's warfarin advice is its figure (a dose calculated with a pharmacogenetic algorithm), with no row.
    ['demo-warfarin-inr', 'warfarin', /dose that a doctor or pharmacist works out .* published formula/],
    // Two CYP2C19 results that disagree: no row until the laboratory says which is right.
    [
      'demo-conflict',
      'clopidogrel',
      /results on file disagree\. The laboratory has to say which one is right/,
    ],
    // Glipizide's advice is a safety rule, not CPIC's.
    ['demo-cyp2c9-cgm', 'glipizide', /safety rule of this service, not from a CPIC guideline/],
  ])('says why %s has no patient explanation of %s, apart from an unknown patient', async (id, drug, why) => {
    const res = await request(t.app).get(`/app/api/patients/${id}/explanations/${drug}`);
    // Before, "The demo FHIR server has no such resource." (DEMO_NOT_FOUND), as for a patient that does not exist.
    expect(res).toBeOutcome(404, 'DASHBOARD_NO_EXPLANATION');
    const outcome = res.body as OperationOutcome;
    expect(outcome.issue[0]?.details?.text).toBe(
      'There is no plain-language page for this medicine and patient.',
    );
    expect(outcome.issue[0]?.diagnostics).toMatch(why);
    expect(await request(t.app).get(`/app/api/patients/no-such-patient/explanations/${drug}`)).toBeOutcome(
      404,
      'DEMO_NOT_FOUND',
    );
  });

  it("links a demo patient's cards to that patient's demo dashboard, which a browser opens as is", async () => {
    const draft = t.deps
      .demo!.ofType('MedicationRequest')
      .find((m) => m.id === 'demo-cyp2c19-pm-draft-clopidogrel');
    expect(draft).toBeDefined();
    const res = await request(t.app)
      .post('/cds-services/pgx-order-sign')
      .send({
        hookInstance: randomUUID(),
        hook: 'order-sign',
        fhirServer: `${t.deps.config.publicBaseUrl}/demo/fhir`,
        context: {
          userId: 'Practitioner/1',
          patientId: 'demo-cyp2c19-pm',
          draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: draft }] },
        },
      })
      .expect(200);
    expect(res.body).toBeSpecValid();
    const [card] = (res.body as { cards: Card[] }).cards;
    // The demo endpoint is an open server without SMART authorisation: a smart link could not be launched there.
    expect(card?.links).toContainEqual({
      label: 'Open the pharmacogenomic dashboard',
      url: `${t.deps.config.publicBaseUrl}/app?patient=demo-cyp2c19-pm`,
      type: 'absolute',
    });
  });

  it("gives the cards of an EHR's patient a smart link launching the dashboard", async () => {
    const res = await request(t.app)
      .post('/cds-services/pgx-order-sign')
      .send(sandboxRequest('sandbox-order-sign-clopidogrel.json', undefined))
      .expect(200);
    const [card] = (res.body as { cards: Card[] }).cards;
    expect(card?.links).toContainEqual({
      label: 'Open the pharmacogenomic dashboard',
      url: `${t.deps.config.publicBaseUrl}/app/launch`,
      type: 'smart',
    });
  });

  it('answers an unknown patient with a 404 OperationOutcome', async () => {
    expect(await request(t.app).get('/app/api/patients/nobody')).toBeOutcome(404, 'DEMO_NOT_FOUND');
    // An API path that names nothing is a 404 too, never the page.
    expect((await request(t.app).get('/app/api/nothing')).status).toBe(404);
  });
});
