import { GraphQLError } from 'graphql';

/** Cut-off of a presence or typing subscriber that stopped reading: these are states, so it simply resubscribes. */
export function slowSignalsError(): GraphQLError {
  return new GraphQLError('Subscription cut off: the client fell too far behind. Subscribe again for the current state.', {
    extensions: { code: 'RATE_LIMITED', reason: 'SLOW_CONSUMER' },
  });
}
