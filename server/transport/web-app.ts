import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import type { Plugin } from 'graphql-yoga';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};
const API_PATHS = ['/graphql', '/health', '/ready', '/metrics', '/dev/'];

/** Serves the built dashboard (web/dist) at `/`, with index.html for client-side routes. */
export function useWebApp(distDir: string): Plugin {
  const root = resolve(distDir);
  return {
    onRequest({ request, url, fetchAPI, endResponse }) {
      if (request.method !== 'GET' || API_PATHS.some((p) => url.pathname === p || url.pathname.startsWith(`${p}/`) || url.pathname.startsWith(p))) return;
      const index = join(root, 'index.html');
      if (!existsSync(index)) {
        return endResponse(
          new fetchAPI.Response('The dashboard is not built: run `npm run build:web` (npm start does it for you). GraphiQL is at /graphql.', {
            status: 404,
            headers: { 'content-type': 'text/plain; charset=utf-8' },
          }),
        );
      }
      const file = normalize(join(root, decodeURIComponent(url.pathname)));
      const path = file.startsWith(root) && existsSync(file) && extname(file) ? file : index;
      const immutable = path.includes(`${root}/assets/`);
      endResponse(
        new fetchAPI.Response(readFileSync(path), {
          headers: { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache' },
        }),
      );
    },
  };
}

/** Local development only: the demo users' tokens, for the dashboard's sign-in screen. */
export function useDemoTokens(tokens: Array<{ sub: string; name: string; role: string; token: string }>): Plugin {
  return {
    onRequest({ url, fetchAPI, endResponse }) {
      if (url.pathname !== '/dev/demo-tokens') return;
      endResponse(new fetchAPI.Response(JSON.stringify(tokens), { headers: { 'content-type': 'application/json' } }));
    },
  };
}
