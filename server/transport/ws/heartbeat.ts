import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';

/**
 * One keep-alive timer for every socket, not a timer each. Every tick pings each socket with a fresh random
 * payload; a socket that did not echo the previous tick's payload is dead and is terminated. Only the echo of
 * our own ping counts: a client that stopped reading cannot see the ping queued behind what it left unread,
 * so unsolicited pongs do not keep a stalled connection (and its buffered messages) alive.
 */
export class Heartbeat {
  private readonly answered = new WeakSet<WebSocket>();
  private payload = randomBytes(8);
  private readonly timer: NodeJS.Timeout;
  /** Shared by every socket (`this` is the socket): a closure each would cost memory per connection. */
  private readonly onPong: (this: WebSocket, data: Buffer) => void;

  constructor(
    private readonly sockets: () => Iterable<WebSocket>,
    everyMs: number,
    /** Called for every live socket at each tick (the token-expiry recheck). */
    private readonly onTick: (socket: WebSocket) => void,
  ) {
    this.timer = setInterval(() => this.tick(), everyMs);
    this.timer.unref();
    const heartbeat = this;
    this.onPong = function onPong(this: WebSocket, data: Buffer) {
      if (data.equals(heartbeat.payload)) heartbeat.answered.add(this);
    };
  }

  /** A new socket counts as answered until the first tick. */
  watch(socket: WebSocket): void {
    this.answered.add(socket);
    socket.on('pong', this.onPong);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const payload = randomBytes(8);
    for (const socket of this.sockets()) {
      if (!this.answered.delete(socket)) {
        socket.terminate(); // its subscriptions close through the 'close' event
        continue;
      }
      socket.ping(payload);
      this.onTick(socket);
    }
    this.payload = payload;
  }
}
