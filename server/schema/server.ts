import { type OrgStats, type ServerStats, serverStats } from '../domain/server-stats.js';
import type { Builder } from './builder.js';

/** This instance's statistics, for services: `ServerStats` and `Query.serverStats`. */
export function addServerSchema(builder: Builder): void {
  const OrgStatsRef = builder.objectRef<OrgStats>('OrganizationStats').implement({
    fields: (t) => ({
      orgId: t.exposeID('orgId'),
      subscriptions: t.exposeInt('subscriptions', { description: 'Event subscriptions on this instance.' }),
      watchers: t.exposeInt('watchers', { description: 'Presence and typing subscriptions on this instance.' }),
      eventsPerSecond: t.exposeFloat('eventsPerSecond', {
        description: 'Events delivered to this instance, last 10 s.',
      }),
    }),
  });

  const ServerStatsRef = builder.objectRef<ServerStats>('ServerStats').implement({
    description: 'This instance only; scrape /metrics for Prometheus.',
    fields: (t) => ({
      instanceId: t.exposeID('instanceId'),
      uptimeSeconds: t.exposeInt('uptimeSeconds'),
      wsConnections: t.exposeInt('wsConnections'),
      sseConnections: t.exposeInt('sseConnections', { description: 'Open SSE streams, both modes.' }),
      subscriptions: t.exposeInt('subscriptions'),
      organizations: t.field({ type: [OrgStatsRef], resolve: (s) => s.organizations }),
    }),
  });

  builder.queryField('serverStats', (t) =>
    t.field({
      type: ServerStatsRef,
      description:
        'Connections, subscriptions and rates per organization on the instance that answers (services only).',
      authScopes: { service: true },
      resolve: (_root, _args, ctx) => serverStats(ctx.services),
    }),
  );
}
