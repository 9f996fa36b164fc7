/**
 * Alerts reported wrong for the patient (`/admin/reports`, pharmacists): each alert a clinician rated "Wrong for this
 * patient", newest report first, with the alert as it was shown, who reported it and their comment; the pharmacist
 * checks the result and the advice for that patient and records what they found. Open reports by default; the state
 * shown is in the page URL (`?state=followed-up`, `?state=all`).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { reviewApi } from '../api';
import type { ApiResult, Report, ReportFollowUp, ReportList } from '../api';
import { INDICATOR_LABELS, formatDayTime, sentenceStart } from '../format';
import { Markdown } from '../markdown';
import { useQueryString } from '../query-string';
import { ChoiceFieldset, firstInvalid } from '../choice';
import { focusResult, useFocusAfter } from '../focus';
import { InlineProblem, Loading } from '../refusal';
import { keepTabDraft, readTabDraft, SignInAgain } from './admin';
import { Prescriber } from './overrides';

type Outcome = ReportFollowUp['outcome'];
type State = ReportList['state'];

/** What the pharmacist found, in the words the form and the list use. */
export const OUTCOME_LABELS: Readonly<Record<Outcome, string>> = {
  'result-confirmed': 'Result and advice are right for this patient',
  'result-wrong': 'Result wrong or someone else’s: laboratory told',
  'advice-wrong': 'Advice wrong for this patient: passed to the informaticists',
};

const STATES: readonly { readonly value: State; readonly label: string }[] = [
  { value: 'open', label: 'To follow up' },
  { value: 'followed-up', label: 'Followed up' },
  { value: 'all', label: 'All reports' },
];

const HOOKS: Readonly<Record<string, string>> = {
  'order-sign': 'at order signing',
  'order-select': 'at order entry',
  'patient-view': 'when the chart was opened',
};

function stateOf(search: string): State {
  const state = new URLSearchParams(search).get('state');
  return state === 'followed-up' || state === 'all' ? state : 'open';
}

/** The key of a report's unsaved follow-up among the tab's kept drafts (`readTabDraft`). */
function draftKey(report: Report): string {
  return `report:${report.cardUuid}:${report.rater}`;
}

export function ReportsPage() {
  const [search, navigate] = useQueryString('/admin/reports');
  const state = stateOf(search);
  const [result, setResult] = useState<ApiResult<ReportList>>();
  useEffect(() => {
    setResult(undefined);
    void reviewApi.reports(state).then(setResult);
  }, [state]);
  /** A saved follow-up: the report stays where it is, in its new state, until the list is loaded again. */
  const replace = (saved: Report) => {
    setResult((r) =>
      r?.ok
        ? {
            ok: true,
            value: {
              ...r.value,
              reports: r.value.reports.map((x) =>
                x.cardUuid === saved.cardUuid && x.rater === saved.rater ? saved : x,
              ),
            },
          }
        : r,
    );
  };
  return (
    <main class="wide">
      <p>
        <a href="/admin">All pages</a>
      </p>
      <h1>Alerts reported wrong for the patient</h1>
      <p class="lead">Check each reported alert against the patient’s results, then record what you found.</p>
      <nav aria-label="Reports shown" class="states">
        {STATES.map((s, i) => (
          <span key={s.value}>
            {i > 0 ? ' · ' : ''}
            <a
              href={s.value === 'open' ? '/admin/reports' : `/admin/reports?state=${s.value}`}
              aria-current={s.value === state ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                navigate(new URLSearchParams(s.value === 'open' ? {} : { state: s.value }));
              }}
            >
              {s.label}
            </a>
          </span>
        ))}
      </nav>
      {!result ? (
        <Loading />
      ) : !result.ok ? (
        <Refused status={result.status} message={result.message} />
      ) : (
        <Reports list={result.value} onSaved={replace} />
      )}
    </main>
  );
}

function Refused({ status, message }: { readonly status: number; readonly message: string }) {
  if (status === 401) {
    return (
      <section class="notice" role="alert">
        <h2>Your session has ended</h2>
        <p>
          Sign in again to see the reports. <SignInAgain />
        </p>
      </section>
    );
  }
  if (status === 403) {
    return (
      <InlineProblem
        status={403}
        title="These reports are for pharmacists"
        message="Your account does not hold the pharmacist role: the reports name patients to follow up."
        retry={{ href: '/admin', label: 'Back to the pages' }}
      />
    );
  }
  return <InlineProblem status={status} message={message} />;
}

