/**
 * The one typed API client of the web front end. Its types are the server's own (`src/links/contract.ts`,
 * `src/http/session-contract.ts`, `src/admin/schemas.ts`, imported
 * type-only, so nothing of the server is bundled): a change of the contract breaks this build, not a user's page.
 */
import type {
  DashboardView,
  DemoPatientList,
  LaunchRequest,
  PatientExplanationView,
} from '../../src/dashboard/contract';
import type {
  FollowUpRequest,
  FollowUpResponse,
  KpiReport,
  OverrideDetail,
  OverrideList,
  ReinterpretationReport,
  ReportFollowUpRequest,
  ReportFollowUpResponse,
  ReportList,
  ReviewRequest,
  ReviewResponse,
} from '../../src/admin/schemas';
import type { SignedInView } from '../../src/http/session-contract';
import type {
  DryRunReport,
  ReplayReport,
  SensorRuleCheck,
  ThresholdDiff,
  ThresholdDraftView,
  ThresholdOverview,
  ThresholdSetJson,
  ThresholdSwitch,
  ThresholdVersionView,
} from '../../src/admin/thresholds-contract';
import type { ExplanationView, RatePageView, RatingAnswer, RatingSaved } from '../../src/links/contract';

export type {
  Card,
  ExplainedDecision,
  ExplainedRow,
  ExplainedSensorEvidence,
  ExplanationView,
  GeneResultView,
  SensorDataView,
  Link,
  RatePageView,
  Rating,
  RatingAnswer,
  RatingSaved,
  RatingView,
} from '../../src/links/contract';
export type { SignedInView } from '../../src/http/session-contract';
export type {
  DashboardAgp,
  DashboardFinding,
  DashboardMedication,
  DashboardResult,
  DashboardSeries,
  DashboardView,
  DemoPatientList,
  ClinicianNote,
  ExplanationSentence,
  LaunchRequest,
  PatientExplanation,
  PatientExplanationView,
  SensorThresholdLine,
} from '../../src/dashboard/contract';
export type {
  FollowUpRequest,
  FollowUpResponse,
  KpiDay,
  KpiFigures,
  KpiGroup,
  KpiReport,
  OverrideDetail,
  OverrideList,
  OverrideListItem,
  ReinterpretationReport,
  Report,
  ReportFollowUp,
  ReportFollowUpRequest,
  ReportFollowUpResponse,
  ReportList,
  Review,
  ReviewRequest,
  ReviewResponse,
  ReviewStatus,
} from '../../src/admin/schemas';
export type {
  DraftSummary,
  DryRunCase,
  DryRunReport,
  NotPredicted,
  DryRunRule,
  ReplayGroup,
  ReplayReport,
  SensorRuleCheck,
  SensorRuleView,
  ThresholdChangeLine,
  ThresholdDiff,
  ThresholdDraftView,
  ThresholdEntry,
  ThresholdOverview,
  ThresholdSetJson,
  ThresholdVersionView,
} from '../../src/admin/thresholds-contract';

/** A call's outcome: the value, or the HTTP status and the server's message (its OperationOutcome text). */
export type ApiResult<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly status: number;
      readonly message: string;
      /** The error catalogue's code of the first issue (`docs/errors.md`), when the service gave one. */
      readonly code?: string;
      /** Every issue's `diagnostics` (one per problem the server named), when it gave any. */
      readonly details?: readonly string[];
    };

interface OperationOutcomeBody {
  readonly issue?: readonly {
    readonly details?: { readonly text?: string; readonly coding?: readonly { readonly code?: string }[] };
    readonly diagnostics?: string;
  }[];
}

/** Who to tell when the page session has ended (a call authenticated by the session cookie answered 401). */
const sessionEndedListeners = new Set<() => void>();

/** Calls `listener` each time a call finds the page session ended; returns the unsubscribe. */
export function onSessionEnded(listener: () => void): () => void {
  sessionEndedListeners.add(listener);
  return () => {
    sessionEndedListeners.delete(listener);
  };
}

/**
 * One call. With `token`, the link pages' credential goes as `Authorization: Bearer`; without, the page session's
 * cookie (same origin) authenticates.
 */
