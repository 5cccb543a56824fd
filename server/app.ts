import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga } from 'graphql-yoga';
import { createTokenVerifier, parseBearer, resolveSecret, signToken } from './auth/tokens.js';
import type { Config } from './config.js';
import type { Limits, Services } from './context.js';
import { DEMO_USERS, seedDemo } from './domain/demo.js';
import { RateLimiter } from './domain/rate-limiter.js';
import { createNameRecorder } from './domain/users.js';
import { type Logger, createLogger } from './logger.js';
import { EventBus } from './realtime/event-bus.js';
import { createFeedLog } from './realtime/feed-log.js';
import { Presence } from './realtime/presence.js';
import { createMemoryPresenceRegistry, createRedisPresenceRegistry } from './realtime/presence-registry.js';
import { Typing } from './realtime/typing.js';
import { UserChannel } from './realtime/user-channel.js';
import { type PubSubBackend, createMemoryPubSub, createRedisPubSub } from './realtime/pubsub.js';
import { schema } from './schema/index.js';
import { newId } from './store/ids.js';
import { pruneEvents } from './store/retention.js';
import { createStore } from './store/store.js';
import { createContextFactory } from './transport/context-factory.js';
import { graphiqlOptions } from './transport/graphiql.js';
import { useReadiness, useSseHeaders } from './transport/http-plugins.js';
import { useSseResults } from './transport/sse-results.js';
import { useEventCursor } from './transport/use-event-cursor.js';
import { createOriginPolicy } from './transport/origin-policy.js';
import { protections } from './transport/protections.js';
import { useSingleConnectionSse } from './transport/sse.js';
import { useStreamErrors } from './transport/use-stream-errors.js';
import { SlotCounter, useSubscriptionLimits } from './transport/limits.js';
import { attachGraphQLWs } from './transport/ws.js';

export interface AppOptions {
  logger?: Logger;
  /** Overrides of the documented defaults (tests use small ones). */
  tuning?: Partial<Tuning>;
}

export interface Tuning extends Limits {
  maxHttpBodyBytes: number;
  maxWsPayloadBytes: number;
  keepAliveMs: number;
  maxQueuePerSubscription: number;
  positionCheckMs: number;
  retentionIntervalMs: number;
  presenceGraceMs: number;
  typingExpireMs: number;
  typingThrottleMs: number;
  query: { maxDepth: number; maxAliases: number; maxTokens: number; maxCost: number; maxDirectives: number };
}

export const DEFAULT_TUNING: Tuning = {
  maxPayloadBytes: 32 * 1024,
  maxPageSize: 500,
  maxHttpBodyBytes: 1024 * 1024,
  maxWsPayloadBytes: 64 * 1024,
  keepAliveMs: 12_000,
  maxQueuePerSubscription: 1_000,
  positionCheckMs: 5_000,
  retentionIntervalMs: 60_000,
  presenceGraceMs: 2_000,
  typingExpireMs: 5_000,
  typingThrottleMs: 1_000,
  query: { maxDepth: 10, maxAliases: 15, maxTokens: 2_000, maxCost: 5_000, maxDirectives: 20 },
};

export interface DemoToken {
  sub: string;
  name: string;
  role: string;
  token: string;
}

export interface App {
  services: Services;
  /** HS256 secret in use (generated in development), for minting demo tokens. */
  secret?: string;
  /** Ready tokens for the seeded demo users (local development only). */
  demoTokens: DemoToken[];
  start(): Promise<string>;
  stop(): Promise<void>;
}

