/**
 * The patient-view summary card: actionable phenotypes, results that disagree, active medications with PGx issues,
 * re-interpreted results and relevant sensor flags, in one low-noise `info` card (research: "patient-view: a
 * low-noise info summary at most"). Nothing actionable → no card.
 */
import { randomUUID } from 'node:crypto';
import type { Card, Link } from '../cds/types';
import { reinterpretationSentence } from '../rules/cpic';
import { rowOf } from '../rules/cpic/types';
import type { GeneConflict, GeneResult } from '../rules/cpic/types';
import type { Decision, DecisionSnapshot } from '../rules/types';
import { decisionRuleIds } from '../rules/types';
import type { CardProvenance } from './decision-card';
import { CPIC_GUIDELINES_URL, decisionAction, phenotypeWords, topic } from './decision-card';
import { sensorEvidenceLines } from './detail';
import { abbreviatePhenotypes, calendarDate, escapeMarkdown as md, fitSummary, versionsText } from './text';

/**
 * Whether a gene's phenotype belongs in "Actionable results" (the hook passes `isNotablePhenotype` from
 * `rules/notable-results` under the published thresholds, or a sensor rule having made the gene relevant).
 */
export type IsActionablePhenotype = (gene: string, phenotype: string) => boolean;

/**
 * A gene result worth listing: one the service could not read, a re-interpretation, a positive HLA risk allele, or a
 * phenotype the thresholds call actionable.
 */
function isListed(gene: GeneResult, isActionable: IsActionablePhenotype): boolean {
  // A gene the service cannot interpret is said once, plainly, never listed as a finding (issue 14).
  if (gene.uninterpreted) return false;
  // A result the service could not read is listed: the chart would otherwise look checked for the gene.
  if (gene.unreadable !== undefined || gene.reinterpreted) return true;
  if (gene.alleleStatus) return Object.values(gene.alleleStatus).some((s) => s !== 'negative');
  // An unreported copy number: listed when any reading CPIC lists for it is (the most protective, as on the cards).
  const readings = gene.copyNumberReadings?.map((r) => r.phenotype) ?? [];
  return [gene.phenotype, ...readings].some((phenotype) => isActionable(gene.gene, phenotype));
}

function genePhrase(gene: GeneResult): string {
  if (gene.unreadable !== undefined) return `${gene.gene} result not readable as reported`;
  if (gene.alleleStatus) {
    const positive = Object.entries(gene.alleleStatus)
      .filter(([, status]) => status !== 'negative')
      .map(([allele, status]) => `${gene.gene}${allele} ${status}`);
    return positive.join(', ') || `${gene.gene} ${gene.phenotype}`;
  }
  return `${gene.gene} ${phenotypeWords(gene)}`;
}

/**
 * A star-allele genotype (`*2/*2`, `*4/*1xN`, `*1/*3A`), as prescribers read it beside the phenotype. The laboratory's
 * other notations (an HLA GL String `*57:01:01+*44:02:01:01`, DPYD's `Reference/c.1905+1G>A (*2A)`) are raw lab syntax
 * in a summary: the phenotype or allele status says what matters, and the pages behind the card (and every order card's
 * Results used line) give the genotype on the laboratory's terms.
 */
function starGenotype(gene: GeneResult): string | undefined {
  // An HLA result is said by its allele status (`HLA-B*57:01 positive`), the words prescribers use.
  return gene.alleleStatus === undefined &&
    gene.diplotype !== undefined &&
    /^\*[^/+\s()]+\/\*[^/+\s()]+$/.test(gene.diplotype)
    ? gene.diplotype
    : undefined;
}

