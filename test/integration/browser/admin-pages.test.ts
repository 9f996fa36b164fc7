/**
 * The pharmacist's pages in a headless Chromium against the real APIs (issue 10 items 3 and 4): order-sign calls
 * through `/cds-services` create cards, the EHR's feedback overrides two and accepts one; a pharmacist signs in with a
 * one-time sign-in link, filters the override list, opens an override (the card as shown, the genotype), marks it
 * reviewed (and the API's history shows who and when), exports the filtered list as CSV, and opens the governance
 * figures with their charts; a clinician is refused the pages. Every step's screenshot is saved under
 * `test-artifacts/screenshots/`. Expected genotypes and phenotypes come from `test/reference` (the CPIC tables).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import express from 'express';
import { SignJWT } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { OverrideDetail } from '../../../src/admin/schemas';
import { createApp } from '../../../src/app';
import type { Role } from '../../../src/http/auth';
import type { Card } from '../../../src/cds/types';
import { startTestApp } from '../../helpers/app';
import type { TestApp } from '../../helpers/app';
import {
  buildWebBundle,
  expectFocused,
  launchBrowser,
  screenshot,
  SCREENSHOT_DIR,
} from '../../helpers/browser';
import type { JsonObject } from '../../helpers/cds';
import { freePort } from '../../helpers/http';
import { searchset } from '../../helpers/mock-fhir';
import { genotyped } from '../../fixtures/rules/builders';
import { CYP2D6_BEFORE_2020, callWithCard, callWithResults } from '../../helpers/review-data';
import { hs256Bearer } from '../../helpers/users';
import { cpicCall, cpicRow } from '../../reference';

// Building the bundle and starting a browser take seconds on a busy machine; no step's duration is asserted.
jest.setTimeout(90_000);

const KEY = new TextEncoder().encode('admin-pages-bearer-key-of-32-characters!');
const REASON_SYSTEM = 'urn:pgx-cds-hooks:CodeSystem:override-reason';

/** Bearer tokens of the test's own issuer (HS256): the sign-in link carries one. */
const bearer = hs256Bearer(KEY);

function hooksFixture(name: string): Record<string, JsonObject | JsonObject[]> {
  const file = path.join(__dirname, '..', '..', 'fixtures', 'hooks', name);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, JsonObject | JsonObject[]>;
}
const PGX = hooksFixture('pgx-results.json') as Record<string, JsonObject[]>;
const ORDERS = hooksFixture('draft-orders.json') as Record<string, JsonObject>;
const PATIENT = hooksFixture('patient.json') as unknown as JsonObject;

/** Dr Ben's Practitioner resource, as an EHR answers the discovery's `user` prefetch (Dr Ada's EHR sends none). */
const DR_BEN = {
  resourceType: 'Practitioner',
  id: 'dr-ben',
  name: [{ use: 'official', prefix: ['Dr.'], given: ['Ben'], family: 'Okafor' }],
};

/**
 * An order-sign call as an EHR sends it: one draft order, the patient's PGx results prefetched, and the prescriber's
 * Practitioner when `user` is given.
 */
function orderSign(drug: string, result: string, clinician: string, user?: JsonObject): JsonObject {
  const order = ORDERS[drug];
  const pgx = PGX[result];
  if (!order || !pgx) throw new Error(`no fixture for ${drug} / ${result}`);
  return {
    hookInstance: randomUUID(),
    hook: 'order-sign',
    context: {
      userId: clinician,
      patientId: PATIENT.id,
      draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: order }] },
    },
    prefetch: { patient: PATIENT, pgx: { ...searchset(pgx), total: pgx.length }, ...(user ? { user } : {}) },
  };
}

