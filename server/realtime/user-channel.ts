import { GraphQLError } from 'graphql';
import type { StreamGuard } from '../auth/session.js';
import type { Notification } from '../store/types.js';
import { LiveStream } from './live-stream.js';
import type { PubSubBackend } from './pubsub.js';

/** What a user's own live channel carries, across all their organizations and instances. */
export type UserMessage =
  | { kind: 'notification'; notification: Notification; unreadCount: number }
  | { kind: 'unread'; unreadCount: number };

/**
 * Per-user messages (new notifications, unread counts) through the shared pub/sub. Ephemeral: the inbox
 * in the store is the truth, and a client that missed something refetches it.
 */
export class UserChannel {
  constructor(
    private readonly pubsub: PubSubBackend,
    private readonly maxQueue: number,
  ) {}

  publish(userId: string, message: UserMessage): void {
    this.pubsub.publish(topicOf(userId), message);
  }

  subscribe(userId: string, guard?: StreamGuard): LiveStream<UserMessage> {
    let unsubscribe = () => {};
    const stream = new LiveStream<UserMessage>({
      maxQueue: this.maxQueue,
      overflowError: () =>
        new GraphQLError('Subscription cut off: the client fell too far behind. Subscribe again and refetch the inbox.', {
          extensions: { code: 'RATE_LIMITED', reason: 'SLOW_CONSUMER' },
        }),
      onClose: () => unsubscribe(),
      revoked: guard?.revoked,
      recheckAt: guard?.recheckAt,
    });
    unsubscribe = this.pubsub.subscribe(topicOf(userId), (message) => {
      if (isUserMessage(message)) stream.push(message);
    });
    return stream;
  }
}

const topicOf = (userId: string) => `user:${userId}`;

function isUserMessage(m: unknown): m is UserMessage {
  return typeof m === 'object' && m !== null && ((m as UserMessage).kind === 'notification' || (m as UserMessage).kind === 'unread');
}