function geneLine(gene: GeneResult): string {
  const genotype = starGenotype(gene);
  const parts = [
    `${genePhrase(gene)}${genotype ? ` (${genotype})` : ''}`,
    ...(phenotypeWords(gene) !== gene.phenotype ? ['copy number not reported: ask the laboratory'] : []),
    ...(gene.date && calendarDate(gene.date) ? [`dated ${calendarDate(gene.date)}`] : []),
    // What the call assumed, as the order cards say it.
    ...(gene.assumed ?? []),
  ];
  // A laboratory phenotype CPIC's tables translate otherwise: one sentence after the line, as on the order cards.
  const sentence = reinterpretationSentence(gene);
  return `- ${md(parts.join('; '))}${sentence ? `. ${md(sentence)}` : ''}`;
}

/**
 * A result the service could not read, with why and whom to ask, as the order cards' Why says it: `CYP2D6 phenotype
 * "CYP2D6 Extensive Metabolizer" is not a term CPIC uses; confirm it with the laboratory; dated 26 Mar 2013`. Not an
 * actionable result: nothing was read from it.
 */
function unreadableLine(gene: GeneResult): string {
  const reason = gene.unreadable ?? `${gene.gene} result not readable as reported`;
  // What was reported, when the reason does not say it: the prescriber tells the laboratory which result is meant.
  const reported =
    gene.diplotype !== undefined && !reason.includes(gene.diplotype)
      ? ` (reported as ${gene.diplotype})`
      : '';
  const parts = [
    `${reason}${reported}`,
    ...(/\blaborator/.test(reason) ? [] : ['confirm it with the laboratory']),
    ...(gene.date && calendarDate(gene.date) ? [`dated ${calendarDate(gene.date)}`] : []),
  ];
  return `- ${md(parts.join('; '))}`;
}

/**
 * Results of one gene that disagree on the newest day, or on different dates where they cannot both be right (each
 * value then ends with its date): no phenotype is used for the gene until the laboratory says which is right, so the
 * chart says so before anyone prescribes by it.
 */
function conflictLine(conflict: GeneConflict): string {
  const values = [...new Set(conflict.results.map((r) => r.value))];
  const day = conflict.date ? calendarDate(conflict.date) : undefined;
  const when = conflict.acrossDates
    ? 'reported on different dates (a germline result does not change)'
    : day
      ? `reported the same day (${day})`
      : 'reported without a date';
  return `- ${md(`Confirm ${conflict.gene} with the laboratory: ${values.join(' and ')} ${when}`)}`;
}

/**
 * One list item per medication, the action first as on an order card ("Avoid clopidogrel (CPIC Strong): "…""); a CPIC
 * text's paragraphs (warfarin's Figure 2 boxes) stay inside the item.
 */
function medicationLine(decision: Decision): string {
  const row = rowOf(decision.finding);
  const strength = row?.strength ? `CPIC ${row.strength}` : 'CPIC, not graded';
  const cited = row ? ` (${strength}): "${row.recommendation}"` : '';
  return `- ${md(`${decisionAction(decision)}${cited}`)}`.replace(/\n(?=.)/g, '\n  ');
}

/**
 * The summary card, or undefined when there is no actionable phenotype and no medication with a PGx issue (sensor
 * flags alone do not make a card: they matter here only next to a PGx finding).
 */
