/**
 * Users for the tests of `/api`, `/admin` and the pages: a bearer authenticator like the `/api` one, for tokens the
 * test signs itself (HS256, `sub` and `roles`), so a test needs no identity provider.
 */
import type { Request } from 'express';
import { jwtVerify } from 'jose';
import type { Role, UserAuthenticator } from '../../src/http/auth';

/** Accepts `Authorization: Bearer <JWT>` signed with `key` (HS256); the user is its `sub` with its `roles`. */
export function hs256Bearer(key: Uint8Array): UserAuthenticator {
  return {
    challenge: 'Bearer realm="pgx-cds"',
    authenticate: async (req: Request) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token) return undefined;
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
        return { id: String(payload.sub), roles: (payload.roles ?? []) as Role[] };
      } catch {
        return undefined;
      }
    },
  };
}