function countText(list: ReportList): string {
  const n = list.total;
  const reports = n === 1 ? 'report' : 'reports';
  if (n === 0) {
    return list.state === 'open'
      ? 'Nothing to follow up. When a clinician rates an alert “Wrong for this patient”, it is listed here.'
      : list.state === 'followed-up'
        ? 'No report has been followed up yet.'
        : 'No clinician has reported an alert wrong for the patient.';
  }
  const shown = list.reports.length < n ? `, the ${String(list.reports.length)} newest shown` : '';
  return list.state === 'open'
    ? `${String(n)} ${reports} to follow up${shown}, newest first.`
    : list.state === 'followed-up'
      ? `${String(n)} ${reports} followed up${shown}, newest first.`
      : `${String(n)} ${reports}${shown}, newest first.`;
}

function Reports({ list, onSaved }: { readonly list: ReportList; readonly onSaved: (r: Report) => void }) {
  return (
    <>
      <p role="status">{countText(list)}</p>
      {list.reports.map((r) => (
        <ReportItem key={`${r.cardUuid} ${r.rater}`} report={r} onSaved={onSaved} />
      ))}
    </>
  );
}

function ReportItem({ report, onSaved }: { readonly report: Report; readonly onSaved: (r: Report) => void }) {
  // A follow-up saved here: the form gives way to "Followed up", which takes the focus the form's button had.
  const [justSaved, setJustSaved] = useState(false);
  const { card } = report;
  const current = report.state === 'followed-up' ? report.followUps[0] : undefined;
  const earlier = report.state === 'followed-up' ? report.followUps.slice(1) : report.followUps;
  const patient = report.patient?.replace(/^Patient\//, '');
  const what = report.drug ? sentenceStart(report.drug) : card.summary;
  return (
    <section class="report" aria-label={`Report: ${what}${patient ? `, patient ${patient}` : ''}`}>
      <h2>
        {what}
        {patient ? `, patient ${patient}` : ''}
      </h2>
      <div class="review-layout">
        <div>
          <dl>
            <dt>Reported</dt>
            <dd>
              {formatDayTime(report.reportedAt)} by{' '}
              <Prescriber name={report.raterName} reference={report.rater} />
            </dd>
            <dt>Their comment</dt>
            <dd>{report.comment ? <blockquote>{report.comment}</blockquote> : 'None'}</dd>
            <dt>Alert shown</dt>
            <dd>
              {formatDayTime(report.shownAt)} {HOOKS[report.hook] ?? `(${report.hook})`}
              {report.genes.length > 0 ? `; results read: ${report.genes.join(', ')}` : ''}
            </dd>
          </dl>
          <article class={`card card-${card.indicator}`} aria-label="The alert as it was shown">
            <p class="indicator">
              <span class={`badge badge-${card.indicator}`}>{INDICATOR_LABELS[card.indicator]}</span>
            </p>
            <h3 class="summary">{card.summary}</h3>
            {card.detail ? <Markdown text={card.detail} /> : null}
          </article>
        </div>
        <aside class="review-side">
          {current ? (
            <FollowedUp followUp={current} focus={justSaved} />
          ) : (
            <FollowUpForm
              report={report}
              reopened={earlier.length > 0}
              onSaved={(saved) => {
                setJustSaved(true);
                onSaved(saved);
              }}
            />
          )}
          {earlier.length > 0 ? (
            <details>
              <summary>
                Earlier {earlier.length === 1 ? 'follow-up' : `follow-ups (${String(earlier.length)})`}
              </summary>
              <ul class="plain">
                {earlier.map((f) => (
                  <li key={f.at}>
                    <FollowUpText followUp={f} />
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </aside>
      </div>
    </section>
  );
}

function FollowUpText({ followUp }: { readonly followUp: ReportFollowUp }) {
  return (
    <>
      <strong>{OUTCOME_LABELS[followUp.outcome]}</strong> ({followUp.by}, {formatDayTime(followUp.at)})
      {followUp.note ? <p class="note-text">{followUp.note}</p> : null}
    </>
  );
}

function FollowedUp({ followUp, focus }: { readonly followUp: ReportFollowUp; readonly focus: boolean }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) focusResult(heading.current);
  }, [focus]);
  return (
    <div class="followed-up" role="status">
      <h3 ref={heading}>Followed up</h3>
      <FollowUpText followUp={followUp} />
    </div>
  );
}

function FollowUpForm({
  report,
  reopened,
  onSaved,
}: {
  readonly report: Report;
  readonly reopened: boolean;
  readonly onSaved: (r: Report) => void;
}) {
  const [draft] = useState(() => readTabDraft(draftKey(report), OUTCOME_LABELS));
  const [outcome, setOutcome] = useState<Outcome | undefined>(draft.choice);
  const [note, setNote] = useState(draft.note);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<{ readonly text: string }>();
  useEffect(() => {
    keepTabDraft(draftKey(report), { choice: outcome, note });
  }, [report, outcome, note]);
  const noteId = `note-${report.cardUuid}-${report.rater}`;
  const statusLine = useRef<HTMLParagraphElement>(null);
  const focusStatus = useFocusAfter(() => statusLine.current);
  const form = useRef<HTMLFormElement>(null);
  // What is missing, said at its field (SC 3.3.1): the finding, or the note it needs.
  const [fieldError, setFieldError] = useState<{
    readonly field: 'outcome' | 'note';
    readonly text: string;
  }>();
  const focusInvalid = useFocusAfter(() => firstInvalid(form.current));
  const noteNeeded = outcome !== undefined && outcome !== 'result-confirmed';
  const errorId = `${noteId}-error`;
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    // A second press while the follow-up is being saved is ignored (the button stays focusable: `aria-disabled`).
    if (saving) return;
    const trimmed = note.trim();
    if (!outcome) {
      setMessage(undefined);
      setFieldError({ field: 'outcome', text: 'Choose what you found first.' });
      focusInvalid();
      return;
    }
    if (noteNeeded && !trimmed) {
      setMessage(undefined);
      setFieldError({ field: 'note', text: 'Add a note: who was told, and what happens next.' });
      focusInvalid();
      return;
    }
    setFieldError(undefined);
    setSaving(true);
    void reviewApi
      .reportFollowUp(report.cardUuid, {
        rater: report.rater,
        outcome,
        ...(trimmed ? { note: trimmed } : {}),
      })
      .then((r) => {
        setSaving(false);
        if (r.ok) {
          keepTabDraft(draftKey(report), undefined);
          if (r.value.report) {
            onSaved(r.value.report);
            return;
          }
        }
        focusStatus();
        if (r.ok) {
          setMessage({ text: 'Saved. The clinician has changed the answer since: reload the list.' });
        } else if (r.status === 401) {
          // The header says how to sign in again; what was entered is kept for then.
          setMessage({
            text: 'Your session has ended, so the follow-up was not saved. What you entered stays in this tab: sign in again, then save.',
          });
        } else {
          setMessage({ text: r.message });
        }
      });
  };
  return (
    <form class="rating" onSubmit={onSubmit} ref={form} noValidate>
      {reopened ? <p class="note">The clinician answered again after the last follow-up.</p> : null}
      <ChoiceFieldset
        legend="What did you find?"
        name={`outcome-${report.cardUuid}-${report.rater}`}
        labels={OUTCOME_LABELS}
        value={outcome}
        onChange={(o) => {
          setOutcome(o);
          setFieldError(undefined);
        }}
        error={fieldError?.field === 'outcome' ? fieldError.text : undefined}
        errorId={`${errorId}-outcome`}
      />
      <label for={noteId}>Note (who was told, and why; needed unless the result and advice are right)</label>
      {fieldError?.field === 'note' ? (
        <p id={errorId} class="field-error">
          {fieldError.text}
        </p>
      ) : null}
      <textarea
        id={noteId}
        rows={3}
        maxLength={2000}
        value={note}
        aria-required={noteNeeded ? 'true' : undefined}
        aria-invalid={fieldError?.field === 'note' ? 'true' : undefined}
        aria-describedby={fieldError?.field === 'note' ? errorId : undefined}
        onInput={(e) => {
          setNote(e.currentTarget.value);
          if (fieldError?.field === 'note') setFieldError(undefined);
        }}
      />
      <button type="submit" aria-disabled={saving ? 'true' : undefined}>
        Save follow-up
      </button>
      <p ref={statusLine} role="status" class={message ? 'status-error' : ''}>
        {message?.text ?? ''}
      </p>
    </form>
  );
}
