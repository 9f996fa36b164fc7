/**
 * Request and response shapes of the pharmacist's and informaticist's JSON APIs (`/api/overrides…`, `/api/kpis`), as
 * zod schemas: requests are parsed with them (400 `ADMIN_INVALID_REQUEST` naming the field otherwise), and the web
 * client imports the TypeScript types exported here, so both sides share one definition. Times in responses are
 * ISO 8601 UTC strings.
 */
import { z } from 'zod';
import type { GeneResultView, SensorDataView } from '../cards/evidence-contract';
import { AppError } from '../http/errors';
import { REPORT_OUTCOMES } from '../store';

/** `YYYY-MM-DD` (a UTC day) or an ISO 8601 date-time with an offset. */
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A range bound: a UTC day or a date-time. `end` turns a day into the start of the next day, so `to=2026-11-30`
 * includes all of 30 November.
 */
function timeBound(end: boolean) {
  return z
    .string()
    .refine(
      (v) => DAY.test(v) || DATE_TIME.test(v),
      'must be YYYY-MM-DD or an ISO 8601 date-time with offset',
    )
    .transform((v, ctx) => {
      const at = new Date(DAY.test(v) ? `${v}T00:00:00.000Z` : v);
      // A day that does not exist (2026-02-30) would roll over into the next month: refused instead.
      if (Number.isNaN(at.getTime()) || (DAY.test(v) && at.toISOString().slice(0, 10) !== v)) {
        ctx.addIssue({ code: 'custom', message: 'is not a real date' });
        return z.NEVER;
      }
      if (end && DAY.test(v)) at.setUTCDate(at.getUTCDate() + 1);
      return at;
    });
}

function wholeNumber(min: number, max: number, fallback: number) {
  return z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .default(fallback);
}

export const INDICATORS = ['info', 'warning', 'critical'] as const;
export const REVIEW_STATUSES = ['appropriate', 'not-appropriate', 'follow-up'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** Largest page of `GET /api/overrides`. */
export const MAX_PAGE_SIZE = 100;

/** Filters of `GET /api/overrides` and `GET /api/overrides.csv` (query parameters, all optional). */
export const overrideFilterSchema = z
  .object({
    /** Overrides received at or after (a day: from its start, UTC). */
    from: timeBound(false).optional(),
    /** Overrides received before (a day: through its end, UTC). */
    to: timeBound(true).optional(),
    /** Drug name, any case. */
    drug: z.string().trim().min(1).max(100).toLowerCase().optional(),
    /** HGNC gene symbol, e.g. `CYP2C19`, `HLA-B`. */
    gene: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z0-9-]{1,20}$/, 'must be a gene symbol such as CYP2C19 or HLA-B')
      .optional(),
    indicator: z.enum(INDICATORS).optional(),
    /** The override reason's code. */
    reason: z.string().trim().min(1).max(200).optional(),
    /**
     * The prescriber: as the EHR refers to them (`context.userId`, e.g. `Practitioner/123`) or by their recorded name
     * (any case).
     */
    clinician: z.string().trim().min(1).max(200).optional(),
    /**
     * `false`: never reviewed; `follow-up`: the current review asks for follow-up; `differ`: concluded, and the
     * pharmacists' current judgements differ; `true`: concluded, every current judgement agreeing.
     */
    reviewed: z.enum(['true', 'false', 'follow-up', 'differ']).optional(),
  })
  .strict();
export type OverrideFilterQuery = z.input<typeof overrideFilterSchema>;

export const overrideListQuerySchema = overrideFilterSchema
  .extend({
    page: wholeNumber(1, 100_000, 1),
    pageSize: wholeNumber(1, MAX_PAGE_SIZE, 25),
  })
  .strict();
export type OverrideListQuery = z.input<typeof overrideListQuerySchema>;

/** `POST /api/overrides/{cardUuid}/review`. */
export const reviewRequestSchema = z
  .object({
    status: z.enum(REVIEW_STATUSES),
    note: z.string().trim().max(2000).optional(),
  })
  .strict();
export type ReviewRequest = z.input<typeof reviewRequestSchema>;

export const reviewSchema = z.object({
  status: z.enum(REVIEW_STATUSES),
  note: z.string().optional(),
  /** The reviewer's user id. */
  reviewer: z.string(),
  reviewedAt: z.string(),
});
export type Review = z.infer<typeof reviewSchema>;

export const overrideReasonSchema = z.object({
  code: z.string().optional(),
  system: z.string().optional(),
  display: z.string().optional(),
});

