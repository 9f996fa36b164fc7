/**
 * HLA typing results in the shapes laboratories and the HL7 Genomics Reporting IG write them → the status of each
 * CPIC risk allele (`genes.json`: HLA-A `*31:01`; HLA-B `*15:02`, `*57:01`, `*58:01`).
 *
 * Shapes read:
 * - GL String (http://glstring.org; Milius et al. 2013, "Genotype List String: a grammar for describing HLA and KIR
 *   genotyping results"): `hla#3.33.0#HLA-B*57:01+HLA-B*07:02`, with or without the `namespace#version#` prefix.
 *   Operators, tightest first: `/` allele ambiguity, `~` haplotype, `+` the two chromosomes of a genotype, `|`
 *   genotype ambiguity, `^` loci.
 * - Allele lists as labs write them in text: `HLA-B*57:01:01, HLA-B*07:02`, `B*57:01/B*07:02`, `B*57:01 homozygous`.
 * - Alleles at more fields than CPIC keys on (`*57:01:01`, `*57:01:01:02`, expression suffix `*57:01:01:01N`).
 * - Allele names as written before April 2010, without the colons (`B*5701`, `B*570101`): see `withFieldSeparators`.
 *
 * Matching: an allele counts as the risk allele when its first two fields equal the risk allele's (CPIC keys at
 * two-field resolution: `*57:01:01` is `*57:01`). A low-resolution typing that cannot tell (`B*57`, an NMDP
 * multiple-allele code such as `B*57:AB`), or an ambiguity (`/`, `|`) whose alternatives include the risk allele
 * and others, leaves the allele `possible`: never resolved to negative, never read as positive.
 */

/** The status of one CPIC risk allele in a result. */
export type HlaAlleleStatus = 'positive' | 'negative' | 'possible';

/** How one typed allele relates to a risk allele: it is it, it is not, or the typing cannot tell. */
type Match = 'yes' | 'no' | 'maybe';

/**
 * HLA allele names written as before April 2010, when the WHO Nomenclature Committee introduced the colon between
 * fields (Marsh et al., "An update to HLA Nomenclature, 2010", Bone Marrow Transplant 2010;45:846-848): `B*5701` is
 * `B*57:01`, `B*570101` is `B*57:01:01`. Laboratory test names and older reports still use them ("HLA-B*5701"). In
 * every form of the old names the first two digits are the allele group and the next two the protein, so a run of 4 to
 * 8 digits after `*` is cut into two-digit fields (a lone last digit, as in the five-digit names of the 1990s, is a
 * field of its own). Read any other way, `*5701` would be a group "570" and a false "negative" for `*57:01`.
 */
export function withFieldSeparators(text: string): string {
  return text.replace(
    /\*(\s*)(\d{4,8})(?!\d)/g,
    (_name, space: string, digits: string) => `*${space}${(digits.match(/\d\d?/g) ?? []).join(':')}`,
  );
}

/** `HLA-B*57:01:01` → `{ gene: 'HLA-B', fields: ['57','01','01'] }`; undefined for anything else. */
function parseAllele(name: string, defaultGene?: string): { gene: string; fields: string[] } | undefined {
  const match = /^(?:HLA[-\s]?)?([A-Z][A-Z0-9]*)?\s*\*\s*(\d{2,3}(?::[0-9A-Z]+)*)[A-Z]?$/i.exec(
    withFieldSeparators(name).trim(),
  );
  if (!match?.[2]) return undefined;
  const locus = match[1] ? `HLA-${match[1].toUpperCase()}` : defaultGene;
  if (!locus) return undefined;
  return { gene: locus, fields: match[2].toUpperCase().split(':') };
}

/** `*57:01` against a typed allele: equal first two fields; one field only or a letter code → cannot tell. */
function matchAllele(risk: string, allele: { fields: readonly string[] }): Match {
  const [riskGroup, riskProtein] = risk.replace(/^\*/, '').split(':');
  const [group, protein] = allele.fields;
  if (group !== riskGroup) return 'no';
  if (protein === undefined || !/^\d+$/.test(protein)) return 'maybe';
  return protein === riskProtein ? 'yes' : 'no';
}

/** One chromosome's typing at one locus: ambiguous alternatives (`/`). */
type AlleleList = readonly { gene: string; fields: readonly string[] }[];

function listMatch(risk: string, alternatives: AlleleList): Match {
  const matches = alternatives.map((a) => matchAllele(risk, a));
  if (matches.length > 0 && matches.every((m) => m === 'yes')) return 'yes';
  return matches.some((m) => m !== 'no') ? 'maybe' : 'no';
}

/** A genotype's chromosomes: present if one chromosome has it for sure, possible if one may. */
function genotypeMatch(risk: string, chromosomes: readonly AlleleList[]): Match {
  const matches = chromosomes.map((c) => listMatch(risk, c));
  if (matches.includes('yes')) return 'yes';
  return matches.includes('maybe') ? 'maybe' : 'no';
}

