/**
 * The one card an order hook gives when the patient's pharmacogenomic results could not be read (the FHIR server
 * answered after the deadline, failed, sent what cannot be read, or left pages unread): issue 9 item 5, "never
 * silence". A critical "avoid" must never vanish without the clinician learning that the check was not done.
 * https://cds-hooks.hl7.org/2.0/#card-attributes
 */
import { randomUUID } from 'node:crypto';
import type { Card, Link } from '../cds/types';
import type { PgxGap } from '../rules/assess';
import type { DecisionSnapshot } from '../rules/types';
import type { CardProvenance } from './decision-card';
import { CPIC_GUIDELINES_URL, topic } from './decision-card';
import { escapeMarkdown, listPhrase } from './text';

/** The summary when the results came too late, as issue 9 words it. */
export const INCOMPLETE_CHECK_SUMMARY =
  'Pharmacogenomic check incomplete: results could not be retrieved in time';

/**
 * Why a check could not be done: the PGx results fell short (`PgxGap`), or an order's medicine could not be read
 * (`medicine-unread`: the `Medication` a draft order refers to was not returned by the EHR's FHIR server, so which
 * medicine is ordered is unknown).
 */
export type CheckGap = PgxGap | 'medicine-unread';

/** Per way the check fell short: the summary, what happened (the detail's subject), and whether asking again helps. */
const GAPS: Readonly<Record<CheckGap, { summary: string; what: string; retryHelps: boolean }>> = {
  late: { summary: INCOMPLETE_CHECK_SUMMARY, what: 'The results did not arrive in time', retryHelps: true },
  partial: {
    summary: 'Pharmacogenomic check incomplete: only part of the results could be read',
    what: 'Only part of the results could be read from the EHR',
    retryHelps: true,
  },
  unavailable: {
    summary: 'Pharmacogenomic check incomplete: results could not be retrieved',
    what: "The EHR's FHIR server did not return the results",
    retryHelps: true,
  },
  unreadable: {
    summary: 'Pharmacogenomic check incomplete: results could not be read',
    what: "The EHR's FHIR server sent results this service could not read",
    retryHelps: false,
  },
  // A Medication that is missing (404) stays missing, so no retry is offered.
  'medicine-unread': {
    summary: 'Pharmacogenomic check incomplete: the medicine ordered could not be identified',
    what: "The EHR's FHIR server did not return the medicine the order refers to",
    retryHelps: false,
  },
};

export interface IncompleteCheckContext {
  /**
   * The drugs that could not be checked (CPIC or safety-rule drugs), by name: the ordered ones (order hooks) or the
   * patient's active medications (patient-view).
   */
  readonly drugs: readonly string[];
  /** How the check fell short: the card says what happened and whether repeating the check can help. */
  readonly gap: CheckGap;
  /** From the threshold set (`incompleteCheck.indicator`). */
  readonly indicator: 'info' | 'warning';
  /**
   * How the clinician repeats the check in this hook (order-sign: sign again; order-select: select again;
   * patient-view: open the chart again).
   */
  readonly retry: 'sign' | 'select' | 'open';
  /**
   * Links to the drugs' CPIC guidelines (name and URL), so the results can be checked by hand meanwhile. Drugs
   * without a guideline link to CPIC's guideline index.
   */
  readonly guidelines: readonly { readonly name: string; readonly url: string }[];
  /**
   * Further links the caller adds: the place for a retry page and the patient's dashboard (the web front end,
   * issue 10), each a spec `Link`. None by default.
   */
  readonly links?: readonly Link[];
  readonly snapshot: DecisionSnapshot;
  readonly thresholdVersion: string;
  readonly knowledgeVersion: string;
  readonly newUuid?: () => string;
}

/** The "check incomplete" card and its provenance (no decision: the snapshot holds none, only the facts). */
export function incompleteCheckCard(ctx: IncompleteCheckContext): {
  card: Card;
  provenance: CardProvenance;
} {
  const uuid = (ctx.newUuid ?? randomUUID)();
  const drugs = ctx.drugs.length > 0 ? escapeMarkdown(listPhrase(ctx.drugs)) : undefined;
  const { summary, what, retryHelps } = GAPS[ctx.gap];
  const retry = retryHelps
    ? {
        open: ' Opening the chart again in a minute repeats the check.',
        sign: ' Signing again in a minute repeats the check.',
        select: ' Selecting the order again in a minute repeats the check.',
      }[ctx.retry]
    : '';
  const detail =
    ctx.retry === 'open'
      ? [
          `**Review the patient's pharmacogenomic results before prescribing${drugs ? ` or continuing ${drugs}` : ''}.**`,
          `${what}, so ${drugs ? 'the active medications were not checked' : 'the chart was not checked'} against the CPIC guidelines and any result listed here may be incomplete.${retry}`,
        ]
      : [
          `**Review the patient's pharmacogenomic results before prescribing ${drugs ?? 'this order'}.**`,
          `${what}, so the order was not checked against the CPIC guidelines.${retry}`,
        ];
  const guidelineLinks: Link[] =
    ctx.guidelines.length > 0
      ? ctx.guidelines.map((g) => ({ label: `CPIC guideline: ${g.name}`, url: g.url, type: 'absolute' }))
      : [{ label: 'CPIC guidelines', url: CPIC_GUIDELINES_URL, type: 'absolute' }];
  const card: Card = {
    uuid,
    summary,
    detail: detail.join('\n\n'),
    indicator: ctx.indicator,
    source: {
      label: 'Pharmacogenomic check (CPIC guidelines)',
      url: CPIC_GUIDELINES_URL,
      topic: topic('pgx-check-incomplete', 'Pharmacogenomic check incomplete'),
    },
    links: [...guidelineLinks, ...(ctx.links ?? [])],
  };
  return {
    card,
    provenance: {
      uuid,
      ...(ctx.drugs.length === 1 && ctx.drugs[0] !== undefined ? { drug: ctx.drugs[0] } : {}),
      decision: ctx.snapshot,
      ruleIds: [],
      thresholdVersion: ctx.thresholdVersion,
      knowledgeVersion: ctx.knowledgeVersion,
    },
  };
}
