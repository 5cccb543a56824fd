/**
 * The baseline: a bare `ws` server that sends one string to every connected client. POST /broadcast
 * with a JSON body `{ "count": n, "intervalMs": ms }` sends n messages, back to back or one every `ms`,
 * and answers when the last was sent. Run by scripts/bench/fanout.ts.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const broadcast = (i: number) => {
  const message = JSON.stringify({
    type: 'next',
    id: 'raw',
    payload: {
      data: {
        events: {
          sequence: i,
          channel: 'property',
          type: 'property.update',
          payload: { price: 450000, t: Date.now() },
        },
      },
    },
  });
  for (const client of wss.clients) client.send(message);
};

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += String(d)));
  req.on('end', () => {
    const { count, intervalMs = 0 } = JSON.parse(body || '{"count":1}') as { count: number; intervalMs?: number };
    if (intervalMs <= 0) {
      for (let i = 0; i < count; i++) broadcast(i);
      return res.end('ok');
    }
    let i = 0;
    const timer = setInterval(() => {
      broadcast(i++);
      if (i >= count) {
        clearInterval(timer);
        res.end('ok');
      }
    }, intervalMs);
  });
});
const wss = new WebSocketServer({ server });
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
});
