/**
 * Allele and diplotype names as laboratories write them → the allele names CPIC uses in `genes.json`.
 * Tolerated: a gene prefix (`CYP2C19*2`), spacing and case, sub-alleles CPIC does not define (`*2.001`, `*4A` when
 * CPIC has only `*4`), DPYD star aliases (`*2A` for `c.1905+1G>A (*2A)`) and each variant of a haplotype CPIC names
 * by its variants (`c.1236G>A` for HapB3), single-variant nucleotides (`T` for `rs9923231 variant (T)`) and the
 * genotype at that rsID (`rs9923231 C/T`), VKORC1 in the promoter notation of its CPIC phenotypes (`-1639 AG`),
 * UGT1A1 TA-repeat counts (`(TA)7` for `*28`: `repeats.ts`), a zygosity stated after the alleles, one name of a G6PD
 * variant listed with its synonyms, CYP2D6 copy numbers `xN` (N ≥ 3 is CPIC's `x≥3`) and HLA alleles with more than
 * two fields (`*57:01:01` → `*57:01`) or written before 2010 (`*5701`). Every renaming is reported.
 */
import { withFieldSeparators } from './hla';
import { diplotypeTable, geneKnowledge, ownEntry, unspecifiedCopiesText } from './knowledge';
import { repeatAllele } from './repeats';

export type AlleleResolution =
  | { readonly ok: true; readonly name: string; readonly note?: string }
  | { readonly ok: false; readonly reason: string };

/** Comparison form of an allele name: lower case, no white space. */
function comparable(name: string): string {
  return name.toLowerCase().replace(/\s+/g, '');
}

const aliasIndexes = new Map<string, Map<string, string>>();

/** comparable name or alias → CPIC allele name; an alias that two alleles share is dropped (never guessed). */
function aliasIndex(gene: string): Map<string, string> {
  const cached = aliasIndexes.get(gene);
  if (cached) return cached;
  const index = new Map<string, string>();
  const aliases = new Map<string, Set<string>>();
  const addAlias = (alias: string, name: string): void => {
    const key = comparable(alias);
    if (key.length === 0) return;
    const set = aliases.get(key) ?? new Set<string>();
    set.add(name);
    aliases.set(key, set);
  };
  for (const name of Object.keys(geneKnowledge(gene)?.alleles ?? {})) {
    index.set(comparable(name), name);
    // eslint-disable-next-line regexp/no-super-linear-backtracking -- CPIC's own allele names, never request text
    const paren = /^(.*?)\s*\(([^)]+)\)$/.exec(name);
    if (paren?.[1] && paren[2]) {
      addAlias(paren[1], name);
      addAlias(paren[2], name);
      // `c.1129-5923C>G, c.1236G>A (HapB3)`: each variant of a named haplotype, the last one without the name too
      // (CPIC keeps HapB3 for a test that reports only c.1236G>A).
      if (paren[1].includes(',')) for (const part of paren[1].split(',')) addAlias(part.trim(), name);
    }
    if (name.includes(',')) for (const part of name.split(',')) addAlias(part.trim(), name);
  }
  for (const [alias, names] of aliases) {
    const only = [...names][0];
    if (names.size === 1 && only !== undefined && !index.has(alias)) index.set(alias, only);
  }
  aliasIndexes.set(gene, index);
  return index;
}

/** Removes a leading gene symbol (`CYP2C19*2`, `HLA-B*57:01`, `DPYD c.1905+1G>A`). */
export function stripGenePrefix(gene: string, text: string): string {
  const trimmed = text.trim();
  if (trimmed.toUpperCase().startsWith(gene.toUpperCase())) return trimmed.slice(gene.length).trim();
  // HLA alleles are often written without the `HLA-` part: `B*57:01`.
  if (gene.startsWith('HLA-') && trimmed.toUpperCase().startsWith(`${gene.slice(4)}*`))
    return trimmed.slice(1);
  return trimmed;
}

/**
 * Maps one allele name to the CPIC allele of `gene`. Unknown names fail with the reason; nothing is guessed.
 */
