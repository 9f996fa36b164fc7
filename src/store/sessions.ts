/**
 * Page sessions of signed-in users and the one-time use of sign-in link tokens (migration 0022). The store keeps the
 * hash of a session id, never the id itself. Each sign-in and sign-out is also an access event in the audit trail
 * (`audit_events`, actions `session.sign-in` and `session.sign-out`), written in the same transaction.
 */
import type { Kysely } from 'kysely';
import { insertAuditEvent } from './audit';
import type { AuditEvent } from './audit';
import type { Database } from './schema';

export interface PageSession {
  /** SHA-256 (hex) of the session id the cookie carries. */
  idHash: string;
  userId: string;
  userName?: string;
  roles: readonly string[];
  /** How the user signed in: `oidc` or `sign-in-link`. */
  method: 'oidc' | 'sign-in-link';
  createdAt: Date;
  expiresAt: Date;
}

/** How a person signed in, for the audit trail: no token, no patient data. */
export interface SignInAudit {
  /**
   * The issuer that vouched for the person: `OIDC_ISSUER` for an OpenID Connect sign-in, the sign-in link token's
   * `iss` (the development issuer `PUBLIC_BASE_URL/dev`, or the configured issuer) for a link. Absent when unknown.
   */
  readonly issuer?: string;
}

export interface SessionRepository {
  /**
   * Starts a session and audits the sign-in (`session.sign-in`, target `user:<id>`, role: the roles held, details:
   * method, roles, issuer, expiry) in one transaction.
   */
  create(session: PageSession, audit?: SignInAudit): Promise<void>;
  /** The session, when it exists, has not ended and has not expired at `now`. */
  findLive(idHash: string, now: Date): Promise<PageSession | undefined>;
  /**
   * Ends the session (sign-out) and audits it (`session.sign-out`, details: method, when it started) in one
   * transaction; a second call changes nothing and audits nothing.
   */
  end(idHash: string, at: Date): Promise<void>;
  /** Records a sign-in token's `jti` as used; false when it was used before (each token signs in once). */
  claimSignInToken(jti: string, at: Date): Promise<boolean>;
}

export function createSessionRepository(db: Kysely<Database>): SessionRepository {
  return {
    create: async (s, audit = {}) => {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('page_sessions')
          .values({
            id_hash: s.idHash,
            user_id: s.userId,
            user_name: s.userName ?? null,
            roles: JSON.stringify(s.roles),
            method: s.method,
            created_at: s.createdAt.toISOString(),
            expires_at: s.expiresAt.toISOString(),
            ended_at: null,
          })
          .execute();
        await insertAuditEvent(trx, {
          ...whoSignedIn(s),
          action: 'session.sign-in',
          at: s.createdAt,
          details: {
            method: s.method,
            roles: [...s.roles],
            ...(audit.issuer !== undefined ? { issuer: audit.issuer } : {}),
            expiresAt: s.expiresAt.toISOString(),
          },
        });
      });
    },
    findLive: async (idHash, now) => {
      const row = await db
        .selectFrom('page_sessions')
        .selectAll()
        .where('id_hash', '=', idHash)
        .where('ended_at', 'is', null)
        .where('expires_at', '>', now.toISOString())
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        idHash: row.id_hash,
        userId: row.user_id,
        ...(row.user_name !== null ? { userName: row.user_name } : {}),
        roles: JSON.parse(row.roles) as string[],
        method: row.method,
        createdAt: new Date(row.created_at),
        expiresAt: new Date(row.expires_at),
      };
    },
    end: async (idHash, at) => {
      await db.transaction().execute(async (trx) => {
        const ended = await trx
          .updateTable('page_sessions')
          .set({ ended_at: at.toISOString() })
          .where('id_hash', '=', idHash)
          .where('ended_at', 'is', null)
          .returning(['user_id', 'roles', 'method', 'created_at'])
          .executeTakeFirst();
        if (!ended) return;
        await insertAuditEvent(trx, {
          ...whoSignedIn({ userId: ended.user_id, roles: JSON.parse(ended.roles) as string[] }),
          action: 'session.sign-out',
          at,
          details: { method: ended.method, signedInAt: new Date(ended.created_at).toISOString() },
        });
      });
    },
    claimSignInToken: async (jti, at) => {
      const result = await db
        .insertInto('sign_in_tokens')
        .values({ jti, used_at: at.toISOString() })
        .onConflict((oc) => oc.column('jti').doNothing())
        .executeTakeFirst();
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },
  };
}

/**
 * Who an access event is about: the user, and as its role the roles the session holds (space-separated; `none` for a
 * person signed in without any, who can open nothing but is still recorded).
 */
function whoSignedIn(s: {
  readonly userId: string;
  readonly roles: readonly string[];
}): Pick<AuditEvent, 'actor' | 'role' | 'target'> {
  return {
    actor: s.userId,
    role: s.roles.length > 0 ? s.roles.join(' ') : 'none',
    target: `user:${s.userId}`,
  };
}
