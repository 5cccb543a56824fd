import { mintApiKey } from '../auth/api-keys.js';
import { requireOrgAccess, requireViewer } from '../auth/access.js';
import type { Viewer } from '../auth/viewer.js';
import type { Services } from '../context.js';
import { badInput, notFound } from '../errors.js';
import * as keys from '../store/api-keys.js';
import type { ApiKey } from '../store/types.js';

/** A new key and its secret, which is shown this once: only a hash of it is stored. */
export interface CreatedApiKey {
  apiKey: ApiKey;
  secret: string;
}

const MAX_NAME = 100;

/** Creates an API key of an organization (OWNER, ADMIN or a service); it publishes there and nowhere else. */
export async function createApiKey(
  services: Services,
  viewer: Viewer | null,
  orgId: string,
  name: string,
): Promise<CreatedApiKey> {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > MAX_NAME) throw badInput(`name must be 1 to ${MAX_NAME} characters.`);
  const { viewer: v } = await requireOrgAccess(services.store, viewer, orgId, 'ADMIN', 'create API keys');
  const minted = mintApiKey();
  const apiKey = await keys.insertApiKey(services.store.db, {
    id: minted.id,
    orgId,
    name: trimmed,
    secretHash: minted.secretHash,
    createdBy: v.userId,
  });
  services.log.info({ orgId, keyId: apiKey.id, by: v.userId }, 'API key created');
  return { apiKey, secret: minted.key };
}

/**
 * Revokes a key (OWNER, ADMIN or a service of its organization): its next request, on any instance, gets
 * 403. Revoking a revoked key changes nothing and keeps the first revocation time.
 */
export async function revokeApiKey(services: Services, viewer: Viewer | null, id: string): Promise<ApiKey> {
  requireViewer(viewer);
  const key = await keys.findApiKey(services.store.db, id);
  if (!key) throw notFound(`API key "${id.slice(0, 64)}" does not exist.`);
  await requireOrgAccess(services.store, viewer, key.orgId, 'ADMIN', 'revoke API keys');
  const revoked = await keys.revokeApiKey(services.store.db, id, Date.now());
  if (!revoked) throw notFound(`API key "${id.slice(0, 64)}" does not exist.`);
  services.log.info({ orgId: key.orgId, keyId: id }, 'API key revoked');
  return revoked;
}

/** Every key of an organization, revoked ones included, without secrets (OWNER, ADMIN or a service). */
export async function listApiKeysOf(services: Services, viewer: Viewer | null, orgId: string): Promise<ApiKey[]> {
  await requireOrgAccess(services.store, viewer, orgId, 'ADMIN', 'list its API keys');
  return keys.listApiKeys(services.store.db, orgId);
}
