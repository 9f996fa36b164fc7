/**
 * The printable patient explanation (`/app/patient/{id}/explain/{drug}` for a demo patient,
 * `/app/launched/explain/{drug}` after an EHR launch): what the result means for this medicine, in
 * plain words built from the CPIC row (`src/dashboard/explanation.ts`). Each paragraph carries the CPIC field it
 * restates (`data-source`); "What should I do?" follows the advice (ask before stopping or changing a medicine, keep and
 * show the page), then the meaning and the other medicines the same result matters for; the footnote says how the
 * page was made. Printing hides the controls (`@media print`).
 */
import { useEffect, useState } from 'preact/hooks';
import { dashboardApi } from '../api';
import type { ApiResult, ClinicianNote, ExplanationSentence, PatientExplanationView } from '../api';
import { Loading, Problem } from '../refusal';
import { LaunchProblem, OtherRows, useSmartLaunch } from './dashboard';

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

/** The box for the prescriber the patient shows the page to: the results and CPIC's recommendation, in CPIC's words. */
function ForClinician({ note }: { readonly note: ClinicianNote }) {
  return (
    <section class="for-clinician" aria-labelledby="clinician-heading">
      <h2 id="clinician-heading">For your doctor or pharmacist</h2>
      <ul>
        {note.results.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
      <p>
        Guideline: {note.guideline} ({note.about}):
      </p>
      <blockquote class="cpic-text">{note.recommendation}</blockquote>
      <OtherRows rows={note.otherRows} ledWith="the one above" />
      {note.reasons.map((r) => (
        <p key={r}>{r}</p>
      ))}
      <p class="muted">{note.knowledge}.</p>
    </section>
  );
}

/** The page of one explanation, once loaded. */
function ExplanationPage({
  result,
  back,
  launched,
}: {
  readonly result: ApiResult<PatientExplanationView> | undefined;
  /** The dashboard the page was opened from. */
  readonly back: string;
  /** After an EHR launch a refusal says what to do about the record; for a demo patient, what the page cannot show. */
  readonly launched: boolean;
}) {
  if (!result) return <Loading />;
  if (!result.ok && result.code === 'DASHBOARD_NO_EXPLANATION') {
    // The patient exists; only this medicine has no page: say why (the service's reason) and lead back.
    return (
      <Problem
        status={result.status}
        title="There is no plain-language page for this medicine"
        message={result.details?.[0] ?? result.message}
        retry={{ href: back, label: 'Back to the dashboard' }}
      />
    );
  }
  if (!result.ok) {
    return launched ? (
      <LaunchProblem status={result.status} message={result.message} />
    ) : (
      <Problem status={result.status} message={result.message} />
    );
  }
  const { patient, explanation } = result.value;
  document.title = explanation.title;
  return (
    <main class="patient-page">
      <p class="no-print">
        <a href={back}>Back to the dashboard</a>{' '}
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
      {/* Right after the advice, set apart: "a different medicine" must not be read as "stop it now". */}
      <section class="what-to-do" aria-labelledby="what-to-do-heading">
        <h2 id="what-to-do-heading">What should I do?</h2>
        {explanation.whatToDo.map((text) => (
          <p key={text}>{text}</p>
        ))}
      </section>
      <section aria-labelledby="meaning-heading">
        <h2 id="meaning-heading">What your result means</h2>
        <Sentences sentences={explanation.meaning} />
      </section>
      {explanation.otherMedicines && (
        <section aria-labelledby="other-medicines-heading">
          <h2 id="other-medicines-heading">Other medicines your result matters for</h2>
          <ul class="other-medicines">
            {explanation.otherMedicines.map((o) => (
              <li key={o.advice}>
                <strong>{o.drugs.join(', ')}</strong>: {o.advice}
              </li>
            ))}
          </ul>
        </section>
      )}
      {explanation.forClinician && <ForClinician note={explanation.forClinician} />}
      <footer class="footnote">
        <p>{explanation.footnote}</p>
      </footer>
    </main>
  );
}

/** A demo patient's page (`/app/patient/{id}/explain/{drug}`). */
export function PatientExplanationPage({ id, drug }: { readonly id: string; readonly drug: string }) {
  const [view, setView] = useState<ApiResult<PatientExplanationView>>();
  useEffect(() => {
    void dashboardApi.explanation(id, drug).then(setView);
  }, [id, drug]);
  return <ExplanationPage result={view} back={`/app?patient=${encodeURIComponent(id)}`} launched={false} />;
}

/**
 * The launched patient's page (`/app/launched/explain/{drug}`): the launch fhirclient keeps in this tab's session
 * storage, and the record read again by the service with its token.
 */
export function LaunchedExplanationPage({ drug }: { readonly drug: string }) {
  const launch = useSmartLaunch();
  const [view, setView] = useState<ApiResult<PatientExplanationView>>();
  useEffect(() => {
    if (launch?.kind === 'launched') {
      void dashboardApi.launchedExplanation(launch.launch, launch.accessToken, drug).then(setView);
    } else if (launch?.kind === 'demo') {
      void dashboardApi.explanation(launch.patient, drug).then(setView);
    } else if (launch?.kind === 'failed') {
      setView({
        ok: false,
        status: 401,
        message:
          'The launch from the record has ended. Open the dashboard again from the record, then this page from it.',
      });
    }
  }, [launch, drug]);
  return <ExplanationPage result={view} back="/app/launched" launched />;
}
