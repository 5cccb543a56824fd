import { authExchange } from '@urql/exchange-auth';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from 'urql';

export type Transport = 'ws' | 'sse';
export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export interface ClientOptions {
  token: () => string;
  transport: Transport;
  onState: (state: ConnectionState) => void;
  /** The token was refused: back to sign-in. */
  onAuthError: () => void;
  /** The server's origin; defaults to the page's. */
  baseUrl?: string;
  /** Log operations, results and connection events to the console; default: `?debug` in the page's URL, or
   * `localStorage['switchboard.debug'] = '1'`. */
  debug?: boolean;
}

/** The debug switch a user can flip without a rebuild: `?debug` in the URL, or a localStorage flag. */
function debugRequested(): boolean {
  try {
    return new URLSearchParams(location.search).has('debug') || localStorage.getItem('switchboard.debug') === '1';
  } catch {
    return false;
  }
}

/** Console lines for each operation, result and error (names and variables; results' data stays out). */
const debugExchange = mapExchange({
  onOperation: (op) => console.debug('[switchboard] →', op.kind, op.key, op.variables),
  onResult: (r) =>
    console.debug(
      '[switchboard] ←',
      r.operation.kind,
      r.operation.key,
      r.error ? r.error.message : 'ok',
      r.extensions ?? {},
    ),
});

/**
 * One urql client and one socket for every hook. Subscriptions go over graphql-ws (keepalive, retry with
 * jittered backoff) or SSE; a subscription that declares `$after` is resumed from the last cursor it
 * received, so a reconnect catches up with no gap and no duplicate.
 */
export function createSwitchboardClient(o: ClientOptions) {
  const base = `${o.baseUrl ?? `${location.protocol}//${location.host}`}/graphql`;
  const debug = o.debug ?? debugRequested();
  const trace = (...args: unknown[]) => {
    if (debug) console.debug('[switchboard]', ...args);
  };
  let connectedOnce = false;
  const ws =
    o.transport === 'ws'
      ? createWsClient({
          url: base.replace(/^http/, 'ws'),
          connectionParams: () => ({ authorization: `Bearer ${o.token()}` }),
          keepAlive: 10_000,
          retryAttempts: Number.POSITIVE_INFINITY,
          shouldRetry: () => true,
          retryWait: (retries) =>
            new Promise((r) => setTimeout(r, Math.min(500 * 2 ** retries, 10_000) * (0.5 + Math.random()))),
          on: {
            connecting: () => {
              trace('graphql-ws connecting');
              o.onState(connectedOnce ? 'reconnecting' : 'connecting');
            },
            connected: () => {
              trace('graphql-ws connected');
              connectedOnce = true;
              o.onState('live');
            },
            closed: (event) => {
              trace('graphql-ws closed', (event as CloseEvent).code, (event as CloseEvent).reason);
              if ((event as CloseEvent).code === 4403) o.onAuthError();
              if (connectedOnce) o.onState('reconnecting');
            },
          },
        })
      : undefined;
  const sse =
    o.transport === 'sse'
      ? createSseClient({ url: base, headers: () => ({ authorization: `Bearer ${o.token()}` }), retryAttempts: 1_000 })
      : undefined;
  if (sse) o.onState('live');

  const client = new Client({
    url: base,
    exchanges: [
      ...(debug ? [debugExchange] : []),
      cacheExchange,
      authExchange(async (utils) => ({
        addAuthToOperation: (operation) => utils.appendHeaders(operation, { Authorization: `Bearer ${o.token()}` }),
        didAuthError: (error) =>
          error.response?.status === 401 || error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED'),
        refreshAuth: async () => o.onAuthError(),
      })),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const payload = {
            ...request,
            query: request.query ?? '',
            variables: { ...(request.variables as Record<string, unknown>) },
          };
          return {
            subscribe(sink) {
              const track = {
                ...sink,
                next(result: { extensions?: Record<string, unknown> }) {
                  // graphql-ws resends this payload when it reconnects: from the last cursor, not the first.
                  const cursor = result.extensions?.cursor;
                  if ('after' in payload.variables && typeof cursor === 'string') payload.variables.after = cursor;
                  sink.next(result as never);
                },
              };
              const unsubscribe = ws ? ws.subscribe(payload, track as never) : sse!.subscribe(payload, track as never);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });

  /** Hands a fresh token to the open socket: every subscription on it continues (graphql-ws only). */
  const refresh = (token: string) =>
    new Promise<void>((resolve, reject) => {
      if (!ws) return resolve();
      ws.subscribe(
        { query: 'mutation($t: String!) { refreshSession(token: $t) { expiresAt } }', variables: { t: token } },
        { next: () => resolve(), error: reject, complete: () => resolve() },
      );
    });
  return { client, refresh, dispose: () => (ws ? ws.dispose() : sse?.dispose()) };
}
