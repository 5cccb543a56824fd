import type { ExecutionResult } from 'graphql';
import { streamEndError } from '../errors.js';
import type { Plugin } from 'graphql-yoga';
import { LiveStream } from '../realtime/live-stream.js';

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
          // A stream delivered directly already ends this way (LiveStream.end), without a wrapper per subscription.
          if (result instanceof LiveStream && result.endsWithResult) return;
          if (Symbol.asyncIterator in result) setResult(endWithError(result as AsyncIterable<ExecutionResult>));
        },
      };
    },
  };
}

/**
 * Not an async generator on purpose: a generator cannot run `return()` while it awaits the source,
 * so a client that leaves would stay subscribed until the next event. This forwards `return()` at once.
 */
function endWithError(source: AsyncIterable<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  const done = (): IteratorResult<ExecutionResult> => ({ value: undefined, done: true });
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (finished) return done();
      try {
        const step = await iterator.next();
        if (step.done) finished = true;
        return step;
      } catch (err) {
        finished = true;
        return { value: { errors: [streamEndError(err)] }, done: false };
      }
    },
    async return() {
      finished = true;
      await iterator.return?.();
      return done();
    },
    async throw(err: unknown) {
      finished = true;
      await iterator.return?.();
      throw err;
    },
  };
}
