/**
 * Browser tests' one helper: a real headless Chromium driven by `playwright-core`, the web front end built from the
 * current sources, and screenshots saved as test artifacts (`test-artifacts/screenshots/`, gitignored).
 *
 * The Chromium is, in order: `CHROMIUM_PATH`; a `chromium`, `chromium-browser` or `google-chrome` on `PATH`; else the
 * one shipped inside the `@sparticuz/chromium` npm package, so `npm ci && npm test` needs no browser installed.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

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
 * Builds the web front end from the current sources into a fresh temporary folder (the app under test serves it
 * through `webRoot`), so a browser test never runs against a stale `dist/web`.
 */
export async function buildWebBundle(): Promise<string> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'pgx-web-'));
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

/** Saves a full-page screenshot of the step as `test-artifacts/screenshots/{name}.png`; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
