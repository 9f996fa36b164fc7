/**
 * The cards' signed page links: an HS256 JWT naming the card, the page and the clinician, valid for LINK_TTL_DAYS.
 * Anything else (another page, another card, expired, another key, an unsigned or altered token) is refused.
 */
import { UnsecuredJWT } from 'jose';
import { createLinkSigner } from '../../../src/links/tokens';

const BASE = 'https://cds.example.org';
const SECRET = 'unit-test-link-secret-of-32-characters!!';
const CARD = '1c9d1bb4-8a2f-4f57-9d6b-3a0f2f4f8e11';
const DAY_MS = 86_400_000;

function signerAt(now: Date, secret = SECRET) {
  return createLinkSigner({ secret, ttlDays: 14, publicBaseUrl: BASE, now: () => now });
}

describe('link tokens', () => {
  const issued = new Date('2026-11-01T10:00:00Z');
  const signer = signerAt(issued);

  it('carries the card, the page, the clinician and the expiry', async () => {
    const token = await signer.sign(CARD, 'rate', 'Practitioner/123');
    const claims = await signer.verify(token, 'rate', CARD);
    expect(claims).toMatchObject({ cardUuid: CARD, purpose: 'rate', rater: 'Practitioner/123' });
    expect(claims?.expiresAt.toISOString()).toBe(new Date(issued.getTime() + 14 * DAY_MS).toISOString());
    expect(claims?.jti).toEqual(expect.any(String));
  });

  it('is valid until its expiry and refused after it', async () => {
    const token = await signer.sign(CARD, 'explain');
    expect(
      await signerAt(new Date(issued.getTime() + 14 * DAY_MS - 60_000)).verify(token, 'explain', CARD),
    ).toBeDefined();
    expect(
      await signerAt(new Date(issued.getTime() + 14 * DAY_MS + 60_000)).verify(token, 'explain', CARD),
    ).toBeUndefined();
  });

  it('refuses another page, another card, another key, an unsigned and an altered token', async () => {
    const token = await signer.sign(CARD, 'rate', 'Practitioner/123');
    expect(await signer.verify(token, 'explain', CARD)).toBeUndefined();
    expect(await signer.verify(token, 'rate', 'another-card')).toBeUndefined();
    expect(
      await signerAt(issued, 'another-secret-of-at-least-32-characters').verify(token, 'rate', CARD),
    ).toBeUndefined();
    const unsigned = new UnsecuredJWT({ purpose: 'rate' })
      .setSubject(CARD)
      .setIssuer(BASE)
      .setAudience(`${BASE}/links`)
      .setJti('x')
      .setExpirationTime(Math.floor(issued.getTime() / 1000) + 3600)
      .encode();
    expect(await signer.verify(unsigned, 'rate', CARD)).toBeUndefined();
    const [header, payload, signature] = token.split('.');
    const altered = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    altered.purpose = 'explain';
    const forged = `${header}.${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${signature}`;
    expect(await signer.verify(forged, 'explain', CARD)).toBeUndefined();
    expect(await signer.verify('', 'rate', CARD)).toBeUndefined();
  });

  it('makes two absolute, spec-shaped links on PUBLIC_BASE_URL', async () => {
    const links = await signer.linksFor(CARD, 'Practitioner/123');
    expect(links.map((l) => [l.label, l.type, l.url.split('?')[0]])).toEqual([
      ['Rate this alert', 'absolute', `${BASE}/rate/${CARD}`],
      ['Full explanation', 'absolute', `${BASE}/explain/${CARD}`],
    ]);
    const rateToken = new URL(links[0]!.url).searchParams.get('t')!;
    expect(await signer.verify(rateToken, 'rate', CARD)).toMatchObject({ rater: 'Practitioner/123' });
  });
});
