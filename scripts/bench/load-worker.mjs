/**
 * A load generator thread: opens `connections` WebSockets to one target, subscribes (graphql-ws) or just
 * listens (raw), and reports counts and latencies when asked. Loopback only; bounded by its parent.
 * Plain JavaScript: worker threads do not inherit tsx's loader on Node 20.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';

/** @type {{ url: string, connections: number, mode: 'graphql-ws' | 'raw' | 'sse', token?: string, orgId?: string }} */
const job = workerData;
let received = 0;
/** @type {number[]} */
let latencies = [];
let open = 0;
/** @type {WebSocket[]} */
const sockets = [];
const query = 'subscription($o: ID!) { events(orgId: $o, channels: ["property"]) { sequence channel type payload } }';

/**
 * One SSE stream (distinct-connections mode): a POST whose response is read as it arrives. node:http, not
 * fetch: thousands of WHATWG streams would make this thread, not the server, the bottleneck.
 */
function openSse() {
  const url = new URL(job.url);
  const req = httpRequest({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${job.token}` },
  });
  requests.push(req);
  req.on('error', () => {}); // destroyed at the end of the run
  req.on('response', (res) => {
    open += 1;
    res.setEncoding('utf8');
    let rest = '';
    res.on('data', (chunk) => {
      rest += chunk;
      let end;
      while ((end = rest.indexOf('\n\n')) >= 0) {
        const frame = rest.slice(0, end);
        rest = rest.slice(end + 2);
        if (!frame.startsWith('event: next')) continue;
        received += 1;
        if (received % 10 === 0) {
          const m = /"t":(\d+)/.exec(frame);
          if (m) latencies.push(Date.now() - Number(m[1]));
        }
      }
    });
  });
  req.end(JSON.stringify({ query, variables: { o: job.orgId } }));
}

/** @type {import('node:http').ClientRequest[]} */
const requests = [];
for (let i = 0; job.mode === 'sse' && i < job.connections; i++) openSse();

for (let i = 0; job.mode !== 'sse' && i < job.connections; i++) {
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
    for (const r of requests) r.destroy();
    parentPort.postMessage({ closed: true });
  }
});
