import { z } from 'zod';
import { sessionGuard } from '../auth/session.js';
import * as notifications from '../domain/notifications.js';
import type { UserMessage } from '../realtime/user-channel.js';
import type { Notification } from '../store/types.js';
import type { Builder } from './builder.js';

/** The viewer's inbox: its types, queries, mutations and live subscription. */
export function addNotificationSchema(builder: Builder): void {
  const refs = notificationTypes(builder);
  inboxQueries(builder, refs);
  inboxMutations(builder, refs);
  builder.subscriptionField('notifications', (t) =>
    t.field({
      type: refs.NotificationUpdateRef,
      description:
        "The viewer's new notifications and unread-count changes, across all organizations; starts with the current count.",
      authScopes: { loggedIn: true },
      subscribe: (_root, _args, ctx) =>
        notifications.subscribeInbox(ctx.services, ctx.viewer, sessionGuard(ctx.session)),
      resolve: (m) => m,
    }),
  );
}

type NotificationRefs = ReturnType<typeof notificationTypes>;

function notificationTypes(builder: Builder) {
  const NotificationRef = builder.objectRef<Notification>('Notification').implement({
    description: "An entry of the viewer's inbox.",
    fields: (t) => ({
      id: t.exposeID('id'),
      orgId: t.exposeID('orgId'),
      title: t.exposeString('title'),
      body: t.exposeString('body', { nullable: true }),
      data: t.field({ type: 'JSON', nullable: true, resolve: (n) => n.data ?? null }),
      createdAt: t.field({ type: 'DateTime', resolve: (n) => new Date(n.createdAt) }),
      readAt: t.field({
        type: 'DateTime',
        nullable: true,
        resolve: (n) => (n.readAt === null ? null : new Date(n.readAt)),
      }),
      read: t.boolean({ resolve: (n) => n.readAt !== null }),
      cursor: t.string({ resolve: notifications.inboxCursor }),
    }),
  });
  const NotificationConnectionRef = builder.objectRef<notifications.InboxPage>('NotificationConnection').implement({
    fields: (t) => ({
      nodes: t.field({ type: [NotificationRef], resolve: (p) => p.notifications }),
      hasNextPage: t.exposeBoolean('hasNextPage'),
      endCursor: t.string({
        nullable: true,
        resolve: (p) => (p.notifications.length ? notifications.inboxCursor(p.notifications.at(-1)!) : null),
      }),
    }),
  });
  const NotificationUpdateRef = builder.objectRef<UserMessage>('NotificationUpdate').implement({
    description: "A change to the viewer's inbox: a new notification (with the new unread count), or just the count.",
    fields: (t) => ({
      notification: t.field({
        type: NotificationRef,
        nullable: true,
        resolve: (m) => (m.kind === 'notification' ? m.notification : null),
      }),
      unreadCount: t.exposeInt('unreadCount'),
    }),
  });
  return { NotificationRef, NotificationConnectionRef, NotificationUpdateRef };
}

function inboxQueries(builder: Builder, { NotificationConnectionRef }: NotificationRefs): void {
  builder.queryFields((t) => ({
    notifications: t.field({
      type: NotificationConnectionRef,
      description: "The viewer's inbox across all organizations, newest first.",
      authScopes: { loggedIn: true },
      args: {
        first: t.arg.int({ required: false }),
        after: t.arg.string({ required: false }),
        unreadOnly: t.arg.boolean({ required: false }),
      },
      resolve: (_root, args, ctx) => notifications.listInbox(ctx.services, ctx.viewer, args, ctx.responseBudget),
    }),
    unreadNotificationCount: t.int({
      authScopes: { loggedIn: true },
      resolve: (_root, _args, ctx) => notifications.unreadCount(ctx.services, ctx.viewer),
    }),
  }));
}

function inboxMutations(builder: Builder, { NotificationRef }: NotificationRefs): void {
  const SendNotificationInput = builder.inputType('SendNotificationInput', {
    fields: (t) => ({
      orgId: t.id({ required: true }),
      userIds: t.idList({
        required: true,
        validate: z
          .array(z.string().min(1).max(128))
          .min(1, 'userIds needs at least one recipient')
          .max(100, 'at most 100 recipients per call'),
      }),
      title: t.string({
        required: true,
        validate: z.string().trim().min(1, 'title must not be empty').max(200, 'title is at most 200 characters'),
      }),
      body: t.string({ required: false, validate: z.string().max(2_000, 'body is at most 2000 characters') }),
      data: t.field({ type: 'JSON', required: false }),
    }),
  });
  builder.mutationFields((t) => ({
    sendNotification: t.field({
      type: [NotificationRef],
      description:
        'Delivers a notification to members of an organization (ADMIN or service). Other members never see it.',
      authScopes: { loggedIn: true },
      args: { input: t.arg({ type: SendNotificationInput, required: true }) },
      resolve: (_root, { input }, ctx) =>
        notifications.sendNotification(
          ctx.services,
          ctx.viewer,
          { ...input, orgId: String(input.orgId), userIds: input.userIds.map(String) },
          ctx.responseBudget,
        ),
    }),
    markNotificationsRead: t.int({
      description:
        "Marks the viewer's own notifications read; returns how many changed. Unknown ids refuse the whole call.",
      authScopes: { loggedIn: true },
      args: {
        ids: t.arg.idList({
          required: true,
          validate: z.array(z.string().max(128)).max(500, 'at most 500 ids per call'),
        }),
      },
      resolve: (_root, args, ctx) => notifications.markRead(ctx.services, ctx.viewer, args.ids.map(String)),
    }),
    markAllNotificationsRead: t.int({
      authScopes: { loggedIn: true },
      resolve: (_root, _args, ctx) => notifications.markRead(ctx.services, ctx.viewer, 'all'),
    }),
  }));
}
