import type { Services } from '../context.js';

export interface OrgStats {
  orgId: string;
  subscriptions: number;
  watchers: number;
  eventsPerSecond: number;
}

export interface ServerStats {
  instanceId: string;
  uptimeSeconds: number;
  wsConnections: number;
  /** Open SSE streams, both modes. */
  sseConnections: number;
  subscriptions: number;
  organizations: OrgStats[];
}

/** This instance's live figures (Query.serverStats; services only, checked by the field's scope). */
export function serverStats(services: Services): ServerStats {
  return {
    instanceId: services.instanceId,
    uptimeSeconds: Math.floor((Date.now() - services.startedAt) / 1000),
    ...connectionsOf(services),
    subscriptions: services.bus.stats().subscriptions,
    organizations: services.bus.orgStats(),
  };
}

function connectionsOf(services: Services) {
  const counts = services.metrics.figures?.connections();
  return { wsConnections: counts?.ws ?? 0, sseConnections: (counts?.sse ?? 0) + (counts?.['sse-single'] ?? 0) };
}
