/**
 * The clinician dashboard launched from an EHR (issue 12 item 4) in a headless Chromium: a mock EHR (SMART
 * authorization server and FHIR server holding the demo patients, test/helpers/mock-ehr.ts) trusted by a trust
 * profile file, `/app/launch?iss=<mock>&launch=abc`, fhirclient's authorisation in the page, and the dashboard of the
 * launched patient read by the service with the launch's token. The service runs without its demo endpoint
 * (`DEMO_FHIR=off`), as in production. Expected values come from the demo index and the CPIC data set.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadTrustedIssuers } from '../../../src/cds/auth';
import { startTestApp } from '../../helpers/app';
import type { TestApp } from '../../helpers/app';
import { buildWebBundle, launchBrowser, screenshot } from '../../helpers/browser';
import { freePort } from '../../helpers/http';
import { startMockEhr } from '../../helpers/mock-ehr';
import type { MockEhr } from '../../helpers/mock-ehr';
import { cpicGene } from '../../reference';

// Building the bundle and starting a browser take seconds on a busy machine; no step's duration is asserted.
jest.setTimeout(90_000);

const TOKEN = 'ehr-access-token-c0ffee42';
const PATIENT = 'demo-cyp2c19-pm';

describe('clinician dashboard launched from an EHR, in a browser', () => {
  let ehr: MockEhr;
  let refusing: MockEhr;
  let failing: MockEhr;
  let untrusted: MockEhr;
  let t: TestApp;
  let server: Server;
  let browser: Browser;
  let context: BrowserContext;
  let base: string;

  beforeAll(async () => {
    [ehr, refusing, failing, untrusted] = await Promise.all([
      startMockEhr({ accessToken: TOKEN, patient: PATIENT }),
      // Issues a token its own FHIR server refuses (revoked at once).
      startMockEhr({ accessToken: TOKEN, issuedToken: 'revoked-token', patient: PATIENT }),
      // Its FHIR server fails every read.
      startMockEhr({ accessToken: TOKEN, patient: PATIENT, fhirStatus: 500 }),
      startMockEhr({ accessToken: TOKEN, patient: PATIENT }),
    ]);
    // The trust profile file a deployment would name in CDS_TRUSTED_ISSUERS.
    const profile = path.join(mkdtempSync(path.join(tmpdir(), 'pgx-trust-')), 'ehr.json');
    writeFileSync(
      profile,
      JSON.stringify({
        issuers: [
          {
            iss: 'https://ehr.example.org',
            jku: ['https://ehr.example.org/.well-known/jwks.json'],
            fhirServers: [ehr.fhirBaseUrl, refusing.fhirBaseUrl, failing.fhirBaseUrl],
          },
        ],
      }),
    );
    const [webRoot, port] = await Promise.all([buildWebBundle(), freePort()]);
    base = `http://127.0.0.1:${port}`;
    t = await startTestApp({
      env: { PUBLIC_BASE_URL: base, LOG_LEVEL: 'silent', DEMO_FHIR: 'off' },
      trustedIssuers: await loadTrustedIssuers(profile),
      webRoot,
    });
    await new Promise<void>((resolve) => {
      server = t.app.listen(port, '127.0.0.1', () => {
        resolve();
      });
    });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
  });
  afterAll(async () => {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
    await Promise.all([ehr, refusing, failing, untrusted].map((e) => e.close()));
  });

  /**
   * A fresh tab (its own session storage, as a new launch from the EHR has), with its requests and errors. One
   * browser context for all: the packaged Chromium runs single-process, where closing a context can end the browser.
   */
  async function newTab(): Promise<{ page: Page; requested: string[]; errors: string[] }> {
    const page = await context.newPage();
    const requested: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    return { page, requested, errors };
  }

  function launchUrl(iss: string): string {
    return `${base}/app/launch?iss=${encodeURIComponent(iss)}&launch=abc`;
  }

  it('shows the launched patient’s genotypes and medication findings, read by the service with the token', async () => {
    const { page, requested, errors } = await newTab();
    try {
      await page.goto(launchUrl(ehr.fhirBaseUrl));
      await page.getByRole('heading', { level: 1, name: 'Alma Reyes' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/app/launched');
      const row = page
        .getByRole('table')
        .first()
        .getByRole('row', { name: /CYP2C19/ });
      expect(await row.textContent()).toContain('*2/*2');
      expect(await row.textContent()).toContain('Poor Metabolizer');
      expect(await row.textContent()).toContain(cpicGene('CYP2C19').ehrPriority?.['Poor Metabolizer']);
      const clopidogrel = page.locator('article', {
        has: page.getByRole('heading', { name: /clopidogrel/ }),
      });
      expect(await clopidogrel.textContent()).toContain('Avoid');
      expect(
        await page.getByRole('figure', { name: 'Home blood pressure chart' }).locator('canvas').count(),
      ).toBe(1);
      // No demo picker after a launch from the record.
      expect(await page.getByRole('link', { name: 'All demo patients' }).count()).toBe(0);
      await screenshot(page, 'dashboard-ehr-1-launched');

      // The browser asked the EHR only where and how to authorise (and the token); the record was read by the service.
      const fromBrowser = requested.filter((u) => u.startsWith(ehr.origin)).map((u) => new URL(u).pathname);
      expect(fromBrowser.every((p) => /^\/(fhir\/\.well-known\/smart-configuration|auth\/)/.test(p))).toBe(
        true,
      );
      expect(fromBrowser).toContain('/auth/token');
      const reads = ehr.requests.filter((r) => r.url.startsWith(`/fhir/Patient/${PATIENT}`));
      expect(reads.length).toBeGreaterThan(0);
      expect(reads.every((r) => r.withToken)).toBe(true);
      expect(requested.filter((u) => !u.startsWith(base) && !u.startsWith(ehr.origin))).toEqual([]);

      // The printable explanation of the launched patient's medicine, then back.
      await page.getByRole('link', { name: 'Patient explanation for clopidogrel (printable)' }).click();
      await page.getByRole('heading', { level: 1, name: 'Your CYP2C19 result and clopidogrel' }).waitFor();
      expect(await page.locator('p[data-source="recommendation"]').count()).toBeGreaterThan(0);
      await screenshot(page, 'dashboard-ehr-2-patient-page');
      await page.getByRole('link', { name: 'Back to the dashboard' }).click();
      await page.getByRole('heading', { level: 1, name: 'Alma Reyes' }).waitFor();
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('says the record’s FHIR server is not trusted, and the browser never reaches it', async () => {
    const { page } = await newTab();
    try {
      await page.goto(launchUrl(untrusted.fhirBaseUrl));
      await page.getByRole('heading', { level: 1, name: 'The dashboard cannot read this record' }).waitFor();
      expect(await page.getByRole('alert').textContent()).toContain(
        'This service does not trust the record’s FHIR server',
      );
      expect(untrusted.requests).toEqual([]);
      await screenshot(page, 'dashboard-ehr-3-untrusted');
    } finally {
      await page.close();
    }
  });

  it('says the record refused the launch token', async () => {
    const { page } = await newTab();
    try {
      await page.goto(launchUrl(refusing.fhirBaseUrl));
      await page.getByRole('heading', { level: 1, name: 'The record did not accept this launch' }).waitFor();
      expect(await page.getByRole('alert').textContent()).toContain(
        'The record’s FHIR server refused the launch token. Open the dashboard again from the record.',
      );
      await screenshot(page, 'dashboard-ehr-4-token-refused');
    } finally {
      await page.close();
    }
  });

  it('says the record cannot be read just now, with a way to try again', async () => {
    const { page } = await newTab();
    try {
      await page.goto(launchUrl(failing.fhirBaseUrl));
      await page.getByRole('heading', { level: 1, name: 'The record cannot be read just now' }).waitFor();
      expect(await page.getByRole('link', { name: 'Try again' }).count()).toBe(1);
      await screenshot(page, 'dashboard-ehr-5-unreachable');
    } finally {
      await page.close();
    }
  });
});
