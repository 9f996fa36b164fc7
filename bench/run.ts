/**
 * `npm run bench`: runs every case in bench/cases/ and prints its figures. Each case measures its subject and,
 * where it has one, a baseline in the same run, so ratios are comparable across machines.
 * Benchmarks report; they never fail on time.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

/** What a case module default-exports. */
export interface BenchCase {
  readonly name: string;
  /** Runs the measurement and returns printable figures (name → value with unit). */
  run(): Promise<Readonly<Record<string, string | number>>>;
}

async function main(): Promise<void> {
  const only = process.argv[2];
  const dir = path.join(__dirname, 'cases');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort();
  for (const file of files) {
    const mod = (await import(path.join(dir, file))) as { default: BenchCase };
    const bench = mod.default;
    if (only && !bench.name.includes(only)) continue;
    const started = performance.now();
    const figures = await bench.run();
    console.log(`\n## ${bench.name}  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    for (const [k, v] of Object.entries(figures)) console.log(`  ${k.padEnd(40)} ${v}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
