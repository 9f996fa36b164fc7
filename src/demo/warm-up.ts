/**
 * Before the service takes calls, the order-sign hook runs once for each demo patient, in process: the patient's
 * record read through the FHIR fallback from the bundled demo data, the patient's demo order as the draft. The first
 * clinician's call otherwise pays for loading the CPIC tables and the unit definitions and for compiling the code:
 * 410–430 ms for the realistic order-sign call on this machine, against about 20 ms once warm (docs/speed.md). The
 * handler is given no store: nothing is recorded, the alert-volume policy is not consulted, and the answers are
 * dropped.
 */
import type { MedicationRequest } from 'fhir/r4';
import { createFhirCache } from '../cds/prefetch';
import type { HookHandler } from '../cds/routes';
import type { CdsServiceDefinition } from '../cds/types';
import type { Logger } from '../observability/logger';
import { loadDemoData } from './data';
import type { DemoData } from './data';
import { createDemoFetcher } from './fetcher';

/** The FHIR base the warm-up's calls name; the demo fetcher answers in process and nothing is contacted. */
const WARM_UP_BASE = 'urn:pgx-cds-hooks:warm-up';

/** Runs `orderSign` on every demo patient; resolves with how many calls answered with at least one card. */
export async function warmUp(
  orderSign: HookHandler<'order-sign'>,
  service: CdsServiceDefinition,
  logger: Logger,
  data: DemoData = loadDemoData(new Date()),
): Promise<{ readonly calls: number; readonly withCards: number }> {
  const fhir = createDemoFetcher(data, WARM_UP_BASE);
  let withCards = 0;
  for (const patient of data.index.patients) {
    const draft: MedicationRequest = {
      resourceType: 'MedicationRequest',
      id: `warm-up-${patient.order.drug}`,
      status: 'draft',
      intent: 'order',
      subject: { reference: `Patient/${patient.id}` },
      medicationCodeableConcept: {
        coding: [
          {
            system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
            code: patient.order.rxnorm,
            display: patient.order.display,
          },
        ],
        text: patient.order.display,
      },
    };
    const answer = await orderSign({
      service,
      request: {
        hook: 'order-sign',
        hookInstance: `warm-up-${patient.id}`,
        fhirServer: WARM_UP_BASE,
        context: {
          userId: 'Practitioner/warm-up',
          patientId: patient.id,
          draftOrders: {
            resourceType: 'Bundle',
            type: 'collection',
            entry: [{ resource: draft }],
          },
        },
      },
      fhir,
      fhirBudgetMs: 10_000,
      fhirCache: createFhirCache(),
      onFhirCall: () => undefined,
      logger,
      now: new Date(),
    });
    if (answer.cards.length > 0) withCards += 1;
  }
  return { calls: data.index.patients.length, withCards };
}
