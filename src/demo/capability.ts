/** The demo endpoint's CapabilityStatement (https://hl7.org/fhir/R4/capabilitystatement.html). */
import type { CapabilityStatement, CapabilityStatementRestResource } from 'fhir/r4';
import { SEARCHABLE } from './search';

const PARAM_TYPES: Readonly<Record<string, 'token' | 'reference' | 'date'>> = {
  _id: 'token',
  patient: 'reference',
  subject: 'reference',
  code: 'token',
  status: 'token',
  date: 'date',
  authoredon: 'date',
};

export function capabilityStatement(baseUrl: string, date: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    kind: 'instance',
    software: { name: 'pgx-cds-hooks demo FHIR server' },
    implementation: { description: 'Read-only synthetic demo patients (not real people)', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation: 'Read-only; no authentication (synthetic data). Paging with _count and next links.',
        resource: Object.entries(SEARCHABLE).map(([type, params]) => ({
          type: type as CapabilityStatementRestResource['type'],
          interaction: [{ code: 'read' }, { code: 'search-type' }],
          searchParam: params.map((name) => ({ name, type: PARAM_TYPES[name] ?? 'token' })),
        })),
      },
    ],
  };
}
