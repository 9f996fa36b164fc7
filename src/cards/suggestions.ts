/**
 * Card suggestions: adjust the draft's dose, replace the draft by an alternative CPIC names, or order the gene test.
 * https://cds-hooks.hl7.org/2.0/#suggestion — actions in one suggestion are applied together; a replacement is one
 * `update` of the draft (the sandbox applies only the first action).
 */
import type { Resource } from 'fhir/r4';
import type { Action, Suggestion } from '../cds/types';
import type { Decision } from '../rules/types';
import type { CpicRow, NamedAlternative } from '../rules/cpic/types';
import { adjustedDoseValue, draftDose, isRecord, percentText, unitText, withScaledDose } from './dose';
import { populationWords, testedName, testsToOrder } from '../rules/cpic';
import { fitSummary, listPhrase } from './text';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** What the suggestion builders need besides the decision. */
export interface SuggestionContext {
  readonly draftOrder?: unknown;
  readonly patientId: string;
  readonly newUuid: () => string;
}

/**
 * Suggestions for a decision, plus notes for the detail on what could not be suggested and why, and CPIC's sentences
 * restricting an alternative offered (the detail says them: a client showing only the buttons shows no description).
 */
export interface SuggestionsResult {
  readonly suggestions: Suggestion[];
  readonly notes: string[];
  readonly cautions: Caution[];
}

/** CPIC's own sentences, verbatim, restricting an alternative a suggestion offers. */
export interface Caution {
  readonly alternative: string;
  readonly sentences: readonly string[];
}

function doseSuggestion(
  { finding }: Decision,
  ctx: SuggestionContext,
  notes: string[],
): Suggestion | undefined {
  if (finding.kind !== 'recommendation' && finding.kind !== 'warfarin-figure') return undefined;
  const fraction = finding.action === 'adjust-dose' ? finding.doseChange : undefined;
  if (!fraction) return undefined;
  const drug = finding.drug;
  const dose = draftDose(ctx.draftOrder);
  if (!dose || !isRecord(ctx.draftOrder) || typeof ctx.draftOrder.resourceType !== 'string') {
    notes.push(`No dose suggestion: the order gives no dose to apply CPIC's "${fraction.phrase}" to.`);
    return undefined;
  }
  const adjusted = adjustedDoseValue(dose, fraction.fraction);
  if ('reason' in adjusted) {
    // Not a whole number of capsules or tablets: the advice in words, no order-changing suggestion (the service does
    // not know the product's strengths, so it cannot rewrite the count; `src/cards/README.md`, "Dose suggestion").
    notes.push(
      adjusted.unsplit
        ? `Prescribe ${percentText(fraction.fraction)} of the ordered ${dose.value} ${unitText(dose)} in a strength that makes it a whole number (CPIC: "${fraction.phrase}"): ${adjusted.unsplit.why}, so ${adjusted.unsplit.amount} is not offered.`
        : `No dose suggestion for CPIC's "${fraction.phrase}": ${adjusted.reason}.`,
    );
    return undefined;
  }
  // Units in words for each amount ("1 tablet", "2 tablets"; the EHR's own `unit` when it sent one).
  const was = `${dose.value} ${unitText(dose)}`;
  const now = `${adjusted.value} ${unitText({ ...dose, value: adjusted.value })}`;
  const range =
    fraction.otherEnd === undefined
      ? ''
      : `; the most conservative end of CPIC's range (${percentText(fraction.fraction)}–${percentText(fraction.otherEnd)})`;
  const conditional = fraction.conditions.length > 0;
  const conditions = fraction.conditions.map((c) => `"${c.quote}"`).join('; ');
  const description = `Change ${drug} to ${now} (${percentText(fraction.fraction)} of the ordered ${was}; CPIC: "${fraction.phrase}"${range})${conditional ? `. Conditional, CPIC says: ${conditions}` : ''}`;
  return {
    uuid: ctx.newUuid(),
    // The button says the action, the drug and the computed dose only (CDS Hooks `suggestion.label` is the button
    // text); the share of the ordered dose, CPIC's phrase, the range and the condition are the action's
    // `description`. A conditional reduction says "(conditional)", so a click never reads as CPIC's firm advice
    // (a choice: the condition itself, e.g. "if starting dose is ≥75 mg/m2/day …", is too long for a button).
    label: `Reduce ${drug} to ${now}${conditional ? ' (conditional)' : ''}`,
    // CPIC makes the reduction conditional: offered, never preselected (the service cannot check the condition).
    isRecommended: !conditional,
    actions: [
      {
        type: 'update',
        description,
        resource: withScaledDose(ctx.draftOrder, fraction.fraction) as unknown as Resource,
      },
    ],
  };
}

