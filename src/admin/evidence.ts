/**
 * What a recorded card rested on, read back from the store: its decisions (from the card's versioned decision
 * snapshot) and the gene results and wearable aggregates behind them, or, for a card whose snapshot cannot be read,
 * the invocation's recorded assessment inputs. Pure functions over recorded JSON; nothing here reaches the network.
 */
import { sensorEvidenceTexts } from '../cards/detail';
import { disagreeingResults, findingReasoning } from '../cards/evidence-view';
import type { ShownGeneResult } from '../cards/evidence-view';
import type { AssessmentInputs } from '../rules/assess';
import { conflictsOf, guidelineOf, rowOf } from '../rules/cpic';
import type { GeneResult } from '../rules/cpic';
import { readDecisionSnapshot } from '../rules/types';
import type { Decision } from '../rules/types';
import type { SensorAggregate } from '../sensors';
import type { OverrideDetail } from './schemas';

export interface CardEvidence {
  readonly from: OverrideDetail['evidenceFrom'];
  readonly decisions: readonly Decision[];
  /** The results the decisions read, then each of results that disagree, marked so (`disagreeingResults`). */
  readonly genes: readonly ShownGeneResult[];
  readonly sensors: readonly SensorAggregate[];
}

/** The card's evidence: its snapshot when readable, else the invocation's inputs (no decisions then), else nothing. */
export function cardEvidence(decision: unknown, inputs: unknown): CardEvidence {
  const read = readDecisionSnapshot(decision);
  if (read.ok) {
    const { decisions, facts } = read.snapshot;
    return {
      from: 'decision-snapshot',
      decisions,
      genes: [
        ...uniqueGenes(decisions.flatMap((d) => d.finding.genes)),
        ...disagreeingResults(decisions.flatMap((d) => conflictsOf(d.finding))),
      ],
      sensors: facts.sensors.metrics,
    };
  }
  const recorded = assessmentInputs(inputs);
  if (recorded) {
    return {
      from: 'assessment-inputs',
      decisions: [],
      genes: [...recorded.data.pgx, ...disagreeingResults(recorded.data.pgxConflicts)],
      sensors: recorded.data.sensors.summary.metrics,
    };
  }
  return { from: 'none', decisions: [], genes: [], sensors: [] };
}

/** The gene symbols a card's decisions read (results on file and genes to be tested), sorted, each once. */
export function genesOfCard(decision: unknown): string[] {
  const read = readDecisionSnapshot(decision);
  if (!read.ok) return [];
  return [...new Set(read.snapshot.decisions.flatMap((d) => genesOfFinding(d.finding)))].sort();
}

/**
 * The genes a finding is about: the results it read, the genes it asks to test, and the genes whose results disagree
 * (a conflict reads no result until the laboratory says which is right, yet it is about that gene).
 */
export function genesOfFinding(f: Decision['finding']): string[] {
  return [
    ...new Set([
      ...f.genes.map((g) => g.gene),
      ...(f.kind === 'pre-test' ? f.untested.map((u) => u.gene) : []),
      ...conflictsOf(f).map((c) => c.gene),
    ]),
  ];
}

/** The decisions of a card's snapshot, or none when it cannot be read. */
export function decisionsOfCard(decision: unknown): readonly Decision[] {
  const read = readDecisionSnapshot(decision);
  return read.ok ? read.snapshot.decisions : [];
}

/** The aggregates of a card's snapshot, or none. */
export function sensorsOfCard(decision: unknown): readonly SensorAggregate[] {
  const read = readDecisionSnapshot(decision);
  return read.ok ? read.snapshot.facts.sensors.metrics : [];
}

export function decisionView(d: Decision): OverrideDetail['decisions'][number] {
  const row = rowOf(d.finding);
  const guideline = guidelineOf(d.finding);
  return {
    drug: d.finding.drug,
    action: d.finding.action,
    indicator: d.indicator,
    ...(guideline ? { guideline: guideline.name } : {}),
    ...(row?.strength ? { strength: row.strength } : {}),
    ...(row ? { recommendation: row.recommendation } : {}),
    // The reasoning without the engine's modifier lines (rule ids, metric ids, ISO dates: written for logs and
    // replay); the sensor evidence in the card's words instead.
    explanation: [...findingReasoning(d.finding), ...d.notes],
    sensorNotes: sensorEvidenceTexts(d.modifiers),
  };
}

/** One result per gene: the newest (by date) when a decision list repeats a gene. */
function uniqueGenes(genes: readonly GeneResult[]): GeneResult[] {
  const byGene = new Map<string, GeneResult>();
  for (const g of genes) {
    const seen = byGene.get(g.gene);
    if (!seen || (g.date ?? '') > (seen.date ?? '')) byGene.set(g.gene, g);
  }
  return [...byGene.values()].sort((a, b) => a.gene.localeCompare(b.gene));
}

/** Recorded inputs of the current schema, or undefined (an older or foreign shape is not guessed at). */
export function assessmentInputs(value: unknown): AssessmentInputs | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<AssessmentInputs>;
  if (v.schema !== 1 || v.data?.sensors.kind !== 'summary' || !Array.isArray(v.data.pgx)) return undefined;
  return value as AssessmentInputs;
}
