/**
 * CDS Hooks endpoints: discovery and service calls. Thin routes (DESIGN.md convention 2): parse, call one
 * function, map the result to a status. The hook logic is injected as handlers so this protocol layer does not
 * import the clinical modules.
 */
import { Router } from 'express';
import type { Request as ExpressRequest } from 'express';
import type { Logger } from '../observability/logger';
import { AppError } from '../http/errors';
import type { Metrics } from '../observability/metrics';
import { currentContext } from '../observability/context';
import type { Assessment } from '../rules/assess';
import type { CardRecord, VolumeOutcomeRecord } from '../store';
import type { InvocationRecorder } from './recorder';
import { isFhirServerAllowed } from './auth';
import { verifiedClient } from './http';
import { FhirFetchError, createFhirFetcher } from './fhir';
import type { FhirFetcher } from './fhir';
import type { FhirCache } from './prefetch';
import { prescriberName } from './prescriber';
import { parseCdsRequest } from './schema';
import type { Card, CdsRequest, CdsServiceDefinition, HookName, Link } from './types';
import { discoveryResponse } from './discovery';

/** What a hook handler gets besides the validated request. */
export interface HookCall<H extends HookName = HookName> {
  readonly service: CdsServiceDefinition;
  readonly request: CdsRequest<H>;
  /** A fetcher for the request's fhirServer, absent when there is none or it may not be used. */
  readonly fhir: FhirFetcher | undefined;
  readonly fhirBudgetMs: number;
  readonly fhirCache: FhirCache;
  readonly onFhirCall: (outcome: string, seconds: number) => void;
  readonly logger: Logger;
  /** The hook's time: windows and ages are computed from it. */
  readonly now: Date;
}

/**
 * A hook's answer: the cards and, per card, what produced it (recorded for feedback and review), and the assessment
 * behind them (absent when nothing was assessed): its inputs are recorded for replay, its decisions are what shadow
 * mode compares a candidate set's with.
 */
export interface HookAnswer {
  readonly cards: readonly Card[];
  readonly provenance: readonly Omit<CardRecord, 'summary' | 'indicator'>[];
  readonly assessment?: Pick<Assessment, 'inputs' | 'decisions'>;
  /**
   * What the alert-volume policy did with each advice (recorded with the invocation, counted in `/metrics`). A card
   * repeated from an earlier invocation (order-select) has no provenance: it is recorded once, by that invocation.
   */
  readonly volume?: readonly VolumeOutcomeRecord[];
}

export type HookHandler<H extends HookName = HookName> = (call: HookCall<H>) => Promise<HookAnswer>;
export type HookHandlers = { readonly [H in HookName]: HookHandler<H> };

/** Versions of what decides: shown in discovery, recorded on every invocation. */
export interface RunningVersions {
  readonly knowledgeVersion: string;
  readonly thresholdVersion: string;
}

export interface CdsRouterDeps {
  readonly services: readonly CdsServiceDefinition[];
  readonly versions: () => RunningVersions;
  readonly handlers: HookHandlers;
  /** Writes each invocation, or holds it while the store is slow or down (recorder.ts). */
  readonly recorder: InvocationRecorder;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly authMode: 'jwt' | 'none';
  readonly fhirTimeoutMs: number;
  /** Bytes one FHIR fallback query reads at most (`FHIR_READ_LIMIT`). */
  readonly fhirReadLimitBytes: number;
  readonly fhirCache: FhirCache;
  readonly now?: () => Date;
  /**
   * FHIR servers trusted in every auth mode, by exact base URL: this service's own demo endpoint. A call naming one
   * is served by its fetcher (in process), never by an HTTP client.
   */
  readonly trustedFhirServers?: readonly TrustedFhirServer[];
  /**
   * The service's own page links for a card of `request` (rating, full explanation: `src/links/`; the dashboard),
   * appended to every card's `links`. Absent: cards carry only their own links.
   */
  readonly cardLinks?: (cardUuid: string, request: CdsRequest) => Promise<readonly Link[]>;
}

/** A FHIR server the service trusts whoever calls: its base URL and the fetcher that reads it. */
export interface TrustedFhirServer {
  readonly baseUrl: string;
  readonly fetcher: FhirFetcher;
}

/** The scheme, host and path of a URL, without query or credentials (for reasons and logs). */
function originOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Base URLs compare without a trailing slash. */
function baseOf(url: string): string {
  return url.replace(/(?<!\/)\/+$/, '');
}

