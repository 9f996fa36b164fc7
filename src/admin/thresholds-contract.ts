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
}

/** `GET /api/thresholds`. */
export interface ThresholdOverview {
  readonly published: {
    readonly version: string;
    readonly description?: string;
    readonly entries: readonly ThresholdEntry[];
  };
  readonly versions: readonly ThresholdVersionSummary[];
  readonly events: readonly {
    readonly id: number;
    readonly version: string;
    readonly action: 'publish' | 'rollback' | 'save-draft';
    readonly fromVersion?: string;
    readonly toVersion?: string;
    readonly by: string;
    readonly at: string;
    readonly comment?: string;
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
  /** Saved drafts: the changes against the set in force. */
  readonly changes?: readonly ThresholdChangeLine[];
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
  readonly elapsedMs: number;
  /** The oldest and newest call replayed (the route adds it when any was read). */
  readonly period?: { readonly from: string; readonly to: string };
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
    readonly error?: string;
  };
  readonly ranAt: string;
  readonly ranBy: string;
}
