/**
 * CDS Hooks endpoints: discovery and service calls. Thin routes (DESIGN.md convention 2): parse, call one
 * function, map the result to a status. The hook logic is injected as handlers so this protocol layer does not
 * import the clinical modules.
 */
import { Router } from 'express';
import type NodeCache from 'node-cache';
import type { Logger } from '../observability/logger';
import { AppError } from '../http/errors';
import type { Metrics } from '../observability/metrics';
import { currentContext } from '../observability/context';
import type { CardRecord } from '../store';
import type { InvocationRecorder } from './recorder';
import { isFhirServerAllowed } from './auth';
import { verifiedClient } from './http';
import { createFhirFetcher } from './fhir';
import type { FhirFetcher } from './fhir';
import { parseCdsRequest } from './schema';
import type { Card, CdsRequest, CdsServiceDefinition, HookName } from './types';
import { discoveryResponse } from './discovery';

/** What a hook handler gets besides the validated request. */
export interface HookCall<H extends HookName = HookName> {
  readonly service: CdsServiceDefinition;
  readonly request: CdsRequest<H>;
  /** A fetcher for the request's fhirServer, absent when there is none or it may not be used. */
  readonly fhir: FhirFetcher | undefined;
  readonly fhirBudgetMs: number;
  readonly fhirCache: NodeCache;
  readonly onFhirCall: (outcome: string, seconds: number) => void;
  readonly logger: Logger;
  /** The hook's time: windows and ages are computed from it. */
  readonly now: Date;
}

/**
 * A hook's answer: the cards and, per card, what produced it (recorded for feedback and review), and the inputs of
 * the assessment behind them (recorded for replay; absent when nothing was assessed).
 */
export interface HookAnswer {
  readonly cards: readonly Card[];
  readonly provenance: readonly Omit<CardRecord, 'summary' | 'indicator'>[];
  readonly inputs?: unknown;
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
  readonly fhirCache: NodeCache;
  readonly now?: () => Date;
}

/** Routes under `/cds-services`. Authentication, CORS and body parsing are mounted by `createApp`. */
export function createCdsRouter(deps: CdsRouterDeps): Router {
  const router = Router();
  const byId = new Map(deps.services.map((s) => [s.id, s]));
  const now = deps.now ?? (() => new Date());

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
    const service = byId.get(req.params.id);
    if (!service) throw new AppError('CDS_UNKNOWN_SERVICE', [`no service "${req.params.id}"`]);
    const ctx = currentContext();
    if (ctx) ctx.serviceId = service.id;
    const endTimer = deps.metrics.requestSeconds.startTimer({ service: service.id });
    res.on('finish', () => {
      endTimer();
      deps.metrics.requests.inc({ service: service.id, status: String(res.statusCode) });
    });
    const answer = await callService(service, req.body, verifiedClient(res));
    const { cards } = answer;
    // Recorded before answering when the store answers in time, so feedback on these cards finds them; otherwise
    // held by the recorder, and feedback on them is asked to retry until it is written.
    await record(service, answer, performance.now() - started, verifiedClient(res)?.iss);
    for (const card of cards) deps.metrics.cards.inc({ service: service.id, indicator: card.indicator });
    res.json({ cards });
  });

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
        `service "${service.id}" serves hook "${service.hook}", not ${typeof hook === 'string' ? JSON.stringify(hook.slice(0, 64)) : `a ${hook === null ? 'null' : typeof hook}`}`,
      ]);
    }
    const parsed = parseCdsRequest(service.hook, body);
    if (!parsed.ok) throw new AppError('CDS_INVALID_REQUEST', parsed.problems);
    const request = parsed.value;
    const ctx = currentContext();
    if (ctx) ctx.hookInstance = request.hookInstance;

    const fhir = fhirFetcherFor(request, client);
    const handler = deps.handlers[service.hook] as HookHandler;
    const answer = await handler({
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
    return { ...answer, request };
  }

  /**
   * The fallback FHIR server, if it may be used. With JWT authentication the server must match a prefix
   * allowlisted for the verified issuer (no open proxy, no SSRF): otherwise the request is refused (403).
   * Without authentication any URL is used, with a warning.
   */
  function fhirFetcherFor(
    request: CdsRequest,
    client: ReturnType<typeof verifiedClient>,
  ): FhirFetcher | undefined {
    if (request.fhirServer === undefined) return undefined;
    if (deps.authMode === 'jwt') {
      if (!client || !isFhirServerAllowed(client.issuer, request.fhirServer)) {
        throw new AppError('CDS_FHIR_SERVER_NOT_ALLOWED', ['fhirServer is not allowlisted for this issuer']);
      }
    } else {
      deps.logger.warn('CDS_AUTH=none: calling an unverified fhirServer');
    }
    return createFhirFetcher(request.fhirServer, request.fhirAuthorization?.access_token);
  }

  async function record(
    service: CdsServiceDefinition,
    { request, cards, provenance, inputs }: HookAnswer & { request: CdsRequest },
    latencyMs: number,
    clientIssuer: string | undefined,
  ): Promise<void> {
    const byUuid = new Map(provenance.map((p) => [p.uuid, p]));
    const records: CardRecord[] = cards.flatMap((card) => {
      const p = card.uuid === undefined ? undefined : byUuid.get(card.uuid);
      return p ? [{ ...p, summary: card.summary, indicator: card.indicator }] : [];
    });
    // Never rejects: the cards go out whatever becomes of the record (advice matters more than the record).
    await deps.recorder.record({
      hookInstance: request.hookInstance,
      serviceId: service.id,
      hook: service.hook,
      receivedAt: now(),
      ...(clientIssuer ? { clientIssuer } : {}),
      patientRef: `Patient/${request.context.patientId}`,
      latencyMs: Math.round(latencyMs),
      ...deps.versions(),
      ...(inputs === undefined ? {} : { inputs }),
      cards: records,
    });
  }

  router.all('/', (_req, _res) => {
    throw new AppError('HTTP_METHOD_NOT_ALLOWED');
  });

  return router;
}
