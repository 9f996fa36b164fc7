/**
 * Phenotype calling under current CPIC for every gene of `genes.json`: diplotype tables (order-insensitive),
 * activity scores (CYP2D6 by rule incl. copy numbers; CYP2C9 and DPYD by table), HLA allele status, G6PD by the
 * number of X alleles, MT-RNR1 (one mitochondrial allele), RYR1/CACNA1S. An allele CPIC does not define gives an
 * `Indeterminate` call with the reason, never a guess.
 */
import { copyNumberChoices, resolveAllele, splitDiplotype } from './alleles';
import { diplotypeRow, diplotypeTable, geneKnowledge, ownEntry, UNSPECIFIED_COPIES_KEY } from './knowledge';
import type { GeneKnowledge } from './knowledge';
import { withFieldSeparators } from './hla';
import type { HlaAlleleStatus } from './hla';
import type { CopyNumberReading } from './types';

export const INDETERMINATE = 'Indeterminate';

/** The phenotype CPIC assigns to a genotype, before it is tied to a source Observation. */
export interface PhenotypeCall {
  readonly gene: string;
  readonly diplotype?: string;
  readonly alleles: readonly string[];
  readonly phenotype: string;
  readonly activityScore?: string;
  readonly lookupKey: string;
  /** An unreported copy number (`*2xN`): each reading CPIC lists, and its keys as candidates (see `GeneResult`). */
  readonly candidateLookupKeys?: readonly string[];
  readonly copyNumberReadings?: readonly CopyNumberReading[];
  /** HLA: status of each CPIC risk allele tested. */
  readonly alleleStatus?: Readonly<Record<string, HlaAlleleStatus>>;
  /** Why the laboratory's notation could not be read, when it could not (see `GeneResult.unreadable`). */
  readonly unreadable?: string;
  readonly notes: readonly string[];
  /** What the call took for granted that the laboratory did not report (see `GeneResult.assumed`). */
  readonly assumed?: readonly string[];
}

/** Options that change how a genotype is read. */
export interface CallOptions {
  /** Administrative/recorded sex; used only for G6PD when a single allele leaves the X count open. */
  readonly sex?: string;
}

function indeterminate(gene: string, alleles: readonly string[], notes: readonly string[]): PhenotypeCall {
  return {
    gene,
    alleles,
    ...(alleles.length > 0 ? { diplotype: alleles.join('/') } : {}),
    phenotype: INDETERMINATE,
    lookupKey: INDETERMINATE,
    notes,
  };
}

/**
 * A call the laboratory's notation did not allow (an allele CPIC does not define, too many alleles, text naming nothing
 * read): Indeterminate, with the reason as `unreadable` and as the last note.
 */
export function unreadableCall(
  gene: string,
  alleles: readonly string[],
  reason: string,
  notes: readonly string[] = [],
): PhenotypeCall {
  return { ...indeterminate(gene, alleles, [...notes, reason]), unreadable: reason };
}

/** CPIC's score notation: one decimal, or two when needed (`1.0`, `1.25`); `≥` kept for lower bounds. */
export function formatScore(value: number, atLeast: boolean): string {
  const rounded = Math.round(value * 100) / 100;
  const text = Number.isInteger(rounded * 10) ? rounded.toFixed(1) : rounded.toFixed(2);
  return atLeast ? `≥${text}` : text;
}

/** Parses `1.25` or `≥3.0` into its number and whether it is a lower bound; undefined for `n/a` and others. */
export function parseScore(text: string): { readonly value: number; readonly atLeast: boolean } | undefined {
  const match = /^(≥)?(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!match?.[2]) return undefined;
  return { value: Number(match[2]), atLeast: match[1] === '≥' };
}

