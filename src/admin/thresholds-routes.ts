/**
 * `/api/thresholds` (issue 11): the informaticist's threshold editor. Reads: the published set by drug and rule, the
 * versions and their history, a version, a draft's diff against the published set. Writes (each audited): a draft
 * made from the published set, a draft saved after validation, publish (a comment required) and rollback through the
 * registry, so this process uses the new set from the next call. Replay: a draft against recorded invocations.
 */
import { Router } from 'express';
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { actingRole, requireRole, signedInUser } from '../http/auth';
import type { User } from '../http/auth';
import { requireJsonBody } from '../http/body';
import { AppError } from '../http/errors';
import type { Metrics } from '../observability/metrics';
import { loadStoredThresholdSet } from '../rules/registry';
import type { ThresholdRegistry } from '../rules/registry';
import {
  parseThresholdSet,
  sensorRuleSchema,
  serializeThresholdSet,
  thresholdSetSchema,
} from '../rules/thresholds';
import type { ThresholdSet } from '../rules/thresholds';
import { MAX_REPLAY_INPUTS } from '../store';
import type { Store, ThresholdSetRecord } from '../store';
import { contentHashOf, dryRunThresholdSet, loadProblems } from './dry-run';
import { shadowReport } from './shadow';
import type { SensorRuleView, ThresholdProblem } from './thresholds-contract';
import { BASELINE_DAYS, latestPublicationWatch, reportWatch } from './watch';
import {
  contraindicationDemotions,
  describeSensorRule,
  describeThresholdSet,
  diffThresholdSets,
  replayAgainstDraft,
  validateThresholdSet,
} from './thresholds';
import { parseRequest } from './schemas';

export interface ThresholdApiDeps {
  readonly store: Store;
  readonly registry: ThresholdRegistry;
  /** The app's JSON body parser (`parseJsonBody`). */
  readonly jsonBody: readonly RequestHandler[];
  readonly now?: () => Date;
  /** Where the watch after publish is reported (`cds_threshold_rule_flagged`). */
  readonly metrics?: Pick<Metrics, 'thresholdRuleFlagged'>;
}

const versionName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'must be 1–100 letters, digits, dots, dashes or underscores');
const createDraftSchema = z.strictObject({ version: versionName, note: z.string().max(2000).optional() });
const saveDraftSchema = z.strictObject({
  set: z.unknown(),
  note: z.string().max(2000).optional(),
  acknowledgeDemotion: z.boolean().optional(),
});
const validateSchema = z.strictObject({ set: z.unknown(), acknowledgeDemotion: z.boolean().optional() });
const publishSchema = z.strictObject({
  version: versionName,
  comment: z.string().trim().min(1, 'a comment saying why is required').max(2000),
  acknowledgeDemotion: z.boolean().optional(),
});
const rollbackSchema = z.strictObject({
  version: versionName,
  comment: z.string().trim().min(1, 'a comment saying why is required').max(2000),
});
const shadowSchema = z.strictObject({ version: versionName.nullable() });
const ruleId = z.string().regex(/^R\d[a-z0-9-]*$/, 'must be a sensor rule id (R<number>…)');
// A sensor rule cannot demote a contraindication (the matrix and the per-drug overrides do): a demotion elsewhere in
// the draft was acknowledged when it was saved and is asked again at publish, so rule edits do not ask for it.
const saveRuleSchema = z.strictObject({ rule: z.unknown(), note: z.string().max(2000).optional() });
const checkRuleSchema = z.strictObject({ rule: z.unknown() });
/** Recorded calls a dry run replays by default (the newest). */
const DRY_RUN_REPLAY = 1000;
const dryRunSchema = z.strictObject({ last: z.number().int().min(0).max(MAX_REPLAY_INPUTS).optional() });
const DAY_OR_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
const instant = z
  .string()
  .regex(DAY_OR_TIME, 'must be YYYY-MM-DD or an ISO 8601 date-time with offset')
  .transform((v) => new Date(v.length === 10 ? `${v}T00:00:00Z` : v))
  .refine((d) => !Number.isNaN(d.getTime()), 'is not a real date');
const replaySchema = z.union(
  [
    z.strictObject({ last: z.number().int().min(1).max(MAX_REPLAY_INPUTS) }),
    z.strictObject({ from: instant, to: instant }),
  ],
  // Not zod's "Invalid input": which of the two bodies was meant cannot be told, so both are named.
  {
    error: `give either { "last": N }, the newest N recorded calls (1 to ${MAX_REPLAY_INPUTS}), or { "from": …, "to": … }, a period (YYYY-MM-DD or ISO 8601 date-times)`,
  },
);

