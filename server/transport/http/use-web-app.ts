import { readFileSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
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

/** What a GET path names in the dashboard's folder: a file in it, its index (client-side routes), or a refusal. */
export type StaticTarget = { file: string } | { index: true } | { status: 400 | 404; message: string };

/**
 * Resolves a URL path (still percent-encoded, as `URL.pathname` has it) inside `root`. Containment is decided
 * on the resolved path relative to the root: a string prefix would let `/..%2fdist-old/x` (the sibling folder
 * `dist-old` starts with `dist`) out. Backslashes and NUL bytes are refused rather than left to the platform's
 * path rules (a separator on Windows, a name character on Linux).
 */
export function resolveStatic(root: string, pathname: string): StaticTarget {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { status: 400, message: 'Malformed URL: the path has an invalid percent-encoding.' };
  }
  if (decoded.includes('\0') || decoded.includes('\\'))
    return { status: 400, message: 'Malformed URL: the path contains a NUL byte or a backslash.' };
  const file = join(root, decoded);
  const rel = relative(root, file);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return { status: 404, message: 'Not found.' };
  return extname(file) && statSync(file, { throwIfNoEntry: false })?.isFile() ? { file } : { index: true };
}

const text = (fetchAPI: { Response: typeof Response }, status: number, body: string) =>
  new fetchAPI.Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });

/** Serves the built dashboard (web/dist) at `/`, with index.html for client-side routes. */
export function useWebApp(distDir: string): Plugin {
  const root = resolve(distDir);
  const index = join(root, 'index.html');
  return {
    onRequest({ request, url, fetchAPI, endResponse }) {
      if (request.method !== 'GET' || API_PATHS.some((p) => url.pathname.startsWith(p))) return;
      if (!statSync(index, { throwIfNoEntry: false })?.isFile()) {
        return endResponse(
          text(
            fetchAPI,
            404,
            'The dashboard is not built: run `npm run build:web` (npm start does it for you). GraphiQL is at /graphql.',
          ),
        );
      }
      const target = resolveStatic(root, url.pathname);
      // A client's mistake (or a probe): a clear status, nothing for the error log.
      if ('status' in target) return endResponse(text(fetchAPI, target.status, target.message));
      const path = 'file' in target ? target.file : index;
      const immutable = path.startsWith(join(root, 'assets') + sep);
      endResponse(
        new fetchAPI.Response(readFileSync(path), {
          headers: {
            'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
            'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
          },
        }),
      );
    },
  };
}
