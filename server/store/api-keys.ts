import type { ApiKey, ApiKeysTable, Db } from './types.js';

/** Queries of the `api_keys` table: per-organization credentials, stored with a hash of their secret only. */

export interface NewApiKey {
  id: string;
  orgId: string;
  name: string;
  secretHash: string;
  createdBy: string;
}

export async function insertApiKey(db: Db, key: NewApiKey): Promise<ApiKey> {
  const row: ApiKeysTable = {
    id: key.id,
    org_id: key.orgId,
    name: key.name,
    secret_hash: key.secretHash,
    created_by: key.createdBy,
    created_at: Date.now(),
    last_used_at: null,
    revoked_at: null,
  };
  await db.insertInto('api_keys').values(row).execute();
  return toApiKey(row);
}

/** The key with its secret's hash, for verification; undefined when there is no such key. */
export async function findApiKey(db: Db, id: string): Promise<(ApiKey & { secretHash: string }) | undefined> {
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  return row && { ...toApiKey(row), secretHash: row.secret_hash };
}

/** Every key of an organization, revoked ones included, oldest first. */
export async function listApiKeys(db: Db, orgId: string): Promise<ApiKey[]> {
  const rows = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toApiKey);
}

/** Revokes a key; a key already revoked keeps its first revocation time. */
export async function revokeApiKey(db: Db, id: string, at: number): Promise<ApiKey | undefined> {
  await db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toApiKey(row);
}

/**
 * Records a use of the key, unless one at or after `notBefore` is already recorded: concurrent requests of
 * the same minute (on any instance) write once.
 */
export async function touchApiKey(db: Db, id: string, at: number, notBefore: number): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: at })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', notBefore)]))
    .execute();
}

function toApiKey(r: ApiKeysTable): ApiKey {
  return {
    id: r.id,
    orgId: r.org_id,
    name: r.name,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  };
}
