/**
 * Protocol-level HTTP pieces shared by the CDS endpoints: client authentication, the error handler that turns
 * everything into a catalogue response (never a stack trace), and the 404 for unknown paths.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { ClientAuthError } from './auth';
import type { ClientAuthenticator, VerifiedClient } from './auth';
import { CdsError, operationOutcome } from './errors';
import type { ErrorCode } from './errors';

/** The verified client of this request, when `CDS_AUTH=jwt`. */
export function verifiedClient(res: Response): VerifiedClient | undefined {
  return (res.locals as { client?: VerifiedClient }).client;
}

/**
 * Verifies the client JWT with `aud` = the exact URL of the endpoint called (PUBLIC_BASE_URL + path).
 * https://cds-hooks.hl7.org/2.0/#trusting-cds-clients — failures are a bare 401 (best practice: no detail).
 * With no authenticator (`CDS_AUTH=none`) every request passes.
 */
export function authenticateClient(
  authenticator: ClientAuthenticator | undefined,
  publicBaseUrl: string,
  logger: Logger,
  metrics: Metrics,
): RequestHandler {
  return async (req, res, next) => {
    if (!authenticator || req.method === 'OPTIONS') {
      next();
      return;
    }
    try {
      const audience = `${publicBaseUrl}${req.baseUrl}${req.path}`.replace(/\/+$/, '');
      res.locals.client = await authenticator.authenticate(req.headers.authorization, audience);
      next();
    } catch (err) {
      if (!(err instanceof ClientAuthError)) throw err;
      // The reason names the check that failed (and iss/kid/jti at most), never the token.
      logger.warn({ authFailure: err.reason }, 'client authentication failed');
      metrics.errors.inc({ code: 'UNAUTHORIZED' });
      res.status(401).set('WWW-Authenticate', 'Bearer').end();
    }
  };
}

/** Sends a catalogue error as an OperationOutcome. */
export function sendError(res: Response, code: ErrorCode, details: readonly string[] = []): void {
  const body = operationOutcome(code, details);
  res.status(new CdsError(code).status).type('application/fhir+json').json(body);
}

/** Answers any path no route claimed. */
export const notFound: RequestHandler = (_req, res) => {
  sendError(res, 'NOT_FOUND');
};

/** The last middleware: maps every error to the catalogue; unknown errors are logged and answered as 500. */
export function errorHandler(logger: Logger, metrics: Metrics): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    let code: ErrorCode = 'INTERNAL';
    let details: readonly string[] = [];
    const type = (err as { type?: unknown }).type;
    if (err instanceof CdsError) {
      ({ code, details } = err);
    } else if (type === 'entity.parse.failed') {
      code = 'INVALID_JSON';
    } else if (type === 'entity.too.large') {
      code = 'PAYLOAD_TOO_LARGE';
    } else if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
      code = 'UNSUPPORTED_MEDIA_TYPE';
    } else {
      // Logged by type and message only: an error's own fields might echo request data.
      logger.error(
        { err: { type: (err as Error).name, message: (err as Error).message } },
        'unhandled error',
      );
    }
    metrics.errors.inc({ code });
    if (res.headersSent) {
      res.end();
      return;
    }
    sendError(res, code, details);
  };
}

/** POST bodies must be JSON (`application/json` or `application/fhir+json`). */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (req.method === 'POST' && !req.is(['application/json', 'application/fhir+json', '+json'])) {
    throw new CdsError('UNSUPPORTED_MEDIA_TYPE');
  }
  next();
};