export function patientSummaryCard(input: {
  genes: readonly GeneResult[];
  /** Results of a gene that disagree (`readGeneResults` conflicts): listed, whatever the thresholds. */
  conflicts?: readonly GeneConflict[];
  decisions: readonly Decision[];
  isActionable: IsActionablePhenotype;
  knowledgeVersion: string;
  thresholdVersion: string;
  /** What the store keeps for the card: the decisions listed and the facts they were made with. */
  snapshot: DecisionSnapshot;
  newUuid?: () => string;
}): { card: Card; provenance: CardProvenance } | undefined {
  const genes = input.genes.filter((g) => isListed(g, input.isActionable));
  const { decisions } = input;
  const conflicts = input.conflicts ?? [];
  if (genes.length === 0 && decisions.length === 0 && conflicts.length === 0) return undefined;
  const uuid = (input.newUuid ?? randomUUID)();
  const phrases = [...genes.map(genePhrase), ...conflicts.map((c) => `${c.gene} results disagree`)];
  const meds = decisions.length > 0 ? `; review ${decisions.map((d) => d.finding.drug).join(', ')}` : '';
  const summary = fitSummary([
    `Pharmacogenomics: ${phrases.join(', ') || 'no actionable phenotype'}${meds}`,
    abbreviatePhenotypes(`PGx: ${phrases.join(', ') || 'no actionable phenotype'}${meds}`),
  ]);
  // What the readings mean for each medication's advice: this card is information and no alert is shown with it, so
  // "raised the alert" (or "raised the metoprolol alert") would speak of an alert the reader never sees; the readings
  // would raise the alert on an order of the medicine ("would raise the alert on a metoprolol order to critical").
  const sensorFlags = decisions.flatMap((d) => {
    const moved = d.modifiers.filter((m) => m.effect !== 'context');
    return moved.length > 0
      ? sensorEvidenceLines(moved, d.indicator, `the alert on a ${d.finding.drug} order`)
      : [];
  });
  const uninterpreted = [...new Set(input.genes.filter((g) => g.uninterpreted).map((g) => g.gene))];
  // A result that could not be read is listed (the chart would otherwise look checked for the gene), but apart: it is
  // not an actionable result, and listing it as one read as if something actionable had been read.
  const unreadable = genes.filter((g) => g.unreadable !== undefined);
  const actionable = genes.filter((g) => g.unreadable === undefined);
  const lines = [
    ...(conflicts.length > 0 ? ['**Results that disagree:**', '', ...conflicts.map(conflictLine), ''] : []),
    ...(actionable.length > 0 ? ['**Actionable results:**', '', ...actionable.map(geneLine), ''] : []),
    ...(unreadable.length > 0
      ? ['**Results not readable as reported:**', '', ...unreadable.map(unreadableLine), '']
      : []),
    ...uninterpreted.map((gene) => `${md(gene)} result on file, not interpreted by this service.`),
    ...(uninterpreted.length > 0 ? [''] : []),
    ...(decisions.length > 0
      ? ['**Active medications with PGx issues:**', '', ...decisions.map(medicationLine), '']
      : []),
    ...(sensorFlags.length > 0 ? ['**Sensor flags:**', '', ...sensorFlags, ''] : []),
    versionsText(
      input.knowledgeVersion,
      input.thresholdVersion,
      genes,
      decisions.some((d) => d.modifiers.length > 0),
    ),
  ];
  const guidelines = new Map(
    decisions.flatMap((d) => {
      const row = rowOf(d.finding);
      return row ? [[row.guideline.url, row.guideline.name]] : [];
    }),
  );
  const links: Link[] = [
    ...[...guidelines]
      .filter(([url]) => /^https?:\/\//.test(url))
      .map(([url, name]) => ({ label: `CPIC guideline: ${name}`, url, type: 'absolute' as const })),
    { label: 'CPIC guidelines', url: CPIC_GUIDELINES_URL, type: 'absolute' },
  ];
  const card: Card = {
    uuid,
    summary,
    detail: lines.join('\n'),
    indicator: 'info',
    source: {
      label: 'CPIC guidelines (pharmacogenomic summary)',
      url: CPIC_GUIDELINES_URL,
      topic: topic('pgx-patient-summary', 'Pharmacogenomic patient summary'),
    },
    links,
  };
  return {
    card,
    provenance: {
      uuid,
      // The listing is kept with the card: the full explanation shows the results it lists, not only its medications.
      decision: { ...input.snapshot, listed: { genes, conflicts, uninterpreted } },
      ruleIds: [...new Set(decisions.flatMap(decisionRuleIds))],
      thresholdVersion: input.thresholdVersion,
      knowledgeVersion: input.knowledgeVersion,
    },
  };
}
