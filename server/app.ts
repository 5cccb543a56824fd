import { type Server, createServer } from 'node:http';
import type { ChangeCapture } from './cdc/change-capture.js';
import type { OutboxConsumer } from './outbox/outbox-consumer.js';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultTokenLifetimeS, signToken } from './auth/tokens.js';
import type { Config } from './config.js';
import type { Services } from './context.js';
import { DEMO_USERS, seedDemo } from './domain/demo.js';
import { createSchema } from './schema/index.js';
import { createNameRecorder } from './domain/users.js';
import { type Logger, createLogger } from './logger.js';
import { type RunningServices, createServices } from './services.js';
import { SlotCounter } from './limits/slot-counter.js';
import { createHttpListener } from './transport/http/node-listener.js';
import { createHostPolicy } from './transport/http/host-policy.js';
import { createOriginPolicy } from './transport/http/origin-policy.js';
import { createEventStreams } from './transport/sse/event-streams.js';
import { Reservations } from './transport/sse/single/reservations.js';
import { attachGraphQLWs } from './transport/ws/attach.js';
import { createAuthenticator } from './transport/context-factory.js';
import { createPublishApiRoute } from './transport/http/publish-api-route.js';
import { GRAPHQL_ENDPOINT, PUBLISH_API_PATH, SINGLE_CONNECTION_ENDPOINT, createYogaServer } from './transport/yoga.js';
import { DEFAULT_TUNING, type Tuning, configuredTuning } from './tuning.js';

export { DEFAULT_TUNING, type Tuning } from './tuning.js';

export interface AppOptions {
  logger?: Logger;
  /** Overrides of the documented defaults (tests use small ones). */
  tuning?: Partial<Tuning>;
  /** The built dashboard; defaults to web/dist. */
  webDir?: string;
}

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
  /** The app's transactional outbox consumer, when OUTBOX_DATABASE_URL is set. */
  outbox?: OutboxConsumer;
  /** Change capture from the app database's WAL, when CDC_DATABASE_URL is set. */
  changeCapture?: ChangeCapture;
  start(): Promise<string>;
  stop(): Promise<void>;
}

/** Assembles the server from a config. Reads no environment; `main.ts` runs it, tests build it on port 0. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const log = options.logger ?? createLogger(config.logLevel);
  const tuning = { ...DEFAULT_TUNING, ...configuredTuning(config), ...options.tuning };
  const running = await createServices(config, tuning, log);
  const { services, secret } = running;
  const demoTokens = config.demo && secret ? await demoUsers(config, services, secret) : [];
  const transports = createTransports({
    config,
    tuning,
    running,
    log,
    demoTokens,
    webDir: options.webDir ?? join(projectRoot(), 'web', 'dist'),
  });
  services.metrics.observe({
    connections: transports.connections,
    subscriptions: () => services.bus.stats().subscriptions,
    organizations: () => services.bus.stats().organizations,
    redisUp: config.redis ? () => running.pubsub.isHealthy() : undefined,
  });

  let stopping: Promise<void> | undefined;
  return {
    services,
    secret,
    demoTokens,
    outbox: running.outbox,
    changeCapture: running.changeCapture,
    start: () => listen(transports.httpServer, config),
    stop() {
      stopping ??= transports.stop().then(() => running.close());
      return stopping;
    },
  };
}

/** Local development: the demo organization, and ready tokens for its users. */
async function demoUsers(config: Config, services: Services, secret: string): Promise<DemoToken[]> {
  await seedDemo(services);
  const claims = { issuer: config.auth.issuer, audience: config.auth.audience };
  const lifetime = `${defaultTokenLifetimeS(config.auth)}s`;
  return Promise.all(
    DEMO_USERS.map(async (u) => ({
      ...u,
      token: await signToken(secret, { sub: u.sub, name: u.name, ...claims }, lifetime),
    })),
  );
}

interface TransportDeps {
  config: Config;
  tuning: Tuning;
  running: RunningServices;
  log: Logger;
  demoTokens: DemoToken[];
  webDir: string;
}

