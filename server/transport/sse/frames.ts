import type { ExecutionResult } from 'graphql';
import { withoutTransportExtensions } from '../../errors.js';

/**
 * GraphQL over SSE, as text: what both modes write (the graphql-sse protocol's messages), built in one place.
 */

/** graphql-sse's names for a single-connection stream's token, in a header or the query string. */
export const TOKEN_HEADER = 'x-graphql-event-stream-token';
export const TOKEN_QUERY = 'token';

/** SSE clients (EventSource) wait this long before reconnecting. */
export const RETRY_MS = 1_000;

/** A stream's first bytes: the reconnect delay, and a comment that flushes the headers (some browsers stall a fetch until a byte arrives). */
export const PREAMBLE = `retry: ${RETRY_MS}\n:\n\n`;
/** Keep-alive comment. */
export const PING = ':\n\n';
/** The last frame of a distinct-connections stream. */
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

/**
 * The `id:` of a distinct stream's only result (a query, a refused subscription): that stream will never have
 * more. EventSource reconnects after every stream ends, sending the last id as `Last-Event-ID`; a request
 * carrying this one is answered 204, which tells EventSource to stop (HTML's rule for 204 No Content).
 */
export const FINAL_EVENT_ID = 'final';

/** A `next` frame of a serialized result, with an `id:` line when it carries a cursor (distinct connections). */
export const nextFrame = (json: string, cursor?: string): string =>
  `event: next\n${cursor === undefined ? '' : `id: ${cursor}\n`}data: ${json}\n\n`;

/** One result of a stream as a `next` frame, labelled with its cursor when it has one (or with `id`). */
export function frame(result: ExecutionResult, id?: string): string {
  const cursor = result.extensions?.cursor;
  return nextFrame(serialize(result), typeof cursor === 'string' ? cursor : id);
}

/** The parts around an operation's result in single-connection mode: `{"id":…,"payload":` + result + `}`. */
export const operationEnvelope = (operationId: string): [string, string] => [
  `event: next\ndata: {"id":${JSON.stringify(operationId)},"payload":`,
  '}\n\n',
];

/** One result of an operation, in single-connection mode. */
export const operationNext = (operationId: string, result: ExecutionResult): string => {
  const [head, tail] = operationEnvelope(operationId);
  return `${head}${serialize(result)}${tail}`;
};

/** The end of an operation, in single-connection mode. */
export const operationComplete = (operationId: string): string =>
  `event: complete\ndata: ${JSON.stringify({ id: operationId })}\n\n`;

/** A result as JSON, its errors without Yoga's transport-only extensions. */
function serialize(result: ExecutionResult): string {
  if (!result.errors?.length) return JSON.stringify(result);
  return JSON.stringify({ ...result, errors: result.errors.map(withoutTransportExtensions) });
}