function statusOf(matches: readonly Match[]): HlaAlleleStatus {
  if (matches.every((m) => m === 'yes')) return 'positive';
  if (matches.every((m) => m === 'no')) return 'negative';
  return 'possible';
}

/** The typing of one locus: genotype alternatives (`|`), each a list of chromosomes (`+`). */
export interface HlaTyping {
  readonly gene: string;
  readonly genotypes: readonly (readonly AlleleList[])[];
  /** True when the text was a GL String (coded with the glstring.org system or written in its grammar). */
  readonly glString: boolean;
}

/** Removes a GL String's `namespace#version#` (or `namespace#`) prefix: `hla#3.33.0#HLA-B*57:01` → `HLA-B*57:01`. */
export function stripGlStringPrefix(value: string): string {
  const at = value.lastIndexOf('#');
  return at >= 0 ? value.slice(at + 1).trim() : value.trim();
}

/**
 * Parses a GL String (or an allele list in its grammar) into per-locus typings; undefined when any part is not an
 * HLA allele name (the string is then not a GL String and is read as free text instead).
 */
export function parseGlString(value: string): HlaTyping[] | undefined {
  const body = stripGlStringPrefix(value);
  if (!/HLA-?[A-Z0-9]+\*/i.test(body)) return undefined;
  const byGene = new Map<string, AlleleList[][]>();
  for (const locusBlock of body.split('^')) {
    const genotypes: { gene: string; chromosomes: AlleleList[] }[] = [];
    for (const genotype of locusBlock.split('|')) {
      const chromosomes = new Map<string, AlleleList[]>();
      for (const chromosome of genotype.split('+')) {
        // A haplotype (`~`) names alleles of several loci on one chromosome.
        for (const part of chromosome.split('~')) {
          const alternatives = part.split('/').map((a) => parseAllele(a));
          if (alternatives.some((a) => a === undefined)) return undefined;
          const list = alternatives as { gene: string; fields: string[] }[];
          const gene = list[0]?.gene;
          if (!gene) return undefined;
          const lists = chromosomes.get(gene);
          if (lists) lists.push(list);
          else chromosomes.set(gene, [list]);
        }
      }
      for (const [gene, lists] of chromosomes) genotypes.push({ gene, chromosomes: lists });
    }
    for (const { gene, chromosomes } of genotypes) {
      const typings = byGene.get(gene);
      if (typings) typings.push(chromosomes);
      else byGene.set(gene, [chromosomes]);
    }
  }
  return [...byGene].map(([gene, genotypes]) => ({ gene, genotypes, glString: true }));
}

/**
 * Reads free text naming HLA alleles (`HLA-B*57:01:01, HLA-B*07:02`; `B*57:01 / B*44:02`; `HLA-B 57:01 and
 * 07:02` when the gene is known): the alleles of `gene` it names, as one genotype. A text naming alternatives it
 * cannot separate from the genotype is not guessed at: each named allele counts as typed.
 */
export function parseHlaText(value: string, gene: string): HlaTyping | undefined {
  const locus = gene.replace(/^HLA-/, '').toUpperCase();
  const alleles: { gene: string; fields: string[] }[] = [];
  // `[HLA-]B*57:01:01` or `*57:01` (locus implied), or `HLA-B 57:01` without the star; other loci are skipped.
  const token =
    /(?:\bHLA[-\s]?)?\b([A-Z][A-Z0-9]*)?\s*\*\s*(\d{2,3}(?::[0-9A-Z]+)*)|\bHLA[-\s]?([A-Z][A-Z0-9]*)\s+(\d{2,3}:\d{2,3}(?::\d+)*)/gi;
  for (const m of withFieldSeparators(value).matchAll(token)) {
    const named = (m[1] ?? m[3])?.toUpperCase();
    if (named !== undefined && named !== locus) continue;
    const fields = (m[2] ?? m[4] ?? '').toUpperCase().split(':');
    if (fields[0]) alleles.push({ gene, fields });
  }
  if (alleles.length === 0) return undefined;
  // Alleles named in text are what was typed (one named once: homozygous, or the other chromosome not named).
  return { gene, genotypes: [alleles.map((a) => [a])], glString: false };
}

/** The status of each risk allele of `gene` in a typing (genotype alternatives must all agree to be definite). */
export function riskAlleleStatus(
  typing: HlaTyping,
  riskAlleles: readonly string[],
): Record<string, HlaAlleleStatus> {
  const status: Record<string, HlaAlleleStatus> = {};
  for (const risk of riskAlleles) {
    status[risk] = statusOf(
      typing.genotypes.map((chromosomes) =>
        genotypeMatch(
          risk,
          chromosomes.map((c) => c.filter((a) => a.gene === typing.gene)),
        ),
      ),
    );
  }
  return status;
}

/** The typed alleles of a typing as text (`*57:01:01+*07:02`, ambiguity kept), for the result's explanation. */
export function typingText(typing: HlaTyping): string {
  return typing.genotypes
    .map((chromosomes) => chromosomes.map((c) => c.map((a) => `*${a.fields.join(':')}`).join('/')).join('+'))
    .join(' | ');
}
