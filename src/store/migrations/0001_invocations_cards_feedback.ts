/**
 * First schema: invocations, their cards, feedback on cards. Only `text` and `integer` columns, so the same DDL
 * runs on SQLite and PostgreSQL. Migrations take `Kysely<unknown>`: they describe the schema at their own point in
 * history, not the current `Database` interface.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('invocations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('hook_instance', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('hook', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('client_issuer', 'text')
    .addColumn('patient_ref', 'text')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('invocations_service_received')
    .on('invocations')
    .columns(['service_id', 'received_at'])
    .execute();
  await db.schema.createIndex('invocations_received').on('invocations').column('received_at').execute();
  await db.schema
    .createIndex('invocations_hook_instance')
    .on('invocations')
    .column('hook_instance')
    .execute();

  await db.schema
    .createTable('cards')
    .addColumn('uuid', 'text', (c) => c.primaryKey())
    .addColumn('invocation_id', 'text', (c) => c.notNull().references('invocations.id'))
    .addColumn('indicator', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('drug', 'text')
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('rule_ids', 'text', (c) => c.notNull())
    .addColumn('threshold_version', 'text', (c) => c.notNull())
    .addColumn('knowledge_version', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cards_invocation').on('cards').column('invocation_id').execute();

  await db.schema
    .createTable('feedback')
    .addColumn('entry_key', 'text', (c) => c.primaryKey())
    .addColumn('card_uuid', 'text', (c) => c.notNull().references('cards.uuid'))
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('accepted_suggestions', 'text', (c) => c.notNull())
    .addColumn('override_code', 'text')
    .addColumn('override_system', 'text')
    .addColumn('override_display', 'text')
    .addColumn('user_comment', 'text')
    .addColumn('outcome_timestamp', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('client_issuer', 'text')
    .execute();
  await db.schema.createIndex('feedback_card').on('feedback').column('card_uuid').execute();
  await db.schema
    .createIndex('feedback_service_received')
    .on('feedback')
    .columns(['service_id', 'received_at'])
    .execute();
  await db.schema
    .createIndex('feedback_outcome_received')
    .on('feedback')
    .columns(['outcome', 'received_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('feedback').execute();
  await db.schema.dropTable('cards').execute();
  await db.schema.dropTable('invocations').execute();
}
