/**
 * A mock EHR for the clinician dashboard's EHR launch: a SMART authorization server and a FHIR R4 server on one
 * local port, after the shape of a real one (SMART App Launch 2.x, https://hl7.org/fhir/smart-app-launch/).
 *
 * - `GET /fhir/.well-known/smart-configuration` and `GET /fhir/metadata`: where to authorize and get tokens;
 * - `GET /auth/authorize`: no login page, it sends the browser straight back to `redirect_uri` with a code and the
 *   `state` it was given (the EHR's user has already chosen the patient);
 * - `POST /auth/token`: the code for `{ access_token, patient }`;
 * - `GET /fhir/…`: reads and searches over the demo patients (`demo/` bundles, through the demo endpoint's own
 *   search code), answered only with `Authorization: Bearer <accessToken>` (401 otherwise).
 *
 * Every FHIR and token request is recorded (method, path with query, whether it carried the expected token) and the
 * browser may call from any origin (CORS), as a real EHR allows a registered app's origin.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadDemoData } from '../../src/demo';
import type { DemoData } from '../../src/demo';
import { demoQuery } from '../../src/demo/fetcher';

export interface MockEhrOptions {
  /** The access token the FHIR server accepts (and the token endpoint issues, unless `issuedToken` says otherwise). */
  readonly accessToken: string;
  /** The token the token endpoint issues, when not the one the FHIR server accepts (a token the server refuses). */
  readonly issuedToken?: string;
  /** The patient the launch context names. */
  readonly patient: string;
  /** Hold every FHIR answer until this settles (a slow server). */
  readonly fhirUntil?: Promise<unknown>;
  /** The FHIR server answers every read with this status (e.g. 403: the token does not cover the patient). */
  readonly fhirStatus?: number;
}

export interface MockEhrRequest {
  readonly method: string;
  /** The path and query as sent, e.g. `/fhir/Patient/x`. */
  readonly url: string;
  readonly withToken: boolean;
}

export interface MockEhr {
  /** The FHIR base URL, `http://127.0.0.1:{port}/fhir`: the launch's `iss`. */
  readonly fhirBaseUrl: string;
  readonly origin: string;
  readonly requests: MockEhrRequest[];
  close(): Promise<void>;
}

let demo: DemoData | undefined;

function send(res: ServerResponse, status: number, body: unknown, type = 'application/fhir+json'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    req.on('end', () => {
      resolve(text);
    });
  });
}

export async function startMockEhr(options: MockEhrOptions): Promise<MockEhr> {
  demo ??= loadDemoData(new Date());
  const data = demo;
  const requests: MockEhrRequest[] = [];
  const codes = new Set<string>();
  let origin = '';
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', 'authorization, content-type, accept');
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    const url = new URL(req.url ?? '/', origin);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const withToken = req.headers.authorization === `Bearer ${options.accessToken}`;
    requests.push({ method: req.method ?? '', url: `${url.pathname}${url.search}`, withToken });
    const fhirBase = `${origin}/fhir`;
    if (url.pathname === '/fhir/.well-known/smart-configuration') {
      send(
        res,
        200,
        {
          authorization_endpoint: `${origin}/auth/authorize`,
          token_endpoint: `${origin}/auth/token`,
          capabilities: ['launch-ehr', 'client-public', 'context-ehr-patient', 'permission-patient'],
          code_challenge_methods_supported: ['S256'],
        },
        'application/json',
      );
      return;
    }
    if (url.pathname === '/fhir/metadata') {
      send(res, 200, {
        resourceType: 'CapabilityStatement',
        status: 'active',
        kind: 'instance',
        fhirVersion: '4.0.1',
        format: ['json'],
        rest: [
          {
            mode: 'server',
            security: {
              extension: [
                {
                  url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
                  extension: [
                    { url: 'authorize', valueUri: `${origin}/auth/authorize` },
                    { url: 'token', valueUri: `${origin}/auth/token` },
                  ],
                },
              ],
            },
          },
        ],
      });
      return;
    }
    if (url.pathname === '/auth/authorize') {
      const redirect = url.searchParams.get('redirect_uri') ?? '';
      const code = `code-${codes.size + 1}`;
      codes.add(code);
      const back = new URL(redirect);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    if (url.pathname === '/auth/token' && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      if (form.get('grant_type') !== 'authorization_code' || !codes.has(form.get('code') ?? '')) {
        send(res, 400, { error: 'invalid_grant' }, 'application/json');
        return;
      }
      send(
        res,
        200,
        {
          access_token: options.issuedToken ?? options.accessToken,
          token_type: 'Bearer',
          expires_in: 3600,
          scope: 'launch patient/*.read',
          patient: options.patient,
        },
        'application/json',
      );
      return;
    }
    if (url.pathname.startsWith('/fhir/')) {
      if (options.fhirUntil) await options.fhirUntil;
      if (!withToken) {
        send(res, 401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
        return;
      }
      if (options.fhirStatus !== undefined) {
        send(res, options.fhirStatus, {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'forbidden' }],
        });
        return;
      }
      let found;
      try {
        found = demoQuery(data, fhirBase, `${url.pathname.slice('/fhir/'.length)}${url.search}`);
      } catch {
        found = undefined;
      }
      if (!found) {
        send(res, 404, {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'not-found' }],
        });
        return;
      }
      send(res, 200, found);
      return;
    }
    send(res, 404, { error: 'not found' }, 'application/json');
  };
  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    fhirBaseUrl: `${origin}/fhir`,
    origin,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