/** One row of `GET /api/overrides`. */
export const overrideListItemSchema = z.object({
  cardUuid: z.string(),
  /** When the override reached this service. */
  overriddenAt: z.string(),
  /** When the card was shown. */
  shownAt: z.string(),
  serviceId: z.string(),
  hook: z.string(),
  summary: z.string(),
  indicator: z.enum(INDICATORS),
  drug: z.string().optional(),
  genes: z.array(z.string()),
  reason: overrideReasonSchema.optional(),
  comment: z.string().optional(),
  /** The prescriber's reference (`context.userId`). */
  clinician: z.string().optional(),
  /** The prescriber's name, when the EHR prefetched their Practitioner resource. */
  clinicianName: z.string().optional(),
  /** The current review; absent when never reviewed. */
  review: reviewSchema.optional(),
  /**
   * Each pharmacist's current judgement (their latest review, when it concludes: appropriate or not), newest first.
   */
  judgements: z.array(reviewSchema),
  /** Whether those judgements differ (one appropriate, another not appropriate): the override is not settled. */
  judgementsDiffer: z.boolean(),
  /**
   * For a card whose rules read wearable measures: how many of the patient's later calls were read (at most
   * `LATER_CALLS`, `more` when there may be others) and how many readings of those measures they hold that are newer
   * than the alert's (the detail's `sinceAlert.sensors`). Not in the CSV export.
   */
  sinceAlert: z
    .object({ calls: z.number().int(), more: z.boolean(), newReadings: z.number().int() })
    .optional(),
});
export type OverrideListItem = z.infer<typeof overrideListItemSchema>;

export const overrideListSchema = z.object({
  items: z.array(overrideListItemSchema),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  /** The override reasons this service's cards offer (code and words, each code once), for the reason filter. */
  reasons: z.array(z.object({ code: z.string(), display: z.string() })),
});
export type OverrideList = z.infer<typeof overrideListSchema>;

/** One decision behind the card: what was advised and why. */
export const decisionEvidenceSchema = z.object({
  drug: z.string(),
  action: z.string(),
  indicator: z.string(),
  guideline: z.string().optional(),
  strength: z.string().optional(),
  recommendation: z.string().optional(),
  /** genotype → phenotype → CPIC row → threshold notes → sensor rules, one line each. */
  explanation: z.array(z.string()),
  /** What each sensor rule did, one sentence each. */
  sensorNotes: z.array(z.string()),
});

/** `GET /api/overrides/{cardUuid}`. */
export const overrideDetailSchema = z.object({
  card: z.object({
    uuid: z.string(),
    summary: z.string(),
    indicator: z.enum(INDICATORS),
    /** Markdown detail as shown; absent when the card had none or was recorded before details were kept. */
    detail: z.string().optional(),
    drug: z.string().optional(),
    serviceId: z.string(),
    hook: z.string(),
    shownAt: z.string(),
    ruleIds: z.array(z.string()),
    thresholdVersion: z.string(),
    knowledgeVersion: z.string(),
  }),
  /** The patient the card was about (FHIR reference), for follow-up. */
  patient: z.string().optional(),
  clinician: z.string().optional(),
  clinicianName: z.string().optional(),
  /**
   * What was ordered, as the EHR named it: the medicine and the first dosage instruction in words, one per order the
   * card was about. Absent for cards recorded before orders' words were kept.
   */
  ordered: z.array(z.object({ product: z.string().optional(), dosage: z.string().optional() })).optional(),
  /** Where the evidence was read from: the card's decision snapshot, else the invocation's recorded inputs. */
  evidenceFrom: z.enum(['decision-snapshot', 'assessment-inputs', 'none']),
  decisions: z.array(decisionEvidenceSchema),
  // Built by the server in the explanation page's words (`cards/evidence-view.ts`), never parsed.
  genes: z.array(z.custom<GeneResultView>()),
  sensors: z.array(z.custom<SensorDataView>()),
  /**
   * For a card whose rules read wearable measures: those measures as the patient's later calls read them, newest
   * first (the `LATER_CALLS` newest calls after the card's), so a reviewer sees whether the monitoring an override
   * promised shows in the data, and what the readings did.
   */
  sinceAlert: z
    .object({
      /** The later calls read (at most `LATER_CALLS`). */
      calls: z.number().int(),
      /** Whether there may be more, older than those read. */
      more: z.boolean(),
      /** The measures' names in words, as inside a sentence ("resting heart rate", "latest home INR"). */
      measures: z.array(z.string()),
      sensors: z.array(z.custom<SensorDataView>()),
    })
    .optional(),
  /** The card's override entries, first received first. */
  overrides: z.array(
    z.object({
      receivedAt: z.string(),
      outcomeTimestamp: z.string(),
      reason: overrideReasonSchema.optional(),
      comment: z.string().optional(),
    }),
  ),
  review: reviewSchema.optional(),
  /** Each pharmacist's current judgement, newest first, and whether they differ (as in the list). */
  judgements: z.array(reviewSchema),
  judgementsDiffer: z.boolean(),
  /** Every review, newest first (the first is `review`). */
  history: z.array(reviewSchema),
});
export type OverrideDetail = z.infer<typeof overrideDetailSchema>;

