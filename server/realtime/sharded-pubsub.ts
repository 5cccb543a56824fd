import type { Cluster } from 'ioredis';

type Listener = (message: unknown) => void;

/**
 * Pub/sub over a Redis Cluster's sharded channels (SPUBLISH/SSUBSCRIBE, Redis 7): a message goes to the
 * shard that owns its channel's slot and stays there, instead of being broadcast over the cluster bus to
 * every node as PUBLISH is. The Redis event target only speaks PUBLISH/SUBSCRIBE, hence this adapter.
 *
 * One SSUBSCRIBE per channel however many local listeners it has; ioredis (`shardedSubscribers`) keeps one
 * subscriber connection per primary and subscribes again on the new owner after a failover.
 */
export class ShardedChannels {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly publisher: Cluster,
    private readonly subscriber: Cluster,
    private readonly onError: (err: Error, role: 'publish' | 'subscribe') => void,
  ) {
    subscriber.on('smessage', (channel: string, text: string) => this.deliver(channel, text));
  }

  publish(channel: string, message: unknown): void {
    this.publisher.spublish(channel, JSON.stringify(message)).catch((err: Error) => this.onError(err, 'publish'));
  }

  subscribe(channel: string, listener: Listener): () => void {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      this.ssubscribe(channel, 1);
    }
    // A wrapper per call: ending one subscription never removes another's listener, even the same function.
    const own: Listener = (message) => listener(message);
    set.add(own);
    return () => {
      const current = this.listeners.get(channel);
      if (!current?.delete(own) || current.size > 0) return;
      this.listeners.delete(channel);
      this.subscriber.sunsubscribe(channel).catch((err: Error) => this.onError(err, 'subscribe'));
    };
  }

  /**
   * ioredis refuses an SSUBSCRIBE while the slot's shard has no subscriber connection (mid-failover) and then
   * forgets the channel; ask again, with a capped backoff, for as long as someone listens.
   */
  private ssubscribe(channel: string, attempt: number): void {
    this.subscriber.ssubscribe(channel).catch((err: Error) => {
      this.onError(err, 'subscribe');
      if (!this.listeners.has(channel)) return;
      setTimeout(
        () => this.listeners.has(channel) && this.ssubscribe(channel, attempt + 1),
        Math.min(attempt * 200, 2_000),
      ).unref();
    });
  }

  private deliver(channel: string, text: string): void {
    const set = this.listeners.get(channel);
    if (!set) return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return; // a foreign or corrupt message on our channel
    }
    for (const listener of [...set]) {
      try {
        listener(message);
      } catch (err) {
        this.onError(err as Error, 'subscribe'); // never into ioredis's reply parser
      }
    }
  }
}
