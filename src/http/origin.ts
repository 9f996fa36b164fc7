/**
 * Cross-site request forgery defence for writes authenticated by the page session cookie (OWASP Cross-Site Request
 * Forgery Prevention Cheat Sheet, "Verifying Origin with standard headers" and "Fetch Metadata headers"): beside the
 * cookie's SameSite=Lax and the JSON-only bodies, a state-changing request (POST, PUT, PATCH, DELETE) that a browser
 * says comes from another site, or whose `Origin` names an origin other than the service's own, is refused before
 * anything is read or written.
 *
 * - `Sec-Fetch-Site: cross-site` → refused (https://www.w3.org/TR/fetch-metadata/#sec-fetch-site-header);
 * - `Origin` naming another origin than `PUBLIC_BASE_URL`'s → refused (RFC 6454 §7). `Origin: null` names none: under
 *   the pages' no-referrer policy the browser sends `null` on the pages' own posts, so it is judged by
 *   `Sec-Fetch-Site` alone;
 * - neither header → let through: not a browser (a script with the cookie is no forgery).
 *
 * Only requests the session cookie signed in are checked: a bearer token is never sent by a browser on its own, and
 * `/cds-services` (EHR clients with JWTs, behind its CORS allowlist) does not use this middleware.
 */
import type { Request, RequestHandler } from 'express';
import { AppError } from './errors';

/** The methods that change state (RFC 9110 §9.2.1: every method but the safe ones). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

export interface SameOriginOptions {
  /** The service's own origin (`new URL(PUBLIC_BASE_URL).origin`). */
  readonly origin: string;
  /** Whether the request's user was signed in by the page session cookie (not by a bearer token). */
  readonly signedInBySession: (req: Request) => boolean;
}

/** Why a write must not be taken from this request, or undefined when it may. */
export function crossOriginReason(req: Request, ownOrigin: string): string | undefined {
  if (req.header('sec-fetch-site') === 'cross-site') {
    return 'the browser says this request comes from another site (Sec-Fetch-Site: cross-site)';
  }
  const origin = req.header('origin');
  if (origin !== undefined && origin !== 'null' && origin !== ownOrigin) {
    return 'the request’s Origin is not this service’s own origin';
  }
  return undefined;
}

/**
 * Refuses (403 `AUTH_CROSS_ORIGIN`) a state-changing request signed in by the session cookie that comes from another
 * site or origin. After `authenticateUser`, before any body is read.
 */
export function requireSameOriginWrites(options: SameOriginOptions): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || !options.signedInBySession(req)) {
      next();
      return;
    }
    const reason = crossOriginReason(req, options.origin);
    if (reason !== undefined) throw new AppError('AUTH_CROSS_ORIGIN', [reason]);
    next();
  };
}
