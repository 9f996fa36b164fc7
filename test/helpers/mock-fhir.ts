/**
 * A local mock FHIR server (after smart-on-fhir/client-js `test/mocks/mockServer.ts`): serves canned responses
 * by path + query, records each request (with its Authorization header), and can delay answers.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockResponse {
  readonly status?: number;
  readonly body: unknown;
  /** Milliseconds to wait before answering. */
  readonly delayMs?: number;
  /** Answer only once this settles (a gate the test opens: no wall-clock wait). */
  readonly until?: Promise<unknown>;
  /**
   * Headers besides `content-type` (e.g. `location` for a redirect). Without `content-length` the body goes out
   * chunked, as a server streaming a search answers.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** The body as sent, instead of `body` as JSON (e.g. with a byte order mark). */
  readonly text?: string;
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export interface MockFhirServer {
  /** Base URL, e.g. `http://127.0.0.1:54321/fhir`. */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** The most requests this server has held unanswered at once (1 when calls arrive one after another). */
  readonly peakConcurrency: number;
  /** Registers a response for a path (with query) relative to the base, e.g. `Patient/123`. A function sees the URL. */
  on(pathAndQuery: string | RegExp, response: MockResponse): void;
  close(): Promise<void>;
}

export async function startMockFhirServer(): Promise<MockFhirServer> {
  const routes: { match: string | RegExp; response: MockResponse }[] = [];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let pending = 0;
  let peakConcurrency = 0;
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    pending += 1;
    peakConcurrency = Math.max(peakConcurrency, pending);
    res.on('close', () => {
      pending -= 1;
    });
    const rel = decodeURIComponent((req.url ?? '').replace(/^\/fhir\/?/, ''));
    const route = routes.find((r) => (typeof r.match === 'string' ? r.match === rel : r.match.test(rel)));
    const send = (): void => {
      if (!route) {
        res.writeHead(404, { 'content-type': 'application/fhir+json' });
        res.end(
          JSON.stringify({
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'not-found' }],
          }),
        );
        return;
      }
      res.writeHead(route.response.status ?? 200, {
        'content-type': 'application/fhir+json',
        ...route.response.headers,
      });
      res.end(route.response.text ?? JSON.stringify(route.response.body));
    };
    const delay = route?.response.delayMs ?? 0;
    const gate = route?.response.until;
    if (gate) {
      void gate.finally(send);
    } else if (delay > 0) {
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, delay);
      timers.add(t);
    } else {
      send();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/fhir`,
    requests,
    get peakConcurrency() {
      return peakConcurrency;
    },
    on(match, response) {
      routes.push({ match, response });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** A searchset Bundle of `resources`, with an optional `next` link. */
export function searchset(resources: readonly unknown[], next?: string): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
    entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })),
  };
}
