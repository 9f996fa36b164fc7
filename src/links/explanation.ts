/**
 * The full explanation of a recorded card, built from its decision snapshot (`rules/types` `readDecisionSnapshot`):
 * every CPIC row that may apply, genotype → phenotype → row → sensor evidence, versions and sources. It only
 * rearranges what the decision recorded (no new clinical text), so the page says exactly what the card rested on.
 */
import type { CardRecord, RecordedInvocation } from '../store';
import { modifierEffect, sensorEffectText } from '../cards/detail';
import { disagreeingResults, findingReasoning, geneResultView, sensorDataView } from '../cards/evidence-view';
import { limitsOf, metricName, readingText, reasonText, thresholdText } from '../cards/sensor-text';
import { versionsInWords } from '../cards/text';
import { firstCitation } from '../rules/citations';
import { copyNumberPhenotypes, copyNumberWords, isEmptyImplication, populationWords } from '../rules/cpic';
import { lookupKeyText } from '../rules/cpic/recommendations';
import { conflictsOf, guidelineOf, rowOf, testsToOrder } from '../rules/cpic/types';
import type { CpicRow, Finding } from '../rules/cpic/types';
import { adviceLines } from '../rules/advice';
import { readDecisionSnapshot } from '../rules/types';
import type { Decision, DecisionSnapshot, SensorModifier, SummaryListing } from '../rules/types';
import type { ExplainedDecision, ExplainedRow, ExplainedSensorEvidence, ExplanationView } from './contract';

const SAFETY_RULE = 'Safety rule (not a CPIC/DPWG-actionable pair): ';

/**
 * A modifier as the page shows it, in the card's words. The engine's own `note` (written for logs and replay: metric
 * ids, ISO dates, rule ids) is not shown; only its safety-rule flag is kept, and only where the decision does not say
 * it already (`safetyRuleSaid`: a safety rule's finding, whose reasoning says so once). Rule ids stay out. `all`: the
 * decision's modifiers, whose thresholds the value is not rounded across. The source is named as the card names it
 * (`firstCitation`: the publication, not the rule kind or its numbers restated).
 */