export function resolveAllele(gene: string, raw: string): AlleleResolution {
  const text = stripGenePrefix(gene, raw);
  const index = aliasIndex(gene);
  const exact = index.get(comparable(text));
  if (exact !== undefined) {
    return exact === text || comparable(exact) === comparable(text)
      ? { ok: true, name: exact }
      : { ok: true, name: exact, note: `${gene} allele "${text}" read as CPIC allele "${exact}"` };
  }
  if (gene.startsWith('HLA-')) {
    const modern = withFieldSeparators(text);
    if (modern !== text) {
      const read = resolveAllele(gene, modern);
      return read.ok
        ? { ...read, note: `${gene}${text} read as ${read.name} (name written before 2010)` }
        : read;
    }
    const fields = /^\*?(\d+):(\d+)(?::\d+)+[A-Z]?$/i.exec(text);
    if (fields) {
      const twoField = `*${fields[1] ?? ''}:${fields[2] ?? ''}`;
      return { ok: true, name: twoField, note: `${gene}${text} read at two-field resolution as ${twoField}` };
    }
    if (/^\*?\d+:\d+$/.test(text)) return { ok: true, name: text.startsWith('*') ? text : `*${text}` };
    return { ok: false, reason: `"${raw}" is not an HLA allele name` };
  }
  const copies = /^(\*\d+[A-Z]?)x(\d+)$/i.exec(text);
  if (copies?.[1] && Number(copies[2]) >= 3) {
    const atLeastThree = index.get(comparable(`${copies[1]}x≥3`));
    if (atLeastThree !== undefined) {
      return {
        ok: true,
        name: atLeastThree,
        note: `${gene} ${text}: CPIC groups three or more copies as ${atLeastThree}`,
      };
    }
  }
  const repeat = repeatAllele(gene, text);
  if (repeat) return repeat;
  const subAllele = /^(\*\d+)(?:\.\d+|[A-Z]+)$/i.exec(text);
  if (subAllele?.[1]) {
    const core = index.get(comparable(subAllele[1]));
    if (core !== undefined) {
      return { ok: true, name: core, note: `${gene} sub-allele ${text} mapped to CPIC allele ${core}` };
    }
  }
  return { ok: false, reason: `${gene} allele "${text}" is not defined by CPIC` };
}

const copyChoices = new Map<string, ReadonlyMap<string, readonly string[]>>();

/**
 * The CPIC alleles an unspecified copy number may stand for, as CPIC's "xN combinations" row lists them: a line
 * `*2xN` followed by the line `*2x2 or *2x≥3`. Undefined for an allele the row does not list (`*10xN`): CPIC gives
 * no reading of it.
 */
export function copyNumberChoices(gene: string, raw: string): readonly string[] | undefined {
  let choices = copyChoices.get(gene);
  if (!choices) {
    const lines = (unspecifiedCopiesText(gene) ?? '').split('\n').map((line) => line.trim());
    const index = aliasIndex(gene);
    const parsed = new Map<string, readonly string[]>();
    lines.forEach((line, i) => {
      if (!/^\*\w+xN$/.test(line)) return;
      const names = (lines[i + 1] ?? '').split(' or ').map((name) => index.get(comparable(name)));
      if (names.every((name) => name !== undefined)) parsed.set(comparable(line), names);
    });
    choices = parsed;
    copyChoices.set(gene, choices);
  }
  return choices.get(comparable(stripGenePrefix(gene, raw)));
}

/**
 * A genotype at the one variant a gene's CPIC alleles are named by (`rs9923231 C/T`, `rs2231142 GT` for
 * `rs9923231 reference (C)` / `rs9923231 variant (T)`) as its two nucleotides; undefined for anything else.
 */
function variantGenotype(gene: string, text: string): string[] | undefined {
  const m = /^(rs\d+)\s*(?::\s*)?([ACGT])\s*(?:\/\s*)?([ACGT])$/i.exec(text);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  const rsid = m[1].toLowerCase();
  const names = Object.keys(geneKnowledge(gene)?.alleles ?? {});
  if (names.length === 0 || !names.every((name) => name.toLowerCase().startsWith(`${rsid} `)))
    return undefined;
  return [m[2].toUpperCase(), m[3].toUpperCase()];
}

/** A gene whose CPIC phenotypes name the genotype at one position (VKORC1 `-1639 AG`): the allele of each nucleotide. */
interface PositionNotation {
  readonly position: string;
  readonly alleleOf: ReadonlyMap<string, string>;
}

const positionNotations = new Map<string, PositionNotation | undefined>();

/**
 * The position notation of a gene, read off its CPIC diplotype table: VKORC1's phenotypes are `-1639 GG`, `-1639 AG`
 * and `-1639 AA`, and the table gives `rs9923231 reference (C)/rs9923231 reference (C)` as `-1639 GG` and the
 * variant (T) homozygote as `-1639 AA`, so G is the reference allele and A the variant one (the promoter position is
 * named on the gene's strand, the rsID's nucleotides on the genome's). Undefined for every other gene.
 */
function positionNotation(gene: string): PositionNotation | undefined {
  if (positionNotations.has(gene)) return positionNotations.get(gene);
  const alleleOf = new Map<string, string>();
  const positions = new Set<string>();
  for (const [diplotype, phenotype] of diplotypeTable(gene) ?? []) {
    const named = /^(-?\d+) ([ACGT])\2$/.exec(phenotype);
    const [first, second] = diplotype.split('/');
    if (!named?.[1] || !named[2] || !first || first !== second) continue;
    positions.add(named[1]);
    alleleOf.set(named[2], first);
  }
  const [position] = positions;
  const notation =
    position !== undefined && positions.size === 1 && alleleOf.size === 2
      ? { position, alleleOf }
      : undefined;
  positionNotations.set(gene, notation);
  return notation;
}

