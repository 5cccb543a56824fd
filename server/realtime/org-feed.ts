import type { StreamGuard } from '../auth/session.js';
import { noLongerMember } from '../errors.js';
import type { EventRecord } from '../store/types.js';
import { EventStream, type FeedHooks } from './event-stream.js';
import type { EventFilter } from './filter.js';
import { RecentIds } from './recent-ids.js';
import { resyncEvent } from './resync.js';
import { RollingRate } from './rolling-rate.js';
import type { TopicRoom } from './topics.js';

export interface FeedLog {
  /** Highest sequence appended in the organization. */
  lastSeq(orgId: string): Promise<number>;
  /** Up to `limit` events after `afterSeq`, unfiltered, in order. */
  after(orgId: string, afterSeq: number, limit: number): Promise<EventRecord[]>;
}

export interface FeedOptions {
  log: FeedLog;
  /** Live events one subscriber may have waiting before it is cut off. */
  maxQueue: number;
  /** Hooks shared by the feed's streams (metrics, the slow-consumer error); `onEnded` is the feed's own. */
  hooks: Omit<FeedHooks, 'onEnded'>;
  /** A stream or watcher of this feed ended: the feed's hold on its topic is given back. */
  release: () => void;
  onError: (err: unknown, context: string) => void;
  onGapFilled?: (count: number) => void;
  /** After an event was handed to every local stream (delivery latency, once per event). */
  onFannedOut?: (occurredAt: number) => void;
  /** The log went back from `fromSeq` to `toSeq` under the feed (a restored backup); `streams` were told to resync. */
  onRewound?: (fromSeq: number, toSeq: number, streams: number) => void;
}

/** Anything else that must end when its user leaves the organization (presence and typing streams). */
export interface MembershipWatcher {
  userId: string;
  fail(err: unknown): void;
}

export interface OpenOptions {
  filter: EventFilter;
  /** Replay stored events after this sequence before going live. */
  afterSeq?: number;
  replay: (afterSeq: number, upToSeq: number) => AsyncIterator<EventRecord>;
  guard?: StreamGuard;
}

const FILL_PAGE = 500;
/** Out-of-order arrivals held while a gap is filled; beyond this they are dropped and re-read from the log. */
const MAX_PENDING = 10_000;

/**
 * One instance's single upstream view of an organization: it receives the org's pub/sub messages
 * (at-most-once, possibly out of order), repairs gaps from the durable log, and hands every event to its
 * local streams exactly once, in sequence order. It owns its streams and membership watchers.
 *
 * It also notices the log going back under it (a database restored from a backup: sequence numbers it
 * delivered now name other events, or do not exist yet), which dropping every arrival at or below its
 * position would turn into silent loss. Two signs: an arrival reusing a recently delivered number with
 * another event id (see RecentIds), and the periodic position check finding the log's end behind the feed.
 * Either is confirmed against the log; the feed then moves back to where the log still agrees with what it
 * delivered, gives every stream a `stream.resync` (LOG_REWOUND) from there, and reads the reused numbers.
 */
export class OrgFeed implements TopicRoom {
  /** Events this feed delivered, per second, for Query.serverStats. */
  readonly rate = new RollingRate();
  /** Highest sequence delivered to local streams; -1 until the start position is read. */
  private deliveredSeq = -1;
  private readonly streams = new Set<EventStream>();
  private readonly watchers = new Set<MembershipWatcher>();
  private readonly hooks: FeedHooks;
  private starting: Promise<void> | undefined;
  private readonly pending = new Map<number, EventRecord>();
  private readonly recent = new RecentIds();
  /** A sign of a rewind was seen: the next log read confirms or dismisses it first. */
  private rewindSuspected = false;
  /** Log reads (gap fills, rewind checks) one at a time; nothing is delivered from pub/sub meanwhile. */
  private filling = false;
  private closed = false;

  constructor(
    readonly orgId: string,
    private readonly options: FeedOptions,
  ) {
    this.hooks = {
      ...options.hooks,
      onEnded: (stream) => {
        if (this.streams.delete(stream)) options.release();
      },
    };
    // A feed kept only by watchers must not crash the process if the first read fails; subscribers see it.
    this.started().catch((err: unknown) => options.onError(err, `starting the feed of ${orgId}`));
  }

