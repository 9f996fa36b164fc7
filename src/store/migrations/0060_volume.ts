/**
 * The alert-volume policy's state (issue 10 item 2, issue 13 item 4), shared by every replica on the store:
 * - `volume_outcomes`: per invocation, per advice, what the temper stage did (shown, demoted, shown as acknowledged,
 *   suppressed, or the same order-select card repeated) and why. A row that issued a new card (`first_showing` 1) is
 *   a firing of its rule; feedback and ratings on that card find the patient, advice and user through it.
 * - `order_select_cards`: the card order-select returns again (same uuid) to the same user editing the same draft
 *   order, until it expires or the clinician accepts or overrides it.
 * Patients are keyed by a SHA-256 of their reference, advice by a SHA-256 of `adviceKey`: no identifier in clear.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('volume_outcomes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('invocation_id', 'text', (c) => c.notNull().references('invocations.id'))
    .addColumn('hook', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('patient_key', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('advice_hash', 'text', (c) => c.notNull())
    .addColumn('drug', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('decided_indicator', 'text', (c) => c.notNull())
    .addColumn('shown_indicator', 'text')
    .addColumn('card_uuid', 'text')
    .addColumn('first_showing', 'integer', (c) => c.notNull())
    .addColumn('basis', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('volume_outcomes_patient_advice')
    .on('volume_outcomes')
    .columns(['patient_key', 'advice_hash'])
    .execute();
  await db.schema.createIndex('volume_outcomes_card').on('volume_outcomes').column('card_uuid').execute();
  await db.schema
    .createIndex('volume_outcomes_rule_time')
    .on('volume_outcomes')
    .columns(['rule_id', 'recorded_at'])
    .execute();
  await db.schema
    .createIndex('volume_outcomes_invocation')
    .on('volume_outcomes')
    .column('invocation_id')
    .execute();

  await db.schema
    .createTable('order_select_cards')
    .addColumn('cache_key', 'text', (c) => c.primaryKey())
    .addColumn('card_uuid', 'text', (c) => c.notNull())
    .addColumn('card', 'text', (c) => c.notNull())
    .addColumn('order_hash', 'text', (c) => c.notNull())
    .addColumn('indicator', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .addColumn('closed_by', 'text')
    .execute();
  await db.schema
    .createIndex('order_select_cards_card')
    .on('order_select_cards')
    .column('card_uuid')
    .execute();
  await db.schema
    .createIndex('order_select_cards_expires')
    .on('order_select_cards')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('order_select_cards').execute();
  await db.schema.dropTable('volume_outcomes').execute();
}
