/**
 * Signed, expiring page links for a card (issue 9 "full explanation", issue 10 item 1 "Rate this alert"): an HS256
 * JWT (RFC 7519, signed with `LINK_SECRET` through `jose`) in the link's `t` query parameter. The token names the
 * card (`sub`), the page it opens (`purpose`), and the clinician the card was shown to (`rater`: the CDS request's
 * `context.userId`), and expires after `LINK_TTL_DAYS`. It is the only credential of those pages: whoever holds the
 * link can read the card's explanation and answer for that clinician, as the EHR showed it to them (no EHR login).
 */
import { createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { Link } from '../cds/types';

/** The pages a link opens. */
export const LINK_PURPOSES = ['rate', 'explain'] as const;
export type LinkPurpose = (typeof LINK_PURPOSES)[number];

/** What a verified link token says. */
export interface LinkClaims {
  readonly cardUuid: string;
  readonly purpose: LinkPurpose;
  /** Who the card was shown to (`context.userId`, e.g. `Practitioner/123`); absent when the request named no one. */
  readonly rater?: string;
  /** The token's id: the rater identity of a link that names no clinician. */
  readonly jti: string;
  readonly expiresAt: Date;
}

export interface LinkSigner {
  /** The token for one page of one card. */
  sign(cardUuid: string, purpose: LinkPurpose, rater?: string): Promise<string>;
  /**
   * The claims of `token` when it is valid, unexpired, for `purpose` and for `cardUuid`; undefined otherwise (the
   * reason is not told: the pages answer every refusal alike).
   */
  verify(token: string, purpose: LinkPurpose, cardUuid: string): Promise<LinkClaims | undefined>;
  /** The card's two page links, absolute (`PUBLIC_BASE_URL/...`), spec-valid `links` of type `absolute`. */
  linksFor(cardUuid: string, rater?: string): Promise<Link[]>;
}

export interface LinkSignerOptions {
  /** The HMAC key; at least 32 characters (config checks it). */
  readonly secret: string;
  readonly ttlDays: number;
  /** `PUBLIC_BASE_URL`, without trailing slash: the links' base and the tokens' issuer. */
  readonly publicBaseUrl: string;
  readonly now?: () => Date;
}

/** The labels clinicians see on the card (issue 10 item 1 names the first). */
export const LINK_LABELS: Readonly<Record<LinkPurpose, string>> = {
  rate: 'Rate this alert',
  explain: 'Full explanation',
};

const ALGORITHM = 'HS256';
const DAY_S = 86_400;

/** A random key for a process without `LINK_SECRET` (development only; its links die with the process). */
export function randomLinkSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function createLinkSigner(options: LinkSignerOptions): LinkSigner {
  // A KeyObject made once: given bytes, jose imports a key on every signature (a sixth of a token's cost; two tokens a
  // card).
  const key = createSecretKey(Buffer.from(options.secret, 'utf8'));
  const now = options.now ?? (() => new Date());
  const issuer = options.publicBaseUrl;
  const audience = `${options.publicBaseUrl}/links`;

  const sign = async (cardUuid: string, purpose: LinkPurpose, rater?: string): Promise<string> => {
    const iat = Math.floor(now().getTime() / 1000);
    return new SignJWT({ purpose, ...(rater ? { rater } : {}) })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(cardUuid)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + options.ttlDays * DAY_S)
      .sign(key);
  };

  return {
    sign,
    verify: async (token, purpose, cardUuid) => {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [ALGORITHM],
          issuer,
          audience,
          subject: cardUuid,
          currentDate: now(),
          requiredClaims: ['exp', 'jti', 'sub'],
        });
        if (payload.purpose !== purpose || typeof payload.jti !== 'string' || payload.exp === undefined) {
          return undefined;
        }
        const rater =
          typeof payload.rater === 'string' && payload.rater.length > 0 ? payload.rater : undefined;
        return {
          cardUuid,
          purpose,
          ...(rater ? { rater } : {}),
          jti: payload.jti,
          expiresAt: new Date(payload.exp * 1000),
        };
      } catch {
        // Expired, forged, malformed, another card: jose's reason is not passed on (the pages refuse alike).
        return undefined;
      }
    },
    linksFor: async (cardUuid, rater) =>
      Promise.all(
        LINK_PURPOSES.map(async (purpose) => ({
          label: LINK_LABELS[purpose],
          url: `${options.publicBaseUrl}/${purpose}/${encodeURIComponent(cardUuid)}?t=${await sign(cardUuid, purpose, rater)}`,
          type: 'absolute' as const,
        })),
      ),
  };
}
