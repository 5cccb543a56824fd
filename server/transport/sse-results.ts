import type { ExecutionResult } from 'graphql';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** SSE clients (EventSource) wait this long before reconnecting. */
const RETRY_MS = 1_000;

/**
 * Yoga's SSE response (distinct-connections mode at /graphql), with what resuming needs: every `next`
 * that carries a cursor (`extensions.cursor`) gets an `id:` line, so a reconnecting EventSource sends it
 * back as `Last-Event-ID`, and a `retry:` hint.
 */
export function useSseResults(options: { pingMs: number }): Plugin {
  return {
    onResultProcess({ request, setResultProcessor }) {
      if (!request.headers.get('accept')?.includes('text/event-stream')) return;
      setResultProcessor((result, fetchAPI) => sseResponse(result as ExecutionResult | AsyncIterable<ExecutionResult>, fetchAPI, options.pingMs), 'text/event-stream');
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
      // A first comment flushes the headers: some browsers stall a fetch until a byte arrives.
      controller.enqueue(encoder.encode(`retry: ${RETRY_MS}\n:\n\n`));
      ping = setInterval(() => {
        if (controller.desiredSize === null) return clearInterval(ping);
        if (controller.desiredSize > 0) controller.enqueue(encoder.encode(':\n\n'));
      }, pingMs);
    },
    async pull(controller) {
      try {
        const step = await iterator.next();
        if (step.value) controller.enqueue(encoder.encode(frame(step.value)));
        if (step.done) {
          controller.enqueue(encoder.encode('event: complete\ndata:\n\n'));
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
    headers: {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'Content-Encoding': 'none',
    },
  });
}

function frame(result: ExecutionResult): string {
  const cursor = result.extensions?.cursor;
  const id = typeof cursor === 'string' ? `id: ${cursor}\n` : '';
  return `event: next\n${id}data: ${JSON.stringify(withoutInternals(result))}\n\n`;
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
