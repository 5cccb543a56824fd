import type { Plugin } from 'graphql-yoga';
import { LiveStream } from '../realtime/live-stream.js';
import type { Session } from '../auth/session.js';
import type { Context } from '../context.js';
import { rateLimited } from '../errors.js';

export interface LiveLimits {
  /** graphql-ws connections (and SSE streams) one user may hold at once, per instance. */
  connectionsPerUser: number;
  /** Active subscriptions on one graphql-ws connection (or one SSE request). */
  subscriptionsPerConnection: number;
}

/** Counts held slots per key; `acquire` refuses past the limit. */
export class SlotCounter<K> {
  private readonly held = new Map<K, number>();
  constructor(private readonly limit: number) {}

  acquire(key: K): boolean {
    const n = this.held.get(key) ?? 0;
    if (n >= this.limit) return false;
    this.held.set(key, n + 1);
    return true;
  }

  release(key: K): void {
    const n = (this.held.get(key) ?? 0) - 1;
    if (n <= 0) this.held.delete(key);
    else this.held.set(key, n);
  }
}

/**
 * Subscription limits for every transport, in Yoga's subscribe phase: active subscriptions per graphql-ws
 * connection (its session), and SSE event streams per user (each is a connection of its own). Over a
 * limit the operation gets RATE_LIMITED; the socket and its other subscriptions stay.
 */
export function useSubscriptionLimits(limits: LiveLimits, sseStreams: SlotCounter<string>): Plugin {
  const perConnection = new SlotCounter<Session>(limits.subscriptionsPerConnection);
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as unknown as Context;
      const session = ctx.session;
      const sseUser = session.transport === 'http' ? session.viewer?.userId : undefined;
      if (!perConnection.acquire(session)) {
        setResultAndStopExecution({ errors: [rateLimited(`At most ${limits.subscriptionsPerConnection} active subscriptions per connection.`)] });
        return;
      }
      if (sseUser !== undefined && !sseStreams.acquire(sseUser)) {
        perConnection.release(session);
        setResultAndStopExecution({ errors: [rateLimited(`At most ${limits.connectionsPerUser} open connections per user.`)] });
        return;
      }
      const release = () => {
        perConnection.release(session);
        if (sseUser !== undefined) sseStreams.release(sseUser);
      };
      return {
        onSubscribeResult({ result }) {
          if (!(Symbol.asyncIterator in result)) return release();
          // Our streams say when they end: no wrapper per subscription (see LiveStream.whenClosed).
          if (result instanceof LiveStream) return result.whenClosed(release);
          let released = false;
          return {
            onEnd: () => {
              if (!released) release();
              released = true;
            },
          };
        },
      };
    },
  };
}
