/**
 * "Wrong for this patient" reports and the pharmacy's follow-ups of them (migration 0220). A report is a clinician's
 * current rating `wrong-patient` of a card (`ratings`: one current answer per card and rater); the list is newest
 * answer first. A follow-up is one row, never updated; the newest of a card and rater is the report's current one, the
 * others its history, each written with its audit event in one transaction (as override reviews are).
 *
 * A follow-up records which answer it followed up (`reported_at` = that answer's `rated_at`): the report is followed
 * up while its current answer has a follow-up, and open again when the clinician answers again (a new comment), so a
 * pharmacist never closes what they have not read. No clock of two processes is compared.
 */
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { insertAuditEvent } from './audit';
import type { Database, WrongPatientFollowUpTable } from './schema';

/**
 * What a pharmacist found when following up a report (src/admin/README.md says why these three): the result and the
 * advice are right for this patient; the result is wrong or someone else's (the laboratory is told); the advice is
 * wrong for this patient although the result is right (passed to the informaticists).
 */
export const REPORT_OUTCOMES = ['result-confirmed', 'result-wrong', 'advice-wrong'] as const;
export type ReportOutcome = (typeof REPORT_OUTCOMES)[number];

/** A report is `open` until its current answer is followed up. */
export type ReportState = 'open' | 'followed-up';

export interface ReportFollowUp {
  readonly id: number;
  readonly cardUuid: string;
  readonly rater: string;
  /** The `ratedAt` of the answer followed up. */
  readonly reportedAt: Date;
  readonly outcome: ReportOutcome;
  readonly note?: string;
  /** The pharmacist's user id. */
  readonly by: string;
  readonly at: Date;
}

export interface WrongPatientReport {
  readonly cardUuid: string;
  readonly serviceId: string;
  readonly hook: string;
  /** When the card was shown (its invocation was received). */
  readonly shownAt: Date;
  readonly indicator: 'info' | 'warning' | 'critical';
  readonly summary: string;
  readonly drug?: string;
  /** The card's decision snapshot (JSON as recorded), for the genes it read. */
  readonly decision: unknown;
  /** The card as it was shown (JSON as recorded; absent for cards recorded before migration 0020). */
  readonly shown?: unknown;
  /** The patient's reference (`invocations.patient_ref`): whom the result is to be checked for. */
  readonly patientRef?: string;
  /** Who reported: the clinician the rating link names (e.g. `Practitioner/123`). */
  readonly rater: string;
  /** Their name, when the EHR prefetched it on the call that showed them the card. */
  readonly raterName?: string;
  /** The clinician's comment with the rating. */
  readonly comment?: string;
  /** When the current answer was given. */
  readonly reportedAt: Date;
  /** When the rater first answered for this card (any answer). */
  readonly firstRatedAt: Date;
  readonly state: ReportState;
  /** Every follow-up of this card and rater, newest first (the first is current). */
  readonly followUps: readonly ReportFollowUp[];
}

export interface NewReportFollowUp {
  readonly cardUuid: string;
  readonly rater: string;
  readonly outcome: ReportOutcome;
  readonly note?: string;
  readonly by: string;
  /** The role the pharmacist acted in (audited). */
  readonly role: string;
  readonly at: Date;
}

export interface ReportRepository {
  /**
   * The reports in `state` (both when absent), newest answer first: at most `limit`, and how many match in all.
   */
  list(
    filter: { readonly state?: ReportState },
    limit: number,
  ): Promise<{ reports: WrongPatientReport[]; total: number }>;
  /** The report of `rater` on the card; undefined when their current answer is not `wrong-patient`. */
  find(cardUuid: string, rater: string): Promise<WrongPatientReport | undefined>;
  /**
   * Records a follow-up of the report of `rater` on the card, of its current answer, and its audit event
   * (`report.follow-up`, target `card:<uuid>`, details: the follow-up id, outcome, rater and whether a note was given,
   * not the note) in one transaction. Undefined, and nothing written, when there is no such report.
   */
  addFollowUp(followUp: NewReportFollowUp): Promise<ReportFollowUp | undefined>;
}

type Scope = ExpressionBuilder<Database & { r: Database['ratings'] }, 'r'>;

/** Some follow-up names the rating's current answer. */
const followedUp = (eb: Scope) =>
  eb.exists(
    eb
      .selectFrom('wrong_patient_follow_ups as f')
      .select('f.id')
      .whereRef('f.card_uuid', '=', 'r.card_uuid')
      .whereRef('f.rater', '=', 'r.rater')
      .whereRef('f.reported_at', '=', 'r.rated_at'),
  );

