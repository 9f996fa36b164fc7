/**
 * The in-code migration list (no directory scanning, so it works the same from `src/` under ts-jest/tsx and from
 * `dist/`). Add each new `NNNN_name.ts` here; kysely runs them in name order and records them in
 * `kysely_migration`. A migration whose DDL differs between the engines is a function of the engine.
 */
import type { Migration, MigrationProvider } from 'kysely';
import type { Engine } from '../connect';
import * as m0001 from './0001_invocations_cards_feedback';
import * as m0002 from './0002_threshold_sets';
import * as m0003 from './0003_invocation_versions';
import { thresholdSetEvents } from './0004_threshold_set_events';
import * as m0005 from './0005_invocation_inputs';
import * as m0006 from './0006_ratings';
import * as m0010 from './0010_client_jtis';
import * as m0011 from './0011_rate_limit_hits';
import * as m0020 from './0020_card_as_shown';
import * as m0021 from './0021_rating_events';
import * as m0022 from './0022_page_sessions';
import { auditEvents } from './0030_audit_events';
import * as m0031 from './0031_invocation_user_card_detail';
import { overrideReviews } from './0032_override_reviews';
import * as m0060 from './0060_volume';
import * as m0090 from './0090_shadow_comparisons';
import * as m0110 from './0110_drop_card_detail';
import * as m0120 from './0120_threshold_dry_runs';
import * as m0130 from './0130_ratings_by_rating';
import * as m0140 from './0140_invocation_user_name';
import * as m0150 from './0150_feedback_newest_by_card';
import { overriddenCards } from './0160_overridden_cards';
import * as m0170 from './0170_shadow_comparisons_by_time';
import * as m0180 from './0180_volume_acknowledged';
import * as m0190 from './0190_reinterpretation_follow_ups';
import * as m0200 from './0200_invocations_by_patient';
import * as m0210 from './0210_threshold_draft_base';
import * as m0230 from './0230_clinician_name_folded';
import { wrongPatientFollowUps } from './0220_wrong_patient_follow_ups';

/** Hands kysely's `Migrator` the migrations above, made for `engine`. */
export function migrationProvider(engine: Engine): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001_invocations_cards_feedback': m0001,
    '0002_threshold_sets': m0002,
    '0003_invocation_versions': m0003,
    '0004_threshold_set_events': thresholdSetEvents(engine),
    '0005_invocation_inputs': m0005,
    '0006_ratings': m0006,
    '0010_client_jtis': m0010,
    '0011_rate_limit_hits': m0011,
    '0020_card_as_shown': m0020,
    '0021_rating_events': m0021,
    '0022_page_sessions': m0022,
    '0030_audit_events': auditEvents(engine),
    '0031_invocation_user_card_detail': m0031,
    '0032_override_reviews': overrideReviews(engine),
    '0060_volume': m0060,
    '0090_shadow_comparisons': m0090,
    '0110_drop_card_detail': m0110,
    '0120_threshold_dry_runs': m0120,
    '0130_ratings_by_rating': m0130,
    '0140_invocation_user_name': m0140,
    '0150_feedback_newest_by_card': m0150,
    '0160_overridden_cards': overriddenCards(engine),
    '0170_shadow_comparisons_by_time': m0170,
    '0180_volume_acknowledged': m0180,
    '0190_reinterpretation_follow_ups': m0190,
    '0200_invocations_by_patient': m0200,
    '0210_threshold_draft_base': m0210,
    '0220_wrong_patient_follow_ups': wrongPatientFollowUps(engine),
    '0230_clinician_name_folded': m0230,
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}
