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

  constructor(
    private readonly socket: WebSocket,
    /** The TCP socket `ws` was given at the upgrade. */
    private readonly tcp: Duplex,
    id: string,
    private readonly limits: SinkLimits,
  ) {
    this.envelope = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  }

  attach(): void {}

  send(shared: SharedResult): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return true; // closing: graphql-ws ends the operation
    const payload = shared.bytes;
    const size = (this.messageBytes = this.envelope.length + payload.length + 11);
    if (isOverLimit(this.limits, this.tcp.writableLength, size)) return false;
    this.tcp.write(textFrame(this.envelope, payload, CLOSING_BRACE));
    return true;
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
