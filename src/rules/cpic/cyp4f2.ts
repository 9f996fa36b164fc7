/**
 * CYP4F2 rs2108622 T carrier status, for CPIC's warfarin Figure 2 box "Carriers of the CYP4F2 rs2108622 T allele:
 * Increase dose by 5-10%". The CPIC data set defines no CYP4F2 alleles, so a CYP4F2 result stays uninterpreted as a
 * phenotype; its genotype is read as reported: an rs2108622 genotype (`rs2108622 C/T`, `rs2108622 TT`) or a
 * star-allele diplotype (`*1/*3`), whose alleles carry T or not per PharmCAT's CYP4F2 definition
 * (`knowledge/cpic/supplements/cyp4f2-rs2108622.json`: *3 and *4 carry rs2108622 T). Anything else is not read.
 */
import type { GeneResult } from './types';

/** Star alleles PharmCAT's CYP4F2 definition names, and whether each carries rs2108622 T. */
const STAR_ALLELE_CARRIES_T: ReadonlyMap<string, boolean> = new Map([
  ['*1', false],
  ['*2', false],
  ['*3', true],
  ['*4', true],
  ['*5', false],
  ['*6', false],
  ['*7', false],
  ['*8', false],
  ['*9', false],
  ['*10', false],
  ['*11', false],
  ['*12', false],
  ['*13', false],
  ['*14', false],
  ['*15', false],
]);

/** How a CYP4F2 genotype reads at rs2108622: copies of the T allele, and what was read. */
export interface Rs2108622Reading {
  /** Copies of rs2108622 T (0, 1 or 2). */
  readonly tCopies: number;
  /** The genotype as reported (`*1/*3`, `rs2108622 C/T`). */
  readonly reported: string;
}

const RS_GENOTYPE = /\brs2108622\b[\s:=]*(?:genotype\s*)?\(?([CT])\s*(?:[/|]\s*)?([CT])\)?(?![A-Za-z])/i;

/** The rs2108622 reading of a CYP4F2 result, or undefined when its genotype does not tell. */
export function readRs2108622(result: GeneResult | undefined): Rs2108622Reading | undefined {
  const reported = result?.gene === 'CYP4F2' ? result.diplotype?.trim() : undefined;
  if (!reported) return undefined;
  const rs = RS_GENOTYPE.exec(reported);
  if (rs?.[1] && rs[2]) {
    return { tCopies: [rs[1], rs[2]].filter((base) => base.toUpperCase() === 'T').length, reported };
  }
  const stars = reported
    .replace(/^CYP4F2\s*/i, '')
    .split('/')
    .map((allele) =>
      allele
        .trim()
        .replace(/^CYP4F2/i, '')
        .trim(),
    );
  if (stars.length !== 2) return undefined;
  const carries = stars.map((allele) => STAR_ALLELE_CARRIES_T.get(allele));
  if (carries.some((c) => c === undefined)) return undefined;
  return { tCopies: carries.filter(Boolean).length, reported };
}
