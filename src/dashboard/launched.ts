/**
 * The clinician dashboard after an EHR launch (issue 12 item 4): `POST /app/api/launched` with
 * `{ serverUrl, patient }` and `Authorization: Bearer <the SMART access token>`. The browser completed the SMART
 * authorization with fhirclient; this reads the patient's record from that FHIR server, server-side, with the token,
 * and answers the same `DashboardView` the demo patients get (the same `assess` the cards come from).
 *
 * Authorisation: the access token, accepted by a FHIR server this service trusts, is the authorisation here: the EHR
 * authorised this user for this patient when it issued the token (SMART App Launch,
 * https://hl7.org/fhir/smart-app-launch/app-launch.html). The service only ever forwards the token to a server on the
 * trusted issuers' `fhirServers` allowlist (or reads its own demo endpoint in process), so a token cannot be turned
 * against another server, nor the service into an open proxy. The token and the patient id are never logged or
 * stored: they live in this request only.
 *
 * Reads (under one deadline, each search at most `maxPages` pages, redirects refused): the Patient, the PGx results
 * and the wearable data (the `pgx` and `wearables` prefetch templates of `cds-services.json`, so the dashboard reads
 * what the cards read), the patient's active Consents, active and draft MedicationRequests, and the Medications they
 * reference. Patient, PGx results and medications are required: a failure answers an error. Wearable data and
 * consents are best effort, with a note on the page; a consent that cannot be read leaves every sensor chart out
 * (the patient may have refused their use).
 */
import { Router } from 'express';
import type { Request } from 'express';
import type { FhirResource, MedicationRequest } from 'fhir/r4';
import { z } from 'zod';
import { isUnderFhirServerPrefix } from '../cds/auth';
import { FhirFetchError, createFhirFetcher } from '../cds/fhir';
import type { FhirFetcher, FhirResult } from '../cds/fhir';
import { resolveTemplate } from '../cds/prefetch';
import type { PrefetchTemplates } from '../cds/types';
import { bearerToken } from '../http/bearer';
import { AppError } from '../http/errors';
import type { ErrorCode } from '../http/errors';
import type { Logger } from '../observability/logger';
import type { RuleEngine } from '../rules/engine';
import type { DashboardView } from './contract';
import { noExplanationReason, patientExplanationView } from './routes';
import { dashboardView } from './view';

/**
 * The whole budget of one launched record's reads, as a multiple of a hook call's (`FHIR_TIMEOUT_MS`): a page a
 * clinician opened may wait longer than a prescribing alert, and it reads more (every wearable reading of 28 days).
 */
export const LAUNCHED_BUDGET_FACTOR = 5;
/** Search pages read per query (the wearables search asks for 1,000 entries a page: up to 10,000 readings). */
export const LAUNCHED_MAX_PAGES = 10;
/** Medications read by reference, at most (a record names a few). */
const MAX_MEDICATION_READS = 20;

/** A FHIR logical id (https://hl7.org/fhir/R4/datatypes.html#id). */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

const launchRequestSchema = z.strictObject({
  serverUrl: z
    .string()
    .max(2048)
    .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), {
      message: 'must be the absolute http(s) base URL of the FHIR server',
    }),
  patient: z.string().regex(FHIR_ID, 'must be a FHIR id (1 to 64 letters, digits, "-" or ".")'),
});

/** The record's queries: the cards' own prefetch templates for PGx results, wearable data and consents. */
export interface LaunchedQueries {
  readonly pgx: string;
  readonly wearables: string;
  readonly consent: string;
}

/** The templates the dashboard reads with, from a service's prefetch (`cds-services.json`). */
export function launchedQueriesFrom(prefetch: PrefetchTemplates | undefined): LaunchedQueries | undefined {
  const pgx = prefetch?.['pgx'];
  const wearables = prefetch?.['wearables'];
  const consent = prefetch?.['consent'];
  return pgx && wearables && consent ? { pgx, wearables, consent } : undefined;
}

/** What was read of one patient's record, and what the page should say about what was not. */
export interface LaunchedRecord {
  readonly resources: readonly FhirResource[];
  readonly notes: readonly string[];
}

function withoutSlash(url: string): string {
  return url.replace(/(?<!\/)\/+$/, '');
}

function originOf(url: string): string {
  return URL.canParse(url) ? new URL(url).origin : '(not a URL)';
}