/** The phenotype an activity score means for a gene (CYP2D6 bands; CYP2C9/DPYD score table). */
export function phenotypeForScore(gene: string, score: string): string | undefined {
  const knowledge = geneKnowledge(gene);
  if (!knowledge) return undefined;
  const table = knowledge.activityScoreToPhenotype?.[score];
  if (table?.length === 1) return table[0];
  const parsed = parseScore(score);
  if (!parsed || !knowledge.activityScoreRanges) return undefined;
  const { value } = parsed;
  const band = knowledge.activityScoreRanges.find(
    (r) =>
      (r.min === undefined || (r.minInclusive ? value >= r.min : value > r.min)) &&
      (r.max === undefined || (r.maxInclusive ? value <= r.max : value < r.max)),
  );
  // A lower bound (`≥3.0`) has one phenotype only if the band is open upwards.
  if (band && parsed.atLeast && band.max !== undefined) return undefined;
  return band?.phenotype;
}

/** CYP2D6: sum of CPIC activity values (genes.json `activityScoreRules`); `n/a` when any value is missing. */
function callByActivityRule(
  gene: string,
  knowledge: GeneKnowledge,
  alleles: string[],
  notes: string[],
): PhenotypeCall {
  let sum = 0;
  let atLeast = false;
  for (const allele of alleles) {
    const parsed = parseScore(ownEntry(knowledge.alleles, allele)?.[1] ?? '');
    if (!parsed) {
      return {
        ...indeterminate(gene, alleles, [...notes, `${gene} ${allele} has no CPIC activity value`]),
        activityScore: 'n/a',
        lookupKey: 'n/a',
      };
    }
    sum += parsed.value;
    atLeast ||= parsed.atLeast;
  }
  const score = formatScore(sum, atLeast);
  const phenotype = phenotypeForScore(gene, score) ?? INDETERMINATE;
  return {
    gene,
    alleles,
    diplotype: alleles.join('/'),
    phenotype,
    activityScore: score,
    lookupKey: score,
    notes,
  };
}

/** G6PD WHO class of an allele function string such as `III/Deficient` (`Uncertain function` has none). */
function g6pdClass(fn: string): 'I' | 'II' | 'III' | 'IV' | undefined {
  const match = /^(I|II|III|IV)\//.exec(fn);
  return match?.[1] as 'I' | 'II' | 'III' | 'IV' | undefined;
}

/**
 * G6PD phenotype rules (genes.json `G6PD.phenotypeRules`): hemizygous → the allele's function; two X alleles →
 * Normal+Normal Normal, Normal+deficient Variable, II/III+II/III or I+II/III Deficient, I+I Deficient with CNSHA,
 * any uncertain allele Indeterminate.
 */
function callG6pd(
  knowledge: GeneKnowledge,
  reported: string[],
  notes: string[],
  sex: string | undefined,
): PhenotypeCall {
  const gene = 'G6PD';
  let alleles = reported;
  const functions = alleles.map((a) => ownEntry(knowledge.alleles, a)?.[0] ?? '');
  const classes = functions.map(g6pdClass);
  const assumed: string[] = [];
  if (alleles.length === 2 && sex === 'male' && alleles[0] === alleles[1]) {
    notes.push('G6PD reported with two identical alleles for a male patient; read as hemizygous');
    assumed.push('two identical alleles reported for a male patient, read as one (hemizygous)');
    alleles = alleles.slice(0, 1);
  } else if (alleles.length === 2 && sex === 'male') {
    return indeterminate(gene, alleles, [
      ...notes,
      'G6PD: two different alleles reported for a male (one X) patient',
    ]);
  }
  if (alleles.length === 1) {
    // One reported allele means hemizygous (one X chromosome); flagged when the recorded sex is female.
    if (sex === 'female') {
      notes.push('G6PD reported with one allele; read as hemizygous although recorded sex is female');
      assumed.push('one allele reported for a patient recorded as female, read as hemizygous');
    }
    const hemizygousRules = knowledge.phenotypeRules?.['hemizygous (one X allele)'] as
      Readonly<Record<string, string>> | undefined;
    const phenotype = hemizygousRules?.[functions[0] ?? ''] ?? INDETERMINATE;
    return {
      gene,
      alleles,
      diplotype: alleles.join('/'),
      phenotype,
      lookupKey: phenotype,
      notes,
      ...(assumed.length > 0 ? { assumed } : {}),
    };
  }
  let phenotype: string;
  if (classes.some((c) => c === undefined)) phenotype = INDETERMINATE;
  else if (classes.every((c) => c === 'IV')) phenotype = 'Normal';
  else if (classes.includes('IV')) phenotype = 'Variable';
  else if (classes.every((c) => c === 'I')) phenotype = 'Deficient with CNSHA';
  else phenotype = 'Deficient';
  return { gene, alleles, diplotype: alleles.join('/'), phenotype, lookupKey: phenotype, notes };
}

