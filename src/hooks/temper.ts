/**
 * 5. temper + 4. speak for order-select and order-sign: the alert-volume policy (`feedback/volume`) applied to the
 * shown decisions, then the cards, then (order-select) the shared card cache that returns the same card (same uuid)
 * to the same user editing the same draft order, on whichever replica answers. What was shown, lowered, shown as
 * acknowledged, suppressed or repeated is returned with the answer and recorded with the invocation.
 */
import type { HookAnswer, HookCall } from '../cds/routes';
import type { Card } from '../cds/types';
import { OVERRIDE_REASON_DISPLAYS } from '../cards/override-reasons';
import {
  acknowledgedSince,
  acknowledgementNote,
  adviceHash,
  draftOrderHash,
  orderSelectCacheKey,
  patientKey,
  volumeVerdict,
} from '../feedback/volume';
import type { AdviceInstance, VolumeVerdict } from '../feedback/volume';
import { findingRuleId, rowOf } from '../rules/cpic/types';
import type { ShownDecision } from '../rules/types';
import { adviceKey } from '../rules/types';
import type { AdviceBasis, VolumeOutcomeRecord, VolumeRepository } from '../store';
import type { OrderAssessment } from './pipeline';
import { distinctShown, draftOrderResources, shownDecisions, speak } from './pipeline';

type VolumeHook = 'order-select' | 'order-sign';

/**
 * A CPIC Strong avoid / contraindication, or results that disagree where one would bring it: the policy never
 * suppresses nor lowers it.
 */
export function isStrongAvoid(decision: ShownDecision): boolean {
  const { finding } = decision;
  // Results that disagree, one of which would bring a Strong avoid if right: as protected as that avoid until the
  // laboratory says which is right (the conflict card is as loud as it: `rules/engine.ts`).
  if (finding.kind === 'conflict')
    return (finding.ifRight ?? []).some((r) => r.strength === 'Strong' && r.action === 'avoid');
  const row = rowOf(finding);
  if (row?.strength !== 'Strong') return false;
  return decision.finding.action === 'avoid' || /contraindicat/i.test(row.recommendation);
}

/** What the decision rests on, to tell later whether it became worse. */
export function adviceBasis(decision: ShownDecision): AdviceBasis {
  return {
    indicator: decision.indicator,
    results: decision.finding.genes
      .map((g) =>
        [g.gene, g.diplotype ?? g.alleles?.join('/') ?? '', g.phenotype, g.lookupKey, g.date ?? ''].join('|'),
      )
      .sort(),
    raisedBy: decision.modifiers
      .filter((m) => m.effect === 'raise')
      .map((m) => m.ruleId)
      .sort(),
    strongAvoid: isStrongAvoid(decision),
  };
}

export function adviceInstance(decision: ShownDecision): AdviceInstance {
  return {
    adviceKey: adviceKey(decision),
    drug: decision.finding.drug,
    ruleId: findingRuleId(decision.finding),
    basis: adviceBasis(decision),
  };
}

const INDICATOR_WORDS: Readonly<Record<ShownDecision['indicator'], string>> = {
  critical: 'critical',
  warning: 'a warning',
  info: 'information',
};

/** The decision as the verdict shows it to `userId`: its indicator, and who acknowledged it when it was. */
function tempered(
  decision: ShownDecision,
  verdict: VolumeVerdict,
  userId: string | undefined,
): ShownDecision {
  if (verdict.outcome === 'suppressed' || verdict.outcome === 'shown') return decision;
  const lowered = verdict.indicator !== decision.indicator;
  const note = acknowledgementNote(verdict.acknowledgement, userId, (c) => OVERRIDE_REASON_DISPLAYS.get(c));
  return {
    ...decision,
    indicator: verdict.indicator,
    // The card's sensor lines say what the readings did (raised it to critical); this says why it shows lower.
    ...(lowered ? { decidedIndicator: decision.indicator } : {}),
    notes: [
      ...decision.notes,
      lowered
        ? `${note} Shown as ${INDICATOR_WORDS[verdict.indicator]} rather than ${INDICATOR_WORDS[decision.indicator]} because of it.`
        : note,
    ],
  };
}