/** A failure the route answers with, and the words for the log (origin, kind, status: no token, no patient). */
export class LaunchFailure extends Error {
  override readonly name = 'LaunchFailure';
  constructor(
    readonly code: ErrorCode,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** The answer to a failed read the record cannot do without. */
function requiredFailure(err: unknown, what: string, origin: string): LaunchFailure {
  if (!(err instanceof FhirFetchError)) throw err;
  const said = `${what} from ${origin}: ${err.message}`;
  if (err.kind === 'timeout') return new LaunchFailure('DASHBOARD_FHIR_SERVER_TIMEOUT', said);
  if (err.kind === 'http' && err.status === 401) return new LaunchFailure('DASHBOARD_TOKEN_REFUSED', said);
  if (err.kind === 'http' && err.status === 403) return new LaunchFailure('DASHBOARD_ACCESS_REFUSED', said);
  if (err.kind === 'http' && err.status === 404 && what === 'Patient')
    return new LaunchFailure('DASHBOARD_PATIENT_NOT_FOUND', said);
  return new LaunchFailure('DASHBOARD_FHIR_SERVER_FAILED', said);
}

type Settled =
  { readonly ok: true; readonly result: FhirResult } | { readonly ok: false; readonly error: unknown };

async function settle(read: Promise<FhirResult>): Promise<Settled> {
  try {
    return { ok: true, result: await read };
  } catch (error) {
    return { ok: false, error };
  }
}

/** `Medication/{id}` references of the requests that are not contained, once each. */
function medicationReads(requests: readonly MedicationRequest[]): string[] {
  const refs = requests
    .map((r) => r.medicationReference?.reference)
    .filter(
      (ref): ref is string => typeof ref === 'string' && /^Medication\/[A-Za-z0-9\-.]{1,64}$/.test(ref),
    );
  return [...new Set(refs)].slice(0, MAX_MEDICATION_READS);
}

/**
 * Reads one patient's record from `fetcher` under `signal`. Throws `LaunchFailure` when the Patient, the PGx results
 * or the medications cannot be read.
 */
export async function readLaunchedRecord(
  fetcher: FhirFetcher,
  patientId: string,
  queries: LaunchedQueries,
  signal: AbortSignal,
): Promise<LaunchedRecord> {
  const origin = originOf(fetcher.serverUrl);
  const context = { patientId };
  const query = (template: string): Promise<FhirResult> => {
    const resolved = resolveTemplate(template, context);
    // The id was checked against the FHIR id pattern: every template token resolves.
    return fetcher.read(resolved ?? '', signal);
  };
  const id = encodeURIComponent(patientId);
  const [patient, pgx, medications, wearables, consent] = await Promise.all([
    settle(fetcher.read(`Patient/${id}`, signal)),
    settle(query(queries.pgx)),
    settle(fetcher.read(`MedicationRequest?patient=${id}&status=active,draft&_count=100`, signal)),
    settle(query(queries.wearables)),
    settle(query(queries.consent)),
  ]);
  const required = (settled: Settled, what: string): FhirResult => {
    if (settled.ok) return settled.result;
    throw requiredFailure(settled.error, what, origin);
  };
  // A refused token is the answer whichever read saw it first; then the Patient's own failure.
  const refused = [patient, pgx, medications, wearables, consent].find(
    (s) => !s.ok && s.error instanceof FhirFetchError && s.error.kind === 'http' && s.error.status === 401,
  );
  if (refused && !refused.ok) throw requiredFailure(refused.error, 'a read', origin);
  const patientRead = required(patient, 'Patient');
  const pgxRead = required(pgx, 'PGx results');
  const medicationsRead = required(medications, 'MedicationRequests');
  if (!patientRead.resources.some((r) => r.resourceType === 'Patient' && r.id === patientId)) {
    throw new LaunchFailure('DASHBOARD_FHIR_SERVER_FAILED', `Patient from ${origin}: not the patient read`);
  }

  const notes: string[] = [];
  if (!pgxRead.complete) {
    notes.push(
      'Check the record’s laboratory results before relying on this page: not every pharmacogenomic result could be read.',
    );
  }
  if (!medicationsRead.complete) {
    notes.push('Check the record’s medication list: not every medication could be read.');
  }
  let sensorResources: readonly FhirResource[] = [];
  if (!consent.ok) {
    notes.push(
      'Sensor data are not shown: the patient’s consent to their use could not be read from the record.',
    );
  } else if (!wearables.ok) {
    notes.push('Sensor data could not be read from the record.');
  } else {
    sensorResources = [...consent.result.resources, ...wearables.result.resources];
    if (!wearables.result.complete) {
      notes.push(
        'Only the newest sensor readings are shown: the record holds more than the dashboard reads at once.',
      );
    }
  }

  const requests = medicationsRead.resources.filter(
    (r): r is MedicationRequest => r.resourceType === 'MedicationRequest',
  );
  const medicationResults = await Promise.all(
    medicationReads(requests).map((ref) => settle(fetcher.read(ref, signal))),
  );
  if (medicationResults.some((m) => !m.ok)) {
    notes.push(
      'Some medicines are named only by reference and could not be read: check the record’s medication list.',
    );
  }

  const seen = new Set<string>();
  const resources = [
    ...patientRead.resources.filter((r) => r.resourceType === 'Patient'),
    ...pgxRead.resources,
    ...sensorResources,
    ...medicationsRead.resources,
    ...medicationResults.flatMap((m) => (m.ok ? m.result.resources : [])),
  ].filter((r) => {
    if (r.id === undefined) return true;
    const key = `${r.resourceType}/${r.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { resources, notes };
}

/** A FHIR server the service reads in process instead of over HTTP (its own demo endpoint). */
export interface InProcessFhirServer {
  readonly baseUrl: string;
  readonly fetcher: FhirFetcher;
}

export interface LaunchedRouterDeps {
  /** The trusted issuers' `fhirServers` prefixes (`CDS_TRUSTED_ISSUERS`). */
  readonly fhirServers: readonly string[];
  /** Servers read in process, trusted in every mode (the demo endpoint, `DEMO_FHIR=on`). */
  readonly inProcess: readonly InProcessFhirServer[];
  readonly queries: LaunchedQueries;
  readonly engine: () => RuleEngine;
  readonly knowledgeVersion: () => string;
  readonly now: () => Date;
  readonly logger: Logger;
  /** The fetcher of an allowlisted server with the launch's token; default `createFhirFetcher`. */
  readonly fetcherFor?: (serverUrl: string, accessToken: string) => FhirFetcher;
  /** The budget of one record's reads (`FHIR_TIMEOUT_MS` × `LAUNCHED_BUDGET_FACTOR`). */
  readonly budgetMs: number;
  /** Bytes one query of the record reads at most (`FHIR_READ_LIMIT`); default the fetcher's. */
  readonly readLimitBytes?: number;
}

/** The Bearer token of the request, or a 401. Never logged. */
function bearerOf(req: Request): string {
  const token = bearerToken(req);
  if (token === undefined) {
    throw new AppError('DASHBOARD_TOKEN_MISSING', [], { 'WWW-Authenticate': 'Bearer' });
  }
  return token;
}

/**
 * `POST /app/api/launched` (the dashboard of the launched patient) and `POST /app/api/launched/explanations/{drug}`
 * (the printable patient explanation of one medicine), both with `{ serverUrl, patient }` and the launch's token.
 */
export function createLaunchedRouter(deps: LaunchedRouterDeps): Router {
  const { budgetMs } = deps;
  const fetcherFor =
    deps.fetcherFor ??
    ((serverUrl: string, token: string) =>
      createFhirFetcher(serverUrl, token, {
        maxPages: LAUNCHED_MAX_PAGES,
        ...(deps.readLimitBytes === undefined ? {} : { maxBytes: deps.readLimitBytes }),
      }));

  async function launchedView(req: Request): Promise<DashboardView> {
    const token = bearerOf(req);
    const parsed = launchRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      throw new AppError(
        'DASHBOARD_INVALID_LAUNCH',
        parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
      );
    }
    const { serverUrl, patient } = parsed.data;
    const inProcess = deps.inProcess.find((s) => withoutSlash(s.baseUrl) === withoutSlash(serverUrl));
    if (!inProcess && !isUnderFhirServerPrefix(deps.fhirServers, serverUrl)) {
      deps.logger.warn(
        { launchRefused: `FHIR server ${originOf(serverUrl)} is under no trusted issuer's fhirServers` },
        'dashboard launch refused: the FHIR server is not trusted',
      );
      throw new AppError('DASHBOARD_FHIR_SERVER_NOT_TRUSTED', [
        `The FHIR server ${withoutSlash(serverUrl)} is not trusted by this service.`,
      ]);
    }
    const fetcher = inProcess?.fetcher ?? fetcherFor(serverUrl, token);
    let record: LaunchedRecord;
    try {
      record = await readLaunchedRecord(fetcher, patient, deps.queries, AbortSignal.timeout(budgetMs));
    } catch (err) {
      if (!(err instanceof LaunchFailure)) throw err;
      deps.logger.warn(
        { launchFailed: err.reason, code: err.code },
        'dashboard launch: the record could not be read',
      );
      throw new AppError(
        err.code,
        [],
        err.code === 'DASHBOARD_TOKEN_REFUSED' ? { 'WWW-Authenticate': 'Bearer error="invalid_token"' } : {},
      );
    }
    const view = await dashboardView({
      resources: record.resources,
      engine: deps.engine(),
      knowledgeVersion: deps.knowledgeVersion(),
      now: deps.now(),
    });
    return record.notes.length > 0 ? { ...view, recordNotes: record.notes } : view;
  }

  const router = Router();
  router.post('/', async (req, res) => {
    res.json(await launchedView(req));
  });
  router.post('/explanations/:drug', async (req, res) => {
    const view = await launchedView(req);
    const body = patientExplanationView(view, req.params.drug);
    if (!body) throw new AppError('DASHBOARD_NO_EXPLANATION', [noExplanationReason(view, req.params.drug)]);
    res.json(body);
  });
  return router;
}
