/**
 * Users of the pages and APIs under `/api` and `/admin`: who is signed in and which roles they hold.
 *
 * Authentication is chosen per mount: `/cds-services` verifies the CDS client's JWT (`src/cds/http.ts`, CDS Hooks
 * 2.0 "Trusting CDS Clients"); `/api` and `/admin` authenticate a user with a `UserAuthenticator` and guard routes
 * with `requireRole`. The APIs take bearer access tokens of the configured OpenID Connect issuer (`bearer.ts`); with no
 * issuer configured the authenticator is `NO_SIGN_IN`, which signs in nobody, so every guarded route answers 401.
 */
import type { Request, RequestHandler, Response } from 'express';
import { AppError } from './errors';

/**
 * The roles a user can hold (DESIGN.md "Feedback and people"). `admin` is the service's operator: it passes every
 * role guard (it may do what a pharmacist and an informaticist may), and its writes are audited like anyone's.
 */
export const ROLES = ['pharmacist', 'informaticist', 'clinician', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A signed-in user: a stable id from the identity provider and the roles granted to it. */
export interface User {
  readonly id: string;
  readonly roles: readonly Role[];
}

/** How one mount learns who the user of a request is. */
export interface UserAuthenticator {
  /**
   * The `WWW-Authenticate` challenge a 401 on this mount carries
   * (https://www.rfc-editor.org/rfc/rfc9110#name-www-authenticate), e.g. `Bearer realm="pgx-cds"`.
   */
  readonly challenge: string;
  /**
   * The signed-in user of this request, or undefined when there is none: no credential, or one that does not hold
   * (expired, wrong signature). Rejects only on an unexpected failure, which the error handler answers as 500.
   */
  authenticate(req: Request): Promise<User | undefined>;
}

/** The challenge used when a mount's authenticator is unknown. */
const DEFAULT_CHALLENGE = 'Bearer realm="pgx-cds"';

/** The default authenticator until sign-in exists: nobody is signed in. */
export const NO_SIGN_IN: UserAuthenticator = {
  challenge: DEFAULT_CHALLENGE,
  authenticate: () => Promise.resolve(undefined),
};

interface UserLocals {
  user?: User;
  challenge?: string;
}

/** Mount middleware: records the request's user (if any) and the mount's challenge for `requireRole`. */
export function authenticateUser(authenticator: UserAuthenticator): RequestHandler {
  return async (req, res, next) => {
    const user = await authenticator.authenticate(req);
    const locals = res.locals as UserLocals;
    locals.challenge = authenticator.challenge;
    if (user) locals.user = user;
    next();
  };
}

/** The signed-in user of this request, once `authenticateUser` ran on its mount. */
export function signedInUser(res: Response): User | undefined {
  return (res.locals as UserLocals).user;
}

/**
 * Lets a request through when its user holds at least one of `roles`, or `admin`. No user: `AUTH_UNAUTHORIZED` (401, with the
 * mount's `WWW-Authenticate` challenge); a user without any of the roles: `AUTH_FORBIDDEN` (403). Fails closed: a
 * route guarded without `authenticateUser` on its mount sees no user.
 */
export function requireRole(...roles: readonly [Role, ...Role[]]): RequestHandler {
  return (_req, res, next) => {
    const { user, challenge } = res.locals as UserLocals;
    if (!user) {
      throw new AppError('AUTH_UNAUTHORIZED', [], { 'WWW-Authenticate': challenge ?? DEFAULT_CHALLENGE });
    }
    if (!user.roles.some((role) => role === 'admin' || roles.includes(role))) {
      throw new AppError('AUTH_FORBIDDEN', [`requires one of the roles: ${roles.join(', ')}`]);
    }
    next();
  };
}

/**
 * The role a user acts in on a route that `roles` guard (for the audit trail): the first of `roles` they hold, else
 * `admin` (the only other way past the guard).
 */
export function actingRole(user: User, ...roles: readonly [Role, ...Role[]]): Role {
  return roles.find((role) => user.roles.includes(role)) ?? 'admin';
}

/**
 * One mount, several ways to sign in (e.g. a page session cookie and API bearer tokens): the user of the first
 * authenticator that finds one. The 401 carries every challenge (RFC 9110 §11.6.1 allows a list).
 */
export function firstSignedIn(
  ...authenticators: readonly [UserAuthenticator, ...UserAuthenticator[]]
): UserAuthenticator {
  return {
    challenge: authenticators.map((a) => a.challenge).join(', '),
    authenticate: async (req) => {
      for (const authenticator of authenticators) {
        const user = await authenticator.authenticate(req);
        if (user) return user;
      }
      return undefined;
    },
  };
}