async function call<T>(
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  url: string,
  token?: string,
  body?: unknown,
): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        Accept: 'application/json',
        ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return {
      ok: false,
      status: 0,
      message: 'The service could not be reached. Check the connection and retry.',
    };
  }
  if (response.ok) return { ok: true, value: (await response.json()) as T };
  // The session ended (expired, signed out in another tab, the store forgot it): every page that shows who is signed
  // in must stop saying so. `/auth/me` itself is how a page learns nobody is signed in yet, not an ending.
  if (response.status === 401 && token === undefined && url !== '/auth/me') {
    for (const listener of sessionEndedListeners) listener();
  }
  let message = `The service answered ${response.status}.`;
  let details: string[] = [];
  let code: string | undefined;
  try {
    const outcome = (await response.json()) as OperationOutcomeBody;
    message = outcome.issue?.[0]?.details?.text ?? message;
    code = outcome.issue?.[0]?.details?.coding?.[0]?.code;
    details = (outcome.issue ?? []).flatMap((i) => (i.diagnostics ? [i.diagnostics] : []));
  } catch {
    // Not JSON: keep the status message.
  }
  return {
    ok: false,
    status: response.status,
    message,
    ...(code === undefined ? {} : { code }),
    ...(details.length > 0 ? { details } : {}),
  };
}

const base = '/api/links';

/** The link pages' JSON, authorised by the link token (`?t=` of the page URL). */
export const linksApi = {
  ratePage: (cardUuid: string, token: string) =>
    call<RatePageView>('GET', `${base}/rate/${encodeURIComponent(cardUuid)}`, token),
  saveRating: (cardUuid: string, token: string, answer: RatingAnswer) =>
    call<RatingSaved>('PUT', `${base}/rate/${encodeURIComponent(cardUuid)}`, token, answer),
  explanation: (cardUuid: string, token: string) =>
    call<ExplanationView>('GET', `${base}/explain/${encodeURIComponent(cardUuid)}`, token),
};

/** The signed-in user of the pages (session cookie). */
export const sessionApi = {
  me: () => call<SignedInView>('GET', '/auth/me'),
};

/** The override list's filters and page, as query parameters (the page's own URL carries the same). */
function query(params: URLSearchParams): string {
  const q = params.toString();
  return q ? `?${q}` : '';
}

/** The pharmacist's and informaticist's JSON APIs (session cookie). */
export const reviewApi = {
  overrides: (params: URLSearchParams) => call<OverrideList>('GET', `/api/overrides${query(params)}`),
  /** The CSV export of the filtered list (a download link, not a call). */
  overridesCsvUrl: (params: URLSearchParams) => `/api/overrides.csv${query(params)}`,
  override: (cardUuid: string) =>
    call<OverrideDetail>('GET', `/api/overrides/${encodeURIComponent(cardUuid)}`),
  review: (cardUuid: string, body: ReviewRequest) =>
    call<ReviewResponse>('POST', `/api/overrides/${encodeURIComponent(cardUuid)}/review`, undefined, body),
  kpis: (params: URLSearchParams) => call<KpiReport>('GET', `/api/kpis${query(params)}`),
  reinterpretations: () => call<ReinterpretationReport>('GET', '/api/reinterpretations'),
  reinterpretationsCsvUrl: '/api/reinterpretations.csv',
  followUp: (body: FollowUpRequest) =>
    call<FollowUpResponse>('POST', '/api/reinterpretations/follow-ups', undefined, body),
  /** "Wrong for this patient" reports: `open` (default), `followed-up` or `all`. */
  reports: (state: ReportList['state']) =>
    call<ReportList>('GET', `/api/reports?state=${encodeURIComponent(state)}`),
  reportFollowUp: (cardUuid: string, body: ReportFollowUpRequest) =>
    call<ReportFollowUpResponse>(
      'POST',
      `/api/reports/${encodeURIComponent(cardUuid)}/follow-ups`,
      undefined,
      body,
    ),
};

