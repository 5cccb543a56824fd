import type { StreamGuard } from '../auth/session.js';
import { accessRevoked, noLongerMember } from '../errors.js';
import { ROLES, type ChannelRule, type EventRecord, type Role } from '../store/types.js';
import { EventStream, type FeedHooks } from './event-stream.js';
import { ChannelRules, type RevokedAccess, revokedAccess, ruleOf } from './channel-rules.js';
import { Grants } from './grants.js';
import { FeedSequencer, type FeedLog as SequencerLog } from './feed-sequencer.js';
import type { EventFilter } from './filter.js';
import { resyncEvent } from './resync.js';
import { RollingRate } from './rolling-rate.js';
import type { TopicRoom } from './topics.js';

/** The log as a feed reads it: the sequencer's reads, and the organization's channel rules when it starts. */
export interface FeedLog extends SequencerLog {
  channelRules(orgId: string): Promise<ChannelRule[]>;
}

export interface FeedOptions {
  log: FeedLog;
  /** Channels the app authorizes (see ChannelRules). */
  guardedChannels?: ReadonlySet<string>;
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
  /** LOG_LEVEL=debug only: each event fanned out, and to how many local streams. */
  trace?: (event: EventRecord, streams: number) => void;
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

/**
 * One instance's single upstream view of an organization (a topic room): its pub/sub messages, put in log
 * order exactly once by its sequencer, go to each of its local streams, and a removed member's streams and
 * watchers end in log order. It owns its streams and watchers; a rewound log gives every stream a
 * `stream.resync` (LOG_REWOUND) before what follows.
 */
export class OrgFeed implements TopicRoom {
  /** Events this feed delivered, per second, for Query.serverStats. */
  readonly rate = new RollingRate();
  /** The organization's channel rules, as of the last event delivered: every stream of the feed reads them. */
  readonly rules: ChannelRules;
  /** The app's answers about guarded channels, for this organization's readers on this instance. */
  readonly grants = new Grants();
  private rulesLoaded?: Promise<void>;
  private readonly streams = new Set<EventStream>();
  private readonly watchers = new Set<MembershipWatcher>();
  private readonly hooks: FeedHooks;
  private readonly sequencer: FeedSequencer;
  private closed = false;

  constructor(
    readonly orgId: string,
    private readonly options: FeedOptions,
  ) {
    this.rules = new ChannelRules([], options.guardedChannels);
    this.hooks = {
      ...options.hooks,
      onEnded: (stream) => {
        if (this.streams.delete(stream)) options.release();
      },
    };
    this.sequencer = new FeedSequencer(orgId, options.log, {
      deliver: (event) => this.deliver(event),
      rewound: (from, to) => this.rewound(from, to),
      onGapFilled: options.onGapFilled,
      onError: options.onError,
    });
    // A feed kept only by watchers must not crash the process if the first read fails; subscribers see it.
    this.started().catch((err: unknown) => options.onError(err, `starting the feed of ${orgId}`));
  }

  /**
   * Resolves once the start position and the channel rules are known; after a failure, the next call tries
   * again. Rules read after the position may include changes the feed then delivers again: setting a rule twice
   * changes nothing, and the feed converges on the log's order.
   */
  started(): Promise<void> {
    this.rulesLoaded ??= this.options.log.channelRules(this.orgId).then(
      (rules) => {
        for (const r of rules) this.rules.set(r);
      },
      (err: unknown) => {
        this.rulesLoaded = undefined;
        throw err;
      },
    );
    return Promise.all([this.sequencer.started(), this.rulesLoaded]).then(() => undefined);
  }

