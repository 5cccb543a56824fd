import { authExchange } from '@urql/exchange-auth';
import { Client, cacheExchange, fetchExchange, mapExchange } from 'urql';
import { createConnection, switchboardExchange } from '../../../packages/client/src/index';

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
 * The dashboard's urql client over the client package (packages/client): one shared connection for every hook,
 * graphql-ws (keepalive, retry with jittered backoff) or SSE; a subscription that declares `$after` is resumed from
 * the last cursor it received, so a reconnect catches up with no gap and no duplicate.
 */
export function createSwitchboardClient(o: ClientOptions) {
  const url = `${o.baseUrl ?? `${location.protocol}//${location.host}`}/graphql`;
  const debug = o.debug ?? debugRequested();
  const connection = createConnection({
    url,
    token: o.token,
    transport: o.transport,
    onState: o.onState,
    onAuthError: o.onAuthError,
    debug,
  });
  if (o.transport === 'sse') o.onState('live');

  const client = new Client({
    url,
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
      switchboardExchange(connection),
    ],
  });

  return { client, refresh: connection.refreshSession, dispose: connection.dispose };
}
