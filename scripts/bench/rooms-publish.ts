/**
 * The publish side of the bench's baseline room servers (raw-rooms-server.ts, socketio-rooms-server.ts):
 * POST /publish with `{ "room": "...", "payload": {...} }` sends one message to the room's members and answers
 * when it was sent, as Switchboard's `publishEvent` answers after its fan-out started. Each room numbers its
 * messages, so the load threads can check order as they do for Switchboard's sequences.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';

export interface RoomMessage {
  type: 'next';
  id: 'raw';
  payload: { data: { events: { sequence: number; channel: string; type: string; payload: unknown } } };
}

export function createPublishServer(send: (room: string, message: RoomMessage) => void) {
  const sequences = new Map<string, number>();
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== '/publish') return;
    let body = '';
    req.on('data', (d) => (body += String(d)));
    req.on('end', () => {
      const { room, payload } = JSON.parse(body) as { room: string; payload: unknown };
      const sequence = (sequences.get(room) ?? 0) + 1;
      sequences.set(room, sequence);
      send(room, {
        type: 'next',
        id: 'raw',
        payload: { data: { events: { sequence, channel: 'property', type: 'property.update', payload } } },
      });
      res.end('{"ok":true}');
    });
  });
}

export function listen(server: ReturnType<typeof createServer>): void {
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
  });
}
