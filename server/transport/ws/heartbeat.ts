import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';

/** Sockets are pinged in this many slices, one slice per 1/SLICES of the interval. */
const SLICES = 8;

/**
 * One keep-alive timer for every socket, not a timer each. Each socket is pinged once per interval with a
 * fresh random payload; a socket that did not echo its previous ping's payload is dead and is terminated.
 * Only the echo of our own ping counts: a client that stopped reading cannot see the ping queued behind what
 * it left unread, so unsolicited pongs do not keep a stalled connection (and its buffered messages) alive.
 * The sockets are spread over slices pinged in turn: pinging 5,000 sockets in one tick stalled the event loop
 * for tens of milliseconds, which every delivery then waited out.
 */
export class Heartbeat {
  private readonly answered = new WeakSet<WebSocket>();
  private readonly sliceOf = new WeakMap<WebSocket, number>();
  private readonly payloads = Array.from({ length: SLICES }, () => randomBytes(8));
  private assigned = 0;
  private turn = 0;
  private readonly timer: NodeJS.Timeout;
  /** Shared by every socket (`this` is the socket): a closure each would cost memory per connection. */
  private readonly onPong: (this: WebSocket, data: Buffer) => void;

  constructor(
    private readonly sockets: () => Iterable<WebSocket>,
    everyMs: number,
    /** Called for every live socket once per interval, right after its ping went out (the token-expiry recheck). */
    private readonly onTick: (socket: WebSocket) => void,
    /** Called when a socket echoed its ping: it has read everything written before it. */
    onEchoed: (socket: WebSocket) => void = () => {},
  ) {
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.floor(everyMs / SLICES)));
    this.timer.unref();
    const heartbeat = this;
    this.onPong = function onPong(this: WebSocket, data: Buffer) {
      const slice = heartbeat.sliceOf.get(this);
      if (slice === undefined || !data.equals(heartbeat.payloads[slice] as Buffer)) return;
      heartbeat.answered.add(this);
      onEchoed(this);
    };
  }

  /** A new socket counts as answered until its slice's next turn. */
  watch(socket: WebSocket): void {
    this.sliceOf.set(socket, this.assigned++ % SLICES);
    this.answered.add(socket);
    socket.on('pong', this.onPong);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const slice = this.turn++ % SLICES;
    const payload = randomBytes(8);
    for (const socket of this.sockets()) {
      if (this.sliceOf.get(socket) !== slice) continue;
      if (!this.answered.delete(socket)) {
        socket.terminate(); // its subscriptions close through the 'close' event
        continue;
      }
      socket.ping(payload);
      this.onTick(socket);
    }
    this.payloads[slice] = payload;
  }
}
