/**
 * "Wrong for this patient" reaches the pharmacy, in a headless Chromium against the real APIs: an order-sign call
 * through `/cds-services` creates a clopidogrel card; the clinician opens its "Rate this alert" link, reads what the
 * answer does and reports the alert wrong for the patient with a comment; a pharmacist signs in with a one-time link,
 * sees the report waiting on `/admin`, opens `/admin/reports` (the alert as shown, who reported it, their comment),
 * is asked for a note, loses the session while saving (the follow-up kept in the tab), signs in again and saves it;
 * the report moves to "Followed up". An informaticist is told the reports are for pharmacists. Every step's
 * screenshot (checked with axe-core) is saved under `test-artifacts/screenshots/`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import express from 'express';
import { SignJWT } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createApp } from '../../../src/app';
import type { Card } from '../../../src/cds/types';
import type { Role } from '../../../src/http/auth';
import { startTestApp } from '../../helpers/app';
import type { TestApp } from '../../helpers/app';
import { buildWebBundle, expectFocused, launchBrowser, screenshot } from '../../helpers/browser';
import type { JsonObject } from '../../helpers/cds';
import { freePort } from '../../helpers/http';
import { searchset } from '../../helpers/mock-fhir';
import { hs256Bearer } from '../../helpers/users';

jest.setTimeout(90_000);

const KEY = new TextEncoder().encode('reports-pages-bearer-key-of-32-chars!!');
const bearer = hs256Bearer(KEY);

function hooksFixture(name: string): Record<string, JsonObject | JsonObject[]> {
  const file = path.join(__dirname, '..', '..', 'fixtures', 'hooks', name);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, JsonObject | JsonObject[]>;
}
const PGX = hooksFixture('pgx-results.json') as Record<string, JsonObject[]>;
const ORDERS = hooksFixture('draft-orders.json') as Record<string, JsonObject>;
const PATIENT = hooksFixture('patient.json') as unknown as JsonObject;

/** Dr Ada's Practitioner, as her EHR answers the discovery's `user` prefetch. */
const DR_ADA = {
  resourceType: 'Practitioner',
  id: 'dr-ada',
  name: [{ use: 'official', prefix: ['Dr'], given: ['Ada'], family: 'Mensah' }],
};
const COMMENT = 'She has never had a CYP2C19 test here; this result is not hers.';
const NOTE = 'Laboratory confirms a sample mix-up; the result is withdrawn from her record.';