/** Assembles the server from a config. Reads no environment; `main.ts` runs it, tests build it on port 0. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const log = options.logger ?? createLogger(config.logLevel);
  const tuning = { ...DEFAULT_TUNING, ...options.tuning };
  const store = await createStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const pubsub: PubSubBackend = config.redis
    ? createRedisPubSub({ ...config.redis, onError: rateLimitedLog(log, 'redis') })
    : createMemoryPubSub();
  const bus = new EventBus({
    pubsub,
    log: createFeedLog(store),
    maxQueuePerSubscription: tuning.maxQueuePerSubscription,
    positionCheckMs: tuning.positionCheckMs,
    onError: (err, context) => log.warn({ err }, `event feed: ${context}`),
  });
  const users = new UserChannel(pubsub, tuning.maxQueuePerSubscription);
  const secret = resolveSecret(config.auth, config.dataDir);
  const verifier = createTokenVerifier(config.auth, secret);
  const presence = new Presence(
    pubsub,
    pubsub.commands && config.redis ? createRedisPresenceRegistry(pubsub.commands, config.redis.prefix) : createMemoryPresenceRegistry(),
    {
      instanceId: newId('inst'),
      ttlMs: config.presenceTtlMs,
      graceMs: tuning.presenceGraceMs,
      maxQueue: tuning.maxQueuePerSubscription,
      onError: (err, context) => log.warn({ err }, `presence: ${context}`),
    },
  );
  const typing = new Typing(pubsub, { expireMs: tuning.typingExpireMs, throttleMs: tuning.typingThrottleMs, maxQueue: tuning.maxQueuePerSubscription });
  const publishRate = new RateLimiter(config.limits.publishesPerSecond, config.limits.publishesPerSecond * 2);
  const services: Services = { store, bus, users, presence, typing, verifier, publishRate, log, limits: tuning };
  const connections = new SlotCounter<string>(config.limits.connectionsPerUser);
  const demoTokens: DemoToken[] = [];
  if (config.demo && secret) {
    await seedDemo(services);
    for (const u of DEMO_USERS) demoTokens.push({ ...u, token: await signToken(secret, { sub: u.sub, name: u.name, issuer: config.auth.issuer, audience: config.auth.audience }) });
  }

  const pruner = setInterval(() => {
    pruneEvents(store.db, config.retention).then(
      (removed) => removed > 0 && log.info({ removed }, 'retention removed old events'),
      (err: unknown) => log.warn({ err }, 'retention run failed'),
    );
  }, tuning.retentionIntervalMs);
  pruner.unref();

  const isOriginAllowed = createOriginPolicy(config.corsOrigins, config.env === 'production');
  const recordName = createNameRecorder(services);
  const yoga = createYoga({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    logging: false,
    context: createContextFactory(services, verifier, recordName),
    graphiql: config.graphiql ? graphiqlOptions(demoTokens[0]?.token) : false,
    // GraphiQL's assets bundled in the package: the stock page loads them from a CDN, which an offline
    // or firewalled machine cannot reach.
    renderGraphiQL,
    cors: (request) => {
      const origin = request.headers.get('origin') ?? undefined;
      const allowed = isOriginAllowed(origin, request.headers.get('host') ?? undefined);
      // Bearer tokens, no cookies: credentials are never needed.
      return allowed && origin ? { origin: [origin], credentials: false, maxAge: 600 } : false;
    },
    maskedErrors: {
      maskError(error: unknown) {
        const graphqlError = error instanceof GraphQLError ? error : undefined;
        const original = graphqlError ? graphqlError.originalError : error;
        if (graphqlError && (!original || original instanceof GraphQLError)) return graphqlError;
        log.error({ err: original ?? error }, 'unexpected error');
        return new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL' }, path: graphqlError?.path });
      },
    },
    plugins: [
      ...protections({ introspection: config.introspection, hideSuggestions: !config.introspection, ...tuning.query }),
      useSubscriptionLimits(config.limits, connections),
      useStreamErrors(),
      useEventCursor(),
      useSseResults({ pingMs: tuning.keepAliveMs }),
      useSseHeaders(),
      useSingleConnectionSse({
        endpoint: '/graphql/stream',
        isAuthenticated: async (request) => {
          const token = parseBearer(request.headers.get('authorization'));
          return token !== undefined && (await verifier.verify(token)).ok;
        },
      }),
      useReadiness('/ready', [
        { name: 'storage', check: () => store.ping().then(() => true) },
        ...(config.redis ? [{ name: 'redis', check: async () => pubsub.isHealthy() }] : []),
      ]),
    ],
  });

  const httpServer = createServer((req, res) => {
    if (refuseOversizedBody(req, res, tuning.maxHttpBodyBytes)) return;
    void yoga(req, res);
  });
  const ws = attachGraphQLWs({
    httpServer,
    yoga: yoga as never,
    verifier,
    log,
    path: '/graphql',
    isOriginAllowed,
    maxPayloadBytes: tuning.maxWsPayloadBytes,
    keepAliveMs: tuning.keepAliveMs,
    onUserConnected: recordName,
    connections,
    connectionLimit: config.limits.connectionsPerUser,
  });

  let stopping: Promise<void> | undefined;
  return {
    services,
    secret,
    demoTokens,
    async start() {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      const { port } = httpServer.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      return `http://${host}:${port}`;
    },
    stop() {
      // Stop accepting first. Sockets are closed (1001) and SSE connections dropped rather than completed,
      // so that clients reconnect and resubscribe instead of treating their streams as finished.
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        await ws.dispose();
        httpServer.closeAllConnections();
        await closed;
        clearInterval(pruner);
        presence.close();
        bus.close();
        await yoga.dispose();
        await pubsub.close();
        await store.close();
      })();
      return stopping;
    },
  };
}

function refuseOversizedBody(req: IncomingMessage, res: ServerResponse, max: number): boolean {
  const length = req.headers['content-length'];
  const chunked = length === undefined && req.headers['transfer-encoding'] !== undefined;
  const tooLarge = length !== undefined && Number(length) > max;
  if (!chunked && !tooLarge) return false;
  const [status, message] = tooLarge
    ? [413, `Request body is ${length} bytes; the limit is ${max} bytes.`]
    : [411, 'Send a Content-Length header; chunked request bodies are not accepted.'];
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] }));
  req.resume();
  return true;
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
