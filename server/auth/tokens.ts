import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { AuthConfig, TokenRules } from '../config.js';
import { VerifiedTokens } from './verified-tokens.js';
import { looksLikeApiKey } from './api-keys.js';
import type { Viewer } from './viewer.js';

export type VerifyResult = { ok: true; viewer: Viewer } | { ok: false; reason: string };

/** Verifies bearer tokens. Pure: knows nothing of HTTP or WebSockets. */
export interface TokenVerifier {
  verify(token: string): Promise<VerifyResult>;
  /** Present when the app signs users in with a session cookie (AUTH_CONNECT_URL): the request's Cookie header. */
  verifyCookie?(cookie: string): Promise<VerifyResult>;
}

const ALG_SECRET = 'HS256';

/** Resolves the HS256 key, generating and persisting one into DATA_DIR for local development. */
export function resolveSecret(auth: AuthConfig, dataDir: string): string | undefined {
  if (auth.kind === 'secret') return auth.secret;
  if (auth.kind === 'jwks') return undefined;
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}

export function createTokenVerifier(auth: AuthConfig, secret: string | undefined): TokenVerifier {
  const claims = { issuer: auth.issuer, audience: auth.audience };
  const verifyJwt =
    auth.kind === 'jwks'
      ? (() => {
          const jwks = createRemoteJWKSet(new URL(auth.jwksUrl));
          return (token: string) => jwtVerify(token, jwks, { ...claims, algorithms: ['RS256', 'ES256'] });
        })()
      : (() => {
          if (!secret) throw new Error('an HS256 secret is required');
          // Imported once: given raw bytes, jose imports the key into WebCrypto again on every verification.
          // Node's own bytes: a DOM-like TextEncoder's are from another realm.
          const key = crypto.subtle.importKey(
            'raw',
            Buffer.from(secret, 'utf8'),
            { name: 'HMAC', hash: 'SHA-256' },
            false,
            ['verify'],
          );
          return async (token: string) => jwtVerify(token, await key, { ...claims, algorithms: [ALG_SECRET] });
        })();

  const verified = new VerifiedTokens();
  return {
    async verify(token) {
      // Over graphql-ws and single-connection SSE, which take JWTs only: say what was sent instead of "malformed".
      if (looksLikeApiKey(token))
        return { ok: false, reason: 'API keys are accepted by POST /v1/events and POST /graphql only (to publish)' };
      const known = verified.get(token);
      if (known) return { ok: true, viewer: known };
      try {
        const { payload } = await verifyJwt(token);
        const refused = checkTokenTimes(payload, auth);
        const result = refused ? ({ ok: false, reason: refused } as const) : toViewer(payload);
        if (result.ok) verified.remember(token, result.viewer);
        return result;
      } catch (err) {
        return { ok: false, reason: describeJoseError(err) };
      }
    },
  };
}

/** How far ahead of this server's clock a token's `iat` may be (the issuer's clock may run a little fast). */
export const IAT_CLOCK_SKEW_S = 60;
const DAY_S = 86_400;

/**
 * The lifetime rules, checked after jose has verified the signature and refused an expired `exp`. jose has
 * no rule for them: `maxTokenAge` bounds the age (`now - iat`, not `exp - iat`), requires `iat`, and is its
 * only check of an `iat` in the future; `clockTolerance` would also accept an `exp` already past.
 * Returns why the token is refused, or undefined.
 */
export function checkTokenTimes(
  payload: Pick<JWTPayload, 'exp' | 'iat'>,
  rules: Pick<TokenRules, 'maxLifetimeMs' | 'allowNoExp'>,
  nowS = Math.floor(Date.now() / 1000),
): string | undefined {
  const { exp, iat } = payload;
  if (iat !== undefined && iat > nowS + IAT_CLOCK_SKEW_S) {
    return `token "iat" is ${formatDuration(iat - nowS)} in the future (at most ${IAT_CLOCK_SKEW_S}s of clock skew is accepted)`;
  }
  if (exp === undefined)
    return rules.allowNoExp ? undefined : 'token has no "exp" claim (this server accepts only tokens that expire)';
  const lifetimeS = exp - (iat ?? nowS);
  const maxS = Math.floor(rules.maxLifetimeMs / 1000);
  if (lifetimeS > maxS)
    return `token lifetime ("exp" - "iat") is ${formatDuration(lifetimeS)}; this server accepts at most ${formatDuration(maxS)}`;
  return undefined;
}

/** The lifetime of tokens this server mints (demo users, `npm run token`): 30 days, or less if the rules say so. */
export const defaultTokenLifetimeS = (rules: Pick<TokenRules, 'maxLifetimeMs'>) =>
  Math.min(30 * DAY_S, Math.floor(rules.maxLifetimeMs / 1000));

/** Seconds as `30d`, `1h 30m`, `90d 1s`: exact, so that "90d" never hides a second over a limit. */
export function formatDuration(seconds: number): string {
  const parts: string[] = [];
  let left = Math.max(0, Math.round(seconds));
  for (const [unit, size] of [
    ['d', DAY_S],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (left >= size) parts.push(`${Math.floor(left / size)}${unit}`);
    left %= size;
  }
  return parts.join(' ') || '0s';
}

function toViewer(payload: JWTPayload): VerifyResult {
  if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 128) {
    return { ok: false, reason: 'token has no usable "sub" claim' };
  }
  const name = typeof payload.name === 'string' ? payload.name.slice(0, 200) : null;
  return {
    ok: true,
    viewer: { userId: payload.sub, name, isService: payload.role === 'service', expiresAt: payload.exp },
  };
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed && err.reason === 'missing')
    return `token has no "${err.claim}" claim`;
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `token claim "${err.claim}" is invalid`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (err instanceof joseErrors.JOSEError) return 'token is malformed or uses an unaccepted algorithm';
  return 'token could not be verified';
}

/** Signs an HS256 token: for `npm run token`, the demo users and tests. */
export async function signToken(
  secret: string,
  claims: { sub: string; name?: string; role?: 'service'; issuer?: string; audience?: string },
  expiresIn: string | number = '30d',
): Promise<string> {
  const jwt = new SignJWT({
    ...(claims.name ? { name: claims.name } : {}),
    ...(claims.role ? { role: claims.role } : {}),
  })
    .setProtectedHeader({ alg: ALG_SECRET })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn);
  if (claims.issuer) jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt.setAudience(claims.audience);
  return jwt.sign(Buffer.from(secret, 'utf8'));
}

/** `Bearer <jwt>` → `<jwt>`; anything else → undefined. */
export function parseBearer(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return m?.[1];
}
