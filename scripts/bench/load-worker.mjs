/**
 * A load generator thread: opens `connections` WebSockets (or SSE streams, or Socket.IO clients) to one
 * target, subscribes (graphql-ws, SSE) or joins rooms (raw, socketio), and reports counts and latencies when
 * asked. Loopback only; bounded by its parent.
 * Plain JavaScript: worker threads do not inherit tsx's loader on Node 20.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import { io as socketIo } from 'socket.io-client';

/**
 * `orgIds`, when given, spreads the connections over organizations (connection i subscribes to
 * orgIds[(offset + i) % length]) and checks each connection's sequences for order. With `distinct`, every
 * connection has a filter of its own: subjects `shared` (what the bench publishes) and `own-<i>` (nothing),
 * so no two subscribers send the same variables; raw and Socket.IO clients join the matching rooms
 * `<org>:shared` and `<org>:own-<i>` (raw and Socket.IO rooms are the organization itself without it).
 * @type {{ url: string, connections: number, mode: 'graphql-ws' | 'raw' | 'sse' | 'socketio', token?: string, orgId?: string, orgIds?: string[], offset?: number, distinct?: boolean }}
 */
const job = workerData;
let received = 0;
/** Messages whose sequence was not above the previous one on the same connection. */
let disorder = 0;
/** @type {number[]} */
let latencies = [];
let open = 0;
/** @type {WebSocket[]} */
const sockets = [];
const query =
  'subscription($o: ID!, $s: [ID!]) { events(orgId: $o, channels: ["property"], subjectIds: $s) { sequence channel type payload } }';

/** Connection `index`'s organization, subscription variables, and rooms (raw, socketio). */
function target(index) {
  const orgId = job.orgIds ? job.orgIds[((job.offset ?? 0) + index) % job.orgIds.length] : job.orgId;
  const own = `own-${(job.offset ?? 0) + index}`;
  return {
    orgId,
    variables: job.distinct ? { o: orgId, s: ['shared', own] } : { o: orgId },
    rooms: job.distinct ? [`${orgId}:shared`, `${orgId}:${own}`] : [orgId],
  };
}

/** Counts one message; `text` is what carries `"sequence":n` and `"t":ms`. */
function count(text, state) {
  received += 1;
  if (job.orgIds) {
    const seq = Number(/"sequence":(\d+)/.exec(text)?.[1] ?? 0);
    if (seq <= state.lastSeq) disorder += 1;
    state.lastSeq = seq;
  }
  // Latency from the publisher's timestamp (`t` in the payload); sampled to keep this thread light.
  if (received % 10 === 0) {
    const m = /"t":(\d+)/.exec(text);
    if (m) latencies.push(Date.now() - Number(m[1]));
  }
}

/**
 * One SSE stream (distinct-connections mode): a POST whose response is read as it arrives. node:http, not
 * fetch: thousands of WHATWG streams would make this thread, not the server, the bottleneck.
 */
function openSse(attempt = 0, index = requests.length) {
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
  let responded = false;
  req.on('error', () => {
    // Destroyed at the end of the run, or refused: try again a few times.
    if (!responded && attempt < 3) setTimeout(() => openSse(attempt + 1, index), 200);
  });
  req.on('response', (res) => {
    responded = true;
    opened();
    res.setEncoding('utf8');
    const state = { lastSeq: 0 };
    let rest = '';
    res.on('data', (chunk) => {
      rest += chunk;
      let end;
      while ((end = rest.indexOf('\n\n')) >= 0) {
        const frame = rest.slice(0, end);
        rest = rest.slice(end + 2);
        if (frame.startsWith('event: next')) count(frame, state);
      }
    });
  });
  req.end(JSON.stringify({ query, variables: target(index).variables }));
}

/** @type {import('node:http').ClientRequest[]} */
const requests = [];

/**
 * At most this many connection attempts in flight per thread, as a fleet of real clients would arrive:
 * thousands of simultaneous SYNs overflow the server's accept backlog and stall for minutes.
 */
const CONCURRENT_OPENS = 100;
let started = 0;
let opening = 0;
function openMore() {
  while (opening < CONCURRENT_OPENS && started < job.connections) {
    started += 1;
    opening += 1;
    if (job.mode === 'sse') openSse();
    else if (job.mode === 'socketio') openSocketIo();
    else openWs(0);
  }
}
function opened() {
  open += 1;
  opening -= 1;
  openMore();
}

/** @type {import('socket.io-client').Socket[]} */
const ioSockets = [];

/** A Socket.IO client (WebSocket transport only, as a tuned deployment runs it) in its organization's rooms. */
function openSocketIo() {
  const { rooms } = target(ioSockets.length);
  const socket = socketIo(job.url, { transports: ['websocket'], forceNew: true, query: { rooms: rooms.join(',') } });
  ioSockets.push(socket);
  const state = { lastSeq: 0 };
  socket.once('connect', opened);
  socket.on('next', (message) => count(JSON.stringify(message), state));
}

/** @param {number} attempt */
function openWs(attempt, index = sockets.length) {
  const { variables, rooms } = target(index);
  const state = { lastSeq: 0 };
  const url = job.orgIds ? `${job.url}?rooms=${encodeURIComponent(rooms.join(','))}` : job.url;
  const ws = job.mode === 'raw' ? new WebSocket(url) : new WebSocket(job.url, 'graphql-transport-ws');
  if (attempt === 0) sockets.push(ws);
  else sockets[index] = ws;
  let isOpen = false;
  ws.on('open', () => {
    if (job.mode === 'raw') return void ((isOpen = true), opened());
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${job.token}` } }));
  });
  ws.on('error', () => {
    if (isOpen || attempt >= 3) return;
    isOpen = true; // counted by the retry
    setTimeout(() => openWs(attempt + 1, index), 200);
  });
  ws.on('message', (data) => {
    const text = String(data);
    if (text.startsWith('{"type":"connection_ack"')) {
      ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
      isOpen = true;
      opened();
      return;
    }
    count(text, state);
  });
}
openMore();

parentPort.on('message', (msg) => {
  if (msg === 'report') {
    parentPort.postMessage({ open, received, latencies, disorder });
    latencies = [];
  } else if (msg === 'close') {
    for (const s of sockets) s.terminate();
    for (const s of ioSockets) s.disconnect();
    for (const r of requests) r.destroy();
    parentPort.postMessage({ closed: true });
  }
});
