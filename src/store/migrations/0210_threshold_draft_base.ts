/**
 * Threshold drafts know what they were made from and who saved them last (threshold editor review, items 2 and 5):
 * `based_on` is the version in force the draft was made from (or whose changes it was carried onto), so a draft made
 * from a version no longer in force is refused at publish instead of silently undoing the newer one; `revision`
 * counts saves, so a save made from a stale page is refused instead of overwriting a colleague's; `updated_at` /
 * `updated_by` say who saved it last (the open drafts list). Drafts made before this migration get their base from the
 * description the editor wrote ("Made from X; …"); a draft written past the editor (an import) has none.
 */
import type { Kysely } from 'kysely';

const MADE_FROM = /^Made from ([A-Za-z0-9][A-Za-z0-9._-]{0,99});/;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('threshold_sets').addColumn('based_on', 'text').execute();
  await db.schema
    .alterTable('threshold_sets')
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('threshold_sets').addColumn('updated_at', 'text').execute();
  await db.schema.alterTable('threshold_sets').addColumn('updated_by', 'text').execute();
  const typed = db as unknown as Kysely<{
    threshold_sets: { version: string; json: string; status: string; based_on: string | null };
  }>;
  const drafts = await typed
    .selectFrom('threshold_sets')
    .select(['version', 'json'])
    .where('status', '=', 'draft')
    .execute();
  for (const draft of drafts) {
    let description: unknown;
    try {
      description = (JSON.parse(draft.json) as { description?: unknown }).description;
    } catch {
      continue;
    }
    const base = typeof description === 'string' ? MADE_FROM.exec(description)?.[1] : undefined;
    if (base) {
      await typed
        .updateTable('threshold_sets')
        .set({ based_on: base })
        .where('version', '=', draft.version)
        .execute();
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['updated_by', 'updated_at', 'revision', 'based_on']) {
    await db.schema.alterTable('threshold_sets').dropColumn(column).execute();
  }
}
