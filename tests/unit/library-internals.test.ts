import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import WebSocket from 'ws';
import { canWriteChunksToSocket, chunk, flattenHead } from '../../server/transport/sse/node-chunks.js';
import { createWebSocketServer, pingFrame, textFrame } from '../../server/transport/ws/raw-frames.js';

// The speed tricks rest on a few facts about `ws` and Node's HTTP server (server/transport/ws/raw-frames.ts,
// server/transport/sse/node-chunks.ts). These tests fail when a library upgrade changes one of them.

/** ws's own frame builder (exported at run time, not in @types/ws). */
const { Sender } = wsModule as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('ws, under the graphql-ws transport', () => {
  it.each([10, 200, 70_000])('frames a %i-byte text message exactly as ws does', (size) => {
    const head = Buffer.from('{"id":"1","type":"next","payload":');
    const body = Buffer.from('x'.repeat(size));
    const whole = Buffer.concat([head, body, Buffer.from('}')]);
    const theirs = Buffer.concat(
      Sender.frame(whole, { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false }),
    );
    expect(textFrame(head, body, 0x7d).equals(theirs)).toBe(true);
  });

  it('frames a heartbeat ping exactly as ws does', () => {
    const payload = Buffer.from('8 bytes!');
    const theirs = Buffer.concat(
      Sender.frame(payload, { fin: true, opcode: 9, mask: false, readOnly: true, rsv1: false }),
    );
    expect(pingFrame(payload).equals(theirs)).toBe(true);
  });

  it('never negotiates compression, whatever the client offers, and delivers frames written beside it in order', async () => {
    const wss = createWebSocketServer(1024 * 1024);
    const http = createServer();
    http.on('upgrade', (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.send('first'); // through ws
        socket.write(textFrame(Buffer.from('sec'), Buffer.from('on'), 0x64)); // beside it: "second"
        ws.send('third');
      }),
    );
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () => new Promise<void>((resolve) => http.close(() => resolve())),
      () => wss.close(),
    );
    const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`, { perMessageDeflate: true });
    cleanups.push(() => client.terminate());
    const messages: string[] = [];
    await new Promise<void>((resolve) =>
      client.on('message', (data) => {
        messages.push(String(data));
        if (messages.length === 3) resolve();
      }),
    );
    expect(client.extensions).toBe('');
    expect(messages).toEqual(['first', 'second', 'third']);
  });
});

describe("Node's HTTP server, under the SSE writer", () => {
  it('chunks a streamed response, keeps its head as a string, and takes chunks written to its socket in order', async () => {
    const seen: Record<string, unknown> = {};
    const http = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('first;');
      seen.head = typeof (res as unknown as { _header?: unknown })._header;
      const before = String((res as unknown as { _header: string })._header);
      flattenHead(res);
      seen.sameHead = (res as unknown as { _header: string })._header === before;
      seen.chunked = res.chunkedEncoding;
      setImmediate(() => {
        seen.direct = canWriteChunksToSocket(res);
        res.socket?.write(chunk(Buffer.from('second;')));
        res.end('third');
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const res = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
    expect(await res.text()).toBe('first;second;third');
    expect(seen).toEqual({ head: 'string', sameHead: true, chunked: true, direct: true });
  });
});
