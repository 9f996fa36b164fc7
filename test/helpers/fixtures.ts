/**
 * JSON fixtures under `test/fixtures/`, freshly parsed on every call (callers may change what they get).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** `test/fixtures/<parts…>` parsed as JSON; the caller states the shape it expects. */
export function readFixture(...parts: readonly string[]): unknown {
  return JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', ...parts), 'utf8')) as unknown;
}
