import type { Session } from '../auth/session.js';
import { refreshSession } from '../domain/sessions.js';
import type { Builder } from './builder.js';

/** The credentials of an open connection: `Session` and `Mutation.refreshSession`. */
export function addSessionSchema(builder: Builder): void {
  const SessionRef = builder.objectRef<Session>('Session').implement({
    description: 'The credentials an open connection runs under.',
    fields: (t) => ({
      userId: t.id({ resolve: (s) => s.viewer?.userId ?? '' }),
      expiresAt: t.field({
        type: 'DateTime',
        nullable: true,
        resolve: (s) => (s.viewer?.expiresAt === undefined ? null : new Date(s.viewer.expiresAt * 1000)),
      }),
    }),
  });

  builder.mutationField('refreshSession', (t) =>
    t.field({
      type: SessionRef,
      description:
        'Sent over an open graphql-ws connection: replaces its token (same user) without reconnecting; every subscription on the connection continues under the new expiry.',
      authScopes: { loggedIn: true },
      args: { token: t.arg.string({ required: true, description: 'The new JWT, with or without "Bearer ".' }) },
      resolve: (_root, args, ctx) => refreshSession(ctx.services, ctx.session, args.token),
    }),
  );
}
