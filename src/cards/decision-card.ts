/**
 * One Decision → one spec-valid CDS Hooks card with its provenance.
 * https://cds-hooks.hl7.org/2.0/#card-attributes
 */
import { randomUUID } from 'node:crypto';
import type { Card, Coding, Link, Source } from '../cds/types';
import { testedName, unreadableGenes } from '../rules/cpic';
import { conflictsOf, guidelineOf, rowOf, testsToOrder } from '../rules/cpic/types';
import type { PendingTest } from '../rules/cpic/types';
import { readRecommendation } from '../rules/cpic/row-actions';
import type { Decision, DecisionSnapshot, ShownDecision } from '../rules/types';
import { decisionRuleIds } from '../rules/types';
import { decisionDetail, phenotypeWords } from './detail';
import { overrideReasonsFor } from './override-reasons';
import { suggestionsFor } from './suggestions';
import { leftOutLine, movedReadingsText } from './sensor-text';
import { abbreviatePhenotypes, calendarDate, fitSummary, listPhrase } from './text';

export { phenotypeWords } from './detail';

/** What the store records for a card (`CardRecord` minus what the card itself says). */
export interface CardProvenance {
  readonly uuid: string;
  readonly drug?: string;
  /** The decisions behind the card and the facts they were made with (re-render, re-decide). */
  readonly decision: DecisionSnapshot;
  readonly ruleIds: readonly string[];
  readonly thresholdVersion: string;
  readonly knowledgeVersion: string;
}

/** Our card-topic CodeSystem (`source.topic`), named like the error and override-reason systems. */
export const CARD_TOPIC_SYSTEM = 'urn:pgx-cds-hooks:CodeSystem:card-topic';

/**
 * CPIC's guideline index, used when a decision carries no guideline of its own (conflict decisions) or its URL is not
 * absolute; every guideline URL in the CPIC data lives under it.
 */
export const CPIC_GUIDELINES_URL = 'https://cpicpgx.org/guidelines/';

export function topic(code: string, display: string): Coding {
  return { system: CARD_TOPIC_SYSTEM, code, display };
}

function isAbsoluteUrl(url: string): boolean {
  try {
    return /^https?:$/.test(new URL(url).protocol);
  } catch {
    return false;
  }
}

/**
 * How each gene reads in the summary: an HLA gene by the allele status the guideline looked up, written as the allele
 * name (`HLA-B*57:01 positive`), others by phenotype; a gene the row keys on without a result reads `no result`, after
 * the genes with one (CPIC's key order put "CYP2B6 no result" before the CYP2C19 result that decides sertraline), and
 * is left out where no result of it could change the advice ("Avoid phenytoin: HLA-B*15:02 positive"; the Why list
 * says so).
 */
function genePhrases({ finding }: Decision): string[] {
  // The action already names the genes ("Order CYP2C19 test before clopidogrel").
  if (finding.kind === 'pre-test') {
    const toOrder = testsToOrder(finding);
    // A result on its way is not "no result": the card must not invite a test already done or under way.
    const pending = finding.untested.flatMap((u) => (u.pending ? [pendingPhrase(u.gene, u.pending)] : []));
    return [
      ...(toOrder.length > 0
        ? [
            finding.unassignedOnFile !== undefined
              ? 'a result on file names no gene'
              : toOrder.length > 1
                ? 'no results on file'
                : 'no result on file',
          ]
        : []),
      ...pending,
    ];
  }
  // The action names the genes ("Confirm CYP2C19 result before clopidogrel").
  if (conflictsOf(finding).length > 0) return ['results disagree'];
  const byGene = new Map(finding.genes.map((g) => [g.gene, g]));
  const row = rowOf(finding);
  const keyed = row ? Object.entries(row.lookupKey) : [];
  if (keyed.length === 0) return finding.genes.map((g) => `${g.gene} ${phenotypeWords(g)}`);
  const settled = finding.kind === 'recommendation' && finding.untestedSettled === true;
  const ordered = [
    ...keyed.filter(([gene]) => byGene.has(gene)),
    ...(settled ? [] : keyed.filter(([gene]) => !byGene.has(gene))),
  ];
  return ordered.map(([gene, key]) => {
    const result = byGene.get(gene);
    if (!result) return `${gene} no result`;
    if (!result.alleleStatus) return `${gene} ${phenotypeWords(result)}`;
    // HLA reads as the allele name: `HLA-B*57:01 positive`; an ambiguous typing as `HLA-B*57:01 possible`.
    const allele = key.split(' ')[0] ?? key;
    return result.alleleStatus[allele] === 'possible' ? `${gene}${allele} possible` : `${gene}${key}`;
  });
}

