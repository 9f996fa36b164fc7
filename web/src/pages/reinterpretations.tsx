/**
 * Results and advice changed by a CPIC knowledge update (`/admin/reinterpretations`, pharmacists): each patient whose
 * newest recorded genotypes current CPIC calls differently, or whose newest call's cards gave advice CPIC no longer
 * gives, with what each was and is. The next order is already advised under the new knowledge; the advice given
 * before is what the pharmacist follows up, and marks so here.
 */
import { useEffect, useState } from 'preact/hooks';
import { reviewApi } from '../api';
import type { ApiResult, ReinterpretationReport } from '../api';
import { formatDay, formatDayTime, sentenceStart } from '../format';
import { Loading, Problem } from '../refusal';
import { Prescriber } from './overrides';

type Listed = ReinterpretationReport['patients'][number];

/** Who followed the patient up, or a form to say it was done, with an optional note. */
function FollowUp({ listed, onSaved }: { readonly listed: Listed; readonly onSaved: () => void }) {
  const [note, setNote] = useState('');
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string>();
  const done = listed.followedUp;
  if (done) {
    return (
      <p>
        Followed up by {done.by}, {formatDayTime(done.at)}
        {done.note ? `: ${done.note}` : ''}
      </p>
    );
  }
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    setSaving(true);
    const trimmed = note.trim();
    void reviewApi.followUp({ patient: listed.patient, ...(trimmed ? { note: trimmed } : {}) }).then((r) => {
      setSaving(false);
      if (r.ok) onSaved();
      else setProblem(r.message);
    });
  };
  return (
    <form class="follow-up" onSubmit={onSubmit} aria-label={`Follow-up of ${listed.patient}`}>
      <label>
        Note (optional)
        <input
          type="text"
          value={note}
          maxLength={2000}
          onInput={(e) => {
            setNote(e.currentTarget.value);
          }}
        />
      </label>
      <button type="submit" disabled={saving}>
        Mark followed up
      </button>
      {problem ? <p role="alert">{problem}</p> : null}
    </form>
  );
}

export function ReinterpretationsPage() {
  const [report, setReport] = useState<ApiResult<ReinterpretationReport>>();
  const load = () => {
    void reviewApi.reinterpretations().then(setReport);
  };
  useEffect(load, []);
  if (!report) return <Loading />;
  if (!report.ok) {
    // The list names patients: pharmacists only (an informaticist opens the pages too).
    return report.status === 403 ? (
      <Problem
        status={403}
        title="This list is for pharmacists"
        message="Your account does not hold the pharmacist role: the list names patients to follow up."
        retry={{ href: '/admin', label: 'Back to the pages' }}
      />
    ) : (
      <Problem status={report.status} message={report.message} />
    );
  }
  const { knowledge, patientsRead, patients } = report.value;
  const open = patients.filter((p) => !p.followedUp).length;
  return (
    <main class="wide">
      <p>
        <a href="/admin">All pages</a>
      </p>
      <h1>Results and advice changed by a knowledge update</h1>
      <p class="lead" role="status">
        {patientsRead === 0
          ? `No call has recorded a patient's results yet: there is nothing to read again under ${knowledge}.`
          : patients.length === 0
            ? `Under ${knowledge}, the newest calls of the ${String(patientsRead)} ${patientsRead === 1 ? 'patient' : 'patients'} read have no result called differently and no advice CPIC no longer gives.`
            : `Under ${knowledge}, ${String(patients.length)} of ${String(patientsRead)} patients with recorded results ${patients.length === 1 ? 'has' : 'have'}, in their newest call, a result called differently or advice CPIC no longer gives; ${String(open)} to follow up.`}
      </p>
      {patients.length > 0 ? (
        <>
          <p>
            A listed patient’s next order is already advised under the new knowledge; what to follow up is the
            advice given before it.
          </p>
          <p>
            <a class="button-link" href={reviewApi.reinterpretationsCsvUrl} download>
              Export CSV
            </a>{' '}
            <span class="note">every listed patient, with who followed them up</span>
          </p>
        </>
      ) : null}
      {patients.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Patient</th>
              <th scope="col">Newest call, by</th>
              <th scope="col">Called under</th>
              <th scope="col">Result: then → now</th>
              <th scope="col">Advice given: then → now</th>
              <th scope="col">Follow-up</th>
            </tr>
          </thead>
          <tbody>
            {patients.map((p) => (
              <tr key={p.patient}>
                <td>{p.patient}</td>
                <td>
                  {formatDay(p.recordedAt)}
                  {p.clinician !== undefined || p.clinicianName !== undefined ? (
                    <div>
                      <Prescriber name={p.clinicianName} reference={p.clinician} />
                    </div>
                  ) : null}
                </td>
                <td>{p.calledUnder ?? 'not recorded'}</td>
                <td>
                  {p.changes.length === 0 ? (
                    'Called as then'
                  ) : (
                    <ul class="plain">
                      {p.changes.map((c) => (
                        <li key={c.gene}>{c.text}</li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>
                  {p.adviceChanges.length === 0 ? (
                    'No card’s advice changed'
                  ) : (
                    <ul class="plain">
                      {p.adviceChanges.map((c) => (
                        <li key={`${c.drug} ${c.was}`}>
                          <strong>{sentenceStart(c.drug)}</strong>
                          <br />
                          Then: {c.was}
                          <br />
                          Now: {c.now}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>
                  <FollowUp listed={p} onSaved={load} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </main>
  );
}
