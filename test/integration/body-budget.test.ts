/**
 * Request bodies held at once are bounded (issue 13 item 1, "never down"): uploads that stall after most of a large
 * body, or many large bodies at once, could grow the process until a memory limit ended it. Each body reserves its
 * declared length (the body limit when it declares none) in one budget for the process; one that does not fit is
 * refused at once with 503 `HTTP_BUSY`, and the reservation is given back when the client goes. Real sockets: a
 * stalled upload cannot be made with supertest. Every wait ends on a condition, never on a clock.
 */
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { createClientAuthenticator } from '../../src/cds/auth';
import { SCRAPER, startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { sandboxRequest } from '../helpers/cds';

const ORDER_SIGN = '/cds-services/pgx-order-sign';
const KB = 1024;

let t: TestApp;
let server: Server;
let port: number;
const sockets: Socket[] = [];

beforeAll(async () => {
  t = await startTestApp({ env: { BODY_LIMIT: '64kb', BODY_MEMORY_LIMIT: '160kb' } });
  server = t.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  ({ port } = server.address() as AddressInfo);
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  // Each test starts from an empty budget, not one its predecessor's uploads still hold.
  await untilReserved(0);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

/** A sandbox order-sign request of exactly `bytes` bytes (JSON allows trailing whitespace). */
function orderSignOf(bytes: number): Buffer {
  const text = JSON.stringify(sandboxRequest('sandbox-order-sign-clopidogrel.json', undefined));
  if (text.length > bytes) throw new Error(`the request alone is ${text.length} bytes`);
  return Buffer.from(text.padEnd(bytes, ' '));
}

/** Opens an upload that declares `headers` and sends `sent` bytes of its body, then stalls. */
async function stalledUpload(headers: string, sent: number, to = port): Promise<Socket> {
  const socket = connect(to, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.write(
    `POST ${ORDER_SIGN} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n${headers}\r\n\r\n`,
  );
  if (sent > 0) socket.write(Buffer.alloc(sent, ' '));
  return socket;
}

/** The bytes the budget holds, as `/metrics` reports them. */
async function reserved(of = port): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${of}/metrics`, { headers: SCRAPER })).text();
  return Number(/^cds_request_body_bytes (\d+)$/m.exec(text)?.[1]);
}

/** Waits until the budget holds `bytes` (the server has read the headers, or seen the client go). */
async function untilReserved(bytes: number): Promise<void> {
  while ((await reserved()) !== bytes) await new Promise((resolve) => setImmediate(resolve));
}

function post(body: Buffer): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: ORDER_SIGN,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as unknown });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('the request-body budget (64 KB bodies, 160 KB at once)', () => {
  it('refuses a body that does not fit beside stalled uploads, serves one that does, and frees what a client left', async () => {
    const first = await stalledUpload(`Content-Length: ${60 * KB}`, 10 * KB);
    await stalledUpload(`Content-Length: ${60 * KB}`, 50 * KB);
    await untilReserved(120 * KB);

    const refused = await post(orderSignOf(48 * KB));
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers.connection).toBe('close');
    expect(refused.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'transient', details: { coding: [{ code: 'HTTP_BUSY' }] } }],
    });

    // 120 KB held + 30 KB fits: advice still flows beside the stalled uploads.
    const fits = await post(orderSignOf(30 * KB));
    expect(fits.status).toBe(200);
    expect(fits.body).toHaveProperty('cards');

    first.destroy();
    await untilReserved(60 * KB);
    expect((await post(orderSignOf(48 * KB))).status).toBe(200);
    // An answered call gives its bytes back too.
    expect(await reserved()).toBe(60 * KB);
  });

  it('counts an upload that declares no length (chunked) as the body limit', async () => {
    await stalledUpload('Transfer-Encoding: chunked', 0);
    await stalledUpload(`Content-Length: ${60 * KB}`, KB);
    await untilReserved(124 * KB);
    expect((await post(orderSignOf(48 * KB))).status).toBe(503);
    expect((await post(orderSignOf(30 * KB))).status).toBe(200);
  });

  it('leaves a body over the limit to the parser: 413, not busy', async () => {
    const res = await post(orderSignOf(65 * KB));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({
      issue: [{ details: { coding: [{ code: 'HTTP_PAYLOAD_TOO_LARGE' }] } }],
    });
  });
});

describe('with client authentication', () => {
  it('refuses an upload without a valid client JWT at once, holding none of the budget', async () => {
    const jwt = await startTestApp({
      env: { CDS_AUTH: 'jwt', CDS_TRUSTED_ISSUERS: '/unused/trusted-issuers.json', BODY_LIMIT: '64kb' },
      authenticator: createClientAuthenticator({ issuers: [] }),
    });
    const other = jwt.app.listen(0, '127.0.0.1');
    try {
      await once(other, 'listening');
      const otherPort = (other.address() as AddressInfo).port;
      const upload = await stalledUpload(`Content-Length: ${60 * KB}`, KB, otherPort);
      const [answer] = (await once(upload, 'data')) as [Buffer];
      expect(answer.toString('latin1')).toMatch(/^HTTP\/1\.1 401 /);
      expect(await reserved(otherPort)).toBe(0);
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
      await jwt.close();
    }
  });
});
