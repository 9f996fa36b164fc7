/**
 * Page sign-in end to end (issue 10 item 5, the page half) in a real headless Chromium: OpenID Connect authorization
 * code + PKCE against a real OpenID provider (oidc-provider 9 in its own process, `test/helpers/oidc-provider.mjs`),
 * with the service also in its own process (`src/main.ts` under tsx: `openid-client` is ESM-only, which jest cannot
 * load). A pharmacist opening `/admin` is sent to the provider, signs in, comes back signed in and sees who they are;
 * sign-out ends the session; a clinician is refused the pages. Screenshots under `test-artifacts/screenshots/`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DIST_WEB, buildWebBundle, launchBrowser, screenshot, startNodeProcess } from '../../helpers/browser';
import type { StartedProcess } from '../../helpers/browser';
import { openStore } from '../../../src/store';
import { freePort } from '../../helpers/http';

const CLIENT_ID = 'pgx-pages';
const CLIENT_SECRET = 'browser-test-client-secret';

// Two processes, a bundle and a browser take seconds on a busy machine; no step's duration is asserted.
jest.setTimeout(60_000);

describe('signing in to the pages with OpenID Connect', () => {
  let provider: StartedProcess;
  let service: StartedProcess;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Requests made by this service's own pages: all must stay on its origin. */
  const fromOurPages: string[] = [];

  const databaseUrl = path.join(mkdtempSync(path.join(tmpdir(), 'pgx-sign-in-')), 'cds.sqlite');

  beforeAll(async () => {
    const [providerPort, servicePort] = await Promise.all([freePort(), freePort(), buildWebBundle(DIST_WEB)]);
    base = `http://127.0.0.1:${servicePort}`;
    provider = await startNodeProcess(
      [
        'test/helpers/oidc-provider.mjs',
        String(providerPort),
        `${base}/auth/callback`,
        CLIENT_ID,
        CLIENT_SECRET,
      ],
      {},
      'ready ',
    );
    service = await startNodeProcess(
      ['--import', 'tsx', 'src/main.ts'],
      {
        NODE_ENV: 'development',
        PORT: String(servicePort),
        PUBLIC_BASE_URL: base,
        DATABASE_URL: databaseUrl,
        OIDC_ISSUER: `http://localhost:${providerPort}`,
        OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_CLIENT_SECRET: CLIENT_SECRET,
        SESSION_SECRET: 'browser-test-session-secret-of-32-chars',
        LOG_LEVEL: 'info',
        THRESHOLDS_RELOAD_SECONDS: '0',
      },
      'serving ',
    );
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    // Nothing leaves the machine (the provider's development login page asks for a web font).
    await context.route('**/*', (route) => {
      const { hostname } = new URL(route.request().url());
      return hostname === '127.0.0.1' || hostname === 'localhost' ? route.continue() : route.abort();
    });
    page = await context.newPage();
    page.on('request', (r) => {
      if (page.url().startsWith(base)) fromOurPages.push(r.url());
    });
  });
  afterAll(async () => {
    await browser.close();
    await service.stop();
    await provider.stop();
  });

  async function signInAtProvider(login: string): Promise<void> {
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    // The test identity provider's own development login form: looked at, not ours to check.
    await screenshot(page, `6-provider-login-${login}`, { notOurs: true });
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  it('sends a browser without a session to the provider, and back to the page signed in', async () => {
    await page.goto(`${base}/admin`);
    expect(new URL(page.url()).hostname).toBe('localhost');
    await signInAtProvider('alice');
    await page.getByRole('heading', { level: 1, name: 'Pharmacist and informaticist pages' }).waitFor();
    expect(page.url()).toBe(`${base}/admin`);
    const who = await page.getByLabel('Signed in').innerText();
    expect(who).toBe('Signed in as Alice Pharmacist (pharmacist)');
    await screenshot(page, '7-signed-in');
    const cookies = await context.cookies(base);
    const session = cookies.find((c) => c.name === 'pgx_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
  });

  it('says, on a new service, that no alert has been overridden and no result recorded yet', async () => {
    await page.goto(`${base}/admin/overrides`);
    const empty = page.getByRole('status').filter({ hasText: 'No alert has been overridden yet.' });
    await empty.waitFor();
    expect(await empty.innerText()).toContain('the EHR sends that feedback');
    // Filtered, the same empty list says the filters found nothing.
    await page.goto(`${base}/admin/overrides?drug=codeine`);
    await page.getByText('No overridden alerts match these filters.').waitFor();
    await screenshot(page, '7b-overrides-empty');
    // Nor has any call recorded results to read again after a knowledge update.
    await page.goto(`${base}/admin/reinterpretations`);
    await page
      .getByText(
        "No call has recorded a patient's results yet: there is nothing to read again under CPIC data of",
      )
      .waitFor();
  });

  it('says when the session has ended on a page, and signs in again back to that page', async () => {
    await page.goto(`${base}/admin/overrides?drug=codeine`);
    await page.getByText('No overridden alerts match these filters.').waitFor();
    await context.clearCookies();
    await page.getByLabel('Drug').fill('metoprolol');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const ended = page.getByLabel('Session');
    await ended.waitFor();
    expect(await ended.innerText()).toBe('Your session has ended. Sign in again and return to this page');
    const again = ended.getByRole('link', { name: 'Sign in again and return to this page' });
    // Back to the same list with the filters as they were last applied.
    expect(await again.getAttribute('href')).toBe(
      '/auth/sign-in?returnTo=%2Fadmin%2Foverrides%3Fdrug%3Dmetoprolol',
    );
    await screenshot(page, '7c-session-ended');
    await again.click();
    await signInAtProvider('alice');
    await page.waitForURL(`${base}/admin/overrides?drug=metoprolol`);
    expect(await page.getByLabel('Signed in').innerText()).toBe('Signed in as Alice Pharmacist (pharmacist)');
    expect(await page.getByLabel('Drug').inputValue()).toBe('metoprolol');
    await page.getByText('No overridden alerts match these filters.').waitFor();
  });

  it('signs out: the page says so and the session no longer opens the pages', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'You are signed out' }).waitFor();
    await screenshot(page, '8-signed-out');
    const me = await page.request.get(`${base}/auth/me`);
    expect(me.status()).toBe(401);
    // Each sign-in and the sign-out are access events in the audit trail, with the identity provider.
    const store = await openStore(databaseUrl);
    try {
      const events = await store.audit.list({ actor: 'alice' });
      expect(events.map((e) => e.action)).toEqual(['session.sign-out', 'session.sign-in', 'session.sign-in']);
      expect(events[2]).toMatchObject({
        role: 'pharmacist',
        target: 'user:alice',
        details: { method: 'oidc', roles: ['pharmacist'] },
      });
      expect(String(events[2]?.details.issuer)).toMatch(/^http:\/\/localhost:\d+$/);
    } finally {
      await store.close();
    }
  });

  it('refuses the pages to a user without a pharmacist or informaticist role', async () => {
    await context.clearCookies();
    await page.goto(`${base}/admin`);
    await signInAtProvider('carol');
    await page.waitForURL(`${base}/admin`);
    await page
      .getByRole('heading', { level: 1, name: 'These pages are for pharmacists and informaticists' })
      .waitFor();
    expect(await page.getByLabel('Signed in').innerText()).toBe('Signed in as Carol Clinician (clinician)');
    await screenshot(page, '9-clinician-refused');
  });

  it('asked nothing of any other host from its own pages', () => {
    expect(fromOurPages.length).toBeGreaterThan(0);
    expect(fromOurPages.filter((url) => !url.startsWith(base) && !url.includes('localhost'))).toEqual([]);
  });
});
