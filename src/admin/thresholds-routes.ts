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
import { MAX_REPLAY_INPUTS, ThresholdDraftConflictError } from '../store';
import type { Store, ThresholdSetRecord } from '../store';
import { contentHashOf, dryRunThresholdSet, loadProblems } from './dry-run';
import { shadowReport } from './shadow';
import type {
  DraftSummary,
  SensorRuleView,
  ThresholdChangeLine,
  ThresholdDraftView,
  ThresholdProblem,
} from './thresholds-contract';
import { BASELINE_DAYS, latestPublicationWatch, reportWatch } from './watch';
import {
  changesUndone,
  contraindicationDemotions,
  mergeThresholdSets,
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
/** The draft's revision the editor loaded: a save from an older one is refused (someone saved it since). */
const revision = z.number().int().min(1).optional();
const saveDraftSchema = z.strictObject({
  set: z.unknown(),
  note: z.string().max(2000).optional(),
  acknowledgeDemotion: z.boolean().optional(),
  revision,
});
const rebaseSchema = z.strictObject({ revision });
const validateSchema = z.strictObject({ set: z.unknown(), acknowledgeDemotion: z.boolean().optional() });
const publishSchema = z.strictObject({
  version: versionName,
  comment: z.string().trim().min(1, 'a comment saying why is required').max(2000),
  acknowledgeDemotion: z.boolean().optional(),
  // The revision the page shows (and dry-ran): publishing refuses another, so nobody publishes what they did not see.
  revision,
});
const rollbackSchema = z.strictObject({
  version: versionName,
  comment: z.string().trim().min(1, 'a comment saying why is required').max(2000),
});
const shadowSchema = z.strictObject({ version: versionName.nullable() });
const ruleId = z.string().regex(/^R\d[a-z0-9-]*$/, 'must be a sensor rule id (R<number>…)');
// A sensor rule cannot demote a contraindication (the matrix and the per-drug overrides do): a demotion elsewhere in
// the draft was acknowledged when it was saved and is asked again at publish, so rule edits do not ask for it.
const saveRuleSchema = z.strictObject({
  rule: z.unknown(),
  note: z.string().max(2000).optional(),
  revision,
});
const removeRuleQuery = z.strictObject({ revision: z.coerce.number().int().min(1).optional() });
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

/** A stored version as the API shows it; `shipped`: the version the service ships with (`registry.shipped`). */
function versionView(r: ThresholdSetRecord, shipped: string) {
  return {
    version: r.version,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    createdBy: r.createdBy,
    ...(r.publishedAt ? { publishedAt: r.publishedAt.toISOString() } : {}),
    ...(r.publishedBy ? { publishedBy: r.publishedBy } : {}),
    ...(r.note ? { note: r.note } : {}),
    ...(r.basedOn ? { basedOn: r.basedOn } : {}),
    revision: r.revision,
    ...(r.updatedAt ? { updatedAt: r.updatedAt.toISOString() } : {}),
    ...(r.updatedBy ? { updatedBy: r.updatedBy } : {}),
    ...(r.version === shipped ? { shipped: true } : {}),
  };
}

/** The description a new draft gets, naming its base (the base's own description no longer describes it once edited). */
const madeFrom = (base: string) => `Made from ${base}; the version history says what changed and why.`;
const MADE_FROM = /^Made from [^;]*; the version history says what changed and why\.$/;

/** A refused save: someone saved the draft since the editor loaded it. */
function staleSave(err: ThresholdDraftConflictError): AppError {
  return new AppError('ADMIN_THRESHOLD_CONFLICT', [
    `${err.current.by ?? 'Someone'} saved draft ${err.version} after you opened it, so your save was not made: reload the draft to see their changes, then make yours again.`,
  ]);
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

  /** The stored version, if any. */
  async function storedVersion(version: string): Promise<ThresholdSetRecord | undefined> {
    return (await store.thresholds.list()).find((r) => r.version === version);
  }
  const unknownVersion = (version: string) =>
    new AppError('ADMIN_UNKNOWN_THRESHOLD_SET', [`no threshold set "${version}"`]);
  async function find(version: string): Promise<ThresholdSetRecord> {
    const found = await storedVersion(version);
    if (!found) throw unknownVersion(version);
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
  /** A version's set: stored, or the shipped defaults (in force first; stored only once replaced). */
  async function setOfVersion(version: string): Promise<ThresholdSet | undefined> {
    const record = await storedVersion(version);
    if (!record) return version === registry.shipped.version ? registry.shipped : undefined;
    try {
      return parseThresholdSet(JSON.parse(record.json));
    } catch {
      return undefined;
    }
  }
  /**
   * A draft made from a version no longer in force: what publishing it would undo of the version in force (values it
   * changed that the draft did not) and replace (values both changed). Undefined while its base is in force, and for a
   * draft whose base is not known (written past the editor: an import is a whole set, made from nothing).
   */
  async function behindOf(record: ThresholdSetRecord, set: ThresholdSet) {
    const live = registry.live();
    if (!record.basedOn || record.basedOn === live.thresholdVersion) return undefined;
    const base = await setOfVersion(record.basedOn);
    const { undone, replaced } = base
      ? changesUndone(base, set, live.thresholds)
      : { undone: [] as ThresholdChangeLine[], replaced: [] as ThresholdChangeLine[] };
    return { basedOn: record.basedOn, inForce: live.thresholdVersion, undone, replaced };
  }
  /** Checks a candidate draft (422 with every problem in words) and saves it; its changes against the set in force. */
  async function saveChecked(
    user: User,
    version: string,
    candidate: unknown,
    acknowledgeDemotion: boolean,
    note: string | undefined,
    options: { expectedRevision?: number | undefined; basedOn?: string; before?: ThresholdSet } = {},
  ) {
    const problems = draftProblems(version, candidate, acknowledgeDemotion);
    if (problems.length > 0) {
      throw new AppError(
        'ADMIN_INVALID_THRESHOLDS',
        problems.map((p) => p.message),
      );
    }
    const set = parseThresholdSet(candidate);
    let saved: { revision: number };
    try {
      saved = await store.thresholds.saveDraft({
        version,
        json: serializeThresholdSet(set),
        createdBy: user.id,
        createdAt: now(),
        ...(note ? { note } : {}),
        ...(options.expectedRevision !== undefined ? { expectedRevision: options.expectedRevision } : {}),
        ...(options.basedOn !== undefined ? { basedOn: options.basedOn } : {}),
      });
    } catch (err) {
      if (err instanceof ThresholdDraftConflictError) throw staleSave(err);
      throw err;
    }
    // What this save changed (each value's path, old and new), for the audit trail.
    const changed = options.before
      ? diffThresholdSets(options.before, set).map((c) => ({
          path: c.path,
          ...(c.from !== undefined ? { from: c.from } : {}),
          ...(c.to !== undefined ? { to: c.to } : {}),
        }))
      : [];
    return {
      set,
      revision: saved.revision,
      changed,
      changes: diffThresholdSets(registry.live().thresholds, set),
    };
  }
  const draftView = async (version: string, set: ThresholdSet, changes?: readonly ThresholdChangeLine[]) => {
    const { record } = await draftRecord(version);
    const behind = await behindOf(record, set);
    const view: ThresholdDraftView = {
      version,
      status: 'draft',
      set,
      entries: describeThresholdSet(set),
      rules: ruleViews(set),
      changes: changes ?? diffThresholdSets(registry.live().thresholds, set),
      ...(record.basedOn ? { basedOn: record.basedOn } : {}),
      revision: record.revision,
      inForce: registry.live().thresholdVersion,
      ...(record.updatedAt ? { updatedAt: record.updatedAt.toISOString() } : {}),
      ...(record.updatedBy ? { updatedBy: record.updatedBy } : {}),
      ...(behind ? { behind } : {}),
    };
    return view;
  };
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
    const shipped = registry.shipped;
    // The shipped defaults are in force first: listed like a stored version until they are stored (when replaced).
    const all = versions.map((v) => versionView(v, registry.shipped.version));
    if (!versions.some((v) => v.version === shipped.version)) {
      all.push({
        version: shipped.version,
        status: live.thresholdVersion === shipped.version ? 'published' : 'retired',
        createdAt: new Date(0).toISOString(),
        createdBy: 'service',
        revision: 1,
        shipped: true,
      });
    }
    const sets = new Map<string, ThresholdSet | undefined>();
    const setOf = (version: string): ThresholdSet | undefined => {
      if (!sets.has(version)) {
        const record = versions.find((v) => v.version === version);
        let set: ThresholdSet | undefined = version === shipped.version ? shipped : undefined;
        if (record) {
          try {
            set = parseThresholdSet(JSON.parse(record.json));
          } catch {
            set = undefined;
          }
        }
        sets.set(version, set);
      }
      return sets.get(version);
    };
    const shadow = registry.shadow()?.thresholdVersion;
    const drafts: DraftSummary[] = [];
    for (const d of versions.filter((v) => v.status === 'draft')) {
      const latest = await store.dryRuns.latest(d.version);
      drafts.push({
        version: d.version,
        ...(d.basedOn ? { basedOn: d.basedOn } : {}),
        createdBy: d.createdBy,
        savedBy: d.updatedBy ?? d.createdBy,
        savedAt: (d.updatedAt ?? d.createdAt).toISOString(),
        dryRun: !latest
          ? 'none'
          : latest.contentHash !== contentHashOf(d.json)
            ? 'outdated'
            : latest.passed
              ? 'passed'
              : 'failed',
        inShadow: shadow === d.version,
        behind: d.basedOn !== undefined && d.basedOn !== live.thresholdVersion,
      });
    }
    res.json({
      published: {
        version: live.thresholdVersion,
        description: live.thresholds.description,
        entries: describeThresholdSet(live.thresholds),
      },
      versions: all,
      drafts,
      events: events.map((e) => {
        // What a publication or rollback changed, against the set it replaced.
        const from = e.fromVersion ? setOf(e.fromVersion) : undefined;
        const to = e.action === 'save-draft' ? undefined : setOf(e.version);
        return {
          ...e,
          at: e.at.toISOString(),
          ...(from && to ? { changes: diffThresholdSets(from, to) } : {}),
        };
      }),
    });
  });

  router.get('/drafts/:version', guard, async (req, res) => {
    const version = versionOf(req.params.version);
    const { set } = await draft(version);
    res.json(await draftView(version, set));
  });

  router.get('/versions/:version', guard, async (req, res) => {
    const record = await find(versionOf(req.params.version));
    const set = JSON.parse(record.json) as ThresholdSet;
    const parsed = thresholdSetSchema.safeParse(set);
    res.json({
      ...versionView(record, registry.shipped.version),
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
    if (await storedVersion(q.version)) {
      throw new AppError('ADMIN_THRESHOLD_CONFLICT', [`a threshold set "${q.version}" already exists`]);
    }
    const live = registry.live();
    // The description of the set it was made from no longer describes it once edited: say where it came from instead.
    const set: ThresholdSet = {
      ...live.thresholds,
      version: q.version,
      description: madeFrom(live.thresholdVersion),
    };
    await store.thresholds.saveDraft({
      version: q.version,
      json: serializeThresholdSet(set),
      createdBy: user.id,
      createdAt: now(),
      basedOn: live.thresholdVersion,
      ...(q.note ? { note: q.note } : {}),
    });
    await audit(user, 'thresholds.draft.create', q.version, { from: live.thresholdVersion });
    res.status(201).json(await draftView(q.version, set, []));
  });

  router.put('/drafts/:version', guard, ...body, async (req, res) => {
    const version = versionOf(req.params.version);
    const q = parseRequest(saveDraftSchema, req.body);
    const user = userOf(res);
    const { set: before } = await draft(version);
    const candidate = q.set !== null && typeof q.set === 'object' ? { ...q.set, version } : q.set;
    const acknowledgeDemotion = q.acknowledgeDemotion ?? false;
    const { set, changes, changed, revision } = await saveChecked(
      user,
      version,
      candidate,
      acknowledgeDemotion,
      q.note,
      { expectedRevision: q.revision, before },
    );
    await audit(user, 'thresholds.draft.save', version, {
      revision,
      changed,
      changes: changes.length,
      acknowledgedDemotion: acknowledgeDemotion && contraindicationDemotions(set).length > 0,
    });
    res.json(await draftView(version, set, changes));
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
    const { set, changes, changed, revision } = await saveChecked(
      user,
      version,
      withRule(before, id, q.rule),
      true,
      q.note,
      { expectedRevision: q.revision, before },
    );
    const saved = set.sensorRules.find((r) => r.id === (q.rule as { id?: unknown }).id);
    await audit(user, 'thresholds.sensor-rule.save', version, {
      rule: id,
      ...(saved && saved.id !== id ? { renamedTo: saved.id } : {}),
      added,
      enabled: saved?.enabled ?? null,
      revision,
      changed,
      changes: changes.length,
    });
    res.json(await draftView(version, set, changes));
  });

  router.delete('/drafts/:version/sensor-rules/:id', guard, async (req, res) => {
    const version = versionOf(req.params.version);
    const id = ruleIdOf(req.params.id);
    const user = userOf(res);
    const { set: before } = await draft(version);
    if (!before.sensorRules.some((r) => r.id === id)) {
      throw new AppError('ADMIN_INVALID_REQUEST', [`the draft has no sensor rule ${id}`]);
    }
    const q = parseRequest(removeRuleQuery, req.query);
    const candidate = { ...before, sensorRules: before.sensorRules.filter((r) => r.id !== id) };
    const { set, changes, changed, revision } = await saveChecked(user, version, candidate, true, undefined, {
      expectedRevision: q.revision,
      before,
    });
    await audit(user, 'thresholds.sensor-rule.remove', version, {
      rule: id,
      revision,
      changed,
      changes: changes.length,
    });
    res.json(await draftView(version, set, changes));
  });

  router.post('/drafts/:version/rebase', guard, ...body, async (req, res) => {
    const version = versionOf(req.params.version);
    const q = parseRequest(rebaseSchema, req.body);
    const user = userOf(res);
    const { record, set: before } = await draft(version);
    const live = registry.live();
    if (!record.basedOn) {
      throw new AppError('ADMIN_THRESHOLD_CONFLICT', [
        `It is not known which version draft ${version} was made from, so its own changes cannot be told apart: make a new draft from ${live.thresholdVersion} and make the changes there.`,
      ]);
    }
    if (record.basedOn === live.thresholdVersion) {
      throw new AppError('ADMIN_THRESHOLD_CONFLICT', [
        `Draft ${version} is already made from ${live.thresholdVersion}, the version in force: nothing to carry over.`,
      ]);
    }
    const base = await setOfVersion(record.basedOn);
    if (!base) {
      throw new AppError('ADMIN_THRESHOLD_CONFLICT', [
        `Version ${record.basedOn}, which draft ${version} was made from, can no longer be read: make a new draft from ${live.thresholdVersion} and make the changes there.`,
      ]);
    }
    const { set: merged, conflicts } = mergeThresholdSets(base, before, live.thresholds);
    const description =
      before.description === undefined || MADE_FROM.test(before.description)
        ? madeFrom(live.thresholdVersion)
        : before.description;
    const candidate = { ...merged, version, description };
    // Checked as any save; a merge that does not pass (two changes that do not fit together) is refused in words.
    const { set, changes, changed, revision } = await saveChecked(user, version, candidate, true, undefined, {
      expectedRevision: q.revision,
      basedOn: live.thresholdVersion,
      before,
    });
    await audit(user, 'thresholds.draft.rebase', version, {
      from: record.basedOn,
      onto: live.thresholdVersion,
      revision,
      changed,
      conflicts: conflicts.map((c) => ({ path: c.path, draft: c.draft ?? null, inForce: c.inForce ?? null })),
    });
    res.json({
      ...(await draftView(version, set, changes)),
      rebased: {
        from: record.basedOn,
        onto: live.thresholdVersion,
        carried: diffThresholdSets(base, before).length,
        conflicts,
      },
    });
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
      ...(shadow ? { report: await shadowReport(store, shadow, registry.live(), MAX_REPLAY_INPUTS) } : {}),
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
    if (q.revision !== undefined && q.revision !== record.revision) {
      throw new AppError('ADMIN_THRESHOLD_CONFLICT', [
        `${record.updatedBy ?? 'Someone'} saved draft ${q.version} after you opened it, so it is not what you checked: reload it, dry-run it and publish again.`,
      ]);
    }
    const problems = validateThresholdSet(set, { acknowledgeDemotion: q.acknowledgeDemotion ?? false });
    if (problems.length > 0)
      throw new AppError(
        'ADMIN_INVALID_THRESHOLDS',
        problems.map((p) => p.message),
      );
    // Made from a version no longer in force: publishing it would silently undo what came into force since.
    const behind = await behindOf(record, set);
    if (behind) {
      const lost = [
        ...behind.undone.map((c) => `${c.text.replace(/\.$/, '')} (undoing ${behind.inForce})`),
        ...behind.replaced.map((c) => `${c.text.replace(/\.$/, '')} (replacing ${behind.inForce}'s value)`),
      ];
      throw new AppError('ADMIN_THRESHOLD_CONFLICT', [
        `Draft ${q.version} was made from ${behind.basedOn}, but ${behind.inForce} has come into force since: carry the draft's own changes onto ${behind.inForce}, then dry-run it again. ${
          lost.length === 0
            ? `Published as it stands it would change nothing ${behind.inForce} changed, but it was checked against ${behind.basedOn}.`
            : `Published as it stands it would change: ${lost.join('; ')}.`
        }`,
      ]);
    }
    if (diffThresholdSets(registry.live().thresholds, set).length === 0) {
      throw new AppError('ADMIN_THRESHOLD_CONFLICT', [
        `Nothing to publish: draft ${q.version} is identical to the set in force, ${registry.live().thresholdVersion}.`,
      ]);
    }
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
    // The shipped defaults may be rolled back to like any published version, stored or not yet.
    const shippedInForce = registry.live().thresholdVersion === q.version;
    const record =
      (await storedVersion(q.version)) ??
      (q.version === registry.shipped.version
        ? { status: shippedInForce ? ('published' as const) : ('retired' as const) }
        : undefined);
    if (!record) throw unknownVersion(q.version);
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