/**
 * The answer to a review: the review recorded, the card's history newest first, and each pharmacist's current
 * judgement with whether they differ.
 */
export const reviewResponseSchema = z.object({
  review: reviewSchema,
  history: z.array(reviewSchema),
  judgements: z.array(reviewSchema),
  judgementsDiffer: z.boolean(),
});
export type ReviewResponse = z.infer<typeof reviewResponseSchema>;

/** Longest period `GET /api/kpis` computes over. */
export const MAX_KPI_DAYS = 366;

/** `GET /api/kpis?from&to&groupBy`: default the 30 days before now, by rule. */
export const kpiQuerySchema = z
  .object({
    from: timeBound(false).optional(),
    to: timeBound(true).optional(),
    groupBy: z.enum(['rule', 'pair']).default('rule'),
  })
  .strict();
export type KpiQuery = z.input<typeof kpiQuerySchema>;

const rate = z.number().min(0).max(1).nullable();
const ageSummary = z.object({
  /** Cards with a known age. */
  count: z.number().int(),
  median: z.number().nullable(),
  max: z.number().nullable(),
});

/** The figures of one group (or of all cards). Rates are 0..1, null when their denominator is 0. */
export const kpiFiguresSchema = z.object({
  /** Cards shown, every hook. */
  cards: z.number().int(),
  /** Cards shown at order-sign. */
  orderSignCards: z.number().int(),
  /** Order-sign cards per 100 order-sign calls (alert burden); null without calls. */
  cardsPer100OrderSign: z.number().nullable(),
  /** Cards with an outcome reported (accepted or overridden; the newest entry counts). */
  withOutcome: z.number().int(),
  accepted: z.number().int(),
  overridden: z.number().int(),
  /** accepted / withOutcome. */
  acceptanceRate: rate,
  /** overridden / withOutcome. */
  overrideRate: rate,
  /** Override reasons by code (`(none)` when the client sent none), most frequent first. */
  overrideReasons: z.array(
    z.object({ code: z.string(), display: z.string().optional(), count: z.number().int() }),
  ),
  /** Clinicians' ratings by answer. */
  ratings: z.object({
    useful: z.number().int(),
    'not-useful': z.number().int(),
    'too-often': z.number().int(),
    'wrong-patient': z.number().int(),
  }),
  /** Overridden cards whose current review concludes (appropriate or not) / overridden. */
  reviewedShare: rate,
  /**
   * Settled appropriate / concluded: overrides whose current review concludes and whose pharmacists' current
   * judgements all say appropriate. An override whose judgements differ is concluded but not settled: in the
   * denominator, never in the numerator (counted in `judgementsDiffer`).
   */
  appropriateShare: rate,
  /** Overrides whose current review concludes and whose pharmacists' current judgements differ. */
  judgementsDiffer: z.number().int(),
  /** Overridden cards flagged for follow-up. */
  followUp: z.number().int(),
  /**
   * How far two pharmacists agree when each judges the same override (appropriate or not): over the overrides two have
   * judged, how many they agreed on, and Cohen's κ (null without such overrides, or when chance agreement is certain).
   */
  reviewerAgreement: z.object({
    overrides: z.number().int(),
    agreed: z.number().int(),
    kappa: z.number().nullable(),
  }),
  /**
   * Overridden cards whose rules read wearable measures and whose override said "will monitor", and how many of them
   * the patient's later calls brought readings of those measures newer than the alert's (the override review's
   * "since the alert"): whether the monitoring promised shows in the data this service was sent.
   */
  monitoringPromised: z.object({ overrides: z.number().int(), withNewReadings: z.number().int() }),
  /** Hours from the newest wearable sample behind the card to the card. */
  sensorAgeHours: ageSummary,
  /** Days from the newest PGx result behind the card to the card. */
  pgxAgeDays: ageSummary,
});
export type KpiFigures = z.infer<typeof kpiFiguresSchema>;

