/**
 * Re-interpretation after a CPIC knowledge update, for a pharmacist to follow up before the next order does: every
 * patient whose newest recorded call reads differently under the knowledge in force, because a genotype is called
 * differently (a new phenotype or lookup key) or because the advice a card gave then is not what CPIC gives now for
 * the same order and results (a recommendation's text or strength revised, a row or guideline withdrawn). The
 * service reads results from the EHR on every call, so the next card is already right; this finds the patients whose
 * earlier advice rested on the old knowledge. `npm run reinterpret` prints it.
 */
import { z } from 'zod';
import { strengthText } from '../cards/detail';
import { alleleDataWords, calendarDate, knowledgeWords } from '../cards/text';
import { cpicFindings } from '../rules/assess';
import type { AssessmentInputs } from '../rules/assess';
import { INDETERMINATE, KNOWLEDGE_VERSION, callAgain, populationWords, rowOf } from '../rules/cpic';
import type { CalledAs, Finding, GeneResult, ResultChange } from '../rules/cpic';
import { adviceKey, readDecisionSnapshot } from '../rules/types';
import type { FollowUp, PatientInputs, Store } from '../store';
import { csvRecord } from './csv';
import { assessmentInputs } from './evidence';
import type { ReinterpretationReport } from './schemas';

type PatientReinterpretation = ReinterpretationReport['patients'][number];

/** How a result was or is called, in words: `Intermediate Metabolizer (activity score 1.0)`. */
function calledText(c: CalledAs): string {
  return c.activityScore === undefined ? c.phenotype : `${c.phenotype} (activity score ${c.activityScore})`;
}

/**
 * What changed in CPIC's knowledge to call the genotype differently, as far as the record and the data set tell:
 * the phenotype CPIC gives the same activity score, the alleles' activity values (a new score), an allele the data
 * set no longer defines; then the dates of the allele functions either side, when the record has its own (calls
 * recorded since 3 Dec 2026). Undefined when neither tells (a call recorded without its date, no score).
 */
