/**
 * The page session cookie's pieces: reading the `Cookie` header, the HMAC signature that refuses a forged value, and
 * the only places a sign-in may return to.
 */
import type { Request } from 'express';
import { readCookies, signValue, unsignValue } from '../../../src/http/session';
import { safeReturnTo } from '../../../src/http/sign-in';

const SECRET = 'unit-test-session-secret-of-32-chars!!';

function withCookie(header: string | undefined): Request {
  return {
    header: (name: string) => (name.toLowerCase() === 'cookie' ? header : undefined),
  } as unknown as Request;
}

describe('session cookies', () => {
  it('reads the cookies of a request, the first of a repeated name, skipping malformed ones', () => {
    const cookies = readCookies(
      withCookie('a=1; pgx_session=abc.def; bad; pgx_session=later; enc=%E2%9C%93; x=%E0'),
    );
    expect(cookies.get('pgx_session')).toBe('abc.def');
    expect(cookies.get('a')).toBe('1');
    expect(cookies.get('enc')).toBe('✓');
    expect(cookies.has('x')).toBe(false);
    expect(readCookies(withCookie(undefined)).size).toBe(0);
  });

  it('accepts its own signature and refuses an altered value, an altered signature or another key', () => {
    const signed = signValue('session-id', SECRET);
    expect(unsignValue(signed, SECRET)).toBe('session-id');
    expect(unsignValue(signed.replace('session-id', 'session-ie'), SECRET)).toBeUndefined();
    expect(unsignValue(`${signed.slice(0, -1)}${signed.endsWith('A') ? 'B' : 'A'}`, SECRET)).toBeUndefined();
    expect(unsignValue(signed, 'another-secret-of-at-least-32-characters')).toBeUndefined();
    expect(unsignValue('no-signature', SECRET)).toBeUndefined();
  });

  it('returns from sign-in only to a page path, never to another site', () => {
    expect(safeReturnTo('/admin/overrides')).toBe('/admin/overrides');
    expect(safeReturnTo('/admin/overrides?drug=codeine&reviewed=differ')).toBe(
      '/admin/overrides?drug=codeine&reviewed=differ',
    );
    for (const bad of [
      '/admin?next=https://evil.example',
      '/admin/overrides?x=1#frag',
      '/admin?a=b?c',
      'https://evil.example/admin',
      '//evil.example',
      '/admin/../rate',
      '/elsewhere',
      42,
      undefined,
    ]) {
      expect(safeReturnTo(bad)).toBe('/admin');
    }
  });
});
