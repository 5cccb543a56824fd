import type { StreamGuard } from '../auth/session.js';
import { slowConsumer } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { EventRecord } from '../store/types.js';
import { encodeCursor } from './cursor.js';
import type { EventStream } from './event-stream.js';
import type { EventFilter } from './filter.js';
import { type FeedLog, type MembershipWatcher, OrgFeed } from './org-feed.js';
import type { PubSubBackend } from './pubsub.js';
import { TopicRooms } from './topics.js';

export interface ReplaySource {
  /** Stored events of `orgId` in (afterSeq, upToSeq] matching the filter, oldest first. */
  replay(orgId: string, filter: EventFilter, afterSeq: number, upToSeq: number): AsyncIterator<EventRecord>;
}

export interface PositionSource {
  /** The highest sequence of each organization, read in one go for every live feed. */
  lastSeqs(orgIds: readonly string[]): Promise<Map<string, number>>;
  /** The same at two moments only if nothing was committed to the log's store in between (Store.commitMark). */
  commitMark(): Promise<string>;
}

/**
 * While the store reads as unchanged, the position check reads no positions, except on every FULL_CHECK_EVERY-th
 * turn (once a minute at 5 s): a backstop that does not depend on the commit mark.
 */
const FULL_CHECK_EVERY = 12;

export interface EventBusOptions {
  pubsub: PubSubBackend;
  /** Channels the app authorizes (AUTH_GUARDED_CHANNELS): only streams that name them get their events. */
  guardedChannels?: ReadonlySet<string>;
  log: FeedLog & ReplaySource & PositionSource;
  /** Live events one subscriber may have waiting before it is cut off. */
  maxQueuePerSubscription: number;
  /** How often the feeds' positions are compared with the log (catches a lost last event). */
  positionCheckMs: number;
  onError: (err: unknown, context: string) => void;
  /** An organization's log went back under its feed (a restored backup); its streams were told to resync. */
  onRewound?: (orgId: string, fromSeq: number, toSeq: number) => void;
  /** LOG_LEVEL=debug only: each event an organization's feed fanned out. */
  trace?: (event: EventRecord, streams: number) => void;
  /** Counters for /metrics; every hook is optional. */
  observer?: Partial<
    Pick<Metrics, 'onDelivered' | 'onFannedOut' | 'onReplay' | 'onCutoff' | 'onGapFilled' | 'onRewound'>
  >;
}

export interface SubscribeOptions {
  orgId: string;
  filter: EventFilter;
  /** Replay stored events after this sequence before going live. */
  afterSeq?: number;
  /** Ends the stream when the subscriber's access ends (token expiry). */
  guard?: StreamGuard;
}

/**
 * The instance's event bus: publish after the durable append; one feed per organization with local
 * subscribers (a topic room, see topics.ts); every subscriber gets its own bounded stream.
 */
export class EventBus {
  private readonly feeds: TopicRooms<OrgFeed>;
  private readonly positions: NodeJS.Timeout;
  /** Feeds opened so far: a feed new since the last check is compared with the log at the next one. */
  private feedsOpened = 0;
  /** The commit mark at which the last check found every feed at the log's end, and the turns skipped since. */
  private settled: { mark: string; feedsOpened: number; skipped: number } | undefined;

  constructor(private readonly options: EventBusOptions) {
    this.feeds = new TopicRooms(options.pubsub, topicOf, (orgId) => this.openFeed(orgId));
    // One query for every feed, not a timer and a query each: 10,000 quiet organizations stay cheap.
    this.positions = setInterval(() => void this.checkPositions(), options.positionCheckMs);
    this.positions.unref();
  }

  /** Call only after the event is committed to the log. */
  publish(event: EventRecord): void {
    try {
      this.options.pubsub.publish(topicOf(event.orgId), event);
    } catch (err) {
      // The log holds the event; feeds repair the gap. Never fail the mutation for it.
      this.options.onError(err, 'publishing');
    }
  }

