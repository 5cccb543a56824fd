import { GraphQLError } from 'graphql';
import type { StreamGuard } from '../auth/session.js';
import type { Metrics } from '../observability/metrics.js';
import type { EventRecord } from '../store/types.js';
import { encodeCursor } from './cursor.js';
import { EventStream, type FeedHooks } from './event-stream.js';
import type { EventFilter } from './filter.js';
import { type FeedLog, type MembershipWatcher, OrgFeed } from './org-feed.js';
import type { PubSubBackend } from './pubsub.js';

export interface ReplaySource {
  /** Stored events of `orgId` in (afterSeq, upToSeq] matching the filter, oldest first. */
  replay(orgId: string, filter: EventFilter, afterSeq: number, upToSeq: number): AsyncIterator<EventRecord>;
}

export interface EventBusOptions {
  pubsub: PubSubBackend;
  log: FeedLog & ReplaySource;
  /** Live events one subscriber may have waiting before it is cut off. */
  maxQueuePerSubscription: number;
  positionCheckMs: number;
  onError: (err: unknown, context: string) => void;
  /** An organization's log went back under its feed (a restored backup); its streams were told to resync. */
  onRewound?: (orgId: string, fromSeq: number, toSeq: number) => void;
  /** Counters for /metrics; every hook is optional. */
  observer?: Partial<Pick<Metrics, 'onDelivered' | 'onFannedOut' | 'onReplay' | 'onCutoff' | 'onGapFilled' | 'onRewound'>>;
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
 * subscribers; every subscriber gets its own bounded stream.
 */
export class EventBus {
  private readonly feeds = new Map<string, { feed: OrgFeed; unsubscribe: () => void; hooks: FeedHooks }>();

  constructor(private readonly options: EventBusOptions) {}

  /** Call only after the event is committed to the log. */
  publish(event: EventRecord): void {
    try {
      this.options.pubsub.publish(topicOf(event.orgId), event);
    } catch (err) {
      // The log holds the event; feeds repair the gap. Never fail the mutation for it.
      this.options.onError(err, 'publishing');
    }
  }

  async subscribe({ orgId, filter, afterSeq, guard }: SubscribeOptions): Promise<EventStream> {
    const feed = this.feedFor(orgId);
    feed.waiting++;
    try {
      await feed.started();
    } catch (err) {
      feed.waiting--;
      this.dropFeedIfIdle(orgId);
      throw err;
    }
    feed.waiting--;
    // Dropped while we waited (its last watcher left): start over on a fresh feed.
    if (this.feeds.get(orgId)?.feed !== feed) return this.subscribe({ orgId, filter, afterSeq, guard });
    // From here to `add` nothing awaits: the stream sees every event after `startSeq` live,
    // and everything up to `startSeq` through replay, so the seam has no gap and no duplicate.
    const startSeq = feed.deliveredSeq;
    const replay =
      afterSeq !== undefined && afterSeq < startSeq ? this.options.log.replay(orgId, filter, afterSeq, startSeq) : undefined;
    const stream = new EventStream({
      filter,
      maxQueue: this.options.maxQueuePerSubscription,
      hooks: this.feeds.get(orgId)!.hooks,
      replay,
      startSeq: afterSeq ?? startSeq,
      revoked: guard?.revoked,
      recheckAt: guard?.recheckAt,
    });
    if (replay) this.options.observer?.onReplay?.();
    feed.streams.add(stream);
    return stream;
  }

  /** Live figures of this instance: organizations with local subscribers, subscriptions, the longest queue. */
  stats(): { organizations: number; subscriptions: number; longestQueue: number } {
    let subscriptions = 0;
    let longestQueue = 0;
    for (const { feed } of this.feeds.values()) {
      subscriptions += feed.streams.size;
      for (const s of feed.streams) longestQueue = Math.max(longestQueue, s.queued);
    }
    return { organizations: this.feeds.size, subscriptions, longestQueue };
  }

  /** Per organization with local subscribers: subscriptions, presence/typing watchers, events per second. */
  orgStats(): Array<{ orgId: string; subscriptions: number; watchers: number; eventsPerSecond: number }> {
    return [...this.feeds.values()].map(({ feed }) => ({
      orgId: feed.orgId,
      subscriptions: feed.streams.size,
      watchers: feed.watchers.size,
      eventsPerSecond: feed.rate.perSecond(),
    }));
  }

  close(): void {
    for (const { feed, unsubscribe } of this.feeds.values()) {
      unsubscribe();
      feed.close();
      for (const s of [...feed.streams]) void s.return();
    }
    this.feeds.clear();
  }

  private feedFor(orgId: string): OrgFeed {
    const existing = this.feeds.get(orgId);
    if (existing) return existing.feed;
    const feed = new OrgFeed(orgId, {
      log: this.options.log,
      positionCheckMs: this.options.positionCheckMs,
      onError: this.options.onError,
      onGapFilled: (_orgId, count) => this.options.observer?.onGapFilled?.(count),
      onFannedOut: this.options.observer?.onFannedOut,
      onRewound: (_orgId, fromSeq, toSeq, streams) => {
        this.options.observer?.onRewound?.(streams);
        this.options.onRewound?.(orgId, fromSeq, toSeq);
      },
    });
    // Subscribe before the start position is read, so nothing published in between is missed.
    const unsubscribe = this.options.pubsub.subscribe(topicOf(orgId), (message) => {
      const event = asEvent(message, orgId);
      if (event) feed.receive(event);
    });
    const hooks: FeedHooks = {
      overflowError: (lastSeq) => {
        this.options.observer?.onCutoff?.();
        return slowConsumerError(orgId, lastSeq);
      },
      onClose: (s) => {
        feed.streams.delete(s);
        this.dropFeedIfIdle(orgId);
      },
      onDeliver: this.options.observer?.onDelivered,
    };
    this.feeds.set(orgId, { feed, unsubscribe, hooks });
    return feed;
  }

  /**
   * Keeps `watcher` informed of its user's removal from the organization (it is failed with FORBIDDEN,
   * in log order), for streams that are not event streams: presence, typing. Returns the unwatch function.
   */
  watch(orgId: string, watcher: MembershipWatcher): () => void {
    const feed = this.feedFor(orgId);
    feed.watchers.add(watcher);
    return () => {
      feed.watchers.delete(watcher);
      this.dropFeedIfIdle(orgId);
    };
  }

  private dropFeedIfIdle(orgId: string): void {
    const entry = this.feeds.get(orgId);
    if (!entry || entry.feed.streams.size > 0 || entry.feed.watchers.size > 0 || entry.feed.waiting > 0) return;
    entry.unsubscribe();
    entry.feed.close();
    this.feeds.delete(orgId);
  }
}

const topicOf = (orgId: string) => `org:${orgId}`;

function asEvent(message: unknown, orgId: string): EventRecord | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const e = message as Partial<EventRecord>;
  if (e.orgId !== orgId || typeof e.seq !== 'number' || typeof e.id !== 'string' || typeof e.channel !== 'string') return undefined;
  return e as EventRecord;
}

/**
 * The documented cut-off of a subscriber that fell too far behind: it resumes without loss by
 * subscribing again with `after: extensions.resumeAfter`.
 */
export function slowConsumerError(orgId: string, lastDeliveredSeq: number): GraphQLError {
  return new GraphQLError('Subscription cut off: the client fell too far behind. Subscribe again with `after` set to `extensions.resumeAfter`.', {
    extensions: { code: 'RATE_LIMITED', reason: 'SLOW_CONSUMER', resumeAfter: encodeCursor(orgId, lastDeliveredSeq) },
  });
}
