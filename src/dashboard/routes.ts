/**
 * The clinician dashboard's JSON for the demo patients: `GET /app/api/patients` (the picker) and
 * `GET /app/api/patients/{id}` (one patient's `DashboardView`), `GET /app/api/patients/{id}/explanations/{drug}` (the
 * printable patient explanation of the CPIC row for that medicine). Open like `/demo/fhir` and mounted only with it
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
    res.set('Cache-Control', 'no-store').json(list);
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
    res.set('Cache-Control', 'no-store').json(await demoView(req.params.id));
  });
  router.get('/patients/:id/explanations/:drug', async (req, res) => {
    const view = await demoView(req.params.id);
    const body = patientExplanationView(view, req.params.drug);
    if (!body) throw new AppError('DEMO_NOT_FOUND', ['no CPIC recommendation for this medicine and patient']);
    res.set('Cache-Control', 'no-store').json(body);
  });
  return router;
}
