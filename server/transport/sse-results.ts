import type { ServerResponse } from 'node:http';
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DIRECT_SINK } from './direct-sink.js';
import { COMPLETE, PING, PREAMBLE, frame, sseHeaders } from './sse-frames.js';
import { SsePings, SseSink } from './sse-sink.js';

/**
 * Yoga's SSE response (distinct-connections mode at /graphql), with what resuming needs: every `next`
 * that carries a cursor (`extensions.cursor`) gets an `id:` line, so a reconnecting EventSource sends it
 * back as `Last-Event-ID`, and a `retry:` hint. An event subscription's events are written directly by
 * an `SseSink`, which the HTTP listener hands the Node response to; other operations stream through Yoga.
 */
export function useSseResults(options: { endpoint: string; pingMs: number; maxPending: number }): Plugin {
  const sinks = new WeakMap<Request, SseSink>();
  const pings = new SsePings(options.pingMs);
  const wantsSse = (request: Request) => request.headers.get('accept')?.includes('text/event-stream') === true;
  return {
    onContextBuilding({ context, extendContext }) {
      const { request, res } = context as { request?: Request; res?: ServerResponse };
      if (!request || !res || !wantsSse(request) || new URL(request.url).pathname !== options.endpoint) return;
      const sink = new SseSink(res, options.maxPending, pings);
      sinks.set(request, sink);
      extendContext({ [DIRECT_SINK]: sink } as Record<string, unknown>);
    },
    onResultProcess({ request, setResultProcessor }) {
      if (!wantsSse(request)) return;
      const sink = sinks.get(request);
      setResultProcessor((result, fetchAPI) => {
        const results = result as ExecutionResult | AsyncIterable<ExecutionResult>;
        // Only a stream that went direct (an event subscription) attached its sink.
        if (sink?.attached && Symbol.asyncIterator in results) return sink.respond(results, fetchAPI);
        return sseResponse(results, fetchAPI, options.pingMs);
      }, 'text/event-stream');
    },
  };
}

function sseResponse(result: ExecutionResult | AsyncIterable<ExecutionResult>, fetchAPI: { ReadableStream: typeof ReadableStream; Response: typeof Response; TextEncoder: typeof TextEncoder }, pingMs: number) {
  const encoder = new fetchAPI.TextEncoder();
  const iterator: AsyncIterator<ExecutionResult> =
    Symbol.asyncIterator in result ? result[Symbol.asyncIterator]() : single(result);
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
        if (step.value) controller.enqueue(encoder.encode(frame(step.value)));
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
    status: Symbol.asyncIterator in result ? 200 : statusOf(result),
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
