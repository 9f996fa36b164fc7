/**
 * The pharmacist's pages in a headless Chromium, signed in through a one-time sign-in link (no identity provider
 * needed): the page says who is signed in; the override-review page shell lists `GET /api/overrides` a page at a time.
 * The review API is built separately, so this test serves a stand-in for it with the agreed contract
 * (`{ items, total, page, pageSize }`); the page, the session and the guards are the real ones.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';
import type { Request } from 'express';
import { SignJWT, jwtVerify } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { createApp } from '../../../src/app';
import type { Role, UserAuthenticator } from '../../../src/http/auth';
import { startTestApp } from '../../helpers/app';
import type { TestApp } from '../../helpers/app';
import { buildWebBundle, launchBrowser, screenshot } from '../../helpers/browser';
import { freePort } from '../../helpers/http';

// Building the bundle and starting a browser take seconds on a busy machine; no step's duration is asserted.
jest.setTimeout(60_000);

const KEY = new TextEncoder().encode('admin-pages-bearer-key-of-32-characters!');

const bearer: UserAuthenticator = {
  challenge: 'Bearer realm="pgx-cds"',
  authenticate: async (req: Request) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return undefined;
    try {
      const { payload } = await jwtVerify(token, KEY, { algorithms: ['HS256'] });
      return { id: String(payload.sub), roles: (payload.roles ?? []) as Role[] };
    } catch {
      return undefined;
    }
  },
};

/** Three overridden cards, newest first, as the review API's contract pages them. */
const OVERRIDES = [
  {
    cardUuid: 'c3',
    overriddenAt: '2026-11-28T15:40:00Z',
    drug: 'clopidogrel',
    summary: 'Avoid clopidogrel: CYP2C19 Poor Metabolizer (CPIC Strong)',
    indicator: 'critical',
    reason: { code: 'will-monitor', display: 'Will monitor the patient' },
    reviewed: false,
  },
  {
    cardUuid: 'c2',
    overriddenAt: '2026-11-27T09:05:00Z',
    drug: 'simvastatin',
    summary: 'Adjust simvastatin dose: SLCO1B1 Poor Function (CPIC Strong)',
    indicator: 'warning',
    reviewed: true,
  },
  {
    cardUuid: 'c1',
    overriddenAt: '2026-11-20T11:30:00Z',
    drug: 'codeine',
    summary: 'Avoid codeine: CYP2D6 Ultrarapid Metabolizer (CPIC Strong)',
    indicator: 'critical',
    reason: { code: 'tolerated-before', display: 'Patient has tolerated this drug before' },
    reviewed: false,
  },
];
const PAGE_SIZE = 2;

describe('the pharmacist’s pages in a browser', () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  const overrideRequests: string[] = [];

  beforeAll(async () => {
    const [webRoot, port] = await Promise.all([buildWebBundle(), freePort()]);
    base = `http://127.0.0.1:${port}`;
    t = await startTestApp({ env: { PUBLIC_BASE_URL: base, LOG_LEVEL: 'silent' }, webRoot });
    const outer = express();
    // Stand-in for the review API (built separately), behind the same session as the real one.
    outer.get('/api/overrides', (req, res, next) => {
      const cookie = req.header('cookie') ?? '';
      if (!cookie.includes('pgx_session=')) {
        next();
        return;
      }
      overrideRequests.push(req.originalUrl);
      const n = Number(req.query.page ?? 1);
      res.json({
        items: OVERRIDES.slice((n - 1) * PAGE_SIZE, n * PAGE_SIZE),
        total: OVERRIDES.length,
        page: n,
        pageSize: PAGE_SIZE,
      });
    });
    outer.use(createApp({ ...t.deps, userAuthenticator: bearer }));
    await new Promise<void>((resolve) => {
      server = outer.listen(port, '127.0.0.1', () => {
        resolve();
      });
    });
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  let token: string;

  it('signs in with a one-time link and says who is signed in', async () => {
    token = await new SignJWT({ roles: ['pharmacist'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setJti(randomUUID())
      .setExpirationTime('5m')
      .sign(KEY);
    await page.goto(`${base}/auth/sign-in-link?token=${token}`);
    expect(page.url()).toBe(`${base}/admin`);
    expect(await page.getByLabel('Signed in').innerText()).toBe('Signed in as alice (pharmacist)');
    await screenshot(page, '10-admin-home');
  });

  it('lists the overrides newest first, a page at a time', async () => {
    await page.getByRole('link', { name: 'Override review' }).click();
    await page.getByRole('heading', { level: 1, name: 'Override review' }).waitFor();
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.allInnerTexts()).toEqual([
      expect.stringContaining('Avoid clopidogrel'),
      expect.stringContaining('Adjust simvastatin dose'),
    ]);
    expect(await page.locator('caption').innerText()).toBe('Overridden alerts 1–2 of 3, newest first');
    await screenshot(page, '11-overrides-page-1');
    await page.getByRole('button', { name: 'Older' }).click();
    await page.locator('caption', { hasText: 'Overridden alerts 3–3 of 3' }).waitFor();
    expect(await rows.allInnerTexts()).toEqual([expect.stringContaining('Avoid codeine')]);
    expect(await page.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);
    await screenshot(page, '12-overrides-page-2');
    expect(overrideRequests).toEqual(['/api/overrides?page=1', '/api/overrides?page=2']);
  });

  it('says in words that a sign-in link works once (403)', async () => {
    const response = await page.goto(`${base}/auth/sign-in-link?token=${token}`);
    expect(response?.status()).toBe(403);
    await page.getByRole('heading', { level: 1, name: 'This sign-in link cannot be used' }).waitFor();
    await screenshot(page, '13-sign-in-link-used');
  });
});
