import { AppHooks, withAppSignIn } from './auth/app-hooks.js';
import { createTokenVerifier, resolveSecret } from './auth/tokens.js';
import type { Config } from './config.js';
import type { DomainLimits, Services } from './context.js';
import { ChannelRuleCache } from './realtime/channel-rule-cache.js';
import { answerInstanceQuestion, sampleLiveStats } from './domain/console.js';
import { InstanceCalls } from './realtime/instance-calls.js';
import { SharedSamples } from './realtime/shared-samples.js';
import { isInstanceQuestion } from './realtime/instance-figures.js';
import { SubscriberRegistry } from './realtime/subscriber-registry.js';
import { listChannelRules } from './store/channel-rules.js';
import { GroupCommit } from './store/group-commit.js';
import { RateLimiter } from './limits/rate-limiter.js';
import type { Logger } from './logger.js';
import { Metrics } from './observability/metrics.js';
import { EventBus } from './realtime/event-bus.js';
import { createFeedLog } from './realtime/feed-log.js';
import { Presence } from './realtime/presence.js';
import { createMemoryPresenceRegistry, createRedisPresenceRegistry } from './realtime/presence-registry.js';
import { type PubSubBackend, createMemoryPubSub, createRedisPubSub } from './realtime/pubsub.js';
import { ChangeCapture } from './cdc/change-capture.js';
import { OutboxConsumer } from './outbox/outbox-consumer.js';
import { createMemoryResumePoints, createRedisResumePoints } from './realtime/resume-points.js';
import { Typing } from './realtime/typing.js';
import { UserChannel } from './realtime/user-channel.js';
import { newId } from './store/ids.js';
import { pruneEvents } from './store/retention.js';
import { type Store, createStore } from './store/store.js';
import type { Tuning } from './tuning.js';

export interface RunningServices {
  services: Services;
  /** The app's transactional outbox, consumed when OUTBOX_DATABASE_URL is set. */
  outbox?: OutboxConsumer;
  /** Change capture from the app database's WAL, when CDC_DATABASE_URL is set. */
  changeCapture?: ChangeCapture;
  pubsub: PubSubBackend;
  /** HS256 secret in use, when there is one (generated in local development). */
  secret?: string;
  close(): Promise<void>;
}

/** The long-lived parts: storage, pub/sub (memory or Redis), the event bus, presence, typing, auth. */
export async function createServices(config: Config, tuning: Tuning, log: Logger): Promise<RunningServices> {
  const store = await createStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onWarning: (message) => log.warn(message),
  });
  const pubsub = config.redis
    ? createRedisPubSub({
        topology: config.redis.topology,
        prefix: config.redis.prefix,
        onError: rateLimitedLog(log, 'redis'),
      })
    : createMemoryPubSub();
  const metrics = new Metrics();
  const instanceId = newId('inst');
  const warn = (what: string) => (err: unknown, context: string) => log.warn({ err }, `${what}: ${context}`);
  const hooks = config.hooks && new AppHooks(config.hooks, metrics.onHookCall);
  const bus = createEventBus(store, pubsub, tuning, log, metrics, hooks?.guardedChannels);
  const presence = createPresence(config, tuning, pubsub, instanceId, warn('presence'));
  const secret = resolveSecret(config.auth, config.dataDir);
  const appender = new GroupCommit(store, (events) => {
    for (const e of events) {
      bus.publish(e);
      metrics.onPublished();
    }
  });
  const services: Services = {
    store,
    bus,
    appender,
    userChannel: new UserChannel(pubsub, tuning.maxQueuePerSubscription),
    presence,
    typing: new Typing(pubsub, {
      expireMs: tuning.typingExpireMs,
      throttleMs: tuning.typingThrottleMs,
      maxQueue: tuning.maxQueuePerSubscription,
    }),
    verifier: hooks?.signsIn
      ? withAppSignIn(createTokenVerifier(config.auth, secret), hooks)
      : createTokenVerifier(config.auth, secret),
    hooks,
    ...publishBudgets(config, tuning),
    metrics,
    instanceId,
    startedAt: Date.now(),
    log,
    catalog: config.catalog,
    resumePoints:
      pubsub.commands && config.redis
        ? createRedisResumePoints(pubsub.commands, config.redis.prefix, tuning.resumeWindowMs)
        : createMemoryResumePoints(tuning.resumeWindowMs),
    channelRules: new ChannelRuleCache((orgId) => listChannelRules(store.db, orgId), hooks?.guardedChannels),
    limits: domainLimits(tuning),
    subscribers: new SubscriberRegistry(instanceId),
    // Answers read `services` when a question arrives, after this literal is complete.
    instances: new InstanceCalls(pubsub, instanceId, (q) => answerInstanceQuestion(services, q), isInstanceQuestion),
    liveStats: new SharedSamples((orgId) => sampleLiveStats(services, orgId), tuning.liveStatsEveryMs),
    redisState: () => (pubsub.kind === 'memory' ? 'memory' : pubsub.isHealthy() ? 'up' : 'down'),
  };

  const pruner = startRetention(store, config.retention, tuning.retentionIntervalMs, log);
  const outbox =
    config.outbox &&
    new OutboxConsumer(services, {
      ...config.outbox,
      onPublished: metrics.onOutboxPublished,
      onDeadLettered: metrics.onOutboxDeadLettered,
    });
  outbox?.start();
  const changeCapture =
    config.changeCapture &&
    new ChangeCapture(services, {
      ...config.changeCapture,
      onPublished: metrics.onCapturedPublished,
      onSkipped: metrics.onCapturedSkipped,
    });
  changeCapture?.start();
  if (changeCapture) metrics.observeSlotLag(() => changeCapture.lag);
  return {
    services,
    outbox,
    changeCapture,
    pubsub,
    secret,
    async close() {
      clearInterval(pruner);
      await outbox?.stop();
      await changeCapture?.stop();
      presence.close();
      services.instances.close();
      metrics.window.close();
      services.typing.close();
      services.userChannel.close();
      bus.close();
      await pubsub.close();
      await store.close();
    },
  };
}

