import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ExecutionResult } from 'graphql';
import type { DirectSink, SharedResult } from './direct-sink.js';
import { COMPLETE, PING, PREAMBLE, frame, nextFrame, sseHeaders } from './sse-frames.js';

const CRLF = Buffer.from('\r\n');
/** A frame as one HTTP/1.1 chunk (size line, frame, CRLF), for writing to the socket directly. */
const chunk = (frame: Buffer) => Buffer.concat([Buffer.from(`${frame.length.toString(16)}\r\n`), frame, CRLF]);
const PING_CHUNK = chunk(Buffer.from(PING));

/** One event's SSE frame and HTTP chunk, encoded once for every subscriber that shares its result. */
const frames = new WeakMap<SharedResult, Buffer>();
const frameOf = (shared: SharedResult): Buffer => {
  let f = frames.get(shared);
  if (!f) frames.set(shared, (f = Buffer.from(nextFrame(shared.json, shared.cursor))));
  return f;
};
const chunks = new WeakMap<SharedResult, Buffer>();
const chunkOf = (shared: SharedResult): Buffer => {
  let c = chunks.get(shared);
  if (!c) chunks.set(shared, (c = chunk(frameOf(shared))));
  return c;
};

/**
 * Node keeps a response's head, for the response's life, as the string it concatenated header by header:
 * some forty rope pieces, about 1.2 KB per open stream. Once sent, a flat copy of the same (Latin-1) bytes
 * holds a quarter of that.
 */
function flattenHead(res: ServerResponse): void {
  const r = res as unknown as { _header?: unknown };
  if (typeof r._header === 'string') r._header = Buffer.from(r._header, 'latin1').toString('latin1');
}

/** The responses that `takeOverEventStream` hands to their sink instead of sending. */
const takeovers = new WeakMap<Response, SseSink>();

/**
 * Called by the HTTP listener with every response Yoga made: true when it was an event stream whose sink
 * now writes it (headers, preamble, events, end) on the Node response itself.
 */
export function takeOverEventStream(response: Response, res: ServerResponse): boolean {
  const sink = takeovers.get(response);
  if (!sink) return false;
  sink.start(response);
  return true;
}

