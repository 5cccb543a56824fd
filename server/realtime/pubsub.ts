import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * The injected pub/sub backend: an EventTarget, in memory or shared through Redis
 * (`@graphql-yoga/redis-event-target`). Messages are at-most-once in both; ordering and gap repair
 * happen above this seam (org-feed.ts), against the durable log.
 */
export interface PubSubBackend {
  readonly kind: 'memory' | 'redis';
  publish(topic: string, message: unknown): void;
  subscribe(topic: string, listener: (message: unknown) => void): () => void;
  /** Whether the backend can currently carry messages (always true in memory). */
  isHealthy(): boolean;
  /** A Redis connection for commands (presence), when the backend is Redis. */
  readonly commands?: Redis;
  close(): Promise<void>;
}

export function createMemoryPubSub(): PubSubBackend {
  const target = new EventTarget();
  return {
    kind: 'memory',
    publish: (topic, message) => {
      target.dispatchEvent(new CustomEvent(topic, { detail: message }));
    },
    subscribe(topic, listener) {
      const handler = (e: Event) => listener((e as CustomEvent).detail);
      target.addEventListener(topic, handler);
      return () => target.removeEventListener(topic, handler);
    },
    isHealthy: () => true,
    close: async () => {},
  };
}

export interface RedisPubSubOptions {
  url: string;
  prefix: string;
  onError: (err: Error, role: 'publish' | 'subscribe') => void;
}

export function createRedisPubSub({ url, prefix, onError }: RedisPubSubOptions): PubSubBackend {
  const base: RedisOptions = {
    // Reconnect forever with a capped backoff: the process must never exit because Redis is away.
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
  };
  // Publishing while offline fails at once instead of queueing: the log already holds the event and
  // other instances repair the gap from it, whereas a queue flushed later could arrive before they resubscribe.
  const publisher = new Redis(url, { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const subscriber = new Redis(url, { ...base, maxRetriesPerRequest: null, autoResubscribe: true });
  publisher.on('error', (err) => onError(err, 'publish'));
  subscriber.on('error', (err) => onError(err, 'subscribe'));

  const target = createRedisEventTarget({
    publishClient: guardRejections(publisher, (err) => onError(err, 'publish')),
    subscribeClient: guardRejections(subscriber, (err) => onError(err, 'subscribe')),
    // A foreign or corrupt message on our channel must not throw inside ioredis's parser.
    serializer: {
      stringify: JSON.stringify,
      parse: (text: string) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return undefined;
        }
      },
    },
  });

  return {
    kind: 'redis',
    publish: (topic, message) => {
      target.dispatchEvent(new CustomEvent(prefix + topic, { detail: message }));
    },
    subscribe(topic, listener) {
      const handler = (e: Event) => listener((e as CustomEvent).detail);
      target.addEventListener(prefix + topic, handler);
      return () => target.removeEventListener(prefix + topic, handler);
    },
    isHealthy: () => publisher.status === 'ready' && subscriber.status === 'ready',
    commands: publisher,
    async close() {
      // During an outage QUIT waits in the offline queue forever: give it a moment, then cut the sockets.
      await Promise.race([
        Promise.allSettled([publisher.quit(), subscriber.quit()]),
        new Promise((resolve) => setTimeout(resolve, 1_000).unref()),
      ]);
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}

/**
 * The Redis event target calls publish/subscribe/unsubscribe without awaiting them; a rejection there
 * would be unhandled and end the process. This proxy routes those rejections to `onError`.
 */
function guardRejections(client: Redis, onError: (err: Error) => void): Redis {
  const guarded = new Set<PropertyKey>(['publish', 'subscribe', 'unsubscribe']);
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (!guarded.has(prop)) return value.bind(target);
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        result.catch(onError);
        return result;
      };
    },
  });
}
