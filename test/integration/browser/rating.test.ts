/**
 * The card's pages in a real headless Chromium (playwright-core; `test/helpers/browser.ts` finds the browser): a hook
 * call creates a card; its "Rate this alert" link opens the card as shown; the clinician rates it, then changes the
 * answer; the "Full explanation" link shows the CPIC rows (expected text from the in-repo CPIC data); an expired link
 * shows the refusal. Every step's screenshot is saved under `test-artifacts/screenshots/`.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Card } from '../../../src/cds/types';
import { createLinkSigner } from '../../../src/links/tokens';
import { startTestApp } from '../../helpers/app';
import type { TestApp } from '../../helpers/app';
import { buildWebBundle, expectFocused, launchBrowser, screenshot } from '../../helpers/browser';
import { cdsFixture, sandboxRequest } from '../../helpers/cds';
import { freePort } from '../../helpers/http';
import { cpicCall, cpicRows } from '../../reference';

const SECRET = 'browser-test-link-secret-of-32-characters';
/** Metoprolol for the demo CYP2D6 poor metabolizer whose resting heart rate is low: a card a wearable reading raised. */
const METOPROLOL = JSON.parse(
  readFileSync(
    path.resolve(__dirname, '../../../examples/order-sign-demo-metoprolol-no-prefetch.json'),
    'utf8',
  ),
) as Record<string, unknown>;
const FIXTURE = 'sandbox-order-sign-clopidogrel.json';
const USER_ID = (cdsFixture(FIXTURE).context as { userId: string }).userId;

// Building the bundle and starting a browser take seconds on a busy machine; no step's duration is asserted.
jest.setTimeout(60_000);

