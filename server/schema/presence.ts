import { z } from 'zod';
import { sessionGuard } from '../auth/session.js';
import * as presence from '../domain/presence.js';
import type { PresenceUpdate, PresenceUser } from '../realtime/presence.js';
import type { TypingState, TypingUser } from '../realtime/typing.js';
import type { Builder } from './builder.js';

const roomSchema = z.string().min(1, 'room must not be empty').max(100, 'room is at most 100 characters');

/** Who is online and who is typing: their types, the presence query, setTyping and both subscriptions. */
export function addPresenceSchema(builder: Builder): void {
  const refs = presenceTypes(builder);
  presenceFields(builder, refs);
}

function presenceTypes(builder: Builder) {
  const PresenceUserRef = builder.objectRef<PresenceUser>('PresenceUser').implement({
    fields: (t) => ({ userId: t.exposeID('userId'), name: t.exposeString('name', { nullable: true }) }),
  });
  const PresenceKind = builder.enumType('PresenceUpdateKind', { values: ['SNAPSHOT', 'JOIN', 'LEAVE'] as const });
  const PresenceUpdateRef = builder.objectRef<PresenceUpdate>('PresenceUpdate').implement({
    description: 'The first update is a SNAPSHOT; then one per JOIN or LEAVE, each with the full list after it.',
    fields: (t) => ({
      orgId: t.exposeID('orgId'),
      kind: t.field({ type: PresenceKind, resolve: (u) => u.kind }),
      user: t.field({ type: PresenceUserRef, nullable: true, resolve: (u) => u.user }),
      users: t.field({ type: [PresenceUserRef], resolve: (u) => u.users }),
    }),
  });
  const TypingUserRef = builder.objectRef<TypingUser>('TypingUser').implement({
    fields: (t) => ({ userId: t.exposeID('userId'), name: t.exposeString('name', { nullable: true }) }),
  });
  const TypingStateRef = builder.objectRef<TypingState>('TypingState').implement({
    description:
      'Who is typing in a room now. Sent on every change; a typer vanishes about 5 s after their last setTyping.',
    fields: (t) => ({
      orgId: t.exposeID('orgId'),
      room: t.exposeString('room'),
      users: t.field({ type: [TypingUserRef], resolve: (s) => s.users }),
    }),
  });
  return { PresenceUserRef, PresenceUpdateRef, TypingStateRef };
}

function presenceFields(
  builder: Builder,
  { PresenceUserRef, PresenceUpdateRef, TypingStateRef }: ReturnType<typeof presenceTypes>,
): void {
  builder.queryField('presence', (t) =>
    t.field({
      type: [PresenceUserRef],
      description: 'Who is online in the organization, on every instance.',
      authScopes: { loggedIn: true },
      args: { orgId: t.arg.id({ required: true }) },
      resolve: (_root, args, ctx) => presence.whoIsOnline(ctx.services, ctx.viewer, String(args.orgId)),
    }),
  );

  builder.mutationField('setTyping', (t) =>
    t.boolean({
      description:
        'Says the viewer is (or stopped) typing in a room. Ephemeral, never stored; repeat about every 2 s while typing.',
      authScopes: { loggedIn: true },
      args: {
        orgId: t.arg.id({ required: true }),
        room: t.arg.string({ required: true, validate: roomSchema }),
        typing: t.arg.boolean({ required: true }),
      },
      resolve: (_root, args, ctx) =>
        presence.setTyping(ctx.services, ctx.viewer, String(args.orgId), args.room, args.typing),
    }),
  );

  builder.subscriptionFields((t) => ({
    presence: t.field({
      type: PresenceUpdateRef,
      description:
        'Who is online in the organization: a snapshot, then joins and leaves. Subscribing makes the viewer online too.',
      authScopes: { loggedIn: true },
      args: { orgId: t.arg.id({ required: true }) },
      subscribe: (_root, args, ctx) =>
        presence.subscribePresence(ctx.services, ctx.viewer, String(args.orgId), sessionGuard(ctx.session)),
      resolve: (u) => u,
    }),
    typing: t.field({
      type: TypingStateRef,
      description: 'Who is typing in one room of the organization; starts with the current state.',
      authScopes: { loggedIn: true },
      args: { orgId: t.arg.id({ required: true }), room: t.arg.string({ required: true, validate: roomSchema }) },
      subscribe: (_root, args, ctx) =>
        presence.subscribeTyping(ctx.services, ctx.viewer, String(args.orgId), args.room, sessionGuard(ctx.session)),
      resolve: (s) => s,
    }),
  }));
}