  /**
   * A new subscriber's stream, once `started()`. Nothing awaits between reading the position and adding the
   * stream: it sees every event after it live, and everything up to it through replay, with no gap and no
   * duplicate at the seam. The stream's end gives back the caller's hold on the feed.
   */
  open({ filter, afterSeq, replay, guard }: OpenOptions): EventStream {
    const startSeq = this.sequencer.position;
    const stream = new EventStream({
      orgId: this.orgId,
      filter,
      maxQueue: this.options.maxQueue,
      hooks: this.hooks,
      replay:
        afterSeq !== undefined && afterSeq < startSeq
          ? readableOnly(replay(afterSeq, startSeq), this.rules, filter)
          : undefined,
      startSeq: afterSeq ?? startSeq,
      guard,
      rules: this.rules,
      grants: this.grants,
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

  /** A message of the organization's topic. */
  receive(message: unknown): void {
    const event = asEvent(message, this.orgId);
    if (event) this.sequencer.receive(event);
  }

  /** Whether the log's end asks nothing of the feed (see FeedSequencer.isSettledAt). */
  isSettledAt(lastSeq: number | undefined): boolean {
    return this.sequencer.isSettledAt(lastSeq);
  }

  /** The log's end, read by the bus for all feeds at once (see FeedSequencer.checkPosition). */
  checkPosition(lastSeq: number | undefined): Promise<void> {
    return this.sequencer.checkPosition(lastSeq);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sequencer.close();
    for (const s of [...this.streams]) s.close();
  }

  private deliver(event: EventRecord): void {
    this.rate.add();
    // In log order: a removed member's streams end before anything published after the removal.
    const removed = removedMember(event);
    if (removed) this.revoke(removed);
    const changed = changedRole(event);
    if (changed) this.changeRole(changed.userId, changed.role);
    const revoked = revokedAccess(event);
    if (revoked) this.revokeAccess(revoked);
    const rule = ruleOf(event);
    if (rule) {
      this.rules.set(rule);
      this.endUnreadable(() => true);
    }
    if (this.streams.size === 0) return;
    // No copy per event: a stream that ends itself (overflow) is deleted from the set, which iteration allows;
    // nothing opens a stream during a push.
    for (const stream of this.streams) stream.push(event);
    this.options.onFannedOut?.(event.occurredAt);
    this.options.trace?.(event, this.streams.size);
  }

  private revoke(userId: string): void {
    const err = noLongerMember(this.orgId);
    for (const stream of [...this.streams]) if (stream.filter.viewerId === userId) stream.fail(err);
    for (const watcher of [...this.watchers]) if (watcher.userId === userId) watcher.fail(err);
  }

  /** Private events for a role, and channel rules, follow the member's role from the change on, in log order. */
  private changeRole(userId: string, role: Role): void {
    for (const stream of this.streams) if (stream.filter.viewerId === userId) stream.filter.viewerRole = role;
    this.endUnreadable((s) => s.filter.viewerId === userId);
  }

  /** The app took a user's access to a guarded channel (or one subject) back: answers go, and so do the streams. */
  private revokeAccess(r: RevokedAccess): void {
    this.grants.revoke(r.userId, r.channel, r.subjectId);
    const err = accessRevoked(r.channel, r.subjectId);
    for (const stream of [...this.streams]) {
      const { viewerId, channels, subjectIds } = stream.filter;
      if (viewerId !== r.userId || !channels?.has(r.channel)) continue;
      if (r.subjectId === null || !subjectIds || subjectIds.has(r.subjectId)) stream.fail(err);
    }
  }

  /**
   * A stream that named a channel its reader may no longer read ends with FORBIDDEN (in log order, on every
   * instance); a stream of all channels only stops receiving that channel's events (EventStream checks them).
   */
  private endUnreadable(which: (stream: EventStream) => boolean): void {
    for (const stream of [...this.streams]) {
      if (!which(stream)) continue;
      const refused = stream.unreadableChannel();
      if (refused) stream.fail(refused);
    }
  }

  private rewound(from: number, to: number): void {
    // One notice for every stream: transports execute and serialize it once, as any event.
    const notice = resyncEvent(this.orgId, to, 'LOG_REWOUND');
    for (const stream of [...this.streams]) stream.rewind(to, notice);
    this.options.onRewound?.(from, to, this.streams.size);
  }
}

/** A replay without the events of channels its reader may not read (rules as of each event's turn). */
async function* readableOnly(
  source: AsyncIterator<EventRecord>,
  rules: ChannelRules,
  filter: EventFilter,
): AsyncGenerator<EventRecord> {
  try {
    for (;;) {
      const r = await source.next();
      if (r.done) return;
      if (rules.readable(r.value.channel, filter.viewerRole, filter.channels)) yield r.value;
    }
  } finally {
    await source.return?.();
  }
}

function asEvent(message: unknown, orgId: string): EventRecord | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const e = message as Partial<EventRecord>;
  if (e.orgId !== orgId || typeof e.seq !== 'number' || typeof e.id !== 'string' || typeof e.channel !== 'string')
    return undefined;
  return e as EventRecord;
}

/**
 * The user a `member.leave` event removes. Every subscription needs only VIEWER, so a role change
 * (`member.update`) ends none; it changes which private events the member's streams receive (changedRole).
 */
function removedMember(event: EventRecord): string | undefined {
  if (event.type !== 'member.leave') return undefined;
  const member = memberOf(event);
  return typeof member?.userId === 'string' ? member.userId : undefined;
}

function changedRole(event: EventRecord): { userId: string; role: Role } | undefined {
  if (event.type !== 'member.update') return undefined;
  const member = memberOf(event);
  if (typeof member?.userId !== 'string' || !(ROLES as readonly unknown[]).includes(member.role)) return undefined;
  return { userId: member.userId, role: member.role as Role };
}

const memberOf = (event: EventRecord) =>
  (event.payload as { member?: { userId?: unknown; role?: unknown } } | null)?.member;
