// One worker thread of HTTP load: `concurrency` keep-alive clients sending the same POST for `durationMs`,
// counting answers by status. Plain JavaScript: it runs in a worker without tsx.
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, headers, bodies, concurrency, durationMs, first, stampTime } = workerData;
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL(url);
const statuses = {};
/** Answers with status 200, per body index. */
const okByBody = {};
const latencies = [];
let done = 0;
let next = first * 7919; // workers start at different bodies
const stopAt = Date.now() + durationMs;

function once() {
  return new Promise((resolve) => {
    const index = next++ % bodies.length;
    const template = bodies[index];
    const body = stampTime ? template.replaceAll('"t":0', `"t":${Date.now()}`) : template;
    const started = performance.now();
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          if (res.statusCode === 200) okByBody[index] = (okByBody[index] ?? 0) + 1;
          if (done++ % 10 === 0) latencies.push(performance.now() - started);
          resolve();
        });
      },
    );
    req.on('error', () => {
      statuses.error = (statuses.error ?? 0) + 1;
      resolve();
    });
    req.end(body);
  });
}

async function client() {
  while (Date.now() < stopAt) await once();
}

await Promise.all(Array.from({ length: concurrency }, client));
agent.destroy();
parentPort.postMessage({ statuses, latencies, okByBody });