/**
 * A genotype written in a gene's position notation (`-1639 AG`, `-1639 G/A`, `c.-1639G>A A/G`, `-1639G>A
 * heterozygous`), or at its rsID with the same nucleotides (`rs9923231 AG`, when none of them is one the rsID's own
 * alleles are named by): its two CPIC allele names; undefined for anything else.
 */
function positionGenotype(gene: string, text: string): string[] | undefined {
  const notation = positionNotation(gene);
  if (!notation) return undefined;
  const m =
    /^(?:c\.)?(-?\d+|rs\d+)\s*(?:([ACGT])\s*>\s*([ACGT])\s*)?(?::\s*)?(?:([ACGT])\s*(?:\/\s*)?([ACGT])|\(?(heterozygous|homozygous)\)?)$/i.exec(
      text,
    );
  if (!m?.[1]) return undefined;
  const at = m[1].toLowerCase();
  const names = [...notation.alleleOf.values()];
  const rsidLetters = names.map((name) => /\(([ACGT])\)$/.exec(name)?.[1]);
  const isRsid = names.every((name) => name.toLowerCase().startsWith(`${at} `));
  if (at !== notation.position && !isRsid) return undefined;
  const [ref, alt] = [m[2]?.toUpperCase(), m[3]?.toUpperCase()];
  const zygosity = m[6]?.toLowerCase();
  // `G>A heterozygous` is read only when G is the reference allele's nucleotide.
  const stated = ref && alt && /\breference\b/.test(notation.alleleOf.get(ref) ?? '');
  const letters = zygosity
    ? stated
      ? zygosity === 'homozygous'
        ? [alt, alt]
        : [ref, alt]
      : []
    : [m[4]?.toUpperCase() ?? '', m[5]?.toUpperCase() ?? ''];
  if (isRsid && letters.some((letter) => rsidLetters.includes(letter))) return undefined;
  const alleles = letters.map((letter) => notation.alleleOf.get(letter));
  return alleles.length === 2 && alleles.every((a) => a !== undefined) ? alleles : undefined;
}

/** A label before the value (`CYP2D6: *1/*4`, `Genotype: *1/*4`, `CYP2D6 genotype = *1/*4`, `CYP2D6 - *1/*4`) removed. */
export function withoutLabel(text: string): string {
  return text.replace(/^(?:(?:genotype|diplotype|result)\b\s*)?(?:[:=]|-(?=\s))\s*/i, '').trim() || text;
}

const REFERENCE = 'Reference';

function hasReferenceAllele(gene: string): boolean {
  return ownEntry(geneKnowledge(gene)?.alleles ?? {}, REFERENCE) !== undefined;
}

/**
 * Splits a diplotype (`CYP2C19*2/*17`, `*2/*17`, `DPYD c.1905+1G>A/Reference`, `VKORC1 rs9923231 C/T`) into its allele
 * strings.
 */
export function splitDiplotype(gene: string, text: string): string[] {
  const stripped = withoutLabel(stripGenePrefix(gene, text));
  const variant = positionGenotype(gene, stripped) ?? variantGenotype(gene, stripped);
  if (variant) return variant;
  const alleles = (diplotype: string): string[] =>
    diplotype
      .split('/')
      .map((part) => stripGenePrefix(gene, part))
      .filter((part) => part.length > 0);
  // The zygosity found at the end, then the alleles before it on the same line: two steps, each linear.
  const word = /\(?\b(heterozygous|homozygous)\)?$/i.exec(stripped);
  const before = word ? stripped.slice(0, word.index).replace(/(?<![\s,;])[\s,;]+$/, '') : '';
  const zygosity = before && !before.includes('\n') ? word?.[1] : undefined;
  if (!zygosity || gene.startsWith('HLA-') || gene === 'CFTR') return alleles(stripped);
  // A zygosity the lab states after the alleles (`*1/*2 (heterozygous)`, `*2 homozygous`): one allele named
  // homozygous is two copies of it; two alleles are read only when the statement agrees with them.
  const named = alleles(before);
  const homozygous = zygosity.toLowerCase() === 'homozygous';
  if (named.length === 1 && homozygous) return [named[0] ?? '', named[0] ?? ''];
  // Genes whose CPIC alleles are variants beside one named `Reference`, CPIC's name for none of the variants tested
  // (DPYD, RYR1, CACNA1S): one variant heterozygous is that variant and the Reference.
  if (named.length === 1 && hasReferenceAllele(gene)) return [REFERENCE, named[0] ?? ''];
  const same = named.length === 2 && comparable(named[0] ?? '') === comparable(named[1] ?? '');
  return named.length === 2 && same === homozygous ? named : alleles(stripped);
}
