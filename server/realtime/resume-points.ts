import type { RedisCommands } from './redis-connections.js';

/** Where a lost graphql-ws subscription resumes: its document's fingerprint and the cursor its client read. */
export interface ResumePoint {
  /** The subscription's query and variables (`after` aside), as `fingerprintOf` makes it. */
  fingerprint: string;
  after: string;
}

/**
 * Resume points of subscriptions whose connection was lost, by user and operation id, for a window: written
 * once per subscription when its connection drops (never per message), taken (and so removed) by the first
 * subscription of the same user with the same id and fingerprint, on any instance sharing Redis.
 */
export interface ResumePoints {
  save(userId: string, operationId: string, point: ResumePoint): void;
  take(userId: string, operationId: string): Promise<ResumePoint | undefined>;
}

/** Points one instance keeps without Redis; past it the oldest go (a lost point costs a gap, not an error). */
const MAX_POINTS = 100_000;
/** A lookup that waits longer than this for Redis is given up: the subscription starts live instead. */
const TAKE_TIMEOUT_MS = 250;

const keyOf = (userId: string, operationId: string) => `${userId}\u0000${operationId}`;

export function createMemoryResumePoints(windowMs: number): ResumePoints {
  const points = new Map<string, ResumePoint & { until: number }>();
  return {
    save(userId, operationId, point) {
      const key = keyOf(userId, operationId);
      points.delete(key);
      if (points.size >= MAX_POINTS) points.delete(points.keys().next().value as string);
      points.set(key, { ...point, until: Date.now() + windowMs });
    },
    async take(userId, operationId) {
      const key = keyOf(userId, operationId);
      const point = points.get(key);
      points.delete(key);
      return point && point.until > Date.now() ? { fingerprint: point.fingerprint, after: point.after } : undefined;
    },
  };
}

export function createRedisResumePoints(redis: RedisCommands, prefix: string, windowMs: number): ResumePoints {
  const keyFor = (userId: string, operationId: string) =>
    `${prefix}resume:${Buffer.from(keyOf(userId, operationId)).toString('base64url')}`;
  return {
    save(userId, operationId, point) {
      if (redis.status !== 'ready') return; // an outage: nothing queues up in memory for it
      redis.set(keyFor(userId, operationId), JSON.stringify(point), 'PX', windowMs).catch(() => undefined);
    },
    async take(userId, operationId) {
      if (redis.status !== 'ready') return undefined;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((r) => (timer = setTimeout(() => r(null), TAKE_TIMEOUT_MS)));
      const read = redis.getdel(keyFor(userId, operationId)).catch(() => null);
      const text = await Promise.race([read, late]).finally(() => clearTimeout(timer));
      if (!text) return undefined;
      try {
        const p = JSON.parse(text) as Partial<ResumePoint>;
        return typeof p.fingerprint === 'string' && typeof p.after === 'string'
          ? { fingerprint: p.fingerprint, after: p.after }
          : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
