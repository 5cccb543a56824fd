import { requireOrgAccess, requireViewer } from '../auth/access.js';
import type { Session, StreamGuard } from '../auth/session.js';
import type { Viewer } from '../auth/viewer.js';
import type { Services } from '../context.js';
import { forbidden, sessionsEnded } from '../errors.js';
import type { InstanceFigures, InstanceQuestion, InstanceReply, LiveStats } from '../realtime/instance-figures.js';
import type { InstanceAnswer } from '../realtime/instance-calls.js';
import { PushStream } from '../realtime/push-stream.js';
import type { LiveSubscriber, SubscriberTransport } from '../realtime/subscriber-registry.js';
import { serverStats } from './server-stats.js';

/** Subscribers one instance lists per organization and call: a console page, not an export. */
const MAX_LISTED = 500;

/** This instance's answer to the console's questions. */
export function answerInstanceQuestion(services: Services, q: InstanceQuestion): InstanceReply {
  switch (q.kind) {
    case 'figures':
      return q.orgId === null ? serverFigures(services) : orgFigures(services, q.orgId);
    case 'subscribers':
      return services.subscribers.inOrg(q.orgId, MAX_LISTED);
    case 'end-sessions':
      return services.subscribers.endStreamsOf(q.orgId, q.userId, sessionsEnded(q.orgId));
  }
}

function serverFigures(services: Services): InstanceFigures {
  const stats = serverStats(services);
  const second = services.metrics.window.lastSecond();
  const counts = services.metrics.figures?.connections();
  const feeds = stats.organizations; // read once: serverStats walked every feed already
  return {
    instanceId: services.instanceId,
    uptimeSeconds: stats.uptimeSeconds,
    eventsPerSecond: feeds.reduce((sum, o) => sum + o.eventsPerSecond, 0),
    publishedPerSecond: second.published,
    deliveredPerSecond: second.delivered,
    latencyP50Ms: second.latencyP50Ms,
    latencyP99Ms: second.latencyP99Ms,
    cutoffs: second.cutoffs,
    gapFills: second.gapFills,
    redis: services.redisState(),
    connections: { ws: counts?.ws ?? 0, sse: counts?.sse ?? 0, sseSingle: counts?.['sse-single'] ?? 0 },
    subscriptions: stats.subscriptions,
    watchers: feeds.reduce((sum, o) => sum + o.watchers, 0),
  };
}

function orgFigures(services: Services, orgId: string): InstanceFigures {
  const feed = services.bus.orgStats().find((o) => o.orgId === orgId);
  const counts = services.subscribers.countsIn(orgId);
  return {
    instanceId: services.instanceId,
    uptimeSeconds: Math.floor((Date.now() - services.startedAt) / 1000),
    eventsPerSecond: feed?.eventsPerSecond ?? 0,
    publishedPerSecond: null,
    deliveredPerSecond: null,
    latencyP50Ms: null,
    latencyP99Ms: null,
    cutoffs: null,
    gapFills: null,
    redis: null,
    connections: { ws: counts.ws, sse: counts.sse, sseSingle: counts['sse-single'] },
    subscriptions: feed?.subscriptions ?? 0,
    watchers: feed?.watchers ?? 0,
  };
}

/** Who may watch what: an organization's figures need ADMIN there (or a service); the whole server, a service. */
async function requireConsole(services: Services, viewer: Viewer | null, orgId: string | null, action: string) {
  if (orgId !== null) return requireOrgAccess(services.store, viewer, orgId, 'ADMIN', action);
  const v = requireViewer(viewer);
  if (!v.isService) throw forbidden('Server-wide figures are for service tokens; give orgId for your organization.');
  return { viewer: v };
}

/**
 * A sample every second, from every instance, until the subscriber leaves or loses the right to watch. The
 * sampling is shared by everyone on this instance watching the same organization (services.liveStats).
 */
