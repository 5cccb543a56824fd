import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What the SSE writer relies on in Node's HTTP server, in one place (tests/unit/library-internals.test.ts fails
 * if Node changes any of it): a streamed response without a length is chunked; once its headers are sent and
 * its own buffer is empty, bytes written to its socket land after everything it wrote; and it keeps its sent
 * head as the private string `_header`.
 */

const CRLF = Buffer.from('\r\n');

/** A frame as one HTTP/1.1 chunk (size line, frame, CRLF), for writing to the socket directly. */
export const chunk = (frame: Buffer): Buffer =>
  Buffer.concat([Buffer.from(`${frame.length.toString(16)}\r\n`), frame, CRLF]);

/**
 * Whether chunks may be written to the response's socket without overtaking anything: an HTTP/1.1 chunked
 * response whose headers were sent and whose own buffer holds nothing more (a pipelined response waiting for
 * the one before it does not qualify).
 */
export function canWriteChunksToSocket(res: ServerResponse): res is ServerResponse & { socket: Socket } {
  const socket = res.socket;
  if (!socket || socket.destroyed || !res.headersSent || !res.chunkedEncoding || res.writableEnded) return false;
  return res.writableLength - socket.writableLength === 0;
}

/**
 * Node keeps a response's head, for the response's life, as the string it concatenated header by header:
 * some forty rope pieces, about 1.2 KB per open stream. Once sent, a flat copy of the same (Latin-1) bytes
 * holds a quarter of that.
 */
export function flattenHead(res: ServerResponse): void {
  const r = res as unknown as { _header?: unknown };
  if (typeof r._header === 'string') r._header = Buffer.from(r._header, 'latin1').toString('latin1');
}
