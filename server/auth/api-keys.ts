import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { apiKeyRevoked, invalidApiKey } from '../errors.js';
import { findApiKey, touchApiKey } from '../store/api-keys.js';
import type { Store } from '../store/store.js';
import type { Viewer } from './viewer.js';

/**
 * Organization API keys: `sbk_<32 hex: the key's id>_<43 base64url: 32 random bytes>`. The prefix tells a key
 * from a JWT without a lookup (a JWT starts with `eyJ`); the id finds its row; only the SHA-256 of the secret
 * part is stored, and compared in constant time.
 */
export const API_KEY_PREFIX = 'sbk_';
const FORMAT = /^sbk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

/** A use is written to `last_used_at` at most this often per key (not a write per request). */
export const LAST_USED_RESOLUTION_MS = 60_000;

export const looksLikeApiKey = (credential: string) => credential.startsWith(API_KEY_PREFIX);

const sha256 = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

/** A new key: its row's id, the secret's hash to store, and the whole key, to show once and never again. */
export function mintApiKey(): { id: string; secretHash: string; key: string } {
  const hex = randomBytes(16).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id: `key_${hex}`, secretHash: sha256(secret), key: `${API_KEY_PREFIX}${hex}_${secret}` };
}

/**
 * The caller an API key stands for, or the error to answer with: UNAUTHENTICATED (HTTP 401) for a malformed or
 * unknown key or a wrong secret, FORBIDDEN (HTTP 403, reason API_KEY_REVOKED) for a revoked one. Revocation is
 * only told to a holder of the right secret. A use is recorded at most once a minute.
 */
export async function verifyApiKey(store: Store, credential: string, now = Date.now()): Promise<Viewer> {
  const m = FORMAT.exec(credential);
  if (!m) throw invalidApiKey('malformed (expected sbk_ followed by 32 hex digits, "_" and 43 characters)');
  const [, hex, secret] = m as unknown as [string, string, string];
  const hash = sha256(secret);
  const key = await findApiKey(store.db, `key_${hex}`);
  if (!key || !sameHash(hash, key.secretHash)) throw invalidApiKey('unknown key or wrong secret');
  if (key.revokedAt !== null) throw apiKeyRevoked({ ...key, revokedAt: key.revokedAt });
  if (key.lastUsedAt === null || now - key.lastUsedAt >= LAST_USED_RESOLUTION_MS)
    await touchApiKey(store.db, key.id, now, now - LAST_USED_RESOLUTION_MS);
  return { userId: key.id, name: key.name, isService: false, apiKey: { id: key.id, orgId: key.orgId } };
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
