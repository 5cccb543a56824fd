import type { GraphQLError } from 'graphql';
import type { StreamGuard } from '../auth/session.js';
import { channelForbidden } from '../errors.js';
import type { EventRecord } from '../store/types.js';
import { encodeCursor } from './cursor.js';
import type { ChannelRules } from './channel-rules.js';
import type { Grants } from './grants.js';
import { type EventFilter, matchesFilter } from './filter.js';
import { PushStream } from './push-stream.js';

const cursorOfEvent = (e: EventRecord) => encodeCursor(e.orgId, e.seq);

/** What every stream of one organization's feed reports to it: one object per feed, not closures per stream. */
export interface FeedHooks {
  overflowError(lastDeliveredSeq: number): GraphQLError;
  onEnded(stream: EventStream): void;
  onDelivered?(): void;
}

export interface EventStreamOptions {
  orgId: string;
  filter: EventFilter;
  maxQueue: number;
  hooks: FeedHooks;
  replay?: AsyncIterator<EventRecord>;
  /** Sequence the consumer already has: where a cut-off client resumes if nothing else arrives. */
  startSeq: number;
  guard?: StreamGuard;
  /** The organization's channel rules (its feed's): events of a channel the reader may not read are left out. */
  rules?: ChannelRules;
  /** The app's answers about guarded channels (its feed's). */
  grants?: Grants;
}

/**
 * A subscriber's stream of one organization's events: its filter, optional replay, then live events in order.
 * Its checks are methods, not option closures: tens of thousands of idle subscriptions each hold one.
 */
export class EventStream extends PushStream<EventRecord> {
  /** Sequence of the last event handed to the consumer: where a cut-off client resumes. */
  lastDeliveredSeq: number;
  readonly filter: EventFilter;
  readonly orgId: string;
  /** Events up to here are the consumer's already; moved back when the log is rewound. */
  private startSeq: number;
  private readonly hooks: FeedHooks;
  readonly rules?: ChannelRules;
  readonly grants?: Grants;

  constructor(options: EventStreamOptions) {
    super({ maxQueue: options.maxQueue, replay: options.replay, guard: options.guard, cursorOf: cursorOfEvent });
    this.lastDeliveredSeq = options.startSeq;
    this.startSeq = options.startSeq;
    this.filter = options.filter;
    this.orgId = options.orgId;
    this.hooks = options.hooks;
    this.rules = options.rules;
    this.grants = options.grants;
  }

  override position(): string {
    return encodeCursor(this.orgId, this.lastDeliveredSeq);
  }

  /** Never an event the consumer already has (its cursor may be ahead of this instance's feed). */
  protected override accepts(e: EventRecord): boolean {
    return (
      e.seq > this.startSeq &&
      matchesFilter(this.filter, e) &&
      (this.rules === undefined || this.rules.readable(e.channel, this.filter.viewerRole, this.filter.channels))
    );
  }

  /**
   * FORBIDDEN for the first channel this stream names and its reader may not read (the feed's rules, as of
   * its position), or undefined. A stream of all channels has none: it just never receives guarded ones.
   */
  unreadableChannel(): GraphQLError | undefined {
    const { channels, viewerRole } = this.filter;
    if (!channels || !this.rules || viewerRole === undefined) return undefined;
    for (const channel of channels) {
      if (this.rules.readable(channel, viewerRole, channels)) continue;
      return channelForbidden({
        channel,
        role: viewerRole,
        needs: this.rules.get(channel).subscribeRole,
        action: 'read',
      });
    }
    return undefined;
  }

  /**
   * The organization's log went back to `seq` (a restored backup): what was not yet sent is dropped (it may
   * name events that no longer exist), `notice` (a `stream.resync`) goes next, then events after `seq`,
   * reused numbers included.
   */
  rewind(seq: number, notice: EventRecord): void {
    this.startSeq = seq;
    this.restart(notice);
  }

  protected override delivered(e: EventRecord): void {
    this.lastDeliveredSeq = e.seq;
    this.hooks.onDelivered?.();
  }

  protected override overflow(): GraphQLError {
    return this.hooks.overflowError(this.lastDeliveredSeq);
  }

  protected override onEnded(): void {
    this.hooks.onEnded(this);
  }
}