/** HLA: `positive` for each CPIC risk allele present in the genotype, `negative` for the others. */
function callHla(gene: string, knowledge: GeneKnowledge, alleles: string[], notes: string[]): PhenotypeCall {
  const alleleStatus: Record<string, 'positive' | 'negative'> = {};
  for (const risk of Object.keys(knowledge.alleles))
    alleleStatus[risk] = alleles.includes(risk) ? 'positive' : 'negative';
  const summary = hlaSummary(alleleStatus);
  return {
    gene,
    alleles,
    diplotype: alleles.join('/'),
    phenotype: summary,
    lookupKey: summary,
    alleleStatus,
    notes,
  };
}

/** `*15:02 negative, *57:01 positive` — the phenotype line of an HLA result. */
export function hlaSummary(status: Readonly<Record<string, HlaAlleleStatus>>): string {
  return Object.keys(status)
    .sort()
    .map((allele) => `${allele} ${status[allele] ?? ''}`)
    .join(', ');
}

/**
 * Calls the CPIC phenotype of a genotype: `alleleTexts` are the reported allele names (one for hemizygous G6PD and
 * MT-RNR1, two otherwise; a single string containing `/` is split).
 */
export function callPhenotype(
  gene: string,
  alleleTexts: readonly string[],
  options: CallOptions = {},
): PhenotypeCall {
  const knowledge = geneKnowledge(gene);
  const texts = alleleTexts.length === 1 ? splitDiplotype(gene, alleleTexts[0] ?? '') : [...alleleTexts];
  if (!knowledge) return indeterminate(gene, texts, [`${gene} is not a CPIC gene`]);
  if (texts.some(isUnspecifiedCopies)) return callUnspecifiedCopies(gene, texts, options);
  const notes: string[] = [];
  const alleles: string[] = [];
  for (const text of texts) {
    const resolved = resolveAllele(gene, text);
    if (!resolved.ok) return unreadableCall(gene, texts, resolved.reason);
    // A homozygous result read the same way twice says so once.
    if (resolved.note && !notes.includes(resolved.note)) notes.push(resolved.note);
    alleles.push(resolved.name);
  }
  if (knowledge.lookupMethod === 'ALLELE_STATUS') return callHla(gene, knowledge, alleles, notes);
  const expected = gene === 'MT-RNR1' ? [1] : gene === 'G6PD' ? [1, 2] : [2];
  const lone =
    alleles.length === 1 && expected.includes(2) ? loneAlleleCall(gene, alleles[0] ?? '', notes) : undefined;
  if (lone) return lone;
  if (!expected.includes(alleles.length)) {
    const reason = `${gene} needs ${expected.join(' or ')} ${expected.includes(2) ? 'alleles' : 'allele'}, got ${alleles.length}`;
    return unreadableCall(gene, alleles, reason, notes);
  }
  if (gene === 'G6PD') return callG6pd(knowledge, alleles, notes, options.sex);
  if (knowledge.hasDiplotypeTable) {
    const row = diplotypeRow(gene, alleles);
    if (!row)
      return indeterminate(gene, alleles, [
        ...notes,
        `${gene} ${alleles.join('/')} is not in the CPIC diplotype table`,
      ]);
    return {
      gene,
      alleles,
      diplotype: row[0],
      phenotype: row[1],
      lookupKey: row[2],
      ...(row[3] !== null ? { activityScore: row[3] } : {}),
      notes,
    };
  }
  if (knowledge.activityScoreRanges) return callByActivityRule(gene, knowledge, alleles, notes);
  return indeterminate(gene, alleles, [...notes, `CPIC assigns no phenotype for ${gene}`]);
}

