// A real OpenID provider for the browser tests (oidc-provider 9, ESM-only, hence its own process): authorization
// code with PKCE, one confidential client, and accounts whose id is the login typed on its (development) login page.
// Usage: node test/helpers/oidc-provider.mjs <port> <redirect_uri> <client_id> <client_secret>
// Prints `ready <issuer>` on stdout once it listens. Accounts: `alice` is a pharmacist, `carol` a clinician, any other
// login holds no role.
import Provider from 'oidc-provider';

const [port, redirectUri, clientId, clientSecret] = process.argv.slice(2);
const issuer = `http://localhost:${port}`;

const ACCOUNTS = {
  alice: { name: 'Alice Pharmacist', roles: ['pharmacist'] },
  carol: { name: 'Carol Clinician', roles: ['clinician'] },
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  // Roles and name are released through userinfo (the default: ID tokens carry only what OIDC Core requires).
  claims: { openid: ['sub'], profile: ['name'], roles: ['roles'] },
  scopes: ['openid', 'profile', 'roles'],
  pkce: { required: () => true },
  cookies: { keys: ['browser-test-cookie-key-0123456789'] },
  features: { devInteractions: { enabled: true } },
  findAccount: (_ctx, id) => ({
    accountId: id,
    claims: () => ({ sub: id, ...(ACCOUNTS[id] ?? { name: id, roles: [] }) }),
  }),
});
provider.proxy = false;

const server = provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
});
