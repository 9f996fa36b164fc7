/**
 * The app-wide error handler: every error, on every mount, leaves as a catalogue OperationOutcome (never a stack
 * trace, never HTML), and every error response is counted by its code. Routes and middleware throw `AppError`
 * (express 5 forwards rejected promises here); body-parser failures are mapped to their `HTTP_` codes; anything
 * else is an unexpected error, logged and answered as `HTTP_INTERNAL`.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { errorForLog } from '../observability/logger';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { AppError, ERROR_CATALOGUE, operationOutcome } from './errors';
import type { ErrorCode } from './errors';

/** Sends a catalogue error as an OperationOutcome with the catalogue status. */
function sendError(
  res: Response,
  code: ErrorCode,
  details: readonly string[],
  headers: Readonly<Record<string, string>>,
): void {
  res
    .status(ERROR_CATALOGUE[code].status)
    .set(headers)
    .type('application/fhir+json')
    .json(operationOutcome(code, details));
}

/**
 * The code of a framework failure caused by the request: body-parser's (`err.type`,
 * https://github.com/expressjs/body-parser#errors), the router's undecodable path parameter, and any other
 * `http-errors` 4xx (a client error by construction). Undefined for anything else.
 */
function requestErrorCode(err: unknown): ErrorCode | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, status, expose } = err as { type?: unknown; status?: unknown; expose?: unknown };
  switch (type) {
    case 'entity.parse.failed':
      return 'HTTP_INVALID_JSON';
    case 'entity.too.large':
      return 'HTTP_PAYLOAD_TOO_LARGE';
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return 'HTTP_UNSUPPORTED_MEDIA_TYPE';
    case 'entity.verify.failed':
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return 'HTTP_INVALID_BODY';
    default:
      break;
  }
  // The router's `decodeURIComponent` of a path parameter (`/cds-services/%ZZ`).
  if (err instanceof URIError) return 'HTTP_INVALID_PATH';
  if (typeof status === 'number' && status >= 400 && status < 500 && expose === true) {
    // e.g. a body declared gzip that is not (zlib's error, wrapped by body-parser as a 400 without a type).
    if (status === 413) return 'HTTP_PAYLOAD_TOO_LARGE';
    if (status === 415) return 'HTTP_UNSUPPORTED_MEDIA_TYPE';
    return 'HTTP_INVALID_BODY';
  }
  return undefined;
}

/** Seconds a client is asked to wait before retrying after a store outage. */
export const STORE_RETRY_AFTER_S = 5;

function isStoreUnavailable(err: unknown): err is Error & { reason: string } {
  return (
    err instanceof Error &&
    err.name === 'StoreUnavailableError' &&
    typeof (err as { reason?: unknown }).reason === 'string'
  );
}

/**
 * Puts the catalogue code of the error a response answers on it, for the access log line (`requestContext`): an
 * operator reading the log sees why a request was refused, never the diagnostics (they may name request values).
 */
export function noteErrorCode(res: Response, code: ErrorCode): void {
  (res.locals as { errorCode?: ErrorCode }).errorCode = code;
}

/** Answers any path no route claimed (mounted after every router). */
export const notFound: RequestHandler = () => {
  throw new AppError('HTTP_NOT_FOUND');
};

/** The last middleware: maps every error to the catalogue; unexpected errors are logged and answered as 500. */
export function errorHandler(logger: Logger, metrics: Metrics): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    let code: ErrorCode = 'HTTP_INTERNAL';
    let details: readonly string[] = [];
    let headers: Readonly<Record<string, string>> = {};
    if (err instanceof AppError) {
      ({ code, details, headers } = err);
    } else if (isStoreUnavailable(err)) {
      // The store's StoreUnavailableError (matched by name: http does not import the store). Its reason is ours
      // (no request data), logged for operators; the caller is told to retry.
      code = 'HTTP_STORE_UNAVAILABLE';
      headers = { 'Retry-After': String(STORE_RETRY_AFTER_S) };
      logger.warn({ err: { type: 'StoreUnavailableError', reason: err.reason } }, 'store unavailable');
    } else {
      const parserCode = requestErrorCode(err);
      if (parserCode) {
        code = parserCode;
      } else {
        // Type and stack frames only, never the message: it might echo request data (errorForLog).
        logger.error({ err: errorForLog(err) }, 'unhandled error');
      }
    }
    metrics.errors.inc({ code });
    noteErrorCode(res, code);
    if (res.headersSent) {
      res.end();
      return;
    }
    sendError(res, code, details, headers);
  };
}
