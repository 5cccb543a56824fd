import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { ExecutionResult } from 'graphql';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DIRECT_SINK, type DirectSink, type SharedResult } from './direct-sink.js';

/** SSE clients (EventSource) wait this long before reconnecting. */
const RETRY_MS = 1_000;

/**
 * Yoga's SSE response (distinct-connections mode at /graphql), with what resuming needs: every `next`
 * that carries a cursor (`extensions.cursor`) gets an `id:` line, so a reconnecting EventSource sends it
 * back as `Last-Event-ID`, and a `retry:` hint.
 */
export function useSseResults(options: { endpoint: string; pingMs: number; maxPending: number }): Plugin {
  const sinks = new WeakMap<Request, SseSink>();
  const wantsSse = (request: Request) => request.headers.get('accept')?.includes('text/event-stream') === true;
  return {
    onContextBuilding({ context, extendContext }) {
      const request = (context as { request?: Request }).request;
      if (!request || !wantsSse(request) || new URL(request.url).pathname !== options.endpoint) return;
      const sink = new SseSink(options.maxPending, (context as { res?: ServerResponse }).res);
      sinks.set(request, sink);
      extendContext({ [DIRECT_SINK]: sink } as Record<string, unknown>);
    },
    onResultProcess({ request, setResultProcessor }) {
      if (!wantsSse(request)) return;
      const sink = sinks.get(request);
      setResultProcessor((result, fetchAPI) => {
        const results = result as ExecutionResult | AsyncIterable<ExecutionResult>;
        if (sink?.body && Symbol.asyncIterator in results) return sink.respond(results, fetchAPI, options.pingMs);
        sink?.body?.destroy(); // attached, then refused: nothing was sent
        return sseResponse(results, fetchAPI, options.pingMs);
      }, 'text/event-stream');
    },
  };
}

const PREAMBLE = Buffer.from(`retry: ${RETRY_MS}\n:\n\n`);
const PING = Buffer.from(':\n\n');
const COMPLETE = Buffer.from('event: complete\ndata:\n\n');
/** One event's SSE frame, encoded once for every subscriber that shares its result. */
const frames = new WeakMap<SharedResult, Buffer>();
const frameOf = (shared: SharedResult): Buffer => {
  let frame = frames.get(shared);
  if (!frame) frames.set(shared, (frame = Buffer.from(`event: next\nid: ${shared.cursor}\ndata: ${shared.json}\n\n`)));
  return frame;
};
/** The same frame as one HTTP/1.1 chunk (size line, frame, CRLF), also encoded once. */
const chunks = new WeakMap<SharedResult, Buffer>();
const chunkOf = (shared: SharedResult): Buffer => {
  let chunk = chunks.get(shared);
  if (!chunk) {
    const frame = frameOf(shared);
    chunks.set(shared, (chunk = Buffer.concat([Buffer.from(`${frame.length.toString(16)}\r\n`), frame, CRLF])));
  }
  return chunk;
};
const CRLF = Buffer.from('\r\n');

/**
 * The response of one SSE subscription whose events are sent directly. Every subscriber of an event gets
 * the same bytes: once the response has started (headers and preamble handed to the socket), each event
 * is written to the socket as one ready-made HTTP chunk, the way a WebSocket server writes a frame; until
 * then, and for the preamble, pings and the end, frames go through the response body. A reader that stops
 * reading is cut off once `maxPending` frames wait.
 */
class SseSink implements DirectSink {
  body: Readable | undefined;
  private ended = false;
  /** Events go straight to the socket (see `startedWriting`). */
  private direct = false;
  private chunkBytes = 256;
  private readonly caughtUp: Array<() => void> = [];

  constructor(
    private readonly maxPending: number,
    private readonly res: ServerResponse | undefined,
  ) {}

  attach(): void {
    this.body = new Readable({ objectMode: true, highWaterMark: 16, read: () => this.release() });
    this.body.once('close', () => this.release());
    // A first comment flushes the headers: some browsers stall a fetch until a byte arrives.
    this.body.push(PREAMBLE);
  }

  send(shared: SharedResult): boolean {
    const body = this.body as Readable;
    if (this.ended || body.destroyed) return true; // gone: the stream is being ended
    if (this.direct || this.startedWriting()) {
      const socket = (this.res as ServerResponse).socket as Socket;
      if (socket.destroyed) return true;
      const chunk = chunkOf(shared);
      this.chunkBytes = chunk.length;
      if (socket.writableLength >= this.maxPending * chunk.length) return false;
      socket.write(chunk);
      return true;
    }
    if (body.readableLength >= this.maxPending) return false;
    body.push(frameOf(shared));
    return true;
  }

  /**
   * Whether events may now be written to the socket without overtaking anything: an HTTP/1.1 chunked
   * response whose headers were sent and whose body and own buffer hold nothing more.
   */
  private startedWriting(): boolean {
    const res = this.res;
    const socket = res?.socket;
    if (!res || !socket || !res.headersSent || !res.chunkedEncoding || res.writableEnded) return false;
    if ((this.body as Readable).readableLength > 0 || res.writableLength - socket.writableLength > 0) return false;
    this.direct = true;
    return true;
  }

  pending(): number {
    if (this.direct) return Math.floor(((this.res as ServerResponse).socket?.writableLength ?? 0) / this.chunkBytes);
    return this.body?.readableLength ?? 0;
  }

  ready(): Promise<void> | undefined {
    if (this.pending() < this.maxPending / 2 || this.body?.destroyed) return undefined;
    return new Promise((resolve) => {
      this.caughtUp.push(resolve);
      if (this.direct) this.res?.socket?.once('drain', () => this.release());
    });
  }

  /** The response: frames sent directly, then whatever ends the stream (an error result, `complete`). */
  respond(results: AsyncIterable<ExecutionResult>, fetchAPI: { Response: typeof Response }, pingMs: number): Response {
    const body = this.body as Readable;
    const iterator = results[Symbol.asyncIterator]();
    const ping = setInterval(() => {
      if (!this.ended && body.readableLength === 0 && this.pending() === 0) body.push(PING);
    }, pingMs);
    body.once('close', () => {
      clearInterval(ping);
      void iterator.return?.();
    });
    void (async () => {
      try {
        for (;;) {
          const step = await iterator.next();
          if (step.value && !body.destroyed) body.push(Buffer.from(frame(step.value)));
          if (step.done) break;
        }
        this.end(COMPLETE);
      } catch (err) {
        this.ended = true;
        body.destroy(err as Error);
      } finally {
        clearInterval(ping);
      }
    })();
    return new fetchAPI.Response(body as unknown as BodyInit, { status: 200, headers: SSE_HEADERS });
  }

  private end(last: Buffer): void {
    if (this.ended) return;
    this.ended = true;
    if (this.body?.destroyed) return;
    this.body?.push(last);
    this.body?.push(null);
  }

  private release(): void {
    for (const resolve of this.caughtUp.splice(0)) resolve();
  }
}

const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache',
  Connection: 'keep-alive',
  'Content-Encoding': 'none',
};

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
    headers: SSE_HEADERS,
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
