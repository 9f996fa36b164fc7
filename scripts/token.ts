/**
 * `npm run token -- --role pharmacist --sub alice [--role informaticist] [--ttl 1h]`
 * Development only: signs an access token with the development issuer's key (`OIDC_DEV_KEY_FILE`, created when
 * missing; the app serves its public half at `/dev/jwks.json`) and prints the token, for
 * `Authorization: Bearer …` on `/api`, and a one-time sign-in link for the pages. Reads the same environment as the
 * app (`PUBLIC_BASE_URL`, `OIDC_AUDIENCE`, `OIDC_ROLES_CLAIM`), so the app accepts what it prints.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { ROLES } from '../src/http/auth';
import type { Role } from '../src/http/auth';
import { loadDevSigningKey, parseTtl } from '../src/http/dev-issuer';

const USAGE = `usage: npm run token -- --role ${ROLES.join('|')} [--role …] --sub NAME [--ttl 1h]`;

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        role: { type: 'string', multiple: true },
        sub: { type: 'string' },
        ttl: { type: 'string', default: '1h' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    process.exit(2);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const roles = (values.role ?? []).flatMap((r) => r.split(','));
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  const ttlSeconds = parseTtl(values.ttl);
  if (roles.length === 0 || unknown.length > 0 || !values.sub || ttlSeconds === undefined) {
    if (unknown.length > 0) console.error(`unknown role(s): ${unknown.join(', ')}`);
    if (ttlSeconds === undefined) console.error(`--ttl: "${values.ttl}" is not like 90s, 30m, 1h or 2d`);
    console.error(USAGE);
    process.exit(2);
  }
  const config = loadConfig();
  if (!config.oidc?.development) {
    console.error(
      'The development issuer is off (OIDC_ISSUER is set, or NODE_ENV=production): get a token from your issuer.',
    );
    process.exit(2);
  }
  const key = await loadDevSigningKey(config.oidcDevKeyFile);
  const token = await key.sign({ sub: values.sub, roles: roles as Role[], ttlSeconds }, config.oidc);
  // A reader that takes only the token (`npm run -s token -- … | head -1`) closes the pipe before the link: done.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  console.log(token);
  console.log(`${config.publicBaseUrl}/auth/sign-in-link?token=${encodeURIComponent(token)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
