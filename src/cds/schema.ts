/**
 * Runtime schemas for the shapes in `./types.ts` (zod 4). Requests are read leniently where real clients are
 * known to deviate (documented per field); responses are checked strictly against the 2.0 invariants
 * (https://cds-hooks.hl7.org/2.0/ — cds-r-1, cds-resp-1..7, cds-fb-1..3).
 */
import { z } from 'zod';
import type { CdsRequest, CdsResponse, FeedbackRequest, HookName } from './types';

const nonEmpty = z.string().trim().min(1);
/**
 * A user, patient, encounter or order id: far longer than any real one (a FHIR id is at most 64 characters; a
 * reference or URN adds a type or a namespace) and short enough that every use of it stays cheap.
 */
const id = nonEmpty.max(1024, 'must be at most 1,024 characters');

/** Reserved `extension`: a JSON object; its content is ignored unless we know the key. */
const extension = z.record(z.string(), z.unknown());

/** A FHIR base URL; longer than 2,048 characters is no server address. */
const absoluteUrl = z.url({ protocol: /^https?$/ }).max(2048, 'must be at most 2,048 characters');

/**
 * `hookInstance` is a UUID in the spec. We accept any opaque id of safe characters (1–128): rejecting a
 * real client over the id's format helps nobody, and the id is only used for correlation.
 */
const hookInstance = z
  .string()
  .regex(/^[\w.:-]{1,128}$/, 'must be a UUID (or an opaque id of 1–128 safe characters)');

/**
 * `fhirAuthorization`: `access_token` and `token_type: Bearer` are enforced; `expires_in`, `scope` and `subject`
 * are REQUIRED by the spec but some clients omit them (cds-hooks/sandbox#65), so they are optional here.
 */
const fhirAuthorization = z.object({
  access_token: nonEmpty,
  token_type: z.string().regex(/^bearer$/i, 'must be "Bearer"'),
  expires_in: z.number().nonnegative().optional(),
  scope: z.string().optional(),
  subject: z.string().optional(),
  patient: z.string().optional(),
});

/**
 * Most draft orders one call may carry: a large admission order set holds a few dozen, so 200 leaves room for any real
 * one and keeps one answer (a card per order with a problem, each several kilobytes) bounded.
 */
export const MAX_DRAFT_ORDERS = 200;

/**
 * A Bundle as clients send `draftOrders`: the sandbox omits `type`, so only `resourceType` is required. Each entry
 * holds one order: an entry without `resource` would be an order nobody checked and nobody knew was skipped, so it is
 * refused (400) rather than passed over.
 */
const draftOrders = z.looseObject({
  resourceType: z.literal('Bundle'),
  entry: z
    .array(
      z.looseObject({
        resource: z.looseObject(
          { resourceType: nonEmpty },
          {
            error: (issue) =>
              issue.input === undefined ? 'required: each entry holds one draft order' : undefined,
          },
        ),
      }),
    )
    .max(MAX_DRAFT_ORDERS, `must hold at most ${String(MAX_DRAFT_ORDERS)} orders`)
    .optional(),
});

const patientViewContext = z.looseObject({
  userId: id,
  patientId: id,
  encounterId: id.optional(),
});
const orderSignContext = patientViewContext.extend({ draftOrders });
const orderSelectContext = orderSignContext.extend({ selections: z.array(id).min(1).max(MAX_DRAFT_ORDERS) });

const contexts = {
  'patient-view': patientViewContext,
  'order-select': orderSelectContext,
  'order-sign': orderSignContext,
} as const;

function requestSchema(hook: HookName) {
  return z
    .looseObject({
      hook: z.literal(hook),
      hookInstance,
      fhirServer: absoluteUrl.optional(),
      fhirAuthorization: fhirAuthorization.optional(),
      context: contexts[hook],
      prefetch: z.record(z.string(), z.unknown()).optional(),
      extension: extension.optional(),
    })
    .refine((r) => r.fhirAuthorization === undefined || r.fhirServer !== undefined, {
      message: 'fhirServer is required when fhirAuthorization is present (cds-r-1)',
      path: ['fhirServer'],
    });
}

const requestSchemas = {
  'patient-view': requestSchema('patient-view'),
  'order-select': requestSchema('order-select'),
  'order-sign': requestSchema('order-sign'),
} as const;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
}

/** Validates a service call body for `hook`. Unknown fields and extensions are tolerated. */
export function parseCdsRequest<H extends HookName>(hook: H, body: unknown): ParseResult<CdsRequest<H>> {
  const result = requestSchemas[hook].safeParse(body);
  if (!result.success) return { ok: false, problems: problemsOf(result.error) };
  return { ok: true, value: result.data as unknown as CdsRequest<H> };
}

/** Coding: https://cds-hooks.hl7.org/2.0/#coding */
const coding = z.strictObject({ code: nonEmpty, system: nonEmpty, display: nonEmpty.optional() });

/** Longest override comment taken: pages of free text, far beyond what a clinician types while ordering. */
export const MAX_FEEDBACK_COMMENT = 10_000;