interface Judged {
  readonly decision: ShownDecision;
  readonly advice: AdviceInstance;
  readonly verdict: VolumeVerdict;
}

/** The policy's verdict on every shown decision (one per order and advice). */
async function judge(
  hook: VolumeHook,
  decisions: readonly ShownDecision[],
  state: VolumeRepository,
  { engine }: OrderAssessment,
  patient: string,
  now: Date,
): Promise<Judged[]> {
  const policy = engine.thresholds.volume;
  const advices = decisions.map(adviceInstance);
  const acks =
    policy.acknowledgedDays === 0
      ? []
      : await state.acknowledgements(
          patient,
          advices.map((a) => adviceHash(a.adviceKey)),
          acknowledgedSince(policy, now),
        );
  return decisions.map((decision, i) => {
    const advice = advices[i] as AdviceInstance;
    const hash = adviceHash(advice.adviceKey);
    const verdict = volumeVerdict(
      hook,
      advice,
      acks.filter((a) => a.adviceHash === hash),
      policy,
    );
    return { decision, advice, verdict };
  });
}

function outcomeRecord(
  j: Judged,
  patient: string,
  userId: string | undefined,
  shown: { outcome: VolumeOutcomeRecord['outcome']; reason?: string; card?: Card; first: boolean },
): VolumeOutcomeRecord {
  return {
    patientKey: patient,
    ...(userId ? { userId } : {}),
    adviceHash: adviceHash(j.advice.adviceKey),
    drug: j.advice.drug,
    ruleId: j.advice.ruleId,
    outcome: shown.outcome,
    ...(shown.reason ? { reason: shown.reason } : {}),
    decidedIndicator: j.decision.indicator,
    ...(shown.card ? { shownIndicator: shown.card.indicator, cardUuid: shown.card.uuid ?? '' } : {}),
    firstShowing: shown.first,
    basis: j.advice.basis,
  };
}

/**
 * order-sign: every shown decision through the policy (lowered or shown as acknowledged), then one card each.
 * Without a volume state (`services.volume` absent) the decisions are spoken as decided.
 */
export async function temperOrderSign(
  call: HookCall<'order-sign'>,
  state: VolumeRepository | undefined,
  assessed: OrderAssessment,
): Promise<HookAnswer> {
  const { draftOrders, patientId, userId } = call.request.context;
  const decisions = distinctShown(shownDecisions(assessed.assessment));
  const drafts = draftOrderResources(draftOrders);
  if (!state) return speak(decisions, assessed, drafts, patientId);
  const patient = patientKey(patientId);
  const judged = await judge('order-sign', decisions, state, assessed, patient, call.now);
  const showing = judged.filter((j) => j.verdict.outcome !== 'suppressed');
  const answer = speak(
    showing.map((j) => tempered(j.decision, j.verdict, userId)),
    assessed,
    drafts,
    patientId,
  );
  const volume = judged.map((j) => {
    const at = showing.indexOf(j);
    const card = at >= 0 ? answer.cards[at] : undefined;
    return outcomeRecord(j, patient, userId, {
      outcome: j.verdict.outcome,
      ...(j.verdict.reason ? { reason: j.verdict.reason } : {}),
      ...(card ? { card } : {}),
      first: card !== undefined,
    });
  });
  return { ...answer, volume };
}

/**
 * order-select: the policy (suppress what was acknowledged, Strong avoid shown as acknowledged), then the shared card
 * cache: the same user on the same draft order gets the same card (same uuid; re-rendered when the order changed)
 * until it expires or the clinician accepts or overrides it; another user or another order gets its own card.
 */
