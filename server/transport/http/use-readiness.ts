import type { Plugin } from 'graphql-yoga';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<boolean>;
}

/** `/ready`: 200 when every dependency answers within 2 s, 503 with the failing ones otherwise. */
export function useReadiness(path: string, checks: ReadinessCheck[]): Plugin {
  return {
    // Synchronous for every other request: an async hook puts the hooks after it in a promise chain.
    onRequest({ request, url, fetchAPI, endResponse }) {
      if (url.pathname !== path || request.method !== 'GET') return;
      return answer(checks, fetchAPI).then(endResponse);
    },
  };
}

async function answer(checks: ReadinessCheck[], fetchAPI: { Response: typeof Response }): Promise<Response> {
  const results = await Promise.all(
    checks.map(async (c) => [c.name, await Promise.race([c.check().catch(() => false), timeout(2000)])] as const),
  );
  const ok = results.every(([, up]) => up);
  return new fetchAPI.Response(
    JSON.stringify({ status: ok ? 'ready' : 'unavailable', checks: Object.fromEntries(results) }),
    { status: ok ? 200 : 503, headers: { 'content-type': 'application/json' } },
  );
}

const timeout = (ms: number) => new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref());