function createEventBus(
  store: Store,
  pubsub: PubSubBackend,
  tuning: Tuning,
  log: Logger,
  metrics: Metrics,
  guardedChannels: ReadonlySet<string> = new Set(),
) {
  return new EventBus({
    pubsub,
    guardedChannels,
    log: createFeedLog(store),
    maxQueuePerSubscription: tuning.maxQueuePerSubscription,
    positionCheckMs: tuning.positionCheckMs,
    onError: (err, context) => log.warn({ err }, `event feed: ${context}`),
    onRewound: (orgId, fromSeq, toSeq) =>
      log.warn(
        { orgId, fromSeq, toSeq },
        'event log went back under live subscribers (a restored backup?): they were told to resync',
      ),
    observer: metrics,
    trace: log.isLevelEnabled('debug')
      ? (e, streams) =>
          log.debug({ orgId: e.orgId, seq: e.seq, type: e.type, channel: e.channel, streams }, 'event fanned out')
      : undefined,
  });
}

/** Events a user, and an organization's API key, may append per second (services are exempt). */
function publishBudgets(config: Config, tuning: Tuning): Pick<Services, 'publishRate' | 'apiKeyRate'> {
  const { publishesPerSecond, apiKeyEventsPerSecond } = config.limits;
  return {
    publishRate: new RateLimiter(publishesPerSecond, publishesPerSecond * 2),
    // A full batch must always be able to pass once the bucket is full: a cost above the burst never would.
    apiKeyRate: new RateLimiter(apiKeyEventsPerSecond, Math.max(apiKeyEventsPerSecond * 2, tuning.maxBatchEvents)),
  };
}

const domainLimits = (tuning: Tuning): DomainLimits => ({
  maxPayloadBytes: tuning.maxPayloadBytes,
  maxPageSize: tuning.maxPageSize,
  maxResponseBytes: tuning.maxResponseBytes,
  maxOrganizationsPerUser: tuning.maxOrganizationsPerUser,
  maxBatchEvents: tuning.maxBatchEvents,
});

function createPresence(
  config: Config,
  tuning: Tuning,
  pubsub: PubSubBackend,
  instanceId: string,
  onError: (err: unknown, context: string) => void,
): Presence {
  const registry =
    pubsub.commands && config.redis
      ? createRedisPresenceRegistry(pubsub.commands, config.redis.prefix)
      : createMemoryPresenceRegistry();
  return new Presence(pubsub, registry, {
    instanceId,
    ttlMs: config.presenceTtlMs,
    graceMs: tuning.presenceGraceMs,
    maxQueue: tuning.maxQueuePerSubscription,
    onError,
  });
}

/** Prunes every organization's log to the retention settings, in the background. */
function startRetention(store: Store, retention: Config['retention'], everyMs: number, log: Logger): NodeJS.Timeout {
  const pruner = setInterval(() => {
    pruneEvents(store, retention).then(
      (removed) => removed > 0 && log.info({ removed }, 'retention removed old events'),
      (err: unknown) => log.warn({ err }, 'retention run failed'),
    );
  }, everyMs);
  pruner.unref();
  return pruner;
}

/** Redis reconnect loops emit an error per attempt; log the first and then one a minute. */
function rateLimitedLog(log: Logger, what: string) {
  let last = 0;
  return (err: Error) => {
    const now = Date.now();
    if (now - last < 60_000) return;
    last = now;
    log.warn({ err: err.message }, `${what} unavailable; retrying in the background`);
  };
}