export function changeReason(c: ResultChange): string | undefined {
  const { was, now } = c;
  const what =
    now.phenotype === INDETERMINATE
      ? 'current CPIC does not define an allele of it'
      : was.activityScore !== undefined && now.activityScore !== undefined
        ? was.activityScore === now.activityScore
          ? `CPIC changed the phenotype for activity score ${now.activityScore}`
          : 'CPIC changed the activity values of its alleles'
        : undefined;
  const dates =
    was.alleleFunctions !== undefined &&
    now.alleleFunctions !== undefined &&
    was.alleleFunctions !== now.alleleFunctions
      ? `called with CPIC allele ${alleleDataWords(was.alleleFunctions)}, now ${alleleDataWords(now.alleleFunctions)}`
      : undefined;
  const parts = [what, dates].filter((p) => p !== undefined);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/**
 * A change in words: `CYP2D6 *1/*3: Normal Metabolizer (activity score 1.0) → Intermediate Metabolizer (activity score
 * 1.0); CPIC changed the phenotype for activity score 1.0`.
 */
function changeText(c: ResultChange, reason: string | undefined): string {
  return `${c.gene} ${c.genotype}: ${calledText(c.was)} → ${calledText(c.now)}${reason ? `; ${reason}` : ''}`;
}

/**
 * What a CPIC finding advises, in words: the CPIC text with its strength and population, or why there is none.
 * Safety-rule findings are never compared (see `adviceChanges`).
 */
function adviceText(f: Finding): string {
  const genes = (list: readonly { readonly gene: string }[]) =>
    [...new Set(list.map((g) => g.gene))].join(' and ');
  switch (f.kind) {
    case 'recommendation':
    case 'warfarin-figure': {
      const { row } = f;
      const population =
        row.population && row.population !== 'general' ? `; ${populationWords(row.population)}` : '';
      return `${row.recommendation} (${strengthText(row)}${population})`;
    }
    case 'pre-test':
      return `test ${genes(f.untested)} before prescribing`;
    case 'no-row':
      return `no CPIC recommendation for the ${genes(f.genes)} result`;
    case 'conflict':
      return `no advice until the disagreeing ${genes(f.conflicts)} results are resolved`;
    case 'safety-rule':
      return `the ${f.drug} safety rule`;
  }
}

/** The same advice: the same text for the same drug and action (`adviceKey`), with the same strength. */
function sameAdviceKey(f: Finding): string {
  return `${adviceKey({ finding: f })}|${rowOf(f)?.strength ?? ''}`;
}

const named = z.array(z.looseObject({ gene: z.string() }));

/**
 * A recorded CPIC finding of the shape this service records, as far as `adviceText` and `sameAdviceKey` read it. A
 * record written by another version of the service, or altered, is passed over rather than guessed at: the report
 * must not fail on one patient's record.
 */
const comparableFinding = z.union([
  z.looseObject({
    kind: z.enum(['recommendation', 'warfarin-figure']),
    drug: z.string(),
    row: z.looseObject({
      recommendation: z.string(),
      strength: z.string().optional(),
      population: z.string().optional(),
    }),
  }),
  z.looseObject({ kind: z.literal('pre-test'), drug: z.string(), untested: named }),
  z.looseObject({ kind: z.literal('no-row'), drug: z.string(), genes: named }),
  z.looseObject({ kind: z.literal('conflict'), drug: z.string(), conflicts: named }),
]);

function isComparable(value: unknown): value is Finding {
  return comparableFinding.safeParse(value).success;
}

/**
 * Each CPIC advice the recorded cards gave that CPIC does not give now for the same orders and results (the results
 * as current CPIC calls them), with what it gives instead. Safety-rule cards rest on the published thresholds, not on
 * CPIC's data, and are left to threshold review.
 */
function adviceChanges(
  inputs: AssessmentInputs,
  pgx: readonly GeneResult[],
  cardDecisions: readonly unknown[],
): AdviceChange[] {
  const cpicGiven = cardDecisions.flatMap((d) => {
    const read = readDecisionSnapshot(d);
    const decisions: unknown = read.ok ? read.snapshot.decisions : [];
    return Array.isArray(decisions)
      ? decisions
          .map((decision: unknown) => (decision as { finding?: unknown } | null)?.finding)
          .filter(isComparable)
      : [];
  });
  // Nothing to compare, or orders of another shape than this service records.
  if (cpicGiven.length === 0 || !Array.isArray(inputs.orders)) return [];
  const now = cpicFindings({ ...inputs.data, pgx }, inputs.orders, {
    now: new Date(inputs.now),
    preTest: inputs.preTest,
  });
  const nowKeys = new Set(now.map(sameAdviceKey));
  const changes = new Map<string, AdviceChange>();
  for (const f of cpicGiven) {
    if (nowKeys.has(sameAdviceKey(f))) continue;
    const was = adviceText(f);
    const instead = now.filter((n) => n.drug === f.drug).map(adviceText);
    const nowText = instead.length > 0 ? [...new Set(instead)].join('; or ') : 'no CPIC advice';
    changes.set(`${f.drug}|${was}`, {
      drug: f.drug,
      was,
      now: nowText,
      text: `${f.drug}: ${was} → ${nowText}`,
    });
  }
  return [...changes.values()];
}

type AdviceChange = PatientReinterpretation['adviceChanges'][number];

/** What a patient's newest call gives under the knowledge in force, before any follow-up. */
type Reading = Omit<PatientReinterpretation, 'followedUp'>;

/** A patient's newest call as last read, and what it gave (undefined: nothing changed). */
interface ReadCall {
  readonly invocationId: string;
  readonly reading: Reading | undefined;
}

/** Reads a patient's newest recorded call again under the knowledge in force: what changed, or undefined. */
function readAgain(recorded: PatientInputs): Reading | undefined {
  const inputs = assessmentInputs(recorded.inputs);
  if (!inputs) return undefined;
  const called = inputs.data.pgx.map((g) => callAgain(g, inputs.data.sex));
  const changes = called.flatMap(({ change }) => {
    if (!change) return [];
    const reason = changeReason(change);
    return [{ ...change, ...(reason ? { reason } : {}), text: changeText(change, reason) }];
  });
  const advice = adviceChanges(
    inputs,
    called.map((c) => c.result),
    recorded.cardDecisions,
  );
  if (changes.length === 0 && advice.length === 0) return undefined;
  return {
    patient: recorded.patientRef,
    recordedAt: recorded.receivedAt.toISOString(),
    ...(recorded.userId === undefined ? {} : { clinician: recorded.userId }),
    ...(recorded.userName === undefined ? {} : { clinicianName: recorded.userName }),
    ...(recorded.knowledgeVersion === undefined
      ? {}
      : {
          knowledgeVersion: recorded.knowledgeVersion,
          calledUnder: knowledgeWords(recorded.knowledgeVersion),
        }),
    changes,
    adviceChanges: advice,
  };
}

/** A follow-up as the report and the follow-up API give it. */
export function followedUp(f: FollowUp): NonNullable<PatientReinterpretation['followedUp']> {
  return { by: f.by, at: f.at.toISOString(), ...(f.note === undefined ? {} : { note: f.note }) };
}

/** The re-interpretation report of a store (`GET /api/reinterpretations`, `npm run reinterpret`). */
export interface Reinterpreter {
  report(): Promise<ReinterpretationReport>;
}

/**
 * Reads each patient's newest recorded results again under the knowledge in force; each patient listed says whether a
 * pharmacist has followed them up under it.
 *
 * A recorded call never changes and the knowledge in force is fixed for the life of the process, so what a call gives
 * is worked out once: a later report reads and calls again only the patients with a newer call since (10,000 patients
 * took 3.6–6.0 s the first time, `npm run bench reinterpret`; the admin home asks for the list on every load). Follow-ups
 * are read afresh for every report. Reports asked for while one is being read share it.
 */
export function createReinterpreter(store: Pick<Store, 'invocations' | 'followUps'>): Reinterpreter {
  /** Each patient's newest call as last read, by patient. */
  let read = new Map<string, ReadCall>();
  let reading: Promise<{ patientsRead: number; readings: Reading[] }> | undefined;

  async function readAll(): Promise<{ patientsRead: number; readings: Reading[] }> {
    const before = read;
    const now = new Map<string, ReadCall>();
    /** Patients in the order the store gives them: newest call first. */
    const order = new Set<string>();
    // A chart opened after the update (a patient-view call: no order, no advice) does not stand for the advice an
    // earlier order got under the old knowledge: it is passed over, or it would hide that patient from the list.
    const patientsRead = await store.invocations.eachPatientLatestInputs(
      (recorded) => {
        order.add(recorded.patientRef);
        now.set(recorded.patientRef, { invocationId: recorded.invocationId, reading: readAgain(recorded) });
      },
      (patientRef, invocationId) => {
        order.add(patientRef);
        const last = before.get(patientRef);
        if (last?.invocationId !== invocationId) return false;
        now.set(patientRef, last);
        return true;
      },
      KNOWLEDGE_VERSION,
    );
    read = now;
    return { patientsRead, readings: [...order].flatMap((p) => now.get(p)?.reading ?? []) };
  }

  return {
    async report() {
      reading ??= readAll().finally(() => {
        reading = undefined;
      });
      const { patientsRead, readings } = await reading;
      const followUps = await store.followUps.under(KNOWLEDGE_VERSION);
      return {
        knowledgeVersion: KNOWLEDGE_VERSION,
        knowledge: knowledgeWords(KNOWLEDGE_VERSION),
        patientsRead,
        patients: readings.map((r) => {
          const followUp = followUps.get(r.patient);
          return followUp === undefined ? r : { ...r, followedUp: followedUp(followUp) };
        }),
      };
    },
  };
}

/** The report of a store, read once (`npm run reinterpret`). */
export function reinterpretationReport(
  store: Pick<Store, 'invocations' | 'followUps'>,
): Promise<ReinterpretationReport> {
  return createReinterpreter(store).report();
}

/** The report as a pharmacist reads it (`npm run reinterpret`): how many, then one line per patient. */
export function reportText(report: ReinterpretationReport): string {
  if (report.patientsRead === 0) {
    return `${report.knowledge}: no call has recorded a patient's results yet; there is nothing to read again.`;
  }
  const count = report.patients.length;
  const lines = [
    `${report.knowledge}: ${String(count)} of ${String(report.patientsRead)} ${report.patientsRead === 1 ? 'patient' : 'patients'} with recorded results ${count === 1 ? 'has' : 'have'} a result called differently or advice CPIC no longer gives.`,
  ];
  for (const p of report.patients) {
    const under = p.calledUnder === undefined ? '' : `, called under ${p.calledUnder}`;
    const reference = p.clinician === undefined ? '' : ` (${p.clinician})`;
    const who =
      p.clinicianName !== undefined
        ? ` by ${p.clinicianName}${reference}`
        : p.clinician === undefined
          ? ''
          : ` by ${p.clinician}`;
    const done = p.followedUp
      ? `; followed up by ${p.followedUp.by} on ${calendarDate(p.followedUp.at) ?? p.followedUp.at}`
      : '';
    lines.push(
      `- ${p.patient} (newest call ${calendarDate(p.recordedAt) ?? p.recordedAt}${who}${under}): ${[...p.changes, ...p.adviceChanges].map((c) => c.text).join('; ')}${done}`,
    );
  }
  return lines.join('\n');
}

/**
 * The list as a spreadsheet takes it (`GET /api/reinterpretations.csv`): one row per patient. Times are ISO 8601 in
 * UTC, which the column names say (`_utc`), as in the override export.
 */
export const REINTERPRETATION_CSV_HEADER = csvRecord([
  'patient',
  'newest_call_at_utc',
  'clinician',
  'clinician_name',
  'knowledge_version_then',
  'called_under',
  'result_changes',
  'advice_changes',
  'followed_up_by',
  'followed_up_at_utc',
  'follow_up_note',
]);

export function reinterpretationCsv(report: ReinterpretationReport): string {
  return (
    REINTERPRETATION_CSV_HEADER +
    report.patients
      .map((p) =>
        csvRecord([
          p.patient,
          p.recordedAt,
          p.clinician,
          p.clinicianName,
          p.knowledgeVersion,
          p.calledUnder,
          p.changes.map((c) => c.text).join('; '),
          p.adviceChanges.map((c) => c.text).join('; '),
          p.followedUp?.by,
          p.followedUp?.at,
          p.followedUp?.note,
        ]),
      )
      .join('')
  );
}
