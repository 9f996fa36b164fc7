/**
 * Page sessions for the `/admin` pages: a random session id in a signed cookie (HttpOnly, SameSite=Lax, Secure
 * outside development), its SHA-256 in the store (`store.sessions`), so sign-out ends it on every replica. The cookie
 * signature (HMAC-SHA256 with `SESSION_SECRET`) refuses a forged cookie before the store is asked.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { PageSession, SessionRepository, SignInAudit } from '../store';
import { ROLES } from './auth';
import type { Role, User, UserAuthenticator } from './auth';

export const SESSION_COOKIE = 'pgx_session';

export interface SessionOptions {
  readonly sessions: SessionRepository;
  /** HMAC key of the cookie (`SESSION_SECRET`). */
  readonly secret: string;
  readonly hours: number;
  /** Secure cookies (every environment but development and test). */
  readonly secure: boolean;
  readonly now?: () => Date;
}

/** The cookies of a request, by name (RFC 6265 `Cookie` header). */
export function readCookies(req: Request): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (req.header('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    try {
      if (!cookies.has(name)) cookies.set(name, decodeURIComponent(value));
    } catch {
      // A malformed value is no cookie.
    }
  }
  return cookies;
}

/** `value.signature`, HMAC-SHA256 under `secret`. */
export function signValue(value: string, secret: string): string {
  return `${value}.${createHmac('sha256', secret).update(value).digest('base64url')}`;
}

/** The value of a `signValue` string when its signature holds under `secret`. */
export function unsignValue(signed: string, secret: string): string | undefined {
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const value = signed.slice(0, dot);
  const expected = Buffer.from(signValue(value, secret).slice(dot + 1));
  const given = Buffer.from(signed.slice(dot + 1));
  return expected.length === given.length && timingSafeEqual(expected, given) ? value : undefined;
}

function hashOf(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

function rolesOf(values: readonly string[]): Role[] {
  return ROLES.filter((r) => values.includes(r));
}

export interface Sessions {
  /** Reads the session cookie: the `/admin` mount's (and, besides bearer tokens, the `/api` mount's) authenticator. */
  readonly authenticator: UserAuthenticator;
  /**
   * Whether `authenticator` signed in the user of this request (so a browser's cookie carries it: the writes it
   * authenticates are checked for their origin, `origin.ts`); false when nobody or a bearer token signed in.
   */
  signedInBySession(req: Request): boolean;
  /** The live session of the request, with the name to show. */
  current(req: Request): Promise<PageSession | undefined>;
  /** Starts a session for `user` and sets its cookie; the sign-in is audited (`store.sessions.create`). */
  start(
    res: Response,
    user: { readonly id: string; readonly name?: string; readonly roles: readonly string[] },
    method: PageSession['method'],
    audit?: SignInAudit,
  ): Promise<void>;
  /** Ends the request's session (if any; audited) and clears its cookie. */
  end(req: Request, res: Response): Promise<void>;
}

export function createSessions(options: SessionOptions): Sessions {
  const now = options.now ?? (() => new Date());
  const cookieOptions = {
    httpOnly: true,
    secure: options.secure,
    sameSite: 'lax' as const,
    path: '/',
  };

  const idOf = (req: Request): string | undefined => {
    const cookie = readCookies(req).get(SESSION_COOKIE);
    return cookie === undefined ? undefined : unsignValue(cookie, options.secret);
  };

  const current = async (req: Request): Promise<PageSession | undefined> => {
    const id = idOf(req);
    return id === undefined ? undefined : options.sessions.findLive(hashOf(id), now());
  };

  const bySession = new WeakSet<Request>();

  return {
    authenticator: {
      challenge: 'Bearer realm="pgx-cds"',
      authenticate: async (req): Promise<User | undefined> => {
        const session = await current(req);
        if (!session) return undefined;
        bySession.add(req);
        return { id: session.userId, roles: rolesOf(session.roles) };
      },
    },
    signedInBySession: (req) => bySession.has(req),
    current,
    start: async (res, user, method, audit) => {
      const id = randomBytes(32).toString('base64url');
      const createdAt = now();
      const expiresAt = new Date(createdAt.getTime() + options.hours * 3_600_000);
      await options.sessions.create(
        {
          idHash: hashOf(id),
          userId: user.id,
          ...(user.name ? { userName: user.name } : {}),
          roles: rolesOf(user.roles),
          method,
          createdAt,
          expiresAt,
        },
        audit,
      );
      res.cookie(SESSION_COOKIE, signValue(id, options.secret), {
        ...cookieOptions,
        maxAge: options.hours * 3_600_000,
      });
    },
    end: async (req, res) => {
      const id = idOf(req);
      if (id !== undefined) await options.sessions.end(hashOf(id), now());
      res.clearCookie(SESSION_COOKIE, cookieOptions);
    },
  };
}

/** The first user any of `authenticators` finds (bearer token, then session cookie); the first one's challenge. */
export function eitherUser(
  ...authenticators: readonly [UserAuthenticator, ...UserAuthenticator[]]
): UserAuthenticator {
  return {
    challenge: authenticators[0].challenge,
    authenticate: async (req) => {
      for (const a of authenticators) {
        const user = await a.authenticate(req);
        if (user) return user;
      }
      return undefined;
    },
  };
}
