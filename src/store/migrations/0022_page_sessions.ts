/**
 * Page sessions (`/admin` pages): one row per sign-in, found by the SHA-256 of the session id the cookie carries (a
 * copy of the table signs nobody in), ended at sign-out or expiry; in the store, so every replica sees a sign-out.
 * `sign_in_tokens` records the `jti` of every token exchanged through a one-time sign-in link: each works once.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('page_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text')
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .execute();
  await db.schema
    .createTable('sign_in_tokens')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('used_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sign_in_tokens').execute();
  await db.schema.dropTable('page_sessions').execute();
}
