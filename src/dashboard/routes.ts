/**
 * The clinician dashboard's JSON for the demo patients: `GET /app/api/patients` (the picker) and
 * `GET /app/api/patients/{id}` (one patient's `DashboardView`), `GET /app/api/patients/{id}/explanations/{drug}` (the
 * printable patient explanation of the CPIC row for that medicine; 404 `DEMO_NOT_FOUND` for an unknown patient,
 * `DASHBOARD_NO_EXPLANATION` with the reason for a medicine without a page). Open like `/demo/fhir` and mounted only with it
 * (`DEMO_FHIR=on`): the data are synthetic, every Patient carries the `demo` tag, and nothing else is reachable here.
 */
import { Router } from 'express';
import type { FhirResource } from 'fhir/r4';
import type { DemoData } from '../demo';
import { AppError } from '../http/errors';
import type { RuleEngine } from '../rules/engine';
import type { DashboardView, DemoPatientList, PatientExplanationView } from './contract';
import { dashboardView } from './view';

export interface DashboardRouterDeps {
  readonly demo: DemoData;
  /** The live rule engine (the threshold registry's). */
  readonly engine: () => RuleEngine;
  readonly knowledgeVersion: () => string;
  readonly now: () => Date;
  /** Where the CDS Hooks sandbox finds this service and its demo FHIR server (`DemoPatientList.sandbox`). */
  readonly sandbox: DemoPatientList['sandbox'];
}

/** Every resource of one demo patient: the Patient, what names it as subject or patient, and the Medications. */
export function demoPatientResources(demo: DemoData, id: string): FhirResource[] | undefined {
  if (!demo.index.patients.some((p) => p.id === id)) return undefined;
  const ref = `Patient/${id}`;
  return demo.resources.filter((r) => {
    if (r.resourceType === 'Patient') return r.id === id;
    if (r.resourceType === 'Medication') return true;
    const named = r as { subject?: { reference?: string }; patient?: { reference?: string } };
    return named.subject?.reference === ref || named.patient?.reference === ref;
  });
}

/**
 * Why a patient's dashboard has no printable explanation of `drug`, in words the page shows (the diagnostics of
 * `DASHBOARD_NO_EXPLANATION`): the patient exists, only the page is missing. A page restates one CPIC recommendation
 * row; warfarin's CPIC advice is a figure (a dose calculated with a pharmacogenetic algorithm, `decisionGraph`), a
 * conflict has no row until the laboratory says which result is right, a safety rule is not CPIC's.
 */
export function noExplanationReason(view: DashboardView, drug: string): string {
  const kinds = new Set(
    view.medications.flatMap((m) => m.findings.filter((f) => f.drug === drug).map((f) => f.kind)),
  );
  if (kinds.has('warfarin-figure'))
    return (
      `CPIC's advice for ${drug} is a dose that a doctor or pharmacist works out from the gene results and other ` +
      'facts, with a published formula. There is no plain-language page for it: ask them about your dose.'
    );
  if (kinds.has('conflict'))
    return (
      'The gene test results on file disagree. The laboratory has to say which one is right before a page can ' +
      'explain what it means for this medicine.'
    );
  if (kinds.has('safety-rule'))
    return (
      `The advice for ${drug} comes from a safety rule of this service, not from a CPIC guideline, so there is no ` +
      'plain-language page for it.'
    );
  if (kinds.has('pre-test'))
    return `There is no gene test result on file that the CPIC guideline for ${drug} uses.`;
  return `No CPIC guideline advice about ${drug} applies to this patient's medicines and results.`;
}

/** The printable patient explanation of `drug` in a patient's dashboard, when a CPIC row applies to it. */
export function patientExplanationView(
  view: DashboardView,
  drug: string,
): PatientExplanationView | undefined {
  const explanation = view.medications
    .flatMap((m) => m.findings)
    .find((f) => f.drug === drug && f.explanation)?.explanation;
  return explanation ? { patient: { id: view.patient.id, name: view.patient.name }, explanation } : undefined;
}

export function createDashboardRouter(deps: DashboardRouterDeps): Router {
  const router = Router();
  router.get('/patients', (_req, res) => {
    const list: DemoPatientList = {
      patients: deps.demo.index.patients.map((p) => ({ id: p.id, name: p.name, scenario: p.scenario })),
      sandbox: deps.sandbox,
    };
    res.json(list);
  });
  /** The dashboard of demo patient `id` under the knowledge and thresholds in force; 404 for an unknown id. */
  async function demoView(id: string) {
    const resources = demoPatientResources(deps.demo, id);
    if (!resources) throw new AppError('DEMO_NOT_FOUND', ['no demo patient with this id']);
    return dashboardView({
      resources,
      engine: deps.engine(),
      knowledgeVersion: deps.knowledgeVersion(),
      now: deps.now(),
    });
  }
  router.get('/patients/:id', async (req, res) => {
    res.json(await demoView(req.params.id));
  });
  router.get('/patients/:id/explanations/:drug', async (req, res) => {
    const view = await demoView(req.params.id);
    const body = patientExplanationView(view, req.params.drug);
    // The patient exists (an unknown one is DEMO_NOT_FOUND above): only the page is missing, and the answer says why.
    if (!body) throw new AppError('DASHBOARD_NO_EXPLANATION', [noExplanationReason(view, req.params.drug)]);
    res.json(body);
  });
  return router;
}
