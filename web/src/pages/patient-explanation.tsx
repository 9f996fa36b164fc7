/**
 * The printable patient explanation (`/app/patient/{id}/explain/{drug}`): what the result means for this medicine, in
 * plain words built from the CPIC row (`src/dashboard/explanation.ts`). Each paragraph carries the CPIC field it
 * restates (`data-source`); the footnote says how the page was made. Printing hides the controls (`@media print`).
 */
import { useEffect, useState } from 'preact/hooks';
import { dashboardApi } from '../api';
import type { ApiResult, ExplanationSentence, PatientExplanationView } from '../api';
import { Loading, Problem } from '../refusal';

function Sentences({ sentences }: { readonly sentences: readonly ExplanationSentence[] }) {
  return (
    <>
      {sentences.map((s) => (
        <p key={s.text} data-source={s.source}>
          {s.text}
        </p>
      ))}
    </>
  );
}

export function PatientExplanationPage({ id, drug }: { readonly id: string; readonly drug: string }) {
  const [view, setView] = useState<ApiResult<PatientExplanationView>>();
  useEffect(() => {
    void dashboardApi.explanation(id, drug).then(setView);
  }, [id, drug]);
  if (!view) return <Loading />;
  if (!view.ok) return <Problem status={view.status} message={view.message} />;
  const { patient, explanation } = view.value;
  document.title = explanation.title;
  return (
    <main class="patient-page">
      <p class="no-print">
        <a href={`/app?patient=${encodeURIComponent(patient.id)}`}>Back to the dashboard</a>{' '}
        <button
          type="button"
          onClick={() => {
            window.print();
          }}
        >
          Print this page
        </button>
      </p>
      <p class="for">For {patient.name}</p>
      <h1>{explanation.title}</h1>
      <section aria-labelledby="advice-heading">
        <h2 id="advice-heading">What this means for your medicine</h2>
        <Sentences sentences={explanation.advice} />
      </section>
      <section aria-labelledby="meaning-heading">
        <h2 id="meaning-heading">What your result means</h2>
        <Sentences sentences={explanation.meaning} />
      </section>
      <footer class="footnote">
        <p>{explanation.footnote}</p>
      </footer>
    </main>
  );
}
