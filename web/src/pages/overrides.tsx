/**
 * Override review (`/admin/overrides`, role pharmacist): overridden alerts newest first, filtered and paged through
 * the page's own URL (so a filtered list can be bookmarked, shared and reloaded), with an export of the filtered list
 * as CSV; and one override (`/admin/overrides/{cardUuid}`): the alert as shown, the genotype and wearable evidence,
 * the clinician's reason and comment, the review history, and the pharmacist's review.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { reviewApi } from '../api';
import type {
  ApiResult,
  OverrideDetail,
  OverrideList,
  OverrideListItem,
  Review,
  ReviewResponse,
  ReviewStatus,
} from '../api';
import { GeneResultsTable, SensorDataTable } from '../evidence';
import { INDICATOR_LABELS, formatDayTime, sentenceStart } from '../format';
import { Markdown } from '../markdown';
import { useQueryString } from '../query-string';
import { ChoiceFieldset, firstInvalid } from '../choice';
import { useFocusAfter } from '../focus';
import { useTitle } from '../title';
import { Loading, Problem } from '../refusal';
import { keepTabDraft, readTabDraft, SignInAgain } from './admin';

/** The list's filters, in the order the form shows them; the same names as the API's query parameters. */
const FILTERS = ['from', 'to', 'drug', 'gene', 'indicator', 'reason', 'clinician', 'reviewed'] as const;
type FilterName = (typeof FILTERS)[number];
/** Query parameters the list passes on to the API: the filters and the page. */
const LIST_PARAMS: readonly string[] = [...FILTERS, 'page', 'pageSize'];

export const REVIEW_LABELS: Readonly<Record<ReviewStatus, string>> = {
  appropriate: 'Appropriate',
  'not-appropriate': 'Not appropriate',
  'follow-up': 'Follow-up needed',
};

/** An API refusal in words: the review pages need the pharmacist role (an informaticist sees the figures only). */
function Refused({ status, message }: { readonly status: number; readonly message: string }) {
  if (status === 401) {
    return (
      <section class="notice" role="alert">
        <h2>Your session has ended</h2>
        <p>
          Sign in again to see this page. <SignInAgain />
        </p>
      </section>
    );
  }
  if (status !== 403) return <Problem status={status} message={message} />;
  return (
    <Problem
      status={status}
      title="Override review is for pharmacists"
      message="Your account does not hold the pharmacist role. The alert governance figures are open to you."
      retry={{ href: '/admin/kpis', label: 'Open the alert governance figures' }}
    />
  );
}

/** The list's parameters from the page URL, unknown ones dropped (the API refuses them). */
function listParams(search: string): URLSearchParams {
  const from = new URLSearchParams(search);
  const params = new URLSearchParams();
  for (const name of LIST_PARAMS) {
    const value = from.get(name)?.trim();
    if (value) params.set(name, value);
  }
  return params;
}

