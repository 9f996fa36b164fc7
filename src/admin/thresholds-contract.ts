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
}

/** A draft as created or saved. */
export interface ThresholdDraftView {
  readonly version: string;
  readonly status: 'draft';
  readonly set: ThresholdSetJson;
  readonly entries: readonly ThresholdEntry[];
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
