/**
 * The error catalogue of the whole app (after fastify's `lib/errors.js`): every error any endpoint answers with has
 * a stable, area-prefixed code, an HTTP status and a FHIR OperationOutcome body. `docs/errors.md` documents the same
 * table; a unit test keeps the two in step, both ways. No stack trace or internal message ever reaches a response:
 * `detail` texts are written for the caller.
 *
 * Areas (the prefix says where a code comes from; a client branches on the whole code):
 * - `HTTP_`: transport and framework, on any mount (bodies, unknown paths, methods, rate limit, the 500);
 * - `AUTH_`: signed-in users of `/api` and `/admin` (`src/http/auth.ts`);
 * - `CDS_`: the CDS Hooks protocol under `/cds-services` (requests, client JWT, prefetch);
 * - `FEEDBACK_`: CDS Hooks feedback on cards;
 * - `LINK_`: the cards' signed page links (rating and explanation pages, `src/links/`);
 * - `ADMIN_`: the pharmacist's and informaticist's JSON APIs under `/api` (override review, wrong-patient reports, KPIs,
 *   thresholds);
 * - `OPS_`: operations endpoints (`/healthz`, `/readyz`, `/metrics`);
 * - `DEMO_`: the read-only demo FHIR endpoint `/demo/fhir` (`src/demo/`);
 * - `DASHBOARD_`: the clinician dashboard (`/app/api/…`, `src/dashboard/`), mostly after an EHR launch.
 */
import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';

/** Code system of our error codes in `OperationOutcome.issue.details.coding`. */
export const ERROR_CODE_SYSTEM = 'urn:pgx-cds-hooks:CodeSystem:error';

/** The area prefixes, in the order the catalogue and `docs/errors.md` list them. */
export const ERROR_AREAS = [
  'HTTP',
  'AUTH',
  'CDS',
  'FEEDBACK',
  'LINK',
  'ADMIN',
  'OPS',
  'DEMO',
  'DASHBOARD',
] as const;
export type ErrorArea = (typeof ERROR_AREAS)[number];

interface CatalogueEntry {
  readonly status: number;
  /** FHIR issue type (https://hl7.org/fhir/R4/valueset-issue-type.html). */
  readonly issueCode: OperationOutcomeIssue['code'];
  readonly title: string;
}