export function OverridesList() {
  const [search, navigate] = useQueryString('/admin/overrides');
  const [result, setResult] = useState<ApiResult<OverrideList> | undefined>(undefined);
  // The reason filter's choices, from the first list that arrives; kept while another page loads.
  const [reasons, setReasons] = useState<OverrideList['reasons']>([]);
  const params = listParams(search);
  const key = params.toString();
  const main = useRef<HTMLElement>(null);
  // After "Apply filters" or a page button, focus goes to the new list's caption (or what says why there is none),
  // once that list has arrived: `asked` marks the request, the answer owes the focus.
  const asked = useRef(false);
  const focusList = useFocusAfter(() =>
    main.current?.querySelector(
      '[aria-invalid="true"], [role=alert], table.overrides caption, p.list-status',
    ),
  );

  useEffect(() => {
    setResult(undefined);
    // An answer for filters no longer in the URL (an earlier, slower request) is not shown over the current one.
    let current = true;
    void reviewApi.overrides(new URLSearchParams(key)).then((r) => {
      if (!current) return;
      if (asked.current) {
        asked.current = false;
        focusList();
      }
      setResult(r);
      if (r.ok) setReasons(r.value.reasons);
      // Filters the service refused give no list, and so no reasons: the reason filter takes them from the whole list.
      else if (r.status === 400) {
        void reviewApi.overrides(new URLSearchParams({ pageSize: '1' })).then((all) => {
          if (current && all.ok) setReasons(all.value.reasons);
        });
      }
    });
    return () => {
      current = false;
    };
  }, [key]);

  const filtersOnly = new URLSearchParams(params);
  filtersOnly.delete('page');
  filtersOnly.delete('pageSize');

  // Not a pharmacist: the refusal alone, not a form that cannot be used.
  if (result && !result.ok && result.status === 403) {
    return <Refused status={result.status} message={result.message} />;
  }
  return (
    <main class="wide" ref={main}>
      <h1>Override review</h1>
      <p class="lead">Alerts that prescribers overrode, newest first. Open one to review it.</p>
      <FilterForm
        invalid={refusedFields(result)}
        params={params}
        reasons={reasons}
        onApply={(filters) => {
          const pageSize = params.get('pageSize');
          if (pageSize) filters.set('pageSize', pageSize);
          asked.current = true;
          navigate(filters);
        }}
      />
      {result && !result.ok && result.status === 400 ? (
        <FiltersRefused details={result.details ?? [result.message]} />
      ) : (
        <p>
          <a class="button-link" href={reviewApi.overridesCsvUrl(filtersOnly)} download>
            Export CSV
          </a>{' '}
          <span class="note">every override that matches the filters, not only this page</span>
        </p>
      )}
      {!result ? (
        <Loading />
      ) : !result.ok ? (
        result.status === 400 ? null : (
          <Refused status={result.status} message={result.message} />
        )
      ) : (
        <OverridesTable
          value={result.value}
          filtered={filtersOnly.size > 0}
          listSearch={key ? `?${key}` : ''}
          onPage={(n) => {
            const next = new URLSearchParams(params);
            next.set('page', String(n));
            asked.current = true;
            navigate(next);
          }}
        />
      )}
    </main>
  );
}

/** The filters' names as the form labels them, for the service's reasons. */
const FILTER_LABELS: Readonly<Record<string, string>> = {
  from: 'Overridden from',
  to: 'to (inclusive)',
  drug: 'Drug',
  gene: 'Gene',
  indicator: 'Indicator',
  reason: 'Reason',
  clinician: 'Prescriber',
  reviewed: 'Review',
  page: 'Page',
  pageSize: 'Page size',
};

/**
 * A reason the service gave for refusing the filters (`field: message`, e.g. "to: must be after from") in the form's
 * words: "“to (inclusive)” must be after “Overridden from”."
 */
