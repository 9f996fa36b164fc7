/**
 * Re-interpretation after a CPIC knowledge update: every patient whose newest recorded genotypes current CPIC calls
 * differently from how they were called when recorded (a new phenotype or lookup key), for a pharmacist to follow up
 * before the next order does. The service reads results from the EHR on every call, so the next card is already
 * right; this finds the patients whose earlier advice rested on the old call. `npm run reinterpret` prints it.
 */
import { calendarDate, versionsInWords } from '../cards/text';
import { KNOWLEDGE_VERSION, reinterpretResult } from '../rules/cpic';
import type { CalledAs, ResultChange } from '../rules/cpic';
import type { Store } from '../store';
import { assessmentInputs } from './evidence';
import type { ReinterpretationReport } from './schemas';

type PatientReinterpretation = ReinterpretationReport['patients'][number];

/** How a result was or is called, in words: `Intermediate Metabolizer (activity score 1.0)`. */
function calledText(c: CalledAs): string {
  return c.activityScore === undefined ? c.phenotype : `${c.phenotype} (activity score ${c.activityScore})`;
}

/** A change in words: `CYP2D6 *1/*3: Normal Metabolizer (activity score 1.0) → Intermediate Metabolizer (…)`. */
function changeText(c: ResultChange): string {
  return `${c.gene} ${c.genotype}: ${calledText(c.was)} → ${calledText(c.now)}`;
}

/** A knowledge version in words: `CPIC data of 30 Apr 2026`. */
function knowledgeWords(version: string): string {
  return versionsInWords(version, '').knowledge;
}

/**
 * Reads each patient's newest recorded results again under the knowledge in force; each patient listed says whether a
 * pharmacist has followed them up under it.
 */
export async function reinterpretationReport(
  store: Pick<Store, 'invocations' | 'followUps'>,
): Promise<ReinterpretationReport> {
  const followUps = await store.followUps.under(KNOWLEDGE_VERSION);
  const patients: PatientReinterpretation[] = [];
  const patientsRead = await store.invocations.eachPatientLatestInputs((recorded) => {
    const inputs = assessmentInputs(recorded.inputs);
    if (!inputs) return;
    const changes = inputs.data.pgx.flatMap((g) => {
      const change = reinterpretResult(g, inputs.data.sex);
      return change ? [{ ...change, text: changeText(change) }] : [];
    });
    if (changes.length === 0) return;
    const followUp = followUps.get(recorded.patientRef);
    patients.push({
      patient: recorded.patientRef,
      recordedAt: recorded.receivedAt.toISOString(),
      ...(recorded.knowledgeVersion === undefined
        ? {}
        : {
            knowledgeVersion: recorded.knowledgeVersion,
            calledUnder: knowledgeWords(recorded.knowledgeVersion),
          }),
      changes,
      ...(followUp === undefined
        ? {}
        : {
            followedUp: {
              by: followUp.by,
              at: followUp.at.toISOString(),
              ...(followUp.note === undefined ? {} : { note: followUp.note }),
            },
          }),
    });
  });
  return {
    knowledgeVersion: KNOWLEDGE_VERSION,
    knowledge: knowledgeWords(KNOWLEDGE_VERSION),
    patientsRead,
    patients,
  };
}

/** The report as a pharmacist reads it (`npm run reinterpret`): how many, then one line per patient. */
export function reportText(report: ReinterpretationReport): string {
  const count = report.patients.length;
  const lines = [
    `${report.knowledge}: ${String(count)} of ${String(report.patientsRead)} ${report.patientsRead === 1 ? 'patient' : 'patients'} with recorded results ${count === 1 ? 'has' : 'have'} a result called differently now.`,
  ];
  for (const p of report.patients) {
    const under = p.calledUnder === undefined ? '' : `, called under ${p.calledUnder}`;
    const done = p.followedUp
      ? `; followed up by ${p.followedUp.by} on ${calendarDate(p.followedUp.at) ?? p.followedUp.at}`
      : '';
    lines.push(
      `- ${p.patient} (newest call ${calendarDate(p.recordedAt) ?? p.recordedAt}${under}): ${p.changes.map((c) => c.text).join('; ')}${done}`,
    );
  }
  return lines.join('\n');
}
