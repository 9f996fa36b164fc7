/**
 * CDS Hooks 2.0.1 protocol types: the one place the wire format is described.
 * Spec: https://cds-hooks.hl7.org/2.0/ (STU2 Technical Correction 1). The runtime schema that checks the
 * same shapes lives in `./schema.ts`; a unit test keeps the two in step.
 */
import type { Bundle, OperationOutcome, Resource } from 'fhir/r4';

/** The hooks this service implements. https://cds-hooks.hl7.org/hooks/STU1/ */
export type HookName = 'patient-view' | 'order-select' | 'order-sign';

/** Reserved `extension` member: reverse-DNS keys to any JSON. https://cds-hooks.hl7.org/2.0/#extensions */
export type Extension = Readonly<Record<string, unknown>>;

/** A prefetch template: relative FHIR read or search with 2.0 tokens. https://cds-hooks.hl7.org/2.0/#prefetch-template */
export type PrefetchTemplates = Readonly<Record<string, string>>;

/** One service in discovery. https://cds-hooks.hl7.org/2.0/#response */
export interface CdsServiceDefinition {
  readonly hook: HookName;
  readonly title?: string;
  readonly description: string;
  readonly id: string;
  readonly prefetch?: PrefetchTemplates;
  readonly usageRequirements?: string;
  readonly extension?: Extension;
}

/** `GET /cds-services` body. https://cds-hooks.hl7.org/2.0/#discovery */
export interface DiscoveryResponse {
  readonly services: readonly CdsServiceDefinition[];
}

/** https://cds-hooks.hl7.org/2.0/#passing-the-access-token-to-the-cds-service */
export interface FhirAuthorization {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly scope: string;
  readonly subject: string;
  readonly patient?: string;
}

/**
 * A prefetch value as it may arrive: a resource, a searchset Bundle, an OperationOutcome, or `null` (no data).
 * Kept `unknown` until checked (a client may send anything). https://cds-hooks.hl7.org/2.0/#prefetch-template
 */
export type PrefetchValue = unknown;

/** Context common to the three hooks. https://cds-hooks.hl7.org/hooks/STU1/patient-view.html */
export interface PatientViewContext {
  readonly userId: string;
  readonly patientId: string;
  readonly encounterId?: string;
}

/** https://cds-hooks.hl7.org/hooks/STU1/order-sign.html — `draftOrders` is a Bundle (type often omitted). */
export interface OrderSignContext extends PatientViewContext {
  readonly draftOrders: Bundle;
}

/** https://cds-hooks.hl7.org/hooks/STU1/order-select.html */
export interface OrderSelectContext extends OrderSignContext {
  readonly selections: readonly string[];
}

export interface HookContexts {
  readonly 'patient-view': PatientViewContext;
  readonly 'order-select': OrderSelectContext;
  readonly 'order-sign': OrderSignContext;
}

/** A validated service request. https://cds-hooks.hl7.org/2.0/#http-request */
export interface CdsRequest<H extends HookName = HookName> {
  readonly hook: H;
  readonly hookInstance: string;
  readonly fhirServer?: string;
  readonly fhirAuthorization?: FhirAuthorization;
  readonly context: HookContexts[H];
  readonly prefetch?: Readonly<Record<string, PrefetchValue>>;
  readonly extension?: Extension;
}

/** https://cds-hooks.hl7.org/2.0/#coding */
export interface Coding {
  readonly code: string;
  readonly system: string;
  readonly display?: string;
}

/** An override reason: `display` is required here (invariant cds-resp-4). */
export interface OverrideReasonCoding extends Coding {
  readonly display: string;
}

/** https://cds-hooks.hl7.org/2.0/#source */
export interface Source {
  readonly label: string;
  readonly url?: string;
  readonly icon?: string;
  readonly topic?: Coding;
}

/** https://cds-hooks.hl7.org/2.0/#action */
export type Action =
  | { readonly type: 'create' | 'update'; readonly description: string; readonly resource: Resource }
  | { readonly type: 'delete'; readonly description: string; readonly resourceId: string };

/** https://cds-hooks.hl7.org/2.0/#suggestion */
export interface Suggestion {
  readonly label: string;
  readonly uuid?: string;
  readonly isRecommended?: boolean;
  readonly actions?: readonly Action[];
}

/** https://cds-hooks.hl7.org/2.0/#link */
export type Link =
  | { readonly label: string; readonly url: string; readonly type: 'absolute' }
  | {
      readonly label: string;
      readonly url: string;
      readonly type: 'smart';
      readonly appContext?: string;
      readonly autolaunchable?: boolean;
    };

export type Indicator = 'info' | 'warning' | 'critical';
export type SelectionBehavior = 'at-most-one' | 'any';

/** https://cds-hooks.hl7.org/2.0/#card-attributes */
export interface Card {
  readonly uuid?: string;
  /** Under 140 characters. */
  readonly summary: string;
  /** GitHub-flavoured markdown. */
  readonly detail?: string;
  readonly indicator: Indicator;
  readonly source: Source;
  readonly suggestions?: readonly Suggestion[];
  /** Required when `suggestions` is present (invariant cds-resp-6). */
  readonly selectionBehavior?: SelectionBehavior;
  readonly overrideReasons?: readonly OverrideReasonCoding[];
  readonly links?: readonly Link[];
  readonly extension?: Extension;
}

/** https://cds-hooks.hl7.org/2.0/#cds-service-response */
export interface CdsResponse {
  readonly cards: readonly Card[];
  readonly systemActions?: readonly Action[];
}

/** https://cds-hooks.hl7.org/2.0/#feedback */
export type FeedbackOutcome = 'accepted' | 'overridden';

export interface FeedbackEntry {
  readonly card: string;
  readonly outcome: FeedbackOutcome;
  readonly acceptedSuggestions?: readonly { readonly id: string }[];
  readonly overrideReason?: { readonly reason?: Coding; readonly userComment?: string };
  readonly outcomeTimestamp: string;
}

export interface FeedbackRequest {
  readonly feedback: readonly FeedbackEntry[];
}

export type { OperationOutcome };
