import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { Cluster, Redis } from 'ioredis';
import type { RedisTopology } from '../redis-topology.js';
import { type RedisCommands, connectRedis } from './redis-connections.js';
import { ShardedChannels } from './sharded-pubsub.js';

/**
 * The injected pub/sub backend: an EventTarget in memory, or Redis: one server or a Sentinel group through
 * `@graphql-yoga/redis-event-target`, a Cluster through sharded channels (sharded-pubsub.ts). Any topic
 * string works on each. Messages are at-most-once in all; ordering and gap repair happen above this seam
 * (org-feed.ts), against the durable log.
 */
export interface PubSubBackend {
  readonly kind: 'memory' | 'redis';
  publish(topic: string, message: unknown): void;
  subscribe(topic: string, listener: (message: unknown) => void): () => void;
  /** Whether the backend can currently carry messages (always true in memory). */
  isHealthy(): boolean;
  /** A Redis connection for commands (presence, resume points), when the backend is Redis: keys of one
   * multi-key command must share a slot (a {hash tag}), as a Cluster refuses them otherwise. */
  readonly commands?: RedisCommands;
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
  topology: RedisTopology;
  prefix: string;
  onError: (err: Error, role: 'publish' | 'subscribe') => void;
}

export function createRedisPubSub({ topology, prefix, onError }: RedisPubSubOptions): PubSubBackend {
  // Publishing while offline fails at once instead of queueing: the log already holds the event and
  // other instances repair the gap from it, whereas a queue flushed later could arrive before they resubscribe.
  const publisher = connectRedis(topology, { failFast: true, subscriber: false });
  const subscriber = connectRedis(topology, { failFast: false, subscriber: true });
  publisher.on('error', (err: Error) => onError(err, 'publish'));
  subscriber.on('error', (err: Error) => onError(err, 'subscribe'));
  const channels: Channels =
    topology.kind === 'cluster'
      ? new ShardedChannels(publisher as Cluster, subscriber as Cluster, onError)
      : eventTargetTopics(publisher as Redis, subscriber as Redis, onError);

  return {
    kind: 'redis',
    publish: (topic, message) => channels.publish(prefix + topic, message),
    subscribe: (topic, listener) => channels.subscribe(prefix + topic, listener),
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

type Channels = Pick<PubSubBackend, 'publish' | 'subscribe'>;

function eventTargetTopics(publisher: Redis, subscriber: Redis, onError: RedisPubSubOptions['onError']): Channels {
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
    publish: (channel, message) => {
      target.dispatchEvent(new CustomEvent(channel, { detail: message }));
    },
    subscribe(channel, listener) {
      const handler = (e: Event) => listener((e as CustomEvent).detail);
      target.addEventListener(channel, handler);
      return () => target.removeEventListener(channel, handler);
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