/**
 * One allele reported alone (`RYR1 c.7300G>A`): called only when every diplotype of CPIC's table that holds it has the
 * same phenotype and lookup key, so the other allele cannot change the call (an RYR1 or CACNA1S variant associated with
 * malignant hyperthermia: Malignant Hyperthermia Susceptibility with any partner). Undefined otherwise: a lone DPYD or
 * CYP2C19 allele needs its partner.
 */
function loneAlleleCall(gene: string, allele: string, notes: readonly string[]): PhenotypeCall | undefined {
  const rows = (diplotypeTable(gene) ?? []).filter(([diplotype]) => diplotype.split('/').includes(allele));
  const [first] = rows;
  if (!first || first[1] === INDETERMINATE) return undefined;
  if (rows.some((row) => row[1] !== first[1] || row[2] !== first[2])) return undefined;
  return {
    gene,
    alleles: [allele],
    diplotype: allele,
    phenotype: first[1],
    lookupKey: first[2],
    notes: [...notes, `${gene} ${allele} reported alone: CPIC calls it ${first[1]} with any other allele`],
    assumed: [PARTNER_NOT_REPORTED],
  };
}

/** Said beside a result called from one allele because CPIC calls it the same with any partner. */
export const PARTNER_NOT_REPORTED = "the other allele not reported: CPIC's call is the same whatever it is";

function isUnspecifiedCopies(allele: string): boolean {
  return /xN$/i.test(allele);
}

/**
 * A genotype with a copy number the laboratory did not report (`*1/*2xN`). CPIC's "xN combinations" row says `xN` is
 * not a valid input and lists what each such allele may stand for (`*2xN`: `*2x2` or `*2x≥3`). Every reading is
 * called, and each one's key is a candidate: the guideline's row for each reading applies, the most protective first
 * (as for a phenotype reported without genotype). When the readings agree, that is the phenotype; otherwise it is
 * Indeterminate. An allele CPIC lists no reading of leaves CPIC's xN row. Reading CPIC's list so is the service's
 * choice (README.md here, "Unreported copy number").
 */
function callUnspecifiedCopies(gene: string, texts: readonly string[], options: CallOptions): PhenotypeCall {
  const unspecified = [...new Set(texts.filter(isUnspecifiedCopies))];
  const choices = new Map(unspecified.map((t) => [t, copyNumberChoices(gene, t)]));
  if ([...choices.values()].includes(undefined)) {
    return {
      ...indeterminate(gene, texts, [
        `${gene} ${unspecified.join(', ')}: copy number not reported, and CPIC lists no reading of it`,
      ]),
      lookupKey: UNSPECIFIED_COPIES_KEY,
    };
  }
  const readings = texts.reduce<string[][]>(
    (combos, t) => combos.flatMap((combo) => (choices.get(t) ?? [t]).map((allele) => [...combo, allele])),
    [[]],
  );
  const calls = readings.map((reading) => callPhenotype(gene, reading, options));
  const copyNumberReadings = [
    ...new Map(
      calls.map((c) => [
        [...c.alleles].sort().join('/'),
        { diplotype: c.alleles.join('/'), phenotype: c.phenotype, lookupKey: c.lookupKey },
      ]),
    ).values(),
  ];
  const phenotypes = [...new Set(calls.map((c) => c.phenotype))];
  const agreed = phenotypes.length === 1 ? phenotypes[0] : undefined;
  const keys = [...new Set(calls.map((c) => c.lookupKey))];
  const scores = calls.flatMap((c) => parseScore(c.activityScore ?? '') ?? []);
  const lowest = scores.length === calls.length ? Math.min(...scores.map((s) => s.value)) : undefined;
  const lowestKey = calls.find((c) => parseScore(c.activityScore ?? '')?.value === lowest)?.lookupKey;
  return {
    gene,
    alleles: texts,
    diplotype: texts.join('/'),
    phenotype: agreed ?? INDETERMINATE,
    ...(agreed && lowest !== undefined
      ? { activityScore: keys.length === 1 ? (keys[0] ?? '') : formatScore(lowest, true) }
      : {}),
    lookupKey: agreed === undefined ? UNSPECIFIED_COPIES_KEY : (lowestKey ?? keys[0] ?? agreed),
    ...(keys.length > 1 ? { candidateLookupKeys: keys } : {}),
    copyNumberReadings,
    notes: [
      ...new Set(calls.flatMap((c) => c.notes)),
      // Readings that differ are said where the finding asks the laboratory for the copy number.
      `${gene} ${unspecified.join(', ')}: copy number not reported${agreed === undefined ? '' : `; ${copyNumberWords(copyNumberReadings)}`}`,
    ],
  };
}