/** The alternatives the finding's CPIC text names (read once, by the knowledge layer). */
function namedAlternatives({ finding }: Decision): readonly NamedAlternative[] {
  return finding.kind === 'recommendation' || finding.kind === 'warfarin-figure'
    ? finding.alternativeDrugs
    : [];
}

/** `Type/id` of the draft order, from the resource or, failing that, the decision's order reference. */
function draftReference({ finding }: Decision, draftOrder: unknown): string | undefined {
  if (
    isRecord(draftOrder) &&
    typeof draftOrder.resourceType === 'string' &&
    typeof draftOrder.id === 'string'
  ) {
    return `${draftOrder.resourceType}/${draftOrder.id}`;
  }
  return /^[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(finding.order.orderRef)
    ? finding.order.orderRef
    : undefined;
}

/** The draft's subject (R4/STU3 `subject`, DSTU2 `patient`), else the context patient. */
function subjectOf(draftOrder: unknown, patientId: string): { reference: string } {
  const subject = isRecord(draftOrder) ? (draftOrder.subject ?? draftOrder.patient) : undefined;
  if (isRecord(subject) && typeof subject.reference === 'string' && subject.reference) {
    return { reference: subject.reference };
  }
  return { reference: `Patient/${patientId}` };
}

/** Every CPIC row the decision may rest on: its own and, when the order cannot tell the population, the others. */
function applicableRows({ finding }: Decision): CpicRow[] {
  if (finding.kind === 'recommendation') return [finding.row, ...finding.alternatives.map((a) => a.row)];
  return finding.kind === 'warfarin-figure' ? [finding.row] : [];
}

const mentions = (text: string, name: string): boolean =>
  new RegExp(`(?<![\\w-])${name.replace(/ /g, '\\s+')}(?![\\w-])`, 'i').test(text);

/** The sentences of a row's recommendation and other considerations. */
function sentencesOf(row: CpicRow): string[] {
  return [row.recommendation, row.otherConsiderations ?? '']
    .flatMap((text) => text.split(/(?<=\.)\s+/))
    .map((sentence) => sentence.trim())
    .filter(Boolean);
}

/** Words of a CPIC sentence that restrict a drug (a contraindication, a warning), not a mere mention. */
const RESTRICTION = /\b(?:(?:is|are) contraindicated|not recommended|should not|avoid|caution)\b/i;

/**
 * CPIC's own sentences, verbatim, that restrict an alternative in any row that may apply: e.g. the neurovascular row's
 * "Prasugrel is contraindicated in patients with a history of stroke or TIA." for a clopidogrel order whose
 * indication is not known (issue 9 item 6). A one-click replacement never goes without them.
 */
export function alternativeCaveats(decision: Decision, alternative: string): string[] {
  const sentences = applicableRows(decision).flatMap(sentencesOf);
  return [...new Set(sentences.filter((t) => mentions(t, alternative) && RESTRICTION.test(t)))];
}

/**
 * When the order cannot tell the population and not every row that may apply names the alternative: the populations
 * whose row does (e.g. prasugrel: "CVI ACS PCI" and "CVI non-ACS non-PCI", not "NVI").
 */
function namedForPopulations(decision: Decision, alternative: string): string[] | undefined {
  const rows = applicableRows(decision);
  if (rows.length < 2) return undefined;
  // A row names it when a sentence of its text mentions it without restricting it (the neurovascular row: "…
  // include ticagrelor and ticlopidine", but "Prasugrel is contraindicated …").
  const naming = rows.filter((row) =>
    sentencesOf(row).some((t) => mentions(t, alternative) && !RESTRICTION.test(t)),
  );
  if (naming.length === rows.length) return undefined;
  return [...new Set(naming.map((row) => row.population ?? 'general'))];
}

/**
 * The draft order carrying the alternative instead: same resource, same id, the alternative's RxNorm ingredient as
 * `medicationCodeableConcept` (text and coding, which the CDS Hooks sandbox's Rx View reads), no dose (the ordered
 * drug's dose is not the alternative's).
 */
function draftWithMedication(draft: Record<string, unknown>, alt: NamedAlternative & { rxcui: string }) {
  const { medicationReference, dosageInstruction: _dose, contained, ...rest } = draft;
  // A contained Medication the old `medicationReference` pointed to (`#med1`) would be left referenced by nothing
  // (FHIR invariant dom-3) and still name the old drug to any reader: it goes; other contained resources stay.
  const reference = isRecord(medicationReference) ? medicationReference.reference : undefined;
  const localId = typeof reference === 'string' && reference.startsWith('#') ? reference.slice(1) : undefined;
  const kept = Array.isArray(contained)
    ? contained.filter(
        (r) => !(isRecord(r) && localId !== undefined && r.resourceType === 'Medication' && r.id === localId),
      )
    : undefined;
  return {
    ...rest,
    ...(kept && kept.length > 0 ? { contained: kept } : {}),
    medicationCodeableConcept: {
      coding: [{ system: RXNORM, code: alt.rxcui, display: alt.name }],
      text: alt.name,
    },
  };
}

/**
 * Replacement by a CPIC-named alternative, as one `update` of the draft order (same id) carrying the alternative: the
 * CDS Hooks sandbox's Rx View applies only the first action of an accepted suggestion, so a "delete, then create" pair
 * changed nothing there (issue 9). Without the draft resource, a `create` first, then the `delete` of the draft.
 */
function alternativeSuggestions(
  decision: Decision,
  ctx: SuggestionContext,
  notes: string[],
  cautions: Caution[],
): Suggestion[] {
  const named = namedAlternatives(decision);
  const uncoded = named.filter((alt) => alt.rxcui === undefined).map((alt) => alt.name);
  if (uncoded.length > 0) {
    notes.push(
      `CPIC also names ${listPhrase(uncoded)}; this card cannot order ${uncoded.length > 1 ? 'them' : 'it'}, so order ${uncoded.length > 1 ? 'them' : 'it'} in the usual way if chosen.`,
    );
  }
  // An alternative CPIC also advises avoiding with this patient's results is no replacement.
  const avoided = named.filter((alt) => alt.rxcui !== undefined && alt.forPatient?.action === 'avoid');
  if (avoided.length > 0) {
    notes.push(
      `No replacement suggestion for ${listPhrase(avoided.map((a) => a.name))}: CPIC advises avoiding ${avoided.length > 1 ? 'them' : 'it'} too with this result.`,
    );
  }
  const coded = named.filter(
    (alt): alt is NamedAlternative & { rxcui: string } =>
      alt.rxcui !== undefined && alt.forPatient?.action !== 'avoid',
  );
  if (coded.length === 0) return [];
  const target = draftReference(decision, ctx.draftOrder);
  const drug = decision.finding.drug;
  if (!target) {
    notes.push(
      `No replacement suggestion for ${listPhrase(coded.map((a) => a.name))}: the draft order has no id to replace.`,
    );
    return [];
  }
  return coded.map((alt) => {
    const caveats = alternativeCaveats(decision, alt.name);
    if (caveats.length > 0) cautions.push({ alternative: alt.name, sentences: caveats });
    const populations = namedForPopulations(decision, alt.name);
    const own = ownAdvice(alt);
    const qualifier = [
      ...(populations ? [`for ${listPhrase(populations.map(populationWords))}`] : []),
      ...(own ? [own] : []),
      ...caveats.map((c) => `CPIC: "${c}"`),
    ].join('; ');
    const description = `Replace the draft ${drug} order with ${alt.name} (dose to be chosen; CPIC names ${alt.name} instead of ${drug}${qualifier ? `; ${qualifier}` : ''})`;
    const draft =
      isRecord(ctx.draftOrder) && typeof ctx.draftOrder.id === 'string' ? ctx.draftOrder : undefined;
    const actions: Action[] = draft
      ? [{ type: 'update', description, resource: draftWithMedication(draft, alt) as unknown as Resource }]
      : [
          {
            type: 'create',
            description,
            resource: {
              resourceType: 'MedicationRequest',
              status: 'draft',
              intent: 'order',
              subject: subjectOf(ctx.draftOrder, ctx.patientId),
              medicationCodeableConcept: {
                coding: [{ system: RXNORM, code: alt.rxcui, display: alt.name }],
                text: alt.name,
              },
            } as unknown as Resource,
          },
          { type: 'delete', description: `Remove the draft ${drug} order`, resourceId: target },
        ];
    return {
      uuid: ctx.newUuid(),
      // The button names the action and the drug; what qualifies it (the populations whose row names it, CPIC's
      // advice for the alternative with this result, CPIC's restricting sentences, verbatim) is the action's
      // `description`, so the same sentence is not said twice on the card.
      label: `Switch to ${alt.name}`,
      // Several alternatives named together ("prasugrel or ticagrelor") are equals: none is singled out; one with a
      // caveat or for only some populations is the clinician's choice, never preselected.
      isRecommended:
        decision.finding.action === 'avoid' &&
        coded.length === 1 &&
        caveats.length === 0 &&
        own === undefined &&
        populations === undefined,
      actions,
    };
  });
}

/**
 * What CPIC advises for the alternative itself with this patient's results, when it is more than standard use: its
 * dose share or deciding sentence ("CPIC for celecoxib with this result: 25-50% of the lowest recommended starting
 * dose"), or the genes its guideline needs that have no result.
 */
export function ownAdvice(alt: NamedAlternative): string | undefined {
  const advice = alt.forPatient;
  if (advice === undefined || advice.action === 'standard') return undefined;
  return advice.action === 'order-test'
    ? `CPIC's ${alt.name} guideline asks for ${advice.words} testing first`
    : `CPIC for ${alt.name} with this result: "${fitSummary([advice.words], 90)}"`;
}

function preTestSuggestion({ finding }: Decision, ctx: SuggestionContext): Suggestion | undefined {
  if (finding.kind !== 'pre-test') return undefined;
  // A gene whose result is registered or preliminary is not ordered again.
  const toOrder = testsToOrder(finding);
  if (toOrder.length === 0) return undefined;
  const genes = toOrder.map(testedName);
  const drug = finding.drug;
  const test = `${listPhrase(genes)} genotyping`;
  // `code.text` only: the gene-specific LOINC test codes found in public material disagreed with each other (one
  // file labels 84413-4, "Genotype display name", as a CYP2C19 mutation analysis), so no coding is asserted.
  const request = {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'order',
    subject: subjectOf(ctx.draftOrder, ctx.patientId),
    code: { text: `${test} (pharmacogenomic test)` },
    reasonCode: [
      {
        text: `Pharmacogenomic testing before ${drug} (${finding.labelRequiresTest ? 'FDA drug label' : 'CPIC'})`,
      },
    ],
  } as const;
  return {
    uuid: ctx.newUuid(),
    label: `Order ${test} before ${drug}`,
    isRecommended: true,
    actions: [
      {
        type: 'create',
        description: `Draft an order for ${test}`,
        resource: request as unknown as Resource,
      },
    ],
  };
}

/** All suggestions for a decision: dose first, then alternatives, then the pre-test order. */
export function suggestionsFor(decision: Decision, ctx: SuggestionContext): SuggestionsResult {
  const notes: string[] = [];
  const cautions: Caution[] = [];
  const dose = doseSuggestion(decision, ctx, notes);
  const alternatives = alternativeSuggestions(decision, ctx, notes, cautions);
  const preTest = preTestSuggestion(decision, ctx);
  const suggestions = [...(dose ? [dose] : []), ...alternatives, ...(preTest ? [preTest] : [])];
  // At most one recommended suggestion under `at-most-one` (cds-resp-1): the first one keeps it.
  let recommended = false;
  return {
    suggestions: suggestions.map((s) => {
      const keep = s.isRecommended === true && !recommended;
      recommended ||= keep;
      return { ...s, isRecommended: keep };
    }),
    notes,
    cautions,
  };
}