/**
 * Every way in: Yoga (HTTP, both SSE modes) behind one Node listener, and graphql-ws on its upgrades. They share
 * the user's connection slots, the backpressure limits and the host and origin policies.
 */
function createTransports({ config, tuning, running, log, demoTokens, webDir }: TransportDeps) {
  const { services } = running;
  const isHostAllowed = createHostPolicy(config.allowedHosts);
  const isOriginAllowed = createOriginPolicy(config.corsOrigins, config.env === 'production', isHostAllowed);
  const recordName = createNameRecorder(services);
  // One connection slot per graphql-ws socket, distinct SSE request or single-connection stream of a user.
  const userSlots = new SlotCounter<string>(config.limits.connectionsPerUser);
  const sinkLimits = { maxPendingMessages: tuning.maxQueuePerSubscription, maxPendingBytes: tuning.maxPendingBytes };
  const reservations = new Reservations(userSlots, tuning.streamReservationTtlMs);
  const authenticate = createAuthenticator(services, services.verifier, recordName);
  const yoga = createYogaServer({
    config,
    schema: createSchema(config.catalog),
    tuning,
    services,
    pubsub: running.pubsub,
    userSlots,
    reservations,
    isOriginAllowed,
    onViewer: recordName,
    authenticate,
    graphiqlToken: demoTokens[0]?.token,
    demoTokens,
    webDir,
    readiness: [
      ...(running.outbox ? [{ name: 'outbox', check: async () => running.outbox?.healthy() ?? false }] : []),
      ...(running.changeCapture
        ? [{ name: 'changeCapture', check: async () => running.changeCapture?.healthy() ?? false }]
        : []),
    ],
  });
  const eventStreams = createEventStreams({
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    singleConnectionEndpoint: SINGLE_CONNECTION_ENDPOINT,
    pingMs: tuning.keepAliveMs,
    limits: sinkLimits,
  });
  const httpServer = createServer(
    createHttpListener(yoga, {
      maxBodyBytes: tuning.maxHttpBodyBytes,
      log,
      eventStreams,
      isHostAllowed,
      beforeYoga: createPublishApiRoute({ path: PUBLISH_API_PATH, services, authenticate }),
    }),
  );
  const ws = attachGraphQLWs({
    httpServer,
    yoga: yoga as never,
    verifier: services.verifier,
    log,
    path: GRAPHQL_ENDPOINT,
    isHostAllowed,
    isOriginAllowed,
    maxPayloadBytes: tuning.maxWsPayloadBytes,
    keepAliveMs: tuning.keepAliveMs,
    sinkLimits,
    onUserConnected: recordName,
    resumePoints: services.resumePoints,
    connections: userSlots,
    anonymousConnectionLimit: config.limits.anonymousConnections,
  });
  return {
    httpServer,
    connections: () => {
      const single = reservations.openStreams();
      return { ws: ws.connections(), sse: Math.max(0, eventStreams.open() - single), 'sse-single': single };
    },
    /**
     * Stop accepting first. Sockets are closed (1001) and SSE connections dropped rather than completed,
     * so that clients reconnect and resubscribe instead of treating their streams as finished.
     */
    async stop() {
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await ws.dispose();
      reservations.close();
      httpServer.closeAllConnections();
      await closed;
      await yoga.dispose();
    },
  };
}

/** Listens on the configured address; resolves with the URL to print. */
async function listen(httpServer: Server, config: Config): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;
  const host =
    config.host === '0.0.0.0' || config.host === '::'
      ? 'localhost'
      : config.host.includes(':')
        ? `[${config.host}]`
        : config.host;
  return `http://${host}:${port}`;
}

/**
 * The repository's root, from server/ (tsx, tests) or from dist/server/ (the build `npm start` runs).
 * Paths, not `new URL(relative, import.meta.url)`: under a DOM-like test environment URL is not Node's.
 */
function projectRoot(): string {
  const serverDir = dirname(fileURLToPath(import.meta.url));
  const parent = join(serverDir, '..');
  return basename(parent) === 'dist' ? join(parent, '..') : parent;
}
