import type { GraphQLError } from 'graphql';
import type { Session } from '../../auth/session.js';
import { rateLimited } from '../../errors.js';
import { SlotCounter } from '../../limits/slot-counter.js';

/**
 * Subscription limits for every transport: active subscriptions per connection (its session: a graphql-ws
 * socket, a single-connection SSE stream, one distinct SSE request), and, for distinct-connections SSE,
 * where each request is a connection of its own, the user's connection slots (shared with graphql-ws).
 */
export class SubscriptionLimits {
  private readonly perConnection: SlotCounter<Session>;

  constructor(
    subscriptionsPerConnection: number,
    /** Connections per user, shared by every transport. */
    private readonly connections: SlotCounter<string>,
  ) {
    this.perConnection = new SlotCounter(subscriptionsPerConnection);
  }

  /** The slots one subscription takes, and the function that gives them back; or why it may not start. */
  acquire(session: Session): (() => void) | GraphQLError {
    const sseUser = session.transport === 'http' ? session.viewer?.userId : undefined;
    if (!this.perConnection.acquire(session)) {
      return rateLimited(`At most ${this.perConnection.limit} active subscriptions per connection.`);
    }
    if (sseUser !== undefined && !this.connections.acquire(sseUser)) {
      this.perConnection.release(session);
      return rateLimited(`At most ${this.connections.limit} open connections per user.`);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.perConnection.release(session);
      if (sseUser !== undefined) this.connections.release(sseUser);
    };
  }
}
