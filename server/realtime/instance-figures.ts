import type { LiveSubscriber } from './subscriber-registry.js';

/** What the console asks every instance (through Services.instances; answered in domain/console.ts). */
export type InstanceQuestion =
  | { kind: 'figures'; orgId: string | null }
  | { kind: 'subscribers'; orgId: string }
  | { kind: 'end-sessions'; orgId: string; userId: string };

export type InstanceReply = InstanceFigures | LiveSubscriber[] | number;

export const isInstanceQuestion = (q: unknown): q is InstanceQuestion => {
  const m = q as Partial<Record<string, unknown>> | null;
  if (typeof m !== 'object' || m === null) return false;
  if (m.kind === 'figures') return m.orgId === null || typeof m.orgId === 'string';
  if (m.kind === 'subscribers') return typeof m.orgId === 'string';
  return m.kind === 'end-sessions' && typeof m.orgId === 'string' && typeof m.userId === 'string';
};

export interface TransportCounts {
  ws: number;
  sse: number;
  sseSingle: number;
}

/**
 * One instance's last second. For an organization (orgId set), only what is the organization's own: its
 * subscriptions and watchers, the events its feed carried, its streams by transport; the server-wide figures
 * (published, delivered, latency, cut-offs, gap fills, Redis) are null there, and shown to services only.
 */
export interface InstanceFigures {
  instanceId: string;
  uptimeSeconds: number;
  eventsPerSecond: number;
  publishedPerSecond: number | null;
  deliveredPerSecond: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  cutoffs: number | null;
  gapFills: number | null;
  redis: 'memory' | 'up' | 'down' | null;
  connections: TransportCounts;
  subscriptions: number;
  watchers: number;
}

export interface LiveStats {
  at: number;
  orgId: string | null;
  instances: InstanceFigures[];
  /** Every instance summed; latency is the worst instance's. */
  total: InstanceFigures;
}
