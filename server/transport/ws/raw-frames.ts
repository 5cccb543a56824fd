import { handleProtocols } from 'graphql-ws';
import { WebSocketServer } from 'ws';

/**
 * What the graphql-ws transport relies on in `ws`, in one place (tests/unit/library-internals.test.ts fails
 * if `ws` changes any of it): event messages (and the heartbeat's pings) are written to the connection's TCP socket as ready-made frames,
 * in one write, where `ws` would write each frame's header and data as two buffers (a `writev`) — on the
 * fan-out's hot path that costs more than all the rest. That is safe only because the server never
 * compresses: without permessage-deflate `ws` writes every frame at once, so it never holds one back and
 * nothing written beside it can overtake one.
 */
export function createWebSocketServer(maxPayload: number): WebSocketServer {
  return new WebSocketServer({ noServer: true, maxPayload, handleProtocols: chooseProtocol, perMessageDeflate: false });
}

/** subscriptions-transport-ws's subprotocol (the legacy protocol), confusingly named like graphql-ws itself. */
export const LEGACY_PROTOCOL = 'graphql-ws';

/**
 * graphql-ws's protocol when offered; else the legacy one is accepted, only so that its client hears why it is
 * refused (a close reason): without a subprotocol in the answer it aborts before any close frame.
 */
function chooseProtocol(protocols: Set<string>): string | false {
  const chosen = handleProtocols(protocols);
  if (chosen) return chosen;
  return protocols.has(LEGACY_PROTOCOL) ? LEGACY_PROTOCOL : false;
}

/** FIN and the text opcode: a whole text message in one frame. */
const FIN_TEXT = 0x81;

/**
 * An unmasked text frame (a server's) of `head` + `body` + `last`, with the 7-, 16- or 64-bit length
 * encoding RFC 6455 prescribes: the same bytes `ws` sends for that message.
 */
export function textFrame(head: Buffer, body: Buffer, last: number): Buffer {
  const length = head.length + body.length + 1;
  const headerBytes = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerBytes + length);
  frame[0] = FIN_TEXT;
  if (headerBytes === 2) frame[1] = length;
  else if (headerBytes === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  head.copy(frame, headerBytes);
  body.copy(frame, headerBytes + head.length);
  frame[frame.length - 1] = last;
  return frame;
}

/** FIN and the ping opcode. */
const FIN_PING = 0x89;

/**
 * An unmasked ping frame (a server's) carrying `payload` (at most 125 bytes): what `ws` sends for
 * `socket.ping(payload)`, built once for every socket a heartbeat slice pings.
 */
export function pingFrame(payload: Buffer): Buffer {
  if (payload.length > 125) throw new RangeError('A ping carries at most 125 bytes.');
  const frame = Buffer.allocUnsafe(2 + payload.length);
  frame[0] = FIN_PING;
  frame[1] = payload.length;
  payload.copy(frame, 2);
  return frame;
}
