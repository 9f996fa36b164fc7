/**
 * The pages behind a demo patient's card say what the card says, in a real headless Chromium: the clinician's full
 * explanation (`/explain/{uuid}`) and the pharmacist's override review (`/admin/overrides/{uuid}`) of cards from the
 * demo FHIR server, as the CDS Hooks sandbox gets them. Expected words come from the card itself and from the CPIC
 * data (`test/reference`), not from the pages' code. Screenshots under `test-artifacts/screenshots/`.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import type { Card } from '../../../src/cds/types';
import { demoDraftOrders } from '../../helpers/cds';
import { startTestApp } from '../../helpers/app';
import type { TestApp } from '../../helpers/app';
import { buildWebBundle, launchBrowser, screenshot } from '../../helpers/browser';
import { freePort } from '../../helpers/http';
import { hs256Bearer } from '../../helpers/users';

// Building the bundle and starting a browser take seconds on a busy machine; no step's duration is asserted.
jest.setTimeout(90_000);

const KEY = new TextEncoder().encode('card-pages-bearer-key-of-32-characters!!');
const REASON_SYSTEM = 'urn:pgx-cds-hooks:CodeSystem:override-reason';

describe('the pages behind demo patients’ cards, in a browser', () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;

  async function post(url: string, body: unknown): Promise<Response> {
    return fetch(`${base}${url}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  /** The cards of `hook` for a demo patient, read from the demo FHIR server (its draft order for the order hooks). */
  async function cardsFor(patient: string, hook: 'order-sign' | 'patient-view'): Promise<Card[]> {
    const drafts = demoDraftOrders(t.deps.demo!, patient);
    const res = await post(`/cds-services/pgx-${hook}`, {
      hookInstance: randomUUID(),
      hook,
      fhirServer: `${base}/demo/fhir`,
      context: {
        userId: 'Practitioner/COREPRACTITIONER1',
        patientId: patient,
        ...(hook === 'order-sign'
          ? {
              draftOrders: {
                resourceType: 'Bundle',
                type: 'collection',
                entry: drafts.map((resource) => ({ resource })),
              },
            }
          : {}),
      },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { cards: Card[] }).cards;
  }

  function explanationOf(card: Card | undefined): string {
    const url = card?.links?.find((l) => l.label === 'Full explanation')?.url;
    if (!url) throw new Error('the card has no "Full explanation" link');
    return url;
  }

  /** Overrides `card` as the EHR's feedback does, so the override review lists it. */
  async function override(card: Card | undefined): Promise<string> {
    if (!card?.uuid) throw new Error('no card');
    const res = await post('/cds-services/pgx-order-sign/feedback', {
      feedback: [
        {
          card: card.uuid,
          outcome: 'overridden',
          overrideReason: { reason: { code: 'result-questioned', system: REASON_SYSTEM } },
          outcomeTimestamp: new Date().toISOString(),
        },
      ],
    });
    expect(res.status).toBe(200);
    return card.uuid;
  }

  beforeAll(async () => {
    const [webRoot, port] = await Promise.all([buildWebBundle(), freePort()]);
    base = `http://127.0.0.1:${port}`;
    t = await startTestApp({
      env: {
        PUBLIC_BASE_URL: base,
        LINK_SECRET: 'card-pages-link-secret-of-32-characters',
        LOG_LEVEL: 'silent',
      },
      webRoot,
      demo: true,
      userAuthenticator: hs256Bearer(KEY),
    });
    await new Promise<void>((resolve) => {
      server = t.app.listen(port, '127.0.0.1', () => {
        resolve();
      });
    });
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    page = await context.newPage();
    const token = await new SignJWT({ roles: ['pharmacist'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setJti(randomUUID())
      .setExpirationTime('5m')
      .sign(KEY);
    await page.goto(`${base}/auth/sign-in-link?token=${token}`);
  });
  afterAll(async () => {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  describe('a CYP2D6 copy number the laboratory did not report (demo-cyp2d6-copies)', () => {
    let card: Card | undefined;
    beforeAll(async () => {
      [card] = await cardsFor('demo-cyp2d6-copies', 'order-sign');
    });

    it('the card says what the result may be, and avoids codeine', () => {
      expect(card?.summary).toBe('Avoid codeine: CYP2D6 Normal or Ultrarapid Metabolizer (CPIC Strong)');
    });

    it('the full explanation says the same, never "Indeterminate"', async () => {
      expect((await page.goto(explanationOf(card)))?.status()).toBe(200);
      await page.getByRole('heading', { level: 3, name: 'Genotype and phenotype' }).waitFor();
      const text = await page.locator('main').innerText();
      expect(text).not.toContain('Indeterminate');
      expect(await page.getByRole('row', { name: /^CYP2D6/ }).innerText()).toMatch(
        /\*4\/\*1xN\s+Normal or Ultrarapid Metabolizer/,
      );
      expect(await page.locator('ol.chain').first().innerText()).toMatch(
        /^CYP2D6 \*4\/\*1xN → Normal or Ultrarapid Metabolizer$/m,
      );
      await screenshot(page, 'card-pages-1-copies-explanation');
    });

    it('the override review says the same', async () => {
      const uuid = await override(card);
      await page.goto(`${base}/admin/overrides/${uuid}`);
      await page.getByRole('heading', { level: 1, name: 'Overridden alert' }).waitFor();
      await page.getByRole('row', { name: /^CYP2D6/ }).waitFor();
      const text = await page.locator('main').innerText();
      expect(text).not.toContain('Indeterminate');
      expect(await page.getByRole('row', { name: /^CYP2D6/ }).innerText()).toMatch(
        /\*4\/\*1xN\s+Normal or Ultrarapid Metabolizer/,
      );
      await screenshot(page, 'card-pages-2-copies-override');
    });
  });

  describe('two CYP2C19 results of one day that disagree (demo-conflict)', () => {
    let card: Card | undefined;
    beforeAll(async () => {
      [card] = await cardsFor('demo-conflict', 'order-sign');
    });

    /** Both results, each marked as disagreeing with the other, in the page's results table. */
    async function expectDisagreeingRows(): Promise<void> {
      const rows = page.getByRole('row', { name: /^CYP2C19/ });
      await rows.first().waitFor();
      const texts = await rows.allInnerTexts();
      expect(texts).toHaveLength(2);
      expect(texts.join('\n')).toMatch(
        /\*1\/\*1\s+Normal Metabolizer\s+Disagrees with \*2\/\*2 Poor Metabolizer, reported the same day/,
      );
      expect(texts.join('\n')).toMatch(
        /\*2\/\*2\s+Poor Metabolizer\s+Disagrees with \*1\/\*1 Normal Metabolizer, reported the same day/,
      );
    }

    it('the card names both results', () => {
      expect(card?.summary).toBe('Confirm CYP2C19 result before clopidogrel: results disagree');
      expect(card?.detail).toContain('\\*1/\\*1 Normal Metabolizer vs \\*2/\\*2 Poor Metabolizer');
    });

    it('the override review shows both results, as disagreeing', async () => {
      const uuid = await override(card);
      await page.goto(`${base}/admin/overrides/${uuid}`);
      await page.getByRole('heading', { level: 1, name: 'Overridden alert' }).waitFor();
      await expectDisagreeingRows();
      expect(await page.locator('main').innerText()).not.toContain('No pharmacogenomic result was read.');
      await screenshot(page, 'card-pages-3-conflict-override');
    });

    it('the full explanation shows them the same way, once', async () => {
      expect((await page.goto(explanationOf(card)))?.status()).toBe(200);
      await page.getByRole('heading', { level: 3, name: 'Results that disagree' }).waitFor();
      await expectDisagreeingRows();
      await screenshot(page, 'card-pages-4-conflict-explanation');
    });
  });

  describe('a CPIC row for another patient group, on the card as shown (demo-cyp2c19-pm)', () => {
    it('keeps the row’s quote inside its list item, so the label and its text are read as one', async () => {
      const [card] = await cardsFor('demo-cyp2c19-pm', 'order-sign');
      const url = card?.links?.find((l) => l.label === 'Rate this alert')?.url;
      expect((await page.goto(url ?? ''))?.status()).toBe(200);
      // CPIC's neurovascular row for clopidogrel and a CYP2C19 poor metabolizer: "Avoid clopidogrel if possible.
      // Consider an alternative …"; its first sentence is said under What to do, so the item quotes the rest.
      const item = page.locator('li', { hasText: 'neurovascular indications' });
      await item.waitFor();
      expect(await item.locator('blockquote').innerText()).toMatch(/Consider an alternative/);
      await screenshot(page, 'card-pages-7-other-rows-nested');
    });
  });

  describe("the patient-view summary card's full explanation (demo-cyp2d6-copies)", () => {
    let card: Card | undefined;
    beforeAll(async () => {
      [card] = await cardsFor('demo-cyp2d6-copies', 'patient-view');
    });

    it('shows the result the card lists, with its provenance and what the copy number would mean', async () => {
      expect(card?.summary).toBe('Pharmacogenomics: CYP2D6 Normal or Ultrarapid Metabolizer');
      expect((await page.goto(explanationOf(card)))?.status()).toBe(200);
      await page.getByRole('heading', { level: 2, name: 'Results the summary lists' }).waitFor();
      expect(await page.getByRole('row', { name: /^CYP2D6/ }).innerText()).toMatch(
        /\*4\/\*1xN\s+Normal or Ultrarapid Metabolizer[\s\S]*Called with CPIC allele[\s\S]*1 result on file\s+dated \d{1,2} \w{3} \d{4}/,
      );
      const text = await page.locator('main').innerText();
      expect(text).toContain(
        'Ask the laboratory for the CYP2D6 copy number: Normal Metabolizer as *4/*1x2, Ultrarapid Metabolizer as *4/*1x≥3.',
      );
      await screenshot(page, 'card-pages-5-summary-explanation');
    });
  });

  describe('a metoprolol alert raised by the resting heart rate, shown lower after an override (demo-cyp2d6-pm-low-hr)', () => {
    it('the full explanation gives the steps in the card’s order: raised, then lowered', async () => {
      const [first] = await cardsFor('demo-cyp2d6-pm-low-hr', 'order-sign');
      expect(first?.indicator).toBe('critical');
      await override(first);
      const [again] = await cardsFor('demo-cyp2d6-pm-low-hr', 'order-sign');
      expect(again?.indicator).toBe('warning');
      const detail = again?.detail ?? '';
      expect(detail.search(/alert raised to critical/)).toBeLessThan(
        detail.search(/Shown as a warning rather than critical/),
      );

      expect((await page.goto(explanationOf(again)))?.status()).toBe(200);
      const steps = (await page.locator('ol.chain').first().innerText()).split('\n');
      const raisedAt = steps.findIndex((l) => /alert raised to critical/.test(l));
      const loweredAt = steps.findIndex((l) => /Shown as a warning rather than critical/.test(l));
      expect(raisedAt).toBeGreaterThanOrEqual(0);
      expect(loweredAt).toBeGreaterThan(raisedAt);
      // The reader's unit repair (the watch wrote 'beats/min') in words, not in the unit code system's terms.
      const text = await page.locator('main').innerText();
      expect(text).toContain("unit written 'beats/min', read as per minute");
      expect(text).not.toContain('UCUM');
      await screenshot(page, 'card-pages-6-lowered-explanation');
    });
  });
});
