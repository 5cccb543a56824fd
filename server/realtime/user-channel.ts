import type { StreamGuard } from '../auth/session.js';
import { inboxCutOff } from '../errors.js';
import type { Notification } from '../store/types.js';
import type { PubSubBackend } from './pubsub.js';
import { PushStream } from './push-stream.js';
import { type TopicRoom, TopicRooms } from './topics.js';

/** What a user's own live channel carries, across all their organizations and instances. */
export type UserMessage =
  { kind: 'notification'; notification: Notification; unreadCount: number } | { kind: 'unread'; unreadCount: number };

/** One user's local inbox subscribers (tabs, devices on this instance), fed by the user's topic. */
class UserRoom implements TopicRoom {
  readonly streams = new Set<PushStream<UserMessage>>();

  receive(message: unknown): void {
    if (!isUserMessage(message)) return;
    for (const s of this.streams) s.push(message);
  }

  close(): void {
    for (const s of [...this.streams]) s.close();
  }
}

/**
 * Per-user messages (new notifications, unread counts) through the shared pub/sub. Ephemeral: the inbox
 * in the store is the truth, and a client that missed something refetches it.
 */
export class UserChannel {
  private readonly rooms: TopicRooms<UserRoom>;

  constructor(
    private readonly pubsub: PubSubBackend,
    private readonly maxQueue: number,
  ) {
    this.rooms = new TopicRooms(pubsub, topicOf, () => new UserRoom());
  }

  publish(userId: string, message: UserMessage): void {
    this.pubsub.publish(topicOf(userId), message);
  }

  subscribe(userId: string, guard?: StreamGuard): PushStream<UserMessage> {
    const room = this.rooms.enter(userId);
    const stream = new PushStream<UserMessage>({ maxQueue: this.maxQueue, guard, overflowError: inboxCutOff });
    room.streams.add(stream);
    stream.whenEnded(() => {
      room.streams.delete(stream);
      this.rooms.leave(userId);
    });
    return stream;
  }

  close(): void {
    this.rooms.close();
  }
}

const topicOf = (userId: string) => `user:${userId}`;

function isUserMessage(m: unknown): m is UserMessage {
  return (
    typeof m === 'object' &&
    m !== null &&
    ((m as UserMessage).kind === 'notification' || (m as UserMessage).kind === 'unread')
  );
}
