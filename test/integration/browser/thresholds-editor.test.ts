/**
 * The informaticist's threshold editor (`/admin/thresholds`, issue 11) in a headless Chromium, signed in through a
 * one-time sign-in link: open the editor, make an invalid edit and read the message, make a valid one, replay
 * recorded calls; open a sensor rule's JSON, make it invalid and read the message, fix it; publish (refused until a
 * dry run passes), roll back. The API, the registry and the hooks are the real ones.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { createApp } from '../../../src/app';
import { startTestApp } from '../../helpers/app';
import type { TestApp } from '../../helpers/app';
import { buildWebBundle, expectFocused, launchBrowser, screenshot } from '../../helpers/browser';
import { freePort } from '../../helpers/http';
import { hs256Bearer } from '../../helpers/users';

// Building the bundle and starting a browser take seconds on a busy machine; no step's duration is asserted.
jest.setTimeout(90_000);

const KEY = new TextEncoder().encode('thresholds-editor-key-of-32-characters!');
const EXAMPLE = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../../examples/order-sign-clopidogrel-cyp2c19-pm.json'), 'utf8'),
) as Record<string, unknown>;
const CALLS = 4;

/** Bearer tokens of the test's own issuer (HS256): the sign-in link carries one. */
const bearer = hs256Bearer(KEY);

