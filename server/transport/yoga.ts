import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphQLSchema } from 'graphql';
import { createYoga } from 'graphql-yoga';
import type { Viewer } from '../auth/viewer.js';
import type { Config } from '../config.js';
import type { Services } from '../context.js';
import { createErrorMasker } from '../errors.js';
import type { PubSubBackend } from '../realtime/pubsub.js';
import type { Tuning } from '../tuning.js';
import { type Authenticate, createContextFactory } from './context-factory.js';
import { SharedResults } from './fanout/shared-results.js';
import type { SlotCounter } from '../limits/slot-counter.js';
import { SubscriptionLimits } from './fanout/subscription-limits.js';
import { useLiveSubscriptions } from './fanout/use-live-subscriptions.js';
import { graphiqlOptions } from './http/graphiql.js';
import { isLocalRequest } from './http/local-request.js';
import { useMetricsEndpoint } from './http/use-metrics-endpoint.js';
import { usePublishApi } from './http/use-publish-api.js';
import { type ReadinessCheck, useReadiness } from './http/use-readiness.js';
import { useRequestId } from './http/use-request-id.js';
import type { Reservations } from './sse/single/reservations.js';
import { useSingleConnectionSse } from './sse/single/use-single-connection.js';
import type { HttpServerContext } from './sse/event-streams.js';
import { useSseHeaders } from './sse/use-sse-headers.js';
import { useSseResults } from './sse/use-sse-results.js';
import { useProtections } from './use-protections.js';
import { useErrorLog } from './use-error-log.js';
import { useDemoTokens } from './http/use-demo-tokens.js';
import { useWebApp } from './http/use-web-app.js';
import { useCompressedPages } from './http/use-compressed-pages.js';

export const GRAPHQL_ENDPOINT = '/graphql';
export const SINGLE_CONNECTION_ENDPOINT = '/graphql/stream';
/** The publish API for app backends (docs/publishing.md). */
export const PUBLISH_API_PATH = '/v1/events';

export interface YogaOptions {
  config: Config;
  /** Built from the config's event catalog (schema/index.ts). */
  schema: GraphQLSchema;
  tuning: Tuning;
  services: Services;
  pubsub: PubSubBackend;
  /** Connections per user, shared by every transport. */
  userSlots: SlotCounter<string>;
  /** Single-connection SSE streams reserved on this instance. */
  reservations: Reservations;
  isOriginAllowed: (origin: string | undefined, host: string | undefined) => boolean;
  onViewer: (viewer: Viewer) => void;
  /** The bearer credential → viewer, for every transport and the publish API (context-factory.ts). */
  authenticate: Authenticate;
  /** Put in GraphiQL's Headers tab for a browser on this machine only (transport/local-request.ts). */
  graphiqlToken?: string;
  /** Local development: demo tokens for the dashboard's sign-in (none in production). */
  demoTokens: Array<{ sub: string; name: string; role: string; token: string }>;
  /** Where the built dashboard lives. */
  webDir: string;
  /** More dependencies `/ready` checks (the app's outbox database). */
  readiness?: ReadinessCheck[];
}

/** Yoga with the schema, one context factory, and the plugins every transport goes through. */
export function createYogaServer(o: YogaOptions) {
  const { config, tuning, services } = o;
  const maskError = createErrorMasker(services.log);
  const { authenticate } = o;
  return createYoga<HttpServerContext>({
    schema: o.schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    healthCheckEndpoint: '/health',
    landingPage: false,
    // The HTTP listener refuses bodies over the limit by their Content-Length, and chunked ones, before Yoga.
    // Yoga's own check pipes every request body through a TransformStream, which an open SSE response keeps alive.
    maxRequestBodySize: false,
    logging: false,
    context: createContextFactory(services, authenticate),
    graphiql: config.graphiql
      ? (request, serverContext) =>
          graphiqlOptions(
            isLocalRequest(serverContext.req, request.headers.get('host') ?? undefined) ? o.graphiqlToken : undefined,
          )
      : false,
    // GraphiQL's assets bundled in the package: the stock page loads them from a CDN, which an offline
    // or firewalled machine cannot reach.
    renderGraphiQL,
    cors: (request) => {
      const origin = request.headers.get('origin') ?? undefined;
      const allowed = o.isOriginAllowed(origin, request.headers.get('host') ?? undefined);
      // Credentials (cookies) only for the app's cookie sign-in (AUTH_CONNECT_URL), and only for allowed origins.
      const credentials = services.verifier.verifyCookie !== undefined;
      return allowed && origin ? { origin: [origin], credentials, maxAge: 600 } : false;
    },
    maskedErrors: { maskError },
    plugins: [
      useRequestId(),
      useErrorLog(),
      ...useProtections({
        introspection: config.introspection,
        hideSuggestions: !config.introspection,
        ...tuning.query,
      }),
      useLiveSubscriptions({
        results: new SharedResults(maskError),
        limits: new SubscriptionLimits(config.limits.subscriptionsPerConnection, o.userSlots),
        maxQueue: tuning.maxQueuePerSubscription,
      }),
      useSseResults({ pingMs: tuning.keepAliveMs }),
      useSseHeaders(),
      usePublishApi({ path: PUBLISH_API_PATH, services, authenticate }),
      useSingleConnectionSse({
        endpoint: SINGLE_CONNECTION_ENDPOINT,
        reservations: o.reservations,
        verifier: services.verifier,
        onViewer: o.onViewer,
      }),
      // Always answered (an empty list without demo users): a sign-in page never meets a 404.
      useDemoTokens(o.demoTokens),
      useMetricsEndpoint('/metrics', services.metrics.registry),
      useWebApp(o.webDir),
      useCompressedPages(),
      useReadiness('/ready', [
        { name: 'storage', check: () => services.store.ping().then(() => true) },
        ...(config.redis ? [{ name: 'redis', check: async () => o.pubsub.isHealthy() }] : []),
        ...(o.readiness ?? []),
      ]),
    ],
  });
}
