import type { StreamGuard } from '../auth/session.js';
import { LiveStream } from './live-stream.js';
import type { PubSubBackend } from './pubsub.js';
import { slowSignalsError } from './signals.js';

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

interface Room {
  typers: Map<string, { user: TypingUser; timer: NodeJS.Timeout }>;
  streams: Set<LiveStream<TypingState>>;
  unsubscribe: () => void;
}

/**
 * Typing indicators: ephemeral, never stored, shared between instances through pub/sub. Senders are
 * throttled here; each instance keeps the state of the rooms its clients watch and expires typers itself.
 */
export class Typing {
  private readonly rooms = new Map<string, Room>();
  private readonly forwarded = new Map<string, { at: number; typing: boolean }>();

  constructor(
    private readonly pubsub: PubSubBackend,
    private readonly options: TypingOptions,
  ) {}

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
    this.pubsub.publish(topicOf(orgId, room), signal);
    return true;
  }

  subscribe(orgId: string, room: string, o: { guard?: StreamGuard; onClose?: () => void } = {}): LiveStream<TypingState> {
    const key = `${orgId}\u0000${room}`;
    const state = this.rooms.get(key) ?? this.openRoom(orgId, room, key);
    const stream: LiveStream<TypingState> = new LiveStream<TypingState>({
      maxQueue: this.options.maxQueue,
      overflowError: slowSignalsError,
      revoked: o.guard?.revoked,
      recheckAt: o.guard?.recheckAt,
      onClose: () => {
        state.streams.delete(stream);
        if (state.streams.size === 0) this.closeRoom(key, state);
        o.onClose?.();
      },
    });
    state.streams.add(stream);
    stream.push(snapshot(orgId, room, state));
    return stream;
  }

  private openRoom(orgId: string, room: string, key: string): Room {
    const state: Room = { typers: new Map(), streams: new Set(), unsubscribe: () => {} };
    const changed = () => {
      const s = snapshot(orgId, room, state);
      for (const stream of [...state.streams]) stream.push(s);
    };
    state.unsubscribe = this.pubsub.subscribe(topicOf(orgId, room), (m) => {
      const signal = m as Partial<TypingSignal> | null;
      if (signal?.kind !== 'typing' || typeof signal.user?.userId !== 'string') return;
      const user = signal.user;
      const existing = state.typers.get(user.userId);
      if (existing) clearTimeout(existing.timer);
      if (!signal.typing) {
        if (state.typers.delete(user.userId)) changed();
        return;
      }
      const timer = setTimeout(() => {
        state.typers.delete(user.userId);
        changed();
      }, this.options.expireMs);
      timer.unref();
      state.typers.set(user.userId, { user: { userId: user.userId, name: user.name ?? null }, timer });
      if (!existing) changed();
    });
    this.rooms.set(key, state);
    return state;
  }

  private closeRoom(key: string, state: Room): void {
    state.unsubscribe();
    for (const { timer } of state.typers.values()) clearTimeout(timer);
    this.rooms.delete(key);
  }
}

const topicOf = (orgId: string, room: string) => `typing:${orgId}:${room}`;
const snapshot = (orgId: string, room: string, state: Room): TypingState => ({
  orgId,
  room,
  users: [...state.typers.values()].map((t) => t.user),
});
