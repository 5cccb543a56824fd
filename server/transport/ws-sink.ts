import { WebSocket } from 'ws';
import type { DirectSink, SharedResult } from './direct-sink.js';

const TEXT_FRAME = { binary: false } as const;

/**
 * Sends one operation's results as graphql-ws `next` messages straight to the socket: the result's JSON
 * is shared by every subscriber of the event, only the envelope with the operation id is per subscriber.
 * How far behind the peer is comes from the socket's buffered bytes, counted in messages of the current
 * size: no callback per message. A class, not closures: tens of thousands of idle subscriptions hold one.
 */
export class WsSink implements DirectSink {
  private readonly envelope: Buffer;
  private messageBytes = 256;

  constructor(
    private readonly socket: WebSocket,
    id: string,
    private readonly maxPending: number,
  ) {
    this.envelope = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  }

  attach(): void {}

  send(shared: SharedResult): boolean {
    const socket = this.socket;
    if (socket.readyState !== WebSocket.OPEN) return true; // closing: graphql-ws ends the operation
    const payload = shared.bytes;
    const envelope = this.envelope;
    const size = (this.messageBytes = envelope.length + payload.length + 1);
    if (socket.bufferedAmount >= this.maxPending * size) return false;
    // Bytes, not a string: the shared payload is encoded once, not once per subscriber.
    const message = Buffer.allocUnsafe(size);
    envelope.copy(message, 0);
    payload.copy(message, envelope.length);
    message[size - 1] = 0x7d; // }
    socket.send(message, TEXT_FRAME);
    return true;
  }

  pending(): number {
    return Math.floor(this.socket.bufferedAmount / this.messageBytes);
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
    return this.socket.bufferedAmount >= (this.maxPending / 2) * this.messageBytes && this.socket.readyState === WebSocket.OPEN;
  }
}
