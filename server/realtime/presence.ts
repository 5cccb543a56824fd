import type { StreamGuard } from '../auth/session.js';
import { stateCutOff } from '../errors.js';
import type { PresenceEntry, PresenceRegistry } from './presence-registry.js';
import { type PresenceSignal, type PresenceUpdate, type PresenceUser, PresenceView } from './presence-view.js';
import type { PubSubBackend } from './pubsub.js';
import { PushStream } from './push-stream.js';
import { TopicRooms } from './topics.js';

export type { PresenceUpdate, PresenceUser } from './presence-view.js';

export interface PresenceOptions {
  instanceId: string;
  /** An instance that stops refreshing (crashed) loses its users after this long. */
  ttlMs: number;
  /** A user whose last connection closes leaves after this grace: reconnects and reloads do not flicker. */
  graceMs: number;
  maxQueue: number;
  onError: (err: unknown, context: string) => void;
}

/**
 * Who is online in each organization, across instances, never in the durable log. This instance counts its
 * users' open subscriptions per organization (three tabs = online once), records them in the shared
 * registry with a TTL it keeps refreshing, and announces joins and leaves through pub/sub. Organizations
 * watched by local subscribers have a view (a topic room) reconciled against the registry, which drops a
 * crashed instance's users.
 */
export class Presence {
  private readonly local = new Map<
    string,
    Map<string, { user: PresenceUser; count: number; leaving?: NodeJS.Timeout }>
  >();
  private readonly views: TopicRooms<PresenceView>;
  private readonly heartbeat: NodeJS.Timeout | undefined;
  private readonly reconciler: NodeJS.Timeout;

  constructor(
    private readonly pubsub: PubSubBackend,
    private readonly registry: PresenceRegistry,
    private readonly options: PresenceOptions,
  ) {
    this.views = new TopicRooms(pubsub, topicOf, (orgId) => new PresenceView(orgId, registry, options.onError));
    // Only a shared registry (Redis) lets entries expire, when their instance stops refreshing them.
    if (registry.refresh) {
      this.heartbeat = setInterval(() => void this.refresh(), Math.max(50, Math.floor(options.ttlMs / 3)));
      this.heartbeat.unref();
    }
    // Pub/sub is at-most-once (and a new view's subscription starts asynchronously): views are also
    // compared with the registry every couple of seconds, so a lost join or leave shows up soon.
    this.reconciler = setInterval(
      () => void this.reconcileAll(),
      Math.min(2_000, Math.max(50, Math.floor(options.ttlMs / 3))),
    );
    this.reconciler.unref();
  }

  /** Marks the user online in the organization until the returned release is called. */
  hold(orgId: string, user: PresenceUser): () => void {
    const org = this.local.get(orgId) ?? new Map();
    this.local.set(orgId, org);
    const entry = org.get(user.userId);
    if (entry) {
      entry.count++;
      if (entry.leaving) {
        clearTimeout(entry.leaving); // back within the grace: no leave, no join
        entry.leaving = undefined;
      }
    } else {
      org.set(user.userId, { user, count: 1 });
      this.announce(orgId, 'join', user);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const e = org.get(user.userId);
      if (!e || --e.count > 0) return;
      e.leaving = setTimeout(() => {
        org.delete(user.userId);
        if (org.size === 0) this.local.delete(orgId);
        this.announce(orgId, 'leave', user);
      }, this.options.graceMs);
      e.leaving.unref();
    };
  }

  async list(orgId: string): Promise<PresenceUser[]> {
    const users = new Map<string, PresenceUser>();
    for (const e of await this.registry.list(orgId)) users.set(e.userId, { userId: e.userId, name: e.name });
    return [...users.values()].sort((a, b) => a.userId.localeCompare(b.userId));
  }

  /** A snapshot first, then every join and leave. */
  async subscribe(orgId: string, guard?: StreamGuard): Promise<PushStream<PresenceUpdate>> {
    const view = this.views.enter(orgId); // held while the first registry read runs
    await view.ready;
    // Added only now, so that the updates of the initial load do not precede the snapshot.
    const stream = new PushStream<PresenceUpdate>({
      maxQueue: this.options.maxQueue,
      guard,
      overflowError: stateCutOff,
    });
    stream.whenEnded(() => {
      view.remove(stream);
      this.views.leave(orgId);
    });
    view.add(stream);
    return stream;
  }

  close(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.reconciler);
    this.views.close();
  }

  private announce(orgId: string, type: 'join' | 'leave', user: PresenceUser): void {
    const { instanceId, ttlMs } = this.options;
    const write =
      type === 'join'
        ? this.registry.put(orgId, { instanceId, ...user }, ttlMs)
        : this.registry.remove(orgId, instanceId, user.userId);
    write.catch((err: unknown) => this.options.onError(err, `recording presence in ${orgId}`));
    const signal: PresenceSignal = { kind: 'presence', type, instanceId, user };
    this.pubsub.publish(topicOf(orgId), signal);
  }

  private async refresh(): Promise<void> {
    const { instanceId, ttlMs } = this.options;
    const entries: Array<{ orgId: string; entry: PresenceEntry }> = [];
    for (const [orgId, users] of this.local) {
      for (const { user } of users.values()) entries.push({ orgId, entry: { instanceId, ...user } });
    }
    if (entries.length === 0) return;
    await this.registry
      .refresh?.(entries, ttlMs)
      .catch((err: unknown) => this.options.onError(err, 'refreshing presence'));
  }

  private async reconcileAll(): Promise<void> {
    for (const view of [...this.views.rooms()]) await view.reconcile();
  }
}

const topicOf = (orgId: string) => `presence:${orgId}`;