describe('the pharmacist’s pages in a browser, on the real APIs', () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** The cards the calls created, by drug. */
  const cards: Record<string, Card> = {};
  /** Every URL the pages asked for: all must be this service's. */
  const requested: string[] = [];

  async function post(url: string, body: unknown): Promise<Response> {
    return fetch(`${base}${url}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  async function callFor(drug: string, result: string, clinician: string, user?: JsonObject): Promise<Card> {
    const res = await post('/cds-services/pgx-order-sign', orderSign(drug, result, clinician, user));
    expect(res.status).toBe(200);
    const { cards: answered } = (await res.json()) as { cards: Card[] };
    const card = answered.find((c) => c.summary.toLowerCase().includes(drug));
    if (!card?.uuid) throw new Error(`no ${drug} card`);
    return card;
  }

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
    t = await startTestApp({ env: { PUBLIC_BASE_URL: base, LOG_LEVEL: 'silent' }, webRoot });
    const app = express().use(createApp({ ...t.deps, userAuthenticator: bearer }));
    await new Promise<void>((resolve) => {
      server = app.listen(port, '127.0.0.1', () => {
        resolve();
      });
    });
    // Three prescriptions: codeine and simvastatin overridden (with and without a comment), clopidogrel accepted.
    cards.clopidogrel = await callFor('clopidogrel', 'CYP2C19 *2/*2', 'Practitioner/dr-ada');
    cards.codeine = await callFor('codeine', 'CYP2D6 *1/*1x2', 'Practitioner/dr-ben', DR_BEN);
    cards.simvastatin = await callFor('simvastatin', 'SLCO1B1 *1/*5', 'Practitioner/dr-ada');
    const now = new Date().toISOString();
    const accept = cards.clopidogrel.suggestions?.[0]?.uuid;
    if (!accept) throw new Error('the clopidogrel card offers no suggestion');
    const feedback = await post('/cds-services/pgx-order-sign/feedback', {
      feedback: [
        {
          card: cards.codeine.uuid,
          outcome: 'overridden',
          overrideReason: {
            reason: { code: 'tolerated-before', system: REASON_SYSTEM },
            userComment: 'Took codeine after dental surgery last year without trouble.',
          },
          outcomeTimestamp: now,
        },
        {
          card: cards.simvastatin.uuid,
          outcome: 'overridden',
          overrideReason: { reason: { code: 'will-monitor', system: REASON_SYSTEM } },
          outcomeTimestamp: now,
        },
        {
          card: cards.clopidogrel.uuid,
          outcome: 'accepted',
          acceptedSuggestions: [{ id: accept }],
          outcomeTimestamp: now,
        },
      ],
    });
    expect(feedback.status).toBe(200);

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

  it('asks a browser without a session to sign in, in words, not with the API’s JSON', async () => {
    const response = await page.goto(`${base}/admin/overrides`);
    expect(response?.status()).toBe(401);
    await page.getByRole('heading', { level: 1, name: 'Sign in to open these pages' }).waitFor();
    expect(await page.locator('body').innerText()).not.toContain('OperationOutcome');
    await screenshot(page, '09-sign-in-needed');
  });

  it('signs in with a one-time link and says who is signed in', async () => {
    await page.goto(`${base}/auth/sign-in-link?token=${await signInToken('alice', ['pharmacist'])}`);
    expect(page.url()).toBe(`${base}/admin`);
    expect(await page.getByLabel('Signed in').innerText()).toBe('Signed in as alice (pharmacist)');
    // What waits for the pharmacist, each page's count a link to it: the two overrides, no patient to follow up.
    const pages = page.getByRole('navigation', { name: 'Pages' });
    const notReviewed = pages.getByRole('link', { name: '2 not yet reviewed' });
    await notReviewed.waitFor();
    expect(await notReviewed.getAttribute('href')).toBe('/admin/overrides?reviewed=false');
    const reinterpretations = pages.getByRole('listitem').filter({ hasText: 'knowledge update' });
    await reinterpretations.getByText('Nothing waiting.').waitFor();
    expect(
      await pages.getByRole('listitem').filter({ hasText: 'Alert thresholds' }).innerText(),
    ).not.toContain('waiting');
    await screenshot(page, '10-admin-home');
  });

  it('lists both overrides, a page at a time, and filters them (the filters in the URL)', async () => {
    await page.getByRole('link', { name: 'Override review' }).click();
    await page.getByRole('heading', { level: 1, name: 'Override review' }).waitFor();
    await page.locator('caption', { hasText: 'Overridden alerts 1–2 of 2' }).waitFor();
    const rows = page.locator('tbody tr');
    const all = await rows.allInnerTexts();
    expect(all).toHaveLength(2);
    expect(all.join('\n')).toContain('Patient has tolerated this drug before');
    expect(all.join('\n')).toContain('Will monitor the patient closely');
    // The prescriber by name where the EHR sent it, with the reference under it; the reference alone otherwise.
    expect(all.join('\n')).toMatch(/Dr\. Ben Okafor\s+Practitioner\/dr-ben/);
    expect(all.join('\n')).toContain('Practitioner/dr-ada');
    expect(all.join('\n')).not.toContain('clopidogrel');
    await screenshot(page, '11-overrides-all');

    // A page at a time (one override a page here): the pager and the page number in the URL.
    await page.goto(`${base}/admin/overrides?pageSize=1`);
    await page.locator('caption', { hasText: 'Overridden alerts 1–1 of 2' }).waitFor();
    const newest = await rows.allInnerTexts();
    await page.getByRole('button', { name: 'Older' }).click();
    await page.locator('caption', { hasText: 'Overridden alerts 2–2 of 2' }).waitFor();
    // The new page's caption takes the focus (the pressed button is disabled on the last page): SC 2.4.3.
    await expectFocused(page.locator('caption', { hasText: 'Overridden alerts 2–2 of 2' }));
    expect(new URL(page.url()).searchParams.get('page')).toBe('2');
    expect(await page.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);
    expect([...newest, ...(await rows.allInnerTexts())].sort()).toEqual([...all].sort());
    await page.goBack();
    await page.locator('caption', { hasText: 'Overridden alerts 1–1 of 2' }).waitFor();

    await page.goto(`${base}/admin/overrides`);
    await page.locator('caption', { hasText: 'Overridden alerts 1–2 of 2' }).waitFor();

    await page.getByLabel('Drug').fill('codeine');
    await page.getByLabel('Review').selectOption('false');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator('caption', { hasText: 'Overridden alerts 1–1 of 1' }).waitFor();
    await expectFocused(page.locator('caption', { hasText: 'Overridden alerts 1–1 of 1' }));
    const url = new URL(page.url());
    expect(url.pathname).toBe('/admin/overrides');
    expect(Object.fromEntries(url.searchParams)).toEqual({ drug: 'codeine', reviewed: 'false' });
    const filtered = await rows.allInnerTexts();
    expect(filtered).toEqual([expect.stringContaining(cards.codeine!.summary)]);
    expect(filtered[0]).toContain('CYP2D6');
    await screenshot(page, '12-overrides-filtered');

    // A reload keeps the filters: they live in the URL.
    await page.reload();
    await page.locator('caption', { hasText: 'Overridden alerts 1–1 of 1' }).waitFor();
    expect(await page.getByLabel('Drug').inputValue()).toBe('codeine');
  });

  it('opens the override: the card as shown, the genotype, the reason and comment', async () => {
    await page.getByRole('link', { name: cards.codeine!.summary }).click();
    await page.getByRole('heading', { level: 1, name: 'Overridden alert' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/admin/overrides/${cards.codeine!.uuid!}`);
    const shown = page.getByRole('article', { name: 'The alert as it was shown' });
    expect(await shown.getByRole('heading', { level: 2 }).innerText()).toBe(cards.codeine!.summary);
    const text = await page.locator('main').innerText();
    const { phenotype } = cpicCall('CYP2D6', '*1/*1x2');
    expect(text).toContain('*1/*1x2');
    expect(text).toContain(phenotype);
    expect(text).toContain('Patient has tolerated this drug before');
    expect(text).toContain('Took codeine after dental surgery last year without trouble.');
    expect(text).toContain('Not reviewed yet.');
    expect(text).toContain('to Dr. Ben Okafor (Practitioner/dr-ben)');
    expect(await page.title()).toBe('Codeine – Overridden alert');
    // What was ordered, in the EHR's words (the product) and the dosage its codes say.
    const ordered = page.locator('dl').filter({ hasText: 'Medicine' });
    expect(await ordered.innerText()).toMatch(
      /^Medicine\s+codeine sulfate 30 MG Oral Tablet\s+Dosage\s+1 tablet, Oral route, 4 times a day$/,
    );
    // The alert's own text says why; the page does not say CPIC's recommendation a second time.
    const advice = 'Avoid codeine use because of potential for serious toxicity.';
    expect(text.split(advice).length - 1).toBe(1);
    // The result as the clinician's full explanation shows it: the phenotype with its score, the CPIC allele data it was
    // called with (genes.json CYP2D6 dataVersion), how many results on file.
    const cyp2d6 = page.getByRole('row', { name: /^CYP2D6/ });
    expect(await cyp2d6.innerText()).toMatch(
      /activity score 3\.0\)\s+Called with CPIC allele activity values of 2025, functions of Jul 2023\s+1 result on file\s+dated \d{1,2} \w{3} \d{4}/,
    );
    await screenshot(page, '13-override-detail');
  });

  it('marks it reviewed with a note, with the keyboard; the API’s history records who and when', async () => {
    // Nothing chosen: said at the answers, the first of which takes the focus (SC 3.3.1).
    await page.getByRole('button', { name: 'Save review' }).click();
    const answers = page.getByRole('group', { name: 'Your review' });
    await expectFocused(answers.getByRole('radio').first());
    expect(await answers.getAttribute('aria-describedby')).toBe('review-choice-error');
    expect(await page.locator('#review-choice-error').innerText()).toMatch(/^Choose a conclusion first/);
    expect(
      await answers.getByRole('radio', { name: 'Appropriate', exact: true }).getAttribute('aria-invalid'),
    ).toBe('true');
    const appropriate = page.getByRole('radio', { name: 'Appropriate', exact: true });
    await appropriate.focus();
    await page.keyboard.press('Space');
    expect(await appropriate.isChecked()).toBe(true);
    await page
      .getByLabel('Note (optional)')
      .fill('Previous course documented; patient told to stop if drowsy.');
    await page.getByRole('button', { name: 'Save review' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved: Appropriate.' }).waitFor();
    await expectFocused(page.getByRole('status').filter({ hasText: 'Saved: Appropriate.' }));
    const history = page.getByRole('list', { name: 'Review history, newest first' });
    expect(await history.innerText()).toContain('Appropriate');
    expect(await history.innerText()).toContain('by alice');
    expect(await history.innerText()).toContain(
      'Previous course documented; patient told to stop if drowsy.',
    );
    await screenshot(page, '14-override-reviewed');

    const api = await page.request.get(`${base}/api/overrides/${cards.codeine!.uuid!}`);
    expect(api.status()).toBe(200);
    const detail = (await api.json()) as OverrideDetail;
    expect(detail.history).toEqual([
      {
        status: 'appropriate',
        note: 'Previous course documented; patient told to stop if drowsy.',
        reviewer: 'alice',
        reviewedAt: expect.any(String) as string,
      },
    ]);
    const audited = await t.store.audit.list({ action: 'override.review' });
    expect(audited.map((e) => [e.actor, e.role, e.target])).toEqual([
      ['alice', 'pharmacist', `card:${cards.codeine!.uuid!}`],
    ]);
  });

  it('returns to the filtered list, where the reviewed override no longer shows among the unreviewed', async () => {
    await page.getByRole('link', { name: 'Back to the override list' }).click();
    await page.getByText('No overridden alerts match these filters.').waitFor();
    expect(new URL(page.url()).searchParams.get('drug')).toBe('codeine');
    await page.getByLabel('Review').selectOption('');
    await page.getByLabel('Drug').fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator('caption', { hasText: 'Overridden alerts 1–2 of 2' }).waitFor();
    expect((await page.locator('tbody tr').allInnerTexts()).join('\n')).toContain('Appropriate');
    await screenshot(page, '15-overrides-after-review');
  });

  it('exports the filtered list as CSV', async () => {
    await page.getByLabel('Gene').fill('SLCO1B1');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator('caption', { hasText: 'Overridden alerts 1–1 of 1' }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    // The file name says the filter; the byte-order mark tells a spreadsheet the file is UTF-8.
    expect(download.suggestedFilename()).toMatch(/^overrides-SLCO1B1-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv.startsWith('\uFEFFoverridden_at_utc,shown_at_utc,')).toBe(true);
    const lines = csv.trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(cards.simvastatin!.uuid);
    expect(lines[1]).toContain('will-monitor');
    expect(csv).not.toContain(cards.codeine!.uuid);
    await screenshot(page, '16-overrides-exported');
  });

  it('keeps what was typed into the filters while the list and its reasons are still loading', async () => {
    // Hold the list's answer until a filter has been typed into.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/api/overrides?*', async (route) => {
      await held;
      await route.continue();
    });
    try {
      await page.goto(`${base}/admin/overrides`);
      await page.getByLabel('Drug').fill('codeine');
      release();
      await page.locator('caption', { hasText: 'Overridden alerts' }).waitFor();
      await page
        .getByLabel('Reason')
        .locator('option', { hasText: 'Will monitor' })
        .waitFor({ state: 'attached' });
      expect(await page.getByLabel('Drug').inputValue()).toBe('codeine');
    } finally {
      await page.unroute('**/api/overrides?*');
    }
  });

  it('says next to the filters why the service refused them, and keeps them usable', async () => {
    await page.goto(`${base}/admin/overrides?from=2026-05-02&to=2026-05-01`);
    const refused = page.getByRole('alert').filter({ hasText: 'These filters cannot be applied.' });
    await refused.waitFor();
    expect(await refused.getByRole('listitem').allInnerTexts()).toEqual([
      '“to (inclusive)” must be after “Overridden from”.',
    ]);
    // The refused filter is marked and described by the reasons (SC 3.3.1); the others are not.
    const to = page.locator('#f-to');
    expect(await to.getAttribute('aria-invalid')).toBe('true');
    expect(await to.getAttribute('aria-describedby')).toBe('filters-refused');
    expect(await page.locator('#f-drug').getAttribute('aria-invalid')).toBeNull();
    expect(await page.locator('main').innerText()).not.toContain('This page cannot be shown');
    expect(await page.getByRole('link', { name: 'Export CSV' }).count()).toBe(0);
    // The reason filter still offers the cards' reasons; the form still applies.
    const reason = page.getByLabel('Reason');
    await reason
      .locator('option', { hasText: 'Will monitor the patient closely' })
      .waitFor({ state: 'attached' });
    await screenshot(page, '12b-overrides-filters-refused');
    await page.getByLabel('to (inclusive)').fill('');
    await page.getByLabel('to (inclusive)').fill('2026-04-30');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    // Refused again after "Apply filters": the focus goes to the refused field.
    await expectFocused(to);
    await page.getByLabel('to (inclusive)').fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator('caption', { hasText: 'Overridden alerts' }).waitFor();
    expect(await refused.count()).toBe(0);
    expect(await to.getAttribute('aria-invalid')).toBeNull();
    // Part of the prescriber's name, in any case.
    await page.goto(`${base}/admin/overrides?clinician=okafor`);
    await page.locator('caption', { hasText: 'Overridden alerts 1–1 of 1' }).waitFor();
    expect(await page.locator('tbody tr').innerText()).toContain('Dr. Ben Okafor');
  });

  it('opens the governance figures: totals, charts with captions and tables, per rule and per pair', async () => {
    // A second pharmacist judges the codeine override as alice did: one pair, in agreement.
    await t.store.overrides.addReview({
      cardUuid: cards.codeine!.uuid!,
      status: 'appropriate',
      reviewer: 'bea',
      reviewerRole: 'pharmacist',
      at: new Date(),
    });
    await page.goto(`${base}/admin/kpis`);
    await page.getByRole('heading', { level: 1, name: 'Alert governance figures' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Per drug and gene' }).waitFor();
    expect(await page.getByRole('status').innerText()).toContain(
      '3 alerts shown (3 at order signing), 3 order-sign calls',
    );
    const figures = page.locator('figure.chart');
    expect(await figures.locator('figcaption').allInnerTexts()).toEqual([
      'Alert burden: alerts shown per 100 order-sign calls, per day',
      'Acceptance and override rates, per day',
      'Override reasons, whole period',
      'Clinicians’ ratings of the alerts',
      'Overrides reviewed and judged appropriate, per drug and gene (%)',
      'Data latency: age of the PGx result behind the alerts, per drug and gene (days)',
    ]);
    // uPlot drew a canvas in every chart that has figures (no rating was given, so that one says so in words).
    expect(await figures.locator('canvas').count()).toBe(5);
    expect(await page.getByText('No rating in this period.').count()).toBe(1);
    const totals = await page.getByLabel('Totals of the period').innerText();
    expect(totals).toContain('100'); // 3 alerts over 3 order-sign calls
    expect(totals).toContain('33.3 % (1 of 3 with an outcome)');
    expect(totals).toContain('66.7 % (2 of 3)');
    expect(totals).toContain('50.0 %'); // one of two overrides reviewed
    // Both judged it appropriate: agreement, and κ undefined (no variety to agree beyond chance on).
    expect(totals).toContain('agreed on 1 of 1 override judged by two pharmacists');
    expect(totals).toMatch(/“Will monitor” on wearable-data alerts\s+none in the period/);
    const pairs = await page.locator('.kpi-table').nth(1).locator('tbody tr').allInnerTexts();
    expect(pairs.map((r) => r.split('\t').slice(0, 2))).toEqual(
      expect.arrayContaining([
        ['clopidogrel', 'CYP2C19'],
        ['codeine', 'CYP2D6'],
        ['simvastatin', 'SLCO1B1'],
      ]),
    );
    // The alert count says how many were at order signing, the count the rate beside it is made of.
    const headers = await page.locator('.kpi-table').nth(1).locator('thead th').allInnerTexts();
    expect(headers.slice(2, 4)).toEqual([
      'Alerts (at order signing)',
      'Order-sign alerts per 100 order-sign calls',
    ]);
    expect(pairs.map((r) => r.split('\t').slice(2, 4))).toContainEqual(['1 (1)', '33.3']);
    await screenshot(page, '17-kpis');

    // At 1280 px the bars' names are whole and apart (read in the screenshot; the layout is unit-tested in
    // test/unit/web/chart-text.test.ts), and the legends are lists that do nothing when clicked: uPlot's own legend
    // hid a series on a mouse click, with no focus or role.
    await page.setViewportSize({ width: 1280, height: 800 });
    const review = page.locator('figure.chart', { hasText: 'Overrides reviewed and judged appropriate' });
    await page.waitForTimeout(300);
    await review.screenshot({ path: `${SCREENSHOT_DIR}/17e-kpis-review-chart-1280.png` });
    await page.setViewportSize({ width: 1366, height: 768 });
    expect(await page.locator('.u-legend').count()).toBe(0);
    expect(await review.locator('.chart-legend li').allInnerTexts()).toEqual([
      'Reviewed',
      'Judged appropriate',
    ]);
    const canvas = review.locator('canvas');
    const before = await canvas.screenshot();
    await review.locator('.chart-legend li', { hasText: 'Reviewed' }).click();
    expect((await canvas.screenshot()).equals(before)).toBe(true);

    // The reasons chart's table equivalent names both reasons.
    const reasons = page.locator('figure.chart', { hasText: 'Override reasons' });
    await reasons.getByText('The figures as a table').click();
    const reasonRows = await reasons.locator('tbody tr').allInnerTexts();
    expect(reasonRows.sort()).toEqual([
      'Patient has tolerated this drug before\t1',
      'Will monitor the patient closely\t1',
    ]);
  });

  it('picks the period from the presets, in the URL', async () => {
    await page.getByRole('button', { name: '7 days' }).click();
    // The preset keeps the focus: the period's form is not rebuilt for the new period (SC 2.4.3).
    await expectFocused(page.getByRole('button', { name: '7 days' }));
    const url = new URL(page.url());
    expect([...url.searchParams.keys()].sort()).toEqual(['from', 'to']);
    const days =
      (Date.parse(url.searchParams.get('to')!) - Date.parse(url.searchParams.get('from')!)) / 86_400_000;
    expect(days).toBe(6);
    await page.getByRole('status').filter({ hasText: '3 alerts shown' }).waitFor();
    expect(await page.getByLabel('From').inputValue()).toBe(url.searchParams.get('from'));
  });

  it('lists the patients whose recorded results or advice changed with a knowledge update', async () => {
    await page.goto(`${base}/admin`);
    await page.getByRole('link', { name: 'Results and advice changed by a knowledge update' }).click();
    const status = page.getByRole('status');
    // The patients of this test's calls were all called under the knowledge in force.
    await status.filter({ hasText: 'no result called differently and no advice' }).waitFor();
    expect(await page.locator('table').count()).toBe(0);
    // A patient last seen before the CYP2D6 consensus, whose *1/*3 was called Normal Metabolizer then.
    await t.store.invocations.record(
      callWithResults(
        'Patient/seen-in-2019',
        '2019-03-01T10:00:00Z',
        [CYP2D6_BEFORE_2020],
        'cpic-2019-01-12',
      ),
    );
    // A codeine card given in 2022 whose CPIC text has been revised since (the earlier text is the test's own).
    await t.store.invocations.record({
      ...(await callWithCard(
        'Patient/codeine-2022',
        '2022-06-01T10:00:00Z',
        [genotyped('CYP2D6', '*5/*5')],
        'codeine',
        'cpic-2022-05-30',
        (row) => ({ ...row, recommendation: 'Use an alternative analgesic.' }),
      )),
      userId: 'Practitioner/pr-7',
      userName: 'Dana Reyes',
    });
    await page.reload();
    await status.filter({ hasText: 'a result called differently or advice CPIC no longer gives;' }).waitFor();
    expect(await status.innerText()).toMatch(
      /^Under CPIC data of \d{1,2} [A-Z][a-z]{2} \d{4}, 2 of \d+ patients/,
    );
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    const codeinePoor = cpicRow('codeine', { CYP2D6: cpicCall('CYP2D6', '*5/*5').lookupKey }).row;
    expect((await rows.first().getByRole('cell').allInnerTexts()).map((c) => c.trim())).toEqual([
      'Patient/codeine-2022',
      // Whom to tell: the clinician of the newest call.
      '1 Jun 2022\nDana Reyes\nPractitioner/pr-7',
      'CPIC data of 30 May 2022',
      'Called as then',
      `Codeine\nThen: Use an alternative analgesic. (CPIC Strong)\nNow: ${codeinePoor.recommendation} (CPIC Strong)`,
      'Note (optional)\nMark followed up',
    ]);
    const seen = rows.filter({ hasText: 'Patient/seen-in-2019' });
    expect((await seen.getByRole('cell').allInnerTexts()).map((c) => c.trim())).toEqual([
      'Patient/seen-in-2019',
      '1 Mar 2019',
      'CPIC data of 12 Jan 2019',
      // With what changed in CPIC: the same score, another phenotype.
      `CYP2D6 *1/*3: Normal Metabolizer (activity score 1.0) → ${cpicCall('CYP2D6', '*1/*3').phenotype} (activity score 1.0); CPIC changed the phenotype for activity score 1.0`,
      // No card then (an order-sign call with no order), so no advice to compare.
      'No card’s advice changed',
      // Not followed up yet: a note and the button.
      'Note (optional)\nMark followed up',
    ]);
    await screenshot(page, '17a-reinterpretations');
    // The list as CSV, one row per patient (the export is audited).
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^reinterpretations-\d{4}-\d{2}-\d{2}\.csv$/);
    const exported = readFileSync(await download.path(), 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(exported.map((line) => line.split(',')[0])).toEqual([
      'patient',
      'Patient/codeine-2022',
      'Patient/seen-in-2019',
    ]);
    expect((await t.store.audit.list({ action: 'reinterpretations.export' })).map((e) => e.actor)).toEqual([
      'alice',
    ]);
    // Followed up, with a note: the row says who and the note; the list says none is left to follow up.
    const form = page.getByRole('form', { name: 'Follow-up of Patient/seen-in-2019' });
    await form.getByLabel('Note (optional)').fill('Prescriber called; codeine stopped');
    await form.getByRole('button', { name: 'Mark followed up' }).click();
    await page.getByText('Followed up by alice, ').waitFor();
    expect(await seen.getByRole('cell').last().innerText()).toMatch(
      /^Followed up by alice, \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}: Prescriber called; codeine stopped$/,
    );
    expect(await status.innerText()).toContain('; 1 to follow up.');
    const audited = await t.store.audit.list({ action: 'reinterpretation.follow-up' });
    expect(audited.map((e) => [e.actor, e.target])).toEqual([['alice', 'Patient/seen-in-2019']]);
    await screenshot(page, '17a2-reinterpretation-followed-up');
  });

  it("folds other pharmacists' reviews away from a pharmacist who has not judged the override yet", async () => {
    await context.clearCookies();
    await page.goto(`${base}/auth/sign-in-link?token=${await signInToken('dan', ['pharmacist'])}`);
    await page.goto(`${base}/admin/overrides/${cards.codeine!.uuid!}`);
    const folded = page.getByText('2 reviews by other pharmacists: judge first, then open');
    await folded.waitFor();
    const history = page.getByRole('list', { name: 'Review history, newest first' });
    expect(await history.isVisible()).toBe(false);
    await screenshot(page, '17b-override-second-reviewer');
    await folded.click();
    expect(await history.innerText()).toContain('by alice');
    expect(await history.innerText()).toContain('by bea');
  });

  it("says when pharmacists' judgements differ, in the list, its filter and the override", async () => {
    // dan, signed in above, judges the codeine override not appropriate; alice and bea judged it appropriate.
    await page.getByRole('radio', { name: 'Not appropriate', exact: true }).check();
    await page.getByRole('button', { name: 'Save review' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved: Not appropriate.' }).waitFor();
    const differ = page.locator('.differ');
    expect(await differ.innerText()).toContain('Judgements differ: 2 appropriate, 1 not appropriate.');
    expect(await differ.getByRole('list', { name: 'Current judgements' }).innerText()).toMatch(
      /Not appropriate: dan[^\n]*\nAppropriate: bea[^\n]*\nAppropriate: alice/,
    );
    await screenshot(page, '17b2-override-judgements-differ');
    await page.goto(`${base}/admin/overrides`);
    // The form is drawn again once the reasons arrive with the list: choose after it.
    await page.locator('caption', { hasText: 'Overridden alerts 1–2 of 2' }).waitFor();
    await page.getByLabel('Review').selectOption({ label: 'Judgements differ' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator('caption', { hasText: 'Overridden alerts 1–1 of 1' }).waitFor();
    const row = page.locator('tbody tr').filter({ hasText: cards.codeine!.summary });
    expect(await row.getByRole('cell').last().innerText()).toBe(
      'Judgements differ: 2 appropriate, 1 not appropriate',
    );
    await screenshot(page, '17b3-overrides-judgements-differ');
    await page.goto(`${base}/admin`);
    await page.getByRole('link', { name: '1 with judgements that differ' }).waitFor();
  });

  it('shows the wearable data since a sensor alert overridden with "will monitor"', async () => {
    // Metoprolol for a CYP2D6 poor metabolizer whose watch reads a resting heart rate of 52/min (daily, as Apple Health
    // exports it); the prescriber overrides it, promising to monitor. A later call, with a reading newer by 6 hours,
    // reads 46/min.
    const restingHr = (bpm: number, newestHoursAgo: number): JsonObject[] =>
      Array.from({ length: 7 }, (_, day) => ({
        resourceType: 'Observation',
        id: `rhr-${String(bpm)}-${String(day)}`,
        status: 'final',
        category: [
          {
            coding: [
              { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
            ],
          },
        ],
        code: { coding: [{ system: 'http://loinc.org', code: '40443-4', display: 'Heart rate --resting' }] },
        subject: { reference: `Patient/${String(PATIENT.id)}` },
        effectiveDateTime: new Date(Date.now() - (newestHoursAgo + day * 12) * 3_600_000).toISOString(),
        valueQuantity: {
          value: bpm,
          unit: 'beats/minute',
          system: 'http://unitsofmeasure.org',
          code: '/min',
        },
        device: { display: 'Apple Watch' },
      }));
    const withWatch = (bpm: number, newestHoursAgo: number): JsonObject => {
      const call = orderSign('metoprolol', 'CYP2D6 *5/*5', 'Practitioner/dr-ada');
      return {
        ...call,
        prefetch: { ...(call.prefetch as JsonObject), wearables: searchset(restingHr(bpm, newestHoursAgo)) },
      };
    };
    const first = await post('/cds-services/pgx-order-sign', withWatch(52, 12));
    const card = ((await first.json()) as { cards: Card[] }).cards.find((c) =>
      c.summary.includes('metoprolol'),
    );
    if (!card?.uuid) throw new Error('no metoprolol card');
    expect(card.summary).toContain('resting HR 52/min');
    const overridden = await post('/cds-services/pgx-order-sign/feedback', {
      feedback: [
        {
          card: card.uuid,
          outcome: 'overridden',
          overrideReason: { reason: { code: 'will-monitor', system: REASON_SYSTEM } },
          outcomeTimestamp: new Date().toISOString(),
        },
      ],
    });
    expect(overridden.status).toBe(200);
    expect((await post('/cds-services/pgx-order-sign', withWatch(46, 6))).status).toBe(200);

    // The list says the promised monitoring shows in the data; the detail shows it.
    await page.goto(`${base}/admin/overrides`);
    const filters = page.getByRole('form', { name: 'Filters' });
    await filters.getByLabel('Reason').selectOption({ label: 'Will monitor the patient closely' });
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/reason=will-monitor/);
    // The unfiltered list shows the row too: wait for the filtered list's answer before reading the row's cells.
    await page.waitForLoadState('networkidle');
    const listed = page.getByRole('row', { name: /resting HR 52\/min/ });
    await listed.getByRole('cell', { name: '1 new reading', exact: true }).waitFor();
    const column = await page.getByRole('columnheader').allInnerTexts();
    const cells = await listed.getByRole('cell').allInnerTexts();
    expect(cells[column.indexOf('Wearable data since')]).toBe('1 new reading');
    await screenshot(page, '17c-override-list-since-alert');
    await listed.getByRole('link').click();
    const since = page.getByRole('region', { name: 'Wearable data since the alert' });
    await since.waitFor();
    expect(await since.innerText()).toContain(
      'Readings taken since the alert, from the later call for this patient:',
    );
    const row = since.getByRole('row', { name: /Resting heart rate/ });
    expect(await row.innerText()).toContain('46/min');
    expect(await page.locator('main').innerText()).toContain('Will monitor the patient closely');
    await screenshot(page, '17d-override-since-alert');
    // The governance figures count it: one promise, followed by new readings.
    await page.goto(`${base}/admin/kpis`);
    const totals = page.getByLabel('Totals of the period');
    await totals.waitFor();
    expect(await totals.innerText()).toMatch(
      /“Will monitor” on wearable-data alerts\s+100\.0 % followed by new readings \(1 of 1\)/,
    );
  });

  it('tells a pharmacist in words that the thresholds are for informaticists, not that a link expired', async () => {
    await context.clearCookies();
    await page.goto(`${base}/auth/sign-in-link?token=${await signInToken('paula', ['pharmacist'])}`);
    await page.goto(`${base}/admin/thresholds`);
    await page.getByRole('heading', { level: 1, name: 'Alert thresholds are for informaticists' }).waitFor();
    expect(await page.getByRole('alert').innerText()).not.toContain('link');
    await page.getByRole('link', { name: 'Back to the home page' }).click();
    await page.waitForURL(`${base}/admin`);
  });

  it('opens the figures but not the review to an informaticist', async () => {
    await context.clearCookies();
    await page.goto(`${base}/auth/sign-in-link?token=${await signInToken('ivan', ['informaticist'])}`);
    await page.goto(`${base}/admin/overrides`);
    await page.getByRole('heading', { level: 1, name: 'Override review is for pharmacists' }).waitFor();
    await screenshot(page, '18-informaticist-no-review');
    await page.getByRole('link', { name: 'Open the alert governance figures' }).click();
    await page.getByRole('heading', { level: 2, name: 'Per rule' }).waitFor();
    expect(await page.getByLabel('Signed in').innerText()).toBe('Signed in as ivan (informaticist)');
    // The re-interpretation list names patients: pharmacists only.
    await page.goto(`${base}/admin/reinterpretations`);
    await page.getByRole('heading', { level: 1, name: 'This list is for pharmacists' }).waitFor();
  });

  it('refuses the pages and the APIs to a clinician', async () => {
    // The same browser context, signed out (the packaged Chromium runs single-process, where contexts share cookies).
    await context.clearCookies();
    await page.goto(`${base}/auth/sign-in-link?token=${await signInToken('carol', ['clinician'])}`);
    const response = await page.goto(`${base}/admin/overrides`);
    expect(response?.status()).toBe(403);
    await page
      .getByRole('heading', { level: 1, name: 'These pages are for pharmacists and informaticists' })
      .waitFor();
    expect(await page.getByLabel('Signed in').innerText()).toBe('Signed in as carol (clinician)');
    expect(await page.locator('table').count()).toBe(0);
    await screenshot(page, '19-clinician-refused');
    expect((await page.request.get(`${base}/api/overrides`)).status()).toBe(403);
    expect((await page.request.get(`${base}/api/kpis`)).status()).toBe(403);
  });

  it('keeps a review typed when the session ends, says so, and saves it after signing in again', async () => {
    await context.clearCookies();
    await page.goto(`${base}/auth/sign-in-link?token=${await signInToken('alice', ['pharmacist'])}`);
    const detail = `${base}/admin/overrides/${cards.simvastatin!.uuid!}`;
    await page.goto(detail);
    await page.getByRole('radio', { name: 'Follow-up needed' }).check();
    const note = 'Ask the prescriber which statin was considered instead.';
    await page.getByLabel('Note (optional)').fill(note);
    // The session ends (expired, or signed out elsewhere) while the pharmacist writes.
    await context.clearCookies();
    await page.getByRole('button', { name: 'Save review' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Your session has ended, so the review was not saved.' })
      .waitFor();
    // The header no longer says who is signed in; both say how to sign in again (a sign-in link opens /admin).
    expect(await page.getByLabel('Signed in').count()).toBe(0);
    expect(await page.getByLabel('Session').innerText()).toBe(
      'Your session has ended. Open a new sign-in link in another tab, then come back to this tab.',
    );
    await screenshot(page, '20-override-session-ended');

    // A new sign-in link in another tab; back in this one, a reload (or Save) finds the verdict and note kept.
    const other = await context.newPage();
    await other.goto(`${base}/auth/sign-in-link?token=${await signInToken('alice', ['pharmacist'])}`);
    await other.close();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Overridden alert' }).waitFor();
    expect(await page.getByRole('radio', { name: 'Follow-up needed' }).isChecked()).toBe(true);
    expect(await page.getByLabel('Note (optional)').inputValue()).toBe(note);
    await page.getByRole('button', { name: 'Save review' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved: Follow-up needed.' }).waitFor();
    expect(await page.getByRole('list', { name: 'Review history, newest first' }).innerText()).toContain(
      note,
    );
    // Saved: nothing is kept any more.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Overridden alert' }).waitFor();
    await page.getByRole('button', { name: 'Save review' }).waitFor();
    expect(await page.getByLabel('Note (optional)').inputValue()).toBe('');
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual([]);
  });

  it('asked nothing of any other host', () => {
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => !url.startsWith(base))).toEqual([]);
  });
});
