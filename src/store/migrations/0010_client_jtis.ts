/**
 * Seen client JWT ids, shared by every instance on the store (issue 13 item 4): a token replayed to another replica
 * is refused. One row per (issuer, jti), hashed; kept until the token can no longer be valid, then purged.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('client_jtis')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('client_jtis_expires_at').on('client_jtis').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('client_jtis').execute();
}
