/**
 * The in-code migration list (no directory scanning, so it works the same from `src/` under ts-jest/tsx and from
 * `dist/`). Add each new `NNNN_name.ts` here; kysely runs them in name order and records them in
 * `kysely_migration`.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_invocations_cards_feedback';
import * as m0002 from './0002_threshold_sets';
import * as m0003 from './0003_invocation_versions';

const migrations: Record<string, Migration> = {
  '0001_invocations_cards_feedback': m0001,
  '0002_threshold_sets': m0002,
  '0003_invocation_versions': m0003,
};

/** Hands kysely's `Migrator` the migrations above. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
