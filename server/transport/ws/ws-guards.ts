import type { Duplex } from 'node:stream';
import { CloseCode } from 'graphql-ws';
import { WebSocket } from 'ws';
import { type Session, expiresAtMs } from '../../auth/session.js';
import { type TokenVerifier, type VerifyResult, parseBearer } from '../../auth/tokens.js';

const CLIENT_MESSAGE_TYPES = new Set(['connection_init', 'ping', 'pong', 'subscribe', 'complete']);

/**
 * Verifies `authorization` (or `Authorization`) = `Bearer <jwt>` from connection params or an operation's
 * `extensions.headers`; null when there is none (an anonymous caller, as on HTTP without a header).
 */
export async function authorize(
  verifier: TokenVerifier,
  holder: Record<string, unknown> | undefined | null,
): Promise<VerifyResult | null> {
  const raw = holder?.authorization ?? holder?.Authorization;
  if (raw === undefined || raw === null || raw === '') return null;
  const token = parseBearer(raw);
  return token ? verifier.verify(token) : { ok: false, reason: 'authorization must be "Bearer <token>"' };
}

/**
 * Closes the socket with 4403 when its session's token expires. Only a token expiring within `horizonMs`
 * gets a timer; `recheck` (the transport's heartbeat calls it with each ping, so `horizonMs` must be at least the
 * longest gap between two pings) arms one when the expiry comes near, so the thousands of connections with
 * long-lived tokens hold no timer each. A refreshed session moves the deadline: the timer looks again instead of
 * closing.
 */
export function closeWhenExpired(
  socket: WebSocket,
  session: Session,
  horizonMs: number,
): { recheck(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const recheck = () => {
    const at = expiresAtMs(session);
    if (at === undefined || socket.readyState !== WebSocket.OPEN) return;
    const left = at - Date.now();
    if (left <= 0) return socket.close(CloseCode.Forbidden, 'Token expired');
    if (left > horizonMs || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      recheck();
    }, left + 5).unref(); // +5 ms: after the deadline, not on it
  };
  recheck();
  return { recheck, stop: () => clearTimeout(timer) };
}

/** Messages only a server may send (next, error, connection_ack...) get 4400, as the protocol says. */
export function protocolMisuse(text: string): string | undefined {
  let type: unknown;
  try {
    type = (JSON.parse(text) as { type?: unknown }).type;
  } catch {
    return undefined; // graphql-ws itself answers unparsable messages with 4400
  }
  if (typeof type === 'string' && !CLIENT_MESSAGE_TYPES.has(type))
    return `Unexpected message of type "${type.slice(0, 32)}" from a client`;
  return undefined;
}

/** A WebSocket close reason holds at most 123 bytes of UTF-8 (`ws` throws past that): cut to fit. */
export function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

export function refuse(socket: Duplex, status: number, reason: string, body: string) {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
