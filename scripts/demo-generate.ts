/**
 * `npm run demo:generate [-- --seed N] [--out DIR]`: writes the demo patients' transaction Bundles and their index
 * (`scripts/demo-data.ts`) to `demo/` (default), replacing the JSON files there. Same seed → same bytes.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SEED, generateDemo } from './demo-data';

const { values } = parseArgs({
  options: { seed: { type: 'string' }, out: { type: 'string' } },
});
const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
if (!Number.isSafeInteger(seed)) {
  console.error('--seed must be a whole number');
  process.exit(2);
}
const out = path.resolve(values.out ?? path.join(__dirname, '..', 'demo'));
mkdirSync(out, { recursive: true });
for (const name of readdirSync(out)) if (name.endsWith('.json')) rmSync(path.join(out, name));
const files = generateDemo(seed);
for (const [name, text] of Object.entries(files)) writeFileSync(path.join(out, name), text);
console.log(`wrote ${Object.keys(files).length} files to ${out} (seed ${seed})`);
