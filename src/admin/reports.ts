/**
 * "Wrong for this patient" reports as the API answers them: pure mapping of what the store returns
 * (`store.reports`). The genes are read from the card's decision snapshot as the override list reads them, the card's
 * text from the card as shown.
 */
import type { ReportFollowUp as StoredFollowUp, WrongPatientReport } from '../store';
import { genesOfCard } from './evidence';
import { shownDetail } from './overrides';
import type { Report, ReportFollowUp } from './schemas';

export function reportFollowUpView(f: StoredFollowUp): ReportFollowUp {
  return {
    outcome: f.outcome,
    ...(f.note !== undefined ? { note: f.note } : {}),
    by: f.by,
    at: f.at.toISOString(),
    reportedAt: f.reportedAt.toISOString(),
  };
}

export function reportView(r: WrongPatientReport): Report {
  const detail = shownDetail(r.shown);
  return {
    cardUuid: r.cardUuid,
    shownAt: r.shownAt.toISOString(),
    hook: r.hook,
    serviceId: r.serviceId,
    ...(r.drug !== undefined ? { drug: r.drug } : {}),
    genes: genesOfCard(r.decision),
    card: { summary: r.summary, indicator: r.indicator, ...(detail !== undefined ? { detail } : {}) },
    ...(r.patientRef !== undefined ? { patient: r.patientRef } : {}),
    rater: r.rater,
    ...(r.raterName !== undefined ? { raterName: r.raterName } : {}),
    ...(r.comment !== undefined ? { comment: r.comment } : {}),
    reportedAt: r.reportedAt.toISOString(),
    state: r.state,
    followUps: r.followUps.map(reportFollowUpView),
  };
}
