/**
 * A realistic order-sign request for the pipeline bench: 20 gene results, two weeks of wearable data as an
 * EHR would prefetch it (daily resting heart rate, hourly heart rate, twice-daily home blood pressure, daily CGM
 * SampledData chunks of 5-minute readings), three draft orders (two with CPIC guidelines, one without).
 */
const LOINC = 'http://loinc.org';
const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const UCUM = 'http://unitsofmeasure.org';

/** One genotype per CPIC gene with a diplotype table or allele status (20 results). */
export const BENCH_GENOTYPES: readonly [string, string][] = [
  ['CYP2C19', '*2/*2'],
  ['CYP2D6', '*4/*4'],
  ['CYP2C9', '*1/*3'],
  ['DPYD', 'Reference/c.1905+1G>A (*2A)'],
  ['TPMT', '*1/*3A'],
  ['NUDT15', '*1/*3'],
  ['SLCO1B1', '*1/*5'],
  ['CYP3A5', '*3/*3'],
  ['UGT1A1', '*1/*28'],
  ['CYP2B6', '*1/*6'],
  ['NAT2', '*4/*5'],
  ['ABCG2', 'rs2231142 reference (G)/rs2231142 variant (T)'],
  ['VKORC1', 'rs9923231 reference (C)/rs9923231 variant (T)'],
  ['RYR1', 'Reference/Reference'],
  ['CACNA1S', 'Reference/Reference'],
  ['G6PD', 'B (reference)/A'],
  ['MT-RNR1', 'Reference'],
  ['HLA-B', '*57:01/*08:01'],
  ['HLA-A', '*02:01/*24:02'],
  ['CFTR', 'ivacaftor non-responsive CFTR sequence/ivacaftor non-responsive CFTR sequence'],
];

const patientRef = { reference: 'Patient/bench-patient' };

/** Genomics Reporting genotype Observations (84413-4, gene in a 48018-6 component) for `BENCH_GENOTYPES`. */
export function genotypeObservations(): unknown[] {
  return BENCH_GENOTYPES.map(([gene, diplotype], i) => ({
    resourceType: 'Observation',
    id: `g${i}`,
    status: 'final',
    subject: patientRef,
    effectiveDateTime: '2024-01-01',
    code: { coding: [{ system: LOINC, code: '84413-4' }] },
    component: [
      { code: { coding: [{ system: LOINC, code: '48018-6' }] }, valueCodeableConcept: { text: gene } },
    ],
    valueCodeableConcept: { text: `${gene} ${diplotype}` },
  }));
}

function observation(id: string, code: string, when: string, value: Record<string, unknown>): unknown {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: { coding: [{ system: LOINC, code }] },
    subject: patientRef,
    effectiveDateTime: when,
    device: { display: 'Bench Watch' },
    ...value,
  };
}

function bundle(resources: readonly unknown[]): unknown {
  return { resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) };
}

/** The request body, with `now` as the hook's time (data end just before it). */
export function realisticOrderSignRequest(now: Date): Record<string, unknown> {
  const day = 86_400_000;
  const iso = (t: number): string => new Date(t).toISOString();
  const pgx = genotypeObservations();
  const wearables: unknown[] = [];
  for (let d = 0; d < 14; d++) {
    const dayStart = now.getTime() - (d + 1) * day;
    wearables.push(
      observation(`rhr${d}`, '40443-4', iso(dayStart + 7 * 3_600_000), {
        valueQuantity: { value: 56 + (d % 4), unit: 'beats/minute', system: UCUM, code: '/min' },
      }),
    );
    for (let h = 0; h < 24; h++) {
      wearables.push(
        observation(`hr${d}-${h}`, '8867-4', iso(dayStart + h * 3_600_000), {
          valueQuantity: { value: 60 + ((d + h) % 30), unit: 'beats/minute', system: UCUM, code: '/min' },
        }),
      );
    }
    for (const h of [7, 19]) {
      wearables.push(
        observation(`bp${d}-${h}`, '85354-9', iso(dayStart + h * 3_600_000), {
          component: [
            {
              code: { coding: [{ system: LOINC, code: '8480-6' }] },
              valueQuantity: { value: 128, system: UCUM, code: 'mm[Hg]' },
            },
            {
              code: { coding: [{ system: LOINC, code: '8462-4' }] },
              valueQuantity: { value: 82, system: UCUM, code: 'mm[Hg]' },
            },
          ],
        }),
      );
    }
    const readings = Array.from({ length: 288 }, (_, i) => 90 + ((i * 7 + d) % 110)).join(' ');
    wearables.push(
      observation(`cgm${d}`, '99504-3', iso(dayStart), {
        effectivePeriod: { start: iso(dayStart), end: iso(dayStart + day) },
        valueSampledData: {
          origin: { value: 0, system: UCUM, code: 'mg/dL' },
          period: 300_000,
          dimensions: 1,
          data: readings,
        },
      }),
    );
  }
  const order = (id: string, code: string, display: string): unknown => ({
    resourceType: 'MedicationRequest',
    id,
    status: 'draft',
    intent: 'order',
    subject: patientRef,
    medicationCodeableConcept: { coding: [{ system: RX, code, display }], text: display },
    dosageInstruction: [
      { doseAndRate: [{ doseQuantity: { value: 75, unit: 'mg', system: UCUM, code: 'mg' } }] },
    ],
  });
  return {
    hook: 'order-sign',
    hookInstance: 'bench-order-sign',
    context: {
      userId: 'Practitioner/bench',
      patientId: 'bench-patient',
      draftOrders: {
        resourceType: 'Bundle',
        entry: [
          { resource: order('o1', '309362', 'clopidogrel 75 MG Oral Tablet') },
          { resource: order('o2', '866924', 'metoprolol tartrate 25 MG Oral Tablet') },
          // A drug with no CPIC guideline, by text only (its code is not in the project's RxNorm extract).
          {
            resource: {
              ...(order('o3', '', '') as object),
              medicationCodeableConcept: { text: 'amlodipine 5 MG Oral Tablet' },
            },
          },
        ],
      },
    },
    prefetch: {
      patient: { resourceType: 'Patient', id: 'bench-patient', gender: 'female', birthDate: '1961-05-04' },
      pgx: bundle(pgx),
      wearables: bundle(wearables),
      consent: null,
      medications: null,
    },
  };
}