function versionView(r: ThresholdSetRecord) {
  return {
    version: r.version,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    createdBy: r.createdBy,
    ...(r.publishedAt ? { publishedAt: r.publishedAt.toISOString() } : {}),
    ...(r.publishedBy ? { publishedBy: r.publishedBy } : {}),
    ...(r.note ? { note: r.note } : {}),
  };
}

/** Each sensor rule of a set with its JSON and its conditions in words. */
function ruleViews(set: ThresholdSet): SensorRuleView[] {
  return set.sensorRules.map((rule) => ({
    id: rule.id,
    enabled: rule.enabled,
    drugs: rule.drugs,
    words: describeSensorRule(rule, set),
    rule,
  }));
}

/** The set with the rule `id` replaced by `rule` (in place; a rule may be renamed), or `rule` added at the end. */
function withRule(set: ThresholdSet, id: string, rule: unknown): unknown {
  const index = set.sensorRules.findIndex((r) => r.id === id);
  const rules: unknown[] = [...set.sensorRules];
  if (index >= 0) rules[index] = rule;
  else rules.push(rule);
  return { ...set, sensorRules: rules };
}

/**
 * Every problem of a candidate draft in words: the editor's checks, then whether it loads as the registry would load
 * it (schema, then the rules engine). Empty: it may be saved.
 */
function draftProblems(
  version: string,
  candidate: unknown,
  acknowledgeDemotion: boolean,
): ThresholdProblem[] {
  const problems = validateThresholdSet(candidate, { acknowledgeDemotion });
  if (problems.length > 0) return problems;
  try {
    loadStoredThresholdSet({ version, json: serializeThresholdSet(parseThresholdSet(candidate)) });
  } catch (err) {
    return [
      { path: '', message: `The draft does not load: ${err instanceof Error ? err.message : String(err)}.` },
    ];
  }
  return [];
}

