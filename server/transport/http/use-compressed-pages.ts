import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';

/** Pages and assets only: API answers stay as they are, and streams are never held back to compress them. */
const COMPRESSIBLE = /^(text\/html|text\/javascript|text\/css|image\/svg\+xml)/;
/** Below this, compressing costs more than it saves. */
const MIN_BYTES = 1024;
/** Compressed bodies kept (GraphiQL with and without a token, the dashboard's files): bounded, rebuilt when dropped. */
const MAX_CACHED = 32;

type Encoding = 'br' | 'gzip';

/** The client's preferred encoding among ours: brotli, then gzip (`q=0` refuses one). */
export function pickEncoding(acceptEncoding: string | null): Encoding | undefined {
  const offered = new Map(
    (acceptEncoding ?? '').split(',').map((part) => {
      const [name = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
      return [name.trim(), q === undefined ? 1 : Number(q)] as const;
    }),
  );
  const wants = (e: string) => (offered.get(e) ?? offered.get('*') ?? 0) > 0;
  return wants('br') ? 'br' : wants('gzip') ? 'gzip' : undefined;
}

/**
 * GraphiQL's page (9 MB) and the dashboard's files, compressed for browsers that accept it (brotli or gzip), once
 * per content: the compressed bytes are kept by the content's hash, which is also the ETag (a reload answers 304).
 */
export function useCompressedPages(): Plugin {
  const cache = new Map<string, Uint8Array<ArrayBuffer>>();
  return {
    // Synchronous for API answers: an async hook would put every response in a promise chain.
    onResponse({ request, response, setResponse, fetchAPI }) {
      if (request.method !== 'GET' || response.status !== 200) return;
      if (!COMPRESSIBLE.test(response.headers.get('content-type') ?? '')) return;
      if (response.headers.has('content-encoding') || !response.body) return;
      return compress(cache, request, response, fetchAPI).then(setResponse);
    },
  };
}

/** The page's answer: 304 for the ETag the client has, else its bytes, compressed for it when it accepts that. */
async function compress(
  cache: Map<string, Uint8Array<ArrayBuffer>>,
  request: Request,
  response: Response,
  fetchAPI: { Response: typeof Response; Headers: typeof Headers },
): Promise<Response> {
  const body = Buffer.from(await response.arrayBuffer());
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
  const headers = new fetchAPI.Headers(response.headers);
  headers.set('etag', etag);
  headers.append('vary', 'accept-encoding');
  if (!headers.has('cache-control')) headers.set('cache-control', 'no-cache');
  if (request.headers.get('if-none-match') === etag) {
    headers.delete('content-type');
    return new fetchAPI.Response(null, { status: 304, headers });
  }
  const encoding = body.byteLength >= MIN_BYTES ? pickEncoding(request.headers.get('accept-encoding')) : undefined;
  if (!encoding) return new fetchAPI.Response(body, { status: 200, headers });
  const key = `${encoding}:${etag}`;
  let compressed = cache.get(key);
  if (!compressed) {
    // Copied once into a plain ArrayBuffer (zlib's Buffers may share a pool), then served from the cache.
    compressed = new Uint8Array(
      encoding === 'br'
        ? brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })
        : gzipSync(body, { level: 6 }),
    );
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, compressed);
  }
  headers.set('content-encoding', encoding);
  headers.set('content-length', String(compressed.byteLength));
  return new fetchAPI.Response(compressed, { status: 200, headers });
}
