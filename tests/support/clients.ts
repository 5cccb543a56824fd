import type { ExecutionResult } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { type Client as WsClient, createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Inbox } from './inbox.js';
import type { TestServer } from './server.js';

export type TransportName = 'ws' | 'sse' | 'sse-single';
export const TRANSPORTS: TransportName[] = ['ws', 'sse', 'sse-single'];

export interface LiveSubscription {
  /** Every `next` payload, in order. */
  results: Inbox<ExecutionResult<any>>;
  /** Settles when the server ends the operation: with `error` for an error message, else completed. */
  ended: Promise<{ error?: unknown }>;
  unsubscribe(): void;
}

export interface RealtimeClient {
  transport: TransportName;
  subscribe(query: string, variables?: Record<string, unknown>): LiveSubscription;
  dispose(): Promise<void>;
}

/** A real client of the named transport: graphql-ws, or graphql-sse in distinct or single-connection mode. */
export function connect(transport: TransportName, server: TestServer, token?: string): RealtimeClient {
  const authorization = token ? `Bearer ${token}` : undefined;
  if (transport === 'ws') {
    const client = createWsClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: authorization ? { authorization } : {},
      retryAttempts: 0,
      lazy: true,
    });
    return wrap(transport, client, () => client.dispose());
  }
  const client = createSseClient({
    url: transport === 'sse' ? server.graphqlUrl : `${server.graphqlUrl}/stream`,
    singleConnection: transport === 'sse-single',
    headers: authorization ? { authorization } : {},
    retryAttempts: 0,
  });
  return wrap(transport, client, () => client.dispose());
}

type Subscribable = Pick<WsClient, 'subscribe'>;

function wrap(transport: TransportName, client: Subscribable, dispose: () => void | Promise<void>): RealtimeClient {
  return {
    transport,
    subscribe(query, variables) {
      const results = new Inbox<ExecutionResult<any>>();
      let settle!: (r: { error?: unknown }) => void;
      const ended = new Promise<{ error?: unknown }>((resolve) => (settle = resolve));
      const unsubscribe = client.subscribe(
        { query, variables },
        {
          next: (r) => results.push(r as ExecutionResult),
          error: (error) => settle({ error }),
          complete: () => settle({}),
        },
      );
      return { results, ended, unsubscribe };
    },
    dispose: async () => {
      await dispose();
    },
  };
}

type ErrorJson = { message: string; extensions?: Record<string, unknown> };

/**
 * The GraphQL errors an operation was refused or ended with, whatever way the transport carries them:
 * graphql-ws `error` message, a last `next` with errors (SSE distinct), or graphql-sse's HTTP 400 body.
 */
export async function refusal(sub: LiveSubscription): Promise<ErrorJson[]> {
  const { error } = await sub.ended;
  if (Array.isArray(error)) return error;
  if (error && typeof error === 'object' && 'response' in error) {
    // graphql-sse's client aborts the request on an error status, so the body is usually gone;
    // tests that need the body's errors send the request themselves.
    const response = (error as { response: Response }).response;
    const body = (await response.json().catch(() => undefined)) as { errors?: ErrorJson[] } | undefined;
    return body?.errors ?? [{ message: `HTTP ${response.status}`, extensions: { status: response.status } }];
  }
  if (error) throw error;
  return (sub.results.items.at(-1)?.errors as ErrorJson[] | undefined) ?? [];
}
