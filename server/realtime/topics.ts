import type { PubSubBackend } from './pubsub.js';

/** The local state of one key (an organization's feed, a presence view, a typing room, a user's inbox). */
export interface TopicRoom {
  /** A message of the key's topic, as the pub/sub delivered it (unvalidated). */
  receive(message: unknown): void;
  /** The last member left: stop timers, drop state. */
  close(): void;
}

interface Entry<R> {
  room: R;
  members: number;
  unsubscribe: () => void;
}

/**
 * One upstream pub/sub subscription per key, shared by everything on this instance that needs the key:
 * the first `enter` opens the room and subscribes to its topic, the last `leave` unsubscribes and closes
 * it. Events, presence, typing and the per-user channel all fan out through this one primitive.
 */
export class TopicRooms<R extends TopicRoom> {
  private readonly entries = new Map<string, Entry<R>>();

  constructor(
    private readonly pubsub: PubSubBackend,
    private readonly topicOf: (key: string) => string,
    private readonly open: (key: string) => R,
  ) {}

  /** The room of `key`, held until a matching `leave`. Subscribed before it is returned: nothing after is missed. */
  enter(key: string): R {
    let entry = this.entries.get(key);
    if (!entry) {
      const room = this.open(key);
      const unsubscribe = this.pubsub.subscribe(this.topicOf(key), (message) => room.receive(message));
      entry = { room, members: 0, unsubscribe };
      this.entries.set(key, entry);
    }
    entry.members++;
    return entry.room;
  }

  /** Gives back one `enter`; the last one closes the room. */
  leave(key: string): void {
    const entry = this.entries.get(key);
    if (!entry || --entry.members > 0) return;
    this.entries.delete(key);
    entry.unsubscribe();
    entry.room.close();
  }

  /** The open room of `key`, without holding it. */
  peek(key: string): R | undefined {
    return this.entries.get(key)?.room;
  }

  rooms(): IterableIterator<R> {
    return [...this.entries.values()].map((e) => e.room)[Symbol.iterator]();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Closes every room (shutdown). */
  close(): void {
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const entry of entries) {
      entry.unsubscribe();
      entry.room.close();
    }
  }
}