describe('rating and explanation pages in a browser', () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  let card: Card;
  let sensorCard: Card;
  /** Every URL the pages asked for: all must be this service's. */
  const requested: string[] = [];

  beforeAll(async () => {
    const [webRoot, port] = await Promise.all([buildWebBundle(), freePort()]);
    base = `http://127.0.0.1:${port}`;
    t = await startTestApp({
      env: { PUBLIC_BASE_URL: base, LINK_SECRET: SECRET, LOG_LEVEL: 'silent' },
      webRoot,
      demo: true,
    });
    await new Promise<void>((resolve) => {
      server = t.app.listen(port, '127.0.0.1', () => {
        resolve();
      });
    });
    const res = await fetch(`${base}/cds-services/pgx-order-sign`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(sandboxRequest(FIXTURE, undefined)),
    });
    expect(res.status).toBe(200);
    [card] = ((await res.json()) as { cards: [Card] }).cards;
    const sensed = await fetch(`${base}/cds-services/pgx-order-sign`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...METOPROLOL, fhirServer: `${base}/demo/fhir` }),
    });
    expect(sensed.status).toBe(200);
    [sensorCard] = ((await sensed.json()) as { cards: [Card] }).cards;
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    page = await context.newPage();
    page.on('request', (r) => requested.push(r.url()));
  });
  afterAll(async () => {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  function link(label: string): string {
    const url = card.links?.find((l) => l.label === label)?.url;
    if (!url) throw new Error(`the card has no "${label}" link`);
    return url;
  }

  it('opens the rating link on the card as it was shown', async () => {
    const response = await page.goto(link('Rate this alert'));
    expect(response?.status()).toBe(200);
    await page.getByRole('heading', { level: 1, name: 'Rate this alert' }).waitFor();
    await page.getByRole('heading', { level: 2, name: card.summary }).waitFor();
    expect(await page.getByRole('group', { name: 'How was this alert?' }).getByRole('radio').count()).toBe(4);
    // Each answer says what it does before the clinician chooses.
    expect(await page.locator('label.option', { hasText: 'Shown too often' }).innerText()).toMatch(
      /left out when an order is selected/,
    );
    await screenshot(page, '1-rating-page');
  });

  it('says at the answers that one must be chosen, and puts the focus there (SC 3.3.1)', async () => {
    await page.getByRole('button', { name: 'Save my answer' }).click();
    const answers = page.getByRole('group', { name: 'How was this alert?' });
    await expectFocused(answers.getByRole('radio').first());
    expect(await answers.getAttribute('aria-describedby')).toBe('rating-error');
    expect(await page.locator('#rating-error').innerText()).toBe('Choose one of the four answers first.');
    for (const radio of await answers.getByRole('radio').all()) {
      expect(await radio.getAttribute('aria-invalid')).toBe('true');
    }
    await screenshot(page, '1b-rating-no-answer');
  });

  it('rates the card: one answer, with a comment, kept for the clinician', async () => {
    await page.getByLabel(/Shown too often/).check();
    await page.getByLabel('Comment (optional)').fill('Third time today for this patient.');
    await page.getByRole('button', { name: 'Save my answer' }).click();
    await page.getByRole('status').filter({ hasText: 'your answer is saved' }).waitFor();
    // The focus goes to the message saying so, not back to the page's start (SC 2.4.3).
    await expectFocused(page.getByRole('status').filter({ hasText: 'your answer is saved' }));
    await screenshot(page, '2-rated');
    expect(await t.store.ratings.find(card.uuid!, USER_ID)).toMatchObject({
      rating: 'too-often',
      comment: 'Third time today for this patient.',
    });
  });

  it('changes the answer with the keyboard after reopening the link', async () => {
    await page.goto(link('Rate this alert'));
    const useful = page.getByRole('radio', { name: /^Useful/ });
    await page.getByRole('radio', { name: /Shown too often/ }).waitFor();
    expect(await page.getByRole('radio', { name: /Shown too often/ }).isChecked()).toBe(true);
    await useful.focus();
    await page.keyboard.press('Space');
    expect(await useful.isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Change my answer' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Your answer is changed.' }).waitFor();
    await expectFocused(page.getByRole('status').filter({ hasText: 'Your answer is changed.' }));
    await screenshot(page, '3-answer-changed');
    expect((await t.store.ratings.listForCard(card.uuid!)).map((r) => [r.rater, r.rating])).toEqual([
      [USER_ID, 'useful'],
    ]);
  });

  it('opens the explanation link: every CPIC row that may apply, the genotype and the versions', async () => {
    const response = await page.goto(link('Full explanation'));
    expect(response?.status()).toBe(200);
    await page.getByRole('heading', { level: 1, name: 'Full explanation' }).waitFor();
    // The drug in the title: explanations in two tabs are told apart (SC 2.4.2).
    expect(await page.title()).toBe('Clopidogrel – Full explanation');
    const { phenotype } = cpicCall('CYP2C19', '*2/*2');
    const text = await page.locator('main').innerText();
    expect(text).toContain('*2/*2');
    expect(text).toContain(phenotype);
    for (const { row } of cpicRows('clopidogrel', { CYP2C19: phenotype })) {
      expect(text).toContain(row.recommendation.trim().split('\n')[0]);
    }
    // Each distinct recommendation is quoted once: not again in the reasoning, nor for a second population.
    const rows = cpicRows('clopidogrel', { CYP2C19: phenotype });
    const first = rows[0];
    for (const recommendation of new Set(rows.map(({ row }) => row.recommendation.trim()))) {
      expect(text.split(recommendation).length - 1).toBe(1);
    }
    // The non-ACS, non-PCI row repeats the alert's row (ACS and/or PCI), not the neurovascular row shown before it:
    // the page names the row it repeats.
    const nonAcs = rows.find(({ row }) => row.population === 'CVI non-ACS non-PCI');
    expect(nonAcs?.row.recommendation).toBe(first?.row.recommendation);
    expect(text).toMatch(
      /Non-ACS, non-PCI cardiovascular indications[\s\S]*?The same recommendation as the alert’s\./,
    );
    expect(text).not.toContain('as above');
    // Populations in words, as the card says them, not CPIC's codes.
    expect(text).toContain('Neurovascular indications');
    expect(text).not.toMatch(/^(NVI|CVI ACS PCI|CVI non-ACS non-PCI)$/m);
    // CPIC gives the three populations the same implications: said once, then "the same as the alert's".
    const implication = first?.row.implications?.[0]?.replace(/^[\w-]+:\s*/, '').split(';')[0] ?? '';
    expect(implication.length).toBeGreaterThan(20);
    expect(text.split(implication).length - 1).toBe(1);
    expect(text).toContain('Implications: the same as the alert’s.');
    expect(text).toContain('Threshold set');
    expect(text).toContain('CPIC knowledge');
    await screenshot(page, '4-explanation');
  });

  it("opens the explanation of a card a wearable reading raised: the evidence in the card's words, with its source", async () => {
    const url = sensorCard.links?.find((l) => l.label === 'Full explanation')?.url;
    expect(url).toBeDefined();
    await page.goto(url ?? '');
    await page.getByRole('heading', { level: 3, name: 'Wearable sensor evidence' }).waitFor();
    const evidence = await page.locator('ul.sensors').innerText();
    expect(evidence).toMatch(/Resting heart rate: \d+(\.\d)?\/min, /);
    expect(evidence).toMatch(/raised the alert/);
    expect(evidence).toContain('source: CPIC 2024 β-blocker guideline');
    // Where the threshold comes from, in the card's words ("threshold from a guideline"), not a bare "basis: guideline".
    expect(evidence).toContain('threshold from a guideline;');
    expect(evidence).not.toContain('basis:');
    const text = await page.locator('main').innerText();
    // No research-note reference, "verify" mark, metric id, UCUM code or ISO date.
    expect(text).not.toMatch(/verify|§|research\/|\.md\b|resting-heart-rate|mm\[Hg\]|\d{4}-\d{2}-\d{2}/);
    expect(text).toMatch(/CPIC knowledge\s+CPIC data of \d{1,2} [A-Z][a-z]{2} \d{4}/);
    // The Why ends with the reading that raised a Moderate recommendation to a critical alert, as the card's does.
    expect(text).toMatch(/Resting HR \d+(\.\d)?\/min: alert raised to critical/);
    // The metoprolol row is looked up by CYP2D6 activity score, said as such; no "result(s)".
    expect(text).toMatch(/Looked up by\s+CYP2D6 activity score \d\.\d/);
    expect(text).not.toContain('(s)');
    // A measure with nothing read (the watch sent no low-heart-rate notification) says so once, not as a missing
    // value, missing data and an unnamed device.
    const cells = await page
      .getByRole('row', { name: /^Low-heart-rate notifications/ })
      .getByRole('cell')
      .allInnerTexts();
    expect(cells.map((c) => c.trim())).toEqual(['—', expect.stringMatching(/ to /), 'no data', '—']);
    await screenshot(page, '4b-explanation-sensor-evidence');
  });

  it('opens the explanation of a conflicting-results card: confirm first, and what CPIC advises if each is right', async () => {
    // The demo patient with two CYP2C19 genotypes of one day (*1/*1 and *2/*2), read from the demo FHIR server.
    const context = METOPROLOL['context'] as Record<string, unknown>;
    const res = await fetch(`${base}/cds-services/pgx-order-sign`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        ...METOPROLOL,
        hookInstance: '0f6c55a8-5f1c-4a57-9a8e-2b9c3c1f7d41',
        fhirServer: `${base}/demo/fhir`,
        context: {
          ...context,
          patientId: 'demo-conflict',
          draftOrders: {
            resourceType: 'Bundle',
            type: 'collection',
            entry: [
              {
                resource: {
                  resourceType: 'MedicationRequest',
                  id: 'draft-clopidogrel',
                  status: 'draft',
                  intent: 'proposal',
                  medicationCodeableConcept: {
                    coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '309362' }],
                    text: 'clopidogrel 75 MG Oral Tablet',
                  },
                  subject: { reference: 'Patient/demo-conflict' },
                },
              },
            ],
          },
        },
      }),
    });
    expect(res.status).toBe(200);
    const [conflictCard] = ((await res.json()) as { cards: Card[] }).cards;
    expect(conflictCard?.summary).toBe('Confirm CYP2C19 result before clopidogrel: results disagree');
    const explanation = conflictCard?.links?.find((l) => l.label === 'Full explanation')?.url ?? '';
    expect((await page.goto(explanation))?.status()).toBe(200);
    await page.getByRole('heading', { level: 2, name: /^Clopidogrel: confirm the result first/ }).waitFor();
    const why = (await page.locator('ol.chain').first().innerText()).split('\n');
    // The more serious reading first, each in CPIC's words for that phenotype.
    const ifRight = why.filter((l) => / is right, CPIC/.test(l));
    expect(ifRight).toHaveLength(2);
    expect(ifRight[0]).toMatch(
      /^If \*2\/\*2 Poor Metabolizer is right, CPIC \(Strong; ACS and\/or PCI\): "Avoid clopidogrel/,
    );
    expect(ifRight[1]).toMatch(
      /^If \*1\/\*1 Normal Metabolizer is right, CPIC \(Strong; ACS and\/or PCI\): "/,
    );
    await screenshot(page, '4c-explanation-conflict');
  });

  it('shows the refusal for an expired link (403)', async () => {
    const lapsed = createLinkSigner({
      secret: SECRET,
      ttlDays: 14,
      publicBaseUrl: base,
      now: () => new Date(Date.now() - 15 * 86_400_000),
    });
    const token = await lapsed.sign(card.uuid!, 'rate', USER_ID);
    const response = await page.goto(`${base}/rate/${card.uuid!}?t=${token}`);
    expect(response?.status()).toBe(403);
    await page.getByRole('heading', { level: 1, name: 'This link cannot be used' }).waitFor();
    expect(await page.getByRole('radio').count()).toBe(0);
    // The title says so too, not only "Rate this alert" (SC 2.4.2).
    expect(await page.title()).toBe('This link cannot be used – Rate this alert');
    await screenshot(page, '5-expired-link');
  });

  it('asked nothing of any other host', () => {
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => !url.startsWith(base))).toEqual([]);
  });
});
