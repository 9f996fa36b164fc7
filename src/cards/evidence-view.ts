/**
 * A gene result and a wearable aggregate as the pages behind a card show them: the full explanation a clinician opens
 * from the card and the pharmacist's override review say the same things in the same words. Times stay ISO 8601 for
 * the page to write in the reader's time zone; a data-quality reason's instants are written as days. The shapes are in
 * `evidence-contract.ts`.
 */
import { reinterpretationSentence } from '../rules/cpic';
import type { Finding, GeneConflict, GeneResult } from '../rules/cpic';
import type { SensorAggregate } from '../sensors';
import { phenotypeWords } from './detail';
import type { GeneResultView, SensorDataView } from './evidence-contract';
import { metricName, readingText, reasonText } from './sensor-text';
import { calledWithText, listPhrase } from './text';

/**
 * A gene result as the pages show it; one of results that disagree (`disagreeingResults`) says so, in words, in
 * `disagreement`.
 */
export interface ShownGeneResult extends GeneResult {
  readonly disagreement?: string;
}

/**
 * Each of the results of a gene that disagree, as a result of its own, marked as disagreeing: a conflict card reads
 * no gene (its finding holds the results in `conflicts`), so without them its pages showed no result at all ("No
 * pharmacogenomic result was read.") under a card naming both. Each is what the result would be read as alone (the
 * genotype, its phenotype, its source and date, the allele functions it was called with); a record made before that
 * was kept gives the value as reported.
 */
export function disagreeingResults(conflicts: readonly GeneConflict[]): ShownGeneResult[] {
  const seen = new Set<string>();
  return conflicts.flatMap((conflict) => {
    return conflict.results.flatMap((result): ShownGeneResult[] => {
      const key = `${conflict.gene}|${result.source}|${result.value}`;
      if (seen.has(key)) return [];
      seen.add(key);
      const others = [
        ...new Set(conflict.results.filter((o) => o.value !== result.value).map((o) => o.value)),
      ];
      // The day itself is in the result's own date.
      const when = conflict.acrossDates
        ? 'reported on another date (a germline result does not change)'
        : conflict.date
          ? 'reported the same day'
          : 'reported without a date';
      const disagreement = `Disagrees with ${listPhrase(others)}, ${when}: neither result is used until the laboratory confirms which is right.`;
      const alone: GeneResult = result.alone ?? {
        gene: conflict.gene,
        phenotype: result.value,
        lookupKey: '',
        sources: [result.source],
        reinterpreted: false,
        notes: [],
        ...(conflict.date !== undefined ? { date: conflict.date } : {}),
      };
      return [{ ...alone, disagreement }];
    });
  });
}

/**
 * The phenotype is said as the card says it (`phenotypeWords`): a CYP2D6 result whose copy number was not reported
 * reads "Normal or Ultrarapid Metabolizer", as on a card advising to avoid codeine, not "Indeterminate".
 */
/** `{ reinterpretation }` when the laboratory's phenotype differs from CPIC's translation of the genotype. */
function sentenceOf(g: GeneResult): { reinterpretation?: string } {
  const sentence = reinterpretationSentence(g);
  return sentence === undefined ? {} : { reinterpretation: sentence };
}

export function geneResultView(g: ShownGeneResult): GeneResultView {
  return {
    gene: g.gene,
    ...(g.diplotype !== undefined ? { diplotype: g.diplotype } : {}),
    ...(g.alleles !== undefined ? { alleles: g.alleles } : {}),
    phenotype: phenotypeWords(g),
    ...(g.activityScore !== undefined ? { activityScore: g.activityScore } : {}),
    ...(g.alleleStatus !== undefined ? { alleleStatus: g.alleleStatus } : {}),
    ...(g.reportedPhenotype !== undefined ? { reportedPhenotype: g.reportedPhenotype } : {}),
    reinterpreted: g.reinterpreted,
    ...sentenceOf(g),
    sources: g.sources,
    ...(g.date !== undefined ? { date: g.date } : {}),
    notes: g.notes,
    ...(g.alleleFunctions !== undefined ? { calledWith: calledWithText(g.alleleFunctions) } : {}),
    ...(g.disagreement !== undefined ? { disagreement: g.disagreement } : {}),
  };
}

/**
 * A finding's recorded reasoning with each result's phenotype as the card says it: the rules record the gene line as
 * they called it (`CYP2D6 *4/*1xN → Indeterminate`), which beside "Avoid codeine" contradicts the card ("CYP2D6 Normal
 * or Ultrarapid Metabolizer"); the line reads `CYP2D6 *4/*1xN → Normal or Ultrarapid Metabolizer` instead. Cards
 * recorded before are read the same way.
 */
export function findingReasoning(finding: Finding): string[] {
  const renamed = finding.genes.flatMap((g) => {
    const words = phenotypeWords(g);
    return words === g.phenotype
      ? []
      : [{ start: `${g.gene} `, from: ` → ${g.phenotype}`, to: ` → ${words}` }];
  });
  return finding.explanation.map((line) => {
    const gene = renamed.find((r) => line.startsWith(r.start) && line.includes(r.from));
    return gene ? line.replace(gene.from, gene.to) : line;
  });
}

/**
 * `limits`: the thresholds the page shows with this measure (`limitsOf` the card's modifiers), which the value's text
 * is never rounded across (`readingText`).
 */
export function sensorDataView(a: SensorAggregate, limits: readonly number[] = []): SensorDataView {
  return {
    metric: a.metric,
    label: metricName(a.metric),
    ...(a.value !== undefined ? { value: a.value, valueText: readingText(a.value, a.unit, limits) } : {}),
    unit: a.unit,
    window: { start: a.window.start, end: a.window.end },
    status: a.status,
    reasons: a.reasons.map(reasonText),
    sampleCount: a.sampleCount,
    daysWithData: a.daysWithData,
    coverage: a.coverage,
    ...(a.newestSample !== undefined ? { newestSample: a.newestSample } : {}),
    devices: a.devices,
  };
}
