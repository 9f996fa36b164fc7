/**
 * Browser tests' one helper: a real headless Chromium driven by `playwright-core`, the web front end built from the
 * current sources, and screenshots saved as test artifacts (`test-artifacts/screenshots/`, gitignored).
 *
 * The Chromium is, in order: `CHROMIUM_PATH`; a `chromium`, `chromium-browser` or `google-chrome` on `PATH`; else the
 * one shipped inside the `@sparticuz/chromium` npm package, so `npm ci && npm test` needs no browser installed.
 * Each screenshot's page is also checked for accessibility with axe-core (`screenshot`).
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';
import type { Browser, Locator, Page } from 'playwright-core';

const ROOT = path.resolve(__dirname, '..', '..');

/** What the browser tests use of `@sparticuz/chromium` (its CommonJS build, through `require`). */
interface PackagedChromium {
  executablePath(): Promise<string>;
  readonly args: string[];
}
export const SCREENSHOT_DIR = path.join(ROOT, 'test-artifacts', 'screenshots');

function executableOnPath(names: readonly string[]): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** Where the Chromium comes from, and how to start it. */
export async function findChromium(): Promise<{ executablePath: string; args: string[]; from: string }> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return { executablePath: configured, args: [], from: 'CHROMIUM_PATH' };
  const system = executableOnPath(['chromium', 'chromium-browser', 'google-chrome']);
  if (system) return { executablePath: system, args: [], from: 'PATH' };
  // The package is ESM-first; its CommonJS build is what jest (CommonJS) can load.
  const packaged = createRequire(__filename)('@sparticuz/chromium') as PackagedChromium;
  return {
    executablePath: await packaged.executablePath(),
    args: packaged.args,
    from: '@sparticuz/chromium',
  };
}

export async function launchBrowser(): Promise<Browser> {
  const { executablePath, args } = await findChromium();
  return chromium.launch({ executablePath, args, headless: true });
}

/**
 * Builds the web front end from the current sources, by default into a fresh temporary folder (the app under test
 * serves it through `webRoot`), so a browser test never runs against a stale bundle. A server started as its own
 * process serves `dist/web`: pass that folder.
 */
export async function buildWebBundle(
  outDir: string = mkdtempSync(path.join(tmpdir(), 'pgx-web-')),
): Promise<string> {
  await promisify(execFile)(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      path.join(ROOT, 'web', 'vite.config.mjs'),
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'error',
    ],
    { cwd: ROOT },
  );
  return outDir;
}

/** Where `npm run build` puts the front end, which `src/main.ts` serves. */
export const DIST_WEB = path.join(ROOT, 'dist', 'web');

/** A child process started by a test, and how to stop it. */
export interface StartedProcess {
  readonly child: ChildProcess;
  /** Everything it wrote so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `node <args>` in the repository with `env` added, and resolves once a line of its output contains `ready`;
 * rejects with its output if it exits first.
 */
export function startNodeProcess(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  ready: string,
): Promise<StartedProcess> {
  const child = spawn(process.execPath, [...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const started: StartedProcess = {
      child,
      output: () => output,
      stop: () =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            done();
            return;
          }
          child.once('exit', () => {
            done();
          });
          child.kill('SIGTERM');
        }),
    };
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.includes(ready)) resolve(started);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      reject(new Error(`node ${args.join(' ')} exited (${String(code)}) before it was ready:\n${output}`));
    });
  });
}

/**
 * What every page of ours must pass (axe-core): WCAG 2.0, 2.1 and 2.2 levels A and AA, and axe's best practices
 * (one main landmark, all content in landmarks, headings in order). Clinicians, pharmacists and patients use them with
 * screen readers, keyboards and magnifiers. The charts are canvases axe cannot read; each has its figures as a table
 * or a "Latest" line beside it, which it does read.
 */
const ACCESSIBILITY_TAGS = [
  'wcag2a',
  'wcag2aa',
  'wcag21a',
  'wcag21aa',
  'wcag22a',
  'wcag22aa',
  'best-practice',
];

/** Each axe violation in a line: the rule, its impact, what it asks, and the first elements that break it. */
function violationLines(violations: Awaited<ReturnType<AxeBuilder['analyze']>>['violations']): string[] {
  return violations.map(
    (v) =>
      `${v.id} (${v.impact ?? 'no impact given'}): ${v.help}; ${v.nodes.length} element(s), e.g. ` +
      v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(' '))
        .join(', '),
  );
}

/**
 * Saves a full-page screenshot of the step as `test-artifacts/screenshots/{name}.png` and returns its path; then
 * checks the page as it is against `ACCESSIBILITY_TAGS`, failing the test with each violation in a line. So every
 * state of every page a test looks at is also checked. `notOurs`: a page of another program (the test identity
 * provider's login form), saved to be looked at, not checked.
 */
export async function screenshot(page: Page, name: string, { notOurs = false } = {}): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (!notOurs) {
    const { violations } = await new AxeBuilder({ page }).withTags(ACCESSIBILITY_TAGS).analyze();
    if (violations.length > 0) {
      throw new Error(
        `${name}: accessibility violations (axe-core):\n${violationLines(violations).join('\n')}`,
      );
    }
  }
  return file;
}

/**
 * Waits (up to 5 s) until `locator`'s element holds the keyboard focus (WCAG SC 2.4.3: an action must not drop the
 * focus to the page's start); fails naming what holds the focus instead.
 */
export async function expectFocused(locator: Locator): Promise<void> {
  const page = locator.page();
  const handle = await locator.elementHandle({ timeout: 5_000 });
  // The test code is compiled without the DOM's types: the page's `document` is reached through `globalThis`.
  const focused = (el: unknown): boolean =>
    el === (globalThis as unknown as PageGlobals).document.activeElement;
  try {
    await page.waitForFunction(focused, handle, { timeout: 5_000 });
  } catch {
    const active = await page.evaluate(() => {
      const a = (globalThis as unknown as PageGlobals).document.activeElement;
      return a ? `<${a.tagName.toLowerCase()}> "${(a.textContent ?? '').trim().slice(0, 80)}"` : 'nothing';
    });
    throw new Error(`the focus is on ${active}, not on the element expected`);
  }
}

/** What `expectFocused` reads of the page. */
interface PageGlobals {
  readonly document: {
    readonly activeElement: { readonly tagName: string; readonly textContent: string | null } | null;
  };
}