describe('the threshold editor in a browser', () => {
  let t: TestApp;
  let app: ReturnType<typeof createApp>;
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  let defaultVersion: string;

  /** The indicators of one order-sign call of the example (clopidogrel, CYP2C19 poor metabolizer). */
  async function indicators(): Promise<string[]> {
    const res = await request(app)
      .post('/cds-services/pgx-order-sign')
      .send({ ...EXAMPLE, hookInstance: randomUUID() })
      .expect(200);
    return (res.body as { cards: { indicator: string }[] }).cards.map((c) => c.indicator);
  }

  /** Sets a value of the draft through its labelled control, after filtering the table to it. */
  async function setValue(filter: string, label: string, value: string): Promise<void> {
    await page.getByLabel('Show values for a drug or rule').fill(filter);
    const control = page.getByLabel(label, { exact: true });
    if ((await control.evaluate((el: { tagName: string }) => el.tagName)) === 'SELECT')
      await control.selectOption(value);
    else await control.fill(value);
  }

  beforeAll(async () => {
    const [webRoot, port] = await Promise.all([buildWebBundle(), freePort()]);
    base = `http://127.0.0.1:${port}`;
    t = await startTestApp({ env: { PUBLIC_BASE_URL: base, LOG_LEVEL: 'silent' }, webRoot });
    app = createApp({ ...t.deps, userAuthenticator: bearer });
    defaultVersion = t.thresholds.live().thresholdVersion;
    for (let i = 0; i < CALLS; i += 1) expect(await indicators()).toEqual(['critical']);
    await new Promise<void>((resolve) => {
      server = app.listen(port, '127.0.0.1', () => {
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

  it('opens the editor from the admin home', async () => {
    const token = await new SignJWT({ roles: ['informaticist'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ivan')
      .setJti(randomUUID())
      .setExpirationTime('5m')
      .sign(KEY);
    await page.goto(`${base}/auth/sign-in-link?token=${token}`);
    await page.getByRole('link', { name: 'Alert thresholds' }).click();
    await page.getByRole('heading', { level: 1, name: 'Alert thresholds' }).waitFor();
    expect(await page.locator('.lead').first().innerText()).toContain(`In force: ${defaultVersion}`);
    await page.getByRole('button', { name: 'Show every value with its source' }).click();
    await page
      .getByRole('cell', { name: /^CPIC 2024 β-blocker guideline/ })
      .first()
      .waitFor();
    await screenshot(page, '20-thresholds-in-force');
    // The CPIC rows share one source: it is said once, beside all of them, not once per row.
    const policy = page.getByRole('cell', { name: /^Service policy, as CPIC sets no alert levels/ });
    expect(await policy.count()).toBe(1);
    expect(Number(await policy.getAttribute('rowspan'))).toBeGreaterThan(4);
    // Every source reads as finished text: all its citations, no research-note path, section number or "verify".
    const values = page.getByLabel('Every value in force');
    const lowHr = values.getByRole('cell', { name: /bradycardia < 50\/min per 2018 ACC\/AHA\/HRS/ }).first();
    await lowHr.scrollIntoViewIfNeeded();
    expect(await lowHr.innerText()).toMatch(
      /^CPIC 2024 β-blocker guideline .*; DPWG metoprolol .*; bradycardia < 50/,
    );
    expect(await values.innerText()).not.toMatch(/verify|\.md\b|\.json\b|§|research\/|knowledge\//i);
    await screenshot(page, '20b-thresholds-sources');
    await page.getByRole('button', { name: 'Hide the values' }).click();
  });

  it('refuses an invalid edit and says why in words', async () => {
    // The name's rule is said before it is broken, not only by the browser's "match the requested format".
    const nameHint = await page.locator('#draft-name-hint').innerText();
    expect(nameHint).toContain('no spaces');
    expect(await page.getByLabel('Draft name').getAttribute('aria-describedby')).toBe('draft-name-hint');
    await page.getByLabel('Draft name').fill('strong-avoid-warning');
    await page.getByRole('button', { name: 'Start a draft from the set in force' }).click();
    await page.getByRole('heading', { level: 2, name: 'Draft strong-avoid-warning' }).waitFor();
    // The form that started it is gone: the draft's heading takes the focus (SC 2.4.3).
    await expectFocused(page.getByRole('heading', { level: 2, name: 'Draft strong-avoid-warning' }));
    const window =
      'Data sufficiency: resting heart rate: Days of resting heart rate data a rule looks back over';
    await setValue('resting heart rate', window, '2');
    await page.getByRole('button', { name: 'Check and save the draft' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain(
      'Data sufficiency for resting heart rate: the window of 2 days is shorter than the 4 days with data it requires, so no rule could ever act on it.',
    );
    await screenshot(page, '21-thresholds-invalid-edit');
    await setValue('resting heart rate', window, '7');
  });

  it('saves a valid edit, shows the change and replays recorded calls', async () => {
    await setValue(
      'Strong row that advises avoid',
      'CPIC recommendation: Card for a CPIC Strong row that advises avoid',
      'warning',
    );
    await page.getByRole('button', { name: 'Check and save the draft' }).click();
    await page.getByText('Draft saved.').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(
      await page.getByRole('region', { name: 'Changes against the set in force' }).innerText(),
    ).toContain('Card for a CPIC Strong row that advises avoid: critical → warning.');
    await page.getByLabel('Replay the most recent calls').fill('100');
    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    const summary = page.locator('.replay-summary').first();
    await summary.waitFor();
    expect(await summary.innerText()).toContain(`${String(CALLS)} recent calls replayed`);
    expect(await summary.innerText()).toContain(`${String(CALLS)} would change level`);
    const pairRow = page.getByRole('row', { name: /clopidogrel – CYP2C19/ });
    expect(await pairRow.innerText()).toMatch(/Critical → Warning: .*clopidogrel/i);
    await page.locator('.chart canvas').waitFor();
    await screenshot(page, '22-thresholds-replay');
  });

  it('runs the draft in shadow on live calls without showing its cards', async () => {
    await page.getByRole('button', { name: 'Run this draft in shadow on live calls' }).click();
    await page.getByText('This draft runs in shadow').waitFor();
    expect(await indicators()).toEqual(['critical']);
    const seen = page.getByText('1 live call assessed in shadow', { exact: false });
    // The comparison is written shortly after the call's answer: ask again until it is there.
    for (let i = 0; i < 50 && !(await seen.isVisible()); i += 1) {
      await page.getByRole('button', { name: 'Show what the shadow saw' }).click();
      await page.waitForTimeout(100);
    }
    expect(await seen.innerText()).toContain('1 would change level');
    await screenshot(page, '22b-thresholds-shadow');
    await page.getByRole('button', { name: 'Stop the shadow' }).click();
    await page.getByText('No draft runs in shadow.').waitFor();
  });

  it('edits a sensor rule as JSON: a broken rule is refused with its reason, the corrected one saved', async () => {
    const R1 = 'R1-metoprolol-resting-hr';
    await page.getByRole('button', { name: `Edit ${R1} as JSON` }).click();
    const json = page.getByLabel(`JSON of sensor rule ${R1}`);
    const original = await json.inputValue();
    expect(JSON.parse(original)).toMatchObject({ id: R1, enabled: true });
    await json.fill(original.replace('"operator": "lessThan"', '"operator": "between"'));
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    const refusal = page.locator('.rule-editor [role="alert"]');
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain(
      `Sensor rule ${R1}, trigger resting-hr-below-60: operator: must be lessThan, lessThanInclusive, greaterThan or greaterThanInclusive (is "between").`,
    );
    await refusal.scrollIntoViewIfNeeded();
    await screenshot(page, '22c-thresholds-rule-invalid');
    await json.fill('{ "id": ');
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await page.locator('.rule-editor [role="alert"]', { hasText: 'The rule is not valid JSON' }).waitFor();
    await json.fill(
      original
        .replace('"operator": "between"', '"operator": "lessThan"')
        .replace('"value": 60,', '"value": 58,'),
    );
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await page.getByText('The rule passes every check;', { exact: false }).waitFor();
    await screenshot(page, '22d-thresholds-rule-checked');
    await page.getByRole('button', { name: 'Save the rule' }).click();
    await page.getByText(`Sensor rule ${R1} saved.`).waitFor();
    const rule = page.locator('.sensor-rule', { has: page.getByRole('heading', { name: R1 }) });
    expect(await rule.innerText()).toContain(
      'Raise the card one step when the resting heart rate over the last 7 days is below 58/min.',
    );
    expect(
      await page.getByRole('region', { name: 'Changes against the set in force' }).innerText(),
    ).toContain(`Sensor rule ${R1}, trigger resting-hr-below-60: value: 60 → 58.`);

    // A rule whose every field is valid but which contradicts itself: saved, and its dry run fails saying why.
    await page.getByRole('button', { name: `Edit ${R1} as JSON` }).click();
    const saved = await json.inputValue();
    await json.fill(saved.replace('"operator": "lessThan"', '"operator": "greaterThan"'));
    await page.getByRole('button', { name: 'Save the rule' }).click();
    await page.getByText(`Sensor rule ${R1} saved.`).waitFor();
    await page.getByRole('button', { name: 'Dry run the draft' }).click();
    const failed = page.locator('.dry-run');
    await failed.getByText('Dry run failed', { exact: false }).waitFor();
    expect(await failed.innerText()).toMatch(
      /At 65\/min: lowers the card one step\.\s+It did not lower the card: at the same value trigger resting-hr-below-60 raises the card, so nothing is lowered\./,
    );
    await screenshot(page, '22e-thresholds-dry-run-failed');
    await page.getByRole('button', { name: `Edit ${R1} as JSON` }).click();
    await json.fill(saved);
    await page.getByRole('button', { name: 'Save the rule' }).click();
    await page.getByText(`Sensor rule ${R1} saved.`).waitFor();
    expect(await page.locator('.dry-run').count()).toBe(0);
  });

  it('publishes only after a passing dry run: the next call uses the new set', async () => {
    // Not offered until the draft as saved has passed a dry run.
    expect(await page.getByRole('button', { name: 'Publish strong-avoid-warning' }).count()).toBe(0);
    expect(await page.locator('.publish-blocked').innerText()).toBe(
      'Dry-run the draft as it stands before publishing it.',
    );
    // A value changed on screen and not saved: the dry run saves it first, so what is published is what is shown.
    await setValue(
      'Moderate row that advises monitor',
      'CPIC recommendation: Card for a CPIC Moderate row that advises monitor',
      'info',
    );
    await page.getByText('Changes on screen are not saved yet.').waitFor();
    expect(await page.locator('.publish-blocked').innerText()).toBe(
      'You have changes on screen that are not saved: save the draft and dry-run it before publishing.',
    );
    await page.locator('.publish-blocked').scrollIntoViewIfNeeded();
    await screenshot(page, '22g-thresholds-unsaved');
    await page.getByRole('button', { name: 'Save and dry run the draft' }).click();
    await page.getByText('Dry run passed:', { exact: false }).waitFor();
    await page.getByText('Dry run passed:', { exact: false }).scrollIntoViewIfNeeded();
    await screenshot(page, '22f-thresholds-dry-run');
    await page
      .getByLabel('Why this change (kept with the version)')
      .fill('Fewer interruptions for clopidogrel');
    await page.getByRole('button', { name: 'Publish strong-avoid-warning' }).click();
    await page
      .getByText(`Published strong-avoid-warning; it replaces ${defaultVersion} from the next call.`)
      .waitFor();
    // The editor is gone: the status line saying so takes the focus, scrolled into view (SC 2.4.3).
    const published = page.getByRole('status').filter({ hasText: 'Published strong-avoid-warning;' });
    await expectFocused(published);
    const box = await published.boundingBox();
    expect(box?.y).toBeGreaterThanOrEqual(0);
    expect(box?.y).toBeLessThan(page.viewportSize()?.height ?? 0);
    expect(await indicators()).toEqual(['warning']);
    expect(t.thresholds.live().thresholds.interruption.Moderate.monitor).toBe('info');
    await screenshot(page, '23-thresholds-published');
  });

  it('lists a saved draft after a reload and opens it again', async () => {
    await page.getByLabel('Draft name').fill('ui-resume');
    await page.getByRole('button', { name: 'Start a draft from the set in force' }).click();
    await page.getByRole('heading', { level: 2, name: 'Draft ui-resume' }).waitFor();
    await page.reload();
    const row = page.getByRole('row', { name: /ui-resume/ });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/strong-avoid-warning\s.*by ivan\s+Not dry-run yet\s+No/s);
    await screenshot(page, '23b-thresholds-open-drafts');
    await page.getByRole('button', { name: 'Open ui-resume' }).click();
    await page.getByRole('heading', { level: 2, name: 'Draft ui-resume' }).waitFor();
    expect(await page.getByText('Made from strong-avoid-warning', { exact: false }).count()).toBe(1);
  });

  it('says a draft made from a version no longer in force would undo it, and carries its changes over', async () => {
    await setValue(
      'Optional row that advises avoid',
      'CPIC recommendation: Card for a CPIC Optional row that advises avoid',
      'warning',
    );
    await page.getByRole('button', { name: 'Check and save the draft' }).click();
    await page.getByText('Draft saved.').waitFor();
    // A colleague publishes another draft made from the same version meanwhile (through the API).
    const colleagueToken = await new SignJWT({ roles: ['informaticist'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bob')
      .setExpirationTime('5m')
      .sign(KEY);
    const colleague = { Authorization: `Bearer ${colleagueToken}` };
    const made = await request(app)
      .post('/api/thresholds/drafts')
      .set(colleague)
      .send({ version: 'bob-quiet' })
      .expect(201);
    const set = (made.body as { set: { interruption: Record<string, Record<string, string>> } }).set;
    await request(app)
      .put('/api/thresholds/drafts/bob-quiet')
      .set(colleague)
      .send({
        set: {
          ...set,
          interruption: {
            ...set.interruption,
            Optional: { ...set.interruption.Optional, monitor: 'warning' },
          },
        },
      })
      .expect(200);
    await request(app)
      .post('/api/thresholds/drafts/bob-quiet/dry-run')
      .set(colleague)
      .send({ last: 0 })
      .expect(200);
    await request(app)
      .post('/api/thresholds/publish')
      .set(colleague)
      .send({ version: 'bob-quiet', comment: 'Quieter for a month' })
      .expect(200);
    await page.reload();
    await page.getByRole('button', { name: 'Open ui-resume' }).click();
    const behind = page.getByRole('region', {
      name: 'bob-quiet came into force after this draft was made from strong-avoid-warning',
    });
    await behind.waitFor();
    expect(await behind.innerText()).toContain(
      'Card for a CPIC Optional row that advises monitor: warning → info. (undoing bob-quiet)',
    );
    expect(await page.locator('.publish-blocked').innerText()).toBe(
      'Carry this draft’s changes onto the version in force first (above).',
    );
    await behind.scrollIntoViewIfNeeded();
    await screenshot(page, '23c-thresholds-behind');
    await page.getByRole('button', { name: 'Carry my changes onto bob-quiet' }).click();
    await page.getByText('Your changes were carried onto bob-quiet', { exact: false }).waitFor();
    expect(await page.getByText('Made from bob-quiet', { exact: false }).count()).toBe(1);
    expect(
      await page.getByRole('region', { name: 'Changes against the set in force' }).innerText(),
    ).toContain('Card for a CPIC Optional row that advises avoid: info → warning.');
    await page.getByRole('button', { name: 'Dry run the draft' }).click();
    await page.getByText('Dry run passed:', { exact: false }).waitFor();
    await page.getByLabel('Why this change (kept with the version)').fill('Shorter card for an edited order');
    await page.getByRole('button', { name: 'Publish ui-resume' }).click();
    await page.getByText('Published ui-resume; it replaces bob-quiet from the next call.').waitFor();
    // Both changes in force: the colleague's, kept, and the draft's own.
    expect(t.thresholds.live().thresholds.interruption.Optional).toMatchObject({
      monitor: 'warning',
      avoid: 'warning',
    });
  });

  it('rolls back to an earlier version in one action', async () => {
    await page.getByLabel('Draft name').fill('strong-avoid-critical');
    await page.getByRole('button', { name: 'Start a draft from the set in force' }).click();
    await setValue(
      'Strong row that advises avoid',
      'CPIC recommendation: Card for a CPIC Strong row that advises avoid',
      'critical',
    );
    await page.getByRole('button', { name: 'Check and save the draft' }).click();
    await page.getByText('Draft saved.').waitFor();
    await page.getByRole('button', { name: 'Dry run the draft' }).click();
    await page.getByText('Dry run passed:', { exact: false }).waitFor();
    await page.getByLabel('Why this change (kept with the version)').fill('Back to interrupting');
    await page.getByRole('button', { name: 'Publish strong-avoid-critical' }).click();
    await page.getByText('Published strong-avoid-critical;', { exact: false }).waitFor();
    expect(await indicators()).toEqual(['critical']);

    // Without a reason: said at the field, which takes the focus; nothing is sent (SC 3.3.1, 3.3.2).
    const why = page.getByLabel('Why roll back (required; kept with the version)');
    expect(await why.getAttribute('required')).not.toBeNull();
    await page.getByRole('button', { name: 'Roll back to strong-avoid-warning' }).click();
    await expectFocused(why);
    expect(await why.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#rollback-comment-error').innerText()).toBe(
      'Say why you roll back before choosing the version: the reason is kept with it.',
    );
    expect(await page.locator('main').innerText()).not.toContain('comment:');
    await why.fill('Pharmacy asked for the quieter set');
    await page.getByRole('button', { name: 'Roll back to strong-avoid-warning' }).click();
    await page
      .getByText('Rolled back to strong-avoid-warning; it replaces strong-avoid-critical from the next call.')
      .waitFor();
    await expectFocused(page.getByRole('status').filter({ hasText: 'Rolled back to strong-avoid-warning;' }));
    expect(await indicators()).toEqual(['warning']);
    // The page says so at once and then reloads its history: the newest row says it once the reload is in (reading
    // the row right away raced the reload and saw the publication before, failing one CI run).
    await page
      .locator('section[aria-labelledby="history"] tbody tr')
      .first()
      .getByText('Rolled back to strong-avoid-warning')
      .waitFor();
    // Watch after publish: the same rule fires at its usual rate (one card per call), so nothing is flagged.
    expect(
      await page.getByRole('region', { name: 'Since strong-avoid-warning came into force' }).innerText(),
    ).toContain('Every rule fires within its usual range');
    await screenshot(page, '24-thresholds-rolled-back');
  });
});
