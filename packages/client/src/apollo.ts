import { ApolloLink } from '@apollo/client';
import { print } from 'graphql';
import { Observable } from 'rxjs';
import type { Connection } from './connection.js';

/**
 * An Apollo Link over the shared connection, for subscriptions (and, on graphql-ws, queries and mutations too):
 * Apollo's `useSubscription` then resumes exactly when the operation declares `$after`. Split it from an HttpLink
 * as Apollo's docs show for GraphQLWsLink.
 */
export function switchboardLink(connection: Connection): ApolloLink {
  return new ApolloLink(
    (operation) =>
      new Observable((observer) =>
        connection.subscribe(
          { query: print(operation.query), variables: operation.variables, operationName: operation.operationName },
          {
            next: (result) => observer.next(result as never),
            error: (err) => observer.error(err),
            complete: () => observer.complete(),
          },
        ),
      ),
  );
}