/** Routes under `/cds-services`. Authentication, CORS and body parsing are mounted by `createApp`. */
export function createCdsRouter(deps: CdsRouterDeps): Router {
  const router = Router();
  const byId = new Map(deps.services.map((s) => [s.id, s]));
  const now = deps.now ?? (() => new Date());
  /** The service `id` names, or 404 `CDS_UNKNOWN_SERVICE`. */
  const serviceOf = (id: string): CdsServiceDefinition => {
    const service = byId.get(id);
    if (!service) throw new AppError('CDS_UNKNOWN_SERVICE', [`no service "${id}"`]);
    return service;
  };

  router.get('/', (_req, res) => {
    const v = deps.versions();
    res.json(
      discoveryResponse(deps.services, {
        'org.pgx-cds-hooks.knowledgeVersion': v.knowledgeVersion,
        'org.pgx-cds-hooks.thresholdVersion': v.thresholdVersion,
      }),
    );
  });

  router.post('/:id', async (req, res) => {
    const started = performance.now();
    const service = serviceOf(req.params.id);
    const ctx = currentContext();
    if (ctx) ctx.serviceId = service.id;
    const endTimer = deps.metrics.requestSeconds.startTimer({ service: service.id });
    res.on('finish', () => {
      endTimer();
      deps.metrics.requests.inc({ service: service.id, status: String(res.statusCode) });
    });
    const answer = await callService(service, req.body, verifiedClient(res));
    // Recorded before answering when the store answers in time, so feedback on these cards finds them; otherwise
    // held by the recorder, and feedback on them is asked to retry until it is written. The card is recorded as shown
    // but for its page links: their tokens are credentials, and the pages they open are where it is shown again.
    await record(service, answer, performance.now() - started, verifiedClient(res)?.iss);
    const cards = await withPageLinks(answer.cards, answer.request);
    for (const card of cards) deps.metrics.cards.inc({ service: service.id, indicator: card.indicator });
    for (const o of answer.volume ?? []) {
      deps.metrics.volumeCards.inc({ service: service.id, rule: o.ruleId, outcome: o.outcome });
    }
    res.json({ cards });
  });

  async function withPageLinks(cards: readonly Card[], request: CdsRequest): Promise<readonly Card[]> {
    const { cardLinks } = deps;
    if (!cardLinks) return cards;
    return Promise.all(
      cards.map(async (card) => {
        if (card.uuid === undefined) return card;
        const links = await cardLinks(card.uuid, request);
        return { ...card, links: [...(card.links ?? []), ...links] };
      }),
    );
  }

  async function callService(
    service: CdsServiceDefinition,
    body: unknown,
    client: ReturnType<typeof verifiedClient>,
  ): Promise<HookAnswer & { request: CdsRequest }> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AppError('CDS_INVALID_REQUEST', ['the body must be a JSON object']);
    }
    const hook = (body as { hook?: unknown }).hook;
    if (hook !== service.hook) {
      throw new AppError('CDS_HOOK_MISMATCH', [
        hook === undefined
          ? `hook: required; service "${service.id}" serves hook "${service.hook}"`
          : `service "${service.id}" serves hook "${service.hook}", not ${typeof hook === 'string' ? JSON.stringify(hook.slice(0, 64)) : hook === null ? 'null' : `a ${typeof hook}`}`,
      ]);
    }
    const parsed = parseCdsRequest(service.hook, body);
    if (!parsed.ok) throw new AppError('CDS_INVALID_REQUEST', parsed.problems);
    const request = parsed.value;
    const ctx = currentContext();
    if (ctx) ctx.hookInstance = request.hookInstance;

    const { fhir, refusal } = fhirFetcherFor(request, client);
    const handler = deps.handlers[service.hook] as HookHandler;
    let answer: HookAnswer;
    try {
      answer = await handler({
        service,
        request,
        fhir,
        fhirBudgetMs: deps.fhirTimeoutMs,
        fhirCache: deps.fhirCache,
        onFhirCall: (outcome, seconds) => {
          deps.metrics.fhirCalls.inc({ outcome });
          deps.metrics.fhirSeconds.observe({ outcome }, seconds);
        },
        logger: deps.logger,
        now: now(),
      });
    } catch (err) {
      // Data had to be fetched from a server this client may not make us call: that, not the missing data, is why.
      if (refusal?.needed) throw refused(refusal.reason);
      throw err;
    }
    if (refusal?.needed) throw refused(refusal.reason);
    return { ...answer, request };
  }

  function refused(reason: string): AppError {
    // The reason names the issuer and the server's origin: no patient data, no token.
    deps.logger.warn(
      { fhirServerRefused: reason },
      'fhirServer refused: the prefetch lacked data and the server is not allowlisted',
    );
    return new AppError('CDS_FHIR_SERVER_NOT_ALLOWED', [reason]);
  }

  /**
   * The fallback FHIR server, if it may be used. The service's own demo endpoint (`trustedFhirServers`) is read in
   * process in every auth mode. Otherwise, with JWT authentication the server must match a prefix allowlisted for
   * the verified issuer (no open proxy, no SSRF); a server that is not is never contacted, and the call is refused
   * (403, with the reason) only if the service actually has to fetch: a complete prefetch needs no server. Without
   * authentication any URL is used, with a warning.
   */
  function fhirFetcherFor(
    request: CdsRequest,
    client: ReturnType<typeof verifiedClient>,
  ): { fhir: FhirFetcher | undefined; refusal?: { needed: boolean; reason: string } } {
    if (request.fhirServer === undefined) return { fhir: undefined };
    const trusted = deps.trustedFhirServers?.find(
      (t) => baseOf(t.baseUrl) === baseOf(request.fhirServer ?? ''),
    );
    if (trusted) return { fhir: trusted.fetcher };
    if (deps.authMode === 'jwt') {
      if (!client || !isFhirServerAllowed(client.issuer, request.fhirServer)) {
        const reason = `fhirServer ${originOf(request.fhirServer)} is not allowlisted for issuer ${client?.iss ?? '(none)'}, and the prefetch lacked data the service had to fetch`;
        const refusal = { needed: false, reason };
        const refuse = (): Promise<never> => {
          refusal.needed = true;
          return Promise.reject(new FhirFetchError('http', 'fhirServer not allowlisted', 403));
        };
        return {
          fhir: { serverUrl: request.fhirServer, read: refuse, followPages: refuse },
          refusal,
        };
      }
    } else {
      deps.logger.warn('CDS_AUTH=none: calling an unverified fhirServer');
    }
    // `expires_in` is the token's lifetime in seconds (https://cds-hooks.hl7.org/2.0/#passing-the-access-token-to-the-cds-service),
    // counted from when the call was received: once it has ended (`0`: at once) the token is not sent.
    const expiresIn = request.fhirAuthorization?.expires_in;
    return {
      fhir: createFhirFetcher(request.fhirServer, request.fhirAuthorization?.access_token, {
        maxBytes: deps.fhirReadLimitBytes,
        ...(expiresIn === undefined
          ? {}
          : { tokenExpiresAt: now().getTime() + expiresIn * 1000, now: () => now().getTime() }),
      }),
    };
  }

  async function record(
    service: CdsServiceDefinition,
    { request, cards, provenance, assessment, volume }: HookAnswer & { request: CdsRequest },
    latencyMs: number,
    clientIssuer: string | undefined,
  ): Promise<void> {
    const byUuid = new Map(provenance.map((p) => [p.uuid, p]));
    const records: CardRecord[] = cards.flatMap((card) => {
      const p = card.uuid === undefined ? undefined : byUuid.get(card.uuid);
      return p
        ? [
            {
              ...p,
              summary: card.summary,
              indicator: card.indicator,
              shown: card,
            },
          ]
        : [];
    });
    const userName = prescriberName(request);
    // Never rejects: the cards go out whatever becomes of the record (advice matters more than the record).
    await deps.recorder.record(
      {
        hookInstance: request.hookInstance,
        serviceId: service.id,
        hook: service.hook,
        receivedAt: now(),
        ...(clientIssuer ? { clientIssuer } : {}),
        patientRef: `Patient/${request.context.patientId}`,
        // Who was prescribing (the pharmacist's override review filters by it); a clinician, not the patient.
        userId: request.context.userId,
        ...(userName !== undefined ? { userName } : {}),
        latencyMs: Math.round(latencyMs),
        ...deps.versions(),
        ...(assessment ? { inputs: assessment.inputs } : {}),
        cards: records,
        ...(volume && volume.length > 0 ? { volume } : {}),
      },
      assessment?.decisions,
    );
  }

  // Other methods: 405 with the methods the path takes (RFC 9110 §15.5.6), or 404 for a service that does not exist.
  router.all('/', () => {
    throw new AppError('HTTP_METHOD_NOT_ALLOWED', [], { Allow: 'GET, HEAD' });
  });
  const postOnly = (req: ExpressRequest<{ id: string }>): never => {
    serviceOf(req.params.id);
    throw new AppError('HTTP_METHOD_NOT_ALLOWED', [], { Allow: 'POST' });
  };
  router.all('/:id', postOnly);
  router.all('/:id/feedback', postOnly);

  return router;
}
