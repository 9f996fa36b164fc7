/**
 * Signing in to the pages (`/auth`): OpenID Connect (authorization code + PKCE, `oidc.ts`) against `OIDC_ISSUER`,
 * or a one-time sign-in link that exchanges a bearer token the `/api` authenticator accepts (`npm run token` prints
 * one in development); both start a page session (`session.ts`). Sign-out ends it.
 *
 * - `GET /auth/sign-in?returnTo=/admin/…` → the provider; `GET /auth/callback` → the session, then `returnTo`;
 * - `GET /auth/sign-in-link?token=<JWT>` → the session (once per token `jti`), then `/admin`;
 * - `POST /auth/sign-out` → ends the session, then `/signed-out`;
 * - `GET /auth/me` → who is signed in (the pages show it), or 401.
 */
import { Router } from 'express';
import type { Request } from 'express';
import { decodeJwt } from 'jose';
import type { SessionRepository } from '../store';
import type { UserAuthenticator } from './auth';
import { AppError } from './errors';
import type { OidcChecks, OidcSignIn } from './oidc';
import { readCookies, signValue, unsignValue } from './session';
import type { SignedInView } from './session-contract';
import type { Sessions } from './session';

export interface SignInDeps {
  readonly sessions: Sessions;
  readonly store: SessionRepository;
  /** The `/api` bearer authenticator: a sign-in link's token must pass it. */
  readonly bearer: UserAuthenticator;
  /** Absent when `OIDC_ISSUER` is not set. */
  readonly oidc?: OidcSignIn;
  readonly publicBaseUrl: string;
  /** HMAC key of the short-lived cookie that carries the OIDC checks across the provider's round trip. */
  readonly secret: string;
  readonly secure: boolean;
  readonly now?: () => Date;
}

const CHECKS_COOKIE = 'pgx_oidc';
const CHECKS_MAX_AGE_MS = 10 * 60_000;

/**
 * Only a path of the pages, with its query (a list's filters): never an absolute URL (no open redirect). The query may
 * hold only what `URLSearchParams` writes, so it cannot carry a scheme, a host or a fragment.
 */
export function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/admin(\/[A-Za-z0-9/_-]*)?(\?[A-Za-z0-9=&%._~+*-]*)?$/.test(value)
    ? value
    : '/admin';
}

export function createSignInRouter(deps: SignInDeps): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const checksCookie = { httpOnly: true, secure: deps.secure, sameSite: 'lax' as const, path: '/auth' };

  function requireOidc(): OidcSignIn {
    if (!deps.oidc) throw new AppError('AUTH_SIGN_IN_UNAVAILABLE');
    return deps.oidc;
  }

  router.get('/sign-in', async (req, res) => {
    const oidc = requireOidc();
    const { url, checks } = await oidc.start();
    const carried = Buffer.from(
      JSON.stringify({ ...checks, returnTo: safeReturnTo(req.query.returnTo) }),
    ).toString('base64url');
    res.cookie(CHECKS_COOKIE, signValue(carried, deps.secret), {
      ...checksCookie,
      maxAge: CHECKS_MAX_AGE_MS,
    });
    res.redirect(303, url);
  });

  router.get('/callback', async (req, res) => {
    const oidc = requireOidc();
    const signed = readCookies(req).get(CHECKS_COOKIE);
    const carried = signed === undefined ? undefined : unsignValue(signed, deps.secret);
    res.clearCookie(CHECKS_COOKIE, checksCookie);
    if (carried === undefined) {
      throw new AppError('AUTH_SIGN_IN_REFUSED', [
        'the sign-in was not started from this browser, or took too long',
      ]);
    }
    const { returnTo, ...checks } = JSON.parse(
      Buffer.from(carried, 'base64url').toString('utf8'),
    ) as OidcChecks & {
      returnTo: string;
    };
    let user;
    try {
      user = await oidc.finish(new URL(req.originalUrl, deps.publicBaseUrl), checks);
    } catch {
      // The provider's or the library's message is not passed on.
      throw new AppError('AUTH_SIGN_IN_REFUSED', ["the identity provider's answer did not verify"]);
    }
    await deps.sessions.start(res, user, 'oidc', { issuer: oidc.issuer });
    res.redirect(303, safeReturnTo(returnTo));
  });

  router.get('/sign-in-link', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    const user = token ? await deps.bearer.authenticate(withBearer(req, token)) : undefined;
    if (!user) throw new AppError('AUTH_SIGN_IN_REFUSED', ['the sign-in link is not valid or has expired']);
    let jti: unknown;
    let iss: unknown;
    try {
      ({ jti, iss } = decodeJwt(token));
    } catch {
      jti = undefined;
    }
    if (typeof jti !== 'string' || jti.length === 0) {
      throw new AppError('AUTH_SIGN_IN_REFUSED', ['the sign-in link has no token id (jti)']);
    }
    if (!(await deps.store.claimSignInToken(jti, now()))) {
      throw new AppError('AUTH_SIGN_IN_REFUSED', ['the sign-in link was already used']);
    }
    // The token's issuer (the development issuer or the configured one) says how the person was vouched for.
    await deps.sessions.start(
      res,
      { id: user.id, roles: user.roles },
      'sign-in-link',
      typeof iss === 'string' ? { issuer: iss } : {},
    );
    res.redirect(303, '/admin');
  });

  router.post('/sign-out', async (req, res) => {
    // Browsers say where a form post comes from in `Sec-Fetch-Site`; `Origin` is `null` under the pages'
    // no-referrer policy, so it only counts when it names an origin.
    const site = req.header('sec-fetch-site');
    const origin = req.header('origin');
    const foreignOrigin =
      origin !== undefined && origin !== 'null' && origin !== new URL(deps.publicBaseUrl).origin;
    if ((site !== undefined && site !== 'same-origin') || foreignOrigin) {
      throw new AppError('AUTH_SIGN_IN_REFUSED', ['sign-out must come from this service’s own pages']);
    }
    await deps.sessions.end(req, res);
    res.redirect(303, '/signed-out');
  });

  router.get('/me', async (req, res) => {
    const session = await deps.sessions.current(req);
    if (!session) throw new AppError('AUTH_UNAUTHORIZED', [], { 'WWW-Authenticate': deps.bearer.challenge });
    const view: SignedInView = {
      id: session.userId,
      ...(session.userName ? { name: session.userName } : {}),
      roles: session.roles,
      method: session.method,
      expiresAt: session.expiresAt.toISOString(),
    };
    res.json(view);
  });

  return router;
}

/** The request as the bearer authenticator should see it: with `Authorization: Bearer <token>`. */
function withBearer(req: Request, token: string): Request {
  const probe = Object.create(req) as Request;
  Object.defineProperty(probe, 'headers', { value: { ...req.headers, authorization: `Bearer ${token}` } });
  return probe;
}
