import { type Plugin, isAsyncIterable } from 'graphql-yoga';
import type { ExecutionResult } from 'graphql';
import { type Context, operationLog } from '../context.js';
import { logUnexpected } from '../errors.js';

/**
 * Logs an operation's unexpected errors with its context's log, so an HTTP request's lines carry its id (the
 * masker that then hides them from the client knows nothing of the request: errors.ts). Runs before Yoga's
 * masking, which sees the same errors next. Streams' errors are logged by the masker where they are written.
 */
export function useErrorLog(): Plugin<Context> {
  const logErrors = (result: unknown, ctx: Context) => {
    if (isAsyncIterable(result)) return;
    for (const error of (result as ExecutionResult).errors ?? []) logUnexpected(() => operationLog(ctx), error);
  };
  return {
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result }) => logErrors(result, args.contextValue as Context),
    }),
    onSubscribe: ({ args }) => ({
      onSubscribeResult: ({ result }) => logErrors(result, args.contextValue as Context),
    }),
  };
}