/** The phenotypes an unreported copy number's readings give, each once (several: the result does not settle it). */
export function copyNumberPhenotypes(result: {
  readonly copyNumberReadings?: readonly CopyNumberReading[];
}): string[] {
  return [...new Set(result.copyNumberReadings?.map((r) => r.phenotype))];
}

/**
 * What an unreported copy number leaves open, in words: `Ultrarapid Metabolizer as *1/*2x2 or *1/*2x≥3` (one
 * phenotype), `Normal Metabolizer as *4/*1x2, Ultrarapid Metabolizer as *4/*1x≥3` (several).
 */
export function copyNumberWords(readings: readonly CopyNumberReading[]): string {
  const byPhenotype = new Map<string, string[]>();
  for (const r of readings) {
    const diplotypes = byPhenotype.get(r.phenotype);
    if (diplotypes) diplotypes.push(r.diplotype);
    else byPhenotype.set(r.phenotype, [r.diplotype]);
  }
  const parts = [...byPhenotype].map(
    ([phenotype, diplotypes]) => `${phenotype} as ${diplotypes.join(' or ')}`,
  );
  return parts.join(', ');
}

const phenotypeTerms = new Map<string, readonly (readonly [string, string])[]>();

/**
 * Words that change the term they stand before: "Possible Intermediate Metabolizer" is not an Intermediate
 * Metabolizer, "not a poor metabolizer" is not a Poor Metabolizer. A term after one of them is not read (unless CPIC
 * has the qualified term itself, as CYP2C19's "Likely Poor Metabolizer").
 */
const QUALIFIERS = new Set([
  'possible',
  'possibly',
  'probable',
  'probably',
  'likely',
  'unlikely',
  'not',
  'non',
  'no',
]);
const ARTICLES = new Set(['a', 'an', 'the']);
/** Phrases before a term that deny it, beyond the one-word qualifiers: "negative for Poor Metabolizer". */
const DENIED_BEFORE = /\b(?:negative for|rule out|ruled out|absence of)$/;
/**
 * Words right after a term (one word, such as an abbreviation, may come between) that deny or doubt it: "Poor
 * Metabolizer: not detected", "Normal Metabolizer ruled out", "Poor metabolizer unlikely"; and a bare "no" ending the
 * statement ("Poor Metabolizer (PM): No"). "Normal Metabolizer - no dose adjustment" states the term.
 */
const DENIED_AFTER =
  /^(?:\S+ )?(?:(?:not (?:detected|present|found|identified|likely)|negative|absent|excluded|ruled out|unlikely|possible|possibly|probable|probably|likely)\b|no$)/;
/**
 * The words around a term at `at`..`end` of a statement (`comparableTerm` form, padded with spaces) that can deny it:
 * before it, back to the nearest word that is not an article and at least two words (`QUALIFIERS`, `DENIED_BEFORE`);
 * after it, three words (`DENIED_AFTER`), then "…" when the statement goes on, so a bare "no" there does not end it.
 * Only these words are read, so a text repeating a term costs its length, not its square.
 */
