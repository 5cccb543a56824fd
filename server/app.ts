import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signToken } from './auth/tokens.js';
import type { Config } from './config.js';
import type { Services } from './context.js';
import { DEMO_USERS, seedDemo } from './domain/demo.js';
import { createNameRecorder } from './domain/users.js';
import { type Logger, createLogger } from './logger.js';
import { createServices } from './services.js';
import { SlotCounter } from './transport/limits.js';
import { createHostPolicy } from './transport/host-policy.js';
import { createHttpListener } from './transport/node-http.js';
import { createOriginPolicy } from './transport/origin-policy.js';
import { attachGraphQLWs } from './transport/ws.js';
import { createYogaServer } from './transport/yoga.js';
import { DEFAULT_TUNING, type Tuning } from './tuning.js';

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
  start(): Promise<string>;
  stop(): Promise<void>;
}

/** Assembles the server from a config. Reads no environment; `main.ts` runs it, tests build it on port 0. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const log = options.logger ?? createLogger(config.logLevel);
  const tuning = { ...DEFAULT_TUNING, ...options.tuning };
  const running = await createServices(config, tuning, log);
  const { services, secret } = running;
  const demoTokens: DemoToken[] = [];
  if (config.demo && secret) {
    await seedDemo(services);
    const claims = { issuer: config.auth.issuer, audience: config.auth.audience };
    for (const u of DEMO_USERS) demoTokens.push({ ...u, token: await signToken(secret, { sub: u.sub, name: u.name, ...claims }) });
  }

  const isHostAllowed = createHostPolicy(config.allowedHosts);
  const isOriginAllowed = createOriginPolicy(config.corsOrigins, config.env === 'production', isHostAllowed);
  const recordName = createNameRecorder(services);
  const connections = new SlotCounter<string>(config.limits.connectionsPerUser);
  const yoga = createYogaServer({
    config,
    tuning,
    services,
    pubsub: running.pubsub,
    connections,
    isOriginAllowed,
    onViewer: recordName,
    graphiqlToken: demoTokens[0]?.token,
    demoTokens,
    webDir: options.webDir ?? join(projectRoot(), 'web', 'dist'),
  });
  const httpServer = createServer(createHttpListener(yoga, { maxBodyBytes: tuning.maxHttpBodyBytes, log, isHostAllowed }));
  const ws = attachGraphQLWs({
    httpServer,
    yoga: yoga as never,
    verifier: services.verifier,
    log,
    path: '/graphql',
    isHostAllowed,
    isOriginAllowed,
    maxPayloadBytes: tuning.maxWsPayloadBytes,
    keepAliveMs: tuning.keepAliveMs,
    maxPendingMessages: tuning.maxQueuePerSubscription,
    onUserConnected: recordName,
    connections,
    connectionLimit: config.limits.connectionsPerUser,
  });

  services.metrics.observe({
    wsConnections: ws.connections,
    subscriptions: () => services.bus.stats().subscriptions,
    organizations: () => services.bus.stats().organizations,
    redisUp: config.redis ? () => running.pubsub.isHealthy() : undefined,
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
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
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
        await yoga.dispose();
        await running.close();
      })();
      return stopping;
    },
  };
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
