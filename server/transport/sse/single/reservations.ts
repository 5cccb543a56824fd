import { randomUUID } from 'node:crypto';
import type { ExecutionResult } from 'graphql';
import { type Session, createSession } from '../../../auth/session.js';
import type { Viewer } from '../../../auth/viewer.js';
import type { SlotCounter } from '../../../limits/slot-counter.js';
import type { SseResponse } from '../sse-response.js';

/**
 * One reserved single-connection stream: whose it is (bound to the user who reserved it: every later
 * request must carry that user's token), its event stream once opened, and its running operations.
 */
export class Reservation {
  /** The operations' session: one per stream, so per-connection limits count its subscriptions together. */
  readonly session: Session;
  response: SseResponse | undefined;
  /** Running operations by id: a subscription's iterator, or null while a query or mutation runs. */
  readonly operations = new Map<string, AsyncIterator<ExecutionResult> | null>();

  constructor(
    readonly token: string,
    viewer: Viewer,
    /** An unopened reservation is dropped at this time (ms). */
    readonly expiresAt: number,
  ) {
    this.session = createSession(viewer, 'sse');
  }

  get userId(): string {
    return (this.session.viewer as Viewer).userId;
  }
}

/**
 * The instance's reserved streams. A reservation takes one of its user's connection slots (shared with
 * graphql-ws and distinct SSE), is dropped if not opened within the TTL, and is dropped with its operations
 * when its stream closes. Tokens are unguessable and never chosen by clients.
 */
export class Reservations {
  private readonly byToken = new Map<string, Reservation>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly connections: SlotCounter<string>,
    private readonly ttlMs: number,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(50, Math.floor(ttlMs / 2)));
    this.sweeper.unref();
  }

  /** A new reservation for `viewer`, or undefined when the user holds all their connection slots. */
  reserve(viewer: Viewer): Reservation | undefined {
    if (!this.connections.acquire(viewer.userId)) return undefined;
    const reservation = new Reservation(randomUUID(), viewer, Date.now() + this.ttlMs);
    this.byToken.set(reservation.token, reservation);
    return reservation;
  }

  /** The reservation of `token` if `viewer` owns it; anyone else gets the same answer as for an unknown token. */
  find(token: string, viewer: Viewer): Reservation | undefined {
    const reservation = this.byToken.get(token);
    return reservation?.userId === viewer.userId ? reservation : undefined;
  }

  /** Ends a reservation: its operations stop, its stream ends, its connection slot is given back. */
  drop(reservation: Reservation): void {
    if (this.byToken.get(reservation.token) !== reservation) return;
    this.byToken.delete(reservation.token);
    this.connections.release(reservation.userId);
    for (const op of reservation.operations.values()) void op?.return?.();
    reservation.operations.clear();
    reservation.response?.end();
  }

  get size(): number {
    return this.byToken.size;
  }

  /** Reservations whose stream is open (counted when asked: /metrics, serverStats). */
  openStreams(): number {
    let open = 0;
    for (const r of this.byToken.values()) if (r.response) open++;
    return open;
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const r of [...this.byToken.values()]) this.drop(r);
  }

  private sweep(): void {
    const now = Date.now();
    for (const r of [...this.byToken.values()]) if (!r.response && r.expiresAt <= now) this.drop(r);
  }
}
