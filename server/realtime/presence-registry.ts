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
  remove(orgId: string, instanceId: string, userId: string): Promise<void>;
  list(orgId: string): Promise<PresenceEntry[]>;
}

const memberOf = (instanceId: string, userId: string) => `${instanceId}\u0000${userId}`;

export function createMemoryPresenceRegistry(): PresenceRegistry {
  const orgs = new Map<string, Map<string, PresenceEntry & { expiresAt: number }>>();
  return {
    async put(orgId, entry, ttlMs) {
      let org = orgs.get(orgId);
      if (!org) orgs.set(orgId, (org = new Map()));
      const key = memberOf(entry.instanceId, entry.userId);
      const known = org.get(key);
      // A refresh (every TTL/3, for every local user) only moves the expiry: no new object each time.
      if (known && known.name === entry.name) known.expiresAt = Date.now() + ttlMs;
      else org.set(key, { ...entry, expiresAt: Date.now() + ttlMs });
    },
    async remove(orgId, instanceId, userId) {
      orgs.get(orgId)?.delete(memberOf(instanceId, userId));
    },
    async list(orgId) {
      const now = Date.now();
      return [...(orgs.get(orgId)?.values() ?? [])]
        .filter((e) => e.expiresAt > now)
        .map(({ expiresAt: _e, ...entry }) => entry);
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
  return {
    async put(orgId, entry, ttlMs) {
      await redis
        .multi()
        .zadd(setKey(orgId), Date.now() + ttlMs, memberOf(entry.instanceId, entry.userId))
        .hset(namesKey(orgId), entry.userId, entry.name ?? '')
        .pexpire(setKey(orgId), ttlMs * 4)
        .pexpire(namesKey(orgId), ttlMs * 4)
        .exec();
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
