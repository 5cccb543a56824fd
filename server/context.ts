import type { GroupCommit } from './store/group-commit.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import { ResponseBudget } from './limits/response-budget.js';
import type { Logger } from './logger.js';
import type { Metrics } from './observability/metrics.js';
import type { Session } from './auth/session.js';
import type { TokenVerifier } from './auth/tokens.js';
import type { Viewer } from './auth/viewer.js';
import type { EventBus } from './realtime/event-bus.js';
import type { Presence } from './realtime/presence.js';
import type { Typing } from './realtime/typing.js';
import type { UserChannel } from './realtime/user-channel.js';
import type { Store } from './store/store.js';
import type { ResultSink } from './delivery.js';
import type { AppHooks } from './auth/app-hooks.js';
import type { ResumePoints } from './realtime/resume-points.js';
import type { ChannelRuleCache } from './realtime/channel-rule-cache.js';
import type { EventCatalog } from './catalog/catalog.js';
import type { InstanceCalls } from './realtime/instance-calls.js';
import type { InstanceQuestion, InstanceReply, LiveStats } from './realtime/instance-figures.js';
import type { SharedSamples } from './realtime/shared-samples.js';
import type { SubscriberRegistry } from './realtime/subscriber-registry.js';

/** Long-lived parts shared by every operation; built once by createApp. */
export interface Services {
  store: Store;
  bus: EventBus;
  /** Appends of clients' events, committed together per organization and published in order (group commit). */
  appender: GroupCommit;
  /** Each user's own live channel (new notifications, unread counts), across instances. */
  userChannel: UserChannel;
  presence: Presence;
  typing: Typing;
  verifier: TokenVerifier;
  /** The app's connect and subscribe endpoints, when configured (AUTH_CONNECT_URL, AUTH_SUBSCRIBE_URL). */
  hooks?: AppHooks;
  /** Events appended for a user, per user and organization (domain/publish.ts); services are exempt. */
  publishRate: RateLimiter;
  /** Events published with an organization API key, per key (domain/publish.ts). */
  apiKeyRate: RateLimiter;
  metrics: Metrics;
  /** This process among the instances sharing Redis. */
  instanceId: string;
  startedAt: number;
  log: Logger;
  limits: DomainLimits;
  /** The event types this server knows (built in and EVENTS_CATALOG): publishing validates against it. */
  catalog: EventCatalog;
  /** Where graphql-ws subscriptions lost with their connection resume (by user and operation id). */
  resumePoints: ResumePoints;
  /** Channel rules for publishing and history (live streams follow their feed's, in log order). */
  channelRules: ChannelRuleCache;
  /** This instance's live event streams, for the console (who is subscribed; ending a user's streams). */
  subscribers: SubscriberRegistry;
  /** Questions to every instance sharing the pub/sub (the console's figures, subscribers, ending streams). */
  instances: InstanceCalls<InstanceQuestion, InstanceReply>;
  /** The console's live figures, sampled once per period per organization watched here (or the whole server). */
  liveStats: SharedSamples<string | null, LiveStats>;
  /** Whether pub/sub spans instances and carries messages now. */
  redisState: () => 'memory' | 'up' | 'down';
}

/** The sizes and counts the domain rules enforce (the transports' limits live in Tuning and Config). */
export interface DomainLimits {
  /** Largest `payload` of a published event, serialized, in bytes. */
  maxPayloadBytes: number;
  /** Largest page of `Query.events`. */
  maxPageSize: number;
  /** Bytes of stored data (event payloads, notification data) one operation may return; see ResponseBudget. */
  maxResponseBytes: number;
  /** Organizations one user may own (services are exempt). */
  maxOrganizationsPerUser: number;
  /** Events in one publish batch (POST /v1/events, publishEvents). */
  maxBatchEvents: number;
}

/** One fresh object per operation, on every transport (HTTP, SSE, graphql-ws). */
export interface Context {
  /** The caller when the operation started (`session.viewer` may be refreshed later on graphql-ws). */
  viewer: Viewer | null;
  session: Session;
  services: Services;
  /** `Last-Event-ID` of a reconnecting SSE client: where its event stream resumes. */
  lastEventId?: string;
  /**
   * Where this operation's results go when its transport writes them itself (graphql-ws, both SSE modes).
   * A subscription's results are then handed straight to it (transport/fanout); without one they are
   * iterated through Yoga.
   */
  sink?: ResultSink;
  /**
   * What this operation may still return of stored data; fields that read payloads reserve from it before
   * reading. Live events are not charged: a subscription keeps one context for its whole life.
   */
  responseBudget: ResponseBudget;
  /** HTTP and SSE: the request's id (`x-request-id`); the operation's log lines carry it (operationLog). */
  requestId?: string;
}

export function createContext(
  services: Services,
  session: Session,
  extra: { lastEventId?: string; sink?: ResultSink; requestId?: string } = {},
): Context {
  return {
    viewer: session.viewer,
    session,
    services,
    lastEventId: extra.lastEventId,
    sink: extra.sink,
    responseBudget: new ResponseBudget(services.limits.maxResponseBytes),
    requestId: extra.requestId,
  };
}

/**
 * Where an operation logs: the server's log, its lines carrying `req` for an HTTP request's operation. Made when
 * a line is written (most operations write none), not kept in the context: envelop copies the context's
 * properties into its own object, so a lazy one there would be built for every operation.
 */
export const operationLog = (ctx: Pick<Context, 'services' | 'requestId'>): Logger =>
  ctx.requestId ? ctx.services.log.child({ req: ctx.requestId }) : ctx.services.log;
