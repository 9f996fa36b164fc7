/**
 * The web front end (`web/`, built by Vite into `dist/web`), served by this process: hashed assets under `/assets`
 * cached for a year (their names change with their content), and the one HTML page for every page route, never
 * cached (it names the current assets). The page itself decides what to show from its path; routes only choose the
 * status (a refused link answers 403 with the same page, which then says why).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { RequestHandler, Response } from 'express';

/** Where `vite build` writes the front end: `dist/web`, from `src/http` (ts-jest, tsx) and `dist/http` alike. */
export const DEFAULT_WEB_ROOT = path.resolve(__dirname, '..', '..', 'dist', 'web');

const YEAR_S = 365 * 86_400;

export interface WebBundle {
  /** Serves `/assets/*` (mount at `/assets`). */
  readonly assets: RequestHandler;
  /** Sends the page with `status`; 503 with a plain note when the bundle was not built. */
  sendPage(res: Response, status?: number): void;
}

export function createWebBundle(root: string = DEFAULT_WEB_ROOT): WebBundle {
  const indexFile = path.join(root, 'index.html');
  let html: string | undefined;
  const page = (): string | undefined => {
    if (html === undefined && existsSync(indexFile)) html = readFileSync(indexFile, 'utf8');
    return html;
  };
  return {
    assets: express.static(path.join(root, 'assets'), {
      immutable: true,
      maxAge: YEAR_S * 1000,
      index: false,
      fallthrough: true,
    }),
    sendPage: (res, status = 200) => {
      const body = page();
      if (body === undefined) {
        res.status(503).type('text/plain').send('The web pages are not built: run `npm run build`.');
        return;
      }
      res.status(status).type('html').send(body);
    },
  };
}
