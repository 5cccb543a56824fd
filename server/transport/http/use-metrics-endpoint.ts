import type { Plugin } from 'graphql-yoga';
import type { Registry } from 'prom-client';

/** `/metrics` in Prometheus text format. */
export function useMetricsEndpoint(path: string, registry: Registry): Plugin {
  return {
    async onRequest({ url, request, fetchAPI, endResponse }) {
      if (url.pathname !== path || request.method !== 'GET') return;
      endResponse(
        new fetchAPI.Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } }),
      );
    },
  };
}
