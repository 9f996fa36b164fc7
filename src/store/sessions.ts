/**
 * Page sessions of signed-in users and the one-time use of sign-in link tokens (migration 0022). The store keeps the
 * hash of a session id, never the id itself.
 */
import type { Kysely } from 'kysely';
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

export interface SessionRepository {
  create(session: PageSession): Promise<void>;
  /** The session, when it exists, has not ended and has not expired at `now`. */
  findLive(idHash: string, now: Date): Promise<PageSession | undefined>;
  /** Ends the session (sign-out); a second call changes nothing. */
  end(idHash: string, at: Date): Promise<void>;
  /** Records a sign-in token's `jti` as used; false when it was used before (each token signs in once). */
  claimSignInToken(jti: string, at: Date): Promise<boolean>;
}

export function createSessionRepository(db: Kysely<Database>): SessionRepository {
  return {
    create: async (s) => {
      await db
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
      await db
        .updateTable('page_sessions')
        .set({ ended_at: at.toISOString() })
        .where('id_hash', '=', idHash)
        .where('ended_at', 'is', null)
        .execute();
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