  /** A stream of the organization's events: replayed after `afterSeq` if given, then live. */
  async subscribe({ orgId, filter, afterSeq, guard }: SubscribeOptions): Promise<EventStream> {
    const feed = this.feeds.enter(orgId); // held while we wait, so the feed is not closed under us
    try {
      await feed.started();
    } catch (err) {
      this.feeds.leave(orgId);
      throw err;
    }
    const replay = (after: number, upTo: number) => {
      this.options.observer?.onReplay?.();
      return this.options.log.replay(orgId, filter, after, upTo);
    };
    return feed.open({ filter, afterSeq, replay, guard });
  }

  /**
   * Keeps `watcher` informed of its user's removal from the organization (it is failed with FORBIDDEN,
   * in log order), for streams that are not event streams: presence, typing. Returns the unwatch function.
   */
  watch(orgId: string, watcher: MembershipWatcher): () => void {
    return this.feeds.enter(orgId).watch(watcher);
  }

  /** Live figures of this instance: organizations with local subscribers, subscriptions, the longest queue. */
  stats(): { organizations: number; subscriptions: number; longestQueue: number } {
    let subscriptions = 0;
    let longestQueue = 0;
    for (const feed of this.feeds.rooms()) {
      subscriptions += feed.subscriptions;
      longestQueue = Math.max(longestQueue, feed.longestQueue());
    }
    return { organizations: this.feeds.size, subscriptions, longestQueue };
  }

  /** Per organization with local subscribers: subscriptions, presence/typing watchers, events per second. */
  orgStats(): Array<{ orgId: string; subscriptions: number; watchers: number; eventsPerSecond: number }> {
    return [...this.feeds.rooms()].map((feed) => ({
      orgId: feed.orgId,
      subscriptions: feed.subscriptions,
      watchers: feed.watching,
      eventsPerSecond: feed.rate.perSecond(),
    }));
  }

  close(): void {
    clearInterval(this.positions);
    this.feeds.close();
  }

  private openFeed(orgId: string): OrgFeed {
    this.feedsOpened++;
    const observer = this.options.observer;
    return new OrgFeed(orgId, {
      log: this.options.log,
      guardedChannels: this.options.guardedChannels,
      maxQueue: this.options.maxQueuePerSubscription,
      hooks: {
        overflowError: (lastSeq) => {
          observer?.onCutoff?.();
          return slowConsumer({ resumeAfter: encodeCursor(orgId, lastSeq) });
        },
        onDelivered: observer?.onDelivered,
      },
      release: () => this.feeds.leave(orgId),
      onError: this.options.onError,
      onGapFilled: (count) => observer?.onGapFilled?.(count),
      onFannedOut: observer?.onFannedOut,
      trace: this.options.trace,
      onRewound: (fromSeq, toSeq, streams) => {
        observer?.onRewound?.(streams);
        this.options.onRewound?.(orgId, fromSeq, toSeq);
      },
    });
  }

  /**
   * Compares every feed with the log's end (a lost last event, a rewound log), in one read for all feeds, and
   * looks closer only at the feeds it finds behind, ahead or unsettled. When every feed was found at the log's
   * end and nothing was committed since (the commit mark is unchanged) and no feed opened, nothing can have
   * moved under them: 10,000 quiet feeds then cost one small query per check (issue 18).
   */
  private async checkPositions(): Promise<void> {
    if (this.feeds.size === 0) return;
    const feedsOpened = this.feedsOpened;
    let mark: string;
    let last: Map<string, number>;
    try {
      // Read before the positions: whatever is committed after it changes the next reading.
      mark = await this.options.log.commitMark();
      const settled = this.settled;
      if (settled?.mark === mark && settled.feedsOpened === feedsOpened && ++settled.skipped < FULL_CHECK_EVERY) return;
      this.settled = undefined;
      last = await this.options.log.lastSeqs([...this.feeds.rooms()].map((f) => f.orgId));
    } catch (err) {
      return this.options.onError(err, 'checking the feeds’ positions');
    }
    const checks: Promise<void>[] = [];
    for (const feed of this.feeds.rooms()) {
      const lastSeq = last.get(feed.orgId);
      if (!feed.isSettledAt(lastSeq)) checks.push(feed.checkPosition(lastSeq));
    }
    if (checks.length === 0) this.settled = { mark, feedsOpened, skipped: 0 };
    else await Promise.all(checks);
  }
}

const topicOf = (orgId: string) => `org:${orgId}`;
