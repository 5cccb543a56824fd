/**
 * A load generator thread: opens `connections` WebSockets to one target, subscribes (graphql-ws) or just
 * listens (raw), and reports counts and latencies when asked. Loopback only; bounded by its parent.
 * Plain JavaScript: worker threads do not inherit tsx's loader on Node 20.
 */
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';

/** @type {{ url: string, connections: number, mode: 'graphql-ws' | 'raw', token?: string, orgId?: string }} */
const job = workerData;
let received = 0;
/** @type {number[]} */
let latencies = [];
let open = 0;
/** @type {WebSocket[]} */
const sockets = [];
const query = 'subscription($o: ID!) { events(orgId: $o, channels: ["property"]) { sequence channel type payload } }';

for (let i = 0; i < job.connections; i++) {
  const ws = job.mode === 'raw' ? new WebSocket(job.url) : new WebSocket(job.url, 'graphql-transport-ws');
  sockets.push(ws);
  ws.on('open', () => {
    if (job.mode === 'raw') return void (open += 1);
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${job.token}` } }));
  });
  ws.on('message', (data) => {
    const text = String(data);
    if (text.startsWith('{"type":"connection_ack"')) {
      ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: { o: job.orgId } } }));
      open += 1;
      return;
    }
    received += 1;
    // Latency from the publisher's timestamp (`t` in the payload); sampled to keep this thread light.
    if (received % 10 === 0) {
      const m = /"t":(\d+)/.exec(text);
      if (m) latencies.push(Date.now() - Number(m[1]));
    }
  });
  ws.on('error', () => {});
}

parentPort.on('message', (msg) => {
  if (msg === 'report') {
    parentPort.postMessage({ open, received, latencies });
    latencies = [];
  } else if (msg === 'close') {
    for (const s of sockets) s.terminate();
    parentPort.postMessage({ closed: true });
  }
});
