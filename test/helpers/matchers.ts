/**
 * Custom jest matchers, registered for every test file by `setupFilesAfterEnv` (jest.config.js):
 *
 * - `expect(res).toBeOutcome(status, code, issueType?)`: an HTTP response that is an error of the catalogue: the
 *   status, an `application/fhir+json` OperationOutcome (https://hl7.org/fhir/R4/operationoutcome.html) whose first
 *   issue carries `code` in `details.coding` (and `issueType` as its `code`, when given), and no stack trace, file
 *   path or error name anywhere in the body.
 * - `expect(body).toBeSpecValid()`: a CDS Hooks 2.0 response (`{ cards: [...] }`) that passes the runtime schema
 *   (`checkCdsResponse`, https://cds-hooks.hl7.org/2.0/#cds-service-response); on failure the message lists every
 *   problem.
 */
import { checkCdsResponse } from '../../src/cds/schema';

/** What the matchers need of a supertest response. */
interface ResponseLike {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

interface Outcome {
  readonly resourceType?: unknown;
  readonly issue?: readonly {
    readonly code?: unknown;
    readonly details?: { readonly coding?: readonly { readonly code?: unknown }[] };
  }[];
}

/** What must never reach a response body: a stack frame, a module path, an error name. */
const LEAK = /\bat .*\.(ts|js):\d+|node_modules|Error:/;

function isResponseLike(value: unknown): value is ResponseLike {
  return (
    typeof value === 'object' && value !== null && 'status' in value && 'body' in value && 'headers' in value
  );
}

function toBeOutcome(
  this: jest.MatcherContext,
  received: unknown,
  status: number,
  code: string,
  issueType?: string,
): jest.CustomMatcherResult {
  const expected = `${String(status)} ${code}${issueType === undefined ? '' : ` (${issueType})`}`;
  if (!isResponseLike(received)) {
    return {
      pass: false,
      message: () => `expected an HTTP response (status, headers, body), got ${typeof received}`,
    };
  }
  const outcome = received.body as Outcome;
  const first = outcome.issue?.[0];
  const contentType = String(received.headers['content-type'] ?? '');
  const text = JSON.stringify(received.body);
  const problems = [
    received.status === status ? undefined : `status ${String(received.status)}, expected ${String(status)}`,
    /^application\/fhir\+json/.test(contentType) ? undefined : `content-type "${contentType}"`,
    outcome.resourceType === 'OperationOutcome' ? undefined : `resourceType ${String(outcome.resourceType)}`,
    first?.details?.coding?.[0]?.code === code
      ? undefined
      : `code ${String(first?.details?.coding?.[0]?.code)}`,
    issueType === undefined || first?.code === issueType ? undefined : `issue type ${String(first?.code)}`,
    LEAK.test(text) ? `a stack trace or path in the body` : undefined,
  ].filter((p): p is string => p !== undefined);
  const pass = problems.length === 0;
  return {
    pass,
    message: () =>
      pass
        ? `expected the response not to be the OperationOutcome ${expected}`
        : `expected the OperationOutcome ${expected}, got: ${problems.join('; ')}\nbody: ${this.utils.printReceived(received.body)}`,
  };
}

function toBeSpecValid(this: jest.MatcherContext, received: unknown): jest.CustomMatcherResult {
  const problems = checkCdsResponse(received);
  const pass = problems.length === 0;
  return {
    pass,
    message: () =>
      pass
        ? 'expected a response the CDS Hooks 2.0 schema refuses, but it passed'
        : `expected a spec-valid CDS Hooks 2.0 response:\n  ${problems.join('\n  ')}`,
  };
}

expect.extend({ toBeOutcome, toBeSpecValid });

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- the jest typings are a global namespace
  namespace jest {
    interface Matchers<R> {
      /** An error response of the catalogue: status, OperationOutcome with this code, no stack trace. */
      toBeOutcome(status: number, code: string, issueType?: string): R;
      /** A CDS Hooks 2.0 response the runtime schema accepts. */
      toBeSpecValid(): R;
    }
  }
}
