import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga } from 'graphql-yoga';
import type { Viewer } from '../auth/viewer.js';
import { parseBearer } from '../auth/tokens.js';
import type { Config } from '../config.js';
import { createErrorMasker } from '../errors.js';
import type { Services } from '../context.js';
import type { PubSubBackend } from '../realtime/pubsub.js';
import { schema } from '../schema/index.js';
import type { Tuning } from '../tuning.js';
import { createContextFactory } from './context-factory.js';
import { graphiqlOptions } from './graphiql.js';
import { isLocalRequest, nodeRequestOf } from './local-request.js';
import { useMetricsEndpoint, useReadiness, useRequestId, useSseHeaders } from './http-plugins.js';
import { type SlotCounter, useSubscriptionLimits } from './limits.js';
import { protections } from './protections.js';
import { useSingleConnectionSse } from './sse.js';
import { useSseResults } from './sse-results.js';
import { useSharedEventResults } from './use-shared-event-results.js';
import { useStreamErrors } from './use-stream-errors.js';
import { useDemoTokens, useWebApp } from './web-app.js';

export interface YogaOptions {
  config: Config;
  tuning: Tuning;
  services: Services;
  pubsub: PubSubBackend;
  connections: SlotCounter<string>;
  isOriginAllowed: (origin: string | undefined, host: string | undefined) => boolean;
  onViewer: (viewer: Viewer) => void;
  /** Put in GraphiQL's Headers tab for a browser on this machine only (transport/local-request.ts). */
  graphiqlToken?: string;
  /** Local development: demo tokens for the dashboard's sign-in (none in production). */
  demoTokens: Array<{ sub: string; name: string; role: string; token: string }>;
  /** Where the built dashboard lives. */
  webDir: string;
}

/** Yoga with the schema, one context factory, and the plugins every transport goes through. */
export function createYogaServer(o: YogaOptions) {
  const { config, tuning, services } = o;
  const maskError = createErrorMasker(services.log);
  return createYoga({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    // transport/node-http.ts refuses bodies over the limit by their Content-Length, and chunked ones, before
    // Yoga. Yoga's own check pipes every request body through a TransformStream, which an open SSE response
    // keeps alive.
    maxRequestBodySize: false,
    logging: false,
    context: createContextFactory(services, services.verifier, o.onViewer),
    graphiql: config.graphiql
      ? (request, serverContext) => graphiqlOptions(isLocalRequest(nodeRequestOf(serverContext), request.headers.get('host') ?? undefined) ? o.graphiqlToken : undefined)
      : false,
    // GraphiQL's assets bundled in the package: the stock page loads them from a CDN, which an offline
    // or firewalled machine cannot reach.
    renderGraphiQL,
    cors: (request) => {
      const origin = request.headers.get('origin') ?? undefined;
      const allowed = o.isOriginAllowed(origin, request.headers.get('host') ?? undefined);
      // Bearer tokens, no cookies: credentials are never needed.
      return allowed && origin ? { origin: [origin], credentials: false, maxAge: 600 } : false;
    },
    maskedErrors: { maskError },
    plugins: [
      useRequestId(),
      ...protections({ introspection: config.introspection, hideSuggestions: !config.introspection, ...tuning.query }),
      useSubscriptionLimits(config.limits, o.connections),
      useStreamErrors(),
      useSharedEventResults({ maskError }),
      useSseResults({ endpoint: '/graphql', pingMs: tuning.keepAliveMs, maxPending: tuning.maxQueuePerSubscription }),
      useSseHeaders(),
      useSingleConnectionSse({
        endpoint: '/graphql/stream',
        maxBacklog: 100,
        isAuthenticated: async (request) => {
          const token = parseBearer(request.headers.get('authorization'));
          return token !== undefined && (await services.verifier.verify(token)).ok;
        },
      }),
      ...(o.demoTokens.length > 0 ? [useDemoTokens(o.demoTokens)] : []),
      useMetricsEndpoint('/metrics', services.metrics.registry),
      useWebApp(o.webDir),
      useReadiness('/ready', [
        { name: 'storage', check: () => services.store.ping().then(() => true) },
        ...(config.redis ? [{ name: 'redis', check: async () => o.pubsub.isHealthy() }] : []),
      ]),
    ],
  });
}
