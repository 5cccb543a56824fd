import { parseArgs } from 'node:util';
import { decodeJwt } from 'jose';
import { checkTokenTimes, defaultTokenLifetimeS, resolveSecret, signToken } from '../server/auth/tokens.js';
import { ConfigError, loadConfig } from '../server/config.js';

/**
 * `npm run token -- --sub alice --name Alice [--service] [--expires 1h]`: prints a token for the configured secret.
 * `--expires` defaults to 30 days (or AUTH_MAX_TOKEN_LIFETIME when shorter); a longer one is refused here, since
 * the server would refuse the token.
 */
const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    name: { type: 'string' },
    service: { type: 'boolean', default: false },
    expires: { type: 'string' },
  },
});

try {
  if (!values.sub)
    throw new Error('usage: npm run token -- --sub <user id> [--name <name>] [--service] [--expires 30d]');
  const config = loadConfig(process.env);
  if (config.auth.kind === 'jwks')
    throw new Error('AUTH_JWKS_URL is set: tokens come from your identity provider, not from this command.');
  const secret = resolveSecret(config.auth, config.dataDir);
  if (!secret) throw new Error('no secret configured');
  const token = await signToken(
    secret,
    {
      sub: values.sub,
      name: values.name,
      role: values.service ? 'service' : undefined,
      issuer: config.auth.issuer,
      audience: config.auth.audience,
    },
    values.expires ?? `${defaultTokenLifetimeS(config.auth)}s`,
  );
  const refused = checkTokenTimes(decodeJwt(token), config.auth);
  if (refused)
    throw new Error(
      `--expires ${values.expires}: ${refused} (AUTH_MAX_TOKEN_LIFETIME). Use a shorter --expires, or raise AUTH_MAX_TOKEN_LIFETIME on the server and here.`,
    );
  process.stdout.write(`${token}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
