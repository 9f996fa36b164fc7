/**
 * Re-interpretation after a CPIC knowledge update: every patient whose newest recorded genotypes current CPIC calls
 * differently from how they were called when recorded (a new phenotype or lookup key), for a pharmacist to follow up
 * before the next order does. The service reads results from the EHR on every call, so the next card is already
 * right; this finds the patients whose earlier advice rested on the old call. `npm run reinterpret` prints it.
 */
import { KNOWLEDGE_VERSION, reinterpretResult } from '../rules/cpic';
import type { ResultChange } from '../rules/cpic';
import type { InvocationRepository } from '../store';
import { assessmentInputs } from './evidence';

/** One patient whose recorded results read differently now. */
export interface PatientReinterpretation {
  /** `Patient/123`, as recorded. */
  readonly patient: string;
  /** When the newest call that recorded the results was received (ISO 8601). */
  readonly recordedAt: string;
  /** The knowledge the results were called under then, when recorded. */
  readonly knowledgeVersion?: string;
  readonly changes: readonly ResultChange[];
}

export interface ReinterpretationReport {
  /** The knowledge in force, the results were called under now. */
  readonly knowledgeVersion: string;
  /** Patients with recorded inputs, each read once (their newest). */
  readonly patientsRead: number;
  /** Those whose results read differently, in the order read (the most recently seen first). */
  readonly patients: readonly PatientReinterpretation[];
}

/** Reads each patient's newest recorded results again under the knowledge in force. */
export async function reinterpretationReport(
  invocations: Pick<InvocationRepository, 'eachPatientLatestInputs'>,
): Promise<ReinterpretationReport> {
  const patients: PatientReinterpretation[] = [];
  const patientsRead = await invocations.eachPatientLatestInputs((recorded) => {
    const inputs = assessmentInputs(recorded.inputs);
    if (!inputs) return;
    const changes = inputs.data.pgx.flatMap((g) => reinterpretResult(g, inputs.data.sex) ?? []);
    if (changes.length === 0) return;
    patients.push({
      patient: recorded.patientRef,
      recordedAt: recorded.receivedAt.toISOString(),
      ...(recorded.knowledgeVersion === undefined ? {} : { knowledgeVersion: recorded.knowledgeVersion }),
      changes,
    });
  });
  return { knowledgeVersion: KNOWLEDGE_VERSION, patientsRead, patients };
}
