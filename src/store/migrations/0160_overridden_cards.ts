/**
 * The override review listed and counted overridden cards by joining every override entry to its card and invocation
 * and finding each card's newest entry with a subquery, and filtered by gene with a LIKE over each card's 4 KB
 * decision: with 50,000 overridden cards one page took 0.3 s unfiltered and 1.2 s for a gene no card names, on SQLite
 * the process answering nothing else meanwhile (its reads do not wait on I/O). `overridden_cards` keeps one narrow row
 * per overridden card, written with each override entry (`store/overrides.ts` `noteOverride`); here it is filled from
 * the entries already stored, in pages of cards.
 */
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../connect';
import { overriddenCardRow } from '../overrides';
import type { OverriddenCardFacts } from '../overrides';
import type { Database } from '../schema';

const PAGE = 500;

interface NewestOverride extends OverriddenCardFacts {
  readonly card_uuid: string;
  readonly entry_key: string;
  readonly received_at: string;
  readonly override_code: string | null;
}

export function overriddenCards(engine: Engine): Migration {
  return { up: (db) => up(db as Kysely<Database>, engine), down };
}

async function up(db: Kysely<Database>, engine: Engine): Promise<void> {
  await db.schema
    .createTable('overridden_cards')
    .addColumn('card_uuid', 'text', (c) => c.primaryKey().references('cards.uuid'))
    .addColumn('overridden_at', 'text', (c) => c.notNull())
    .addColumn('entry_key', 'text', (c) => c.notNull())
    .addColumn('override_code', 'text')
    .addColumn('drug', 'text')
    .addColumn('indicator', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('clinician_name', 'text')
    .addColumn('genes', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('overridden_cards_overridden_at')
    .on('overridden_cards')
    .columns(['overridden_at', 'card_uuid'])
    .execute();
  let after = '';
  for (;;) {
    // Cards in uuid order from `after`, each with its newest override entry (as the review orders them); a card never
    // overridden has none and drops out of the join. Driven from the cards' uuid index, so each page is a seek.
    const { rows } = await sql<NewestOverride>`
      select c.uuid as card_uuid, f.entry_key, f.received_at, f.override_code,
        c.drug, c.indicator, c.decision, i.user_id, i.user_name
      from cards c
      join feedback f on f.entry_key = (
        select f2.entry_key from feedback f2
        where f2.card_uuid = c.uuid and f2.outcome = 'overridden'
        order by f2.received_at desc, f2.entry_key desc
        limit 1)
      join invocations i on i.id = c.invocation_id
      where c.uuid > ${after}
      order by c.uuid
      limit ${PAGE}`.execute(db);
    if (rows.length === 0) break;
    await db
      .insertInto('overridden_cards')
      .values(
        rows.map((row) =>
          overriddenCardRow(row, {
            cardUuid: row.card_uuid,
            entryKey: row.entry_key,
            receivedAt: row.received_at,
            overrideCode: row.override_code,
          }),
        ),
      )
      .execute();
    after = rows[rows.length - 1]?.card_uuid ?? after;
  }
  // PostgreSQL plans by statistics, and a table just filled has none until autovacuum gets to it: until then it took
  // a gene matching half of 50,000 rows for three and joined every match before sorting (330 ms a page, 2 ms after
  // ANALYZE). SQLite plans from its indexes alone here (no statistics table is created).
  if (engine === 'postgres') await sql`analyze overridden_cards`.execute(db);
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('overridden_cards').execute();
}