export function createReportRepository(db: Kysely<Database>): ReportRepository {
  const matching = (state: ReportState | undefined) => {
    let q = db.selectFrom('ratings as r').where('r.rating', '=', 'wrong-patient');
    if (state === 'open') q = q.where((eb) => eb.not(followedUp(eb)));
    if (state === 'followed-up') q = q.where(followedUp);
    return q;
  };

  const reportsOf = async (
    state: ReportState | undefined,
    limit: number,
    only?: { readonly cardUuid: string; readonly rater: string },
  ): Promise<WrongPatientReport[]> => {
    let q = matching(state);
    if (only) q = q.where('r.card_uuid', '=', only.cardUuid).where('r.rater', '=', only.rater);
    const rows = await q
      .innerJoin('cards as c', 'c.uuid', 'r.card_uuid')
      .innerJoin('invocations as i', 'i.id', 'c.invocation_id')
      .select((eb) => [
        'r.card_uuid',
        'r.rater',
        'r.comment',
        'r.rated_at',
        'r.first_rated_at',
        'c.indicator',
        'c.summary',
        'c.drug',
        'c.decision',
        'c.shown',
        'i.service_id',
        'i.hook',
        'i.received_at as shown_at',
        'i.patient_ref',
        // The name the EHR gave for the call's user, who is the rater the card's link names.
        eb
          .case()
          .when('i.user_id', '=', eb.ref('r.rater'))
          .then(eb.ref('i.user_name'))
          .else(null)
          .end()
          .as('rater_name'),
        followedUp(eb).as('followed_up'),
      ])
      .orderBy('r.rated_at', 'desc')
      .orderBy('r.card_uuid', 'desc')
      .orderBy('r.rater', 'desc')
      .limit(limit)
      .execute();
    const followUps = await followUpsOf(
      db,
      rows.map((r) => r.card_uuid),
    );
    return rows.map((r) => ({
      cardUuid: r.card_uuid,
      serviceId: r.service_id,
      hook: r.hook,
      shownAt: new Date(r.shown_at),
      indicator: r.indicator,
      summary: r.summary,
      ...(r.drug !== null ? { drug: r.drug } : {}),
      decision: JSON.parse(r.decision) as unknown,
      ...(r.shown !== null ? { shown: JSON.parse(r.shown) as unknown } : {}),
      ...(r.patient_ref !== null ? { patientRef: r.patient_ref } : {}),
      rater: r.rater,
      ...(r.rater_name !== null ? { raterName: r.rater_name } : {}),
      ...(r.comment !== null ? { comment: r.comment } : {}),
      reportedAt: new Date(r.rated_at),
      firstRatedAt: new Date(r.first_rated_at),
      // SQLite answers 1 / 0, PostgreSQL true / false.
      state: r.followed_up === true || Number(r.followed_up) === 1 ? 'followed-up' : 'open',
      followUps: (followUps.get(r.card_uuid) ?? []).filter((f) => f.rater === r.rater),
    }));
  };

  return {
    list: async (filter, limit) => {
      const [reports, count] = await Promise.all([
        reportsOf(filter.state, limit),
        matching(filter.state)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow(),
      ]);
      return { reports, total: Number(count.n) };
    },
    find: async (cardUuid, rater) => (await reportsOf(undefined, 1, { cardUuid, rater }))[0],
    addFollowUp: (f) =>
      db.transaction().execute(async (trx) => {
        const rating = await trx
          .selectFrom('ratings')
          .select('rated_at')
          .where('card_uuid', '=', f.cardUuid)
          .where('rater', '=', f.rater)
          .where('rating', '=', 'wrong-patient')
          .executeTakeFirst();
        if (!rating) return undefined;
        const { id } = await trx
          .insertInto('wrong_patient_follow_ups')
          .values({
            card_uuid: f.cardUuid,
            rater: f.rater,
            reported_at: rating.rated_at,
            outcome: f.outcome,
            note: f.note ?? null,
            followed_up_by: f.by,
            followed_up_at: f.at.toISOString(),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        // The rater is a clinician's reference, not the patient's; the note may name the patient, so it stays out.
        await insertAuditEvent(trx, {
          actor: f.by,
          role: f.role,
          action: 'report.follow-up',
          target: `card:${f.cardUuid}`,
          at: f.at,
          details: { followUpId: id, outcome: f.outcome, rater: f.rater, withNote: f.note !== undefined },
        });
        return {
          id,
          cardUuid: f.cardUuid,
          rater: f.rater,
          reportedAt: new Date(rating.rated_at),
          outcome: f.outcome,
          ...(f.note !== undefined ? { note: f.note } : {}),
          by: f.by,
          at: f.at,
        };
      }),
  };
}

/** Every follow-up of `cardUuids`, by card, newest first. */
async function followUpsOf(
  db: Kysely<Database>,
  cardUuids: readonly string[],
): Promise<Map<string, ReportFollowUp[]>> {
  const byCard = new Map<string, ReportFollowUp[]>();
  if (cardUuids.length === 0) return byCard;
  const rows = await db
    .selectFrom('wrong_patient_follow_ups')
    .selectAll()
    .where('card_uuid', 'in', [...new Set(cardUuids)])
    .orderBy('id', 'desc')
    .execute();
  for (const row of rows) {
    const followUp = toFollowUp(row);
    const listed = byCard.get(row.card_uuid);
    if (listed) listed.push(followUp);
    else byCard.set(row.card_uuid, [followUp]);
  }
  return byCard;
}

function toFollowUp(row: Selectable<WrongPatientFollowUpTable>): ReportFollowUp {
  return {
    id: row.id,
    cardUuid: row.card_uuid,
    rater: row.rater,
    reportedAt: new Date(row.reported_at),
    outcome: row.outcome,
    ...(row.note !== null ? { note: row.note } : {}),
    by: row.followed_up_by,
    at: new Date(row.followed_up_at),
  };
}
