/**
 * Alert-volume policy (issue 10 item 2), applied in the temper stage of order-select and order-sign
 * (`src/hooks/temper.ts`). Pure decisions here; the shared state (acknowledgements, the order-select card cache, the
 * outcomes of every invocation) lives in the store (`store.volume`), so several replicas on one database behave as
 * one service. Every number comes from the threshold set (`volume`).
 *
 * - An advice (`adviceKey`) overridden (CDS feedback) or rated "shown too often" for this patient is acknowledged for
 *   `acknowledgedDays`: order-select does not show it again; order-sign shows it `orderSignSteps` lower (never below
 *   `info`) — unless the decision became worse since (a higher indicator, a new result, new sensor evidence).
 * - A CPIC Strong avoid / contraindication is never suppressed nor lowered: at most shown as already acknowledged,
 *   naming who overrode it, when and why.
 * - A rule whose override or "not useful" rate over its last firings passes a limit is flagged with a proposed
 *   demotion (`volumeFlags`); nothing is demoted automatically.
 *
 * No patient identifier is kept in clear: patients and advice are keyed by SHA-256.
 */
import { createHash } from 'node:crypto';
import type { Acknowledgement, AdviceBasis, RuleFirings } from '../store';

type Shown = 'info' | 'warning' | 'critical';
const LADDER: readonly Shown[] = ['info', 'warning', 'critical'];

/** The numbers of the policy (the threshold set's `volume`, structurally). */
export interface VolumePolicy {
  readonly acknowledgedDays: number;
  readonly orderSignSteps: number;
  readonly orderSelectCardMinutes: number;
  readonly flags: {
    readonly lastFirings: number;
    readonly minFirings: number;
    readonly overrideRate: number;
    readonly notUsefulRate: number;
  };
}

/** One advice the engine decided to show, as the policy sees it. */
export interface AdviceInstance {
  readonly adviceKey: string;
  readonly drug: string;
  readonly ruleId: string;
  readonly basis: AdviceBasis;
}

/** What the policy does with one advice. */
export type VolumeVerdict =
  | { readonly outcome: 'shown'; readonly indicator: Shown; readonly reason?: string }
  | {
      readonly outcome: 'demoted' | 'acknowledged';
      readonly indicator: Shown;
      readonly reason: string;
      readonly acknowledgement: Acknowledgement;
    }
  | { readonly outcome: 'suppressed'; readonly reason: string; readonly acknowledgement: Acknowledgement };

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The patient's key in the volume state: a SHA-256 of `Patient/{id}`. */
export function patientKey(patientId: string): string {
  return sha256(`Patient/${patientId}`);
}

/** The advice's key in the volume state: a SHA-256 of `adviceKey(decision)`. */
export function adviceHash(adviceKey: string): string {
  return sha256(adviceKey);
}

/** The order-select card cache key: the same patient, user, draft order and advice. */
export function orderSelectCacheKey(k: {
  readonly patientId: string;
  readonly userId: string;
  readonly orderRef: string;
  readonly adviceKey: string;
}): string {
  return sha256(JSON.stringify([k.patientId, k.userId, k.orderRef, k.adviceKey]));
}

/** A SHA-256 of a draft order as sent: a changed order re-renders its card (same uuid). */
export function draftOrderHash(order: unknown): string {
  return sha256(JSON.stringify(order ?? null));
}

/** Since when an acknowledgement still counts at `now`. */
export function acknowledgedSince(policy: VolumePolicy, now: Date): Date {
  return new Date(now.getTime() - policy.acknowledgedDays * 86_400_000);
}

/**
 * What became worse since the acknowledged decision, in words, or undefined when nothing did: a higher decided
 * indicator, a gene result not used then (a new or re-dated result), a sensor rule raising it that did not then.
 */
export function worsening(now: AdviceBasis, then: AdviceBasis): string | undefined {
  if (LADDER.indexOf(now.indicator) > LADDER.indexOf(then.indicator)) {
    return `the advice is now ${now.indicator}, it was ${then.indicator} when acknowledged`;
  }
  if (now.results.some((r) => !then.results.includes(r))) return 'a new result since it was acknowledged';
  if (now.raisedBy.some((r) => !then.raisedBy.includes(r))) {
    return 'new sensor evidence since it was acknowledged';
  }
  return undefined;
}

/**
 * The policy's verdict for one advice at `hook`, given the acknowledgements of this advice for this patient within
 * the window (any order; the newest counts).
 */
