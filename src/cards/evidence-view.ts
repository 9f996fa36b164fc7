/**
 * A gene result and a wearable aggregate as the pages behind a card show them: the full explanation a clinician opens
 * from the card and the pharmacist's override review say the same things in the same words. Times stay ISO 8601 for
 * the page to write in the reader's time zone; a data-quality reason's instants are written as days. The shapes are in
 * `evidence-contract.ts`.
 */
import type { GeneResult } from '../rules/cpic';
import type { SensorAggregate } from '../sensors';
import type { GeneResultView, SensorDataView } from './evidence-contract';
import { metricName, readingText, reasonText } from './sensor-text';
import { calledWithText } from './text';

export function geneResultView(g: GeneResult): GeneResultView {
  return {
    gene: g.gene,
    ...(g.diplotype !== undefined ? { diplotype: g.diplotype } : {}),
    ...(g.alleles !== undefined ? { alleles: g.alleles } : {}),
    phenotype: g.phenotype,
    ...(g.activityScore !== undefined ? { activityScore: g.activityScore } : {}),
    ...(g.alleleStatus !== undefined ? { alleleStatus: g.alleleStatus } : {}),
    ...(g.reportedPhenotype !== undefined ? { reportedPhenotype: g.reportedPhenotype } : {}),
    reinterpreted: g.reinterpreted,
    sources: g.sources,
    ...(g.date !== undefined ? { date: g.date } : {}),
    notes: g.notes,
    ...(g.alleleFunctions !== undefined ? { calledWith: calledWithText(g.alleleFunctions) } : {}),
  };
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
