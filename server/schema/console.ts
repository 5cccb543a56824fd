import { z } from 'zod';
import { sessionGuard } from '../auth/session.js';
import * as console from '../domain/console.js';
import type { InstanceFigures, LiveStats, TransportCounts } from '../realtime/instance-figures.js';
import type { LiveSubscriber } from '../realtime/subscriber-registry.js';
import type { Builder } from './builder.js';

const userIdSchema = z.string().min(1, 'userId must not be empty').max(128, 'userId is at most 128 characters');

/**
 * The operator console's view of the running instances: live figures (Subscription.liveStats), who is
 * subscribed (Query.subscribers) and ending a user's streams everywhere (Mutation.endSessions).
 */
export function addConsoleSchema(builder: Builder): void {
  const TransportCountsRef = builder.objectRef<TransportCounts>('TransportCounts').implement({
    description: 'Open streams by transport: graphql-ws, SSE (distinct connections), single-connection SSE.',
    fields: (t) => ({ ws: t.exposeInt('ws'), sse: t.exposeInt('sse'), sseSingle: t.exposeInt('sseSingle') }),
  });
  const InstanceFiguresRef = builder.objectRef<InstanceFigures>('InstanceFigures').implement({
    description:
      "One instance's last second (or every instance summed). For an organization only its own figures are set; the server-wide ones (null there) are for service tokens.",
    fields: (t) => ({
      instanceId: t.exposeID('instanceId', { description: '"all" for the sum of every instance.' }),
      uptimeSeconds: t.exposeInt('uptimeSeconds'),
      eventsPerSecond: t.exposeFloat('eventsPerSecond', {
        description: "Events the instance's organization feeds carried, per second over the last 10 s.",
      }),
      publishedPerSecond: t.exposeInt('publishedPerSecond', { nullable: true }),
      deliveredPerSecond: t.exposeInt('deliveredPerSecond', { nullable: true }),
      latencyP50Ms: t.exposeFloat('latencyP50Ms', {
        nullable: true,
        description: 'Commit → hand-over to subscribers; in the sum, the worst instance.',
      }),
      latencyP99Ms: t.exposeFloat('latencyP99Ms', { nullable: true }),
      cutoffs: t.exposeInt('cutoffs', { nullable: true, description: 'Slow subscribers cut off in the last second.' }),
      gapFills: t.exposeInt('gapFills', {
        nullable: true,
        description: 'Events read from the log because pub/sub lost them, in the last second.',
      }),
      redis: t.exposeString('redis', { nullable: true, description: '"memory" (one instance), "up" or "down".' }),
      connections: t.field({ type: TransportCountsRef, resolve: (f) => f.connections }),
      subscriptions: t.exposeInt('subscriptions'),
      watchers: t.exposeInt('watchers', { description: 'Presence and typing subscriptions.' }),
    }),
  });
  const LiveStatsRef = builder.objectRef<LiveStats>('LiveStats').implement({
    fields: (t) => ({
      at: t.field({ type: 'DateTime', resolve: (s) => new Date(s.at) }),
      orgId: t.exposeID('orgId', { nullable: true }),
      instances: t.field({ type: [InstanceFiguresRef], resolve: (s) => s.instances }),
      total: t.field({ type: InstanceFiguresRef, resolve: (s) => s.total }),
    }),
  });
  const SubscriberRef = builder.objectRef<LiveSubscriber>('Subscriber').implement({
    description: 'A live event stream of an organization, on one instance.',
    fields: (t) => ({
      id: t.exposeID('id', { description: 'Unique on its instance.' }),
      instanceId: t.exposeID('instanceId'),
      userId: t.exposeID('userId'),
      transport: t.exposeString('transport', { description: '"ws", "sse" or "sse-single".' }),
      channels: t.exposeStringList('channels'),
      types: t.exposeStringList('types'),
      subjectIds: t.exposeStringList('subjectIds'),
      since: t.field({ type: 'DateTime', resolve: (s) => new Date(s.since) }),
    }),
  });

  builder.subscriptionField('liveStats', (t) =>
    t.field({
      type: LiveStatsRef,
      description:
        "Every second, each instance's figures and their sum. With orgId, that organization's (ADMIN or service); without, the whole server's (services only).",
      authScopes: { loggedIn: true },
      args: { orgId: t.arg.id({ required: false }) },
      subscribe: (_root, args, ctx) =>
        console.subscribeLiveStats(
          ctx.services,
          ctx.viewer,
          args.orgId == null ? null : String(args.orgId),
          sessionGuard(ctx.session),
        ),
      resolve: (s) => s,
    }),
  );
  builder.queryField('subscribers', (t) =>
    t.field({
      type: [SubscriberRef],
      description:
        "The organization's live event streams on every instance (ADMIN or service; at most 500 per instance).",
      authScopes: { loggedIn: true },
      args: { orgId: t.arg.id({ required: true }) },
      resolve: (_root, args, ctx) => console.listSubscribers(ctx.services, ctx.viewer, String(args.orgId)),
    }),
  );
  builder.mutationField('endSessions', (t) =>
    t.int({
      description:
        "Ends a user's live event streams in the organization on every instance (ADMIN or service); returns how many ended. They may subscribe again: to keep them out, remove them.",
      authScopes: { loggedIn: true },
      args: {
        orgId: t.arg.id({ required: true }),
        userId: t.arg.id({ required: true, validate: userIdSchema }),
      },
      resolve: (_root, args, ctx) =>
        console.endSessions(ctx.services, ctx.viewer, String(args.orgId), String(args.userId)),
    }),
  );
}
