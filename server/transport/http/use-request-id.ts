import type { Plugin } from 'graphql-yoga';
import type { HttpServerContext } from '../sse/event-streams.js';

/**
 * Every HTTP response carries `x-request-id` (the caller's, or a new one; see observability/request-id.ts)
 * so a report can be matched to the log lines written while serving it.
 */
export function useRequestId(): Plugin<object, HttpServerContext> {
  return {
    onResponse({ response, serverContext }) {
      if (serverContext.requestId) response.headers.set('x-request-id', serverContext.requestId);
    },
  };
}
