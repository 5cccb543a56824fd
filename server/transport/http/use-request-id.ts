import type { Plugin } from 'graphql-yoga';
import { requestScope } from '../../observability/request-scope.js';

/**
 * Every HTTP response carries `x-request-id` (the caller's, or a new one; see observability/request-scope.ts)
 * so a report can be matched to the log lines written while serving it.
 */
export function useRequestId(): Plugin {
  return {
    onResponse({ response }) {
      const id = requestScope.getStore()?.requestId;
      if (id) response.headers.set('x-request-id', id);
    },
  };
}