describe('a wrong-for-this-patient report, from the rating page to the pharmacy’s follow-up', () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let card: Card;
  const requested: string[] = [];

  function signInToken(sub: string, roles: Role[]): Promise<string> {
    return new SignJWT({ roles })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setJti(randomUUID())
      .setExpirationTime('5m')
      .sign(KEY);
  }

  beforeAll(async () => {
    const [webRoot, port] = await Promise.all([buildWebBundle(), freePort()]);
    base = `http://127.0.0.1:${port}`;
    t = await startTestApp({
      env: {
        PUBLIC_BASE_URL: base,
        LINK_SECRET: 'reports-browser-link-secret-of-32-characters',
        LOG_LEVEL: 'silent',
      },
      webRoot,
    });
    const app = express().use(createApp({ ...t.deps, userAuthenticator: bearer }));
    await new Promise<void>((resolve) => {
      server = app.listen(port, '127.0.0.1', () => {
        resolve();
      });
    });
    // An order-sign call as an EHR sends it: clopidogrel for a CYP2C19 *2/*2 result, by Dr Ada, her name prefetched.
    const pgx = PGX['CYP2C19 *2/*2'] ?? [];
    const res = await fetch(`${base}/cds-services/pgx-order-sign`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        hookInstance: randomUUID(),
        hook: 'order-sign',
        context: {
          userId: 'Practitioner/dr-ada',
          patientId: PATIENT.id,
          draftOrders: {
            resourceType: 'Bundle',
            type: 'collection',
            entry: [{ resource: ORDERS.clopidogrel }],
          },
        },
        prefetch: { patient: PATIENT, pgx: { ...searchset(pgx), total: pgx.length }, user: DR_ADA },
      }),
    });
    expect(res.status).toBe(200);
    const found = ((await res.json()) as { cards: Card[] }).cards.find((c) => /clopidogrel/i.test(c.summary));
    if (!found) throw new Error('no clopidogrel card');
    card = found;

    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    page = await context.newPage();
    page.on('request', (r) => requested.push(r.url()));
  });
  afterAll(async () => {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  it('the clinician reports the alert wrong for the patient, told the pharmacy follows it up', async () => {
    const link = card.links?.find((l) => l.label === 'Rate this alert')?.url;
    if (!link) throw new Error('no rating link');
    await page.goto(link);
    await page.getByRole('heading', { level: 1, name: 'Rate this alert' }).waitFor();
    const wrong = page.getByRole('radio', { name: /Wrong for this patient/ });
    await wrong.waitFor();
    expect(await page.locator('label', { has: wrong }).innerText()).toContain(
      'The pharmacy sees your report and follows it up',
    );
    await wrong.check();
    await page.getByLabel('Comment (optional)').fill(COMMENT);
    await page.getByRole('button', { name: 'Save my answer' }).click();
    await page.getByRole('status').filter({ hasText: 'your answer is saved' }).waitFor();
    await screenshot(page, 'reports-1-rated-wrong-patient');
  });

  it('a pharmacist sees the report waiting and opens it: the alert as shown, who reported it, their comment', async () => {
    await page.goto(`${base}/auth/sign-in-link?token=${await signInToken('alice', ['pharmacist'])}`);
    const pages = page.getByRole('navigation', { name: 'Pages' });
    const waiting = pages.getByRole('link', { name: '1 report to follow up' });
    await waiting.waitFor();
    expect(await waiting.getAttribute('href')).toBe('/admin/reports');
    await screenshot(page, 'reports-2-admin-home');

    await pages.getByRole('link', { name: 'Alerts reported wrong for the patient' }).click();
    await page.getByRole('heading', { level: 1, name: 'Alerts reported wrong for the patient' }).waitFor();
    await page.getByRole('status').filter({ hasText: '1 report to follow up, newest first.' }).waitFor();
    const report = page.getByRole('region', { name: /^Report: Clopidogrel, patient / });
    expect(await report.getByRole('heading', { level: 3, name: card.summary }).count()).toBe(1);
    const text = await report.innerText();
    expect(text).toContain('Dr Ada Mensah');
    expect(text).toContain(COMMENT);
    expect(text).toContain('at order signing; results read: CYP2C19');
    // No internal id and no raw timestamp reach the page.
    expect(text).not.toContain(card.uuid!);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    await screenshot(page, 'reports-3-open-report');
  });

  it('asks for a note, keeps the follow-up when the session ends, and saves it after signing in again', async () => {
    const report = page.getByRole('region', { name: /^Report: Clopidogrel/ });
    await report.getByRole('radio', { name: 'Result wrong or someone else’s: laboratory told' }).check();
    await report.getByRole('button', { name: 'Save follow-up' }).click();
    // Said at the note, which takes the focus and is marked (SC 3.3.1).
    const noteField = report.getByLabel(/^Note/);
    await expectFocused(noteField);
    expect(await noteField.getAttribute('aria-invalid')).toBe('true');
    expect(await noteField.getAttribute('aria-required')).toBe('true');
    const described = await noteField.getAttribute('aria-describedby');
    expect(await report.locator(`[id="${described ?? ''}"]`).innerText()).toBe(
      'Add a note: who was told, and what happens next.',
    );
    await report.getByLabel(/^Note/).fill(NOTE);

    await context.clearCookies();
    await report.getByRole('button', { name: 'Save follow-up' }).click();
    await report
      .getByRole('status')
      .filter({ hasText: 'Your session has ended, so the follow-up was not saved.' })
      .waitFor();
    expect(await page.getByLabel('Session').innerText()).toBe(
      'Your session has ended. Open a new sign-in link in another tab, then come back to this tab.',
    );
    await screenshot(page, 'reports-4-session-ended');
    expect(await t.store.audit.list({ action: 'report.follow-up' })).toEqual([]);

    const other = await context.newPage();
    await other.goto(`${base}/auth/sign-in-link?token=${await signInToken('alice', ['pharmacist'])}`);
    await other.close();
    await page.reload();
    const again = page.getByRole('region', { name: /^Report: Clopidogrel/ });
    await again.getByRole('button', { name: 'Save follow-up' }).waitFor();
    expect(
      await again.getByRole('radio', { name: 'Result wrong or someone else’s: laboratory told' }).isChecked(),
    ).toBe(true);
    expect(await again.getByLabel(/^Note/).inputValue()).toBe(NOTE);
    await again.getByRole('button', { name: 'Save follow-up' }).click();

    const done = again.getByRole('status').filter({ hasText: 'Followed up' });
    await done.waitFor();
    // The form is gone: its "Followed up" heading takes the focus the button had (SC 2.4.3).
    await expectFocused(done.getByRole('heading', { name: 'Followed up' }));
    expect(await done.innerText()).toContain('Result wrong or someone else’s: laboratory told (alice,');
    expect(await done.innerText()).toContain(NOTE);
    expect(await again.getByRole('button', { name: 'Save follow-up' }).count()).toBe(0);
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual([]);
    await screenshot(page, 'reports-5-followed-up');
    const [event] = await t.store.audit.list({ action: 'report.follow-up' });
    expect(event).toMatchObject({ actor: 'alice', details: { outcome: 'result-wrong', withNote: true } });
  });

  it('shows nothing left to follow up, and the report under "Followed up"', async () => {
    await page.goto(`${base}/admin/reports`);
    await page
      .getByRole('status')
      .filter({
        hasText:
          'Nothing to follow up. When a clinician rates an alert “Wrong for this patient”, it is listed here.',
      })
      .waitFor();
    await screenshot(page, 'reports-6-nothing-open');
    await page.getByRole('link', { name: 'Followed up' }).click();
    await page.getByRole('status').filter({ hasText: '1 report followed up, newest first.' }).waitFor();
    expect(page.url()).toBe(`${base}/admin/reports?state=followed-up`);
    expect(await page.getByRole('region', { name: /^Report: Clopidogrel/ }).innerText()).toContain(NOTE);
  });

  it('tells an informaticist the reports are for pharmacists', async () => {
    await context.clearCookies();
    await page.goto(`${base}/auth/sign-in-link?token=${await signInToken('ivan', ['informaticist'])}`);
    await page.goto(`${base}/admin/reports`);
    await page.getByRole('heading', { level: 2, name: 'These reports are for pharmacists' }).waitFor();
    await screenshot(page, 'reports-7-informaticist');
  });

  it('asked nothing of any other host', () => {
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => !url.startsWith(base))).toEqual([]);
  });
});