export const kpiGroupSchema = kpiFiguresSchema.extend({
  /** `groupBy=rule`: the rule id; `groupBy=pair`: `drug|gene`. */
  key: z.string(),
  rule: z.string().optional(),
  /** `groupBy=rule`: the rule in words (`CPIC recommendation for CYP2C19 Poor Metabolizer`), what the page shows. */
  label: z.string().optional(),
  drug: z.string().optional(),
  /** Absent for a drug whose advice read no gene. */
  gene: z.string().optional(),
});
export type KpiGroup = z.infer<typeof kpiGroupSchema>;

export const kpiDaySchema = z.object({
  /** UTC day, `YYYY-MM-DD`. */
  day: z.string(),
  orderSignCalls: z.number().int(),
  orderSignCards: z.number().int(),
  cardsPer100OrderSign: z.number().nullable(),
  accepted: z.number().int(),
  overridden: z.number().int(),
});
export type KpiDay = z.infer<typeof kpiDaySchema>;

/** `GET /api/kpis`. */
export const kpiReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  groupBy: z.enum(['rule', 'pair']),
  orderSignCalls: z.number().int(),
  totals: kpiFiguresSchema,
  groups: z.array(kpiGroupSchema),
  /** One entry per UTC day of the period, for charts. */
  daily: z.array(kpiDaySchema),
});
export type KpiReport = z.infer<typeof kpiReportSchema>;

/** A pharmacist's follow-up of a listed patient: who, when (ISO 8601), and the note, if any. */
const followUpSchema = z.object({ by: z.string(), at: z.string(), note: z.string().optional() });

const calledAsSchema = z.object({
  phenotype: z.string(),
  /** The value CPIC's rows are looked up by: the phenotype, or an activity score (`1.0`). */
  lookupKey: z.string(),
  activityScore: z.string().optional(),
  /** The gene's CPIC `dataVersion` the call was made with, when known: `2025-11-05-00-25`. */
  alleleFunctions: z.string().optional(),
});

/** `GET /api/reinterpretations` (and `npm run reinterpret -- --json`): `src/admin/reinterpret.ts`. */
export const reinterpretationReportSchema = z.object({
  /** The knowledge in force, the results are called under now. */
  knowledgeVersion: z.string(),
  /** The same in words: `CPIC data of 30 Apr 2026`. */
  knowledge: z.string(),
  /** Patients with recorded results, each read once (their newest call). */
  patientsRead: z.number().int(),
  /** Those with a result called differently now or advice CPIC no longer gives, the most recently seen first. */
  patients: z.array(
    z.object({
      /** `Patient/123`, as recorded. */
      patient: z.string(),
      /** When the newest call that recorded the results was received (ISO 8601). */
      recordedAt: z.string(),
      /** Who made that call (`context.userId`), and their name when the EHR prefetched it: whom to tell. */
      clinician: z.string().optional(),
      clinicianName: z.string().optional(),
      /** The knowledge they were called under then, when recorded, and in words. */
      knowledgeVersion: z.string().optional(),
      calledUnder: z.string().optional(),
      changes: z.array(
        z.object({
          gene: z.string(),
          /** The genotype as recorded: `*1/*3`. */
          genotype: z.string(),
          was: calledAsSchema,
          now: calledAsSchema,
          /**
           * What changed in CPIC to call it differently, when the record and the data set tell: `CPIC changed the
           * phenotype for activity score 1.0`, with the allele-function dates either side when both are known.
           */
          reason: z.string().optional(),
          /** In words: `CYP2D6 *1/*3: Normal Metabolizer (activity score 1.0) → Intermediate Metabolizer (…); <reason>`. */
          text: z.string(),
        }),
      ),
      /**
       * Each CPIC advice a card of that call gave that CPIC does not give now for the same orders and results (its
       * text or strength revised, its row gone, or a result called differently).
       */
      adviceChanges: z.array(
        z.object({
          /** Lower-case drug name: `codeine`. */
          drug: z.string(),
          /** The advice then and now, in words: the CPIC text with its strength, or why there is none. */
          was: z.string(),
          now: z.string(),
          /** `codeine: … (CPIC Strong) → … (CPIC Strong)`. */
          text: z.string(),
        }),
      ),
      /** A pharmacist's follow-up under the knowledge in force (`POST /api/reinterpretations/follow-ups`). */
      followedUp: followUpSchema.optional(),
    }),
  ),
});
export type ReinterpretationReport = z.infer<typeof reinterpretationReportSchema>;

/** `POST /api/reinterpretations/follow-ups`: a patient of the list followed up, with an optional note. */
export const followUpRequestSchema = z
  .object({
    /** As the list names it: `Patient/123` (a FHIR id: letters, digits, `-` and `.`, at most 64). */
    patient: z.string().regex(/^Patient\/[A-Za-z0-9\-.]{1,64}$/, 'must be Patient/ and a FHIR id'),
    note: z.string().trim().max(2000).optional(),
  })
  .strict();
