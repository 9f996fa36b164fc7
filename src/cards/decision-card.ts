/**
 * One Decision → one spec-valid CDS Hooks card with its provenance.
 * https://cds-hooks.hl7.org/2.0/#card-attributes
 */
import { randomUUID } from 'node:crypto';
import type { Card, Coding, Link, Source } from '../cds/types';
import type { CpicRow, Decision } from '../rules/types';
import { isSafetyRuleDecision } from '../rules/types';
import { decisionDetail } from './detail';
import { overrideReasonsFor } from './override-reasons';
import { suggestionsFor } from './suggestions';
import { abbreviatePhenotypes, fitSummary, listPhrase } from './text';

/** What the store records for a card (`CardRecord` minus what the card itself says). */
export interface CardProvenance {
  readonly uuid: string;
  readonly drug?: string;
  readonly decision: unknown;
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
 * name (`HLA-B*57:01 positive`), others by phenotype; a gene the row keys on without a result reads `no result`.
 */
function genePhrases(decision: Decision): string[] {
  if (decision.action === 'order-test') {
    return (decision.untestedGenes ?? []).map((g) => `${g} no result on file`);
  }
  const byGene = new Map(decision.genes.map((g) => [g.gene, g]));
  const keyed = decision.row ? Object.entries(decision.row.lookupKey) : [];
  if (keyed.length === 0) return decision.genes.map((g) => `${g.gene} ${g.phenotype}`);
  return keyed.map(([gene, key]) => {
    const result = byGene.get(gene);
    if (!result) return `${gene} no result`;
    // HLA reads as the allele name: `HLA-B*57:01 positive`.
    return result.alleleStatus ? `${gene}${key}` : `${gene} ${result.phenotype}`;
  });
}

function actionPhrase(decision: Decision): string {
  switch (decision.action) {
    case 'avoid':
      return `Avoid ${decision.drug}`;
    case 'adjust-dose':
      return `Adjust ${decision.drug} dose`;
    case 'monitor':
      return `Monitor ${decision.drug}`;
    case 'order-test':
      return `Order ${listPhrase(decision.untestedGenes ?? [])} test before ${decision.drug}`;
    case 'standard':
      return `Standard ${decision.drug} dosing`;
  }
}

/** The cited source of each safety rule's thresholds (research wearables-in-fhir.md §2.2 and §7), by rule id. */
const SAFETY_RULE_SOURCES: Readonly<Record<string, { readonly label: string; readonly url: string }>> = {
  'safety:R8-sulfonylurea-cgm': {
    label: 'International Consensus on Time in Range (Battelino 2019)',
    url: 'https://diabetesjournals.org/care/article/42/8/1593',
  },
};

function safetyRuleSource(decision: Decision): { readonly label: string; readonly url: string } | undefined {
  return decision.ruleIds.map((id) => SAFETY_RULE_SOURCES[id]).find((s) => s !== undefined);
}

/** The summary: action and drug first (they survive any shortening), then gene and phenotype, then strength. */
export function decisionSummary(decision: Decision): string {
  const action = actionPhrase(decision);
  const genes = genePhrases(decision).join(', ');
  const strength = isSafetyRuleDecision(decision)
    ? ' (safety rule, not CPIC)'
    : decision.row?.strength
      ? ` (CPIC ${decision.row.strength})`
      : '';
  return fitSummary([
    `${action}: ${genes}${strength}`,
    `${action}: ${genes}`,
    abbreviatePhenotypes(`${action}: ${genes}${strength}`),
    abbreviatePhenotypes(`${action}: ${genes}`),
  ]);
}

/** The guideline a decision rests on: its CPIC row's, or a pre-test decision's own. */
function guidelineOf(decision: Decision): CpicRow['guideline'] | undefined {
  return decision.row?.guideline ?? decision.guideline;
}

function sourceOf(decision: Decision): Source {
  if (isSafetyRuleDecision(decision)) {
    const cited = safetyRuleSource(decision);
    return {
      label: 'Safety rule on wearable sensor data (not a CPIC guideline)',
      ...(cited ? { url: cited.url } : {}),
      topic: topic('pgx-safety-rule', 'Pharmacogenomic safety rule on sensor data (not a CPIC pair)'),
    };
  }
  const guideline = guidelineOf(decision);
  const url = guideline && isAbsoluteUrl(guideline.url) ? guideline.url : CPIC_GUIDELINES_URL;
  const evidence = decision.sensorModifiers.some((m) => m.effect !== 'context')
    ? ' + wearable sensor data'
    : '';
  return {
    label: `${guideline ? `CPIC: ${guideline.name}` : 'CPIC guidelines'}${evidence}`,
    url,
    topic:
      decision.action === 'order-test'
        ? topic('pgx-pre-test', 'Pharmacogenomic pre-test alert')
        : topic('pgx-drug-gene', 'Pharmacogenomic drug-gene interaction'),
  };
}

function linksOf(source: Source, decision: Decision): Link[] {
  if (!source.url) return [];
  if (isSafetyRuleDecision(decision)) {
    return [
      {
        label: 'International Consensus on Time in Range (Battelino 2019)',
        url: source.url,
        type: 'absolute',
      },
    ];
  }
  const name = guidelineOf(decision)?.name;
  return [{ label: name ? `CPIC guideline: ${name}` : 'CPIC guidelines', url: source.url, type: 'absolute' }];
}

/**
 * The card for one decision. `draftOrder` is the draft resource the decision is about (R4/STU3 MedicationRequest or
 * DSTU2 MedicationOrder); without it the card has no dose or replacement suggestion.
 */
export function decisionCard(
  decision: Decision,
  ctx: { draftOrder?: unknown; patientId: string; newUuid?: () => string },
): { card: Card; provenance: CardProvenance } {
  const newUuid = ctx.newUuid ?? randomUUID;
  const uuid = newUuid();
  const { suggestions, notes } = suggestionsFor(decision, {
    draftOrder: ctx.draftOrder,
    patientId: ctx.patientId,
    newUuid,
  });
  const source = sourceOf(decision);
  const links = linksOf(source, decision);
  const card: Card = {
    uuid,
    summary: decisionSummary(decision),
    detail: decisionDetail(decision, notes),
    indicator: decision.severity,
    source,
    ...(suggestions.length > 0 ? { suggestions, selectionBehavior: 'at-most-one' as const } : {}),
    overrideReasons: overrideReasonsFor({
      preTest: decision.action === 'order-test',
      usesSensorData: decision.sensorModifiers.length > 0,
    }),
    ...(links.length > 0 ? { links } : {}),
  };
  return {
    card,
    provenance: {
      uuid,
      drug: decision.drug,
      decision,
      ruleIds: decision.ruleIds,
      thresholdVersion: decision.thresholdVersion,
      knowledgeVersion: decision.knowledgeVersion,
    },
  };
}
