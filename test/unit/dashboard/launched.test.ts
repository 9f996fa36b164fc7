/**
 * `readLaunchedRecord`: what of a launched patient's record is required, what is best effort, and what the page is
 * told about what could not be read. The FHIR server is a fake fetcher answering by query.
 */
import type { FhirResource } from 'fhir/r4';
import { FhirFetchError } from '../../../src/cds/fhir';
import type { FhirFetcher, FhirResult } from '../../../src/cds/fhir';
import { LaunchFailure, readLaunchedRecord } from '../../../src/dashboard/launched';
import type { LaunchedQueries } from '../../../src/dashboard/launched';

const QUERIES: LaunchedQueries = {
  pgx: 'Observation?patient={{context.patientId}}&code=pgx',
  wearables: 'Observation?patient={{context.patientId}}&code=wearables',
  consent: 'Consent?patient={{context.patientId}}&status=active',
};

const patient: FhirResource = { resourceType: 'Patient', id: 'p1' };
const genotype: FhirResource = {
  resourceType: 'Observation',
  id: 'g1',
  status: 'final',
  code: { text: 'CYP2C19 diplotype' },
};
const heartRate: FhirResource = {
  resourceType: 'Observation',
  id: 'hr1',
  status: 'final',
  code: { text: 'Heart rate' },
};
const consent: FhirResource = {
  resourceType: 'Consent',
  id: 'c1',
  status: 'active',
  scope: { text: 'device data' },
  category: [{ text: 'device data' }],
};
const request: FhirResource = {
  resourceType: 'MedicationRequest',
  id: 'm1',
  status: 'draft',
  intent: 'order',
  subject: { reference: 'Patient/p1' },
  medicationReference: { reference: 'Medication/med1' },
};
const medication: FhirResource = { resourceType: 'Medication', id: 'med1' };

type Answer = FhirResult | FhirFetchError;

/** A fetcher answering each query by its first matching key (`Patient/`, `code=pgx`, …). */
function fakeFetcher(answers: Readonly<Record<string, Answer>>): FhirFetcher & { asked: string[] } {
  const asked: string[] = [];
  return {
    serverUrl: 'https://ehr.example.org/fhir/',
    asked,
    read(query: string): Promise<FhirResult> {
      asked.push(query);
      const key = Object.keys(answers).find((k) => query.includes(k));
      const answer = key === undefined ? undefined : answers[key];
      if (answer === undefined) return Promise.reject(new FhirFetchError('http', 'HTTP 404', 404));
      return answer instanceof FhirFetchError ? Promise.reject(answer) : Promise.resolve(answer);
    },
    followPages: () => Promise.reject(new Error('not used')),
  };
}

const all = (resources: FhirResource[]): FhirResult => ({ resources, complete: true });

const whole: Record<string, Answer> = {
  'Patient/p1': all([patient]),
  'code=pgx': all([genotype]),
  'code=wearables': all([heartRate]),
  Consent: all([consent]),
  MedicationRequest: all([request]),
  'Medication/med1': all([medication]),
};

async function failureOf(promise: Promise<unknown>): Promise<LaunchFailure> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof LaunchFailure) return err;
    throw err;
  }
  throw new Error('expected a LaunchFailure');
}

describe('readLaunchedRecord', () => {
  const signal = new AbortController().signal;

  it('reads the patient, results, wearables, consent, medications and the medicines they reference', async () => {
    const fetcher = fakeFetcher(whole);
    const record = await readLaunchedRecord(fetcher, 'p1', QUERIES, signal);
    expect(record.resources.map((r) => `${r.resourceType}/${r.id ?? ''}`).sort()).toEqual(
      [
        'Consent/c1',
        'Medication/med1',
        'MedicationRequest/m1',
        'Observation/g1',
        'Observation/hr1',
        'Patient/p1',
      ].sort(),
    );
    expect(record.notes).toEqual([]);
    expect(fetcher.asked).toContain('Observation?patient=p1&code=pgx');
    expect(fetcher.asked).toContain('MedicationRequest?patient=p1&status=active,draft&_count=100');
  });

  it('leaves every sensor reading out when the consent cannot be read, and says so', async () => {
    const record = await readLaunchedRecord(
      fakeFetcher({ ...whole, Consent: new FhirFetchError('http', 'HTTP 400', 400) }),
      'p1',
      QUERIES,
      signal,
    );
    expect(record.resources.some((r) => r.id === 'hr1')).toBe(false);
    expect(record.resources.some((r) => r.id === 'g1')).toBe(true);
    expect(record.notes).toEqual([
      'Sensor data are not shown: the patient’s consent to their use could not be read from the record.',
    ]);
  });

  it('says when search pages were left unread', async () => {
    const record = await readLaunchedRecord(
      fakeFetcher({
        ...whole,
        'code=pgx': { resources: [genotype], complete: false },
        'code=wearables': { resources: [heartRate], complete: false },
      }),
      'p1',
      QUERIES,
      signal,
    );
    expect(record.notes).toHaveLength(2);
    expect(record.notes[0]).toMatch(/^Check the record’s laboratory results/);
    expect(record.notes[1]).toMatch(/^Only the newest sensor readings are shown/);
  });

  it('answers a refused token whichever read saw it', async () => {
    const failure = await failureOf(
      readLaunchedRecord(
        fakeFetcher({ ...whole, 'code=wearables': new FhirFetchError('http', 'HTTP 401', 401) }),
        'p1',
        QUERIES,
        signal,
      ),
    );
    expect(failure.code).toBe('DASHBOARD_TOKEN_REFUSED');
    expect(failure.reason).toContain('https://ehr.example.org');
    expect(failure.reason).not.toContain('p1');
  });

  it.each([
    ['Patient/p1', 'DASHBOARD_PATIENT_NOT_FOUND', new FhirFetchError('http', 'HTTP 404', 404)],
    ['code=pgx', 'DASHBOARD_ACCESS_REFUSED', new FhirFetchError('http', 'HTTP 403', 403)],
    ['code=pgx', 'DASHBOARD_FHIR_SERVER_FAILED', new FhirFetchError('http', 'HTTP 500', 500)],
    ['MedicationRequest', 'DASHBOARD_FHIR_SERVER_TIMEOUT', new FhirFetchError('timeout', 'deadline')],
    ['MedicationRequest', 'DASHBOARD_FHIR_SERVER_FAILED', new FhirFetchError('network', 'unreachable')],
  ] as const)('answers a failed required read of %s as %s', async (key, code, error) => {
    const failure = await failureOf(
      readLaunchedRecord(fakeFetcher({ ...whole, [key]: error }), 'p1', QUERIES, signal),
    );
    expect(failure.code).toBe(code);
  });

  it('refuses a Patient read that returns another patient', async () => {
    const failure = await failureOf(
      readLaunchedRecord(
        fakeFetcher({ ...whole, 'Patient/p1': all([{ resourceType: 'Patient', id: 'someone-else' }]) }),
        'p1',
        QUERIES,
        signal,
      ),
    );
    expect(failure.code).toBe('DASHBOARD_FHIR_SERVER_FAILED');
  });
});
