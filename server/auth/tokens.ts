import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { AuthConfig } from '../config.js';
import type { Viewer } from './viewer.js';

export type VerifyResult = { ok: true; viewer: Viewer } | { ok: false; reason: string };

/** Verifies bearer tokens. Pure: knows nothing of HTTP or WebSockets. */
export interface TokenVerifier {
  verify(token: string): Promise<VerifyResult>;
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
          const key = Buffer.from(secret, 'utf8'); // Node's own bytes: a DOM-like TextEncoder's are from another realm
          return (token: string) => jwtVerify(token, key, { ...claims, algorithms: [ALG_SECRET] });
        })();

  return {
    async verify(token) {
      try {
        const { payload } = await verifyJwt(token);
        return toViewer(payload);
      } catch (err) {
        return { ok: false, reason: describeJoseError(err) };
      }
    },
  };
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
  const jwt = new SignJWT({ ...(claims.name ? { name: claims.name } : {}), ...(claims.role ? { role: claims.role } : {}) })
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
