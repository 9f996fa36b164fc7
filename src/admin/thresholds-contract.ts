/**
 * The threshold editor's JSON shapes (`/api/thresholds`, issue 11), with no runtime import: the web client imports
 * them type-only (`web/src/api.ts`), so the page and the API share one definition.
 */

/** A card indicator, or `none`: no card. */
export type EditorIndicator = 'none' | 'info' | 'warning' | 'critical';

/** One value of a set: where it is, what it means, its unit and where it comes from. */
export interface ThresholdEntry {
  /** JSON path in the set, e.g. `sensorRules.0.triggers.1.value`. */
  readonly path: string;
  /** The drug (or `all drugs`) and the rule the value belongs to. */
  readonly drug: string;
  readonly rule: string;
  readonly meaning: string;
  readonly value: string | number | boolean;
  readonly unit?: string;
  readonly source: string;
}

/** A threshold set as JSON, as the web client handles it (edited by path, validated by the server). */
export type ThresholdSetJson = Readonly<Record<string, unknown>>;

/** A stored version as `/api/thresholds` lists it (times ISO 8601). */
export interface ThresholdVersionSummary {
  readonly version: string;
  readonly status: 'draft' | 'published' | 'retired';
  readonly createdAt: string;
  readonly createdBy: string;
  readonly publishedAt?: string;
  readonly publishedBy?: string;
  readonly note?: string;
  /** A draft's base: the version in force it was made from (or whose changes it was carried onto). */
  readonly basedOn?: string;
  /** Saves so far (1 when created). */
  readonly revision: number;
  /** The latest save, and by whom. */
  readonly updatedAt?: string;
  readonly updatedBy?: string;
  /** The set the service ships with (`config/thresholds`), in force until the first publication. */
  readonly shipped?: true;
}

/** An open draft as the editor lists it. */
export interface DraftSummary {
  readonly version: string;
  readonly basedOn?: string;
  readonly createdBy: string;
  readonly savedBy: string;
  readonly savedAt: string;
  /** The newest dry run: none, passed or failed on the draft as saved, or run on an earlier text (`outdated`). */
  readonly dryRun: 'none' | 'passed' | 'failed' | 'outdated';
  readonly inShadow: boolean;
  /** Made from a version no longer in force: its changes must be carried onto the version in force to publish. */
  readonly behind: boolean;
}

/** `GET /api/thresholds`. */
export interface ThresholdOverview {
  readonly published: {
    readonly version: string;
    readonly description?: string;
    readonly entries: readonly ThresholdEntry[];
  };
  readonly versions: readonly ThresholdVersionSummary[];
  /** The open drafts, newest first. */
  readonly drafts: readonly DraftSummary[];
  readonly events: readonly {
    readonly id: number;
    readonly version: string;
    readonly action: 'publish' | 'rollback' | 'save-draft';
    readonly fromVersion?: string;
    readonly toVersion?: string;
    readonly by: string;
    readonly at: string;
    readonly comment?: string;
    /** Publish and rollback: what it changed against the set it replaced. */
    readonly changes?: readonly ThresholdChangeLine[];
  }[];
}

/** `GET /api/thresholds/versions/{version}`. */
export interface ThresholdVersionView extends ThresholdVersionSummary {
  readonly set: ThresholdSetJson;
  readonly entries: readonly ThresholdEntry[];
  /** Its sensor rules, each with its JSON and its conditions in words. */
  readonly rules: readonly SensorRuleView[];
}

/** A draft as created or saved. */
export interface ThresholdDraftView {
  readonly version: string;
  readonly status: 'draft';
  readonly set: ThresholdSetJson;
  readonly entries: readonly ThresholdEntry[];
  readonly rules: readonly SensorRuleView[];
  /** The changes against the set in force. */
  readonly changes?: readonly ThresholdChangeLine[];
  /** The version in force it was made from, or whose changes it was carried onto (absent: not known, an import). */
  readonly basedOn?: string;
  /** Saves so far: a save, rebase or publish sends the revision it shows, and one made since is refused (409). */
  readonly revision: number;
  /** The version in force now. */
  readonly inForce: string;
  readonly updatedAt?: string;
  readonly updatedBy?: string;
  /**
   * Made from a version no longer in force: what publishing it as it stands would undo of the version in force (values
   * it changed that the draft did not) and replace (values both changed), as changes from the set in force.
   */
  readonly behind?: {
    readonly basedOn: string;
    readonly inForce: string;
    readonly undone: readonly ThresholdChangeLine[];
    readonly replaced: readonly ThresholdChangeLine[];
  };
  /** After `POST …/rebase`: the draft's own changes carried onto the version in force, and the values both changed. */
  readonly rebased?: {
    readonly from: string;
    readonly onto: string;
    /** How many of the draft's own values were carried over. */
    readonly carried: number;
    readonly conflicts: readonly MergeConflict[];
  };
}

/** `GET /api/thresholds/drafts/{version}/diff`. */
export interface ThresholdDiff {
  readonly from: string;
  readonly to: string;
  readonly changes: readonly ThresholdChangeLine[];
}

/** Publish and rollback: the version now in force and the one before. */
export interface ThresholdSwitch {
  readonly version: string;
  readonly previous: string;
}

export interface ThresholdProblem {
  readonly path: string;
  readonly message: string;
}

