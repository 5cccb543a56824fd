import type { StreamGuard } from '../auth/session.js';
import { LiveStream } from './live-stream.js';
import type { PresenceRegistry } from './presence-registry.js';
import type { PubSubBackend } from './pubsub.js';
import { slowSignalsError } from './signals.js';

export interface PresenceUser {
  userId: string;
  name: string | null;
}

export interface PresenceUpdate {
  orgId: string;
  kind: 'SNAPSHOT' | 'JOIN' | 'LEAVE';
  /** Who joined or left; null for the snapshot. */
  user: PresenceUser | null;
  /** Everyone online after this update. */
  users: PresenceUser[];
}

interface PresenceSignal {
  kind: 'presence';
  type: 'join' | 'leave';
  instanceId: string;
  user: PresenceUser;
}

export interface PresenceOptions {
  instanceId: string;
  /** An instance that stops refreshing (crashed) loses its users after this long. */
  ttlMs: number;
  /** A user whose last connection closes leaves after this grace: reconnects and reloads do not flicker. */
  graceMs: number;
  maxQueue: number;
  onError: (err: unknown, context: string) => void;
}

interface View {
  /** Per user, the instances holding them, with when this view learned it (ms). */
  online: Map<string, { user: PresenceUser; instances: Map<string, number> }>;
  streams: Set<LiveStream<PresenceUpdate>>;
  /** Subscribers still waiting for the initial load: the view must not close under them. */
  waiting: number;
  ready: Promise<void>;
  unsubscribe: () => void;
}

/**
 * Who is online in each organization, across instances, never in the durable log. This instance counts its
 * users' open subscriptions per organization (three tabs = online once), records them in the shared
 * registry with a TTL it keeps refreshing, and announces joins and leaves through pub/sub. Organizations
 * watched by local subscribers are reconciled against the registry, which drops a crashed instance's users.
 */
export class Presence {
  private readonly local = new Map<string, Map<string, { user: PresenceUser; count: number; leaving?: NodeJS.Timeout }>>();
  private readonly views = new Map<string, View>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly reconciler: NodeJS.Timeout;

  constructor(
    private readonly pubsub: PubSubBackend,
    private readonly registry: PresenceRegistry,
    private readonly options: PresenceOptions,
  ) {
    this.heartbeat = setInterval(() => void this.refresh(), Math.max(50, Math.floor(options.ttlMs / 3)));
    this.heartbeat.unref();
    // Pub/sub is at-most-once (and a new view's subscription starts asynchronously): views are also
    // compared with the registry every couple of seconds, so a lost join or leave shows up soon.
    this.reconciler = setInterval(() => void this.reconcileAll(), Math.min(2_000, Math.max(50, Math.floor(options.ttlMs / 3))));
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
  async subscribe(orgId: string, o: { guard?: StreamGuard; onClose?: () => void } = {}): Promise<LiveStream<PresenceUpdate>> {
    const view = this.views.get(orgId) ?? this.openView(orgId);
    view.waiting++;
    await view.ready.finally(() => view.waiting--);
    // Added only now, so that the updates of the initial load do not precede the snapshot.
    const stream: LiveStream<PresenceUpdate> = new LiveStream<PresenceUpdate>({
      maxQueue: this.options.maxQueue,
      overflowError: slowSignalsError,
      revoked: o.guard?.revoked,
      recheckAt: o.guard?.recheckAt,
      onClose: () => {
        view.streams.delete(stream);
        if (view.streams.size === 0 && view.waiting === 0) this.closeView(orgId, view);
        o.onClose?.();
      },
    });
    view.streams.add(stream);
    stream.push({ orgId, kind: 'SNAPSHOT', user: null, users: usersOf(view) });
    return stream;
  }

  close(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.reconciler);
    for (const [orgId, view] of this.views) this.closeView(orgId, view);
  }

  private announce(orgId: string, type: 'join' | 'leave', user: PresenceUser): void {
    const { instanceId, ttlMs } = this.options;
    const write = type === 'join' ? this.registry.put(orgId, { instanceId, ...user }, ttlMs) : this.registry.remove(orgId, instanceId, user.userId);
    write.catch((err: unknown) => this.options.onError(err, `recording presence in ${orgId}`));
    const signal: PresenceSignal = { kind: 'presence', type, instanceId, user };
    this.pubsub.publish(topicOf(orgId), signal);
  }

  private openView(orgId: string): View {
    const view: View = { online: new Map(), streams: new Set(), waiting: 0, ready: Promise.resolve(), unsubscribe: () => {} };
    view.unsubscribe = this.pubsub.subscribe(topicOf(orgId), (m) => {
      const s = m as Partial<PresenceSignal> | null;
      if (s?.kind !== 'presence' || typeof s.instanceId !== 'string' || typeof s.user?.userId !== 'string') return;
      this.apply(orgId, view, s.type === 'join' ? 'join' : 'leave', s.instanceId, s.user);
    });
    view.ready = this.reconcile(orgId, view);
    this.views.set(orgId, view);
    return view;
  }

  private closeView(orgId: string, view: View): void {
    view.unsubscribe();
    if (this.views.get(orgId) === view) this.views.delete(orgId);
  }

  private apply(orgId: string, view: View, type: 'join' | 'leave', instanceId: string, user: PresenceUser): void {
    const current = view.online.get(user.userId);
    if (type === 'join') {
      if (current) return void current.instances.set(instanceId, current.instances.get(instanceId) ?? Date.now());
      view.online.set(user.userId, { user, instances: new Map([[instanceId, Date.now()]]) });
    } else {
      if (!current || !current.instances.delete(instanceId) || current.instances.size > 0) return;
      view.online.delete(user.userId);
    }
    const update: PresenceUpdate = { orgId, kind: type === 'join' ? 'JOIN' : 'LEAVE', user, users: usersOf(view) };
    for (const s of [...view.streams]) s.push(update);
  }

  /** Brings a view in line with the registry: joins that were missed, and users of instances that died. */
  private async reconcile(orgId: string, view: View): Promise<void> {
    try {
      const readAt = Date.now();
      const entries = await this.registry.list(orgId);
      const seen = new Map<string, Set<string>>();
      for (const e of entries) {
        seen.set(e.userId, (seen.get(e.userId) ?? new Set()).add(e.instanceId));
        this.apply(orgId, view, 'join', e.instanceId, { userId: e.userId, name: e.name });
      }
      // A join that arrived while the registry was being read is newer than what was read: keep it.
      for (const [userId, { instances, user }] of [...view.online]) {
        for (const [instanceId, since] of [...instances]) {
          if (since < readAt && !seen.get(userId)?.has(instanceId)) this.apply(orgId, view, 'leave', instanceId, user);
        }
      }
    } catch (err) {
      this.options.onError(err, `reading presence of ${orgId}`);
    }
  }

  private async refresh(): Promise<void> {
    const { instanceId, ttlMs } = this.options;
    for (const [orgId, users] of this.local) {
      for (const { user } of users.values()) {
        await this.registry.put(orgId, { instanceId, ...user }, ttlMs).catch((err: unknown) => this.options.onError(err, 'refreshing presence'));
      }
    }
  }

  private async reconcileAll(): Promise<void> {
    for (const [orgId, view] of this.views) await this.reconcile(orgId, view);
  }
}

const topicOf = (orgId: string) => `presence:${orgId}`;
const usersOf = (view: View): PresenceUser[] => [...view.online.values()].map((o) => o.user).sort((a, b) => a.userId.localeCompare(b.userId));
