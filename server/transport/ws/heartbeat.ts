import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { pingFrame } from './raw-frames.js';

/** How often a slice of the sockets is pinged: each tick pings about N / (interval / TICK_MS) of N sockets. */
const TICK_MS = 100;
const MAX_SLICES = 256;
/**
 * A quiet socket (nothing written to it since its last ping) is pinged only every QUIET_ROUNDS-th interval:
 * 36 s at the default 12 s, still under the 60 s idle timeouts of common proxies and load balancers.
 */
const QUIET_ROUNDS = 3;

/**
 * The longest a live socket goes without a ping (and so without `onPinged`) at `everyMs`, with an interval of
 * slack for a late timer: a check riding on the pings must look this far ahead (the token-expiry horizon).
 */
export const longestPingGapMs = (everyMs: number): number => (QUIET_ROUNDS + 1) * everyMs;

/**
 * One keep-alive timer for every socket, not a timer each. Each socket is pinged once per interval with a
 * fresh random payload; a socket that did not echo its previous ping's payload is dead and is terminated.
 * Only the echo of our own ping counts: a client that stopped reading cannot see the ping queued behind what
 * it left unread, so unsolicited pongs do not keep a stalled connection (and its buffered messages) alive.
 *
 * The sockets are spread over slices, one pinged every TICK_MS, each slice a set of its own: pinging 5,000
 * sockets in one tick stalled the event loop for tens of milliseconds, which every delivery then waited out,
 * and walking every socket on every tick to find a slice's cost more than the pings at 10,000 idle
 * connections (issue 18). A slice's ping is one ready-made frame written to each TCP socket (raw-frames.ts).
 * Pings and their echoes were most of what 10,000 idle connections cost, so a socket nothing was written to
 * since its last ping is pinged every QUIET_ROUNDS intervals only: a stalled reader always has something
 * written since (it is pinged every interval, and cut off as before); a dead idle peer is found a little later.
 */
export class Heartbeat {
  private readonly answered = new WeakSet<WebSocket>();
  private readonly sliceOf = new WeakMap<WebSocket, number>();
  private readonly tcpOf = new WeakMap<WebSocket, Duplex>();
  /** The socket's bytes written right after its last ping, and how many turns it has been skipped since. */
  private readonly writtenAtPing = new WeakMap<WebSocket, number>();
  private readonly skipped = new WeakMap<WebSocket, number>();
  private readonly slices: Set<WebSocket>[];
  private readonly payloads: Buffer[];
  private assigned = 0;
  private turn = 0;
  private readonly timer: NodeJS.Timeout;
  /** Shared by every socket (`this` is the socket): a closure each would cost memory per connection. */
  private readonly onPong: (this: WebSocket, data: Buffer) => void;
  private readonly onClose: (this: WebSocket) => void;

  constructor(
    everyMs: number,
    /**
     * Called right after a ping went out to the socket (the token-expiry recheck rides on it): every interval
     * for a busy socket, every QUIET_ROUNDS-th for a quiet one. Skipped turns call nothing: walking 10,000
     * quiet sockets' state to find that nothing changed was a sixth of an idle deployment's CPU (issue 18).
     */
    private readonly onPinged: (socket: WebSocket) => void,
    /** Called when a socket echoed its ping: it has read everything written before it. */
    onEchoed: (socket: WebSocket) => void = () => {},
  ) {
    const count = Math.min(MAX_SLICES, Math.max(1, Math.round(everyMs / TICK_MS)));
    this.slices = Array.from({ length: count }, () => new Set<WebSocket>());
    this.payloads = Array.from({ length: count }, () => randomBytes(8));
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.floor(everyMs / count)));
    this.timer.unref();
    const heartbeat = this;
    this.onPong = function onPong(this: WebSocket, data: Buffer) {
      const slice = heartbeat.sliceOf.get(this);
      if (slice === undefined || !data.equals(heartbeat.payloads[slice] as Buffer)) return;
      heartbeat.answered.add(this);
      onEchoed(this);
    };
    this.onClose = function onClose(this: WebSocket) {
      const slice = heartbeat.sliceOf.get(this);
      if (slice !== undefined) heartbeat.slices[slice]?.delete(this);
    };
  }

  /** A new socket, with the TCP socket `ws` was given for it; it counts as answered until its slice's next turn. */
  watch(socket: WebSocket, tcp: Duplex): void {
    const slice = this.assigned++ % this.slices.length;
    this.sliceOf.set(socket, slice);
    this.tcpOf.set(socket, tcp);
    this.slices[slice]?.add(socket);
    this.answered.add(socket);
    socket.on('pong', this.onPong);
    socket.once('close', this.onClose);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const slice = this.turn++ % this.slices.length;
    const sockets = this.slices[slice] as Set<WebSocket>;
    if (sockets.size === 0) return;
    const payload = randomBytes(8);
    const frame = pingFrame(payload);
    for (const socket of sockets) {
      if (socket.readyState !== WebSocket.OPEN) continue;
      if (!this.answered.has(socket)) {
        socket.terminate(); // its subscriptions close through the 'close' event
        continue;
      }
      const tcp = this.tcpOf.get(socket) as Duplex;
      const written = (tcp as Partial<Socket>).bytesWritten;
      const skipped = this.skipped.get(socket) ?? 0;
      if (written !== undefined && written === this.writtenAtPing.get(socket) && skipped < QUIET_ROUNDS - 1) {
        this.skipped.set(socket, skipped + 1);
        continue;
      }
      this.answered.delete(socket);
      this.skipped.delete(socket);
      tcp.write(frame);
      if (written !== undefined) this.writtenAtPing.set(socket, written + frame.length);
      this.onPinged(socket);
    }
    this.payloads[slice] = payload;
  }
}