const feedbackEntry = z
  .looseObject({
    card: id,
    outcome: z.enum(['accepted', 'overridden']),
    acceptedSuggestions: z.array(z.looseObject({ id: nonEmpty })).optional(),
    /** Real clients (the sandbox) send `reason` without `display`: accepted. */
    overrideReason: z
      .looseObject({
        reason: z
          .looseObject({ code: nonEmpty, system: nonEmpty, display: z.string().optional() })
          .optional(),
        userComment: z
          .string()
          .max(MAX_FEEDBACK_COMMENT, `must be at most ${String(MAX_FEEDBACK_COMMENT)} characters`)
          .optional(),
      })
      .optional(),
    outcomeTimestamp: z.iso.datetime({ offset: true }),
  })
  .refine((f) => f.outcome !== 'accepted' || (f.acceptedSuggestions?.length ?? 0) > 0, {
    message: 'acceptedSuggestions is required when outcome is accepted (cds-fb-2)',
    path: ['acceptedSuggestions'],
  })
  .refine((f) => f.outcome === 'overridden' || f.overrideReason === undefined, {
    message: 'overrideReason is only allowed when outcome is overridden',
    path: ['overrideReason'],
  })
  .refine(
    (f) =>
      f.overrideReason === undefined ||
      f.overrideReason.reason !== undefined ||
      !!f.overrideReason.userComment,
    { message: 'overrideReason needs a reason or a userComment (cds-fb-3)', path: ['overrideReason'] },
  );

/**
 * Most entries one feedback request may carry. The spec sets no bound; an EHR sends one entry per card acted on, so
 * 100 is far above what a clinician produces in one go, and it keeps one request's transaction short.
 */
export const MAX_FEEDBACK_ENTRIES = 100;

const feedbackRequest = z.looseObject({
  feedback: z.array(feedbackEntry).min(1).max(MAX_FEEDBACK_ENTRIES),
});

/** Validates a feedback body: https://cds-hooks.hl7.org/2.0/#feedback */
export function parseFeedbackRequest(body: unknown): ParseResult<FeedbackRequest> {
  // Counted before the entries are checked one by one: an oversized batch is refused at once.
  const entries = (body as { feedback?: unknown } | null)?.feedback;
  if (Array.isArray(entries) && entries.length > MAX_FEEDBACK_ENTRIES) {
    return {
      ok: false,
      problems: [`feedback: at most ${MAX_FEEDBACK_ENTRIES} entries per request (${entries.length} sent)`],
    };
  }
  const result = feedbackRequest.safeParse(body);
  if (!result.success) return { ok: false, problems: problemsOf(result.error) };
  return { ok: true, value: result.data as unknown as FeedbackRequest };
}

// ---- Responses: strict, so our own output is held to the spec (used by tests and a debug-mode self-check).

const action = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.enum(['create', 'update']),
    description: nonEmpty,
    resource: z.looseObject({ resourceType: nonEmpty }),
  }),
  z.strictObject({ type: z.literal('delete'), description: nonEmpty, resourceId: nonEmpty }),
]);

const suggestion = z.strictObject({
  label: nonEmpty,
  uuid: nonEmpty.optional(),
  isRecommended: z.boolean().optional(),
  actions: z.array(action).min(1).optional(),
});

const link = z.discriminatedUnion('type', [
  z.strictObject({ label: nonEmpty, url: absoluteUrl, type: z.literal('absolute') }),
  z.strictObject({
    label: nonEmpty,
    url: absoluteUrl,
    type: z.literal('smart'),
    appContext: nonEmpty.optional(),
    autolaunchable: z.boolean().optional(),
  }),
]);

const card = z
  .strictObject({
    uuid: nonEmpty.optional(),
    summary: nonEmpty.max(139, 'summary must be under 140 characters'),
    detail: nonEmpty.optional(),
    indicator: z.enum(['info', 'warning', 'critical']),
    source: z.strictObject({
      label: nonEmpty,
      url: absoluteUrl.optional(),
      icon: absoluteUrl.optional(),
      topic: coding.optional(),
    }),
    suggestions: z.array(suggestion).min(1).optional(),
    selectionBehavior: z.enum(['at-most-one', 'any']).optional(),
    overrideReasons: z
      .array(coding.required({ display: true }))
      .min(1)
      .optional(),
    links: z.array(link).min(1).optional(),
    extension: extension.optional(),
  })
  .refine((c) => c.suggestions === undefined || c.selectionBehavior !== undefined, {
    message: 'selectionBehavior is required when suggestions are present (cds-resp-6)',
  })
  .refine(
    (c) =>
      c.selectionBehavior !== 'at-most-one' ||
      (c.suggestions ?? []).filter((s) => s.isRecommended).length <= 1,
    { message: 'at most one recommended suggestion with at-most-one (cds-resp-1)' },
  );

const cdsResponse = z.strictObject({
  cards: z.array(card),
  systemActions: z.array(action).min(1).optional(),
});

/** Checks a service response against the 2.0 card rules; returns the problems (empty when valid). */
export function checkCdsResponse(response: unknown): string[] {
  const result = cdsResponse.safeParse(response);
  return result.success ? [] : problemsOf(result.error);
}

export type { CdsResponse };
