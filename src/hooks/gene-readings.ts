/**
 * The patient's PGx results read once per content, for the hook calls of one process (DESIGN.md: the hook call's
 * source owns its cache; the core reads afresh each time it is asked). An EHR sends the same results with every
 * order-select of a prescribing session and with the order-sign that ends it; reading 20 results was about a tenth of
 * a realistic order-sign call's CPU (profile under `npm run bench`), a repeat costs a hash of them.
 *
 * Keyed by a SHA-256 of the resources as sent and the patient's sex, all a reading depends on besides the CPIC
 * knowledge (fixed for the process): a result changed, added or removed is another key, never a stale reading.
 * Readings are frozen, as calls share them. The key is a hash, never a patient identifier.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { readGeneResults } from '../rules/cpic';
import type { GeneReader } from '../rules/assess';
import type { GeneResultsReading } from '../rules/cpic';

/** Readings kept: a few hundred patients being prescribed for at once (20 results are about 20 KB of JSON). */
const MAX_READINGS = 1_000;
/**
 * What the kept readings may add up to, counted as the JSON text of the results they were read from (a reading holds
 * less than its source): a client sending large, ever different results cannot make the cache hold more.
 */
const MAX_SOURCE_CHARS = 32 * 1024 * 1024;
/** Results larger than this are read afresh each time, never kept. */
const MAX_ENTRY_CHARS = 1024 * 1024;
/** A reading not asked for again within this long is let go. */
const READING_TTL_MS = 15 * 60_000;

/** A `GeneReader` that remembers recent readings (bounded by count, by size and for 15 minutes each). */
export function createGeneReadingCache(): GeneReader {
  const readings = new LRUCache<string, GeneResultsReading>({
    max: MAX_READINGS,
    maxSize: MAX_SOURCE_CHARS,
    maxEntrySize: MAX_ENTRY_CHARS,
    ttl: READING_TTL_MS,
  });
  return (resources, options) => {
    const text = JSON.stringify([options.sex ?? null, resources]);
    const key = createHash('sha256').update(text).digest('base64');
    const known = readings.get(key);
    if (known) return known;
    const reading = deepFreeze(readGeneResults(resources, options));
    // An entry over the limit is not kept (lru-cache skips it).
    readings.set(key, reading, { size: Math.max(1, text.length) });
    return reading;
  };
}

/** Freezes `value` and everything it holds (no cycles: a reading is plain data). */
function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item !== 'object' || item === null || Object.isFrozen(item)) continue;
    Object.freeze(item);
    for (const inner of Object.values(item)) pending.push(inner);
  }
  return value;
}
