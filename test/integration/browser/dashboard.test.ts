/**
 * The clinician dashboard (issue 12 item 4) in a headless Chromium, launched standalone over the demo endpoint for
 * three demo patients: genotypes, charts with the live threshold lines, the AGP and the medication findings; the
 * picker; the printable patient explanation; no request leaves this origin. Expected values come from the demo index and the CPIC data set.
 */
import type { Server } from 'node:http';
import type { Browser, Locator, Page } from 'playwright-core';
import { startTestApp } from '../../helpers/app';
import type { TestApp } from '../../helpers/app';
import { buildWebBundle, launchBrowser, screenshot } from '../../helpers/browser';
import { freePort } from '../../helpers/http';
import { cpicGene, cpicRow, guidelineUrl } from '../../reference';

// Building the bundle and starting a browser take seconds on a busy machine; no step's duration is asserted.
jest.setTimeout(90_000);

describe('clinician dashboard in a browser', () => {
  let t: TestApp;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let base: string;
  const requested: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    const [webRoot, port] = await Promise.all([buildWebBundle(), freePort()]);
    base = `http://127.0.0.1:${port}`;
    t = await startTestApp({ demo: true, env: { PUBLIC_BASE_URL: base, LOG_LEVEL: 'silent' }, webRoot });
    await new Promise<void>((resolve) => {
      server = t.app.listen(port, '127.0.0.1', () => {
        resolve();
      });
    });
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    page = await context.newPage();
    page.on('request', (r) => requested.push(r.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
  });
  afterAll(async () => {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  it('lists the demo patients, each with a link opening it in the CDS Hooks sandbox', async () => {
    await page.goto(`${base}/`);
    await page.getByRole('heading', { level: 1, name: 'Pharmacogenomic dashboard' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/app');
    expect(await page.getByRole('link', { name: 'Alma Reyes', exact: true }).count()).toBe(1);
    const sandbox = page.getByRole('link', { name: 'Alma Reyes in the CDS Hooks sandbox' });
    const href = new URL((await sandbox.getAttribute('href')) ?? '');
    expect(href.origin).toBe('https://sandbox.cds-hooks.org');
    expect(Object.fromEntries(href.searchParams)).toEqual({
      serviceDiscoveryURL: `${base}/cds-services`,
      fhirServiceUrl: `${base}/demo/fhir`,
      patientId: 'demo-cyp2c19-pm',
    });
    expect(await sandbox.getAttribute('target')).toBe('_blank');
    await screenshot(page, 'dashboard-0-picker');
  });

  it('shows a CYP2D6 poor metabolizer with the resting heart rate and the metoprolol limit', async () => {
    await page.goto(`${base}/app?patient=demo-cyp2d6-pm-low-hr`);
    await page.getByRole('heading', { level: 1, name: 'Walter Nguyen' }).waitFor();
    // The patient's name in the title: two patients in two tabs are told apart (SC 2.4.2).
    expect(await page.title()).toBe('Walter Nguyen – Pharmacogenomic dashboard');
    const results = page.getByRole('table').first();
    const row = results.getByRole('row', { name: /CYP2D6/ });
    expect(await row.textContent()).toContain('*5/*5');
    expect(await row.textContent()).toContain('Poor Metabolizer');
    expect(await row.textContent()).toContain(cpicGene('CYP2D6').ehrPriority?.['Poor Metabolizer']);
    await page.getByRole('heading', { level: 3, name: /metoprolol/ }).waitFor();
    // The guideline link says what it is, by CPIC's title without the data set's "Annotation of CPIC Guideline for".
    const guideline = page.getByRole('link', { name: 'CPIC guideline: metoprolol and CYP2D6' });
    expect(await guideline.getAttribute('href')).toBe(guidelineUrl('metoprolol'));
    const figure = page.getByRole('figure', { name: 'Resting heart rate chart' });
    expect(await figure.textContent()).toContain('metoprolol: below 60/min raises the alert');
    // Limits that raise the alert and the range that may lower it are drawn differently, and the caption says how.
    expect(await figure.locator('figcaption').innerText()).toBe(
      'Resting heart rate · red dashes raise the alert; green dots may lower it (each named below the chart)',
    );
    expect(await figure.locator('canvas').count()).toBe(1);
    // The dashed limit is a series of the chart: its legend lists it, without uPlot's "--" for no value under the cursor.
    const legend = await figure.locator('.chart-legend').textContent();
    expect(legend).toContain('metoprolol: below 60/min raises the alert');
    expect(legend).not.toContain('--');
    expect(await figure.textContent()).toMatch(/Latest: \d+(\.\d)?\/min\. Newest reading/);
    expect(await figure.textContent()).toContain('(current)');
    await screenshot(page, 'dashboard-1-cyp2d6-hr');
  });

  it('draws the page and its charts when the browser reports a POSIX locale', async () => {
    // Chromium on a Linux desktop whose locale is C or POSIX reports "en-US@posix", which is not a language tag
    // `Intl` accepts; the chart library used to throw on it as it loaded, leaving the page blank.
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    // Browser code: this project's TypeScript has no DOM library, so the page's globals are named by hand.
    await context.addInitScript(() => {
      const { Navigator } = globalThis as unknown as { Navigator: { prototype: object } };
      Object.defineProperty(Navigator.prototype, 'language', {
        get: () => 'en-US@posix',
        configurable: true,
      });
    });
    const posix = await context.newPage();
    const posixErrors: string[] = [];
    posix.on('pageerror', (e) => posixErrors.push(e.message));
    await posix.goto(`${base}/app?patient=demo-cyp2d6-pm-low-hr`);
    await posix.getByRole('heading', { level: 1, name: 'Walter Nguyen' }).waitFor();
    const figure = posix.getByRole('figure', { name: 'Resting heart rate chart' });
    expect(await figure.locator('canvas').count()).toBe(1);
    expect(
      await posix.evaluate(
        () => (globalThis as unknown as { navigator: { language: string } }).navigator.language,
      ),
    ).toBe('en-US');
    expect(posixErrors).toEqual([]);
    // Only the page: the packaged single-process Chromium goes down with a closed context.
    await posix.close();
  });

  it('shows the birth date as written, for a reader west of UTC too', async () => {
    // The demo patient was born on 1951-09-30 (a FHIR date: no time, no zone). Read as midnight UTC, Los Angeles
    // would see 29 Sept: a birth date a day early misidentifies a patient.
    const context = await browser.newContext({
      viewport: { width: 1366, height: 768 },
      locale: 'en-GB',
      timezoneId: 'America/Los_Angeles',
    });
    const west = await context.newPage();
    await west.goto(`${base}/app?patient=demo-cyp2d6-pm-low-hr`);
    await west.getByRole('heading', { level: 1, name: 'Walter Nguyen' }).waitFor();
    expect(await west.locator('main').innerText()).toContain('Born 30 Sept 1951');
    // Only the page: the packaged single-process Chromium goes down with a closed context.
    await west.close();
  });

  it('shows the CGM patient with the AGP and the glipizide finding', async () => {
    await page.goto(`${base}/app?patient=demo-cyp2c9-cgm`);
    await page.getByRole('heading', { level: 2, name: 'Ambulatory Glucose Profile' }).waitFor();
    const tir = page.getByRole('table', { name: /Time in ranges/ });
    expect(await tir.getByRole('row', { name: /In range, 70–180 mg\/dL/ }).textContent()).toMatch(
      /\d+\.\d %/,
    );
    expect(await tir.getByRole('row', { name: /Glucose management indicator/ }).count()).toBe(1);
    const agp = page.getByRole('figure', { name: 'Ambulatory glucose profile chart' });
    expect(await agp.locator('canvas').count()).toBe(1);
    expect(await agp.locator('.chart-legend').textContent()).toContain('Target range 70–180 mg/dL');
    expect(
      await page
        .getByRole('row', { name: /CYP2C9/ })
        .first()
        .textContent(),
    ).toContain('*1/*3');
    await page.getByRole('heading', { level: 3, name: /glipizide/ }).waitFor();
    for (const chart of ['Daily steps chart', 'Sleep chart']) {
      expect([chart, await page.getByRole('figure', { name: chart }).locator('canvas').count()]).toEqual([
        chart,
        1,
      ]);
    }
    await screenshot(page, 'dashboard-2-cgm-agp');
  });

  it('lists each alternative to meloxicam with what CPIC advises for it with the same result', async () => {
    await page.goto(`${base}/app?patient=demo-cyp2c9-pm-nsaid`);
    await page.getByRole('heading', { level: 1, name: 'Tomas Lindgren' }).waitFor();
    const meloxicam = page.locator('article', { has: page.getByRole('heading', { name: /meloxicam/ }) });
    const items = await meloxicam.getByRole('listitem').allTextContents();
    expect(items.filter((i) => / \(CPIC for \w+ with this result: "/.test(i))).toHaveLength(4);
    await screenshot(page, 'dashboard-6-alternatives');
  });

  it('opens the patient page of a result the unreported copy number leaves open, and says so', async () => {
    await page.goto(`${base}/app?patient=demo-cyp2d6-copies`);
    await page.getByRole('heading', { level: 1, name: 'Ines Lambert' }).waitFor();
    const codeine = page.locator('article', { has: page.getByRole('heading', { name: /codeine/ }) });
    const finding = await codeine.textContent();
    expect(finding).toContain('Ask the laboratory for the CYP2D6 copy number');
    expect(finding).toContain(cpicRow('codeine', { CYP2D6: '2.0' }).row.recommendation);
    // The recommendation led with says which result it is for, as the other row's label does.
    expect(finding).toContain(
      `CYP2D6 activity score ≥3.0: ${cpicRow('codeine', { CYP2D6: '≥3.0' }).row.recommendation}`,
    );
    await screenshot(page, 'dashboard-7-copy-number');
    await page.getByRole('link', { name: 'Patient explanation for codeine (printable)' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your CYP2D6 result and codeine' }).waitFor();
    const page1 = await page.locator('main').textContent();
    expect(page1).toContain('Your test could not give one clear answer for this gene.');
    expect(page1).not.toMatch(/much faster than most people/);
    // The prescriber the page is shown to reads which result the advice is for, and what to ask the laboratory.
    const box = await page.getByRole('region', { name: 'For your doctor or pharmacist' }).textContent();
    expect(box).toContain('(CPIC Strong; CYP2D6 activity score ≥3.0):');
    expect(box).toContain('Ask the laboratory for the CYP2D6 copy number');
    // "CPIC's recommendation for each is shown": the other row is, in the box too.
    expect(box).toContain(
      `CYP2D6 activity score 2.0 (CPIC Strong): ${cpicRow('codeine', { CYP2D6: '2.0' }).row.recommendation}`,
    );
    await screenshot(page, 'dashboard-8-copy-number-patient-page');
  });

  it('shows the clopidogrel finding and home blood pressure without limits of medicines not taken', async () => {
    await page.goto(`${base}/app?patient=demo-cyp2c19-pm`);
    await page.getByRole('heading', { level: 1, name: 'Alma Reyes' }).waitFor();
    expect(
      await page
        .getByRole('row', { name: /CYP2C19/ })
        .first()
        .textContent(),
    ).toContain('*2/*2');
    const clopidogrel = page.locator('article', { has: page.getByRole('heading', { name: /clopidogrel/ }) });
    expect(await clopidogrel.textContent()).toContain('Avoid');
    // CPIC's non-ACS, non-PCI row repeats the ACS and/or PCI row, not the neurovascular row listed before it.
    expect(await clopidogrel.getByRole('listitem').allTextContents()).toContainEqual(
      'Non-ACS, non-PCI cardiovascular indications (CPIC Moderate): the same recommendation as for ACS and/or PCI.',
    );
    const bp = page.getByRole('figure', { name: 'Home blood pressure chart' });
    // Systolic and diastolic lines; no NSAID on file, so no rule's blood-pressure limit is drawn.
    expect(await bp.locator('.chart-legend').textContent()).toMatch(/Systolic.*Diastolic/);
    expect(await bp.textContent()).toContain('no rule limit applies');
    await screenshot(page, 'dashboard-3-cyp2c19-bp');
  });

  it('opens the patient explanation from the dashboard, and prints it without the controls', async () => {
    await page.goto(`${base}/app?patient=demo-cyp2c19-pm`);
    await page.getByRole('link', { name: 'Patient explanation for clopidogrel (printable)' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your CYP2C19 result and clopidogrel' }).waitFor();
    const advice = page.getByRole('region', { name: 'What this means for your medicine' });
    expect(await advice.locator('p[data-source="recommendation"]').count()).toBeGreaterThan(0);
    expect(await page.locator('footer').textContent()).toContain('CPIC');
    // What to do comes right after the advice, before the details, not only in the small footnote at the end.
    const whatToDo = page.getByRole('region', { name: 'What should I do?' });
    expect(await whatToDo.textContent()).toContain(
      'Ask your doctor or pharmacist before you stop or change any medicine.',
    );
    expect(await whatToDo.textContent()).toContain('Show it to every doctor, dentist and pharmacist');
    const headings = await page.getByRole('heading', { level: 2 }).allTextContents();
    expect(headings.slice(0, 4)).toEqual([
      'What this means for your medicine',
      'What should I do?',
      'What your result means',
      'Other medicines your result matters for',
    ]);
    expect(await page.locator('footer').textContent()).not.toContain('stop or change');
    // The other medicines the same CYP2C19 result matters for, before the prescriber's box.
    const others = page.getByRole('region', { name: 'Other medicines your result matters for' });
    const lines = await others.getByRole('listitem').allInnerTexts();
    expect(lines).toContain(
      'sertraline: Your doctor may give you a smaller dose, about 50 percent of the usual dose.',
    );
    expect(lines.find((l) => l.includes('voriconazole'))).toMatch(
      /, voriconazole: Your doctor will likely choose a different medicine for you\.$/,
    );
    // The genotype and CPIC's own words only in the box for the prescriber the page is shown to.
    const forClinician = page.getByRole('region', { name: 'For your doctor or pharmacist' });
    expect(await forClinician.textContent()).toContain('CYP2C19 *2/*2 → Poor Metabolizer');
    expect(await forClinician.locator('blockquote').textContent()).toContain('Avoid clopidogrel');
    // The order does not say the indication: the other patient groups' rows follow, as on the dashboard.
    expect(await forClinician.textContent()).toContain('Neurovascular indications (CPIC Moderate)');
    await screenshot(page, 'dashboard-4-patient-page');
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByRole('button', { name: 'Print this page' }).isVisible()).toBe(false);
    await screenshot(page, 'dashboard-5-patient-page-print');
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await page.emulateMedia({ media: 'screen' });
  });

  it('says why a medicine has no patient explanation, and leads back to the dashboard', async () => {
    const before = errors.length;
    await page.goto(`${base}/app/patient/demo-warfarin-inr/explain/warfarin`);
    const problem = page.getByRole('alert');
    await page
      .getByRole('heading', { level: 1, name: 'There is no plain-language page for this medicine' })
      .waitFor();
    // Not "The demo FHIR server has no such resource.": the patient exists, only the page is missing, and why.
    expect(await problem.textContent()).toContain('a dose that a doctor or pharmacist works out');
    expect(await problem.textContent()).not.toContain('no such resource');
    expect(await page.getByRole('link', { name: 'Back to the dashboard' }).getAttribute('href')).toBe(
      '/app?patient=demo-warfarin-inr',
    );
    await screenshot(page, 'dashboard-4b-no-explanation-warfarin');
    await page.goto(`${base}/app/patient/demo-conflict/explain/clopidogrel`);
    await page
      .getByRole('heading', { level: 1, name: 'There is no plain-language page for this medicine' })
      .waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('The gene test results on file disagree.');
    await screenshot(page, 'dashboard-4c-no-explanation-conflict');
    // The browser logs each 404 the page was answered (expected here); nothing else may be logged.
    expect(errors.splice(before)).toEqual([
      expect.stringContaining('status of 404'),
      expect.stringContaining('status of 404'),
    ]);
  });

  it("offers a patient explanation only where there is one: every demo patient's links open", async () => {
    const patients = (t.deps.demo?.index.patients ?? []).map((p) => p.id);
    expect(patients.length).toBeGreaterThan(10);
    const offered: string[] = [];
    for (const id of patients) {
      await page.goto(`${base}/app?patient=${id}`);
      await page.getByRole('heading', { level: 2, name: 'Medications and findings' }).waitFor();
      const links = page.getByRole('link', { name: /^Patient explanation for / });
      for (const link of await links.all()) {
        const href = (await link.getAttribute('href')) ?? '';
        offered.push(href);
        // The page behind each link reads this API; a link to an explanation the service cannot give is broken.
        const api = href.replace(/^\/app\/patient\/([^/]+)\/explain\//, '/app/api/patients/$1/explanations/');
        expect([href, (await page.request.get(`${base}${api}`)).status()]).toEqual([href, 200]);
      }
    }
    expect(offered).toContain('/app/patient/demo-cyp2c19-pm/explain/clopidogrel');
    // Warfarin's advice is CPIC's dosing figure, with no recommendation row to explain: no link.
    expect(offered.filter((href) => href.includes('demo-warfarin'))).toEqual([]);
    // Its boxes stay paragraphs: "…pharmacogenetic algorithms" and "For loading dose, …" never run together.
    await page.goto(`${base}/app?patient=demo-warfarin-inr`);
    const figure = page.locator('.cpic-text', { hasText: 'For loading dose' });
    expect(await figure.innerText()).toMatch(/pharmacogenetic algorithms\s*\n\s*For loading dose/);
    // The home INR that raised the alert is charted with its limit.
    await page.getByRole('figure', { name: /Home INR/ }).waitFor();
    await screenshot(page, 'dashboard-5-warfarin-inr');
  });

  it('fits a narrow frame (an EHR side panel, a phone) without pushing the page sideways', async () => {
    await page.goto(`${base}/app?patient=demo-cyp2c9-cgm`);
    await page.getByRole('heading', { level: 1, name: 'Marisol Fuentes' }).waitFor();
    const agp = page.getByRole('figure', { name: 'Ambulatory glucose profile chart' });
    await agp.locator('canvas').waitFor();
    const width = async (l: Locator): Promise<number> => (await l.boundingBox())?.width ?? Infinity;
    const right = async (l: Locator): Promise<number> => {
      const box = await l.boundingBox();
      return box ? box.x + box.width : Infinity;
    };
    const wide = await width(agp.locator('canvas'));
    // Narrowed while open, as a side panel is: the charts follow the frame's width.
    await page.setViewportSize({ width: 390, height: 844 });
    // The chart is resized after its frame is (a ResizeObserver): wait for it, within the test's time limit.
    while ((await width(agp.locator('canvas'))) >= wide) await page.waitForTimeout(50);
    // Nothing pushes the page sideways.
    const widths = await page.evaluate(() => {
      const { document, innerWidth } = globalThis as unknown as {
        readonly document: { readonly documentElement: { readonly scrollWidth: number } };
        readonly innerWidth: number;
      };
      return { page: document.documentElement.scrollWidth, window: innerWidth };
    });
    expect(widths.page).toBeLessThanOrEqual(widths.window);
    for (const figure of await page.getByRole('figure').all()) {
      expect(await right(figure.locator('canvas'))).toBeLessThanOrEqual(await right(figure));
    }
    // The results table scrolls in its own frame, which a keyboard can reach and a screen reader names.
    const results = page.getByRole('region', { name: 'Pharmacogenomic results table' });
    expect(await results.getAttribute('tabindex')).toBe('0');
    expect(await results.getByRole('row', { name: /CYP2C9/ }).count()).toBe(1);
    await screenshot(page, 'dashboard-10-narrow-frame');
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  it('gives the home blood pressure chart its readings as a table, by day, with those beyond its limits', async () => {
    await page.goto(`${base}/app?patient=demo-cyp2c9-pm-nsaid`);
    const bp = page.getByRole('figure', { name: 'Home blood pressure chart' });
    await bp.locator('canvas').waitFor();
    const api = (await (await page.request.get(`${base}/app/api/patients/demo-cyp2c9-pm-nsaid`)).json()) as {
      sensors: {
        id: string;
        lines: { name: string; points: [number, number][] }[];
        thresholds: { value: number; label: string }[];
      }[];
    };
    const series = api.sensors.find((s) => s.id === 'home-bp');
    const systolic = series?.lines.find((l) => l.name === 'Systolic')?.points ?? [];
    const limit = series?.thresholds.find((th) => /systolic/.test(th.label));
    expect(limit).toBeDefined();
    await bp.getByText('The figures as a table').click();
    const table = bp.getByRole('table');
    expect(await table.locator('thead th').allInnerTexts()).toEqual([
      'Day',
      'Systolic (mmHg)',
      'Diastolic (mmHg)',
      'Readings past a drawn line',
    ]);
    const rows = await table.locator('tbody tr').all();
    expect(rows.length).toBeGreaterThan(10);
    let named = 0;
    for (const row of rows) {
      const cells = await row.locator('th, td').allInnerTexts();
      // Days as the pages write them, never timestamps; each reading with its unit.
      expect(cells[0]).toMatch(/^\d{1,2} [A-Z][a-z]{2,3} \d{4}$/);
      expect(cells[1]).toMatch(/^(\d+(\.\d)?, )*\d+(\.\d)? mmHg$|^none$/);
      // The line's condition, then the day's readings beyond it: `systolic at or above 130: 145, 137 mmHg`; what the
      // limit does is said once, in the legend, not on every day.
      expect(cells[3]).not.toContain('raises the alert');
      const beyond = cells[3]?.split(`systolic at or above ${String(limit?.value)}: `)[1]?.split(' mmHg')[0];
      named += beyond ? beyond.split(', ').length : 0;
    }
    // Each systolic reading at or above the drawn systolic limit is named, and no other.
    expect(named).toBe(systolic.filter(([, v]) => v >= (limit?.value ?? Infinity)).length);
    expect(named).toBeGreaterThan(0);
    await screenshot(page, 'dashboard-11-bp-table');
  });

  it('has a legend that shows each line and does nothing when clicked', async () => {
    await page.goto(`${base}/app?patient=demo-cyp2c9-pm-nsaid`);
    const bp = page.getByRole('figure', { name: 'Home blood pressure chart' });
    const canvas = bp.locator('canvas');
    await canvas.waitFor();
    const before = await canvas.screenshot();
    // uPlot's own legend hid a line when its name was clicked, by mouse only, leaving the limit without its readings.
    await bp.getByText('Systolic', { exact: true }).click();
    await page.waitForTimeout(200);
    expect((await canvas.screenshot()).equals(before)).toBe(true);
    expect(await bp.locator('.u-legend').count()).toBe(0);
    expect(await bp.locator('.chart-legend li').allInnerTexts()).toEqual(
      expect.arrayContaining(['Systolic', 'Diastolic']),
    );
    // Nothing in the legend takes the keyboard's focus or is announced as a control.
    expect(
      await bp.locator('.chart-legend [tabindex], .chart-legend button, .chart-legend [role]').count(),
    ).toBe(0);
  });

  it('gives the glucose profile its hourly percentiles as a table, and lines told apart as on the trends', async () => {
    await page.goto(`${base}/app?patient=demo-cyp2c9-cgm`);
    const agp = page.getByRole('figure', { name: 'Ambulatory glucose profile chart' });
    await agp.locator('canvas').waitFor();
    await agp.getByText('The figures as a table').click();
    const table = agp.getByRole('table');
    expect(await table.locator('thead th').allInnerTexts()).toEqual([
      'Hour',
      '5th percentile',
      '25th percentile',
      'Median',
      '75th percentile',
      '95th percentile',
    ]);
    const rows = await table.locator('tbody tr').allInnerTexts();
    expect(rows).toHaveLength(24);
    expect(rows[0]).toMatch(/^00:00(\t\d+){5}$/);
    expect(rows[23]).toMatch(/^23:00(\t\d+){5}$/);
    // The legend draws each line with its colour and pattern.
    const sample = async (name: RegExp) => {
      const line = agp.locator('.chart-legend li', { hasText: name }).locator('svg line');
      return { stroke: await line.getAttribute('stroke'), dash: await line.getAttribute('stroke-dasharray') };
    };
    // Non-text contrast of the outer percentile lines against white: at least 3:1 (WCAG 1.4.11).
    const outer = await sample(/95th/);
    const channel = (c: number): number => {
      const v = c / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    const hex = parseInt((outer.stroke ?? '#ffffff').slice(1), 16);
    const lum =
      0.2126 * channel(hex >> 16) + 0.7152 * channel((hex >> 8) & 255) + 0.0722 * channel(hex & 255);
    expect(1.05 / (lum + 0.05)).toBeGreaterThanOrEqual(3);
    // One convention with the trend charts: red dashes raise the alert, green dots may lower it, grey dashes are
    // shown with it (the target range); not green dashes for the target and red dots for the rule.
    expect(await sample(/Target range/)).toEqual({ stroke: '#5f6368', dash: '6 4' });
    const limits = await agp.locator('.chart-legend li', { hasText: /glucose below/ }).allInnerTexts();
    expect(limits.length).toBeGreaterThan(0);
    for (const text of limits) {
      const drawn = await sample(new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      expect(drawn).toEqual(
        /raises the alert|counts toward the alert/.test(text) ? { stroke: '#a4161a', dash: '6 4' } : drawn,
      );
    }
    expect(await agp.locator('figcaption').innerText()).toContain('grey dashes: target range 70–180 mg/dL');
    await screenshot(page, 'dashboard-12-agp-table');
  });

  it('fits 320 px: no chart frame or table scrolls sideways, the time in ranges in view', async () => {
    await page.setViewportSize({ width: 320, height: 800 });
    for (const [patient, name] of [
      ['demo-cyp2c9-pm-nsaid', 'dashboard-13-320px-bp'],
      ['demo-cyp2c9-cgm', 'dashboard-14-320px-agp'],
    ] as const) {
      await page.goto(`${base}/app?patient=${patient}`);
      await page.locator('figure canvas').first().waitFor();
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(() => {
        const { document, innerWidth } = globalThis as unknown as {
          readonly document: {
            readonly documentElement: { readonly scrollWidth: number };
            querySelectorAll(s: string): ArrayLike<{ scrollWidth: number; clientWidth: number }>;
          };
          readonly innerWidth: number;
        };
        const frames = Array.from(document.querySelectorAll('.chart')).filter(
          (el) => el.scrollWidth > el.clientWidth,
        ).length;
        return { frames, page: document.documentElement.scrollWidth, window: innerWidth };
      });
      expect([patient, overflow.frames]).toEqual([patient, 0]);
      expect(overflow.page).toBeLessThanOrEqual(overflow.window);
      if (patient === 'demo-cyp2c9-cgm') {
        const cell = page
          .getByRole('table', { name: /Time in ranges/ })
          .getByRole('row', { name: /In range/ });
        const box = await cell.locator('td').boundingBox();
        expect((box?.x ?? Infinity) + (box?.width ?? 0)).toBeLessThanOrEqual(320);
      }
      // axe's scrollable-region-focusable (a frame that scrolls but cannot be focused) is checked here too.
      await screenshot(page, name);
    }
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  it('checks each page it looks at for accessibility, and says what fails', async () => {
    // Every screenshot above passed the check; this shows the check can fail. A page of its own, from this origin:
    // no title, no language, an image without a text alternative, a field without a label.
    const other = await page.context().newPage();
    await other.goto(`${base}/app`);
    await other.setContent(
      '<html><body><main><h1>Page</h1><img src="/favicon.ico"><input type="text"></main></body></html>',
    );
    const failure = screenshot(other, 'dashboard-9-inaccessible-example');
    await expect(failure).rejects.toThrow(/^dashboard-9-inaccessible-example: accessibility violations/);
    const message = await failure.catch((e: unknown) => String(e));
    for (const rule of ['document-title', 'html-has-lang', 'image-alt', 'label'])
      expect(message).toContain(rule);
    await other.close();
  });

  it('made no request to another origin and no script error', () => {
    expect(requested.filter((u) => !u.startsWith(base))).toEqual([]);
    expect(errors).toEqual([]);
  });
});
