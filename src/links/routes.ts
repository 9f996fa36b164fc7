/**
 * The pages a card links to and their JSON, authorised by the link's signed token (`tokens.ts`), not by a role:
 * - pages `GET /rate/{cardUuid}?t=…` and `GET /explain/{cardUuid}?t=…`: the web front end, 403 for a refused token;
 * - JSON `GET|PUT /api/links/rate/{cardUuid}` and `GET /api/links/explain/{cardUuid}`, the token as
 *   `Authorization: Bearer …` (the page reads it from its own URL).
 * Thin routes: the token decides who may, the store answers, `explanation.ts` shapes the explanation.
 */
import { Router } from 'express';
import type { Request } from 'express';
import { AppError } from '../http/errors';
import type { WebBundle } from '../http/pages';
import type { VolumeThresholds } from '../rules/thresholds';
import type { CardRecord, RecordedInvocation, StoredRating, Store } from '../store';
import { ratingAnswerSchema } from './contract';
import type { RatePageView, RatingSaved, RatingView } from './contract';
import { explainCard } from './explanation';
import type { LinkClaims, LinkPurpose, LinkSigner } from './tokens';

export interface LinkRouterDeps {
  readonly signer: LinkSigner;
  readonly store: Store;
  readonly now?: () => Date;
  /** The alert-volume policy in force (the live threshold set's `volume`): what each rating does, in words. */
  readonly volume?: () => VolumeThresholds;
}

const STEPS = ['', 'one step', 'two steps', 'three steps'];

/**
 * What each answer does, in the words the rating page shows, with the numbers of the policy in force
 * (`src/feedback/README.md`): the clinician is told what a click will change, and what it will not.
 */
export function ratingEffects(volume: VolumeThresholds): NonNullable<RatePageView['effects']> {
  const { acknowledgedDays, orderSignSteps, flags } = volume;
  // Every answer is counted in the governance figures; the page says that once, above the answers.
  return {
    'not-useful': `When ${String(Math.round(flags.notUsefulRate * 100))} % of a rule's last ${String(flags.lastFirings)} alerts are rated not useful, the rule is flagged to the informaticists for review; nothing changes by itself.`,
    'too-often':
      acknowledgedDays === 0
        ? 'The alert is shown as before: the setting that quiets repeated advice is off.'
        : `For ${String(acknowledgedDays)} days, for this patient, this advice is left out when an order is selected and shown ${STEPS[orderSignSteps] ?? `${String(orderSignSteps)} steps`} lower at signing, unless the results or readings get worse. A CPIC Strong "avoid" is never lowered.`,
    // Listed for the pharmacy (`/admin/reports`), which checks the result and the advice and follows it up.
    'wrong-patient':
      'It does not change the alert. The pharmacy sees your report and follows it up: say in the comment what does not fit.',
  };
}

/** Pages: `/rate/{cardUuid}` and `/explain/{cardUuid}` (mount at `/`). */
export function createLinkPageRouter(deps: LinkRouterDeps & { readonly web: WebBundle }): Router {
  const router = Router();
  for (const purpose of ['rate', 'explain'] as const) {
    router.get(`/${purpose}/:cardUuid`, async (req, res) => {
      const token = typeof req.query.t === 'string' ? req.query.t : '';
      const claims = await deps.signer.verify(token, purpose, req.params.cardUuid);
      deps.web.sendPage(res, claims ? 200 : 403);
    });
  }
  return router;
}

/** JSON of the link pages (mount at `/api/links`, before the `/api` role guard). */
export function createLinkApiRouter(deps: LinkRouterDeps): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());

  async function authorised(req: Request, purpose: LinkPurpose): Promise<LinkClaims> {
    const header = req.header('authorization') ?? '';
    const token = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header)?.[1] ?? '';
    const cardUuid = req.params.cardUuid;
    const claims =
      typeof cardUuid === 'string' ? await deps.signer.verify(token, purpose, cardUuid) : undefined;
    if (!claims) throw new AppError('LINK_INVALID');
    return claims;
  }

  async function recordedCard(
    cardUuid: string,
  ): Promise<{ invocation: RecordedInvocation; card: CardRecord }> {
    const invocation = await deps.store.invocations.findByCard(cardUuid);
    const card = invocation?.cards.find((c) => c.uuid === cardUuid);
    if (!invocation || !card) throw new AppError('LINK_UNKNOWN_CARD');
    return { invocation, card };
  }

  router.get('/rate/:cardUuid', async (req, res) => {
    const claims = await authorised(req, 'rate');
    const { invocation, card } = await recordedCard(claims.cardUuid);
    const answer = await deps.store.ratings.find(claims.cardUuid, raterOf(claims));
    const view: RatePageView = {
      card: (card.shown as RatePageView['card'] | undefined) ?? {
        summary: card.summary,
        indicator: card.indicator,
      },
      shownAt: invocation.receivedAt.toISOString(),
      ...(answer ? { answer: ratingView(answer) } : {}),
      linkExpiresAt: claims.expiresAt.toISOString(),
      ...(deps.volume ? { effects: ratingEffects(deps.volume()) } : {}),
    };
    res.json(view);
  });

  router.put('/rate/:cardUuid', async (req, res) => {
    const claims = await authorised(req, 'rate');
    await recordedCard(claims.cardUuid);
    const parsed = ratingAnswerSchema.safeParse(req.body);
    if (!parsed.success) {
      throw new AppError(
        'LINK_INVALID_RATING',
        parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`),
      );
    }
    const comment = parsed.data.comment?.trim();
    const rater = raterOf(claims);
    // Audited: the store keeps every answer (rating_events) with the rater the link names and the time.
    const { created } = await deps.store.ratings.upsert({
      cardUuid: claims.cardUuid,
      rater,
      rating: parsed.data.rating,
      ...(comment ? { comment } : {}),
      ratedAt: now(),
    });
    const stored = await deps.store.ratings.find(claims.cardUuid, rater);
    if (!stored) throw new Error('rating not read back after its commit');
    const saved: RatingSaved = { answer: ratingView(stored), created };
    res.status(created ? 201 : 200).json(saved);
  });

  router.get('/explain/:cardUuid', async (req, res) => {
    const claims = await authorised(req, 'explain');
    const { invocation, card } = await recordedCard(claims.cardUuid);
    res.json(explainCard(invocation, card, claims.expiresAt));
  });

  return router;
}

/** Who answers through a link: the clinician it names, else the link itself (one answer per link). */
function raterOf(claims: LinkClaims): string {
  return claims.rater ?? `link:${claims.jti}`;
}

function ratingView(r: StoredRating): RatingView {
  return {
    rating: r.rating,
    ...(r.comment !== undefined ? { comment: r.comment } : {}),
    ratedAt: r.ratedAt.toISOString(),
    firstRatedAt: r.firstRatedAt.toISOString(),
  };
}
