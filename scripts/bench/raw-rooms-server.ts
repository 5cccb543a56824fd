/**
 * The multi-tenant baseline: a bare `ws` server with rooms. A client names its rooms in the URL
 * (`/?rooms=a,b`); a publish (rooms-publish.ts) serializes its message once and sends it to every member of
 * the room. Run by scripts/bench/tenants.ts.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { createPublishServer, listen } from './rooms-publish.js';

const rooms = new Map<string, Set<WebSocket>>();

const server = createPublishServer((room, message) => {
  const members = rooms.get(room);
  if (!members) return;
  const text = JSON.stringify(message);
  for (const ws of members) ws.send(text);
});

const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const names = new URL(req.url ?? '/', 'http://x').searchParams.get('rooms')?.split(',') ?? [];
  for (const name of names) {
    let members = rooms.get(name);
    if (!members) rooms.set(name, (members = new Set()));
    members.add(ws);
  }
  ws.once('close', () => {
    for (const name of names) {
      const members = rooms.get(name);
      members?.delete(ws);
      if (members?.size === 0) rooms.delete(name);
    }
  });
});
listen(server);
