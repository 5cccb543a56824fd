/**
 * The baseline: a bare `ws` server that sends one string to every connected client. POST /broadcast
 * with a JSON body `{ "count": n }` sends n messages back to back. Run by scripts/bench/fanout.ts.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += String(d)));
  req.on('end', () => {
    const { count } = JSON.parse(body || '{"count":1}') as { count: number };
    for (let i = 0; i < count; i++) {
      const message = JSON.stringify({ type: 'next', id: 'raw', payload: { data: { events: { sequence: i, channel: 'property', type: 'property.update', payload: { price: 450000 }, t: Date.now() } } } });
      for (const client of wss.clients) client.send(message);
    }
    res.end('ok');
  });
});
const wss = new WebSocketServer({ server });
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
});
