import type { Plugin } from 'graphql-yoga';
import type { Registry } from 'prom-client';
import { requestScope } from '../observability/request-scope.js';

/** Every event stream (both SSE modes): stop nginx and similar proxies from buffering it. */
export function useSseHeaders(): Plugin {
  return {
    onResponse({ response }) {
      if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
        response.headers.set('X-Accel-Buffering', 'no');
      }
    },
  };
}

export interface ReadinessCheck {
  name: string;
  check: () => Promise<boolean>;
}

/** `/ready`: 200 when every dependency answers, 503 with the failing ones otherwise. */
export function useReadiness(path: string, checks: ReadinessCheck[]): Plugin {
  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      if (url.pathname !== path || request.method !== 'GET') return;
      const results = await Promise.all(
        checks.map(async (c) => [c.name, await Promise.race([c.check().catch(() => false), timeout(2000)])] as const),
      );
      const ok = results.every(([, up]) => up);
      endResponse(
        new fetchAPI.Response(JSON.stringify({ status: ok ? 'ready' : 'unavailable', checks: Object.fromEntries(results) }), {
          status: ok ? 200 : 503,
          headers: { 'content-type': 'application/json' },
        }),
      );
    },
  };
}

const timeout = (ms: number) => new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref());

/** `/metrics` in Prometheus text format. */
export function useMetricsEndpoint(path: string, registry: Registry): Plugin {
  return {
    async onRequest({ url, request, fetchAPI, endResponse }) {
      if (url.pathname !== path || request.method !== 'GET') return;
      endResponse(new fetchAPI.Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } }));
    },
  };
}

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
