/**
 * The override review's prescriber search ignores accents (`searchFolded`): "roisin" finds "Róisín". New rows of
 * `overridden_cards` store the name folded; here the rows written before are folded the same way, in pages of cards.
 */
import type { Kysely } from 'kysely';
import { searchFolded } from '../overrides';

const PAGE = 500;

export async function up(db: Kysely<unknown>): Promise<void> {
  const typed = db as unknown as Kysely<{
    overridden_cards: { card_uuid: string; clinician_name: string | null };
  }>;
  let after = '';
  for (;;) {
    const rows = await typed
      .selectFrom('overridden_cards')
      .select(['card_uuid', 'clinician_name'])
      .where('card_uuid', '>', after)
      .where('clinician_name', 'is not', null)
      .orderBy('card_uuid')
      .limit(PAGE)
      .execute();
    for (const row of rows) {
      const folded = searchFolded(row.clinician_name ?? '');
      if (folded === row.clinician_name) continue;
      await typed
        .updateTable('overridden_cards')
        .set({ clinician_name: folded })
        .where('card_uuid', '=', row.card_uuid)
        .execute();
    }
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) return;
    after = last.card_uuid;
  }
}

/** Nothing to undo: a folded name is what the search compares. */
export async function down(): Promise<void> {}
