import { requireOrgAccess, requireViewer } from '../auth/access.js';
import type { StreamGuard } from '../auth/session.js';
import type { Viewer } from '../auth/viewer.js';
import type { Services } from '../context.js';
import { badInput, notFound } from '../errors.js';
import type { PushStream } from '../realtime/push-stream.js';
import type { UserMessage } from '../realtime/user-channel.js';
import * as inbox from '../store/notifications.js';
import { listMembers } from '../store/repository.js';
import type { Notification } from '../store/types.js';
import { actorOf, commitAndPublish } from './publish.js';
import type { ResponseBudget } from '../limits/response-budget.js';

export type { InboxPage } from '../store/notifications.js';

export interface SendNotificationInput {
  orgId: string;
  userIds: readonly string[];
  title: string;
  body?: string | null;
  data?: unknown;
}

/**
 * Writes one inbox entry per recipient and a `notification.new` event on channel `notifications` that
 * only the recipients can see (live, by replay or in history), then tells each recipient's live channel.
 */
export async function sendNotification(
  services: Services,
  viewer: Viewer | null,
  input: SendNotificationInput,
  budget: ResponseBudget,
): Promise<Notification[]> {
  const { viewer: v } = await requireOrgAccess(services.store, viewer, input.orgId, 'ADMIN', 'send notifications');
  const recipients = [...new Set(input.userIds)];
  const members = new Set((await listMembers(services.store.db, input.orgId)).map((m) => m.userId));
  const strangers = recipients.filter((u) => !members.has(u));
  if (strangers.length > 0)
    throw badInput(`Not members of organization "${input.orgId}": ${strangers.slice(0, 10).join(', ')}.`);
  const size = Buffer.byteLength(JSON.stringify(input.data ?? null));
  if (size > services.limits.maxPayloadBytes)
    throw badInput(`data is ${size} bytes; the limit is ${services.limits.maxPayloadBytes} bytes.`);
  // The answer carries one copy of `data` per recipient: reserved before anything is written.
  if (input.data !== undefined && input.data !== null)
    budget.reserve(size * recipients.length, `the ${recipients.length} notifications sent`);
  const { result: created } = await commitAndPublish(
    services,
    (tx) =>
      inbox.insertNotifications(tx, recipients, {
        orgId: input.orgId,
        title: input.title,
        body: input.body ?? null,
        data: input.data ?? null,
      }),
    () => ({
      orgId: input.orgId,
      channel: 'notifications',
      type: 'notification.new',
      subjectId: null,
      // Recipients are not listed: each learns its own notification id from its inbox and live channel.
      payload: { title: input.title, body: input.body ?? null, data: input.data ?? null },
      actor: actorOf(v),
      audience: { userIds: recipients, roles: [] },
    }),
  );
  for (const n of created) {
    services.userChannel.publish(n.userId, {
      kind: 'notification',
      notification: n,
      unreadCount: await inbox.countUnread(services.store.db, n.userId),
    });
  }
  return created;
}

/** A page of the viewer's inbox; its `data` is reserved from the operation's budget before it is read. */
export async function listInbox(
  services: Services,
  viewer: Viewer | null,
  o: { first?: number | null; after?: string | null; unreadOnly?: boolean | null },
  budget: ResponseBudget,
) {
  const v = requireViewer(viewer);
  const first = o.first ?? 20;
  if (first < 1 || first > 100) throw badInput('first must be between 1 and 100.');
  const position = { first, after: o.after ? parseInboxCursor(o.after) : undefined, unreadOnly: o.unreadOnly ?? false };
  return inbox.listInbox(services.store.db, v.userId, position, (bytes, count) =>
    budget.reserve(bytes, `the ${count} notifications asked for`),
  );
}

export const unreadCount = (services: Services, viewer: Viewer | null) =>
  inbox.countUnread(services.store.db, requireViewer(viewer).userId);

/** Marks the viewer's own notifications read; ids that are not theirs refuse the whole call and change nothing. */
export async function markRead(
  services: Services,
  viewer: Viewer | null,
  ids: readonly string[] | 'all',
): Promise<number> {
  const v = requireViewer(viewer);
  if (ids !== 'all') {
    const unique = [...new Set(ids)];
    const own = await inbox.findOwn(services.store.db, v.userId, unique);
    if (own.length !== unique.length) {
      const ownIds = new Set(own.map((n) => n.id));
      throw notFound(
        `No such notification in your inbox: ${unique
          .filter((id) => !ownIds.has(id))
          .slice(0, 10)
          .join(', ')}.`,
      );
    }
    ids = unique;
  }
  const changed = await inbox.markRead(services.store.db, v.userId, ids);
  if (changed > 0)
    services.userChannel.publish(v.userId, {
      kind: 'unread',
      unreadCount: await inbox.countUnread(services.store.db, v.userId),
    });
  return changed;
}

/** The viewer's live channel: first the current unread count, then new notifications and count changes. */
export async function subscribeInbox(
  services: Services,
  viewer: Viewer | null,
  guard?: StreamGuard,
): Promise<PushStream<UserMessage>> {
  const v = requireViewer(viewer);
  const stream = services.userChannel.subscribe(v.userId, guard);
  // Subscribed first, counted second: a change in between shows up as a later message, never as a loss.
  try {
    stream.first({ kind: 'unread', unreadCount: await inbox.countUnread(services.store.db, v.userId) });
    return stream;
  } catch (err) {
    stream.close();
    throw err;
  }
}

export const inboxCursor = (n: Notification) => Buffer.from(`n1:${n.createdAt}:${n.id}`).toString('base64url');

function parseInboxCursor(cursor: string): inbox.InboxPosition {
  const m = /^n1:(\d{1,15}):([A-Za-z0-9_]{1,100})$/.exec(
    Buffer.from(cursor.slice(0, 300), 'base64url').toString('utf8'),
  );
  if (!m?.[1] || !m[2]) throw badInput('after is not a notification cursor issued by this server.');
  return { createdAt: Number(m[1]), id: m[2] };
}
