import WebSocket from 'ws';
import { Inbox } from './inbox.js';

export interface RawSocket {
  socket: WebSocket;
  messages: Inbox<any>;
  closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
  /** connection_init with an optional token, resolved on connection_ack. */
  init(token?: string): Promise<void>;
}

/** A bare graphql-transport-ws socket, to see exactly which frames and close codes the server sends. */
export async function openRaw(
  url: string,
  options: { origin?: string; headers?: Record<string, string> } = {},
): Promise<RawSocket> {
  // `headers.host` replaces the Host header (node:http sends a given one as is): a forged Host, as after DNS rebinding.
  const socket = new WebSocket(url, 'graphql-transport-ws', {
    ...(options.origin ? { origin: options.origin } : {}),
    headers: options.headers,
  });
  const messages = new Inbox<any>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
  });
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  const send = (message: unknown) => socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  return {
    socket,
    messages,
    closed,
    send,
    async init(token) {
      send({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} });
      const ack = await messages.next('connection_ack');
      if (ack.type !== 'connection_ack') throw new Error(`expected connection_ack, got ${JSON.stringify(ack)}`);
    },
  };
}
