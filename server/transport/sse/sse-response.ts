import type { ServerResponse } from 'node:http';
import type { ExecutionResult } from 'graphql';
import { type ResultSink, type SharedResult, type SinkLimits, isBehind, isOverLimit } from '../../delivery.js';
import { COMPLETE, PING, PREAMBLE, frame, nextFrame, sseHeaders } from './frames.js';
import { canWriteChunksToSocket, chunk, flattenHead } from './node-chunks.js';
import type { SsePings } from './sse-pings.js';

/** What every event stream of the server shares: the keep-alive timer and the backpressure limits. */
export interface SseShared {
  pings: SsePings;
  limits: SinkLimits;
}

/** One event's distinct-connections frame and its HTTP chunk, encoded once for every subscriber that shares its result. */
const frames = new WeakMap<SharedResult, Buffer>();
const chunks = new WeakMap<SharedResult, Buffer>();
const frameOf = (shared: SharedResult): Buffer => {
  let f = frames.get(shared);
  if (!f) frames.set(shared, (f = Buffer.from(nextFrame(shared.json, shared.cursor))));
  return f;
};
const chunkOf = (shared: SharedResult): Buffer => {
  let c = chunks.get(shared);
  if (!c) chunks.set(shared, (c = chunk(frameOf(shared))));
  return c;
};

/**
 * The Node response of one event stream, written by us. Yoga answers the request with status and headers
 * only (CORS, request id, …) and an empty body made here; the HTTP listener then hands the Node response
 * back (`start`), and this writes it for the stream's life: the preamble, events as ready-made HTTP chunks
 * on the socket (every subscriber of an event gets the same bytes), keep-alive comments and the end. Nothing
 * of Yoga's request handling stays alive with an idle stream. A peer that stops reading is cut off once its
 * bytes waiting pass the limits. Distinct connections: it is the subscription's sink. Single connection: every
 * operation of the reserved stream writes here through its own sink (see single/operation-sink.ts).
 */