export interface ThresholdChangeLine {
  readonly path: string;
  /** Absent: added. */
  readonly from?: unknown;
  /** Absent: removed. */
  readonly to?: unknown;
  /** The change in words. */
  readonly text: string;
}

export type ReplayChange = 'appear' | 'disappear' | 'change';

export interface ReplayExample {
  readonly change: ReplayChange;
  readonly from: EditorIndicator;
  readonly to: EditorIndicator;
  /** The card's summary as it would read under the draft (or as it read, for a card that would disappear). */
  readonly summary: string;
}

export interface ReplayGroup {
  /** A rule id, or `drug|gene` for a pair. */
  readonly key: string;
  /** The group in words: "CPIC recommendation for clopidogrel (CYP2C19)", a sensor rule's id, "clopidogrel – CYP2C19". */
  readonly label: string;
  readonly appear: number;
  readonly disappear: number;
  readonly change: number;
  /** Cards shown under both sets with the same indicator. */
  readonly same: number;
  /** At most `MAX_EXAMPLES` different ones, the first found. */
  readonly examples: readonly ReplayExample[];
}

export interface ReplayReport {
  readonly published: string;
  readonly draft: string;
  /** Invocations read, and of those the ones replayed (recorded inputs of the current schema). */
  readonly invocations: number;
  readonly replayed: number;
  readonly totals: {
    readonly appear: number;
    readonly disappear: number;
    readonly change: number;
    readonly same: number;
  };
  readonly byRule: readonly ReplayGroup[];
  readonly byPair: readonly ReplayGroup[];
  /**
   * What the recorded calls cannot predict (present when the draft changes a sensor window or the days of data it
   * needs): the changes in words, the sensor rules reading those measures, and the cards whose level those rules would
   * change on the recorded figures (over the old window): left out of `totals` and the groups, not predicted.
   */
  readonly notPredicted?: NotPredicted;
  readonly elapsedMs: number;
  /** The oldest and newest call replayed (the route adds it when any was read). */
  readonly period?: { readonly from: string; readonly to: string };
}

/** Changes a replay of recorded calls cannot predict, and what it left out for them. */
export interface NotPredicted {
  /** Each change in words, saying why it cannot be predicted. */
  readonly reasons: readonly string[];
  /** The sensor rules reading the changed measures. */
  readonly rules: readonly string[];
  /** Cards whose level those rules would change on the recorded figures: not counted as predicted. */
  readonly cards: number;
  readonly byRule: readonly { readonly key: string; readonly label: string; readonly cards: number }[];
}

/** One value both the draft and the version now in force changed differently since the draft's base. */
export interface MergeConflict {
  /** JSON path in the merged draft (array indexes). */
  readonly path: string;
  readonly base?: unknown;
  readonly draft?: unknown;
  readonly inForce?: unknown;
  /** In words: what each changed, and that the version in force's value was kept. */
  readonly text: string;
}

/** One sensor rule of a set, with its JSON and its conditions in words (`describeSensorRule`). */
export interface SensorRuleView {
  readonly id: string;
  readonly enabled: boolean;
  readonly drugs: readonly string[];
  /** Who it applies to, then one sentence per trigger, action first. */
  readonly words: readonly string[];
  /** The rule's JSON as stored (what the per-rule editor shows). */
  readonly rule: ThresholdSetJson;
}

/** `POST /api/thresholds/drafts/{version}/sensor-rules/{id}/check`: the draft with this rule, checked, nothing saved. */
export interface SensorRuleCheck {
  readonly valid: boolean;
  readonly problems: readonly ThresholdProblem[];
  /** The rule in words, when it parses. */
  readonly words?: readonly string[];
}

/** One synthetic case of a dry run: data built from a trigger, and what the rule must do with it. */
export interface DryRunCase {
  /** The trigger's id within its rule. */
  readonly trigger: string;
  /** What was given and what must happen, in words ("At 59.9/min: raises the card one step"). */
  readonly expectation: string;
  readonly passed: boolean;
  /** Why it failed, in words. */
  readonly reason?: string;
}

export interface DryRunRule {
  readonly id: string;
  readonly enabled: boolean;
  readonly words: readonly string[];
  readonly passed: number;
  readonly failed: number;
  readonly cases: readonly DryRunCase[];
}

/** `POST /api/thresholds/drafts/{version}/dry-run` (and the latest one, `GET`). */
export interface DryRunReport {
  readonly version: string;
  /** SHA-256 of the draft text the run loaded; publish needs a passing run of the current text. */
  readonly contentHash: string;
  readonly passed: boolean;
  /** Whether the draft loads as the registry would load it (schema, then the rules engine). */
  readonly loaded: boolean;
  /** Why it does not load, or the problems the editor's checks find, in words. */
  readonly problems: readonly string[];
  readonly rules: readonly DryRunRule[];
  /** The recent recorded calls replayed under the draft (what-if replay), or why that failed. */
  readonly replay?: {
    readonly invocations: number;
    readonly replayed: number;
    readonly totals: ReplayReport['totals'];
    /** What the replay could not predict (a changed window or days of data), left out of `totals`. */
    readonly notPredicted?: NotPredicted;
    readonly error?: string;
  };
  readonly ranAt: string;
  readonly ranBy: string;
}
