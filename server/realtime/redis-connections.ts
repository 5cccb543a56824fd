import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisTopology } from '../redis-topology.js';

/** A connection for commands: one server (directly or found through Sentinel) or a whole Cluster. */
export type RedisCommands = Redis | Cluster;

/** How a connection behaves when Redis is away; the same on every topology. */
export interface ConnectionRole {
  /** Fail commands at once while disconnected instead of queueing them (the publisher). */
  failFast: boolean;
  /** A subscriber connection (the Cluster one gets a subscriber per shard for SSUBSCRIBE). */
  subscriber: boolean;
}

// Reconnect forever with a capped backoff: the process must never exit because Redis is away.
const backoff = (times: number) => Math.min(times * 200, 2000);

/** One server or a Sentinel group: an ioredis `Redis`; `Cluster` for a cluster. */
export function connectRedis(topology: Exclude<RedisTopology, { kind: 'cluster' }>, role: ConnectionRole): Redis;
export function connectRedis(topology: RedisTopology, role: ConnectionRole): RedisCommands;
export function connectRedis(topology: RedisTopology, role: ConnectionRole): RedisCommands {
  const behaviour: RedisOptions = role.failFast
    ? { retryStrategy: backoff, enableOfflineQueue: false, maxRetriesPerRequest: 1 }
    : { retryStrategy: backoff, maxRetriesPerRequest: null, autoResubscribe: true };
  if (topology.kind === 'single') return new Redis(topology.url, behaviour);
  const auth = {
    username: topology.username,
    password: topology.password,
    tls: topology.tls ? {} : undefined,
  };
  if (topology.kind === 'sentinel') {
    return new Redis({
      ...behaviour,
      ...auth,
      sentinels: topology.sentinels,
      name: topology.name,
      db: topology.db,
      role: 'master',
      sentinelRetryStrategy: backoff,
      // Not `failoverDetector`: its +switch-master handler aborts a reconnect already under way through the
      // sentinels ("Connection is closed.") and the client then never reconnects (ioredis 5.11, STACK-NOTES).
    });
  }
  return new Cluster(topology.nodes, {
    clusterRetryStrategy: backoff,
    enableOfflineQueue: !role.failFast,
    // One subscriber connection per primary: SSUBSCRIBE must reach the shard that owns the channel's slot.
    shardedSubscribers: role.subscriber,
    // slotsRefreshInterval stays at its 5 s: each refresh opens a connection, reads CLUSTER SLOTS and compares
    // 16,384-slot maps, per client (at 1 s the scale-out bench showed more CPU per delivered message). A failover
    // is noticed sooner anyway: a lost shard subscriber or a MOVED reply refreshes the map at once.
    redisOptions: { ...auth, maxRetriesPerRequest: role.failFast ? 1 : null },
  });
}
