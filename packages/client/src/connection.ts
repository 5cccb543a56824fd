import { createClient as createSseClient } from 'graphql-sse';
import { type Client as WsClient, createClient as createWsClient } from 'graphql-ws';

export type Transport = 'ws' | 'sse' | 'sse-single';
export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

/** One GraphQL operation as the client libraries hand it over. */
export interface Request {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** Where an operation's results go (urql's, Apollo's and graphql-ws's sinks all have this shape). */
export interface Sink {
  next(result: { data?: unknown; errors?: readonly unknown[]; extensions?: Record<string, unknown> }): void;
  error(err: unknown): void;
  complete(): void;
}

/** A `stream.resync`: the server could not resume (or the log went back); reload, then keep consuming. */
export interface Resync {
  reason: string;
  cursor: string | undefined;
}

export interface ConnectionOptions {
  /** The server's GraphQL endpoint, e.g. `https://rt.example.com/graphql`. */
  url: string;
  /** The current token; asked again on every (re)connect, so a refreshed one is used. */
  token: () => string | Promise<string>;
  transport?: Transport;
  /** Node and React Native without a global WebSocket: pass `ws`'s. */
  webSocketImpl?: unknown;
  onState?: (state: ConnectionState) => void;
  /** A subscription got `stream.resync`: reload what it shows from `Query.events`. */
  onResync?: (resync: Resync, request: Request) => void;
  /** The server refused the token (close 4403, HTTP 401): sign in again. */
  onAuthError?: () => void;
  /** Console lines for connection events and operations (never tokens or data). */
  debug?: boolean;
}

/** Jittered exponential backoff: 0.5 s doubling up to 10 s, each wait ±50 %. */
export const backoff = (retries: number) =>
  new Promise<void>((r) => setTimeout(r, Math.min(500 * 2 ** retries, 10_000) * (0.5 + Math.random())));

/**
 * One shared connection to a Switchboard server for every subscription of an app, on graphql-ws or GraphQL over
 * SSE (distinct or single-connection mode). Each subscription whose query declares `$after` is resumed exactly:
 * the cursor of every result it receives (`extensions.cursor`) becomes its `after`, which the transport sends
 * again when it reconnects, so nothing is missed and nothing comes twice. A `stream.resync` is handed to
 * `onResync`. `reconnect()` is for apps that know the network came back (a mobile app returning to the foreground).
 */
export function createConnection(o: ConnectionOptions) {
  const transport = o.transport ?? 'ws';
  const trace = (...args: unknown[]) => {
    if (o.debug) console.debug('[switchboard]', ...args);
  };
  const authorization = async () => `Bearer ${await o.token()}`;
  let connectedOnce = false;
  const ws: WsClient | undefined =
    transport === 'ws'
      ? createWsClient({
          url: o.url.replace(/^http/, 'ws'),
          webSocketImpl: o.webSocketImpl,
          connectionParams: async () => ({ authorization: await authorization() }),
          keepAlive: 10_000,
          retryAttempts: Number.POSITIVE_INFINITY,
          // A refused token (4403) is not retried: the app hears of it at once (stock clients retry for ~40 s).
          shouldRetry: (event) => (event as { code?: number }).code !== 4403,
          retryWait: backoff,
          on: {
            connecting: () => {
              trace('graphql-ws connecting');
              o.onState?.(connectedOnce ? 'reconnecting' : 'connecting');
            },
            connected: () => {
              trace('graphql-ws connected');
              connectedOnce = true;
              o.onState?.('live');
            },
            closed: (event) => {
              const code = (event as { code?: number }).code;
              trace('graphql-ws closed', code);
              if (code === 4403) o.onAuthError?.();
              if (connectedOnce) o.onState?.('reconnecting');
            },
          },
        })
      : undefined;
  const sse = ws
    ? undefined
    : createSseClient({
        url: transport === 'sse-single' ? `${o.url}/stream` : o.url,
        singleConnection: transport === 'sse-single',
        headers: async () => ({ authorization: await authorization() }),
        retryAttempts: Number.POSITIVE_INFINITY,
        retry: backoff,
        on: { connected: () => o.onState?.('live'), connecting: () => o.onState?.('connecting') },
      } as Parameters<typeof createSseClient>[0]);

  /** Subscribes (or runs a query or mutation); returns the function that ends it. */
  function subscribe(request: Request, sink: Sink): () => void {
    const payload = {
      query: request.query,
      variables: { ...(request.variables ?? {}) },
      ...(request.operationName ? { operationName: request.operationName } : {}),
    };
    const resumable = /\$after\b/.test(request.query);
    trace('→', request.operationName ?? 'operation', payload.variables);
    const tracked: Sink = {
      next(result) {
        const cursor = result.extensions?.cursor;
        // The transport sends this payload again when it reconnects: from the last cursor, not the first.
        if (resumable && typeof cursor === 'string') payload.variables.after = cursor;
        const event = (result.data as { events?: { type?: string; cursor?: string; payload?: unknown } } | undefined)
          ?.events;
        if (event?.type === 'stream.resync')
          o.onResync?.(
            { reason: String((event.payload as { reason?: unknown } | undefined)?.reason ?? ''), cursor: event.cursor },
            request,
          );
        sink.next(result);
      },
      error: (err) => sink.error(err),
      complete: () => sink.complete(),
    };
    return ws
      ? ws.subscribe(payload, tracked as never)
      : (sse as NonNullable<typeof sse>).subscribe(payload, tracked as never);
  }

  /** Hands a fresh token to the open graphql-ws socket: every subscription on it continues. */
  function refreshSession(token: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!ws) return resolve(); // SSE asks `token()` on every request anyway
      ws.subscribe(
        { query: 'mutation($t: String!) { refreshSession(token: $t) { expiresAt } }', variables: { t: token } },
        { next: () => undefined, error: reject, complete: () => resolve() },
      );
    });
  }

  return {
    transport,
    subscribe,
    refreshSession,
    /** Drops the connection now and reconnects (with backoff), resuming every subscription. */
    reconnect: () => ws?.terminate(),
    dispose: async () => {
      await (ws ? ws.dispose() : sse?.dispose());
    },
  };
}

export type Connection = ReturnType<typeof createConnection>;
