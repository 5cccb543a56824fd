import type { StreamGuard } from '../auth/session.js';
import { stateCutOff } from '../errors.js';
import type { PubSubBackend } from './pubsub.js';
import { PushStream } from './push-stream.js';
import { type TopicRoom, TopicRooms } from './topics.js';

export interface TypingUser {
  userId: string;
  name: string | null;
}

/** Who is typing in a room right now. */
export interface TypingState {
  orgId: string;
  room: string;
  users: TypingUser[];
}

interface TypingSignal {
  kind: 'typing';
  user: TypingUser;
  typing: boolean;
}

export interface TypingOptions {
  /** A typer disappears after this long without a refresh. */
  expireMs: number;
  /** At most one forwarded signal per user and room in this interval (stops always pass). */
  throttleMs: number;
  maxQueue: number;
}

/**
 * The typers of one room, for this instance's local subscribers: fed by the room's signals from every
 * instance, each typer expiring `expireMs` after their last one. Every change reaches every stream as the
 * same state object.
 */
class TypingRoom implements TopicRoom {
  private readonly typers = new Map<string, { user: TypingUser; timer: NodeJS.Timeout }>();
  private readonly streams = new Set<PushStream<TypingState>>();

  constructor(
    private readonly orgId: string,
    private readonly room: string,
    private readonly expireMs: number,
  ) {}

  receive(message: unknown): void {
    const signal = message as Partial<TypingSignal> | null;
    if (signal?.kind !== 'typing' || typeof signal.user?.userId !== 'string') return;
    const user = signal.user;
    const existing = this.typers.get(user.userId);
    if (existing) clearTimeout(existing.timer);
    if (!signal.typing) {
      if (this.typers.delete(user.userId)) this.changed();
      return;
    }
    const timer = setTimeout(() => {
      this.typers.delete(user.userId);
      this.changed();
    }, this.expireMs);
    timer.unref();
    this.typers.set(user.userId, { user: { userId: user.userId, name: user.name ?? null }, timer });
    if (!existing) this.changed();
  }

  /** A new subscriber: the current state first, then every change. */
  add(stream: PushStream<TypingState>): void {
    this.streams.add(stream);
    stream.push(this.state());
  }

  remove(stream: PushStream<TypingState>): void {
    this.streams.delete(stream);
  }

  close(): void {
    for (const { timer } of this.typers.values()) clearTimeout(timer);
    for (const s of [...this.streams]) s.close();
  }

  private changed(): void {
    const state = this.state();
    for (const stream of this.streams) stream.push(state);
  }

  private state(): TypingState {
    return { orgId: this.orgId, room: this.room, users: [...this.typers.values()].map((t) => t.user) };
  }
}

/**
 * Typing indicators: ephemeral, never stored, shared between instances through pub/sub. Senders are
 * throttled here; each instance keeps the state of the rooms its clients watch and expires typers itself.
 */
export class Typing {
  private readonly rooms: TopicRooms<TypingRoom>;
  private readonly forwarded = new Map<string, { at: number; typing: boolean }>();

  constructor(
    private readonly pubsub: PubSubBackend,
    private readonly options: TypingOptions,
  ) {
    this.rooms = new TopicRooms(
      pubsub,
      (key) => `typing:${key}`,
      (key) => {
        const [orgId = '', room = ''] = splitKey(key);
        return new TypingRoom(orgId, room, options.expireMs);
      },
    );
  }

  /** Returns false when the signal was absorbed by the throttle (or stops nothing). */
  set(orgId: string, room: string, user: TypingUser, typing: boolean): boolean {
    const key = `${orgId}\u0000${room}\u0000${user.userId}`;
    const now = Date.now();
    const last = this.forwarded.get(key);
    if (typing && last?.typing && now - last.at < this.options.throttleMs) return false;
    if (!typing && !last?.typing) return false;
    if (this.forwarded.size > 100_000) this.forwarded.clear();
    this.forwarded.set(key, { at: now, typing });
    const signal: TypingSignal = { kind: 'typing', user, typing };
    this.pubsub.publish(`typing:${roomKey(orgId, room)}`, signal);
    return true;
  }

  subscribe(orgId: string, room: string, guard?: StreamGuard): PushStream<TypingState> {
    const key = roomKey(orgId, room);
    const state = this.rooms.enter(key);
    const stream = new PushStream<TypingState>({ maxQueue: this.options.maxQueue, guard, overflowError: stateCutOff });
    stream.whenEnded(() => {
      state.remove(stream);
      this.rooms.leave(key);
    });
    state.add(stream);
    return stream;
  }

  close(): void {
    this.rooms.close();
  }
}

/** The topic is `typing:<org>:<room>`, as before the rooms were shared; the key keeps both parts apart. */
const roomKey = (orgId: string, room: string) => `${orgId}:${room}`;
const splitKey = (key: string): [string, string] => {
  const i = key.indexOf(':');
  return [key.slice(0, i), key.slice(i + 1)];
};