export function filterReason(diagnostic: string): string {
  const named = (name: string) => {
    const label = FILTER_LABELS[name];
    return label === undefined ? name : `“${label}”`;
  };
  const match = /^([A-Za-z]+): (.*)$/.exec(diagnostic);
  const text = match
    ? `${named(match[1] ?? '')} ${(match[2] ?? '').replace(/\b(from|to)$/, (w) => named(w))}`
    : diagnostic;
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** The service refused the filters: why, next to them, in the form's words (no export of filters it refuses). */
function FiltersRefused({ details }: { readonly details: readonly string[] }) {
  return (
    <div class="notice" role="alert" id="filters-refused">
      <p>
        <strong>These filters cannot be applied.</strong> Change them and apply again:
      </p>
      <ul>
        {details.map((d) => (
          <li key={d}>{filterReason(d)}</li>
        ))}
      </ul>
    </div>
  );
}

/** The filters the service refused (named by its `field: message` reasons): marked invalid in the form. */
function refusedFields(result: ApiResult<OverrideList> | undefined): ReadonlySet<string> {
  if (!result || result.ok || result.status !== 400) return new Set();
  const names = (result.details ?? [result.message]).map((d) => /^([A-Za-z]+): /.exec(d)?.[1]);
  return new Set(names.filter((n): n is string => n !== undefined));
}

function FilterForm({
  invalid,
  params,
  reasons,
  onApply,
}: {
  /** Filters the service refused: `aria-invalid`, described by the reasons next to the form (SC 3.3.1). */
  readonly invalid: ReadonlySet<string>;
  readonly params: URLSearchParams;
  readonly reasons: OverrideList['reasons'];
  readonly onApply: (filters: URLSearchParams) => void;
}) {
  // The form's own state, started from the URL: the page re-renders when the list and its reasons arrive, and an input
  // whose value came from the URL alone would be set back, losing what was typed meanwhile.
  const fromUrl = () =>
    Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? ''])) as Record<FilterName, string>;
  const [fields, setFields] = useState<Readonly<Record<FilterName, string>>>(fromUrl);
  // The URL changed (filters applied, Back): the fields follow it. The form stays mounted, so the button that was
  // pressed keeps its place in the page rather than being replaced (which dropped the focus to the page's start).
  const urlKey = params.toString();
  useEffect(() => {
    setFields(fromUrl());
  }, [urlKey]);
  const value = (name: FilterName) => fields[name];
  const mark = (name: FilterName) =>
    invalid.has(name) ? { 'aria-invalid': 'true' as const, 'aria-describedby': 'filters-refused' } : {};
  const edit = (name: FilterName) => (e: { readonly currentTarget: { readonly value: string } }) => {
    const next = e.currentTarget.value;
    setFields((current) => ({ ...current, [name]: next }));
  };
  // A code the list does not offer (another system's, from an EHR's own reasons, or typed into the URL) stays chosen.
  const reason = value('reason');
  const reasonOptions =
    reason === '' || reasons.some((r) => r.code === reason)
      ? reasons
      : [...reasons, { code: reason, display: `Code "${reason}"` }];
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const filters = new URLSearchParams();
    for (const name of FILTERS) {
      const v = data.get(name);
      if (typeof v === 'string' && v.trim() !== '') filters.set(name, v.trim());
    }
    onApply(filters);
  };
  return (
    <form class="filters" onSubmit={onSubmit} aria-label="Filters">
      <div class="field">
        <label for="f-from">Overridden from</label>
        <input
          id="f-from"
          {...mark('from')}
          name="from"
          type="date"
          value={value('from')}
          onInput={edit('from')}
        />
      </div>
      <div class="field">
        <label for="f-to">to (inclusive)</label>
        <input id="f-to" {...mark('to')} name="to" type="date" value={value('to')} onInput={edit('to')} />
      </div>
      <div class="field">
        <label for="f-drug">Drug</label>
        <input
          id="f-drug"
          {...mark('drug')}
          name="drug"
          type="text"
          value={value('drug')}
          onInput={edit('drug')}
        />
      </div>
      <div class="field">
        <label for="f-gene">Gene</label>
        <input
          id="f-gene"
          {...mark('gene')}
          name="gene"
          type="text"
          value={value('gene')}
          placeholder="CYP2C19"
          onInput={edit('gene')}
        />
      </div>
      <div class="field">
        <label for="f-indicator">Indicator</label>
        <select
          id="f-indicator"
          {...mark('indicator')}
          name="indicator"
          value={value('indicator')}
          onChange={edit('indicator')}
        >
          <option value="">Any</option>
          <option value="critical">Critical</option>
          <option value="warning">Warning</option>
          <option value="info">Information</option>
        </select>
      </div>
      <div class="field">
        <label for="f-reason">Reason</label>
        <select id="f-reason" {...mark('reason')} name="reason" value={reason} onChange={edit('reason')}>
          <option value="">Any</option>
          {reasonOptions.map((r) => (
            <option key={r.code} value={r.code}>
              {r.display}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-clinician">Prescriber (name or reference)</label>
        <input
          id="f-clinician"
          {...mark('clinician')}
          name="clinician"
          type="text"
          value={value('clinician')}
          onInput={edit('clinician')}
        />
      </div>
      <div class="field">
        <label for="f-reviewed">Review</label>
        <select
          id="f-reviewed"
          {...mark('reviewed')}
          name="reviewed"
          value={value('reviewed')}
          onChange={edit('reviewed')}
        >
          <option value="">Any</option>
          <option value="false">Not reviewed</option>
          <option value="true">Reviewed</option>
          <option value="follow-up">Follow-up needed</option>
          <option value="differ">Judgements differ</option>
        </select>
      </div>
      <div class="field actions">
        <button type="submit">Apply filters</button>
        <a href="/admin/overrides">Clear</a>
      </div>
    </form>
  );
}

/**
 * "Judgements differ: 1 appropriate, 1 not appropriate" when the pharmacists' current judgements (each one's latest)
 * disagree; undefined when they do not.
 */
export function differText(judgements: readonly Review[]): string {
  const count = (status: ReviewStatus) => judgements.filter((j) => j.status === status).length;
  return `Judgements differ: ${String(count('appropriate'))} appropriate, ${String(count('not-appropriate'))} not appropriate`;
}

/** The list's review cell: the current review, or that the pharmacists' judgements differ. */
function reviewText(item: OverrideListItem): string {
  const { review } = item;
  if (!review) return 'Not reviewed';
  if (review.status !== 'follow-up' && item.judgementsDiffer) return differText(item.judgements);
  return REVIEW_LABELS[review.status];
}

function OverridesTable({
  value,
  filtered,
  listSearch,
  onPage,
}: {
  readonly value: OverrideList;
  /** Whether any filter narrows the list (else an empty list means no override has arrived yet). */
  readonly filtered: boolean;
  readonly listSearch: string;
  readonly onPage: (n: number) => void;
}) {
  const { items, total, page, pageSize } = value;
  if (total === 0) {
    return (
      <p role="status" class="list-status">
        {filtered
          ? 'No overridden alerts match these filters.'
          : 'No alert has been overridden yet. An override arrives when a prescriber dismisses an alert with a reason and the EHR sends that feedback to the service.'}
      </p>
    );
  }
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (items.length === 0) {
    return (
      <p role="status" class="list-status">
        There is no page {page}: the list has {pages}.{' '}
        <button
          type="button"
          class="secondary"
          onClick={() => {
            onPage(1);
          }}
        >
          First page
        </button>
      </p>
    );
  }
  const first = (page - 1) * pageSize + 1;
  const last = first + items.length - 1;
  const back = listSearch ? `?list=${encodeURIComponent(listSearch)}` : '';
  return (
    <>
      <table class="overrides">
        <caption class="lead">
          Overridden alerts {first}–{last} of {total}, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Overridden</th>
            <th scope="col">Alert</th>
            <th scope="col">Drug</th>
            <th scope="col">Genes</th>
            <th scope="col">Reason</th>
            <th scope="col">Wearable data since</th>
            <th scope="col">Prescriber</th>
            <th scope="col">Review</th>
          </tr>
        </thead>
        <tbody>
          {items.map((o) => (
            <tr key={o.cardUuid}>
              <td>{formatDayTime(o.overriddenAt)}</td>
              <td>
                <span class={`badge badge-${o.indicator}`}>{INDICATOR_LABELS[o.indicator]}</span>{' '}
                <a href={`/admin/overrides/${encodeURIComponent(o.cardUuid)}${back}`}>{o.summary}</a>
              </td>
              <td>{o.drug ?? ''}</td>
              <td>{o.genes.join(', ')}</td>
              <td>{o.reason?.display ?? o.reason?.code ?? 'None given'}</td>
              <td>{o.sinceAlert ? laterDataText(o.sinceAlert) : ''}</td>
              <td>
                <Prescriber name={o.clinicianName} reference={o.clinician} />
              </td>
              <td>{reviewText(o)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav class="pager" aria-label="Pages of overrides">
        <button
          type="button"
          class="secondary"
          disabled={page <= 1}
          onClick={() => {
            onPage(page - 1);
          }}
        >
          Newer
        </button>
        <span>
          Page {page} of {pages}
        </span>
        <button
          type="button"
          class="secondary"
          disabled={page >= pages}
          onClick={() => {
            onPage(page + 1);
          }}
        >
          Older
        </button>
      </nav>
    </>
  );
}

/** The list URL to go back to: the one the detail was opened from (its filters and page), else the whole list. */
function backToList(): string {
  const list = new URLSearchParams(window.location.search).get('list') ?? '';
  return `/admin/overrides${list.startsWith('?') ? `?${listParams(list).toString()}` : ''}`;
}

/** `reviewer`: the signed-in pharmacist, as reviews name them. */
export function OverrideView({
  cardUuid,
  reviewer,
}: {
  readonly cardUuid: string;
  readonly reviewer: string;
}) {
  const [result, setResult] = useState<ApiResult<OverrideDetail> | undefined>(undefined);
  const [reviews, setReviews] = useState<Reviews | undefined>(undefined);
  useEffect(() => {
    void reviewApi.override(cardUuid).then((r) => {
      setResult(r);
      if (r.ok) setReviews(r.value);
    });
  }, [cardUuid]);
  // The drug (else the alert's summary) in the title: "Codeine – Overridden alert" (SC 2.4.2).
  const named = result?.ok ? (result.value.card.drug ?? result.value.card.summary) : undefined;
  useTitle(named ? sentenceStart(named) : undefined);

  return (
    <main class="wide">
      <p>
        <a href={backToList()}>Back to the override list</a>
      </p>
      <h1>Overridden alert</h1>
      {!result ? (
        <Loading />
      ) : !result.ok ? (
        <Refused status={result.status} message={result.message} />
      ) : (
        <OverrideDetails
          detail={result.value}
          reviews={reviews ?? result.value}
          reviewer={reviewer}
          onReviewed={(answer) => {
            setReviews(answer);
          }}
        />
      )}
    </main>
  );
}

/** The prescriber by name, with the EHR's reference under it to tell namesakes apart; the reference alone without a name. */
/** A clinician by name with their reference beneath, or the reference alone. */
export function Prescriber({
  name,
  reference,
}: {
  readonly name: string | undefined;
  readonly reference: string | undefined;
}) {
  if (name === undefined) return <>{reference ?? 'Not recorded'}</>;
  return (
    <>
      {name}
      {reference ? <div class="note">{reference}</div> : null}
    </>
  );
}

/** A card's reviews as the detail and a saved review give them. */
type Reviews = Pick<ReviewResponse, 'history' | 'judgements' | 'judgementsDiffer'>;

function OverrideDetails({
  detail,
  reviews,
  reviewer,
  onReviewed,
}: {
  readonly detail: OverrideDetail;
  readonly reviews: Reviews;
  readonly reviewer: string;
  readonly onReviewed: (answer: ReviewResponse) => void;
}) {
  const { card } = detail;
  return (
    <div class="review-layout">
      <div>
        <p class="lead">
          Shown {formatDayTime(card.shownAt)} at{' '}
          {card.hook === 'order-sign' ? 'order signing' : 'order entry'}
          {detail.clinicianName
            ? ` to ${detail.clinicianName}${detail.clinician ? ` (${detail.clinician})` : ''}`
            : detail.clinician
              ? ` to ${detail.clinician}`
              : ''}
          {detail.patient ? `, patient ${detail.patient.replace(/^Patient\//, '')}` : ''}.
        </p>
        <article class={`card card-${card.indicator}`} aria-label="The alert as it was shown">
          <p class="indicator">
            <span class={`badge badge-${card.indicator}`}>{INDICATOR_LABELS[card.indicator]}</span>
          </p>
          <h2 class="summary">{card.summary}</h2>
          {card.detail ? <Markdown text={card.detail} /> : null}
        </article>

        {detail.ordered ? (
          <>
            <h2>What was ordered</h2>
            {detail.ordered.map((o) => (
              <dl key={`${o.product ?? ''}|${o.dosage ?? ''}`}>
                <dt>Medicine</dt>
                <dd>{o.product ?? 'Not named in words by the EHR'}</dd>
                <dt>Dosage</dt>
                <dd>{o.dosage ?? 'None given'}</dd>
              </dl>
            ))}
          </>
        ) : null}

        <h2>The override</h2>
        {detail.overrides.map((o) => (
          <dl key={o.receivedAt}>
            <dt>Received</dt>
            <dd>{formatDayTime(o.receivedAt)}</dd>
            <dt>Reason</dt>
            <dd>{o.reason?.display ?? o.reason?.code ?? 'None given'}</dd>
            <dt>Comment</dt>
            <dd>{o.comment ?? 'None'}</dd>
          </dl>
        ))}

        <Evidence detail={detail} cardShown={card.detail !== undefined} />
      </div>
      <aside class="review-side">
        <ReviewForm cardUuid={card.uuid} onReviewed={onReviewed} />
        <h2>Review history</h2>
        <History reviews={reviews} reviewer={reviewer} />
      </aside>
    </div>
  );
}

/**
 * The reviews, newest first. Until the signed-in pharmacist has reviewed the override, other pharmacists' reviews are
 * folded away (a click opens them): a second judgement made without seeing the first is what reviewer agreement (the
 * governance figures' κ) measures.
 */
function History({ reviews, reviewer }: { readonly reviews: Reviews; readonly reviewer: string }) {
  const { history, judgements } = reviews;
  if (history.length === 0) return <p>Not reviewed yet.</p>;
  const differ = reviews.judgementsDiffer && history[0]?.status !== 'follow-up';
  const list = (
    <>
      {differ ? (
        <div class="differ">
          <p>
            <strong>{differText(judgements)}.</strong> Not settled until the pharmacists agree: each one’s
            latest judgement counts.
          </p>
          <ul aria-label="Current judgements">
            {judgements.map((j) => (
              <li key={j.reviewer}>
                {REVIEW_LABELS[j.status]}: {j.reviewer}, {formatDayTime(j.reviewedAt)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <ol class="history" aria-label="Review history, newest first">
        {history.map((r) => (
          <li key={r.reviewedAt}>
            <strong>{REVIEW_LABELS[r.status]}</strong>, {formatDayTime(r.reviewedAt)} by {r.reviewer}
            {r.note ? <p class="note-text">{r.note}</p> : null}
          </li>
        ))}
      </ol>
    </>
  );
  if (history.some((r) => r.reviewer === reviewer)) return list;
  return (
    <details>
      <summary>
        {history.length} {history.length === 1 ? 'review' : 'reviews'} by other pharmacists: judge first, then
        open, so that your judgement is your own
      </summary>
      {list}
    </details>
  );
}

/**
 * What the alert read: genotype and wearable data, and, for an alert recorded before its text was kept, the decision
 * behind it (when the alert's own text is shown above, that text already says why, and is not said twice).
 */
function Evidence({ detail, cardShown }: { readonly detail: OverrideDetail; readonly cardShown: boolean }) {
  if (detail.evidenceFrom === 'none') {
    return (
      <>
        <h2>Evidence</h2>
        <p>The evidence behind this alert was not recorded.</p>
      </>
    );
  }
  return (
    <>
      <h2>Genotype and phenotype</h2>
      {detail.genes.length === 0 ? (
        <p>No pharmacogenomic result was read.</p>
      ) : (
        <GeneResultsTable genes={detail.genes} />
      )}
      <h2>Wearable data</h2>
      {detail.sensors.length === 0 ? (
        <p>No wearable data was read for this alert.</p>
      ) : (
        <SensorDataTable data={detail.sensors} />
      )}
      {detail.sinceAlert ? <SinceAlert since={detail.sinceAlert} /> : null}
      {(cardShown ? [] : detail.decisions).map((d) => (
        <section class="decision" key={d.drug}>
          <h2>Why the alert advised this for {d.drug}</h2>
          {d.recommendation && !d.explanation.some((line) => line.includes(d.recommendation ?? '')) ? (
            <p>{d.recommendation}</p>
          ) : null}
          {d.guideline || d.strength ? (
            <p class="note">
              {d.guideline ?? ''}
              {d.guideline && d.strength ? ', ' : ''}
              {d.strength ? `${d.strength} recommendation` : ''}
            </p>
          ) : null}
          <ol>
            {[...d.explanation, ...d.sensorNotes].map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ol>
        </section>
      ))}
    </>
  );
}

/**
 * The list's "wearable data since" cell: whether the patient's later calls brought readings newer than the alert's
 * (whether the monitoring a "will monitor" override promised shows in the data).
 */
function laterDataText(since: NonNullable<OverrideListItem['sinceAlert']>): string {
  if (since.calls === 0) return 'No later call';
  if (since.newReadings === 0) return 'No new readings';
  return since.newReadings === 1 ? '1 new reading' : `${since.newReadings} new readings`;
}

/**
 * The alert's measures as the patient's later calls read them, when newer than the readings behind the alert: whether
 * the monitoring an override promised ("will monitor") shows in the data, and what the readings did after the alert.
 */
function SinceAlert({ since }: { readonly since: NonNullable<OverrideDetail['sinceAlert']> }) {
  const measures = since.measures.join(' and ');
  const calls =
    since.calls === 1
      ? 'the later call'
      : `the ${since.more ? `${since.calls} newest` : since.calls} later calls`;
  return (
    <section aria-labelledby="since-heading">
      <h2 id="since-heading">Wearable data since the alert</h2>
      {since.calls === 0 ? (
        <p>No later call for this patient has reached the service, so no later {measures} is known.</p>
      ) : since.sensors.length === 0 ? (
        <p>
          No {measures} taken since the alert in {calls} for this patient.
        </p>
      ) : (
        <>
          <p>
            Readings taken since the alert, from {calls} for this patient
            {since.sensors.length > 1 ? ', newest first' : ''}:
          </p>
          <SensorDataTable data={since.sensors} />
        </>
      )}
    </section>
  );
}

function ReviewForm({
  cardUuid,
  onReviewed,
}: {
  readonly cardUuid: string;
  readonly onReviewed: (answer: ReviewResponse) => void;
}) {
  const [draft] = useState(() => readTabDraft(cardUuid, REVIEW_LABELS));
  const [status, setStatus] = useState<ReviewStatus | undefined>(draft.choice);
  const [note, setNote] = useState(draft.note);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<
    { readonly ok: boolean; readonly text: string; readonly signIn?: boolean } | undefined
  >(undefined);
  const statusLine = useRef<HTMLParagraphElement>(null);
  const focusStatus = useFocusAfter(() => statusLine.current);
  const form = useRef<HTMLFormElement>(null);
  const [choiceError, setChoiceError] = useState('');
  const focusInvalid = useFocusAfter(() => firstInvalid(form.current));
  useEffect(() => {
    keepTabDraft(cardUuid, { choice: status, note });
  }, [cardUuid, status, note]);
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    // A second press while the review is being saved is ignored (the button stays focusable: `aria-disabled`).
    if (saving) return;
    if (!status) {
      // Said at the answers, which take the focus (SC 3.3.1).
      setMessage(undefined);
      setChoiceError('Choose a conclusion first: appropriate, not appropriate or follow-up needed.');
      focusInvalid();
      return;
    }
    setChoiceError('');
    setSaving(true);
    const trimmed = note.trim();
    void reviewApi.review(cardUuid, { status, ...(trimmed ? { note: trimmed } : {}) }).then((r) => {
      setSaving(false);
      focusStatus();
      if (r.ok) {
        onReviewed(r.value);
        // Saved: the form starts afresh (the history shows the review), and nothing is kept in the tab.
        setStatus(undefined);
        setNote('');
        keepTabDraft(cardUuid, undefined);
        setMessage({ ok: true, text: `Saved: ${REVIEW_LABELS[r.value.review.status]}.` });
      } else if (r.status === 401) {
        setMessage({
          ok: false,
          text: 'Your session has ended, so the review was not saved. What you entered stays in this tab: sign in again, then save.',
          signIn: true,
        });
      } else {
        setMessage({ ok: false, text: r.message });
      }
    });
  };
  return (
    <form class="rating" onSubmit={onSubmit} ref={form} noValidate>
      <ChoiceFieldset
        legend="Your review"
        name="status"
        labels={REVIEW_LABELS}
        value={status}
        onChange={(s) => {
          setStatus(s);
          setChoiceError('');
        }}
        error={choiceError}
        errorId="review-choice-error"
      />
      <label for="review-note">Note (optional)</label>
      <textarea
        id="review-note"
        rows={3}
        maxLength={2000}
        value={note}
        onInput={(e) => {
          setNote(e.currentTarget.value);
        }}
      />
      <button type="submit" aria-disabled={saving ? 'true' : undefined}>
        Save review
      </button>
      <p ref={statusLine} role="status" class={message ? (message.ok ? 'status-saved' : 'status-error') : ''}>
        {message?.text ?? ''}
      </p>
      {message?.signIn ? (
        <p class="notice">
          <SignInAgain />
        </p>
      ) : null}
    </form>
  );
}
