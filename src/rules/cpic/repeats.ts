/**
 * UGT1A1's promoter TA repeat (rs3064744), as laboratories write it: a repeat count rather than a star allele.
 *
 * CPIC's UGT1A1 allele definition names four alleles by the HGVS repeat count at NC_000002.12:g.233760235: TA[6] is
 * `*36`, TA[7] is `*1` (the reference), TA[8] is `*28`, TA[9] is `*37` (the allele definition as PharmCAT ships it,
 * transcribed in `knowledge/cpic/supplements/ugt1a1-ta-repeat.json`, which the tests check this table against).
 * Reports more often give the conventional count, which
 * leaves out the TA of the closing TAA and so is one less: ClinVar (RCV001093257) says the TATA box "commonly has 6 TA
 * repeats" and calls `*28` "the (TA)7 promoter variant", which CPIC writes TA[7] and TA[8]. The same offset reads
 * (TA)5 as `*36` and (TA)8 as `*37`; that step is ours, from those two anchors.
 *
 * Read: `TA[n]` (HGVS) and `(TA)n`, with or without the flanking `A` or `CA` and `TAA` (`A(TA)7TAA`). Refused, with
 * the reason: `TA(n)`, `TAn` and a bare number, which are written in both counts (CPIC's own table writes TA(7) for
 * `*1`), so a guess could turn `*1/*28` into `*36/*1`. A count CPIC defines no allele for is not read either.
 */
import type { AlleleResolution } from './alleles';

/** CPIC's UGT1A1 alleles by HGVS repeat count. */
const BY_HGVS_COUNT: Readonly<Record<number, string>> = { 6: '*36', 7: '*1', 8: '*28', 9: '*37' };

const HGVS = /^TA\[(\d+)\]$/i;
const CONVENTIONAL = /^(?:C?A)?\(TA\)(\d+)(?:TAA)?$/i;
const EITHER_COUNT = /^(?:TA\(\d+\)|TA\d+|\d+)$/i;

/**
 * The CPIC allele a UGT1A1 repeat count names, with a note saying how it was read, or the reason a count written
 * without saying how it counts is refused; undefined for any other text.
 */
export function repeatAllele(gene: string, text: string): AlleleResolution | undefined {
  if (gene !== 'UGT1A1') return undefined;
  const compact = text.replace(/\s+/g, '');
  if (EITHER_COUNT.test(compact)) {
    return {
      ok: false,
      reason: `UGT1A1 "${compact}" does not say how the TA repeats were counted: ask the laboratory for the star alleles`,
    };
  }
  const hgvs = HGVS.exec(compact);
  const conventional = hgvs ? undefined : CONVENTIONAL.exec(compact);
  const count = hgvs ? Number(hgvs[1]) : conventional ? Number(conventional[1]) + 1 : undefined;
  const name = count === undefined ? undefined : BY_HGVS_COUNT[count];
  if (name === undefined || count === undefined) return undefined;
  const repeats = hgvs
    ? `TA[${count}] in CPIC's count`
    : `${count - 1} TA repeats, TA[${count}] in CPIC's count`;
  return { ok: true, name, note: `UGT1A1 ${compact} read as CPIC allele ${name} (${repeats})` };
}
