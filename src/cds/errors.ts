/**
 * The error catalogue: every error this service answers with has a stable code, an HTTP status and a FHIR
 * OperationOutcome body. `docs/errors.md` documents the same table; a unit test keeps the two in step.
 * No stack trace or internal message ever reaches a response: `detail` texts are written for the caller.
 */
import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';

/** Code system of our error codes in `OperationOutcome.issue.details.coding`. */
export const ERROR_CODE_SYSTEM = 'urn:pgx-cds-hooks:CodeSystem:error';

interface CatalogueEntry {
  readonly status: number;
  /** FHIR issue type (https://hl7.org/fhir/R4/valueset-issue-type.html). */
  readonly issueCode: OperationOutcomeIssue['code'];
  readonly title: string;
}

export const ERROR_CATALOGUE = {
  INVALID_JSON: { status: 400, issueCode: 'structure', title: 'The request body is not valid JSON.' },
  INVALID_REQUEST: {
    status: 400,
    issueCode: 'invalid',
    title: 'The request does not meet the CDS Hooks 2.0 contract.',
  },
  HOOK_MISMATCH: {
    status: 400,
    issueCode: 'invalid',
    title: 'The request names a hook this service does not serve.',
  },
  UNAUTHORIZED: { status: 401, issueCode: 'login', title: 'Authentication failed.' },
  FHIR_SERVER_NOT_ALLOWED: {
    status: 403,
    issueCode: 'security',
    title: 'The fhirServer is not allowlisted for this client.',
  },
  UNKNOWN_SERVICE: { status: 404, issueCode: 'not-found', title: 'No CDS service has this id.' },
  NOT_FOUND: { status: 404, issueCode: 'not-found', title: 'No such endpoint.' },
  METHOD_NOT_ALLOWED: {
    status: 405,
    issueCode: 'not-supported',
    title: 'This endpoint does not support the method.',
  },
  PREFETCH_UNAVAILABLE: {
    status: 412,
    issueCode: 'incomplete',
    title: 'Data the service needs is neither prefetched nor obtainable from a usable fhirServer.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, issueCode: 'too-costly', title: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    issueCode: 'not-supported',
    title: 'The request body must be application/json.',
  },
  FEEDBACK_UNKNOWN_CARD: {
    status: 422,
    issueCode: 'not-found',
    title: 'Feedback names a card this service did not issue; nothing was stored.',
  },
  RATE_LIMITED: { status: 429, issueCode: 'throttled', title: 'Too many requests; retry later.' },
  INTERNAL: { status: 500, issueCode: 'exception', title: 'Internal error.' },
  NOT_READY: { status: 503, issueCode: 'transient', title: 'The service is not ready (store unreachable).' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** An error that maps to a catalogue entry; thrown by routes and turned into a response by the error handler. */
export class CdsError extends Error {
  override readonly name = 'CdsError';
  constructor(
    readonly code: ErrorCode,
    /** Caller-facing details (one per problem), safe to return. */
    readonly details: readonly string[] = [],
  ) {
    super(`${code}: ${ERROR_CATALOGUE[code].title}`);
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
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
