import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ROOT } from './harness.js';

export interface HttpLoadResult {
  /** Answers by HTTP status (or `error` for a failed request). */
  statuses: Record<string, number>;
  /** Every 10th request's round trip, ms. */
  latencies: number[];
  /** Answers with status 200, per index into `bodies`. */
  okByBody: Record<number, number>;
}

/**
 * `clients` keep-alive HTTP clients on two worker threads of this process, each sending one of `bodies` in
 * turn to `url` for `durationMs`: as many requests as the server answers, never more than `clients` at once.
 */
export async function httpLoad(
  url: string,
  o: {
    headers: Record<string, string>;
    bodies: string[];
    clients: number;
    durationMs: number;
    /** Replace `"t":0` in each body with the time it is sent (publish → receipt latency). */
    stampTime?: boolean;
  },
): Promise<HttpLoadResult> {
  const threads = 2;
  const runs = Array.from({ length: threads }, (_, i) => {
    const worker = new Worker(join(ROOT, 'scripts/bench/http-load-worker.mjs'), {
      workerData: {
        url,
        headers: o.headers,
        bodies: o.bodies,
        first: i,
        stampTime: o.stampTime ?? false,
        concurrency: Math.ceil(o.clients / threads),
        durationMs: o.durationMs,
      },
    });
    return new Promise<HttpLoadResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  });
  const results = await Promise.all(runs);
  const statuses: Record<string, number> = {};
  const okByBody: Record<number, number> = {};
  for (const r of results) {
    for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.okByBody)) okByBody[Number(k)] = (okByBody[Number(k)] ?? 0) + v;
  }
  return { statuses, latencies: results.flatMap((r) => r.latencies), okByBody };
}
