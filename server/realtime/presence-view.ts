import type { PresenceRegistry } from './presence-registry.js';
import type { PushStream } from './push-stream.js';
import type { TopicRoom } from './topics.js';

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

/** What instances announce on `presence:<org>`. */
export interface PresenceSignal {
  kind: 'presence';
  type: 'join' | 'leave';
  instanceId: string;
  user: PresenceUser;
}

/**
 * This instance's view of who is online in one organization, for its local presence subscribers: fed by
 * the joins and leaves instances announce, and reconciled with the shared registry (missed signals, users
 * of instances that died). Every change goes to every local stream as the same update object.
 */
export class PresenceView implements TopicRoom {
  /** Per user, the instances holding them, with when this view learned it (ms). */
  private readonly online = new Map<string, { user: PresenceUser; instances: Map<string, number> }>();
  private readonly streams = new Set<PushStream<PresenceUpdate>>();
  /** Settles once the registry was read the first time (never rejects). */
  readonly ready: Promise<void>;

  constructor(
    readonly orgId: string,
    private readonly registry: PresenceRegistry,
    private readonly onError: (err: unknown, context: string) => void,
  ) {
    this.ready = this.reconcile();
  }

  receive(message: unknown): void {
    const s = message as Partial<PresenceSignal> | null;
    if (s?.kind !== 'presence' || typeof s.instanceId !== 'string' || typeof s.user?.userId !== 'string') return;
    this.apply(s.type === 'join' ? 'join' : 'leave', s.instanceId, s.user);
  }

  /** A new subscriber: the snapshot first, then every change. */
  add(stream: PushStream<PresenceUpdate>): void {
    this.streams.add(stream);
    stream.push({ orgId: this.orgId, kind: 'SNAPSHOT', user: null, users: this.users() });
  }

  remove(stream: PushStream<PresenceUpdate>): void {
    this.streams.delete(stream);
  }

  close(): void {
    for (const s of [...this.streams]) s.close();
  }

  /** Brings the view in line with the registry: joins that were missed, and users of instances that died. */
  async reconcile(): Promise<void> {
    try {
      const readAt = Date.now();
      const entries = await this.registry.list(this.orgId);
      const seen = new Map<string, Set<string>>();
      for (const e of entries) {
        seen.set(e.userId, (seen.get(e.userId) ?? new Set()).add(e.instanceId));
        this.apply('join', e.instanceId, { userId: e.userId, name: e.name });
      }
      // A join that arrived while the registry was being read is newer than what was read: keep it.
      for (const [userId, { instances, user }] of [...this.online]) {
        for (const [instanceId, since] of [...instances]) {
          if (since < readAt && !seen.get(userId)?.has(instanceId)) this.apply('leave', instanceId, user);
        }
      }
    } catch (err) {
      this.onError(err, `reading presence of ${this.orgId}`);
    }
  }

  private apply(type: 'join' | 'leave', instanceId: string, user: PresenceUser): void {
    const current = this.online.get(user.userId);
    if (type === 'join') {
      if (current) return void current.instances.set(instanceId, current.instances.get(instanceId) ?? Date.now());
      this.online.set(user.userId, { user, instances: new Map([[instanceId, Date.now()]]) });
    } else {
      if (!current || !current.instances.delete(instanceId) || current.instances.size > 0) return;
      this.online.delete(user.userId);
    }
    const update: PresenceUpdate = {
      orgId: this.orgId,
      kind: type === 'join' ? 'JOIN' : 'LEAVE',
      user,
      users: this.users(),
    };
    for (const s of this.streams) s.push(update);
  }

  private users(): PresenceUser[] {
    return [...this.online.values()].map((o) => o.user).sort((a, b) => a.userId.localeCompare(b.userId));
  }
}
