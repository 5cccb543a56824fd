import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { type ResultSink, type SharedResult, type SinkLimits, isBehind, isOverLimit } from '../../delivery.js';
import { textFrame } from './raw-frames.js';

const CLOSING_BRACE = 0x7d;

/**
 * Sends one operation's results as graphql-ws `next` messages: the result's JSON is shared by every
 * subscriber of the event, only the envelope with the operation id is per subscriber. Each message goes to
 * the connection's TCP socket as one ready-made frame, in one write (see raw-frames.ts). How far behind the
 * peer is comes from the socket's buffered bytes, shared by the connection's subscriptions: no callback per
 * message. A class, not closures: tens of thousands of idle subscriptions hold one.
 */
export class WsSink implements ResultSink {
  private readonly envelope: Buffer;
  private messageBytes = 256;
  /** The cursor of the last event written, or the subscription's start (server-side resume, see Resumable). */
  private written: string | undefined;
  /** `written` when the connection's last ping went out, and when a ping's echo last came back. */
  private pinged: string | undefined;
  private echoed: string | undefined;

  constructor(
    private readonly socket: WebSocket,
    /** The TCP socket `ws` was given at the upgrade. */
    private readonly tcp: Duplex,
    readonly id: string,
    private readonly limits: SinkLimits,
    /** The connection's subscriptions with positions, by operation id, while they run. */
    private readonly running?: Map<string, WsSink>,
    /** The subscription's document and variables (`after` aside), for its resume point. */
    readonly fingerprint?: string,
  ) {
    this.envelope = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  }

  attach(position?: string): void {
    if (position === undefined || !this.running) return;
    this.written = this.echoed = position;
    this.running.set(this.id, this);
  }

  detach(): void {
    if (this.running?.get(this.id) === this) this.running.delete(this.id);
  }

  send(shared: SharedResult): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return true; // closing: graphql-ws ends the operation
    const payload = shared.bytes;
    const size = (this.messageBytes = this.envelope.length + payload.length + 11);
    if (isOverLimit(this.limits, this.tcp.writableLength, size)) return false;
    this.tcp.write(textFrame(this.envelope, payload, CLOSING_BRACE));
    if (shared.cursor !== undefined) this.written = shared.cursor;
    return true;
  }

  /** A ping went out behind everything written so far. */
  pingSent(): void {
    this.pinged = this.written;
  }

  /** That ping's echo came back: the client has read everything written before it. */
  pingEchoed(): void {
    if (this.pinged !== undefined) this.echoed = this.pinged;
  }

  /**
   * Where the subscription resumes if the connection is lost now: after the last event written before the
   * last echoed ping (or its start). Events written since may be sent again; none is skipped.
   */
  get resumeAfter(): string | undefined {
    return this.echoed;
  }

  pending(): number {
    return Math.floor(this.tcp.writableLength / this.messageBytes);
  }

  /** Only a replay waits here, and only while the peer is behind: a short poll, nothing per message. */
  ready(): Promise<void> | undefined {
    if (!this.behind()) return undefined;
    return new Promise<void>((resolve) => {
      const check = () => (this.behind() ? setTimeout(check, 10) : resolve());
      setTimeout(check, 10);
    });
  }

  private behind(): boolean {
    return (
      this.socket.readyState === WebSocket.OPEN && isBehind(this.limits, this.tcp.writableLength, this.messageBytes)
    );
  }
}