export function createThresholdApiRouter(deps: ThresholdApiDeps): Router {
  const { store, registry } = deps;
  const now = deps.now ?? (() => new Date());
  const router = Router();
  const guard = requireRole('informaticist');
  const body = [requireJsonBody, ...deps.jsonBody] as const;

  async function find(version: string): Promise<ThresholdSetRecord> {
    const found = (await store.thresholds.list()).find((r) => r.version === version);
    if (!found) throw new AppError('ADMIN_UNKNOWN_THRESHOLD_SET', [`no threshold set "${version}"`]);
    return found;
  }
  /** A stored draft as text (a draft that no longer loads can still be dry-run, to read why). */
  async function draftRecord(version: string): Promise<{ record: ThresholdSetRecord }> {
    const record = await find(version);
    if (record.status !== 'draft') {
      throw new AppError('ADMIN_THRESHOLD_CONFLICT', [
        `threshold set "${version}" is ${record.status}: published versions cannot be edited; make a new draft`,
      ]);
    }
    return { record };
  }
  async function draft(version: string): Promise<{ record: ThresholdSetRecord; set: ThresholdSet }> {
    const { record } = await draftRecord(version);
    try {
      return { record, set: loadStoredThresholdSet(record).thresholds };
    } catch (err) {
      // Written past this API (an import, another tool): refused with its reason, never a server error.
      throw new AppError('ADMIN_INVALID_THRESHOLDS', [
        `Threshold set ${version} does not load.`,
        ...loadProblems(record.json, err),
      ]);
    }
  }
  /** Checks a candidate draft (422 with every problem in words) and saves it; its changes against the set in force. */
  async function saveChecked(
    user: User,
    version: string,
    candidate: unknown,
    acknowledgeDemotion: boolean,
    note: string | undefined,
  ) {
    const problems = draftProblems(version, candidate, acknowledgeDemotion);
    if (problems.length > 0) {
      throw new AppError(
        'ADMIN_INVALID_THRESHOLDS',
        problems.map((p) => p.message),
      );
    }
    const set = parseThresholdSet(candidate);
    await store.thresholds.saveDraft({
      version,
      json: serializeThresholdSet(set),
      createdBy: user.id,
      createdAt: now(),
      ...(note ? { note } : {}),
    });
    return { set, changes: diffThresholdSets(registry.live().thresholds, set) };
  }
  const draftView = (version: string, set: ThresholdSet, changes: unknown) => ({
    version,
    status: 'draft' as const,
    set,
    entries: describeThresholdSet(set),
    rules: ruleViews(set),
    changes,
  });
  const audit = (user: User, action: string, target: string, details: Record<string, unknown>) =>
    store.audit.record({
      actor: user.id,
      role: actingRole(user, 'informaticist'),
      action,
      target: `thresholds/${target}`,
      at: now(),
      details,
    });

  router.get('/', guard, async (_req, res) => {
    const live = registry.live();
    const [versions, events] = await Promise.all([store.thresholds.list(), store.thresholds.listEvents()]);
    res.json({
      published: {
        version: live.thresholdVersion,
        description: live.thresholds.description,
        entries: describeThresholdSet(live.thresholds),
      },
      versions: versions.map(versionView),
      events: events.map((e) => ({ ...e, at: e.at.toISOString() })),
    });
  });

  router.get('/versions/:version', guard, async (req, res) => {
    const record = await find(versionOf(req.params.version));
    const set = JSON.parse(record.json) as ThresholdSet;
    const parsed = thresholdSetSchema.safeParse(set);
    res.json({
      ...versionView(record),
      set,
      entries: describeThresholdSet(set),
      rules: parsed.success ? ruleViews(parsed.data) : [],
    });
  });

  router.get('/schema', guard, (_req, res) => {
    // The shapes an author's editor checks a file against (JSON Schema 2020-12); defaults make fields optional.
    res.json({
      thresholdSet: z.toJSONSchema(thresholdSetSchema, { io: 'input' }),
      sensorRule: z.toJSONSchema(sensorRuleSchema, { io: 'input' }),
    });
  });

  router.post('/validate', guard, ...body, (req, res) => {
    const q = parseRequest(validateSchema, req.body);
    const problems = validateThresholdSet(q.set, { acknowledgeDemotion: q.acknowledgeDemotion ?? false });
    res.json({ valid: problems.length === 0, problems });
  });

  router.post('/drafts', guard, ...body, async (req, res) => {
    const q = parseRequest(createDraftSchema, req.body);
    const user = userOf(res);
    if ((await store.thresholds.list()).some((r) => r.version === q.version)) {
      throw new AppError('ADMIN_THRESHOLD_CONFLICT', [`a threshold set "${q.version}" already exists`]);
    }
    const live = registry.live();
    // The description of the set it was made from no longer describes it once edited: say where it came from instead.
    const set: ThresholdSet = {
      ...live.thresholds,
      version: q.version,
      description: `Made from ${live.thresholdVersion}; the version history says what changed and why.`,
    };
    await store.thresholds.saveDraft({
      version: q.version,
      json: serializeThresholdSet(set),
      createdBy: user.id,
      createdAt: now(),
      ...(q.note ? { note: q.note } : {}),
    });
    await audit(user, 'thresholds.draft.create', q.version, { from: live.thresholdVersion });
    res.status(201).json({
      version: q.version,
      status: 'draft',
      set,
      entries: describeThresholdSet(set),
      rules: ruleViews(set),
    });
  });

  router.put('/drafts/:version', guard, ...body, async (req, res) => {
    const version = versionOf(req.params.version);
    const q = parseRequest(saveDraftSchema, req.body);
    const user = userOf(res);
    await draft(version);
    const candidate = q.set !== null && typeof q.set === 'object' ? { ...q.set, version } : q.set;
    const acknowledgeDemotion = q.acknowledgeDemotion ?? false;
    const { set, changes } = await saveChecked(user, version, candidate, acknowledgeDemotion, q.note);
    await audit(user, 'thresholds.draft.save', version, {
      changes: changes.length,
      acknowledgedDemotion: acknowledgeDemotion && contraindicationDemotions(set).length > 0,
    });
    res.json(draftView(version, set, changes));
  });

  router.post('/drafts/:version/sensor-rules/:id/check', guard, ...body, async (req, res) => {
    const version = versionOf(req.params.version);
    const id = ruleIdOf(req.params.id);
    const q = parseRequest(checkRuleSchema, req.body);
    const { set } = await draft(version);
    const candidate = withRule(set, id, q.rule);
    const problems = draftProblems(version, candidate, true);
    const rule = sensorRuleSchema.safeParse(q.rule);
    res.json({
      valid: problems.length === 0,
      problems,
      ...(rule.success ? { words: describeSensorRule(rule.data, set) } : {}),
    });
  });

  router.put('/drafts/:version/sensor-rules/:id', guard, ...body, async (req, res) => {
    const version = versionOf(req.params.version);
    const id = ruleIdOf(req.params.id);
    const q = parseRequest(saveRuleSchema, req.body);
    const user = userOf(res);
    const { set: before } = await draft(version);
    const added = !before.sensorRules.some((r) => r.id === id);
    const { set, changes } = await saveChecked(user, version, withRule(before, id, q.rule), true, q.note);
    const saved = set.sensorRules.find((r) => r.id === (q.rule as { id?: unknown }).id);
    await audit(user, 'thresholds.sensor-rule.save', version, {
      rule: id,
      ...(saved && saved.id !== id ? { renamedTo: saved.id } : {}),
      added,
      enabled: saved?.enabled ?? null,
      changes: changes.length,
    });
    res.json(draftView(version, set, changes));
  });

  router.delete('/drafts/:version/sensor-rules/:id', guard, async (req, res) => {
    const version = versionOf(req.params.version);
    const id = ruleIdOf(req.params.id);
    const user = userOf(res);
    const { set: before } = await draft(version);
    if (!before.sensorRules.some((r) => r.id === id)) {
      throw new AppError('ADMIN_INVALID_REQUEST', [`the draft has no sensor rule ${id}`]);
    }
    const candidate = { ...before, sensorRules: before.sensorRules.filter((r) => r.id !== id) };
    const { set, changes } = await saveChecked(user, version, candidate, true, undefined);
    await audit(user, 'thresholds.sensor-rule.remove', version, { rule: id, changes: changes.length });
    res.json(draftView(version, set, changes));
  });

  router.post('/drafts/:version/dry-run', guard, ...body, async (req, res) => {
    const version = versionOf(req.params.version);
    const q = parseRequest(dryRunSchema, req.body);
    const user = userOf(res);
    const { record } = await draftRecord(version);
    const last = q.last ?? DRY_RUN_REPLAY;
    const recorded = last > 0 ? await store.invocations.listInputs({ last }) : [];
    const report = await dryRunThresholdSet(
      { version, json: record.json },
      { live: registry.live(), recorded: recorded.map((r) => r.inputs), now: now(), by: user.id },
    );
    await store.dryRuns.record({
      version,
      contentHash: report.contentHash,
      passed: report.passed,
      ranAt: new Date(report.ranAt),
      ranBy: user.id,
      report,
    });
    await audit(user, 'thresholds.dry-run', version, {
      passed: report.passed,
      contentHash: report.contentHash,
      rules: report.rules.length,
      failedCases: report.rules.reduce((n, r) => n + r.failed, 0),
      replayed: report.replay?.replayed ?? 0,
    });
    res.json(report);
  });

  router.get('/drafts/:version/dry-run', guard, async (req, res) => {
    const version = versionOf(req.params.version);
    const { record } = await draftRecord(version);
    const latest = await store.dryRuns.latest(version);
    res.json({
      current: latest !== undefined && latest.contentHash === contentHashOf(record.json),
      ...(latest ? { latest: latest.report } : {}),
    });
  });

  router.get('/drafts/:version/diff', guard, async (req, res) => {
    const { set } = await draft(versionOf(req.params.version));
    const live = registry.live();
    res.json({
      from: live.thresholdVersion,
      to: set.version,
      changes: diffThresholdSets(live.thresholds, set),
    });
  });

  router.post('/drafts/:version/replay', guard, ...body, async (req, res) => {
    const { set } = await draft(versionOf(req.params.version));
    const q = parseRequest(replaySchema, req.body);
    if ('from' in q && q.to <= q.from)
      throw new AppError('ADMIN_INVALID_REQUEST', ['to: must be after from']);
    const recorded = await store.invocations.listInputs(q);
    const report = await replayAgainstDraft(
      recorded.map((r) => r.inputs),
      registry.live(),
      set,
    );
    res.json({
      ...report,
      ...(recorded.length > 0
        ? {
            period: {
              from: recorded[recorded.length - 1]?.receivedAt.toISOString(),
              to: recorded[0]?.receivedAt.toISOString(),
            },
          }
        : {}),
    });
  });

  router.get('/watch', guard, async (_req, res) => {
    const watch = await latestPublicationWatch(store, now());
    if (deps.metrics) reportWatch(deps.metrics, watch);
    res.json(
      watch
        ? {
            version: watch.version,
            publishedAt: watch.publishedAt.toISOString(),
            watching: watch.watching,
            baselineDays: BASELINE_DAYS,
            rules: watch.rules,
          }
        : { version: registry.live().thresholdVersion, rules: [] },
    );
  });

  router.get('/shadow', guard, async (_req, res) => {
    const shadow = registry.shadow();
    res.json({
      version: shadow?.thresholdVersion ?? null,
      ...(shadow ? { report: await shadowReport(store, shadow.thresholdVersion, MAX_REPLAY_INPUTS) } : {}),
    });
  });

  router.post('/shadow', guard, ...body, async (req, res) => {
    const q = parseRequest(shadowSchema, req.body);
    const user = userOf(res);
    const previous = registry.shadow()?.thresholdVersion ?? null;
    if (q.version === null) {
      registry.setShadow(undefined);
    } else {
      const { set } = await draft(q.version);
      registry.setShadow(set);
    }
    await audit(user, 'thresholds.shadow', q.version ?? previous ?? 'none', { version: q.version, previous });
    res.json({ version: q.version });
  });

  router.post('/publish', guard, ...body, async (req, res) => {
    const q = parseRequest(publishSchema, req.body);
    const user = userOf(res);
    const { record, set } = await draft(q.version);
    const problems = validateThresholdSet(set, { acknowledgeDemotion: q.acknowledgeDemotion ?? false });
    if (problems.length > 0)
      throw new AppError(
        'ADMIN_INVALID_THRESHOLDS',
        problems.map((p) => p.message),
      );
    // A passing dry run of exactly this content (an edit after the run needs a new one).
    if (!(await store.dryRuns.hasPassed(q.version, contentHashOf(record.json)))) {
      const latest = await store.dryRuns.latest(q.version);
      throw new AppError('ADMIN_DRY_RUN_REQUIRED', [
        !latest
          ? `Run a dry run of ${q.version} before publishing it: it has never been dry-run.`
          : latest.contentHash !== contentHashOf(record.json)
            ? `Run a dry run of ${q.version} again before publishing it: it changed after its last dry run.`
            : `Correct ${q.version} and run a dry run again: its last dry run failed.`,
      ]);
    }
    const previous = registry.live().thresholdVersion;
    const outcome = await registry.publish(q.version, { by: user.id, comment: q.comment, at: now() });
    if (outcome.status === 'rejected') throw new AppError('ADMIN_THRESHOLD_CONFLICT', [outcome.reason]);
    await audit(user, 'thresholds.publish', q.version, {
      previous,
      comment: q.comment,
      acknowledgedDemotion: (q.acknowledgeDemotion ?? false) && contraindicationDemotions(set).length > 0,
    });
    res.json({ version: registry.live().thresholdVersion, previous });
  });

  router.post('/rollback', guard, ...body, async (req, res) => {
    const q = parseRequest(rollbackSchema, req.body);
    const user = userOf(res);
    const record = await find(q.version);
    if (record.status !== 'retired') {
      throw new AppError('ADMIN_THRESHOLD_CONFLICT', [
        record.status === 'draft'
          ? `threshold set "${q.version}" was never published: publish it instead`
          : `threshold set "${q.version}" is already in force`,
      ]);
    }
    const previous = registry.live().thresholdVersion;
    const outcome = await registry.rollback(q.version, { by: user.id, comment: q.comment, at: now() });
    if (outcome.status === 'rejected') throw new AppError('ADMIN_THRESHOLD_CONFLICT', [outcome.reason]);
    await audit(user, 'thresholds.rollback', q.version, { previous, comment: q.comment });
    res.json({ version: registry.live().thresholdVersion, previous });
  });

  return router;
}

function ruleIdOf(value: unknown): string {
  const parsed = ruleId.safeParse(value);
  if (!parsed.success)
    throw new AppError('ADMIN_INVALID_REQUEST', ['id: must be a sensor rule id (R<number>…)']);
  return parsed.data;
}

function versionOf(value: unknown): string {
  const parsed = versionName.safeParse(value);
  if (!parsed.success)
    throw new AppError('ADMIN_INVALID_REQUEST', ['version: must be a threshold set version']);
  return parsed.data;
}

function userOf(res: Response): User {
  const user = signedInUser(res);
  if (!user) throw new AppError('AUTH_UNAUTHORIZED');
  return user;
}