export async function temperOrderSelect(
  call: HookCall<'order-select'>,
  state: VolumeRepository | undefined,
  assessed: OrderAssessment,
): Promise<HookAnswer> {
  const { draftOrders, patientId, userId } = call.request.context;
  const decisions = distinctShown(shownDecisions(assessed.assessment));
  const drafts = draftOrderResources(draftOrders);
  if (!state) return speak(decisions, assessed, drafts, patientId);
  const now = call.now;
  const policy = assessed.engine.thresholds.volume;
  const expiresAt = new Date(now.getTime() + policy.orderSelectCardMinutes * 60_000);
  const patient = patientKey(patientId);
  const judged = await judge('order-select', decisions, state, assessed, patient, now);

  const cards: Card[] = [];
  const provenance: HookAnswer['provenance'][number][] = [];
  const volume: VolumeOutcomeRecord[] = [];
  for (const j of judged) {
    const { verdict } = j;
    if (verdict.outcome === 'suppressed') {
      volume.push(
        outcomeRecord(j, patient, userId, { outcome: 'suppressed', reason: verdict.reason, first: false }),
      );
      continue;
    }
    const decision = tempered(j.decision, verdict, userId);
    const draft = drafts[decision.finding.order.orderIndex];
    // The card is re-rendered (same uuid) when the order or the policy's sentence on it changed.
    const orderHash = draftOrderHash([draft, decision.notes]);
    const cacheKey = orderSelectCacheKey({
      patientId,
      userId,
      orderRef: decision.finding.order.orderRef,
      adviceKey: j.advice.adviceKey,
    });
    const render = (): { card: Card; provenance: HookAnswer['provenance'][number] } => {
      const spoken = speak([decision], assessed, drafts, patientId);
      return {
        card: spoken.cards[0] as Card,
        provenance: spoken.provenance[0] as HookAnswer['provenance'][number],
      };
    };
    const cached = await state.orderSelectCard(cacheKey, now);
    if (cached?.closedBy) {
      volume.push(
        outcomeRecord(j, patient, userId, {
          outcome: 'suppressed',
          reason: `${cached.closedBy} by this clinician on this order`,
          first: false,
        }),
      );
      continue;
    }
    let card: Card;
    let first = false;
    if (cached && cached.indicator === decision.indicator) {
      card = await repeat(state, cached, orderHash, render, expiresAt);
    } else {
      const fresh = render();
      const winner = await state.claimOrderSelectCard(
        {
          cacheKey,
          cardUuid: fresh.card.uuid ?? '',
          card: fresh.card,
          orderHash,
          indicator: decision.indicator,
          expiresAt,
        },
        now,
      );
      if (winner.cardUuid === fresh.card.uuid) {
        card = fresh.card;
        first = true;
        provenance.push(fresh.provenance);
      } else {
        // Another replica issued this card a moment ago: return its card (same uuid), not a second one.
        card = await repeat(state, winner, orderHash, render, expiresAt);
      }
    }
    cards.push(card);
    volume.push(
      outcomeRecord(j, patient, userId, {
        outcome: first ? verdict.outcome : 'repeated',
        reason: first
          ? (verdict.reason ?? '')
          : `same card as before for this clinician and order${verdict.reason ? `; ${verdict.reason}` : ''}`,
        card,
        first,
      }),
    );
  }
  return {
    cards,
    provenance,
    assessment: assessed.assessment,
    volume,
  };
}

/** The cached card again, re-rendered under its uuid when the draft order changed; its expiry moves on. */
async function repeat(
  state: VolumeRepository,
  cached: { cacheKey: string; cardUuid: string; card: unknown; orderHash: string },
  orderHash: string,
  render: () => { card: Card },
  expiresAt: Date,
): Promise<Card> {
  const card =
    cached.orderHash === orderHash ? (cached.card as Card) : { ...render().card, uuid: cached.cardUuid };
  await state.renewOrderSelectCard(cached.cacheKey, { card, orderHash, expiresAt });
  return card;
}