export type FollowUpRequest = z.input<typeof followUpRequestSchema>;

/** `POST /api/reinterpretations/follow-ups` → 201. */
export const followUpResponseSchema = z.object({
  patient: z.string(),
  /** The knowledge version the patient is followed up under (the one in force). */
  knowledgeVersion: z.string(),
  followedUp: followUpSchema,
});
export type FollowUpResponse = z.infer<typeof followUpResponseSchema>;

/** Most reports `GET /api/reports` lists (the newest; `total` says how many match). */
export const MAX_REPORTS = 200;

export const REPORT_STATES = ['open', 'followed-up', 'all'] as const;

/** `GET /api/reports?state=`: `open` (default) reports not followed up since the clinician's answer. */
export const reportListQuerySchema = z.object({ state: z.enum(REPORT_STATES).default('open') }).strict();
export type ReportListQuery = z.input<typeof reportListQuerySchema>;

/**
 * `POST /api/reports/{cardUuid}/follow-ups`: what the pharmacist found about the report of `rater` (as the list
 * names them). A result or advice found wrong needs a note: who was told, what happens next.
 */
export const reportFollowUpRequestSchema = z
  .object({
    rater: z.string().min(1).max(1024),
    outcome: z.enum(REPORT_OUTCOMES),
    note: z.string().trim().max(2000).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.outcome !== 'result-confirmed' && !body.note) {
      ctx.addIssue({
        code: 'custom',
        path: ['note'],
        message: 'is required when the result or the advice is wrong: say who was told',
      });
    }
  });
export type ReportFollowUpRequest = z.input<typeof reportFollowUpRequestSchema>;

/** One follow-up of a report: what was found, the note, who and when (ISO 8601). */
export const reportFollowUpSchema = z.object({
  outcome: z.enum(REPORT_OUTCOMES),
  note: z.string().optional(),
  by: z.string(),
  at: z.string(),
  /** When the clinician gave the answer followed up: an earlier answer than the current one is history. */
  reportedAt: z.string(),
});
export type ReportFollowUp = z.infer<typeof reportFollowUpSchema>;

/** One "wrong for this patient" report: a clinician's current rating `wrong-patient` of a card. */
export const reportSchema = z.object({
  cardUuid: z.string(),
  /** When the card was shown, at which hook, by which service. */
  shownAt: z.string(),
  hook: z.string(),
  serviceId: z.string(),
  drug: z.string().optional(),
  /** The genes the card's decisions read (as the override list gives them). */
  genes: z.array(z.string()),
  /** The card as it was shown: summary, indicator and markdown detail (absent for cards recorded without it). */
  card: z.object({ summary: z.string(), indicator: z.enum(INDICATORS), detail: z.string().optional() }),
  /** The patient the card was about (FHIR reference): whose result the pharmacist checks. */
  patient: z.string().optional(),
  /** Who reported (the clinician the rating link names) and their name, when the EHR prefetched it. */
  rater: z.string(),
  raterName: z.string().optional(),
  comment: z.string().optional(),
  /** When the clinician gave this answer. */
  reportedAt: z.string(),
  /** `followed-up` once a follow-up names this answer; a new answer opens the report again. */
  state: z.enum(['open', 'followed-up']),
  /** Every follow-up of this card and rater, newest first (the first is current when `state` is `followed-up`). */
  followUps: z.array(reportFollowUpSchema),
});
export type Report = z.infer<typeof reportSchema>;

/** `GET /api/reports`. */
export const reportListSchema = z.object({
  state: z.enum(REPORT_STATES),
  /** How many reports are in this state (at most `MAX_REPORTS` are listed). */
  total: z.number().int(),
  reports: z.array(reportSchema),
});
export type ReportList = z.infer<typeof reportListSchema>;

/**
 * `POST /api/reports/{cardUuid}/follow-ups` → 201: the follow-up and the report as it stands now (absent when the
 * clinician changed the answer between the follow-up and its reading back).
 */
export const reportFollowUpResponseSchema = z.object({
  followUp: reportFollowUpSchema,
  report: reportSchema.optional(),
});
export type ReportFollowUpResponse = z.infer<typeof reportFollowUpResponseSchema>;

/** A request's query or body parsed with `schema` (absent: `{}`), or 400 `ADMIN_INVALID_REQUEST` naming each bad field. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    throw new AppError(
      'ADMIN_INVALID_REQUEST',
      parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
    );
  }
  return parsed.data;
}
