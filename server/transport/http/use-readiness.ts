import type { Plugin } from 'graphql-yoga';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<boolean>;
}

/** `/ready`: 200 when every dependency answers within 2 s, 503 with the failing ones otherwise. */
export function useReadiness(path: string, checks: ReadinessCheck[]): Plugin {
  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      if (url.pathname !== path || request.method !== 'GET') return;
      const results = await Promise.all(
        checks.map(async (c) => [c.name, await Promise.race([c.check().catch(() => false), timeout(2000)])] as const),
      );
      const ok = results.every(([, up]) => up);
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({ status: ok ? 'ready' : 'unavailable', checks: Object.fromEntries(results) }),
          {
            status: ok ? 200 : 503,
            headers: { 'content-type': 'application/json' },
          },
        ),
      );
    },
  };
}

const timeout = (ms: number) => new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref());