export function volumeVerdict(
  hook: 'order-select' | 'order-sign',
  advice: AdviceInstance,
  acknowledgements: readonly Acknowledgement[],
  policy: VolumePolicy,
): VolumeVerdict {
  const indicator = advice.basis.indicator;
  const latest = [...acknowledgements].sort((a, b) => b.at.getTime() - a.at.getTime())[0];
  if (policy.acknowledgedDays === 0 || latest === undefined) return { outcome: 'shown', indicator };
  const worse = worsening(advice.basis, latest.basis);
  if (worse !== undefined) return { outcome: 'shown', indicator, reason: `shown again: ${worse}` };
  const what = latest.kind === 'overridden' ? 'overridden' : 'rated shown too often';
  if (advice.basis.strongAvoid) {
    return {
      outcome: 'acknowledged',
      indicator,
      reason: `CPIC Strong avoid ${what} before: shown as already acknowledged, never suppressed`,
      acknowledgement: latest,
    };
  }
  if (hook === 'order-select') {
    return {
      outcome: 'suppressed',
      reason: `${what} within ${policy.acknowledgedDays} days`,
      acknowledgement: latest,
    };
  }
  const lowered = LADDER[Math.max(0, LADDER.indexOf(indicator) - policy.orderSignSteps)] ?? 'info';
  return {
    outcome: 'demoted',
    indicator: lowered,
    reason:
      lowered === indicator
        ? `${what} within ${policy.acknowledgedDays} days; already at the lowest indicator`
        : `${what} within ${policy.acknowledgedDays} days: ${indicator} lowered to ${lowered}`,
    acknowledgement: latest,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A date as a person writes it (`28 Nov 2026`, UTC). */
export function humanDate(d: Date): string {
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()] ?? ''} ${d.getUTCFullYear()}`;
}

/**
 * The sentence a shown acknowledged or lowered card carries: who acknowledged the advice, when and why. Who is "you"
 * when it was `userId` (the clinician the card is for), else the name recorded with the card it was shown on, else
 * "another clinician": never a FHIR reference (`Practitioner/…`) on a card. `reasonDisplay` turns an override-reason
 * code into its label (the sandbox sends codes without `display`).
 */
export function acknowledgementNote(
  ack: Acknowledgement,
  userId: string | undefined,
  reasonDisplay: (code: string) => string | undefined = () => undefined,
): string {
  const by =
    ack.by === undefined ? undefined : ack.by === userId ? 'you' : (ack.byName ?? 'another clinician');
  const who = by === undefined ? '' : ` by ${by}`;
  const when = ` on ${humanDate(ack.at)}`;
  if (ack.kind === 'too-often') {
    const comment = ack.comment ? ` (comment: "${ack.comment}")` : '';
    return `Already acknowledged: rated "shown too often" for this patient${who}${when}${comment}.`;
  }
  const reason = ack.reasonDisplay ?? (ack.reasonCode ? reasonDisplay(ack.reasonCode) : undefined);
  const why = [
    ...(reason ? [`reason: ${reason}`] : []),
    ...(ack.comment ? [`comment: "${ack.comment}"`] : []),
  ];
  return `Already acknowledged: overridden for this patient${who}${when}${why.length > 0 ? ` (${why.join('; ')})` : ''}.`;
}

/** A rule the informaticist should look at, with the demotion the policy proposes (never applied automatically). */
export interface VolumeFlag {
  readonly ruleId: string;
  readonly drug: string;
  readonly firings: number;
  readonly overrideRate: number;
  readonly notUsefulRate: number;
  readonly acceptedRate: number;
  readonly tooOftenRate: number;
  /** Why it is flagged, one sentence per limit passed. */
  readonly reasons: readonly string[];
  /** The indicator most of its cards were shown at. */
  readonly usualIndicator: Shown;
  /** The proposed indicator (`none`: no card), or absent for a CPIC Strong avoid, which is never demoted. */
  readonly proposedIndicator?: Shown | 'none';
  readonly proposal: string;
  readonly newestFiring: string;
}

const percent = (x: number): string => `${Math.round(x * 100)} %`;

/**
 * The rules whose override or "not useful" rate over their last `lastFirings` firings reaches the limits, with at
 * least `minFirings` firings. Highest override rate first.
 */
export function volumeFlags(firings: readonly RuleFirings[], policy: VolumePolicy): VolumeFlag[] {
  const { minFirings, overrideRate, notUsefulRate } = policy.flags;
  return firings
    .filter((r) => r.firings >= minFirings)
    .flatMap((r): VolumeFlag[] => {
      const rates = {
        overrideRate: r.overridden / r.firings,
        notUsefulRate: r.notUseful / r.firings,
        acceptedRate: r.accepted / r.firings,
        tooOftenRate: r.tooOften / r.firings,
      };
      const reasons = [
        ...(rates.overrideRate >= overrideRate
          ? [
              `Overridden on ${percent(rates.overrideRate)} of its last ${r.firings} cards (limit ${percent(overrideRate)}).`,
            ]
          : []),
        ...(rates.notUsefulRate >= notUsefulRate
          ? [
              `Rated not useful on ${percent(rates.notUsefulRate)} of its last ${r.firings} cards (limit ${percent(notUsefulRate)}).`,
            ]
          : []),
      ];
      if (reasons.length === 0) return [];
      const usual = [...LADDER].sort(
        (a, b) => r.shown[b] - r.shown[a] || LADDER.indexOf(b) - LADDER.indexOf(a),
      )[0];
      const usualIndicator: Shown = usual ?? 'warning';
      const lower = LADDER[LADDER.indexOf(usualIndicator) - 1] ?? 'none';
      return [
        {
          ruleId: r.ruleId,
          drug: r.drug,
          firings: r.firings,
          ...rates,
          reasons,
          usualIndicator,
          ...(r.strongAvoid ? {} : { proposedIndicator: lower }),
          proposal: r.strongAvoid
            ? 'A CPIC Strong avoid is never demoted: review the override reasons and how the results are read.'
            : lower === 'none'
              ? `Stop showing a card for ${r.drug} on this rule (now ${usualIndicator}), through a threshold-set edit.`
              : `Lower this rule's ${r.drug} card from ${usualIndicator} to ${lower}, through a threshold-set edit.`,
          newestFiring: r.newest.toISOString(),
        },
      ];
    })
    .sort((a, b) => b.overrideRate - a.overrideRate || a.ruleId.localeCompare(b.ruleId));
}
