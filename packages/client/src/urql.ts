import { subscriptionExchange } from 'urql';
import type { Connection } from './connection.js';

/**
 * urql's subscriptionExchange over the shared connection: urql's hooks (`useSubscription`) then resume exactly
 * (queries declaring `$after`) on either transport. Add it after `fetchExchange`.
 */
export const switchboardExchange = (connection: Connection) =>
  subscriptionExchange({
    forwardSubscription: (request) => ({
      subscribe: (sink) => ({
        unsubscribe: connection.subscribe(
          {
            query: request.query ?? '',
            variables: request.variables as Record<string, unknown>,
            operationName: request.operationName,
          },
          sink as never,
        ),
      }),
    }),
  });
