import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { prefersEventStream } from '../http/accept.js';
import type { HttpServerContext } from './event-streams.js';
import { COMPLETE, FINAL_EVENT_ID, PING, PREAMBLE, frame, sseHeaders } from './frames.js';

/**
 * GraphQL over SSE, distinct-connections mode (at /graphql, with `Accept: text/event-stream`): Yoga's
 * response, with what resuming needs (`id:` lines with the cursor, a `retry:` hint). A subscription whose
 * results went to the request's `SseResponse` (its sink) is answered by it, and the HTTP listener hands it
 * the Node response; a query or mutation is streamed here only when the client prefers a stream to JSON
 * (http/accept.ts), as Yoga and graphql-http negotiate.
 */
export function useSseResults(options: { pingMs: number }): Plugin<Record<string, unknown>, HttpServerContext> {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      // An EventSource reconnecting after a stream that had its only result: it is told to stop.
      if (request.headers.get('last-event-id') === FINAL_EVENT_ID && wantsEventStream(request))
        endResponse(new fetchAPI.Response(null, { status: 204 }));
    },
    onResultProcess({ request, result, serverContext, setResultProcessor }) {
      if (!wantsEventStream(request)) return;
      // A single result (query, mutation, refused subscription) is JSON unless the stream is preferred.
      if (!(Symbol.asyncIterator in result) && !prefersEventStream(request.headers.get('accept'))) return;
      const sse = serverContext.sink;
      setResultProcessor((result, fetchAPI) => {
        const results = result as ExecutionResult | AsyncIterable<ExecutionResult>;
        if (sse?.attached && Symbol.asyncIterator in results) return sse.respond(results, fetchAPI);
        return streamed(results, fetchAPI, options.pingMs);
      }, 'text/event-stream');
    },
  };
}

export const wantsEventStream = (request: { headers: { get(name: string): string | null } }) =>
  request.headers.get('accept')?.includes('text/event-stream') === true;

type FetchAPI = { ReadableStream: typeof ReadableStream; Response: typeof Response; TextEncoder: typeof TextEncoder };

function streamed(
  result: ExecutionResult | AsyncIterable<ExecutionResult>,
  fetchAPI: FetchAPI,
  pingMs: number,
): Response {
  const encoder = new fetchAPI.TextEncoder();
  const live = Symbol.asyncIterator in result;
  const iterator: AsyncIterator<ExecutionResult> = live ? result[Symbol.asyncIterator]() : single(result);
  let ping: NodeJS.Timeout | undefined;
  const body = new fetchAPI.ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(PREAMBLE));
      ping = setInterval(() => {
        if (controller.desiredSize === null) return clearInterval(ping);
        if (controller.desiredSize > 0) controller.enqueue(encoder.encode(PING));
      }, pingMs);
    },
    async pull(controller) {
      try {
        const step = await iterator.next();
        if (step.value) controller.enqueue(encoder.encode(frame(step.value, live ? undefined : FINAL_EVENT_ID)));
        if (step.done) {
          controller.enqueue(encoder.encode(COMPLETE));
          clearInterval(ping);
          controller.close();
        }
      } catch (err) {
        clearInterval(ping);
        controller.error(err);
      }
    },
    async cancel() {
      clearInterval(ping);
      await iterator.return?.();
    },
  });
  return new fetchAPI.Response(body, {
    status: live ? 200 : statusOf(result),
    headers: sseHeaders(),
  });
}

/** Like Yoga: a request error the GraphQL-over-HTTP spec answers with 4xx stays 200 on a stream; a bad token is 401. */
function statusOf(result: ExecutionResult): number {
  let status = 200;
  for (const e of result.errors ?? []) {
    const http = e.extensions?.http as { status?: number; spec?: boolean } | undefined;
    if (http?.status && !http.spec && http.status > status) status = http.status;
  }
  return status;
}

function single(result: ExecutionResult): AsyncIterator<ExecutionResult> {
  let sent = false;
  return {
    next: async () => {
      if (sent) return { value: undefined, done: true };
      sent = true;
      return { value: result, done: false };
    },
  };
}
