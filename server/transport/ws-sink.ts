import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { DirectSink, SharedResult } from './direct-sink.js';

/** FIN and the text opcode: a whole text message in one frame. */
const FIN_TEXT = 0x81;

/**
 * Sends one operation's results as graphql-ws `next` messages: the result's JSON is shared by every
 * subscriber of the event, only the envelope with the operation id is per subscriber. Each message goes
 * to the connection's TCP socket as one ready-made WebSocket frame, in one write: `ws` would write its
 * header and the data as two buffers (a `writev`), which on this path costs more than all the rest.
 * The bytes are the ones `ws` writes for an unmasked text frame without compression (the server is made
 * without `perMessageDeflate`, so `ws` never holds frames back, and nothing written here can overtake one).
 * How far behind the peer is comes from the socket's buffered bytes, counted in messages of the current
 * size: no callback per message. A class, not closures: tens of thousands of idle subscriptions hold one.
 */
export class WsSink implements DirectSink {
  private readonly envelope: Buffer;
  private messageBytes = 256;

  constructor(
    private readonly socket: WebSocket,
    /** The TCP socket `ws` was given at the upgrade. */
    private readonly tcp: Duplex,
    id: string,
    private readonly maxPending: number,
  ) {
    this.envelope = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  }

  attach(): void {}

  send(shared: SharedResult): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return true; // closing: graphql-ws ends the operation
    const payload = shared.bytes;
    const envelope = this.envelope;
    const length = envelope.length + payload.length + 1;
    const head = length < 126 ? 2 : length < 65_536 ? 4 : 10;
    const size = (this.messageBytes = head + length);
    if (this.tcp.writableLength >= this.maxPending * size) return false;
    const frame = Buffer.allocUnsafe(size);
    frame[0] = FIN_TEXT;
    if (head === 2) frame[1] = length;
    else if (head === 4) {
      frame[1] = 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 127;
      frame.writeUInt32BE(0, 2);
      frame.writeUInt32BE(length, 6);
    }
    envelope.copy(frame, head);
    payload.copy(frame, head + envelope.length);
    frame[size - 1] = 0x7d; // }
    this.tcp.write(frame);
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
    return this.tcp.writableLength >= (this.maxPending / 2) * this.messageBytes && this.socket.readyState === WebSocket.OPEN;
  }
}
