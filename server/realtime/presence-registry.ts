import type { RedisCommands } from './redis-connections.js';

export interface PresenceEntry {
  instanceId: string;
  userId: string;
  name: string | null;
}

/**
 * Who is online, shared by all instances: entries per (organization, instance, user) that their instance
 * refreshes; an entry not refreshed within the TTL (its instance died) no longer counts.
 */
export interface PresenceRegistry {
  put(orgId: string, entry: PresenceEntry, ttlMs: number): Promise<void>;
  /**
   * Writes the instance's entries again with a fresh TTL (every TTL/3). Absent where an entry cannot outlive
   * the instance that wrote it, so that nothing expires and nothing needs refreshing (the memory registry).
   */
  refresh?(entries: ReadonlyArray<{ orgId: string; entry: PresenceEntry }>, ttlMs: number): Promise<void>;
  remove(orgId: string, instanceId: string, userId: string): Promise<void>;
  list(orgId: string): Promise<PresenceEntry[]>;
}

/** Organizations whose entries are written again at once, in one refresh. */
const REFRESH_BATCH = 256;

const memberOf = (instanceId: string, userId: string) => `${instanceId}\u0000${userId}`;

/**
 * The registry of an instance without Redis: it is that instance's memory, so it only ever holds the
 * instance's own entries, which leave with it; an entry never expires and is never refreshed (refreshing
 * 10,000 of them every TTL/3 was a tenth of an idle deployment's CPU, issue 18).
 */
export function createMemoryPresenceRegistry(): PresenceRegistry {
  const orgs = new Map<string, Map<string, PresenceEntry>>();
  return {
    async put(orgId, entry) {
      let org = orgs.get(orgId);
      if (!org) orgs.set(orgId, (org = new Map()));
      org.set(memberOf(entry.instanceId, entry.userId), { ...entry });
    },
    async remove(orgId, instanceId, userId) {
      const org = orgs.get(orgId);
      org?.delete(memberOf(instanceId, userId));
      if (org?.size === 0) orgs.delete(orgId);
    },
    async list(orgId) {
      return [...(orgs.get(orgId)?.values() ?? [])].map((entry) => ({ ...entry }));
    },
  };
}

/**
 * A sorted set per organization scored by expiry, plus the names; expired members are swept on read.
 * Both keys carry the organization as their {hash tag}: one slot, so a Cluster takes the MULTI that writes both.
 */
export function createRedisPresenceRegistry(redis: RedisCommands, prefix: string): PresenceRegistry {
  const setKey = (orgId: string) => `${prefix}presence:{${orgId}}`;
  const namesKey = (orgId: string) => `${prefix}presence-names:{${orgId}}`;
  /** One MULTI per organization, whatever its number of entries: both keys are in its slot. */
  const write = async (orgId: string, entries: readonly PresenceEntry[], ttlMs: number) => {
    const expiresAt = Date.now() + ttlMs;
    const tx = redis.multi();
    for (const e of entries) {
      tx.zadd(setKey(orgId), expiresAt, memberOf(e.instanceId, e.userId));
      tx.hset(namesKey(orgId), e.userId, e.name ?? '');
    }
    await tx
      .pexpire(setKey(orgId), ttlMs * 4)
      .pexpire(namesKey(orgId), ttlMs * 4)
      .exec();
  };
  return {
    async put(orgId, entry, ttlMs) {
      await write(orgId, [entry], ttlMs);
    },
    async refresh(entries, ttlMs) {
      const byOrg = new Map<string, PresenceEntry[]>();
      for (const { orgId, entry } of entries) {
        const org = byOrg.get(orgId);
        if (org) org.push(entry);
        else byOrg.set(orgId, [entry]);
      }
      // Not one awaited round trip per user: a batch of organizations' writes in flight at once (pipelined on
      // the connection, or spread over a Cluster's shards), one batch after another.
      const orgIds = [...byOrg.keys()];
      for (let i = 0; i < orgIds.length; i += REFRESH_BATCH) {
        const batch = orgIds.slice(i, i + REFRESH_BATCH);
        await Promise.all(batch.map((orgId) => write(orgId, byOrg.get(orgId) ?? [], ttlMs)));
      }
    },
    async remove(orgId, instanceId, userId) {
      await redis.zrem(setKey(orgId), memberOf(instanceId, userId));
    },
    async list(orgId) {
      const now = Date.now();
      await redis.zremrangebyscore(setKey(orgId), '-inf', now);
      const members = await redis.zrangebyscore(setKey(orgId), now, '+inf');
      const entries = members.map((m) => {
        const [instanceId = '', userId = ''] = m.split('\u0000');
        return { instanceId, userId };
      });
      const names = entries.length ? await redis.hmget(namesKey(orgId), ...entries.map((e) => e.userId)) : [];
      return entries.map((e, i) => ({ ...e, name: names[i] || null }));
    },
  };
}
