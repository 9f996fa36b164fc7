/**
 * `patient-view` (https://cds-hooks.hl7.org/hooks/STU1/patient-view.html): one summary card of actionable
 * phenotypes, results of a gene that disagree or could not be read, active medications with PGx issues,
 * re-interpretations under current CPIC and relevant sensor flags; nothing when nothing is actionable. When the PGx
 * results could not be fetched (deadline, server failure, pages unread), it says "check incomplete" too, as the order
 * hooks do (issue 9 item 5: never silence).
 */
import { patientSummaryCard } from '../cards';
import type { HookAnswer, HookCall } from '../cds/routes';
import { assess, decisionSnapshot } from '../rules/assess';
import { isNotablePhenotype } from '../rules/notable-results';
import type { HookServices } from './pipeline';
import { NOTHING_TO_SAY, incompleteCheckAnswer, prefetchSource, shownDecisions, withCards } from './pipeline';

export function createPatientView(services: HookServices) {
  return async function patientView(call: HookCall<'patient-view'>): Promise<HookAnswer> {
    const engine = services.ruleEngine();
    const { data, gaps, pgxGap } = await prefetchSource(call, engine.thresholds, services.readGenes).gather(
      [],
    );
    if (gaps.length > 0) call.logger.warn({ gaps }, 'answering with incomplete data');
    // Active medications are reviewed against the results on file; no pre-test advice on a chart view.
    const assessment = await assess(
      data,
      data.activeMedications,
      { now: call.now, preTest: 'suppress' },
      engine,
    );
    const decisions = shownDecisions(assessment).filter((d) => d.finding.action !== 'standard');
    // Results a sensor rule made relevant: the genes of decisions a sensor rule raised or lowered.
    const sensorRelevant = new Set(
      decisions
        .filter((d) => d.modifiers.some((m) => m.effect !== 'context'))
        .flatMap((d) => d.finding.genes.map((g) => g.gene)),
    );
    const summary = patientSummaryCard({
      genes: data.pgx,
      conflicts: data.pgxConflicts,
      decisions,
      isActionable: (g, p) => sensorRelevant.has(g) || isNotablePhenotype(engine.thresholds, g, p),
      knowledgeVersion: services.knowledgeVersion,
      thresholdVersion: engine.thresholdVersion,
      snapshot: decisionSnapshot(decisions, assessment.facts, engine),
    });
    const answer = summary
      ? { cards: [summary.card], provenance: [summary.provenance], assessment }
      : { ...NOTHING_TO_SAY, assessment };
    if (pgxGap === undefined) return answer;
    const drugs = [...new Set(data.activeMedications.flatMap((m) => m.ingredients.map((i) => i.name)))];
    return withCards(
      answer,
      incompleteCheckAnswer(drugs, pgxGap, 'open', { assessment, engine, call, services }),
    );
  };
}
