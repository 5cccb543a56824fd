import type { Context } from '../context.js';
import { builder } from './builder.js';

interface OrgStats {
  orgId: string;
  subscriptions: number;
  watchers: number;
  eventsPerSecond: number;
}

interface ServerStats {
  instanceId: string;
  uptimeSeconds: number;
  wsConnections: number;
  subscriptions: number;
  organizations: OrgStats[];
}

const OrgStatsRef = builder.objectRef<OrgStats>('OrganizationStats').implement({
  fields: (t) => ({
    orgId: t.exposeID('orgId'),
    subscriptions: t.exposeInt('subscriptions', { description: 'Event subscriptions on this instance.' }),
    watchers: t.exposeInt('watchers', { description: 'Presence and typing subscriptions on this instance.' }),
    eventsPerSecond: t.exposeFloat('eventsPerSecond', { description: 'Events delivered to this instance, last 10 s.' }),
  }),
});

const ServerStatsRef = builder.objectRef<ServerStats>('ServerStats').implement({
  description: 'This instance only; scrape /metrics for Prometheus.',
  fields: (t) => ({
    instanceId: t.exposeID('instanceId'),
    uptimeSeconds: t.exposeInt('uptimeSeconds'),
    wsConnections: t.exposeInt('wsConnections'),
    subscriptions: t.exposeInt('subscriptions'),
    organizations: t.field({ type: [OrgStatsRef], resolve: (s) => s.organizations }),
  }),
});

const statsOf = ({ services }: Context): ServerStats => ({
  instanceId: services.instanceId,
  uptimeSeconds: Math.floor((Date.now() - services.startedAt) / 1000),
  wsConnections: services.metrics.figures?.wsConnections() ?? 0,
  subscriptions: services.bus.stats().subscriptions,
  organizations: services.bus.orgStats(),
});

builder.queryField('serverStats', (t) =>
  t.field({
    type: ServerStatsRef,
    description: 'Connections, subscriptions and rates per organization on the instance that answers (services only).',
    authScopes: { service: true },
    resolve: (_root, _args, ctx) => statsOf(ctx),
  }),
);