/** A pending result as the summary says it: `CYP2C19 result preliminary (3 Dec 2026)`. */
function pendingPhrase(gene: string, pending: PendingTest): string {
  const day = pending.date === undefined ? undefined : calendarDate(pending.date);
  const when = day ? ` (${day})` : '';
  return pending.status === 'preliminary'
    ? `${gene} result preliminary${when}`
    : `${gene} test registered${when}, no result yet`;
}

/**
 * The row says CPIC makes no recommendation ("No recommendation due to lack of evidence"): shown (as `monitor`) so
 * the statement is seen, but the summary says what CPIC says, not "Monitor", and no strength (CPIC's data grades some
 * such rows Strong or Optional).
 */
function saysNoRecommendation(finding: Decision['finding']): boolean {
  const row = rowOf(finding);
  return row !== undefined && readRecommendation(row.recommendation) === 'no-recommendation';
}

/** What the decision asks, as a card's summary starts: "Avoid clopidogrel", "Adjust metoprolol dose". */
export function decisionAction(decision: Decision): string {
  return actionPhrase(decision, saysNoRecommendation(decision.finding));
}

function actionPhrase({ finding }: Decision, noRecommendation: boolean): string {
  const drug = finding.drug;
  // Disagreeing results are not read at all (no CPIC row was looked up): the laboratory has to say which is right.
  const conflicts = conflictsOf(finding);
  if (conflicts.length > 0)
    return confirmBefore(
      conflicts.map((c) => c.gene),
      drug,
    );
  switch (finding.action) {
    case 'avoid':
      return `Avoid ${drug}`;
    case 'adjust-dose':
      return `Adjust ${drug} dose`;
    case 'monitor':
      return noRecommendation ? `No CPIC recommendation for ${drug}` : `Monitor ${drug}`;
    case 'order-test': {
      const toOrder = testsToOrder(finding);
      if (toOrder.length === 0) {
        const genes = finding.untested.map(testedName);
        return `Await final ${listPhrase(genes)} ${genes.length > 1 ? 'results' : 'result'} before ${drug}`;
      }
      return `Order ${listPhrase(toOrder.map(testedName))} ${toOrder.length > 1 ? 'tests' : 'test'} before ${drug}`;
    }
    case 'standard':
      return `Standard ${drug} dosing`;
  }
}

/** "Confirm CYP2C19 result before clopidogrel": a result that cannot be used as it stands. */
function confirmBefore(genes: readonly string[], drug: string): string {
  return `Confirm ${listPhrase(genes)} ${genes.length > 1 ? 'results' : 'result'} before ${drug}`;
}

/** The cited source of each safety rule's thresholds (research wearables-in-fhir.md §2.2 and §7), by rule id. */
const SAFETY_RULE_SOURCES: Readonly<Record<string, { readonly label: string; readonly url: string }>> = {
  'R8-sulfonylurea-cgm': {
    label: 'International Consensus on Time in Range (Battelino 2019)',
    url: 'https://diabetesjournals.org/care/article/42/8/1593',
  },
};

function safetyRuleSource({
  finding,
}: Decision): { readonly label: string; readonly url: string } | undefined {
  return finding.kind === 'safety-rule' ? SAFETY_RULE_SOURCES[finding.ruleId] : undefined;
}

/**
 * The summary: action and drug first (they survive any shortening), then gene and phenotype, then the sensor reason
 * when a sensor moved the alert ("Adjust metoprolol dose: CYP2D6 Poor Metabolizer, resting HR 48/min"), then strength.
 */
export function decisionSummary(decision: Decision): string {
  const noRecommendation = saysNoRecommendation(decision.finding);
  // A result the service could not read: the action is to have it confirmed (the reason leads the card's Why).
  const unread = unreadableGenes(decision.finding);
  const action =
    unread.length > 0
      ? confirmBefore(unread, decision.finding.drug)
      : actionPhrase(decision, noRecommendation);
  const genes = unread.length > 0 ? 'not readable as reported' : genePhrases(decision).join(', ');
  const strength = rowOf(decision.finding)?.strength;
  const grade =
    decision.finding.kind === 'safety-rule'
      ? ' (safety rule, not CPIC)'
      : strength && !noRecommendation
        ? ` (CPIC ${strength})`
        : '';
  // The sensor reason when a sensor moved the alert ("resting HR 48/min"), one per measure.
  const sensor = movedReadingsText(decision.modifiers);
  const reason = sensor ? `, ${sensor}` : '';
  return fitSummary([
    `${action}: ${genes}${reason}${grade}`,
    `${action}: ${genes}${reason}`,
    abbreviatePhenotypes(`${action}: ${genes}${reason}${grade}`),
    abbreviatePhenotypes(`${action}: ${genes}${reason}`),
    `${action}: ${genes}${grade}`,
    abbreviatePhenotypes(`${action}: ${genes}`),
  ]);
}