/** One timer for every open stream's keep-alive comment, not one each: idle streams should hold little. */
export class SsePings {
  private readonly sinks = new Set<SseSink>();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly everyMs: number) {}

  add(sink: SseSink): void {
    this.sinks.add(sink);
    if (this.timer) return;
    this.timer = setInterval(() => {
      for (const s of this.sinks) s.ping();
    }, this.everyMs);
    this.timer.unref();
  }

  delete(sink: SseSink): void {
    this.sinks.delete(sink);
    if (this.sinks.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * The response of one SSE subscription whose events are sent directly. Yoga builds the response's status
 * and headers (CORS, request id, …) around an empty body; the HTTP listener then hands the Node response
 * here (`start`), and this writes it for the stream's life: every subscriber of an event gets the same
 * bytes, written to the socket as one ready-made HTTP chunk, the way a WebSocket server writes a frame.
 * Nothing of Yoga's request handling stays alive with an idle stream. A reader that stops reading is cut
 * off once `maxPending` frames wait. A class, not closures: tens of thousands of idle streams hold one.
 */
export class SseSink implements DirectSink {
  /** Events that came before the response started (a replay may). */
  private early: SharedResult[] | undefined = [];
  private results: AsyncIterator<ExecutionResult> | undefined;
  private ended = false;
  /** Events go straight to the socket (see `canWriteToSocket`). */
  private direct = false;
  private chunkBytes = 256;
  private readonly caughtUp: Array<() => void> = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly maxPending: number,
    private readonly pings: SsePings,
  ) {}

  /** Set when the fan-out delivers this operation's events here (it is an event subscription). */
  attached = false;

  attach(): void {
    this.attached = true;
  }

  send(shared: SharedResult): boolean {
    if (this.ended) return true; // gone: the stream is being ended
    if (this.early) {
      if (this.early.length >= this.maxPending) return false;
      this.early.push(shared);
      return true;
    }
    return this.write(shared);
  }

  pending(): number {
    if (this.early) return this.early.length;
    const buffered = this.direct ? (this.res.socket?.writableLength ?? 0) : this.res.writableLength;
    return Math.floor(buffered / this.chunkBytes);
  }

  ready(): Promise<void> | undefined {
    if (this.ended || this.pending() < this.maxPending / 2) return undefined;
    return new Promise((resolve) => {
      this.caughtUp.push(resolve);
      if (this.early) return; // `start` releases
      (this.direct ? this.res.socket : this.res)?.once('drain', () => this.release());
    });
  }

  /**
   * Yoga's response for this stream: status and headers only. The results' iterator carries the stream's
   * end (an error result, then `complete`); everything before it was sent directly.
   */
  respond(results: AsyncIterable<ExecutionResult>, fetchAPI: { Response: typeof Response }): Response {
    this.results = results[Symbol.asyncIterator]();
    // Whatever happens to the response (sent, or never, if something failed on the way), its end stops the stream.
    this.res.once('close', () => this.close());
    const response = new fetchAPI.Response(null, { status: 200, headers: sseHeaders() });
    takeovers.set(response, this);
    return response;
  }

  /** Writes the response: Yoga's status and headers, the preamble, what came early, then the stream. */
  start(response: Response): void {
    const res = this.res;
    if (this.ended || res.destroyed) return this.close();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    // As whatwg-node sets up a streamed response: no idle timeout, no Nagle delay, TCP keep-alive probes.
    res.socket?.setTimeout(0).setNoDelay(true).setKeepAlive(true);
    res.writeHead(response.status, headers);
    res.write(PREAMBLE);
    flattenHead(res);
    const early = this.early ?? [];
    this.early = undefined;
    for (const shared of early) this.write(shared);
    this.release();
    this.pings.add(this);
    void this.untilEnd();
  }

  /** Keep-alive comment, when nothing else is on its way. */
  ping(): void {
    if (this.ended || this.pending() > 0) return;
    if (this.canWriteToSocket()) (this.res.socket as Socket).write(PING_CHUNK);
    else this.res.write(PING);
  }

  private write(shared: SharedResult): boolean {
    const res = this.res;
    if (res.destroyed) return true;
    if (this.canWriteToSocket()) {
      const socket = res.socket as Socket;
      const c = chunkOf(shared);
      this.chunkBytes = c.length;
      if (socket.writableLength >= this.maxPending * c.length) return false;
      socket.write(c);
      return true;
    }
    const f = frameOf(shared);
    this.chunkBytes = f.length;
    if (res.writableLength >= this.maxPending * f.length) return false;
    res.write(f);
    return true;
  }

  /**
   * Whether events may be written to the socket without overtaking anything: an HTTP/1.1 chunked response
   * whose headers were sent and whose own buffer holds nothing more (a pipelined response waiting for the
   * one before it does not qualify).
   */
  private canWriteToSocket(): boolean {
    if (this.direct) return !this.res.socket?.destroyed;
    const res = this.res;
    const socket = res.socket;
    if (!socket || !res.headersSent || !res.chunkedEncoding || res.writableEnded) return false;
    if (res.writableLength - socket.writableLength > 0) return false;
    this.direct = true;
    return true;
  }

  /** Waits for the stream's end and writes it: an error result if any, then `complete`. */
  private async untilEnd(): Promise<void> {
    const results = this.results as AsyncIterator<ExecutionResult>;
    try {
      for (;;) {
        const step = await results.next();
        if (this.ended) return;
        if (step.value) this.res.write(frame(step.value));
        if (step.done) break;
      }
      this.res.write(COMPLETE);
      this.res.end();
    } catch {
      this.res.destroy(); // the client sees a dropped stream and reconnects
    } finally {
      this.close();
    }
  }

  private close(): void {
    if (!this.ended) {
      this.ended = true;
      void this.results?.return?.();
    }
    this.pings.delete(this);
    this.release();
  }

  private release(): void {
    for (const resolve of this.caughtUp.splice(0)) resolve();
  }
}
