import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * A live stream that ends with an error (a slow consumer cut off, access revoked) ends the same way on
 * every transport: one last result carrying the error, then `complete`. Without this, each transport
 * improvises (graphql-ws strips the error to its message; SSE closes the response).
 */
export function useStreamErrors(): Plugin {
  return {
    onSubscribe() {
      return {
        onSubscribeResult({ result, setResult }) {
          if (Symbol.asyncIterator in result) setResult(endWithError(result as AsyncIterable<ExecutionResult>));
        },
      };
    },
  };
}

async function* endWithError(source: AsyncIterable<ExecutionResult>): AsyncGenerator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      let step: IteratorResult<ExecutionResult>;
      try {
        step = await iterator.next();
      } catch (err) {
        const error =
          err instanceof GraphQLError ? err : new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL' }, originalError: err as Error });
        yield { errors: [error] };
        return;
      }
      if (step.done) return;
      yield step.value;
    }
  } finally {
    await iterator.return?.();
  }
}