export const ERROR_CATALOGUE = {
  /* HTTP: transport and framework, any mount */
  HTTP_INVALID_JSON: { status: 400, issueCode: 'structure', title: 'The request body is not valid JSON.' },
  HTTP_INVALID_BODY: {
    status: 400,
    issueCode: 'structure',
    title: 'The request body could not be read or holds what no client should send.',
  },
  HTTP_INVALID_PATH: {
    status: 400,
    issueCode: 'invalid',
    title: 'The request path is not valid percent-encoded text.',
  },
  HTTP_NOT_FOUND: { status: 404, issueCode: 'not-found', title: 'No such endpoint.' },
  HTTP_METHOD_NOT_ALLOWED: {
    status: 405,
    issueCode: 'not-supported',
    title: 'This endpoint does not support the method.',
  },
  HTTP_PAYLOAD_TOO_LARGE: { status: 413, issueCode: 'too-costly', title: 'The request body is too large.' },
  HTTP_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    issueCode: 'not-supported',
    title: 'The request body must be application/json.',
  },
  HTTP_RATE_LIMITED: { status: 429, issueCode: 'throttled', title: 'Too many requests; retry later.' },
  HTTP_BUSY: {
    status: 503,
    issueCode: 'transient',
    title: 'The service is receiving too many request bodies at once; retry shortly.',
  },
  HTTP_INTERNAL: { status: 500, issueCode: 'exception', title: 'Internal error.' },
  HTTP_STORE_UNAVAILABLE: {
    status: 503,
    issueCode: 'transient',
    title: 'The store is unavailable; nothing was stored. Retry later.',
  },

  /* AUTH: signed-in users of /api and /admin */
  AUTH_UNAUTHORIZED: { status: 401, issueCode: 'login', title: 'Sign-in required.' },
  AUTH_FORBIDDEN: {
    status: 403,
    issueCode: 'forbidden',
    title: 'The signed-in user does not hold a role this endpoint requires.',
  },
  AUTH_SIGN_IN_REFUSED: {
    status: 403,
    issueCode: 'security',
    title: 'Sign-in was refused.',
  },
  AUTH_CROSS_ORIGIN: {
    status: 403,
    issueCode: 'security',
    title: 'A change signed in by a page session must come from this service’s own pages.',
  },
  AUTH_SIGN_IN_UNAVAILABLE: {
    status: 404,
    issueCode: 'not-supported',
    title: 'Sign-in with an identity provider is not configured on this service.',
  },
  AUTH_ISSUER_UNAVAILABLE: {
    status: 503,
    issueCode: 'transient',
    title: 'The sign-in issuer’s keys cannot be fetched; retry later.',
  },

  /* CDS: the CDS Hooks protocol under /cds-services */
  CDS_INVALID_REQUEST: {
    status: 400,
    issueCode: 'invalid',
    title: 'The request does not meet the CDS Hooks 2.0 contract.',
  },
  CDS_HOOK_MISMATCH: {
    status: 400,
    issueCode: 'invalid',
    title: 'The request names a hook this service does not serve.',
  },
  CDS_UNAUTHORIZED: { status: 401, issueCode: 'login', title: 'Client authentication failed.' },
  CDS_FHIR_SERVER_NOT_ALLOWED: {
    status: 403,
    issueCode: 'security',
    title: 'The fhirServer is not allowlisted for this client.',
  },
  CDS_UNKNOWN_SERVICE: { status: 404, issueCode: 'not-found', title: 'No CDS service has this id.' },
  CDS_PREFETCH_UNAVAILABLE: {
    status: 412,
    issueCode: 'incomplete',
    title: 'Data the service needs is neither prefetched nor obtainable from a usable fhirServer.',
  },

  /* FEEDBACK: CDS Hooks feedback on cards */
  FEEDBACK_UNKNOWN_CARD: {
    status: 422,
    issueCode: 'not-found',
    title: 'Feedback names a card this service did not issue; nothing was stored.',
  },
  FEEDBACK_UNKNOWN_SUGGESTION: {
    status: 422,
    issueCode: 'not-found',
    title: 'Feedback accepts a suggestion the card did not offer; nothing was stored.',
  },
  FEEDBACK_CARD_PENDING: {
    status: 503,
    issueCode: 'transient',
    title: 'Feedback names a card whose record is not written yet; nothing was stored. Retry later.',
  },

  /* LINK: the cards' signed page links */
  LINK_INVALID: {
    status: 403,
    issueCode: 'security',
    title: 'This link is not valid: it has expired, was altered, or is for another page.',
  },
  LINK_UNKNOWN_CARD: {
    status: 404,
    issueCode: 'not-found',
    title: 'The link names a card this service did not record.',
  },
  LINK_INVALID_RATING: {
    status: 400,
    issueCode: 'invalid',
    title: 'The answer is not one the rating page offers.',
  },

  /* ADMIN: the JSON APIs for pharmacists and informaticists under /api */
  ADMIN_INVALID_REQUEST: {
    status: 400,
    issueCode: 'invalid',
    title: 'The query or body does not meet this API’s schema.',
  },
  ADMIN_UNKNOWN_OVERRIDE: {
    status: 404,
    issueCode: 'not-found',
    title: 'No overridden card has this uuid.',
  },
  ADMIN_UNKNOWN_REPORT: {
    status: 404,
    issueCode: 'not-found',
    title: 'No clinician reports this alert wrong for the patient.',
  },
  ADMIN_INVALID_THRESHOLDS: {
    status: 422,
    issueCode: 'business-rule',
    title: 'The threshold set cannot be saved or published as it stands.',
  },
  ADMIN_UNKNOWN_THRESHOLD_SET: {
    status: 404,
    issueCode: 'not-found',
    title: 'No threshold set has this version.',
  },
  ADMIN_THRESHOLD_CONFLICT: {
    status: 409,
    issueCode: 'conflict',
    title: 'The threshold set is not in a state that allows this.',
  },
  ADMIN_DRY_RUN_REQUIRED: {
    status: 409,
    issueCode: 'conflict',
    title: 'The draft needs a passing dry run of its current content before it is published.',
  },

  /* OPS: operations endpoints */
  OPS_NOT_READY: {
    status: 503,
    issueCode: 'transient',
    title: 'The service is not ready (store unavailable).',
  },

  /* DEMO: the read-only demo FHIR endpoint */
  DEMO_NOT_FOUND: {
    status: 404,
    issueCode: 'not-found',
    title: 'The demo FHIR server has no such resource.',
  },
  DEMO_INVALID_SEARCH: {
    status: 400,
    issueCode: 'invalid',
    title: 'The demo FHIR server cannot read a search parameter.',
  },

  /* DASHBOARD: the clinician dashboard after an EHR launch */
  DASHBOARD_INVALID_LAUNCH: {
    status: 400,
    issueCode: 'invalid',
    title:
      'The launch did not name the record’s FHIR server and patient. Open the dashboard again from the record.',
  },
  DASHBOARD_TOKEN_MISSING: {
    status: 401,
    issueCode: 'login',
    title: 'The launch brought no access token. Open the dashboard again from the record.',
  },
  DASHBOARD_FHIR_SERVER_NOT_TRUSTED: {
    status: 403,
    issueCode: 'security',
    title:
      'This service does not trust the record’s FHIR server, so it cannot read this patient. Ask the service’s administrators to add the server to a trust profile.',
  },
  DASHBOARD_TOKEN_REFUSED: {
    status: 401,
    issueCode: 'login',
    title: 'The record’s FHIR server refused the launch token. Open the dashboard again from the record.',
  },
  DASHBOARD_ACCESS_REFUSED: {
    status: 403,
    issueCode: 'forbidden',
    title:
      'The record’s FHIR server refused the launch token for this patient’s data. Open the dashboard again from the record.',
  },
  DASHBOARD_PATIENT_NOT_FOUND: {
    status: 404,
    issueCode: 'not-found',
    title: 'The record’s FHIR server has no such patient. Open the dashboard again from the record.',
  },
  DASHBOARD_NO_EXPLANATION: {
    status: 404,
    issueCode: 'not-found',
    title: 'There is no plain-language page for this medicine and patient.',
  },
  DASHBOARD_FHIR_SERVER_FAILED: {
    status: 502,
    issueCode: 'transient',
    title: 'The record’s FHIR server could not be reached or gave an unusable answer. Try again in a moment.',
  },
  DASHBOARD_FHIR_SERVER_TIMEOUT: {
    status: 504,
    issueCode: 'timeout',
    title: 'The record’s FHIR server did not answer in time. Try again in a moment.',
  },
} as const satisfies Record<`${ErrorArea}_${string}`, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * An error that maps to a catalogue entry; thrown by routes and middleware on any mount and turned into a response
 * by the error handler (`src/http/handler.ts`).
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  /** The catalogue status of `code`. */
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    /** Caller-facing details (one per problem), safe to return. */
    readonly details: readonly string[] = [],
    /** Response headers the error requires, e.g. `WWW-Authenticate` on a 401. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${code}: ${ERROR_CATALOGUE[code].title}`);
    this.status = ERROR_CATALOGUE[code].status;
  }
}

/** The OperationOutcome body for a catalogue code. */
export function operationOutcome(code: ErrorCode, details: readonly string[] = []): OperationOutcome {
  const entry: CatalogueEntry = ERROR_CATALOGUE[code];
  const issue = (text: string, diagnostics?: string): OperationOutcomeIssue => ({
    severity: entry.status >= 500 ? 'fatal' : 'error',
    code: entry.issueCode,
    details: { coding: [{ system: ERROR_CODE_SYSTEM, code, display: entry.title }], text },
    ...(diagnostics ? { diagnostics } : {}),
  });
  return {
    resourceType: 'OperationOutcome',
    issue: details.length > 0 ? details.map((d) => issue(entry.title, d)) : [issue(entry.title)],
  };
}
