/**
 * The JSON of `GET /auth/me`, shared with the web front end (`web/src/api.ts` imports it type-only): who is signed in
 * to the pages. Plain types, nothing Node-specific.
 */
export interface SignedInView {
  readonly id: string;
  readonly name?: string;
  readonly roles: readonly string[];
  /** How the user signed in: the identity provider, or a one-time sign-in link. */
  readonly method: 'oidc' | 'sign-in-link';
  /** When the session ends (ISO 8601). */
  readonly expiresAt: string;
}