function explainedSensorEvidence(
  m: SensorModifier,
  all: readonly SensorModifier[],
  safetyRuleSaid: boolean,
): ExplainedSensorEvidence {
  const effect = modifierEffect(m);
  const threshold = thresholdText(m);
  return {
    effect: m.effect,
    metric: m.metric,
    label: metricName(m.metric),
    ...(m.value !== undefined ? { value: m.value } : {}),
    ...(m.unit !== undefined ? { unit: m.unit } : {}),
    ...(m.value !== undefined ? { valueText: readingText(m.value, m.unit, limitsOf(all, m.metric)) } : {}),
    ...(m.window ? { window: m.window } : {}),
    status: m.status,
    devices: m.devices,
    ...(m.newestSample !== undefined ? { newestSample: m.newestSample } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    note: `${m.note.startsWith(SAFETY_RULE) && !safetyRuleSaid ? 'Safety rule (not a CPIC/DPWG-actionable pair). ' : ''}${capitalized(effect)}.`,
    evidence: m.evidence,
    source: firstCitation(m.source),
  };
}

/** `text` with its first letter in capitals, to start a sentence or a heading. */
function capitalized(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

function explainedRow(row: CpicRow, label: string, applied: boolean): ExplainedRow {
  return {
    label,
    applied,
    guideline: { name: row.guideline.name, url: row.guideline.url },
    lookedUpBy: lookupKeyText(row.lookupKey),
    ...(row.population !== undefined ? { population: populationWords(row.population) } : {}),
    ...(row.strength !== undefined ? { strength: row.strength } : {}),
    recommendation: row.recommendation,
    // Cards recorded before findings dropped CPIC's empty "GENE: n/a" implications still hold them.
    implications: row.implications.filter((i) => !isEmptyImplication(i)),
    ...(row.otherConsiderations !== undefined ? { otherConsiderations: row.otherConsiderations } : {}),
    pmids: row.pmids,
  };
}

/** The applied row first, then every other row the order could not rule out, labelled as CPIC's case for it. */
function rowsOf(finding: Finding): ExplainedRow[] {
  switch (finding.kind) {
    case 'recommendation':
      return [
        explainedRow(finding.row, 'The alert’s recommendation', true),
        // A row told apart by its population is headed by the population in words ("Neurovascular indications").
        ...finding.alternatives.map((a) => {
          const label = a.label === a.row.population ? populationWords(a.label) : a.label;
          return explainedRow(a.row, capitalized(label), false);
        }),
      ];
    case 'warfarin-figure':
      return [explainedRow(finding.row, 'The alert’s recommendation', true)];
    case 'pre-test':
    case 'no-row':
    case 'conflict':
    case 'safety-rule':
      return [];
  }
}

function explainedDecision(decision: Decision): ExplainedDecision {
  const { finding } = decision;
  const guideline = guidelineOf(finding);
  // The page quotes each row's recommendation in its own box: the reasoning names the row and its strength only.
  const recommendation = rowOf(finding)?.recommendation;
  const sensorEffect = sensorEffectText(decision);
  const reasoning = [
    ...adviceLines(decision),
    ...findingReasoning(finding),
    // What the wearable readings did to the alert, as the card's Why chain ends with it: without it the page showed a
    // Moderate recommendation on a critical alert and left the reader to find why under the sensor evidence. Before
    // the decision's notes, as on the card: what raised the alert, then what lowered it ("Already acknowledged …
    // Shown as a warning rather than critical because of it."), so the steps read in order end where the card is.
    ...(sensorEffect === undefined ? [] : [capitalized(sensorEffect)]),
    ...decision.notes,
  ].map((line) =>
    recommendation !== undefined && line.endsWith(`: ${recommendation}`)
      ? `${line.slice(0, -(recommendation.length + 2))} recommendation, quoted below`
      : line,
  );
  return {
    drug: finding.drug,
    action: finding.action,
    indicator: decision.indicator,
    ...(guideline ? { guideline: { name: guideline.name, url: guideline.url } } : {}),
    reasoning,
    // The results read, then each of results that disagree (a conflict finding reads none), marked so.
    genes: [...finding.genes, ...disagreeingResults(conflictsOf(finding))].map((g) => geneResultView(g)),
    rows: rowsOf(finding),
    sensors: decision.modifiers.map((m) =>
      explainedSensorEvidence(m, decision.modifiers, decision.finding.kind === 'safety-rule'),
    ),
    // Tests without a result on file: a gene whose result is registered or preliminary is said in the reasoning instead.
    untested: finding.kind === 'pre-test' ? testsToOrder(finding) : [],
    conflicts: conflictsOf(finding).map((c) => ({
      gene: c.gene,
      results: c.results.map(({ source, value }) => ({ source, value })),
    })),
    thresholdVersion: decision.thresholdVersion,
    knowledgeVersion: finding.knowledgeVersion,
  };
}

/**
 * What a patient summary lists, as its page shows it: the results (each of results that disagree as its own, marked
 * so), then what the card says of them besides, in full: which readings an unreported copy number leaves open (the
 * card says "ask the laboratory"), and the genes on file it does not interpret.
 */
function listedView(listed: SummaryListing): NonNullable<ExplanationView['listed']> {
  return {
    results: [...listed.genes, ...disagreeingResults(listed.conflicts)].map((g) => geneResultView(g)),
    notes: [
      ...listed.genes.flatMap((g) =>
        copyNumberPhenotypes(g).length > 1
          ? [
              `Ask the laboratory for the ${g.gene} copy number: ${copyNumberWords(g.copyNumberReadings ?? [])}.`,
            ]
          : [],
      ),
      ...listed.uninterpreted.map((gene) => `${gene} result on file, not interpreted by this service.`),
    ],
  };
}

/** What the reader did with the records a data-quality note counts, as the sentence starts. */
const QUALITY_WORDS = { repaired: 'Corrected in', rejected: 'Left out', ignored: 'Left out' } as const;

/**
 * The summary's notes and its data-quality notes, one sentence each: what was done and to how many records first
 * (`Corrected in 1 record: unit written 'beats/min', read as per minute.`).
 */
function sensorNotesOf(snapshot: DecisionSnapshot): string[] {
  const { notes, dataQuality } = snapshot.facts.sensors;
  return [
    ...notes.map(reasonText),
    ...dataQuality.map(
      (q) =>
        `${QUALITY_WORDS[q.kind]} ${q.count} ${q.count === 1 ? 'record' : 'records'}: ${reasonText(q.reason)}.`,
    ),
  ];
}

/** The explanation page's content for `card` of `invocation`; `linkExpiresAt` is the link's own expiry. */
export function explainCard(
  invocation: RecordedInvocation,
  card: CardRecord,
  linkExpiresAt: Date,
): ExplanationView {
  const read = readDecisionSnapshot(card.decision);
  const modifiers = read.ok ? read.snapshot.decisions.flatMap((d) => d.modifiers) : [];
  return {
    card: { summary: card.summary, indicator: card.indicator },
    shownAt: invocation.receivedAt.toISOString(),
    hook: invocation.hook,
    versions: {
      threshold: card.thresholdVersion,
      knowledge: card.knowledgeVersion,
      inWords: versionsInWords(card.knowledgeVersion, card.thresholdVersion),
    },
    decisions: read.ok ? read.snapshot.decisions.map(explainedDecision) : [],
    ...(read.ok && read.snapshot.listed ? { listed: listedView(read.snapshot.listed) } : {}),
    sensorData: read.ok
      ? read.snapshot.facts.sensors.metrics.map((a) => sensorDataView(a, limitsOf(modifiers, a.metric)))
      : [],
    sensorNotes: read.ok ? sensorNotesOf(read.snapshot) : [],
    ...(read.ok ? {} : { unavailable: 'The details behind this alert were recorded in an older format.' }),
    linkExpiresAt: linkExpiresAt.toISOString(),
  };
}
