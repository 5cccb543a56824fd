import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The HTTP request's id: every response echoes it in `x-request-id`, and the log lines written on the request's
 * behalf carry it as `req` (context.ts operationLog). It travels in the server context, not in an
 * AsyncLocalStorage: on Node 20 that turns on promise hooks for the whole process, a large share of every request's
 * CPU (docs/benchmarks.md, "request id").
 */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return (typeof given === 'string' && given.slice(0, 64)) || randomUUID();
}
