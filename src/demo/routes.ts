/**
 * `/demo/fhir`: the demo data over FHIR R4 REST, read-only, for the CDS Hooks sandbox and anyone trying the service
 * (`DEMO_FHIR=on`). CORS allows any origin here (synthetic data, nothing to protect, no credentials); the rest of the
 * app keeps `CORS_ORIGINS`. Mounted before the app-wide CORS middleware and answering every path below it itself.
 */
import cors from 'cors';
import express, { Router } from 'express';
import type { Response } from 'express';
import { AppError } from '../http/errors';
import { capabilityStatement } from './capability';
import type { DemoData } from './data';
import { DemoSearchError, SEARCHABLE, searchDemo } from './search';

export interface DemoRouterDeps {
  readonly data: DemoData;
  /** Absolute base of the endpoint (`PUBLIC_BASE_URL` + `/demo/fhir`), used in `fullUrl` and links. */
  readonly baseUrl: string;
  readonly now: () => Date;
}

function sendFhir(res: Response, body: unknown): void {
  res.type('application/fhir+json').json(body);
}

/** Query parameters as name → values (a repeated parameter keeps every value: FHIR ANDs them). */
function paramsOf(query: Record<string, unknown>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, value] of Object.entries(query)) {
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
    if (values.length > 0) out.set(name, values);
  }
  return out;
}

export function createDemoFhirRouter(deps: DemoRouterDeps): Router {
  const { data, baseUrl } = deps;
  const router = Router();
  router.use(
    cors({
      origin: '*',
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Accept'],
      maxAge: 600,
    }),
    (_req, res, next) => {
      // helmet's same-origin default would stop pages of other origins embedding these (read-only, synthetic) data.
      res.set('Cross-Origin-Resource-Policy', 'cross-origin');
      next();
    },
  );

  function search(type: string, params: Map<string, string[]>, res: Response): void {
    if (!SEARCHABLE[type]) throw new AppError('DEMO_NOT_FOUND', [`resource type "${type}" is not served`]);
    try {
      sendFhir(res, searchDemo(data, baseUrl, type, params));
    } catch (err) {
      if (err instanceof DemoSearchError) throw new AppError('DEMO_INVALID_SEARCH', [err.message]);
      throw err;
    }
  }

  router.get('/metadata', (_req, res) => {
    sendFhir(res, capabilityStatement(baseUrl, deps.now().toISOString()));
  });
  router.get('/:type', (req, res) => {
    search(req.params.type, paramsOf(req.query), res);
  });
  router.post('/:type/_search', express.urlencoded({ extended: false, limit: '64kb' }), (req, res) => {
    // FHIR: parameters may come in the query string and the form body together.
    const params = paramsOf(req.query);
    const body = (req.body ?? {}) as Record<string, unknown>;
    for (const [name, values] of paramsOf(body)) params.set(name, [...(params.get(name) ?? []), ...values]);
    search(req.params.type, params, res);
  });
  router.get('/:type/:id', (req, res) => {
    const { type, id } = req.params;
    if (!SEARCHABLE[type]) throw new AppError('DEMO_NOT_FOUND', [`resource type "${type}" is not served`]);
    const found = data.byTypeAndId(type, id);
    if (!found) throw new AppError('DEMO_NOT_FOUND', [`${type}/${id} does not exist`]);
    sendFhir(res, found);
  });
  router.all('/{*rest}', (req) => {
    if (req.method === 'GET') throw new AppError('DEMO_NOT_FOUND');
    // Read-only (searches may also be POSTed to `_search`, the one path that takes POST).
    throw new AppError('HTTP_METHOD_NOT_ALLOWED', [], { Allow: 'GET, HEAD' });
  });
  return router;
}
