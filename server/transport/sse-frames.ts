import { type ExecutionResult, GraphQLError } from 'graphql';

/** SSE clients (EventSource) wait this long before reconnecting. */
export const RETRY_MS = 1_000;

/** A stream's first bytes: the reconnect delay, and a comment that flushes the headers (some browsers stall a fetch until a byte arrives). */
export const PREAMBLE = `retry: ${RETRY_MS}\n:\n\n`;
/** Keep-alive comment. */
export const PING = ':\n\n';
/** The stream's last frame. */
export const COMPLETE = 'event: complete\ndata:\n\n';

/**
 * An event stream's headers, a fresh object for every response: whatwg-node's `Headers` writes into the
 * object it was made from, so a shared one carried one response's CORS origin and request id into the next.
 */
export const sseHeaders = (): Record<string, string> => ({
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache',
  Connection: 'keep-alive',
  'Content-Encoding': 'none',
});

/** An SSE `next` frame of a serialized result, with an `id:` line when it carries a cursor. */
export const nextFrame = (json: string, cursor?: string): string => `event: next\n${cursor === undefined ? '' : `id: ${cursor}\n`}data: ${json}\n\n`;

/** One `next` of a stream as an SSE frame, with an `id:` line when it carries a cursor. */
export function frame(result: ExecutionResult): string {
  const cursor = result.extensions?.cursor;
  return nextFrame(JSON.stringify(withoutInternals(result)), typeof cursor === 'string' ? cursor : undefined);
}

/** Errors lose Yoga's transport-only extensions (`http`, `unexpected`). */
function withoutInternals(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.length) return result;
  return {
    ...result,
    errors: result.errors.map((e) => {
      const { http: _http, unexpected: _unexpected, ...extensions } = (e.extensions ?? {}) as Record<string, unknown>;
      return new GraphQLError(e.message, { nodes: e.nodes, path: e.path, extensions: Object.keys(extensions).length ? extensions : undefined });
    }),
  };
}