/** The clinician dashboard's JSON for the demo patients (open, like `/demo/fhir`). */
export const dashboardApi = {
  patients: () => call<DemoPatientList>('GET', '/app/api/patients'),
  patient: (id: string) => call<DashboardView>('GET', `/app/api/patients/${encodeURIComponent(id)}`),
  explanation: (id: string, drug: string) =>
    call<PatientExplanationView>(
      'GET',
      `/app/api/patients/${encodeURIComponent(id)}/explanations/${encodeURIComponent(drug)}`,
    ),
  /** After an EHR launch: the record read with the launch's access token (never stored by the page). */
  launched: (launch: LaunchRequest, accessToken: string) =>
    call<DashboardView>('POST', '/app/api/launched', accessToken, launch),
  launchedExplanation: (launch: LaunchRequest, accessToken: string, drug: string) =>
    call<PatientExplanationView>(
      'POST',
      `/app/api/launched/explanations/${encodeURIComponent(drug)}`,
      accessToken,
      launch,
    ),
};

/** The informaticist's threshold editor (`/api/thresholds`, session cookie). */
export const thresholdsApi = {
  overview: () => call<ThresholdOverview>('GET', '/api/thresholds'),
  version: (version: string) =>
    call<ThresholdVersionView>('GET', `/api/thresholds/versions/${encodeURIComponent(version)}`),
  createDraft: (version: string) =>
    call<ThresholdDraftView>('POST', '/api/thresholds/drafts', undefined, { version }),
  draft: (version: string) =>
    call<ThresholdDraftView>('GET', `/api/thresholds/drafts/${encodeURIComponent(version)}`),
  /** `revision`: the one the page shows; a save made since by someone else refuses this one (409). */
  saveDraft: (version: string, set: ThresholdSetJson, acknowledgeDemotion: boolean, revision: number) =>
    call<ThresholdDraftView>('PUT', `/api/thresholds/drafts/${encodeURIComponent(version)}`, undefined, {
      set,
      acknowledgeDemotion,
      revision,
    }),
  rebase: (version: string, revision: number) =>
    call<ThresholdDraftView>(
      'POST',
      `/api/thresholds/drafts/${encodeURIComponent(version)}/rebase`,
      undefined,
      { revision },
    ),
  latestDryRun: (version: string) =>
    call<{ current: boolean; latest?: DryRunReport }>(
      'GET',
      `/api/thresholds/drafts/${encodeURIComponent(version)}/dry-run`,
    ),
  diff: (version: string) =>
    call<ThresholdDiff>('GET', `/api/thresholds/drafts/${encodeURIComponent(version)}/diff`),
  replay: (version: string, last: number) =>
    call<ReplayReport>('POST', `/api/thresholds/drafts/${encodeURIComponent(version)}/replay`, undefined, {
      last,
    }),
  publish: (version: string, comment: string, acknowledgeDemotion: boolean, revision: number) =>
    call<ThresholdSwitch>('POST', '/api/thresholds/publish', undefined, {
      version,
      comment,
      acknowledgeDemotion,
      revision,
    }),
  watch: () =>
    call<{
      version: string;
      publishedAt?: string;
      watching?: boolean;
      rules: readonly {
        rule: string;
        label: string;
        baselineRate: number;
        flagged: boolean;
        days: readonly {
          day: string;
          calls: number;
          firings: number;
          upper: number | null;
          outside: boolean;
        }[];
      }[];
    }>('GET', '/api/thresholds/watch'),
  shadow: () => call<{ version: string | null; report?: ReplayReport }>('GET', '/api/thresholds/shadow'),
  setShadow: (version: string | null) =>
    call<{ version: string | null }>('POST', '/api/thresholds/shadow', undefined, { version }),
  rollback: (version: string, comment: string) =>
    call<ThresholdSwitch>('POST', '/api/thresholds/rollback', undefined, { version, comment }),
  checkRule: (version: string, id: string, rule: unknown) =>
    call<SensorRuleCheck>('POST', `${ruleUrl(version, id)}/check`, undefined, { rule }),
  saveRule: (version: string, id: string, rule: unknown, revision: number) =>
    call<ThresholdDraftView>('PUT', ruleUrl(version, id), undefined, { rule, revision }),
  removeRule: (version: string, id: string, revision: number) =>
    call<ThresholdDraftView>('DELETE', `${ruleUrl(version, id)}?revision=${String(revision)}`),
  dryRun: (version: string) =>
    call<DryRunReport>(
      'POST',
      `/api/thresholds/drafts/${encodeURIComponent(version)}/dry-run`,
      undefined,
      {},
    ),
};

function ruleUrl(version: string, id: string): string {
  return `/api/thresholds/drafts/${encodeURIComponent(version)}/sensor-rules/${encodeURIComponent(id)}`;
}