export class SseResponse implements ResultSink {
  /** A subscription's results (or a single-connection stream) come this way: the listener must hand over the response. */
  attached = false;
  /** Frames that came before the response started (a replay may). */
  private early: Buffer[] | undefined = [];
  private earlyBytes = 0;
  /** Distinct connections: the subscription's end (an error result, then done). */
  private results: AsyncIterator<ExecutionResult> | undefined;
  /** The empty-bodied response made for Yoga, until the listener hands it back. */
  private made: Response | undefined;
  private closed = false;
  /** Events go straight to the socket (see canWriteChunksToSocket). */
  private direct = false;
  private messageBytes = 256;
  private caughtUp: Array<() => void> | undefined;
  private closeListener: (() => void) | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly shared: SseShared,
  ) {}

  attach(): void {
    this.attached = true;
  }

  send(shared: SharedResult): boolean {
    return this.writeEvent(frameOf(shared), chunkOf(shared));
  }

  pending(): number {
    return Math.floor(this.buffered() / this.messageBytes);
  }

  ready(): Promise<void> | undefined {
    if (this.closed || !isBehind(this.shared.limits, this.buffered(), this.messageBytes)) return undefined;
    return new Promise((resolve) => {
      (this.caughtUp ??= []).push(resolve);
      if (this.early) return; // `start` releases
      (this.direct ? this.res.socket : this.res)?.once('drain', () => this.release());
    });
  }

  /** Distinct connections: Yoga's response for the subscription whose end `results` carries. */
  respond(results: AsyncIterable<ExecutionResult>, fetchAPI: { Response: typeof Response }): Response {
    this.results = results[Symbol.asyncIterator]();
    return this.emptyResponse(fetchAPI);
  }

  /** Single connection: the reserved stream's response; it lasts until the client leaves or `end()`. */
  open(fetchAPI: { Response: typeof Response }, onClose: () => void): Response {
    this.attached = true;
    this.closeListener = onClose;
    return this.emptyResponse(fetchAPI);
  }

  /** Whether `response` (what Yoga answered) is the one made here: the listener then hands over the Node response. */
  owns(response: Response): boolean {
    return this.made !== undefined && this.made === response;
  }

  /** Writes the response: Yoga's status and headers, the preamble, what came early, then the stream. */
  start(response: Response): void {
    this.made = undefined;
    const res = this.res;
    if (this.closed || res.destroyed) return this.close();
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
    for (const f of early) this.writeNow(f, undefined);
    this.release();
    this.shared.pings.add(this);
    if (this.results) void this.untilEnd(this.results);
  }

  /** One event's frame (and its chunk, when already made); false, having written nothing, past the limits. */
  writeEvent(frameBytes: Buffer, chunkBytes?: Buffer): boolean {
    if (this.closed || this.res.destroyed) return true; // gone: the stream is being ended
    this.messageBytes = chunkBytes?.length ?? frameBytes.length + 8;
    if (this.early) {
      if (isOverLimit(this.shared.limits, this.earlyBytes, this.messageBytes)) return false;
      this.early.push(frameBytes);
      this.earlyBytes += frameBytes.length;
      return true;
    }
    if (isOverLimit(this.shared.limits, this.buffered(), this.messageBytes)) return false;
    this.writeNow(frameBytes, chunkBytes);
    return true;
  }

  /** A frame that must go out whatever the backlog (an operation's end): small, and once per operation. */
  writeText(text: string): void {
    if (this.closed || this.res.destroyed) return;
    if (this.early) this.early.push(Buffer.from(text));
    else this.writeNow(Buffer.from(text), undefined);
  }

  /** Whether the peer is so far behind that nothing more should be started for it. */
  get congested(): boolean {
    return (
      !this.closed && isOverLimit(this.shared.limits, this.early ? this.earlyBytes : this.buffered(), this.messageBytes)
    );
  }

  /** Keep-alive comment, when nothing else is on its way. */
  ping(): void {
    if (this.closed || this.buffered() > 0) return;
    this.writeNow(Buffer.from(PING), undefined);
  }

  /** Ends the response (single connection: the reservation is over). */
  end(): void {
    if (!this.closed && !this.res.writableEnded) this.res.end();
    this.close();
  }

  private buffered(): number {
    if (this.early) return this.earlyBytes;
    return this.direct ? (this.res.socket?.writableLength ?? 0) : this.res.writableLength;
  }

  private writeNow(frameBytes: Buffer, chunkBytes: Buffer | undefined): void {
    const res = this.res;
    if (res.destroyed) return;
    if (this.direct || canWriteChunksToSocket(res)) {
      this.direct = true;
      if (!res.socket?.destroyed) res.socket?.write(chunkBytes ?? chunk(frameBytes));
      return;
    }
    res.write(frameBytes);
  }

  private emptyResponse(fetchAPI: { Response: typeof Response }): Response {
    // Whatever happens to the response (sent, or never, if something failed on the way), its end ends the stream.
    this.res.once('close', () => this.close());
    this.made = new fetchAPI.Response(null, { status: 200, headers: sseHeaders() });
    return this.made;
  }

  /** Distinct connections: waits for the subscription's end and writes it (an error result if any, then `complete`). */
  private async untilEnd(results: AsyncIterator<ExecutionResult>): Promise<void> {
    try {
      for (;;) {
        const step = await results.next();
        if (this.closed) return;
        if (step.value) this.writeNow(Buffer.from(frame(step.value)), undefined);
        if (step.done) break;
      }
      this.writeNow(Buffer.from(COMPLETE), undefined);
      this.end();
    } catch {
      this.res.destroy(); // the client sees a dropped stream and reconnects
    } finally {
      this.close();
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.made = undefined;
    void this.results?.return?.();
    this.shared.pings.delete(this);
    this.release();
    this.closeListener?.();
  }

  private release(): void {
    const waiting = this.caughtUp;
    this.caughtUp = undefined;
    for (const resolve of waiting ?? []) resolve();
  }
}
