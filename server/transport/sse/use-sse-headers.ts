import type { Plugin } from 'graphql-yoga';

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
