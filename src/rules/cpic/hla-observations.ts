/**
 * HLA results in Observations, read into the status of each CPIC risk allele: allele-specific presence results (the
 * code names the allele, the value says positive or negative, in words or as an answer code) and typings (a GL String,
 * or free text naming alleles).
 */
import { geneKnowledge } from './knowledge';
import { parseGlString, parseHlaText, riskAlleleStatus, withFieldSeparators } from './hla';
import type { HlaAlleleStatus, HlaTyping } from './hla';
import { obj } from './json';
import type { Json } from './json';
import { codings, GENOTYPE, HAPLOTYPE, LOINC, valueStrings } from './observation-text';

const POSITIVE = /\b(positive|pos|present|detected|carrier)\b/i;
/**
 * A negative answer, tested before POSITIVE: a negative word, a positive one denied ("not detected", "not present",
 * "none detected", "no carrier") or answered no at the end of a statement ("Detected: No", not "Present - no further
 * testing needed").
 */
const NEGATIVE =
  /\b(negative|neg|absent|non-?carrier|none detected|(?:not|no)\s+(?:a\s+)?(?:positive|present|detected|carrier|found|identified)|(?:positive|present|detected)\s*(?:[:=-]\s*)?no(?=\s*(?:$|[;,.)])))/i;
/** A presence test that could not tell: the risk allele stays possible (never read as negative). */
const UNDECIDED =
  /\b(inconclusive|indeterminate|equivocal|uncertain|ambiguous|(?:presumptive|presumed|probable|possible|suspected|weak|weakly)\s+positive)\b/i;
const GL_STRING_SYSTEM = /^https?:\/\/(?:www\.)?glstring\.org/i;

/**
 * Presence answers sent as a code without a display: SNOMED CT qualifier values and LOINC answers (LL2160-7 and the
 * Genomics Reporting IG's Present/Absent), as the words the patterns above read.
 */
const PRESENCE_ANSWERS: Readonly<Record<string, string>> = {
  'http://snomed.info/sct|10828004': 'Positive',
  'http://snomed.info/sct|260385009': 'Negative',
  'http://snomed.info/sct|260373001': 'Detected',
  'http://snomed.info/sct|260415000': 'Not detected',
  [`${LOINC}|LA6576-8`]: 'Positive',
  [`${LOINC}|LA6577-6`]: 'Negative',
  [`${LOINC}|LA11884-6`]: 'Indeterminate',
  [`${LOINC}|LA9633-4`]: 'Present',
  [`${LOINC}|LA9634-2`]: 'Absent',
};

/**
 * An allele-specific HLA result: the code names `HLA-B*57:01` (in its display or text, or as one of the LOINC
 * presence codes above sent without either), the value says positive/negative.
 */
export function readHlaPresence(
  observation: Json,
  codes: readonly string[],
  values: readonly string[],
): { gene: string; allele: string; status: HlaAlleleStatus } | undefined {
  if (codings(observation.code).some((c) => c.code === GENOTYPE || c.code === HAPLOTYPE)) return undefined;
  for (const s of codes.map(withFieldSeparators)) {
    const match = /HLA[\s-]?([AB])\s*\*\s*(\d+):(\d+)/i.exec(s);
    if (!match?.[1]) continue;
    const gene = `HLA-${match[1].toUpperCase()}`;
    const allele = `*${match[2] ?? ''}:${match[3] ?? ''}`;
    const answers = codings(observation.valueCodeableConcept).flatMap((c) => {
      const word = PRESENCE_ANSWERS[`${c.system ?? ''}|${c.code ?? ''}`];
      return word ? [word] : [];
    });
    const status = presenceStatus([...values, ...answers].join(' '));
    if (status) return { gene, allele, status };
  }
  return undefined;
}

/** The presence status a phrase states (`not detected` before `detected`), or undefined when it states none. */
function presenceStatus(phrase: string): HlaAlleleStatus | undefined {
  if (UNDECIDED.test(phrase)) return 'possible';
  if (NEGATIVE.test(phrase)) return 'negative';
  return POSITIVE.test(phrase) ? 'positive' : undefined;
}

/**
 * Free text that reports risk alleles one by one with a result word, as HLA lab reports do ("HLA-B*57:01: POSITIVE;
 * HLA-B*15:02 not detected"): each clause naming one allele of `gene` and a result word. A clause naming an allele
 * without a result word makes the text a typing, not a presence report (undefined).
 */
export function readHlaPresenceText(
  values: readonly string[],
  gene: string,
): Record<string, HlaAlleleStatus> | undefined {
  for (const value of values) {
    const clauses = value.split(/[;\n]|,(?!\d)/).filter((c) => /\*\s*\d/.test(c));
    const statuses: Record<string, HlaAlleleStatus> = {};
    let stated = clauses.length > 0;
    for (const clause of clauses) {
      const typing = parseHlaText(clause, gene);
      const status = presenceStatus(clause);
      if (!typing || typing.genotypes[0]?.length !== 1 || !status) {
        stated = false;
        break;
      }
      for (const risk of riskAlleles(gene)) {
        if (riskAlleleStatus(typing, [risk])[risk] === 'negative') continue;
        // "*57:01 negative" is negative; "*57 positive" (low resolution) leaves *57:01 possible.
        const typed = riskAlleleStatus(typing, [risk])[risk];
        statuses[risk] = status === 'positive' && typed === 'possible' ? 'possible' : status;
      }
    }
    if (stated && Object.keys(statuses).length > 0) return statuses;
  }
  return undefined;
}

/** The CPIC risk alleles of an HLA gene (`genes.json`), e.g. `*15:02`, `*57:01`, `*58:01` for HLA-B. */
export function riskAlleles(gene: string): string[] {
  return Object.keys(geneKnowledge(gene)?.alleles ?? {});
}

/**
 * An HLA genotype value as typings per locus: a GL String (coded with the glstring.org system, or written in its
 * grammar: a `namespace#version#` prefix or the `+`, `|`, `^` operators) or free text naming alleles, where `/`
 * separates the two alleles as in other genotypes (a `/` is read as allele ambiguity only inside a GL String).
 */
export function readHlaTypings(observation: Json, gene: string): HlaTyping[] {
  const concept = obj(observation.valueCodeableConcept);
  const glCodes = codings(concept).flatMap((c) =>
    c.system && GL_STRING_SYSTEM.test(c.system) && c.code ? [c.code] : [],
  );
  for (const value of [...glCodes, ...valueStrings(observation)]) {
    const gl = glCodes.includes(value) || /#|\+|\||\^/.test(value) ? parseGlString(value) : undefined;
    if (gl && gl.length > 0) return gl;
    const typing = parseHlaText(value, gene);
    if (typing) return [typing];
  }
  return [];
}
