/**
 * Client authentication for the CDS endpoints (the `/cds-services` mount's authenticator): the verified client of
 * a request, and the middleware that verifies its JWT. Errors, 404 and body parsing are app-wide (`src/http/`).
 */
import type { RequestHandler, Response } from 'express';
import type { ErrorCode } from '../http/errors';
import { noteErrorCode } from '../http/handler';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { ClientAuthError } from './auth';
import type { ClientAuthenticator, VerifiedClient } from './auth';

/** The verified client of this request, when `CDS_AUTH=jwt`. */
export function verifiedClient(res: Response): VerifiedClient | undefined {
  return (res.locals as { client?: VerifiedClient }).client;
}

/** The catalogue code of a failed client authentication: counted, but answered without a body. */
const CLIENT_UNAUTHORIZED: ErrorCode = 'CDS_UNAUTHORIZED';

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
      const audience = `${publicBaseUrl}${req.baseUrl}${req.path}`.replace(/(?<!\/)\/+$/, '');
      res.locals.client = await authenticator.authenticate(req.headers.authorization, audience);
      next();
    } catch (err) {
      if (!(err instanceof ClientAuthError)) throw err;
      // The reason names the check that failed (and iss/kid/jti at most), never the token.
      logger.warn({ authFailure: err.reason }, 'client authentication failed');
      metrics.errors.inc({ code: CLIENT_UNAUTHORIZED });
      noteErrorCode(res, CLIENT_UNAUTHORIZED);
      res.status(401).set('WWW-Authenticate', 'Bearer').end();
    }
  };
}
