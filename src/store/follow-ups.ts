/**
 * Pharmacists' follow-ups of patients on the re-interpretation list (`src/admin/reinterpret.ts`, migration 0190): one
 * per patient and knowledge version, the latest kept; each write audited in the same transaction.
 */
import type { Kysely } from 'kysely';
import { insertAuditEvent } from './audit';
import type { Database } from './schema';

export interface FollowUp {
  /** `Patient/123`, as the invocations record it. */
  readonly patientRef: string;
  /** The knowledge version the patient was listed under. */
  readonly knowledgeVersion: string;
  readonly by: string;
  readonly at: Date;
  readonly note?: string;
}

export interface FollowUpRepository {
  /** Records (or replaces) the follow-up of `patientRef` under `knowledgeVersion`, audited as `reinterpretation.follow-up`. */
  record(followUp: FollowUp & { readonly role: string }): Promise<void>;
  /** The follow-ups recorded under `knowledgeVersion`, by patient. */
  under(knowledgeVersion: string): Promise<Map<string, FollowUp>>;
}

export function createFollowUpRepository(db: Kysely<Database>): FollowUpRepository {
  return {
    record: (f) =>
      db.transaction().execute(async (trx) => {
        const row = {
          patient_ref: f.patientRef,
          knowledge_version: f.knowledgeVersion,
          followed_up_by: f.by,
          followed_up_at: f.at.toISOString(),
          note: f.note ?? null,
        };
        await trx
          .insertInto('reinterpretation_follow_ups')
          .values(row)
          .onConflict((oc) =>
            oc.columns(['patient_ref', 'knowledge_version']).doUpdateSet({
              followed_up_by: row.followed_up_by,
              followed_up_at: row.followed_up_at,
              note: row.note,
            }),
          )
          .execute();
        await insertAuditEvent(trx, {
          actor: f.by,
          role: f.role,
          action: 'reinterpretation.follow-up',
          target: f.patientRef,
          at: f.at,
          details: { knowledgeVersion: f.knowledgeVersion, withNote: f.note !== undefined },
        });
      }),
    under: async (knowledgeVersion) => {
      const rows = await db
        .selectFrom('reinterpretation_follow_ups')
        .selectAll()
        .where('knowledge_version', '=', knowledgeVersion)
        .execute();
      return new Map(
        rows.map((r) => [
          r.patient_ref,
          {
            patientRef: r.patient_ref,
            knowledgeVersion: r.knowledge_version,
            by: r.followed_up_by,
            at: new Date(r.followed_up_at),
            ...(r.note === null ? {} : { note: r.note }),
          },
        ]),
      );
    },
  };
}
