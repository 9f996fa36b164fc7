/**
 * Crafted text: a client may put a long string anywhere a lab result, a unit or a drug name goes. The readers of
 * these must take time linear in its length, or one request holds the only event loop for minutes (a lab value of
 * 80,000 `;` once took 12 s; 1 MB would have taken half an hour). Each reader gets strings of 500 KB and 1 MB made
 * of one repeated piece; the figure is the time for 1 MB and its ratio to 500 KB: about 2 is linear, about 4
 * quadratic (below 500 KB, V8's string and heap thresholds bend a linear curve). Reported, never failed on.
 */
import type { BenchCase } from '../run';
import { readGeneResults, resolveDrugOrders } from '../../src/rules/cpic';
import { summarizeSensors } from '../../src/sensors';

const SIZES = [500_000, 1_000_000] as const;
const PIECES = ['Poor Metabolizer ', ';', ', ', '*1/', 'not ', '(', ' ', '-', '(TA)', 'heterozygous ', '/'];

function repeated(piece: string, length: number): string {
  return piece.repeat(Math.ceil(length / piece.length)).slice(0, length);
}

const READERS: Readonly<Record<string, (text: string) => unknown>> = {
  'genotype value': (text) =>
    readGeneResults([
      {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '84413-4' }], text: 'CYP2D6 genotype' },
        valueString: text,
      },
    ]),
  'phenotype value': (text) =>
    readGeneResults([
      {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '53040-2' }], text: 'CYP2C19 phenotype' },
        valueString: text,
      },
    ]),
  'wearable unit': (text) =>
    summarizeSensors(
      [
        {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
          effectiveDateTime: '2026-05-15T08:00:00Z',
          valueQuantity: { value: 60, unit: text, code: text, system: 'http://unitsofmeasure.org' },
        },
      ],
      '2026-05-15T09:00:00Z',
    ),
  'drug text': (text) =>
    resolveDrugOrders({
      resourceType: 'Bundle',
      entry: [{ resource: { resourceType: 'MedicationRequest', medicationCodeableConcept: { text } } }],
    }),
};

/** The fastest of three runs: one run of a few milliseconds is mostly the collector's and the clock's noise. */
function ms(run: () => unknown): number {
  let fastest = Infinity;
  for (let i = 0; i < 3; i += 1) {
    const started = performance.now();
    run();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

const bench: BenchCase = {
  name: 'crafted text: readers of lab results, units and drug names on 500 KB and 1 MB strings',
  run() {
    const figures: Record<string, string> = {};
    let worst = { ratio: 0, what: '' };
    for (const [reader, read] of Object.entries(READERS)) {
      let slowest = { ms: 0, ratio: 0, piece: '' };
      for (const piece of PIECES) {
        const [small, large] = SIZES.map((size) => ms(() => read(repeated(piece, size)))) as [number, number];
        // Below two milliseconds the ratio is the clock's noise.
        const ratio = large / Math.max(small, 2);
        if (large > slowest.ms) slowest = { ms: large, ratio, piece };
        if (ratio > worst.ratio) worst = { ratio, what: `${reader}, ${JSON.stringify(piece)}` };
      }
      figures[`${reader}: slowest 1 MB`] =
        `${slowest.ms.toFixed(0)} ms (${JSON.stringify(slowest.piece)}), ${slowest.ratio.toFixed(1)}x the 500 KB time`;
    }
    figures['largest 1 MB / 500 KB ratio'] = `${worst.ratio.toFixed(1)} (${worst.what})`;
    return Promise.resolve(figures);
  },
};

export default bench;