  /** Resolves once the start position is known; after a failure, the next call tries again. */
  started(): Promise<void> {
    if (this.deliveredSeq >= 0) return Promise.resolve();
    this.starting ??= this.start().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  /**
   * A new subscriber's stream, once `started()`. Nothing awaits between reading the position and adding the
   * stream: it sees every event after it live, and everything up to it through replay, with no gap and no
   * duplicate at the seam. The stream's end gives back the caller's hold on the feed.
   */
  open({ filter, afterSeq, replay, guard }: OpenOptions): EventStream {
    const startSeq = this.deliveredSeq;
    const stream = new EventStream({
      filter,
      maxQueue: this.options.maxQueue,
      hooks: this.hooks,
      replay: afterSeq !== undefined && afterSeq < startSeq ? replay(afterSeq, startSeq) : undefined,
      startSeq: afterSeq ?? startSeq,
      guard,
    });
    this.streams.add(stream);
    return stream;
  }

  /** Fails `watcher` with FORBIDDEN, in log order, if its user is removed; `unwatch` gives back the caller's hold. */
  watch(watcher: MembershipWatcher): () => void {
    this.watchers.add(watcher);
    return () => {
      if (this.watchers.delete(watcher)) this.options.release();
    };
  }

  get subscriptions(): number {
    return this.streams.size;
  }

  get watching(): number {
    return this.watchers.size;
  }

  /** The longest queue among this feed's streams. */
  longestQueue(): number {
    let longest = 0;
    for (const s of this.streams) longest = Math.max(longest, s.queued);
    return longest;
  }

  /** A message from pub/sub. */
  receive(message: unknown): void {
    const event = asEvent(message, this.orgId);
    if (!event || this.closed) return;
    if (this.deliveredSeq >= 0 && event.seq <= this.deliveredSeq) {
      // A number already delivered, now naming another event: the log went back (a restored backup).
      if (this.recent.differs(event.seq, event.id)) this.suspectRewind();
      return;
    }
    if (this.pending.size >= MAX_PENDING) return;
    this.pending.set(event.seq, event);
    if (this.deliveredSeq >= 0) this.drain();
  }

  /**
   * The log's end, read by the bus for all feeds at once: ahead of what this feed delivered and nothing
   * arrived to tell it (a lost last event), or behind it (a rewind nothing arrived to show).
   */
  async checkPosition(lastSeq: number | undefined): Promise<void> {
    if (this.closed || this.filling) return;
    try {
      if (this.deliveredSeq < 0) return await this.started(); // the first read failed: try again
      if (lastSeq === undefined) return;
      if (lastSeq < this.deliveredSeq) this.rewindSuspected = true;
      if (this.rewindSuspected || lastSeq > this.deliveredSeq) await this.fill(lastSeq > this.deliveredSeq ? lastSeq : undefined);
    } catch (err) {
      this.options.onError(err, `checking the position of ${this.orgId}`);
    }
  }

  get position(): number {
    return this.deliveredSeq;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.clear();
    for (const s of [...this.streams]) s.close();
  }

  private async start(): Promise<void> {
    this.deliveredSeq = await this.options.log.lastSeq(this.orgId);
    this.recent.reset(this.deliveredSeq);
    this.drain();
  }

  private deliver(event: EventRecord): void {
    this.deliveredSeq = event.seq;
    this.recent.record(event.seq, event.id);
    this.rate.add();
    // In log order: a removed member's streams end before anything published after the removal.
    const removed = removedMember(event);
    if (removed) this.revoke(removed);
    if (this.streams.size === 0) return;
    // Copy: a stream may end itself (overflow) while we iterate.
    for (const stream of [...this.streams]) stream.push(event);
    this.options.onFannedOut?.(event.occurredAt);
  }

  private revoke(userId: string): void {
    const err = noLongerMember(this.orgId);
    for (const stream of [...this.streams]) if (stream.filter.viewerId === userId) stream.fail(err);
    for (const watcher of [...this.watchers]) if (watcher.userId === userId) watcher.fail(err);
  }

  private drain(): void {
    if (this.filling || this.closed) return;
    // Messages that arrived before the start position was read may already be covered by it.
    for (const seq of this.pending.keys()) if (seq <= this.deliveredSeq) this.pending.delete(seq);
    for (;;) {
      const next = this.pending.get(this.deliveredSeq + 1);
      if (!next) break;
      this.pending.delete(next.seq);
      this.deliver(next);
    }
    // Anything still pending is ahead of a hole: read the hole from the log.
    if (this.pending.size > 0) void this.fill();
  }

  private async fill(target?: number): Promise<void> {
    if (this.filling || this.closed) return;
    this.filling = true;
    let filled = 0;
    try {
      for (;;) {
        if (this.rewindSuspected) target = await this.settleRewind(target);
        const upTo = target ?? (this.pending.size > 0 ? Math.min(...this.pending.keys()) - 1 : this.deliveredSeq);
        if (this.closed || this.deliveredSeq >= upTo) break;
        const page = await this.options.log.after(this.orgId, this.deliveredSeq, Math.min(FILL_PAGE, upTo - this.deliveredSeq));
        for (const e of page) {
          if (e.seq <= this.deliveredSeq || e.seq > upTo) continue;
          this.pending.delete(e.seq);
          this.deliver(e);
          filled++;
        }
        // Retention pruned the hole away: nothing left to read below `upTo`.
        if (page.length === 0) {
          this.deliveredSeq = upTo;
          this.recent.reset(upTo);
        }
        for (const seq of this.pending.keys()) if (seq <= this.deliveredSeq) this.pending.delete(seq);
        if (target === undefined && this.pending.size === 0) break;
      }
    } catch (err) {
      // No immediate retry (that would hammer a failing database): the position check tries again.
      this.options.onError(err, `filling a gap in ${this.orgId}`);
      return;
    } finally {
      this.filling = false;
    }
    if (filled > 0) this.options.onGapFilled?.(filled);
    if (this.closed) return;
    // A sign of a rewind that came as the loop was ending: checked now, not at the next position check.
    if (this.rewindSuspected) return this.fill();
    this.drain();
  }

  private suspectRewind(): void {
    this.rewindSuspected = true;
    void this.fill();
  }

  /**
   * Confirms a suspected rewind against the log (inside `fill`, so nothing is delivered meanwhile). On one,
   * moves back. Returns how far to fill: the log's end when it is ahead of the feed (the reused numbers, or
   * arrivals dropped as "already delivered" while this ran), else `target`.
   */
  private async settleRewind(target: number | undefined): Promise<number | undefined> {
    this.rewindSuspected = false;
    try {
      const last = await this.options.log.lastSeq(this.orgId);
      const from = this.recent.lowest();
      const upTo = Math.min(last, this.deliveredSeq);
      const stored = from <= upTo ? await this.options.log.after(this.orgId, from - 1, upTo - from + 1) : [];
      const agreed = this.recent.agreedUpTo(stored, last);
      if (this.closed) return target;
      if (agreed < this.deliveredSeq) this.rewind(agreed);
      return last > this.deliveredSeq ? Math.max(last, target ?? last) : target;
    } catch (err) {
      this.rewindSuspected = true; // the position check tries again
      throw err;
    }
  }

  private rewind(to: number): void {
    const from = this.deliveredSeq;
    this.deliveredSeq = to;
    this.recent.rewind(to);
    // Held arrivals may belong to the abandoned history: the log is read again from `to`.
    this.pending.clear();
    // One notice for every stream: transports execute and serialize it once, as any event.
    const notice = resyncEvent(this.orgId, to, 'LOG_REWOUND');
    for (const stream of [...this.streams]) stream.rewind(to, notice);
    this.options.onRewound?.(from, to, this.streams.size);
  }
}

function asEvent(message: unknown, orgId: string): EventRecord | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const e = message as Partial<EventRecord>;
  if (e.orgId !== orgId || typeof e.seq !== 'number' || typeof e.id !== 'string' || typeof e.channel !== 'string') return undefined;
  return e as EventRecord;
}

/**
 * The user a `member.leave` event removes. Every subscription needs only VIEWER, so a role change
 * (`member.update`) ends none; a subscription that needed more would be checked here.
 */
function removedMember(event: EventRecord): string | undefined {
  if (event.type !== 'member.leave') return undefined;
  const member = (event.payload as { member?: { userId?: unknown } } | null)?.member;
  return typeof member?.userId === 'string' ? member.userId : undefined;
}