function termContext(statement: string, at: number, end: number): { before: string; after: string } {
  let from = at;
  let words = 0;
  let content = false;
  while (from > 0 && (words < 2 || !content)) {
    const space = statement.lastIndexOf(' ', from - 1);
    const word = statement.slice(space + 1, from);
    if (word) {
      words += 1;
      content ||= !ARTICLES.has(word);
    }
    from = Math.max(space, 0);
  }
  let to = end;
  for (let count = 0; count < 3 && to < statement.length; count += 1) {
    const space = statement.indexOf(' ', to + 1);
    to = space < 0 ? statement.length : space;
  }
  const more = statement.slice(to).trim().length > 0;
  return {
    before: statement.slice(from, at).trim(),
    after: `${statement.slice(end, to).trim()}${more ? ' …' : ''}`,
  };
}

/** A statement ends at `;`, a line break or a full stop (not a decimal point: "activity score 1.0"). */
const STATEMENT_END = /[;\n]|\.(?=\s|$)/;

/**
 * Lower case, one space between words, punctuation as space (but the colon of an HLA allele, `*57:01`), a star allele
 * apart from its gene (`b *57:01`); "ultra-rapid" and "metaboliser" as CPIC spells them.
 */
function comparableTerm(text: string): string {
  return text
    .toLowerCase()
    .replace(/:(?!\d)/g, ' ')
    .replace(/(\w)\*/g, '$1 *')
    .replace(/[\s_\-;,.()[\]/]+/g, ' ')
    .replace(/\bultra rapid\b/g, 'ultrarapid')
    .replace(/\bmetaboliser\b/g, 'metabolizer')
    .trim();
}

/**
 * Normalizes a laboratory phenotype (text, or a LOINC answer display) to the gene's CPIC phenotype term;
 * undefined when the text names none of them, or several. A term is read as whole words ("Ultra-rapid Metabolizer" is
 * never a Rapid Metabolizer), the longest first (`likely poor metabolizer` before `poor metabolizer`), and not when
 * the words around it qualify or deny it (`QUALIFIERS`, `DENIED_BEFORE`, `DENIED_AFTER`). HLA allele names written
 * before 2010 (`*5701 positive`) are read too.
 */
export function normalizePhenotype(gene: string, text: string): string | undefined {
  const knowledge = geneKnowledge(gene);
  if (!knowledge) return undefined;
  const statements = (gene.startsWith('HLA-') ? withFieldSeparators(text) : text)
    .split(STATEMENT_END)
    // A statement without a letter names no term (a long run of separators is a million statements).
    .filter((statement) => /[a-z]/i.test(statement))
    .map((statement) => ` ${comparableTerm(statement)} `);
  let terms = phenotypeTerms.get(gene);
  if (!terms) {
    terms = [...knowledge.phenotypes]
      .sort((x, y) => y.length - x.length)
      .map((t) => [t, comparableTerm(t)] as const);
    phenotypeTerms.set(gene, terms);
  }
  // Every occurrence of a term as whole words, longest terms first, none overlapping one found before (the characters
  // found are marked), each with the words around it that can deny it (`termContext`).
  const found: { term: string; before: string; after: string }[] = [];
  for (const wanted of statements) {
    let taken: Uint8Array | undefined;
    for (const [term, words] of terms) {
      if (words.length === 0) continue;
      for (let at = wanted.indexOf(` ${words} `); at >= 0; at = wanted.indexOf(` ${words} `, at + 1)) {
        const end = at + words.length + 1;
        if (taken?.subarray(at, end).includes(1)) continue;
        (taken ??= new Uint8Array(wanted.length)).fill(1, at, end);
        found.push({ term, ...termContext(wanted, at, end) });
      }
    }
  }
  // A text naming two terms ("*58:01 positive; *15:02 negative") states several results, not one phenotype.
  if (new Set(found.map((f) => f.term)).size !== 1) return undefined;
  const denied = found.some(({ before, after }) => {
    const words = before.split(' ').filter((word) => !ARTICLES.has(word));
    return QUALIFIERS.has(words.at(-1) ?? '') || DENIED_BEFORE.test(before) || DENIED_AFTER.test(after);
  });
  return denied ? undefined : found[0]?.term;
}
