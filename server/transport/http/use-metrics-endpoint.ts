import type { Plugin } from 'graphql-yoga';
import type { Registry } from 'prom-client';

/** `/metrics` in Prometheus text format. */
export function useMetricsEndpoint(path: string, registry: Registry): Plugin {
  return {
    // Synchronous for every other request: an async hook puts the hooks after it in a promise chain.
    onRequest({ url, request, fetchAPI, endResponse }) {
      if (url.pathname !== path || request.method !== 'GET') return;
      return registry
        .metrics()
        .then((body) =>
          endResponse(new fetchAPI.Response(body, { headers: { 'content-type': registry.contentType } })),
        );
    },
  };
}
