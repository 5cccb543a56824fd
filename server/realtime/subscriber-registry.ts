import type { GraphQLError } from 'graphql';

/** The transport a subscriber's stream runs over: graphql-ws, SSE (distinct connections), single-connection SSE. */
export type SubscriberTransport = 'ws' | 'sse' | 'sse-single';

/** One live event stream on this instance, as the console lists it. */
export interface LiveSubscriber {
  id: string;
  orgId: string;
  userId: string;
  transport: SubscriberTransport;
  channels: readonly string[];
  types: readonly string[];
  subjectIds: readonly string[];
  since: number;
  /** The instance holding the stream. */
  instanceId: string;
}

interface Entry extends LiveSubscriber {
  end(error: GraphQLError): void;
}

/**
 * This instance's live event streams by organization, so that an administrator can see who is subscribed
 * and end a user's streams. A Map per organization: listing one is proportional to its own subscribers.
 */
export class SubscriberRegistry {
  private readonly byOrg = new Map<string, Set<Entry>>();
  private next = 0;

  constructor(private readonly instanceId: string) {}

  /** Registers a stream; returns its removal (call when the stream ends). */
  add(subscriber: Omit<LiveSubscriber, 'id' | 'since' | 'instanceId'>, end: (error: GraphQLError) => void): () => void {
    const entry: Entry = { ...subscriber, id: `s${++this.next}`, since: Date.now(), instanceId: this.instanceId, end };
    let set = this.byOrg.get(entry.orgId);
    if (!set) this.byOrg.set(entry.orgId, (set = new Set()));
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.byOrg.get(entry.orgId) === set) this.byOrg.delete(entry.orgId);
    };
  }

  /** The organization's streams, oldest first, at most `limit`. */
  inOrg(orgId: string, limit: number): LiveSubscriber[] {
    const out: LiveSubscriber[] = [];
    for (const { end: _end, ...view } of this.byOrg.get(orgId) ?? []) {
      if (out.length >= limit) break;
      out.push(view);
    }
    return out;
  }

  /** How many of the organization's streams run over each transport. */
  countsIn(orgId: string): Record<SubscriberTransport, number> {
    const counts = { ws: 0, sse: 0, 'sse-single': 0 };
    for (const e of this.byOrg.get(orgId) ?? []) counts[e.transport]++;
    return counts;
  }

  /** Ends every stream of `userId` in the organization with `error`; returns how many. */
  endStreamsOf(orgId: string, userId: string, error: GraphQLError): number {
    const ending = [...(this.byOrg.get(orgId) ?? [])].filter((e) => e.userId === userId);
    for (const e of ending) e.end(error);
    return ending.length;
  }
}