function sourceOf(decision: Decision): Source {
  const { finding } = decision;
  // The wearable data are a source where they moved the alert.
  const evidence = decision.modifiers.some((m) => m.effect !== 'context') ? ' + wearable sensor data' : '';
  if (finding.kind === 'safety-rule') {
    const cited = safetyRuleSource(decision);
    return {
      label:
        finding.action === 'avoid'
          ? 'Drug label contraindication (safety rule, not a CPIC guideline)'
          : finding.action === 'adjust-dose'
            ? `Drug label dose${evidence} (safety rule, not a CPIC guideline)`
            : finding.conflicts
              ? 'Safety rule (not a CPIC guideline)'
              : 'Safety rule on wearable sensor data (not a CPIC guideline)',
      ...(cited ? { url: cited.url } : {}),
      topic: topic('pgx-safety-rule', 'Pharmacogenomic safety rule on sensor data (not a CPIC pair)'),
    };
  }
  const cardTopic =
    finding.kind === 'pre-test'
      ? topic('pgx-pre-test', 'Pharmacogenomic pre-test alert')
      : topic('pgx-drug-gene', 'Pharmacogenomic drug-gene interaction');
  if (finding.kind === 'pre-test' && finding.labelRequiresTest) {
    // No CPIC guideline to link to, and no label address in the sources: the label's requirement, as CPIC lists it.
    return {
      label: 'FDA drug label: testing required (CPIC gene–drug pairs; no CPIC guideline)',
      topic: cardTopic,
    };
  }
  const guideline = guidelineOf(finding);
  const url = guideline && isAbsoluteUrl(guideline.url) ? guideline.url : CPIC_GUIDELINES_URL;
  return {
    label: `${guideline ? `CPIC: ${guideline.name}` : 'CPIC guidelines'}${evidence}`,
    url,
    topic: cardTopic,
  };
}

/**
 * The guideline as a link as well as the source's `url`: clients differ in what they make clickable (the CDS Hooks
 * sandbox links the source label; other EHRs show only `links`, and some only those registered with them, research
 * cds-hooks-conformance.md §4), so a clinician reaches the guideline whichever the EHR shows.
 */
function linksOf(source: Source, decision: Decision): Link[] {
  if (!source.url) return [];
  if (decision.finding.kind === 'safety-rule') {
    const cited = safetyRuleSource(decision);
    return cited ? [{ label: cited.label, url: cited.url, type: 'absolute' }] : [];
  }
  const name = guidelineOf(decision.finding)?.name;
  return [{ label: name ? `CPIC guideline: ${name}` : 'CPIC guidelines', url: source.url, type: 'absolute' }];
}

/**
 * The card for one shown decision. `draftOrder` is the draft resource the decision is about (R4/STU3
 * MedicationRequest or DSTU2 MedicationOrder); without it the card has no dose or replacement suggestion. `snapshot`
 * is what the store keeps for the card (the decision and the facts it was made with).
 */
export function decisionCard(
  decision: ShownDecision,
  ctx: { draftOrder?: unknown; patientId: string; snapshot: DecisionSnapshot; newUuid?: () => string },
): { card: Card; provenance: CardProvenance } {
  const newUuid = ctx.newUuid ?? randomUUID;
  const uuid = newUuid();
  const { suggestions, notes, cautions } = suggestionsFor(decision, {
    draftOrder: ctx.draftOrder,
    patientId: ctx.patientId,
    newUuid,
  });
  const source = sourceOf(decision);
  const links = linksOf(source, decision);
  const card: Card = {
    uuid,
    summary: decisionSummary(decision),
    // Records left out are said only where sensor rules read this drug's data (their modifiers or summary metrics).
    detail: decisionDetail(
      decision,
      notes,
      ctx.snapshot.facts.sensors.metrics.length > 0 ? leftOutLine(ctx.snapshot.facts.sensors) : undefined,
      cautions,
    ),
    indicator: decision.indicator,
    source,
    ...(suggestions.length > 0 ? { suggestions, selectionBehavior: 'at-most-one' as const } : {}),
    overrideReasons: overrideReasonsFor({
      preTest: decision.finding.kind === 'pre-test',
      usesSensorData: decision.modifiers.length > 0,
    }),
    ...(links.length > 0 ? { links } : {}),
  };
  return {
    card,
    provenance: {
      uuid,
      drug: decision.finding.drug,
      decision: ctx.snapshot,
      ruleIds: decisionRuleIds(decision),
      thresholdVersion: decision.thresholdVersion,
      knowledgeVersion: decision.finding.knowledgeVersion,
    },
  };
}
