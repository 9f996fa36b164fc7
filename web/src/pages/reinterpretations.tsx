/**
 * Results called differently since a CPIC knowledge update (`/admin/reinterpretations`, pharmacists): each patient
 * whose newest recorded genotypes current CPIC calls differently, with what each result was and is. The next order is
 * already advised under the new call; the advice given before is what the pharmacist follows up.
 */
import { useEffect, useState } from 'preact/hooks';
import { reviewApi } from '../api';
import type { ApiResult, ReinterpretationReport } from '../api';
import { formatDay } from '../format';
import { Loading, Problem } from '../refusal';

export function ReinterpretationsPage() {
  const [report, setReport] = useState<ApiResult<ReinterpretationReport>>();
  useEffect(() => {
    void reviewApi.reinterpretations().then(setReport);
  }, []);
  if (!report) return <Loading />;
  if (!report.ok) return <Problem status={report.status} message={report.message} />;
  const { knowledge, patientsRead, patients } = report.value;
  return (
    <main class="wide">
      <p>
        <a href="/admin">All pages</a>
      </p>
      <h1>Results called differently since a knowledge update</h1>
      <p class="lead" role="status">
        {patients.length === 0
          ? `Under ${knowledge}, no recorded genotype of the ${String(patientsRead)} ${patientsRead === 1 ? 'patient' : 'patients'} read is called differently from their newest call.`
          : `Under ${knowledge}, ${String(patients.length)} of ${String(patientsRead)} patients with recorded results ${patients.length === 1 ? 'has' : 'have'} a result called differently from their newest call. Their next order is advised under the new call; follow up the advice given before.`}
      </p>
      {patients.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Patient</th>
              <th scope="col">Newest call</th>
              <th scope="col">Called under</th>
              <th scope="col">Result: then → now</th>
            </tr>
          </thead>
          <tbody>
            {patients.map((p) => (
              <tr key={p.patient}>
                <td>{p.patient}</td>
                <td>{formatDay(p.recordedAt)}</td>
                <td>{p.calledUnder ?? 'not recorded'}</td>
                <td>
                  <ul class="plain">
                    {p.changes.map((c) => (
                      <li key={c.gene}>{c.text}</li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </main>
  );
}