export async function subscribeLiveStats(
  services: Services,
  viewer: Viewer | null,
  orgId: string | null,
  guard?: StreamGuard,
): Promise<PushStream<LiveStats>> {
  await requireConsole(services, viewer, orgId, 'watch its live figures');
  const stream = new PushStream<LiveStats>({ maxQueue: 5, guard });
  let checking = false;
  const push = (sample: LiveStats) => {
    if (!stream.isEnded) stream.push(sample);
  };
  const stop = services.liveStats.watch(orgId, {
    onSample(sample) {
      if (orgId === null) return push(sample);
      // A demoted administrator stops receiving at the next sample (one check at a time per watcher).
      if (checking) return;
      checking = true;
      requireConsole(services, viewer, orgId, 'watch its live figures')
        .then(
          () => push(sample),
          (err: unknown) => stream.fail(err),
        )
        .finally(() => (checking = false));
    },
    onError: (err) => stream.fail(err),
  });
  stream.whenEnded(stop);
  return stream;
}

/** One sample of `orgId`'s figures (or the whole server's), from every instance, summed. */
export async function sampleLiveStats(services: Services, orgId: string | null): Promise<LiveStats> {
  const answers = await services.instances.askAll({ kind: 'figures', orgId });
  return liveStatsOf(orgId, answers as Array<InstanceAnswer<InstanceFigures>>);
}

function liveStatsOf(orgId: string | null, answers: Array<InstanceAnswer<InstanceFigures>>): LiveStats {
  const instances = answers.map((a) => a.answer);
  const sum = (pick: (f: InstanceFigures) => number | null) => {
    const values = instances.map(pick).filter((v): v is number => v !== null);
    return values.length ? values.reduce((a, b) => a + b, 0) : null;
  };
  const worst = (pick: (f: InstanceFigures) => number | null) => {
    const values = instances.map(pick).filter((v): v is number => v !== null);
    return values.length ? Math.max(...values) : null;
  };
  const redis = instances.map((f) => f.redis);
  return {
    at: Date.now(),
    orgId,
    instances,
    total: {
      instanceId: 'all',
      uptimeSeconds: worst((f) => f.uptimeSeconds) ?? 0,
      eventsPerSecond: sum((f) => f.eventsPerSecond) ?? 0,
      publishedPerSecond: sum((f) => f.publishedPerSecond),
      deliveredPerSecond: sum((f) => f.deliveredPerSecond),
      latencyP50Ms: worst((f) => f.latencyP50Ms),
      latencyP99Ms: worst((f) => f.latencyP99Ms),
      cutoffs: sum((f) => f.cutoffs),
      gapFills: sum((f) => f.gapFills),
      redis: redis.includes('down') ? 'down' : (redis.find((r) => r !== null) ?? null),
      connections: {
        ws: sum((f) => f.connections.ws) ?? 0,
        sse: sum((f) => f.connections.sse) ?? 0,
        sseSingle: sum((f) => f.connections.sseSingle) ?? 0,
      },
      subscriptions: sum((f) => f.subscriptions) ?? 0,
      watchers: sum((f) => f.watchers) ?? 0,
    },
  };
}

/** The organization's live event streams on every instance (ADMIN or service). */
export async function listSubscribers(
  services: Services,
  viewer: Viewer | null,
  orgId: string,
): Promise<LiveSubscriber[]> {
  await requireConsole(services, viewer, orgId, 'see its subscribers');
  const answers = await services.instances.askAll({ kind: 'subscribers', orgId });
  return answers.flatMap((a) => (Array.isArray(a.answer) ? (a.answer as LiveSubscriber[]) : []));
}

/**
 * Ends a user's live event streams in the organization on every instance (ADMIN or service); returns how
 * many ended. The user may subscribe again: to keep them out, remove them from the organization.
 */
export async function endSessions(
  services: Services,
  viewer: Viewer | null,
  orgId: string,
  userId: string,
): Promise<number> {
  await requireConsole(services, viewer, orgId, "end its members' streams");
  const answers = await services.instances.askAll({ kind: 'end-sessions', orgId, userId });
  const ended = answers.reduce((sum, a) => sum + (typeof a.answer === 'number' ? a.answer : 0), 0);
  services.log.info({ orgId, userId, ended, by: viewer?.userId }, 'streams ended by an administrator');
  return ended;
}

/** The registry's name for the transport a session's subscription runs over. */
export const subscriberTransportOf = (session: Session): SubscriberTransport =>
  session.transport === 'ws' ? 'ws' : session.transport === 'sse' ? 'sse-single' : 'sse';
