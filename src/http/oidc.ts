/**
 * OpenID Connect sign-in for the pages (authorization code + PKCE, https://openid.net/specs/openid-connect-core-1_0.html
 * §3.1, RFC 7636) with `openid-client` 6. The library is ESM-only: it is loaded with `import()` the first time someone
 * signs in, so nothing else (and no jest test, which cannot load ESM) ever loads it.
 */
import type * as OpenIdClientModule from 'openid-client' with { 'resolution-mode': 'import' };
import type { Config } from '../config';

type OpenIdClient = typeof OpenIdClientModule;
type Configuration = OpenIdClientModule.Configuration;

/** What the sign-in routes need of the identity provider. */
export interface OidcSignIn {
  /** The identity provider (`OIDC_ISSUER`): recorded with each sign-in in the audit trail. */
  readonly issuer: string;
  /** Where to send the browser, and the checks to keep (in a signed cookie) until it comes back. */
  start(): Promise<{ readonly url: string; readonly checks: OidcChecks }>;
  /** Exchanges the code of the callback URL for the user; rejects when any check fails. */
  finish(
    callbackUrl: URL,
    checks: OidcChecks,
  ): Promise<{ readonly id: string; readonly name?: string; readonly roles: readonly string[] }>;
}

export interface OidcChecks {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

let library: Promise<OpenIdClient> | undefined;
function openIdClient(): Promise<OpenIdClient> {
  library ??= import('openid-client');
  return library;
}

/**
 * `allowInsecureRequests`, which the library marks deprecated only to make it stand out; used for a plain-http issuer
 * outside production (a provider on the developer's machine or in the tests).
 */
function insecure(client: OpenIdClient): OpenIdClient['allowInsecureRequests'] {
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  return client.allowInsecureRequests;
}

function stringArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

export function createOidcSignIn(
  oidc: NonNullable<Config['pageSignIn']>,
  publicBaseUrl: string,
  production: boolean,
): OidcSignIn {
  const redirectUri = `${publicBaseUrl}/auth/callback`;
  let discovered: Promise<Configuration> | undefined;

  const configuration = async (): Promise<Configuration> => {
    const client = await openIdClient();
    discovered ??= client
      .discovery(
        new URL(oidc.issuer),
        oidc.clientId,
        oidc.clientSecret,
        undefined,
        // A plain-http issuer (a local provider) only outside production.
        !production && oidc.issuer.startsWith('http:') ? { execute: [insecure(client)] } : undefined,
      )
      .catch((err: unknown) => {
        discovered = undefined; // retried on the next sign-in
        throw err;
      });
    return discovered;
  };

  return {
    issuer: oidc.issuer,
    start: async () => {
      const client = await openIdClient();
      const config = await configuration();
      const checks: OidcChecks = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
      };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: `openid profile ${oidc.rolesClaim}`,
        code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
        state: checks.state,
        nonce: checks.nonce,
      });
      return { url: url.href, checks };
    },
    finish: async (callbackUrl, checks) => {
      const client = await openIdClient();
      const config = await configuration();
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new Error('no ID token');
      let roles = stringArray(claims[oidc.rolesClaim]);
      let name = typeof claims.name === 'string' ? claims.name : undefined;
      if (roles.length === 0 || name === undefined) {
        // Many providers put profile and role claims in userinfo only (OIDC Core §5.4).
        const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
        if (roles.length === 0) roles = stringArray(info[oidc.rolesClaim]);
        name ??= typeof info.name === 'string' ? info.name : undefined;
      }
      return { id: claims.sub, ...(name ? { name } : {}), roles };
    },
  };
}
