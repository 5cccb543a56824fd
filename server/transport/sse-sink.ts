import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { ExecutionResult } from 'graphql';
import type { DirectSink, SharedResult } from './direct-sink.js';
import { RETRY_MS, SSE_HEADERS, frame, nextFrame } from './sse-frames.js';

const PREAMBLE = Buffer.from(`retry: ${RETRY_MS}\n:\n\n`);
const PING = Buffer.from(':\n\n');
const COMPLETE = Buffer.from('event: complete\ndata:\n\n');
/** One event's SSE frame, encoded once for every subscriber that shares its result. */
const frames = new WeakMap<SharedResult, Buffer>();
const frameOf = (shared: SharedResult): Buffer => {
  let frame = frames.get(shared);
  if (!frame) frames.set(shared, (frame = Buffer.from(nextFrame(shared.json, shared.cursor))));
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
export class SseSink implements DirectSink {
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
