/**
 * Ports on 127.0.0.1 for tests that start real servers or need an address nothing answers on.
 */
import { createServer } from 'node:net';

/**
 * A port on 127.0.0.1 that was free a moment ago: the OS picks it, the probe closes it again. For a process that
 * must be told its port in advance (e.g. `PORT` for `src/main.ts`, which logs the configured port, so 0 is no help).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

/** A port on 127.0.0.1 where nothing listens: connections are refused (an unreachable FHIR server). */
export function closedPort(): Promise<number> {
  return freePort();
}
